//! Early fraud warnings: one per payment (a unique index), so two sweeps that both see
//! a payment to warn about cannot both create one. Whether a warning is still
//! actionable is not stored: it is computed as it is read, from the payment (not fully
//! refunded) and its dispute (none), so no refund or dispute has to remember to update
//! it.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

/// A warning as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlyFraudWarningRow {
    pub id: String,
    pub merchant_id: String,
    pub payment_intent_id: String,
    pub fraud_type: String,
    pub created_at: i64,
}

/// A warning as read, with whether it is still actionable.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EarlyFraudWarningView {
    pub id: String,
    pub merchant_id: String,
    pub payment_intent_id: String,
    pub fraud_type: String,
    pub created_at: i64,
    /// 1 while the payment is neither fully refunded nor disputed, else 0.
    pub actionable: i64,
}

/// The columns of a view; `w` is the warning, `pi` its payment.
const VIEW: &str = "SELECT w.id, w.merchant_id, w.payment_intent_id, w.fraud_type, w.created_at, \
    CASE WHEN pi.amount_refunded < pi.amount_received \
    AND NOT EXISTS (SELECT 1 FROM disputes d WHERE d.payment_intent_id = w.payment_intent_id) \
    THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END AS actionable \
    FROM early_fraud_warnings w JOIN payment_intents pi ON pi.id = w.payment_intent_id";

/// Inserts `row` unless its payment already has a warning; true when inserted.
pub async fn insert(connection: &mut Connection, row: &EarlyFraudWarningRow) -> StoreResult<bool> {
    let inserted: Option<(String,)> = sqlx::query_as(
        "INSERT INTO early_fraud_warnings (id, merchant_id, payment_intent_id, fraud_type, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (payment_intent_id) DO NOTHING RETURNING id",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.payment_intent_id)
    .bind(&row.fraud_type)
    .bind(row.created_at)
    .fetch_optional(connection)
    .await?;
    Ok(inserted.is_some())
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<EarlyFraudWarningView>> {
    let sql = format!("{VIEW} WHERE w.id = $1 AND w.merchant_id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(merchant_id).fetch_optional(pool).await?)
}

/// The list filters; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub payment_intent_id: Option<String>,
    pub starting_after: Option<String>,
    pub limit: i64,
}

/// Newest first (ids sort by creation time), after the cursor.
pub async fn list(pool: &AnyPool, merchant_id: &str, filter: &ListFilter) -> StoreResult<Vec<EarlyFraudWarningView>> {
    let sql = format!(
        "{VIEW} WHERE w.merchant_id = $1 \
         AND (CAST($2 AS TEXT) IS NULL OR w.payment_intent_id = $2) \
         AND (CAST($3 AS TEXT) IS NULL OR w.id < $3) ORDER BY w.id DESC LIMIT $4"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(filter.payment_intent_id.as_deref())
        .bind(filter.starting_after.as_deref())
        .bind(filter.limit)
        .fetch_all(pool)
        .await?)
}

/// Succeeded payments whose sandbox card raises an early fraud warning and which have
/// none yet. The first `LIKE` is the partial index's predicate, word for word.
pub async fn warnable(pool: &AnyPool, merchant_id: &str, limit: i64) -> StoreResult<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT pi.id FROM payment_attempts pa \
         JOIN payment_intents pi ON pi.id = pa.payment_intent_id AND pi.latest_attempt_id = pa.id \
         WHERE pa.merchant_id = $1 AND pa.flags LIKE '%\"dispute\":\"%' \
         AND pa.flags LIKE '%\"dispute\":\"early_fraud_warning\"%' AND pi.status = 'succeeded' \
         AND NOT EXISTS (SELECT 1 FROM early_fraud_warnings w WHERE w.payment_intent_id = pi.id) \
         ORDER BY pa.id LIMIT $2",
    )
    .bind(merchant_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
