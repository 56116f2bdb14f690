//! Canned responses agents insert into replies.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CannedRow {
    pub id: String,
    pub merchant_id: String,
    pub shortcut: String,
    pub title: String,
    pub text: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, merchant_id, shortcut, title, text, created_at, updated_at";

/// Inserts a canned response; false when the shortcut is taken.
pub async fn insert(connection: &mut Connection, row: &CannedRow) -> StoreResult<bool> {
    let result = sqlx::query(
        "INSERT INTO canned_responses (id, merchant_id, shortcut, title, text, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.shortcut)
    .bind(&row.title)
    .bind(&row.text)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn update(connection: &mut Connection, row: &CannedRow) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE canned_responses SET shortcut = $1, title = $2, text = $3, updated_at = $4 \
         WHERE id = $5 AND merchant_id = $6",
    )
    .bind(&row.shortcut)
    .bind(&row.title)
    .bind(&row.text)
    .bind(row.updated_at)
    .bind(&row.id)
    .bind(&row.merchant_id)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn delete(connection: &mut Connection, merchant_id: &str, id: &str) -> StoreResult<bool> {
    let result = sqlx::query("DELETE FROM canned_responses WHERE id = $1 AND merchant_id = $2")
        .bind(id)
        .bind(merchant_id)
        .execute(connection)
        .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<CannedRow>> {
    let sql = format!("SELECT {COLUMNS} FROM canned_responses WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(pool).await?)
}

/// By shortcut, alphabetically.
pub async fn list(pool: &AnyPool, merchant_id: &str, limit: i64) -> StoreResult<Vec<CannedRow>> {
    let sql = format!("SELECT {COLUMNS} FROM canned_responses WHERE merchant_id = $1 ORDER BY shortcut LIMIT $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(limit).fetch_all(pool).await?)
}
