//! Webhook deliveries (one event owed to one endpoint) and their attempt log.
//!
//! The events table is the outbox: [`undispatched`] finds events not yet turned into
//! deliveries and [`mark_dispatched`] claims a batch of them, conditionally, in the
//! transaction that inserts their deliveries ([`insert_many`]). Workers [`claim`] due
//! deliveries by a conditional update of a lease (real time) and [`record_attempt`] the
//! outcome only while they still hold it, so an attempt is never sent by two workers at
//! once and a crashed worker's lease simply expires. `next_attempt_at` is on the
//! merchant's (sandbox) clock.

use crate::batch::{Batch, numbered};
use crate::{Connection, Store, StoreResult};
use sqlx::AnyPool;

/// An event waiting for the dispatcher, with its merchant's clock offset.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UndispatchedEvent {
    pub id: String,
    pub merchant_id: String,
    pub event_type: String,
    pub clock_offset_seconds: i64,
}

/// Oldest first: events not yet dispatched, of one merchant or of all.
pub async fn undispatched(
    pool: &AnyPool,
    merchant_id: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<UndispatchedEvent>> {
    Ok(sqlx::query_as(
        "SELECT e.id, e.merchant_id, e.event_type, m.clock_offset_seconds FROM events e \
         JOIN merchants m ON m.id = e.merchant_id \
         WHERE e.dispatched_at IS NULL AND (CAST($1 AS TEXT) IS NULL OR e.merchant_id = $1) \
         ORDER BY e.created_at, e.id LIMIT $2",
    )
    .bind(merchant_id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Events one claim or one delivery insert names at most (a dispatcher's batch is 100).
const ROWS_PER_STATEMENT: usize = 100;

/// Marks `event_ids` dispatched at `now`, one statement per 100, and answers the ids it
/// marked: an id missing was dispatched by another dispatcher first (its update waited
/// for the other's commit, then found `dispatched_at` set). One statement for the batch,
/// not one per event: on SQLite the transaction holds the writer slot throughout, so a
/// statement per event kept every other write waiting for a whole batch of round trips.
pub async fn mark_dispatched(connection: &mut Connection, event_ids: &[&str], now: i64) -> StoreResult<Vec<String>> {
    let mut marked = Vec::with_capacity(event_ids.len());
    for chunk in event_ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE events SET dispatched_at = $1 WHERE dispatched_at IS NULL AND id IN {} RETURNING id",
            numbered(1, chunk.len())
        );
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(now);
        for id in chunk {
            query = query.bind(*id);
        }
        marked.extend(query.fetch_all(&mut *connection).await?);
    }
    Ok(marked)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: String,
    pub merchant_id: String,
    pub event_id: String,
    pub endpoint_id: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str =
    "id, merchant_id, event_id, endpoint_id, status, attempts, next_attempt_at, created_at, updated_at";
/// The columns [`COLUMNS`] names.
const COLUMN_COUNT: usize = 9;

pub async fn insert(connection: &mut Connection, row: &DeliveryRow) -> StoreResult<()> {
    insert_many(connection, std::slice::from_ref(row)).await
}

/// Inserts `rows`, one statement per 100.
pub async fn insert_many(connection: &mut Connection, rows: &[DeliveryRow]) -> StoreResult<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let values: Vec<String> = (0..chunk.len()).map(|index| numbered(index * COLUMN_COUNT, COLUMN_COUNT)).collect();
        let sql = format!("INSERT INTO webhook_deliveries ({COLUMNS}) VALUES {}", values.join(", "));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            query = query
                .bind(&row.id)
                .bind(&row.merchant_id)
                .bind(&row.event_id)
                .bind(&row.endpoint_id)
                .bind(&row.status)
                .bind(row.attempts)
                .bind(row.next_attempt_at)
                .bind(row.created_at)
                .bind(row.updated_at);
        }
        query.execute(&mut *connection).await?;
    }
    Ok(())
}

/// An endpoint with deliveries due and unclaimed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueEndpoint {
    pub endpoint_id: String,
    pub merchant_id: String,
}

/// Enabled endpoints (of one merchant, or all) with a pending delivery due at their
/// merchant's clock (`real_now` plus its offset) and not leased.
pub async fn endpoints_due(
    pool: &AnyPool,
    merchant_id: Option<&str>,
    real_now: i64,
    limit: i64,
) -> StoreResult<Vec<DueEndpoint>> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT d.endpoint_id, d.merchant_id FROM webhook_deliveries d \
         JOIN merchants m ON m.id = d.merchant_id JOIN webhook_endpoints w ON w.id = d.endpoint_id \
         WHERE d.status = 'pending' AND w.status = 'enabled' AND w.deleted_at IS NULL \
         AND (CAST($1 AS TEXT) IS NULL OR d.merchant_id = $1) \
         AND d.next_attempt_at <= $2 + m.clock_offset_seconds \
         AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= $2) \
         ORDER BY d.endpoint_id LIMIT $3",
    )
    .bind(merchant_id)
    .bind(real_now)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// A delivery a worker holds the lease of, with its event.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedDelivery {
    pub id: String,
    pub merchant_id: String,
    pub event_id: String,
    pub endpoint_id: String,
    /// Attempts made before this one.
    pub attempts: i64,
    pub event_type: String,
    pub data: String,
    pub event_created_at: i64,
}

