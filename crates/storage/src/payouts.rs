//! Payouts to merchants' bank accounts and the merchants' payout settings (rolling
//! reserve, schedule, minimum, bank account). A payout's status moves only by
//! conditional updates (`WHERE status = …`), in the same transaction as its ledger
//! transfers and balance transactions, so a cancel and the sweep cannot both win.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PayoutRow {
    pub id: String,
    pub merchant_id: String,
    pub amount: i64,
    pub currency: String,
    /// `pending`, `in_transit`, `paid`, `failed` or `canceled`.
    pub status: String,
    /// 1 when the payout schedule created it.
    pub automatic: i64,
    pub description: Option<String>,
    /// JSON: the bank account as shown.
    pub destination: String,
    /// `paid` or the failure code the sandbox bank will answer.
    pub sandbox_outcome: String,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    pub arrival_date: i64,
    pub next_step_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, merchant_id, amount, currency, status, automatic, description, destination, \
    sandbox_outcome, failure_code, failure_message, arrival_date, next_step_at, created_at, updated_at";

pub async fn insert(connection: &mut Connection, row: &PayoutRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO payouts (id, merchant_id, amount, currency, status, automatic, description, destination, \
         sandbox_outcome, failure_code, failure_message, arrival_date, next_step_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(row.amount)
    .bind(&row.currency)
    .bind(&row.status)
    .bind(row.automatic)
    .bind(&row.description)
    .bind(&row.destination)
    .bind(&row.sandbox_outcome)
    .bind(&row.failure_code)
    .bind(&row.failure_message)
    .bind(row.arrival_date)
    .bind(row.next_step_at)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(connection)
    .await?;
    Ok(())
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<PayoutRow>> {
    let sql = format!("SELECT {COLUMNS} FROM payouts WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(pool).await?)
}

pub async fn get_in(connection: &mut Connection, merchant_id: &str, id: &str) -> StoreResult<Option<PayoutRow>> {
    let sql = format!("SELECT {COLUMNS} FROM payouts WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(connection).await?)
}

/// Moves a payout from `from` to `row`'s status, failure and next step; false when it
/// was no longer in `from` (another request or sweep moved it first).
pub async fn transition(connection: &mut Connection, row: &PayoutRow, from: &str) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE payouts SET status = $1, failure_code = $2, failure_message = $3, next_step_at = $4, \
         updated_at = $5 WHERE id = $6 AND merchant_id = $7 AND status = $8",
    )
    .bind(&row.status)
    .bind(&row.failure_code)
    .bind(&row.failure_message)
    .bind(row.next_step_at)
    .bind(row.updated_at)
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(from)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// The list filters; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub starting_after: Option<String>,
    pub status: Option<String>,
    pub currency: Option<String>,
    pub limit: i64,
}

/// Newest first (ids sort by creation time), after the cursor.
pub async fn list(pool: &AnyPool, merchant_id: &str, filter: &ListFilter) -> StoreResult<Vec<PayoutRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM payouts WHERE merchant_id = $1 \
         AND (CAST($2 AS TEXT) IS NULL OR id < $2) \
         AND (CAST($3 AS TEXT) IS NULL OR status = $3) \
         AND (CAST($4 AS TEXT) IS NULL OR currency = $4) \
         ORDER BY id DESC LIMIT $5"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(&filter.starting_after)
        .bind(&filter.status)
        .bind(&filter.currency)
        .bind(filter.limit)
        .fetch_all(pool)
        .await?)
}

/// A merchant's payouts whose next step is due by `now`, oldest first.
pub async fn due(pool: &AnyPool, merchant_id: &str, now: i64, limit: i64) -> StoreResult<Vec<PayoutRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM payouts WHERE merchant_id = $1 AND next_step_at IS NOT NULL \
         AND next_step_at <= $2 ORDER BY next_step_at, id LIMIT $3"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(now).bind(limit).fetch_all(pool).await?)
}

/// A merchant's payouts still on their way (`pending` or `in_transit`), for the
/// forecast; at most `limit`, soonest arrival first.
pub async fn open(pool: &AnyPool, merchant_id: &str, limit: i64) -> StoreResult<Vec<PayoutRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM payouts WHERE merchant_id = $1 AND status IN ('pending', 'in_transit') \
         ORDER BY arrival_date, id LIMIT $2"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(limit).fetch_all(pool).await?)
}

