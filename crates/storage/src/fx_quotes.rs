//! Locked FX quotes. A quote is written once; the only change is its use, a
//! conditional update so two bookings cannot both take the same quote.

use crate::batch::Batch;
use crate::{Connection, StoreResult};
use sqlx::AnyPool;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FxQuoteRow {
    pub id: String,
    pub merchant_id: String,
    pub from_currency: String,
    pub to_currency: String,
    /// Decimal strings: the mid rate, and the rate with the markup.
    pub mid_rate: String,
    pub rate: String,
    pub markup_basis_points: i64,
    /// `ecb`, `manual`, `provider` or `mixed`.
    pub source: String,
    pub rate_as_of: i64,
    pub amount: Option<i64>,
    pub converted_amount: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub used_by: Option<String>,
}

const COLUMNS: &str = "id, merchant_id, from_currency, to_currency, mid_rate, rate, markup_basis_points, source, \
    rate_as_of, amount, converted_amount, created_at, expires_at, used_at, used_by";

pub async fn insert(connection: &mut Connection, row: &FxQuoteRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO fx_quotes (id, merchant_id, from_currency, to_currency, mid_rate, rate, markup_basis_points, \
         source, rate_as_of, amount, converted_amount, created_at, expires_at, used_at, used_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.from_currency)
    .bind(&row.to_currency)
    .bind(&row.mid_rate)
    .bind(&row.rate)
    .bind(row.markup_basis_points)
    .bind(&row.source)
    .bind(row.rate_as_of)
    .bind(row.amount)
    .bind(row.converted_amount)
    .bind(row.created_at)
    .bind(row.expires_at)
    .bind(row.used_at)
    .bind(&row.used_by)
    .execute(connection)
    .await?;
    Ok(())
}

/// The merchant's quote; another merchant's id reads as missing.
pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<FxQuoteRow>> {
    let sql = format!("SELECT {COLUMNS} FROM fx_quotes WHERE id = $1 AND merchant_id = $2");
    let row = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(merchant_id).fetch_optional(pool).await?;
    Ok(row)
}

/// The same read inside a write transaction.
pub async fn get_in(connection: &mut Connection, merchant_id: &str, id: &str) -> StoreResult<Option<FxQuoteRow>> {
    let sql = format!("SELECT {COLUMNS} FROM fx_quotes WHERE id = $1 AND merchant_id = $2");
    let row = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(merchant_id).fetch_optional(connection).await?;
    Ok(row)
}

const CLAIM: &str = "UPDATE fx_quotes SET used_at = COALESCE(used_at, $1), used_by = $2 \
    WHERE id = $3 AND merchant_id = $4 AND expires_at > $1 AND (used_by IS NULL OR used_by = $2)";

/// Marks the quote used by `used_by` at `now`, if it is unexpired at `now` and not
/// used by another object (claiming it again for the same object keeps the first
/// time). False when the condition does not hold, or no such quote is the merchant's.
pub async fn claim(
    connection: &mut Connection,
    merchant_id: &str,
    id: &str,
    used_by: &str,
    now: i64,
) -> StoreResult<bool> {
    let result = sqlx::query(CLAIM).bind(now).bind(used_by).bind(id).bind(merchant_id).execute(connection).await?;
    Ok(result.rows_affected() == 1)
}

/// [`claim`], queued in `batch`; it returns one row (the quote's id) when the quote
/// was claimable, none otherwise, so `Store::write_if_returned` can refuse the batch.
pub fn claim_in(batch: &mut Batch, merchant_id: &str, id: &str, used_by: &str, now: i64) -> StoreResult<()> {
    batch.push(&format!("{CLAIM} RETURNING id"), |arguments| {
        arguments.add(now)?;
        arguments.add(used_by)?;
        arguments.add(id)?;
        arguments.add(merchant_id)
    })
}
