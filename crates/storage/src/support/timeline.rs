//! A conversation's timeline: every change, message, tool call and answer, in order.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TimelineRow {
    pub id: String,
    pub merchant_id: String,
    pub conversation_id: String,
    pub kind: String,
    /// `buyer`, `assistant`, `system` or an agent id.
    pub actor: String,
    /// JSON object.
    pub data: String,
    pub created_at: i64,
}

pub async fn insert(connection: &mut Connection, row: &TimelineRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO conversation_events (id, merchant_id, conversation_id, kind, actor, data, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.conversation_id)
    .bind(&row.kind)
    .bind(&row.actor)
    .bind(&row.data)
    .bind(row.created_at)
    .execute(connection)
    .await?;
    Ok(())
}

/// In order, after the cursor.
pub async fn list(
    pool: &AnyPool,
    merchant_id: &str,
    conversation_id: &str,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<TimelineRow>> {
    Ok(sqlx::query_as(
        "SELECT id, merchant_id, conversation_id, kind, actor, data, created_at FROM conversation_events \
         WHERE merchant_id = $1 AND conversation_id = $2 AND (CAST($3 AS TEXT) IS NULL OR id > $3) \
         ORDER BY id LIMIT $4",
    )
    .bind(merchant_id)
    .bind(conversation_id)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}
