//! Merchant accounts and their sandbox clocks.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MerchantRow {
    pub id: String,
    pub name: String,
    pub clock_offset_seconds: i64,
    pub created_at: i64,
}

pub async fn insert(connection: &mut Connection, row: &MerchantRow) -> StoreResult<()> {
    sqlx::query("INSERT INTO merchants (id, name, clock_offset_seconds, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&row.id)
        .bind(&row.name)
        .bind(row.clock_offset_seconds)
        .bind(row.created_at)
        .execute(connection)
        .await?;
    Ok(())
}

pub async fn get(pool: &AnyPool, id: &str) -> StoreResult<Option<MerchantRow>> {
    let row = sqlx::query_as("SELECT id, name, clock_offset_seconds, created_at FROM merchants WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row)
}

/// Moves the merchant's sandbox clock forward; returns the new offset.
pub async fn advance_clock(connection: &mut Connection, id: &str, seconds: i64) -> StoreResult<i64> {
    let offset: (i64,) = sqlx::query_as(
        "UPDATE merchants SET clock_offset_seconds = clock_offset_seconds + $1 WHERE id = $2 \
         RETURNING clock_offset_seconds",
    )
    .bind(seconds)
    .bind(id)
    .fetch_one(connection)
    .await?;
    Ok(offset.0)
}

/// A page of merchant ids after `after` (for background sweeps).
pub async fn list_ids(pool: &AnyPool, after: &str, limit: i64) -> StoreResult<Vec<(String, i64)>> {
    let rows = sqlx::query_as("SELECT id, clock_offset_seconds FROM merchants WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    Ok(rows)
}