/// What one claim asks for.
#[derive(Debug, Clone)]
pub struct Claim<'a> {
    pub endpoint_id: &'a str,
    /// The merchant's clock: deliveries due by then.
    pub merchant_now: i64,
    /// Real time: leases expired by then are free.
    pub real_now: i64,
    pub lease_expires_at: i64,
    /// Unique to this claim; the lease is held under it.
    pub token: &'a str,
    pub limit: i64,
}

/// Leases up to `claim.limit` due deliveries of one endpoint, oldest due first.
pub async fn claim(store: &Store, claim: &Claim<'_>) -> StoreResult<Vec<ClaimedDelivery>> {
    let mut batch = store.batch();
    // The outer conditions repeat the inner ones: on PostgreSQL a row another claim
    // leased meanwhile is re-checked after its lock and skipped.
    batch.push(
        "UPDATE webhook_deliveries SET lease_token = $1, lease_expires_at = $2 WHERE id IN (\
         SELECT id FROM webhook_deliveries WHERE endpoint_id = $3 AND status = 'pending' AND next_attempt_at <= $4 \
         AND (lease_expires_at IS NULL OR lease_expires_at <= $5) ORDER BY next_attempt_at, id LIMIT $6) \
         AND status = 'pending' AND (lease_expires_at IS NULL OR lease_expires_at <= $5)",
        |arguments| {
            arguments.add(claim.token)?;
            arguments.add(claim.lease_expires_at)?;
            arguments.add(claim.endpoint_id)?;
            arguments.add(claim.merchant_now)?;
            arguments.add(claim.real_now)?;
            arguments.add(claim.limit)
        },
    )?;
    store.write(batch).await?;
    Ok(sqlx::query_as(
        "SELECT d.id, d.merchant_id, d.event_id, d.endpoint_id, d.attempts, e.event_type, e.data, \
         e.created_at AS event_created_at FROM webhook_deliveries d JOIN events e ON e.id = d.event_id \
         WHERE d.lease_token = $1 ORDER BY d.next_attempt_at, d.id",
    )
    .bind(claim.token)
    .fetch_all(store.pool())
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AttemptRow {
    pub delivery_id: String,
    /// 1 for the first attempt.
    pub attempt: i64,
    pub merchant_id: String,
    pub event_id: String,
    pub endpoint_id: String,
    pub attempted_at: i64,
    pub http_status: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// Where a delivery goes after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Succeeded,
    RetryAt(i64),
    Failed,
}

/// Records an attempt and moves its delivery on, if `token` still holds the lease;
/// queues the endpoint's failing streak with it. False when the lease was lost.
pub async fn record_attempt(store: &Store, attempt: &AttemptRow, next: Next, token: &str) -> StoreResult<bool> {
    let (status, next_attempt_at) = match next {
        Next::Succeeded => ("succeeded", None),
        Next::RetryAt(at) => ("pending", Some(at)),
        Next::Failed => ("failed", None),
    };
    let mut batch: Batch = store.batch();
    batch.push(
        "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, \
         next_attempt_at = COALESCE($2, next_attempt_at), lease_token = NULL, lease_expires_at = NULL, \
         updated_at = $3 WHERE id = $4 AND lease_token = $5 RETURNING id",
        |arguments| {
            arguments.add(status)?;
            arguments.add(next_attempt_at)?;
            arguments.add(attempt.attempted_at)?;
            arguments.add(&attempt.delivery_id)?;
            arguments.add(token)
        },
    )?;
    batch.push(
        "INSERT INTO webhook_attempts (delivery_id, attempt, merchant_id, event_id, endpoint_id, attempted_at, \
         http_status, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        |arguments| {
            arguments.add(&attempt.delivery_id)?;
            arguments.add(attempt.attempt)?;
            arguments.add(&attempt.merchant_id)?;
            arguments.add(&attempt.event_id)?;
            arguments.add(&attempt.endpoint_id)?;
            arguments.add(attempt.attempted_at)?;
            arguments.add(attempt.http_status)?;
            arguments.add(&attempt.error)?;
            arguments.add(attempt.duration_ms)
        },
    )?;
    crate::webhook_endpoints::record_outcome_in(
        &mut batch,
        &attempt.endpoint_id,
        next == Next::Succeeded,
        attempt.attempted_at,
    )?;
    store.write_if_returned(batch, 1).await
}

/// Newest first: the deliveries of one event (at most `limit`).
pub async fn for_event(pool: &AnyPool, merchant_id: &str, event_id: &str, limit: i64) -> StoreResult<Vec<DeliveryRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM webhook_deliveries WHERE merchant_id = $1 AND event_id = $2 ORDER BY id DESC LIMIT $3"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(event_id).bind(limit).fetch_all(pool).await?)
}

/// The attempts of one event's deliveries, in order (at most `limit`).
pub async fn attempts_for_event(
    pool: &AnyPool,
    merchant_id: &str,
    event_id: &str,
    limit: i64,
) -> StoreResult<Vec<AttemptRow>> {
    Ok(sqlx::query_as(
        "SELECT delivery_id, attempt, merchant_id, event_id, endpoint_id, attempted_at, http_status, error, \
         duration_ms FROM webhook_attempts WHERE merchant_id = $1 AND event_id = $2 ORDER BY delivery_id, attempt \
         LIMIT $3",
    )
    .bind(merchant_id)
    .bind(event_id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}
