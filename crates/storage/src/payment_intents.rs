//! Payment intents. Updates are optimistic: a row is written back only if its
//! `version` is still the one read, so concurrent confirmations cannot both win.

use crate::batch::{self, Arguments, Batch};
use crate::{Connection, StoreResult};
use sqlx::AnyPool;
use sqlx::error::BoxDynError;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PaymentIntentRow {
    pub id: String,
    pub merchant_id: String,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub capture_method: String,
    /// Comma-separated method types the intent accepts.
    pub payment_method_types: String,
    pub payment_method_type: Option<String>,
    pub payment_method_details: Option<String>,
    pub amount_capturable: i64,
    pub amount_received: i64,
    pub amount_refunded: i64,
    pub client_secret: String,
    pub customer: Option<String>,
    pub description: Option<String>,
    pub statement_descriptor: Option<String>,
    pub metadata: String,
    pub next_action: Option<String>,
    pub last_payment_error: Option<String>,
    pub cancellation_reason: Option<String>,
    pub latest_attempt_id: Option<String>,
    pub connector: Option<String>,
    pub return_url: Option<String>,
    pub expires_at: Option<i64>,
    pub scheduled_at: Option<i64>,
    pub scheduled_outcome: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    /// The FX quote the payment was confirmed with: its capture converts at that rate.
    pub fx_quote_id: Option<String>,
    /// The charge balance transaction its capture booked (none without ledger postings).
    /// Once set it stays: an update with `None` leaves the stored id alone.
    pub balance_transaction_id: Option<String>,
}

const COLUMNS: &str = "id, merchant_id, amount, currency, status, capture_method, payment_method_types, \
    payment_method_type, payment_method_details, amount_capturable, amount_received, amount_refunded, \
    client_secret, customer, description, statement_descriptor, metadata, next_action, last_payment_error, \
    cancellation_reason, latest_attempt_id, connector, return_url, expires_at, scheduled_at, scheduled_outcome, \
    created_at, updated_at, version, fx_quote_id, balance_transaction_id";

const INSERT: &str = "INSERT INTO payment_intents (id, merchant_id, amount, currency, status, capture_method, \
    payment_method_types, payment_method_type, payment_method_details, amount_capturable, amount_received, \
    amount_refunded, client_secret, customer, description, statement_descriptor, metadata, next_action, \
    last_payment_error, cancellation_reason, latest_attempt_id, connector, return_url, expires_at, \
    scheduled_at, scheduled_outcome, created_at, updated_at, version, fx_quote_id, balance_transaction_id) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, \
    $24, $25, $26, $27, $28, $29, $30, $31)";

fn insert_arguments(arguments: &mut Arguments, row: &PaymentIntentRow) -> Result<(), BoxDynError> {
    arguments.add(&row.id)?;
    arguments.add(&row.merchant_id)?;
    arguments.add(row.amount)?;
    arguments.add(&row.currency)?;
    arguments.add(&row.status)?;
    arguments.add(&row.capture_method)?;
    arguments.add(&row.payment_method_types)?;
    arguments.add(&row.payment_method_type)?;
    arguments.add(&row.payment_method_details)?;
    arguments.add(row.amount_capturable)?;
    arguments.add(row.amount_received)?;
    arguments.add(row.amount_refunded)?;
    arguments.add(&row.client_secret)?;
    arguments.add(&row.customer)?;
    arguments.add(&row.description)?;
    arguments.add(&row.statement_descriptor)?;
    arguments.add(&row.metadata)?;
    arguments.add(&row.next_action)?;
    arguments.add(&row.last_payment_error)?;
    arguments.add(&row.cancellation_reason)?;
    arguments.add(&row.latest_attempt_id)?;
    arguments.add(&row.connector)?;
    arguments.add(&row.return_url)?;
    arguments.add(row.expires_at)?;
    arguments.add(row.scheduled_at)?;
    arguments.add(&row.scheduled_outcome)?;
    arguments.add(row.created_at)?;
    arguments.add(row.updated_at)?;
    arguments.add(row.version)?;
    arguments.add(&row.fx_quote_id)?;
    arguments.add(&row.balance_transaction_id)
}

