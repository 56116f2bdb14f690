//! Connector accounts: a merchant's accounts with the providers that process its
//! payments, in the merchant's order (`position`, then creation). Credentials and the
//! webhook secret are stored as ciphertexts (the API crate encrypts them); this module
//! never sees them in the clear. Accounts are disabled, never deleted (payments refer
//! to them); every query of the API filters by merchant.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

/// `Debug` leaves the ciphertexts out.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConnectorAccountRow {
    pub id: String,
    pub merchant_id: String,
    /// `sandbox`, `stripe` or `paypal`.
    pub connector: String,
    pub label: String,
    /// JSON array of payment method types.
    pub payment_methods: String,
    /// JSON array of ISO 3166-1 alpha-2 codes; `None` = every country.
    pub countries: Option<String>,
    /// JSON array of ISO 4217 codes; `None` = every currency.
    pub currencies: Option<String>,
    /// JSON object of fee terms per method; `None` = the default schedules.
    pub fees: Option<String>,
    pub settlement_currency: Option<String>,
    pub fx_spread_basis_points: i64,
    pub base_url: Option<String>,
    /// `test` or `live`.
    pub mode: String,
    pub credentials_ciphertext: String,
    /// JSON object of masked credentials.
    pub credentials_hint: String,
    pub webhook_secret_ciphertext: String,
    /// JSON fault settings (sandbox accounts only).
    pub faults: Option<String>,
    /// `enabled` or `disabled`.
    pub status: String,
    pub position: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for ConnectorAccountRow {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ConnectorAccountRow")
            .field("id", &self.id)
            .field("merchant_id", &self.merchant_id)
            .field("connector", &self.connector)
            .field("label", &self.label)
            .field("payment_methods", &self.payment_methods)
            .field("mode", &self.mode)
            .field("credentials_ciphertext", &"[redacted]")
            .field("credentials_hint", &self.credentials_hint)
            .field("webhook_secret_ciphertext", &"[redacted]")
            .field("status", &self.status)
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, merchant_id, connector, label, payment_methods, countries, currencies, fees, \
    settlement_currency, fx_spread_basis_points, base_url, mode, credentials_ciphertext, credentials_hint, \
    webhook_secret_ciphertext, faults, status, position, created_at, updated_at";

/// The merchant's order.
const ORDER: &str = "ORDER BY position, id";

/// A `LIKE` pattern matching a JSON array of names that holds `name` (`_` escaped).
fn holding(name: &str) -> String {
    format!("%\"{}\"%", name.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}

/// Binds the columns a merchant may change, as `$1` to `$15` in this order: label,
/// payment_methods, countries, currencies, fees, settlement_currency,
/// fx_spread_basis_points, base_url, credentials_ciphertext, credentials_hint,
/// webhook_secret_ciphertext, faults, status, position, updated_at.
fn bind_changeable<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    row: &'q ConnectorAccountRow,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    query
        .bind(&row.label)
        .bind(&row.payment_methods)
        .bind(&row.countries)
        .bind(&row.currencies)
        .bind(&row.fees)
        .bind(&row.settlement_currency)
        .bind(row.fx_spread_basis_points)
        .bind(&row.base_url)
        .bind(&row.credentials_ciphertext)
        .bind(&row.credentials_hint)
        .bind(&row.webhook_secret_ciphertext)
        .bind(&row.faults)
        .bind(&row.status)
        .bind(row.position)
        .bind(row.updated_at)
}

pub async fn insert(connection: &mut Connection, row: &ConnectorAccountRow) -> StoreResult<()> {
    let query = sqlx::query(
        "INSERT INTO connector_accounts (label, payment_methods, countries, currencies, fees, settlement_currency, \
         fx_spread_basis_points, base_url, credentials_ciphertext, credentials_hint, webhook_secret_ciphertext, \
         faults, status, position, updated_at, id, merchant_id, connector, mode, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
    );
    bind_changeable(query, row)
        .bind(&row.id)
        .bind(&row.merchant_id)
        .bind(&row.connector)
        .bind(&row.mode)
        .bind(row.created_at)
        .execute(connection)
        .await?;
    Ok(())
}

/// A merchant's connector account (enabled or not).
pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<ConnectorAccountRow>> {
    let sql = format!("SELECT {COLUMNS} FROM connector_accounts WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(pool).await?)
}

/// An account by id alone, for the provider webhook endpoint, which has no API key:
/// the provider's signature, checked with the account's secret, authenticates it.
pub async fn get_for_webhook(pool: &AnyPool, id: &str) -> StoreResult<Option<ConnectorAccountRow>> {
    let sql = format!("SELECT {COLUMNS} FROM connector_accounts WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?)
}

/// In the merchant's order, after the cursor (an id of this merchant's); only accounts
/// offering `payment_method` when given.
pub async fn list(
    pool: &AnyPool,
    merchant_id: &str,
    payment_method: Option<&str>,
    starting_after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<ConnectorAccountRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM connector_accounts WHERE merchant_id = $1 \
         AND (CAST($2 AS TEXT) IS NULL OR payment_methods LIKE $2 ESCAPE '\\') \
         AND (CAST($3 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM connector_accounts AS after_row \
              WHERE after_row.merchant_id = $1 AND after_row.id = $3 AND (connector_accounts.position > after_row.position \
              OR (connector_accounts.position = after_row.position AND connector_accounts.id > after_row.id)))) \
         {ORDER} LIMIT $4"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(payment_method.map(holding))
        .bind(starting_after)
        .bind(limit)
        .fetch_all(pool)
        .await?)
}

/// The merchant's enabled accounts offering `payment_method`, in its order: the
/// candidates routing tries, first to last.
pub async fn eligible_for(
    pool: &AnyPool,
    merchant_id: &str,
    payment_method: &str,
) -> StoreResult<Vec<ConnectorAccountRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM connector_accounts WHERE merchant_id = $1 AND status = 'enabled' \
         AND payment_methods LIKE $2 ESCAPE '\\' {ORDER}"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(holding(payment_method)).fetch_all(pool).await?)
}

/// Accounts a merchant has (enabled or not), for the per-merchant limit, and the
/// position after its last one.
pub async fn count_and_next_position(connection: &mut Connection, merchant_id: &str) -> StoreResult<(i64, i64)> {
    let (count, last): (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MAX(position) FROM connector_accounts WHERE merchant_id = $1")
            .bind(merchant_id)
            .fetch_one(connection)
            .await?;
    Ok((count, last.map_or(0, |last| last.saturating_add(1))))
}

/// Writes every field a merchant may change; false when the account is not this
/// merchant's.
pub async fn update(connection: &mut Connection, row: &ConnectorAccountRow) -> StoreResult<bool> {
    let query = sqlx::query(
        "UPDATE connector_accounts SET label = $1, payment_methods = $2, countries = $3, currencies = $4, \
         fees = $5, settlement_currency = $6, fx_spread_basis_points = $7, base_url = $8, \
         credentials_ciphertext = $9, credentials_hint = $10, webhook_secret_ciphertext = $11, faults = $12, \
         status = $13, position = $14, updated_at = $15 WHERE id = $16 AND merchant_id = $17",
    );
    let result = bind_changeable(query, row).bind(&row.id).bind(&row.merchant_id).execute(connection).await?;
    Ok(result.rows_affected() == 1)
}
