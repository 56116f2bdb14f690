//! Balance transactions: the merchant's view of the ledger, Stripe-shaped. Each is
//! written in the same transaction as the ledger transfers and the state change that
//! caused it; the settlement sweep moves it from `pending` to `available` on its
//! `available_on` date, in the same transaction as the settlement transfers.

use crate::batch::{self, Arguments, Batch};
use crate::{Connection, StoreResult};
use sqlx::AnyPool;
use sqlx::error::BoxDynError;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BalanceTransactionRow {
    pub id: String,
    pub merchant_id: String,
    /// `charge`, `refund`, `refund_failure`, `adjustment`, `payout`…
    pub r#type: String,
    pub reporting_category: String,
    /// Signed: positive adds to the merchant's balance, negative takes from it.
    pub amount: i64,
    pub fee: i64,
    pub net: i64,
    pub currency: String,
    /// JSON array of the fee's parts.
    pub fee_details: String,
    pub source_id: String,
    pub payment_intent_id: Option<String>,
    pub connector: Option<String>,
    pub description: Option<String>,
    pub status: String,
    pub available_on: i64,
    pub created_at: i64,
    /// Set when the payment was converted into the merchant's settlement currency:
    /// units of `currency` per unit of the payment's currency, a decimal string.
    pub exchange_rate: Option<String>,
}

pub(crate) const COLUMNS: &str = "id, merchant_id, type, reporting_category, amount, fee, net, currency, fee_details, source_id, \
    payment_intent_id, connector, description, status, available_on, created_at, exchange_rate";

const INSERT: &str = "INSERT INTO balance_transactions (id, merchant_id, type, reporting_category, amount, fee, net, \
    currency, fee_details, source_id, payment_intent_id, connector, description, status, available_on, created_at, \
    exchange_rate) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)";

fn insert_arguments(arguments: &mut Arguments, row: &BalanceTransactionRow) -> Result<(), BoxDynError> {
    arguments.add(&row.id)?;
    arguments.add(&row.merchant_id)?;
    arguments.add(&row.r#type)?;
    arguments.add(&row.reporting_category)?;
    arguments.add(row.amount)?;
    arguments.add(row.fee)?;
    arguments.add(row.net)?;
    arguments.add(&row.currency)?;
    arguments.add(&row.fee_details)?;
    arguments.add(&row.source_id)?;
    arguments.add(&row.payment_intent_id)?;
    arguments.add(&row.connector)?;
    arguments.add(&row.description)?;
    arguments.add(&row.status)?;
    arguments.add(row.available_on)?;
    arguments.add(row.created_at)?;
    arguments.add(&row.exchange_rate)
}

pub async fn insert(connection: &mut Connection, row: &BalanceTransactionRow) -> StoreResult<()> {
    let arguments = batch::arguments(|arguments| insert_arguments(arguments, row))?;
    sqlx::query_with(INSERT, arguments).execute(connection).await?;
    Ok(())
}

/// [`insert`], queued in `batch` to be written with its ledger transfers.
pub fn insert_in(batch: &mut Batch, row: &BalanceTransactionRow) -> StoreResult<()> {
    batch.push_last_insert(INSERT, |arguments| insert_arguments(arguments, row))
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<BalanceTransactionRow>> {
    let sql = format!("SELECT {COLUMNS} FROM balance_transactions WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(pool).await?)
}

/// A merchant's balance transactions for one source object (a payment or refund id).
pub async fn for_source(
    connection: &mut Connection,
    merchant_id: &str,
    source_id: &str,
) -> StoreResult<Vec<BalanceTransactionRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM balance_transactions WHERE merchant_id = $1 AND source_id = $2 ORDER BY id");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(source_id).fetch_all(connection).await?)
}

/// The list filters; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub starting_after: Option<String>,
    pub r#type: Option<String>,
    pub currency: Option<String>,
    pub source_id: Option<String>,
    pub payment_intent_id: Option<String>,
    pub status: Option<String>,
    pub created_gte: Option<i64>,
    pub created_lte: Option<i64>,
    pub available_on_gte: Option<i64>,
    pub available_on_lte: Option<i64>,
    pub limit: i64,
}

/// Newest first (ids sort by creation time), after the cursor.
pub async fn list(pool: &AnyPool, merchant_id: &str, filter: &ListFilter) -> StoreResult<Vec<BalanceTransactionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM balance_transactions WHERE merchant_id = $1 \
         AND (CAST($2 AS TEXT) IS NULL OR id < $2) \
         AND (CAST($3 AS TEXT) IS NULL OR type = $3) \
         AND (CAST($4 AS TEXT) IS NULL OR currency = $4) \
         AND (CAST($5 AS TEXT) IS NULL OR source_id = $5) \
         AND (CAST($6 AS TEXT) IS NULL OR payment_intent_id = $6) \
         AND (CAST($7 AS TEXT) IS NULL OR status = $7) \
         AND (CAST($8 AS BIGINT) IS NULL OR created_at >= $8) \
         AND (CAST($9 AS BIGINT) IS NULL OR created_at <= $9) \
         AND (CAST($10 AS BIGINT) IS NULL OR available_on >= $10) \
         AND (CAST($11 AS BIGINT) IS NULL OR available_on <= $11) \
         ORDER BY id DESC LIMIT $12"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(&filter.starting_after)
        .bind(&filter.r#type)
        .bind(&filter.currency)
        .bind(&filter.source_id)
        .bind(&filter.payment_intent_id)
        .bind(&filter.status)
        .bind(filter.created_gte)
        .bind(filter.created_lte)
        .bind(filter.available_on_gte)
        .bind(filter.available_on_lte)
        .bind(filter.limit)
        .fetch_all(pool)
        .await?)
}

/// A merchant's pending balance transactions due by `now`, oldest first.
pub async fn due(pool: &AnyPool, merchant_id: &str, now: i64, limit: i64) -> StoreResult<Vec<BalanceTransactionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM balance_transactions WHERE merchant_id = $1 AND status = 'pending' \
         AND available_on <= $2 ORDER BY available_on, id LIMIT $3"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(now).bind(limit).fetch_all(pool).await?)
}

/// One payment's pending balance transactions due by `now` (its charge and the refunds
/// taken from its pending funds).
pub async fn due_for_payment(
    connection: &mut Connection,
    merchant_id: &str,
    payment_intent_id: &str,
    now: i64,
) -> StoreResult<Vec<BalanceTransactionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM balance_transactions WHERE merchant_id = $1 AND payment_intent_id = $2 \
         AND status = 'pending' AND available_on <= $3 ORDER BY id"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(payment_intent_id)
        .bind(now)
        .fetch_all(connection)
        .await?)
}

/// Marks a pending balance transaction available; false when it already was.
pub async fn make_available(connection: &mut Connection, merchant_id: &str, id: &str) -> StoreResult<bool> {
    // `<> 'available'` (the only other status) rather than `= 'pending'`: a query that
    // implies `status = 'pending'` can be planned on the partial due index, which walks
    // every pending row of the merchant (migration 0018).
    let result = sqlx::query(
        "UPDATE balance_transactions SET status = 'available' \
         WHERE merchant_id = $1 AND id = $2 AND status <> 'available'",
    )
    .bind(merchant_id)
    .bind(id)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// A merchant's pending balance transactions, for the forecast: every one, oldest
/// available date first.
pub async fn pending(pool: &AnyPool, merchant_id: &str) -> StoreResult<Vec<BalanceTransactionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM balance_transactions WHERE merchant_id = $1 AND status = 'pending' \
         ORDER BY available_on, id"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).fetch_all(pool).await?)
}
