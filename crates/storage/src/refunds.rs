//! Refunds. The captured-total rule is enforced on the intent row
//! (`payment_intents::reserve_refund`) in the same transaction as the insert here.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefundRow {
    pub id: String,
    pub merchant_id: String,
    pub payment_intent_id: String,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub reason: Option<String>,
    pub failure_reason: Option<String>,
    pub destination: Option<String>,
    pub metadata: String,
    pub scheduled_at: Option<i64>,
    pub scheduled_outcome: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The Stripe or PayPal connector account that made the refund (`mca_…`); `None`
    /// for a sandbox refund.
    pub connector_account_id: Option<String>,
    /// The provider's refund id (Stripe `re_…`, PayPal's refund id).
    pub connector_reference: Option<String>,
}

const COLUMNS: &str = "id, merchant_id, payment_intent_id, amount, currency, status, reason, failure_reason, \
    destination, metadata, scheduled_at, scheduled_outcome, created_at, updated_at, connector_account_id, \
    connector_reference";

pub async fn insert(connection: &mut Connection, row: &RefundRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO refunds (id, merchant_id, payment_intent_id, amount, currency, status, reason, failure_reason, \
         destination, metadata, scheduled_at, scheduled_outcome, created_at, updated_at, connector_account_id, \
         connector_reference) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.payment_intent_id)
    .bind(row.amount)
    .bind(&row.currency)
    .bind(&row.status)
    .bind(&row.reason)
    .bind(&row.failure_reason)
    .bind(&row.destination)
    .bind(&row.metadata)
    .bind(row.scheduled_at)
    .bind(&row.scheduled_outcome)
    .bind(row.created_at)
    .bind(row.updated_at)
    .bind(&row.connector_account_id)
    .bind(&row.connector_reference)
    .execute(connection)
    .await?;
    Ok(())
}

/// Moves a refund out of `pending`; false when it already left that status.
pub async fn settle(
    connection: &mut Connection,
    id: &str,
    status: &str,
    failure_reason: Option<&str>,
    now: i64,
) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE refunds SET status = $1, failure_reason = $2, scheduled_at = NULL, scheduled_outcome = NULL, \
         updated_at = $3 WHERE id = $4 AND status = 'pending'",
    )
    .bind(status)
    .bind(failure_reason)
    .bind(now)
    .bind(id)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// A succeeded refund that the provider later reports failed (card 4000000000005126).
pub async fn fail_after_success(connection: &mut Connection, id: &str, reason: &str, now: i64) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE refunds SET status = 'failed', failure_reason = $1, scheduled_at = NULL, scheduled_outcome = NULL, \
         updated_at = $2 WHERE id = $3 AND status = 'succeeded'",
    )
    .bind(reason)
    .bind(now)
    .bind(id)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<RefundRow>> {
    let sql = format!("SELECT {COLUMNS} FROM refunds WHERE id = $1 AND merchant_id = $2");
    let row = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(merchant_id).fetch_optional(pool).await?;
    Ok(row)
}

/// The same read inside a write transaction.
pub async fn get_in(connection: &mut Connection, merchant_id: &str, id: &str) -> StoreResult<Option<RefundRow>> {
    let sql = format!("SELECT {COLUMNS} FROM refunds WHERE id = $1 AND merchant_id = $2");
    let row = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(merchant_id).fetch_optional(connection).await?;
    Ok(row)
}

pub async fn list(
    pool: &AnyPool,
    merchant_id: &str,
    payment_intent_id: Option<&str>,
    starting_after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<RefundRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM refunds WHERE merchant_id = $1 \
         AND (CAST($2 AS TEXT) IS NULL OR payment_intent_id = $2) \
         AND (CAST($3 AS TEXT) IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
    );
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(payment_intent_id)
        .bind(starting_after)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    Ok(rows)
}

/// Refunds whose delayed outcome is due at `now`.
pub async fn due(pool: &AnyPool, merchant_id: &str, now: i64, limit: i64) -> StoreResult<Vec<RefundRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM refunds WHERE merchant_id = $1 AND scheduled_at IS NOT NULL AND scheduled_at <= $2 \
         ORDER BY id LIMIT $3"
    );
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(now).bind(limit).fetch_all(pool).await?;
    Ok(rows)
}

/// Forgets a refund's delayed outcome (it was settled another way).
pub async fn clear_schedule(connection: &mut Connection, id: &str) -> StoreResult<()> {
    sqlx::query("UPDATE refunds SET scheduled_at = NULL, scheduled_outcome = NULL WHERE id = $1")
        .bind(id)
        .execute(connection)
        .await?;
    Ok(())
}

/// The refund a connector account's provider knows as `connector_reference`, inside a
/// write transaction.
pub async fn find_by_connector_reference_in(
    connection: &mut Connection,
    merchant_id: &str,
    connector_account_id: &str,
    connector_reference: &str,
) -> StoreResult<Option<RefundRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM refunds WHERE connector_account_id = $1 AND connector_reference = $2 \
         AND merchant_id = $3"
    );
    let row = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(connector_account_id)
        .bind(connector_reference)
        .bind(merchant_id)
        .fetch_optional(connection)
        .await?;
    Ok(row)
}

/// [`pending_at_connector`]'s query (public for the plan tests), on the partial index
/// `refunds_at_connector` (migration 0019), whose conditions it repeats.
pub fn pending_at_connector_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM refunds WHERE merchant_id = $1 AND status = 'pending' \
         AND connector_reference IS NOT NULL AND updated_at <= $2 ORDER BY updated_at, id LIMIT $3"
    )
}

/// Refunds still pending at a provider and unchanged since `updated_before`, oldest
/// first: the status sync asks the provider about them.
pub async fn pending_at_connector(
    pool: &AnyPool,
    merchant_id: &str,
    updated_before: i64,
    limit: i64,
) -> StoreResult<Vec<RefundRow>> {
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(pending_at_connector_sql()))
        .bind(merchant_id)
        .bind(updated_before)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    Ok(rows)
}

/// Marks a pending refund as checked at `now` (the provider still says pending), so the
/// status sync asks again only after its threshold.
pub async fn touch_pending(connection: &mut Connection, id: &str, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE refunds SET updated_at = $1 WHERE id = $2 AND status = 'pending'")
        .bind(now)
        .bind(id)
        .execute(connection)
        .await?;
    Ok(())
}
