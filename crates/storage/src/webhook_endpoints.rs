//! Webhook endpoints: the URLs a merchant receives events at, their event filters and
//! signing secrets (the secret is stored because HMAC needs it; it is emptied when the
//! endpoint is deleted). Deleted endpoints stay as rows (their deliveries' log refers
//! to them) but no query of the API sees them.

use crate::batch::Batch;
use crate::events::EventRow;
use crate::{Connection, StoreResult};
use sqlx::AnyPool;

/// `Debug` leaves the secrets out.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EndpointRow {
    pub id: String,
    pub merchant_id: String,
    pub url: String,
    pub description: Option<String>,
    /// JSON object of strings.
    pub metadata: String,
    /// JSON array of event types, or `["*"]`.
    pub enabled_events: String,
    /// `enabled` or `disabled`.
    pub status: String,
    /// `merchant` or `failing`, when disabled.
    pub disabled_reason: Option<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<i64>,
    pub failing_since: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for EndpointRow {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("EndpointRow")
            .field("id", &self.id)
            .field("merchant_id", &self.merchant_id)
            .field("url", &self.url)
            .field("enabled_events", &self.enabled_events)
            .field("status", &self.status)
            .field("disabled_reason", &self.disabled_reason)
            .field("secret", &"[redacted]")
            .field("previous_secret", &self.previous_secret.as_ref().map(|_| "[redacted]"))
            .field("failing_since", &self.failing_since)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, merchant_id, url, description, metadata, enabled_events, status, disabled_reason, \
    secret, previous_secret, previous_secret_expires_at, failing_since, created_at, updated_at";

pub async fn insert(connection: &mut Connection, row: &EndpointRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, merchant_id, url, description, metadata, enabled_events, status, \
         disabled_reason, secret, previous_secret, previous_secret_expires_at, failing_since, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.url)
    .bind(&row.description)
    .bind(&row.metadata)
    .bind(&row.enabled_events)
    .bind(&row.status)
    .bind(&row.disabled_reason)
    .bind(&row.secret)
    .bind(&row.previous_secret)
    .bind(row.previous_secret_expires_at)
    .bind(row.failing_since)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(connection)
    .await?;
    Ok(())
}

/// A merchant's endpoint, unless deleted.
pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<EndpointRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE merchant_id = $1 AND id = $2 AND deleted_at IS NULL");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(pool).await?)
}

/// Newest first, after the cursor; deleted endpoints left out.
pub async fn list(
    pool: &AnyPool,
    merchant_id: &str,
    starting_after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<EndpointRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM webhook_endpoints WHERE merchant_id = $1 AND deleted_at IS NULL \
         AND (CAST($2 AS TEXT) IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(starting_after)
        .bind(limit)
        .fetch_all(pool)
        .await?)
}

/// Endpoints a merchant has (not deleted), for the per-merchant limit.
pub async fn count(connection: &mut Connection, merchant_id: &str) -> StoreResult<i64> {
    let (count,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM webhook_endpoints WHERE merchant_id = $1 AND deleted_at IS NULL")
            .bind(merchant_id)
            .fetch_one(connection)
            .await?;
    Ok(count)
}

/// The enabled endpoints of a merchant, for the dispatcher.
pub async fn enabled<'c>(
    executor: impl sqlx::Executor<'c, Database = sqlx::Any>,
    merchant_id: &str,
) -> StoreResult<Vec<EndpointRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM webhook_endpoints WHERE merchant_id = $1 AND status = 'enabled' \
         AND deleted_at IS NULL ORDER BY id"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).fetch_all(executor).await?)
}

/// An endpoint by id alone, for the delivery worker (which works across merchants);
/// `None` once deleted.
pub async fn get_for_delivery(pool: &AnyPool, id: &str) -> StoreResult<Option<EndpointRow>> {
    let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE id = $1 AND deleted_at IS NULL");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?)
}

/// Writes the fields a merchant may change (url, description, metadata, events,
/// status); false when the endpoint is gone.
pub async fn update(connection: &mut Connection, row: &EndpointRow) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE webhook_endpoints SET url = $1, description = $2, metadata = $3, enabled_events = $4, status = $5, \
         disabled_reason = $6, failing_since = $7, updated_at = $8 \
         WHERE id = $9 AND merchant_id = $10 AND deleted_at IS NULL",
    )
    .bind(&row.url)
    .bind(&row.description)
    .bind(&row.metadata)
    .bind(&row.enabled_events)
    .bind(&row.status)
    .bind(&row.disabled_reason)
    .bind(row.failing_since)
    .bind(row.updated_at)
    .bind(&row.id)
    .bind(&row.merchant_id)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Replaces the secret; the old one keeps signing until `previous_expires_at`.
pub async fn rotate_secret(
    connection: &mut Connection,
    merchant_id: &str,
    id: &str,
    secret: &str,
    previous_expires_at: i64,
    now: i64,
) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = $1, secret = $2, \
         updated_at = $3 WHERE id = $4 AND merchant_id = $5 AND deleted_at IS NULL",
    )
    .bind(previous_expires_at)
    .bind(secret)
    .bind(now)
    .bind(id)
    .bind(merchant_id)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Deletes an endpoint: it stops receiving, disappears from the API and its secrets
/// are erased. False when it was already gone.
pub async fn delete(connection: &mut Connection, merchant_id: &str, id: &str, now: i64) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE webhook_endpoints SET deleted_at = $1, updated_at = $1, status = 'disabled', secret = '', \
         previous_secret = NULL WHERE id = $2 AND merchant_id = $3 AND deleted_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(merchant_id)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Queues in `batch` what an attempt's outcome does to its endpoint: a success ends
/// a failing streak, a failure starts one (if none is running).
pub fn record_outcome_in(batch: &mut Batch, endpoint_id: &str, succeeded: bool, now: i64) -> StoreResult<()> {
    if succeeded {
        batch.push(
            "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL",
            |arguments| arguments.add(endpoint_id),
        )
    } else {
        batch.push(
            "UPDATE webhook_endpoints SET failing_since = $1 WHERE id = $2 AND failing_since IS NULL",
            |arguments| {
                arguments.add(now)?;
                arguments.add(endpoint_id)
            },
        )
    }
}

/// A batch that disables the endpoint if it is enabled and has failed since
/// `failing_since_by` or earlier, with `event` announcing it; write it with
/// `write_if_returned(batch, 1)` so the event is written only if the endpoint moved.
pub fn disable_failing(
    store: &crate::Store,
    endpoint_id: &str,
    failing_since_by: i64,
    now: i64,
    event: &EventRow,
) -> StoreResult<Batch> {
    let mut batch = store.batch();
    batch.push(
        "UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = 'failing', updated_at = $1 \
         WHERE id = $2 AND status = 'enabled' AND deleted_at IS NULL AND failing_since IS NOT NULL \
         AND failing_since <= $3 RETURNING id",
        |arguments| {
            arguments.add(now)?;
            arguments.add(endpoint_id)?;
            arguments.add(failing_since_by)
        },
    )?;
    crate::events::insert_in(&mut batch, event)?;
    Ok(batch)
}