/// A merchant's payout settings. A merchant without a row has the defaults.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PayoutSettingsRow {
    pub merchant_id: String,
    pub reserve_basis_points: i64,
    pub reserve_days: i64,
    pub payout_schedule: String,
    pub weekly_anchor: Option<String>,
    pub monthly_anchor: Option<i64>,
    pub minimum_amount: i64,
    pub bank_account_holder_name: Option<String>,
    pub bank_account_number: Option<String>,
    pub bank_code: Option<String>,
    pub bank_country: Option<String>,
    pub last_automatic_payout_on: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// ISO 3166 alpha-2: cards issued elsewhere pay the international surcharge.
    pub country: Option<String>,
    /// The currency payments settle in; `None` settles each in its own currency.
    pub settlement_currency: Option<String>,
    /// Negotiated fee terms per payment method, JSON.
    pub fee_overrides: String,
}

impl PayoutSettingsRow {
    /// The settings of a merchant that never changed them.
    pub fn defaults(merchant_id: &str, now: i64) -> PayoutSettingsRow {
        PayoutSettingsRow {
            merchant_id: merchant_id.to_owned(),
            reserve_basis_points: 0,
            reserve_days: 0,
            payout_schedule: "manual".to_owned(),
            weekly_anchor: None,
            monthly_anchor: None,
            minimum_amount: 0,
            bank_account_holder_name: None,
            bank_account_number: None,
            bank_code: None,
            bank_country: None,
            last_automatic_payout_on: None,
            created_at: now,
            updated_at: now,
            country: None,
            settlement_currency: None,
            fee_overrides: "{}".to_owned(),
        }
    }
}

const SETTINGS_COLUMNS: &str = "merchant_id, reserve_basis_points, reserve_days, payout_schedule, weekly_anchor, \
    monthly_anchor, minimum_amount, bank_account_holder_name, bank_account_number, bank_code, bank_country, \
    last_automatic_payout_on, created_at, updated_at, country, settlement_currency, fee_overrides";

pub async fn settings(pool: &AnyPool, merchant_id: &str) -> StoreResult<Option<PayoutSettingsRow>> {
    let sql = format!("SELECT {SETTINGS_COLUMNS} FROM payout_settings WHERE merchant_id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).fetch_optional(pool).await?)
}

pub async fn settings_in(connection: &mut Connection, merchant_id: &str) -> StoreResult<Option<PayoutSettingsRow>> {
    let sql = format!("SELECT {SETTINGS_COLUMNS} FROM payout_settings WHERE merchant_id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).fetch_optional(connection).await?)
}

/// Writes the merchant's settings, leaving the automatic-payout bookkeeping alone.
pub async fn save_settings(connection: &mut Connection, row: &PayoutSettingsRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO payout_settings (merchant_id, reserve_basis_points, reserve_days, payout_schedule, \
         weekly_anchor, monthly_anchor, minimum_amount, bank_account_holder_name, bank_account_number, bank_code, \
         bank_country, created_at, updated_at, country, settlement_currency, fee_overrides) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         ON CONFLICT (merchant_id) DO UPDATE SET reserve_basis_points = excluded.reserve_basis_points, \
         reserve_days = excluded.reserve_days, payout_schedule = excluded.payout_schedule, \
         weekly_anchor = excluded.weekly_anchor, monthly_anchor = excluded.monthly_anchor, \
         minimum_amount = excluded.minimum_amount, bank_account_holder_name = excluded.bank_account_holder_name, \
         bank_account_number = excluded.bank_account_number, bank_code = excluded.bank_code, \
         bank_country = excluded.bank_country, updated_at = excluded.updated_at, country = excluded.country, \
         settlement_currency = excluded.settlement_currency, fee_overrides = excluded.fee_overrides",
    )
    .bind(&row.merchant_id)
    .bind(row.reserve_basis_points)
    .bind(row.reserve_days)
    .bind(&row.payout_schedule)
    .bind(&row.weekly_anchor)
    .bind(row.monthly_anchor)
    .bind(row.minimum_amount)
    .bind(&row.bank_account_holder_name)
    .bind(&row.bank_account_number)
    .bind(&row.bank_code)
    .bind(&row.bank_country)
    .bind(row.created_at)
    .bind(row.updated_at)
    .bind(&row.country)
    .bind(&row.settlement_currency)
    .bind(&row.fee_overrides)
    .execute(connection)
    .await?;
    Ok(())
}

/// Claims `day` (its midnight) for the merchant's automatic payouts; false when that
/// day, or a later one, was already claimed.
pub async fn claim_automatic_day(connection: &mut Connection, merchant_id: &str, day: i64) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE payout_settings SET last_automatic_payout_on = $1 WHERE merchant_id = $2 \
         AND (last_automatic_payout_on IS NULL OR last_automatic_payout_on < $1)",
    )
    .bind(day)
    .bind(merchant_id)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}
