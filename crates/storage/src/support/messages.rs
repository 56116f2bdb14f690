//! A conversation's messages and internal notes. Attachments are kept in the row
//! (BYTEA); lists never read them, only the attachment route does.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MessageRow {
    pub id: String,
    pub merchant_id: String,
    pub conversation_id: String,
    pub sender: String,
    pub agent_id: Option<String>,
    pub kind: String,
    pub private: i64,
    pub text: String,
    pub language: Option<String>,
    /// JSON object: language code → the text in that language.
    pub translations: String,
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub attachment_size: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, merchant_id, conversation_id, sender, agent_id, kind, private, text, language, \
    translations, attachment_name, attachment_type, attachment_size, created_at";

/// Inserts a message with its attachment's bytes, if any.
pub async fn insert(connection: &mut Connection, row: &MessageRow, attachment: Option<&[u8]>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO conversation_messages (id, merchant_id, conversation_id, sender, agent_id, kind, private, text, \
         language, translations, attachment_name, attachment_type, attachment_size, attachment, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.conversation_id)
    .bind(&row.sender)
    .bind(&row.agent_id)
    .bind(&row.kind)
    .bind(row.private)
    .bind(&row.text)
    .bind(&row.language)
    .bind(&row.translations)
    .bind(&row.attachment_name)
    .bind(&row.attachment_type)
    .bind(row.attachment_size)
    .bind(attachment.map(<[u8]>::to_vec))
    .bind(row.created_at)
    .execute(connection)
    .await?;
    Ok(())
}

/// Adds a translation to a stored message (written once the translator answered).
pub async fn set_translations(
    connection: &mut Connection,
    merchant_id: &str,
    id: &str,
    translations: &str,
) -> StoreResult<()> {
    sqlx::query("UPDATE conversation_messages SET translations = $1 WHERE id = $2 AND merchant_id = $3")
        .bind(translations)
        .bind(id)
        .bind(merchant_id)
        .execute(connection)
        .await?;
    Ok(())
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<MessageRow>> {
    let sql = format!("SELECT {COLUMNS} FROM conversation_messages WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(pool).await?)
}

/// A message's attachment: (name, content type, bytes).
pub async fn attachment(
    pool: &AnyPool,
    merchant_id: &str,
    conversation_id: &str,
    id: &str,
) -> StoreResult<Option<(String, String, Vec<u8>)>> {
    Ok(sqlx::query_as(
        "SELECT attachment_name, attachment_type, attachment FROM conversation_messages \
         WHERE merchant_id = $1 AND conversation_id = $2 AND id = $3 AND attachment IS NOT NULL",
    )
    .bind(merchant_id)
    .bind(conversation_id)
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

/// A conversation's messages in order, after the cursor; `include_private` false leaves
/// internal notes out (what the buyer may see).
pub async fn list(
    pool: &AnyPool,
    merchant_id: &str,
    conversation_id: &str,
    after: Option<&str>,
    include_private: bool,
    limit: i64,
) -> StoreResult<Vec<MessageRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM conversation_messages WHERE merchant_id = $1 AND conversation_id = $2 \
         AND (CAST($3 AS TEXT) IS NULL OR id > $3) AND (private = 0 OR $4 = 1) ORDER BY id LIMIT $5"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(conversation_id)
        .bind(after)
        .bind(i64::from(include_private))
        .bind(limit)
        .fetch_all(pool)
        .await?)
}

/// The latest messages of a conversation, newest last (the assistant's context).
pub async fn latest(pool: &AnyPool, conversation_id: &str, limit: i64) -> StoreResult<Vec<MessageRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM (SELECT {COLUMNS} FROM conversation_messages WHERE conversation_id = $1 \
         ORDER BY id DESC LIMIT $2) recent ORDER BY id"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(conversation_id).bind(limit).fetch_all(pool).await?)
}
