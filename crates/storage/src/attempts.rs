//! Payment attempts: one per confirmation, with connector, method details (never a
//! card number), outcome and decline code.

use crate::batch::{self, Arguments, Batch};
use crate::{Connection, StoreResult};
use sqlx::AnyPool;
use sqlx::error::BoxDynError;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    pub id: String,
    pub merchant_id: String,
    pub payment_intent_id: String,
    pub connector: String,
    pub payment_method_type: String,
    pub payment_method_details: String,
    pub status: String,
    pub amount: i64,
    pub amount_received: i64,
    pub error_code: Option<String>,
    pub decline_code: Option<String>,
    pub error_message: Option<String>,
    pub reference: Option<String>,
    pub flags: String,
    pub return_url: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, merchant_id, payment_intent_id, connector, payment_method_type, payment_method_details, \
    status, amount, amount_received, error_code, decline_code, error_message, reference, flags, return_url, \
    created_at, updated_at";

const INSERT: &str = "INSERT INTO payment_attempts (id, merchant_id, payment_intent_id, connector, \
    payment_method_type, payment_method_details, status, amount, amount_received, error_code, decline_code, \
    error_message, reference, flags, return_url, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)";

fn insert_arguments(arguments: &mut Arguments, row: &AttemptRow) -> Result<(), BoxDynError> {
    arguments.add(&row.id)?;
    arguments.add(&row.merchant_id)?;
    arguments.add(&row.payment_intent_id)?;
    arguments.add(&row.connector)?;
    arguments.add(&row.payment_method_type)?;
    arguments.add(&row.payment_method_details)?;
    arguments.add(&row.status)?;
    arguments.add(row.amount)?;
    arguments.add(row.amount_received)?;
    arguments.add(&row.error_code)?;
    arguments.add(&row.decline_code)?;
    arguments.add(&row.error_message)?;
    arguments.add(&row.reference)?;
    arguments.add(&row.flags)?;
    arguments.add(&row.return_url)?;
    arguments.add(row.created_at)?;
    arguments.add(row.updated_at)
}

pub async fn insert(connection: &mut Connection, row: &AttemptRow) -> StoreResult<()> {
    let arguments = batch::arguments(|arguments| insert_arguments(arguments, row))?;
    sqlx::query_with(INSERT, arguments).execute(connection).await?;
    Ok(())
}

/// [`insert`], queued in `batch`.
pub fn insert_in(batch: &mut Batch, row: &AttemptRow) -> StoreResult<()> {
    batch.push(INSERT, |arguments| insert_arguments(arguments, row))
}

/// Writes back status, amounts, outcome and flags.
pub async fn update(connection: &mut Connection, row: &AttemptRow) -> StoreResult<()> {
    sqlx::query(
        "UPDATE payment_attempts SET status = $1, amount_received = $2, error_code = $3, decline_code = $4, \
         error_message = $5, payment_method_details = $6, updated_at = $7, flags = $9 WHERE id = $8",
    )
    .bind(&row.status)
    .bind(row.amount_received)
    .bind(&row.error_code)
    .bind(&row.decline_code)
    .bind(&row.error_message)
    .bind(&row.payment_method_details)
    .bind(row.updated_at)
    .bind(&row.id)
    .bind(&row.flags)
    .execute(connection)
    .await?;
    Ok(())
}

/// An attempt by id, without a merchant: sandbox provider pages are reached by the
/// buyer's browser, which holds no key. The attempt id is the capability.
pub async fn get(pool: &AnyPool, id: &str) -> StoreResult<Option<AttemptRow>> {
    let sql = format!("SELECT {COLUMNS} FROM payment_attempts WHERE id = $1");
    let row = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
    Ok(row)
}

pub async fn get_in(connection: &mut Connection, id: &str) -> StoreResult<Option<AttemptRow>> {
    let sql = format!("SELECT {COLUMNS} FROM payment_attempts WHERE id = $1");
    let row = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(connection).await?;
    Ok(row)
}

pub async fn find_by_reference(pool: &AnyPool, merchant_id: &str, reference: &str) -> StoreResult<Option<AttemptRow>> {
    let sql = format!("SELECT {COLUMNS} FROM payment_attempts WHERE reference = $1 AND merchant_id = $2");
    let row = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(reference).bind(merchant_id).fetch_optional(pool).await?;
    Ok(row)
}

/// [`find_by_reference`] inside a write transaction.
pub async fn find_by_reference_in(
    connection: &mut Connection,
    merchant_id: &str,
    reference: &str,
) -> StoreResult<Option<AttemptRow>> {
    let sql = format!("SELECT {COLUMNS} FROM payment_attempts WHERE reference = $1 AND merchant_id = $2");
    let row =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(reference).bind(merchant_id).fetch_optional(connection).await?;
    Ok(row)
}

/// [`pending_at_connector`]'s query (public for the plan tests); its conditions are
/// those of the partial index `payment_attempts_at_connector` (migration 0019), word
/// for word, so that a planner can prove the index holds every row it wants.
pub fn pending_at_connector_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM payment_attempts WHERE merchant_id = $1 \
         AND status IN ('processing', 'requires_action') AND substr(connector, 1, 4) = 'mca_' \
         AND updated_at <= $2 ORDER BY updated_at, id LIMIT $3"
    )
}

/// Attempts routed through a connector account (`mca_…`) still waiting on the provider
/// (`processing`, `requires_action`) and unchanged since `updated_before`, oldest
/// first: the status sync asks the provider about them.
pub async fn pending_at_connector(
    pool: &AnyPool,
    merchant_id: &str,
    updated_before: i64,
    limit: i64,
) -> StoreResult<Vec<AttemptRow>> {
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(pending_at_connector_sql()))
        .bind(merchant_id)
        .bind(updated_before)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    Ok(rows)
}

/// Marks a pending attempt as checked at `now` when it is still in `status` (the
/// provider said nothing new), so the status sync asks again only after its delay.
pub async fn touch_pending(connection: &mut Connection, id: &str, status: &str, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE payment_attempts SET updated_at = $1 WHERE id = $2 AND status = $3")
        .bind(now)
        .bind(id)
        .bind(status)
        .execute(connection)
        .await?;
    Ok(())
}

pub async fn list_for_intent(pool: &AnyPool, merchant_id: &str, intent_id: &str) -> StoreResult<Vec<AttemptRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM payment_attempts WHERE payment_intent_id = $1 AND merchant_id = $2 ORDER BY id");
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(intent_id).bind(merchant_id).fetch_all(pool).await?;
    Ok(rows)
}

const SET_STATUS: &str = "UPDATE payment_attempts SET status = $1, updated_at = $2 WHERE id = $3";

fn set_status_arguments(arguments: &mut Arguments, id: &str, status: &str, now: i64) -> Result<(), BoxDynError> {
    arguments.add(status)?;
    arguments.add(now)?;
    arguments.add(id)
}

/// Sets only the status (an attempt superseded by a new confirmation).
pub async fn set_status(connection: &mut Connection, id: &str, status: &str, now: i64) -> StoreResult<()> {
    let arguments = batch::arguments(|arguments| set_status_arguments(arguments, id, status, now))?;
    sqlx::query_with(SET_STATUS, arguments).execute(connection).await?;
    Ok(())
}

/// [`set_status`], queued in `batch`.
pub fn set_status_in(batch: &mut Batch, id: &str, status: &str, now: i64) -> StoreResult<()> {
    batch.push(SET_STATUS, |arguments| set_status_arguments(arguments, id, status, now))
}
