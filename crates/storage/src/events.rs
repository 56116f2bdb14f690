//! Events, written in the same transaction as the state change they describe, so a
//! change is never visible without its event (later work delivers them as webhooks).

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: String,
    pub merchant_id: String,
    pub event_type: String,
    pub object_id: String,
    pub data: String,
    pub created_at: i64,
}

pub async fn insert(connection: &mut Connection, row: &EventRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO events (id, merchant_id, event_type, object_id, data, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.event_type)
    .bind(&row.object_id)
    .bind(&row.data)
    .bind(row.created_at)
    .execute(connection)
    .await?;
    Ok(())
}

/// Newest first; `before` is an event id cursor.
pub async fn list(
    pool: &AnyPool,
    merchant_id: &str,
    object_id: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<EventRow>> {
    let rows = sqlx::query_as(
        "SELECT id, merchant_id, event_type, object_id, data, created_at FROM events \
         WHERE merchant_id = $1 AND (CAST($2 AS TEXT) IS NULL OR object_id = $2) \
         AND (CAST($3 AS TEXT) IS NULL OR id < $3) ORDER BY id DESC LIMIT $4",
    )
    .bind(merchant_id)
    .bind(object_id)
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}