pub async fn insert(connection: &mut Connection, row: &PaymentIntentRow) -> StoreResult<()> {
    let arguments = batch::arguments(|arguments| insert_arguments(arguments, row))?;
    sqlx::query_with(INSERT, arguments).execute(connection).await?;
    Ok(())
}

/// [`insert`], queued in `batch`.
pub fn insert_in(batch: &mut Batch, row: &PaymentIntentRow) -> StoreResult<()> {
    batch.push(INSERT, |arguments| insert_arguments(arguments, row))
}

const UPDATE: &str = "UPDATE payment_intents SET amount = $1, currency = $2, status = $3, capture_method = $4, \
    payment_method_types = $5, payment_method_type = $6, payment_method_details = $7, amount_capturable = $8, \
    amount_received = $9, customer = $10, description = $11, statement_descriptor = $12, metadata = $13, \
    next_action = $14, last_payment_error = $15, cancellation_reason = $16, latest_attempt_id = $17, \
    connector = $18, return_url = $19, expires_at = $20, scheduled_at = $21, scheduled_outcome = $22, \
    updated_at = $23, fx_quote_id = $24, balance_transaction_id = COALESCE($25, balance_transaction_id), \
    version = version + 1 WHERE id = $26 AND version = $27";

fn update_arguments(arguments: &mut Arguments, row: &PaymentIntentRow) -> Result<(), BoxDynError> {
    arguments.add(row.amount)?;
    arguments.add(&row.currency)?;
    arguments.add(&row.status)?;
    arguments.add(&row.capture_method)?;
    arguments.add(&row.payment_method_types)?;
    arguments.add(&row.payment_method_type)?;
    arguments.add(&row.payment_method_details)?;
    arguments.add(row.amount_capturable)?;
    arguments.add(row.amount_received)?;
    arguments.add(&row.customer)?;
    arguments.add(&row.description)?;
    arguments.add(&row.statement_descriptor)?;
    arguments.add(&row.metadata)?;
    arguments.add(&row.next_action)?;
    arguments.add(&row.last_payment_error)?;
    arguments.add(&row.cancellation_reason)?;
    arguments.add(&row.latest_attempt_id)?;
    arguments.add(&row.connector)?;
    arguments.add(&row.return_url)?;
    arguments.add(row.expires_at)?;
    arguments.add(row.scheduled_at)?;
    arguments.add(&row.scheduled_outcome)?;
    arguments.add(row.updated_at)?;
    arguments.add(&row.fx_quote_id)?;
    arguments.add(&row.balance_transaction_id)?;
    arguments.add(&row.id)?;
    arguments.add(row.version)
}

/// Writes `row` back if nobody changed it since `row.version` was read; the stored
/// version becomes `row.version + 1`. Returns false when another writer won.
pub async fn update(connection: &mut Connection, row: &PaymentIntentRow) -> StoreResult<bool> {
    let arguments = batch::arguments(|arguments| update_arguments(arguments, row))?;
    let result = sqlx::query_with(UPDATE, arguments).execute(connection).await?;
    Ok(result.rows_affected() == 1)
}

/// [`update`], queued in `batch`; it returns one row (its id) if it won, none if
/// another writer changed the intent first.
pub fn update_in(batch: &mut Batch, row: &PaymentIntentRow) -> StoreResult<()> {
    batch.push(&format!("{UPDATE} RETURNING id"), |arguments| update_arguments(arguments, row))
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<PaymentIntentRow>> {
    let sql = format!("SELECT {COLUMNS} FROM payment_intents WHERE id = $1 AND merchant_id = $2");
    let row = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(merchant_id).fetch_optional(pool).await?;
    Ok(row)
}

/// The same read inside a write transaction.
pub async fn get_in(connection: &mut Connection, merchant_id: &str, id: &str) -> StoreResult<Option<PaymentIntentRow>> {
    let sql = format!("SELECT {COLUMNS} FROM payment_intents WHERE id = $1 AND merchant_id = $2");
    let row = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(merchant_id).fetch_optional(connection).await?;
    Ok(row)
}

/// Reserves `amount` of the captured total for a refund, atomically: the update only
/// happens if refunds (pending or succeeded) stay within what was received.
pub async fn reserve_refund(connection: &mut Connection, id: &str, amount: i64, now: i64) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE payment_intents SET amount_refunded = amount_refunded + $1, updated_at = $2, version = version + 1 \
         WHERE id = $3 AND amount_refunded + $1 <= amount_received",
    )
    .bind(amount)
    .bind(now)
    .bind(id)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Gives back a reservation when a refund fails.
