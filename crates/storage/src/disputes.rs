//! Disputes. One per payment (a unique index), so two sweeps that both see a payment
//! to dispute cannot both open one; every status change is conditional on the status
//! the caller read.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DisputeRow {
    pub id: String,
    pub merchant_id: String,
    pub payment_intent_id: String,
    pub amount: i64,
    pub currency: String,
    pub fee: i64,
    pub status: String,
    pub reason: String,
    /// JSON object of evidence fields.
    pub evidence: String,
    pub submission_count: i64,
    pub due_by: i64,
    pub scheduled_at: Option<i64>,
    pub metadata: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, merchant_id, payment_intent_id, amount, currency, fee, status, reason, evidence, \
    submission_count, due_by, scheduled_at, metadata, created_at, updated_at";

/// A payment whose card opens a dispute, and which has none yet.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Disputable {
    pub payment_intent_id: String,
    /// The attempt's sandbox flags (JSON), naming the dispute scenario.
    pub flags: String,
}

/// Inserts `row` unless its payment already has a dispute; true when inserted.
pub async fn insert(connection: &mut Connection, row: &DisputeRow) -> StoreResult<bool> {
    let inserted: Option<(String,)> = sqlx::query_as(
        "INSERT INTO disputes (id, merchant_id, payment_intent_id, amount, currency, fee, status, reason, evidence, \
         submission_count, due_by, scheduled_at, metadata, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         ON CONFLICT (payment_intent_id) DO NOTHING RETURNING id",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.payment_intent_id)
    .bind(row.amount)
    .bind(&row.currency)
    .bind(row.fee)
    .bind(&row.status)
    .bind(&row.reason)
    .bind(&row.evidence)
    .bind(row.submission_count)
    .bind(row.due_by)
    .bind(row.scheduled_at)
    .bind(&row.metadata)
    .bind(row.created_at)
    .bind(row.updated_at)
    .fetch_optional(connection)
    .await?;
    Ok(inserted.is_some())
}

/// Writes `row`'s status, evidence, submission count, schedule, metadata, amount, fee
/// and deadline (the last three change when an inquiry escalates) if the stored status
/// is still `expected_status`; false when another change won.
pub async fn update(connection: &mut Connection, row: &DisputeRow, expected_status: &str) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE disputes SET status = $1, evidence = $2, submission_count = $3, scheduled_at = $4, metadata = $5, \
         updated_at = $6, amount = $10, fee = $11, due_by = $12 WHERE id = $7 AND merchant_id = $8 AND status = $9",
    )
    .bind(&row.status)
    .bind(&row.evidence)
    .bind(row.submission_count)
    .bind(row.scheduled_at)
    .bind(&row.metadata)
    .bind(row.updated_at)
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(expected_status)
    .bind(row.amount)
    .bind(row.fee)
    .bind(row.due_by)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Touches a payment's row if its refunded total is still `amount_refunded`, so opening
/// a dispute and reserving a refund serialise on that row: whichever commits second sees
/// the other (a refund reads the dispute after its reservation; a dispute fails here).
pub async fn hold_payment(
    connection: &mut Connection,
    payment_intent_id: &str,
    amount_refunded: i64,
    now: i64,
) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE payment_intents SET updated_at = $1, version = version + 1 \
         WHERE id = $2 AND status = 'succeeded' AND amount_refunded = $3",
    )
    .bind(now)
    .bind(payment_intent_id)
    .bind(amount_refunded)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<DisputeRow>> {
    let sql = format!("SELECT {COLUMNS} FROM disputes WHERE id = $1 AND merchant_id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(merchant_id).fetch_optional(pool).await?)
}

pub async fn get_in(connection: &mut Connection, merchant_id: &str, id: &str) -> StoreResult<Option<DisputeRow>> {
    let sql = format!("SELECT {COLUMNS} FROM disputes WHERE id = $1 AND merchant_id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(merchant_id).fetch_optional(connection).await?)
}

/// The dispute of a payment, if any.
pub async fn for_payment(
    connection: &mut Connection,
    merchant_id: &str,
    payment_intent_id: &str,
) -> StoreResult<Option<DisputeRow>> {
    let sql = format!("SELECT {COLUMNS} FROM disputes WHERE payment_intent_id = $1 AND merchant_id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(payment_intent_id)
        .bind(merchant_id)
        .fetch_optional(connection)
        .await?)
}

/// The list filters; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub payment_intent_id: Option<String>,
    pub status: Option<String>,
    pub starting_after: Option<String>,
    pub limit: i64,
}

/// Newest first (ids sort by creation time), after the cursor.
pub async fn list(pool: &AnyPool, merchant_id: &str, filter: &ListFilter) -> StoreResult<Vec<DisputeRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM disputes WHERE merchant_id = $1 \
         AND (CAST($2 AS TEXT) IS NULL OR payment_intent_id = $2) \
         AND (CAST($3 AS TEXT) IS NULL OR status = $3) \
         AND (CAST($4 AS TEXT) IS NULL OR id < $4) ORDER BY id DESC LIMIT $5"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(filter.payment_intent_id.as_deref())
        .bind(filter.status.as_deref())
        .bind(filter.starting_after.as_deref())
        .bind(filter.limit)
        .fetch_all(pool)
        .await?)
}

/// Disputes whose deadline or decision is due at `now`.
pub async fn due(pool: &AnyPool, merchant_id: &str, now: i64, limit: i64) -> StoreResult<Vec<DisputeRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM disputes WHERE merchant_id = $1 AND scheduled_at IS NOT NULL AND scheduled_at <= $2 \
         ORDER BY id LIMIT $3"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(now).bind(limit).fetch_all(pool).await?)
}

/// Succeeded payments, not wholly refunded, whose sandbox card opens a dispute (not an
/// early fraud warning, which opens none: see `early_fraud_warnings::warnable`) and
/// which have none yet. The `LIKE` predicate
/// is the partial index's, word for word, so the index serves the query.
pub async fn disputable(pool: &AnyPool, merchant_id: &str, limit: i64) -> StoreResult<Vec<Disputable>> {
    Ok(sqlx::query_as(
        "SELECT pi.id AS payment_intent_id, pa.flags FROM payment_attempts pa \
         JOIN payment_intents pi ON pi.id = pa.payment_intent_id AND pi.latest_attempt_id = pa.id \
         WHERE pa.merchant_id = $1 AND pa.flags LIKE '%\"dispute\":\"%' \
         AND pa.flags NOT LIKE '%\"dispute\":\"early_fraud_warning\"%' \
         AND pi.status = 'succeeded' AND pi.amount_refunded < pi.amount_received \
         AND NOT EXISTS (SELECT 1 FROM disputes d WHERE d.payment_intent_id = pi.id) \
         ORDER BY pa.id LIMIT $2",
    )
    .bind(merchant_id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}
