//! Events, written in the same transaction as the state change they describe, so a
//! change is never visible without its event (the webhook dispatcher, `webhook_deliveries`,
//! turns them into deliveries).

use crate::batch::{self, Arguments, Batch};
use crate::{Connection, StoreResult};
use sqlx::AnyPool;
use sqlx::error::BoxDynError;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: String,
    pub merchant_id: String,
    pub event_type: String,
    pub object_id: String,
    pub data: String,
    pub created_at: i64,
}

const INSERT: &str =
    "INSERT INTO events (id, merchant_id, event_type, object_id, data, created_at) VALUES ($1, $2, $3, $4, $5, $6)";

fn insert_arguments(arguments: &mut Arguments, row: &EventRow) -> Result<(), BoxDynError> {
    arguments.add(&row.id)?;
    arguments.add(&row.merchant_id)?;
    arguments.add(&row.event_type)?;
    arguments.add(&row.object_id)?;
    arguments.add(&row.data)?;
    arguments.add(row.created_at)
}

pub async fn insert(connection: &mut Connection, row: &EventRow) -> StoreResult<()> {
    let arguments = batch::arguments(|arguments| insert_arguments(arguments, row))?;
    sqlx::query_with(INSERT, arguments).execute(connection).await?;
    Ok(())
}

/// [`insert`], queued in `batch` among its last inserts: the event is written after
/// the batch's conditional statements, and on PostgreSQL rides in the ledger's
/// statement when the batch posts transfers.
pub fn insert_in(batch: &mut Batch, row: &EventRow) -> StoreResult<()> {
    batch.push_last_insert(INSERT, |arguments| insert_arguments(arguments, row))
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

/// One of a merchant's events.
pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<EventRow>> {
    Ok(sqlx::query_as(
        "SELECT id, merchant_id, event_type, object_id, data, created_at FROM events WHERE merchant_id = $1 AND id = $2",
    )
    .bind(merchant_id)
    .bind(id)
    .fetch_optional(pool)
    .await?)
}