pub async fn release_refund(connection: &mut Connection, id: &str, amount: i64, now: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE payment_intents SET amount_refunded = amount_refunded - $1, updated_at = $2, version = version + 1 \
         WHERE id = $3",
    )
    .bind(amount)
    .bind(now)
    .bind(id)
    .execute(connection)
    .await?;
    Ok(())
}

/// Filters of the list endpoint; `None` means "any".
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub status: Option<String>,
    pub payment_method_type: Option<String>,
    pub created_gte: Option<i64>,
    pub created_lte: Option<i64>,
    /// Cursor: only ids older than this one (ids sort by creation time).
    pub starting_after: Option<String>,
    pub limit: i64,
}

/// Newest first.
pub async fn list(pool: &AnyPool, merchant_id: &str, filter: &ListFilter) -> StoreResult<Vec<PaymentIntentRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM payment_intents WHERE merchant_id = $1 \
         AND (CAST($2 AS TEXT) IS NULL OR status = $2) \
         AND (CAST($3 AS TEXT) IS NULL OR payment_method_type = $3) \
         AND (CAST($4 AS BIGINT) IS NULL OR created_at >= $4) \
         AND (CAST($5 AS BIGINT) IS NULL OR created_at <= $5) \
         AND (CAST($6 AS TEXT) IS NULL OR id < $6) \
         ORDER BY id DESC LIMIT $7"
    );
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(&filter.status)
        .bind(&filter.payment_method_type)
        .bind(filter.created_gte)
        .bind(filter.created_lte)
        .bind(&filter.starting_after)
        .bind(filter.limit)
        .fetch_all(pool)
        .await?;
    Ok(rows)
}

/// [`due`]'s query (public for the plan tests): the expiring and the scheduled, each from
/// its partial index, the second without those the first returns. One condition with
/// `OR` was planned by SQLite (which has no statistics) as a walk over all of the
/// merchant's intents, every five seconds.
pub fn due_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM payment_intents WHERE merchant_id = $1 AND expires_at IS NOT NULL \
         AND expires_at <= $2 \
         UNION ALL SELECT {COLUMNS} FROM payment_intents WHERE merchant_id = $1 AND scheduled_at IS NOT NULL \
         AND scheduled_at <= $2 AND (expires_at IS NULL OR expires_at > $2) \
         ORDER BY id LIMIT $3"
    )
}

/// Intents of this merchant with work due at `now`: an unpaid attempt past its expiry
/// or a delayed outcome (SOFORT, Boleto, wallet refunds) whose time has come.
pub async fn due(pool: &AnyPool, merchant_id: &str, now: i64, limit: i64) -> StoreResult<Vec<PaymentIntentRow>> {
    let rows =
        sqlx::query_as(sqlx::AssertSqlSafe(due_sql())).bind(merchant_id).bind(now).bind(limit).fetch_all(pool).await?;
    Ok(rows)
}

/// Counts by (status, method) for the metrics endpoint.
pub async fn counts_by_status_and_method(pool: &AnyPool) -> StoreResult<Vec<(String, Option<String>, i64)>> {
    let rows = sqlx::query_as(
        "SELECT status, payment_method_type, COUNT(*) FROM payment_intents GROUP BY status, payment_method_type",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows)
}
