//! Exchange rates: the platform's (ECB reference rates, `merchant_id` NULL) and each
//! merchant's manual rates. Rates stay decimal strings here; the `api` crate parses
//! them into `rust_decimal` values and builds the rate table.
//!
//! A row's *scope* is its merchant id, or `''` for the platform: the unique index
//! `fx_rates_one_per_instant` is on `COALESCE(merchant_id, '')`, so the lookups below
//! use the same expression and can use it.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

/// Rows per INSERT statement when importing: a historical ECB file holds hundreds of
/// thousands of rates, and one statement per row would cost one round trip each.
/// Four parameters a row keep a statement near 400 parameters, far below either
/// backend's limit.
pub const IMPORT_ROWS_PER_STATEMENT: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FxRateRow {
    /// `None` for a platform-wide rate.
    pub merchant_id: Option<String>,
    pub base: String,
    pub quote: String,
    /// Units of `quote` per unit of `base`, a decimal string.
    pub rate: String,
    /// `ecb` or `manual`.
    pub source: String,
    pub as_of: i64,
    pub created_at: i64,
}

const COLUMNS: &str = "r.merchant_id, r.base, r.quote, r.rate, r.source, r.as_of, r.created_at";

/// The scope key of the unique index: the merchant's id, or `''` for the platform.
fn scope(merchant_id: Option<&str>) -> &str {
    merchant_id.unwrap_or_default()
}

/// The latest rate of each pair in one scope (`None`: the platform's) whose two
/// currencies are both among `codes`. At most six pairs can match three codes, so
/// the answer is small whatever the table holds; a cross rate through EUR needs
/// exactly the pairs among `[base, quote, "EUR"]`.
pub async fn latest_among(pool: &AnyPool, merchant_id: Option<&str>, codes: [&str; 3]) -> StoreResult<Vec<FxRateRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM fx_rates AS r \
         WHERE COALESCE(r.merchant_id, '') = $1 AND r.base IN ($2, $3, $4) AND r.quote IN ($2, $3, $4) \
         AND r.as_of = (SELECT MAX(l.as_of) FROM fx_rates AS l \
             WHERE COALESCE(l.merchant_id, '') = $1 AND l.base = r.base AND l.quote = r.quote) \
         ORDER BY r.base, r.quote"
    );
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(scope(merchant_id))
        .bind(codes[0])
        .bind(codes[1])
        .bind(codes[2])
        .fetch_all(pool)
        .await?;
    Ok(rows)
}

/// Whether any platform-wide rate is stored (start-up seeds them when none is).
pub async fn has_platform_rates(pool: &AnyPool) -> StoreResult<bool> {
    let found = sqlx::query("SELECT base FROM fx_rates WHERE COALESCE(merchant_id, '') = '' LIMIT 1")
        .fetch_optional(pool)
        .await?;
    Ok(found.is_some())
}

/// A rate to store: units of `quote` per unit of `base`, published at `as_of`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFxRate {
    pub base: String,
    pub quote: String,
    pub rate: String,
    pub as_of: i64,
}

/// Inserts platform-wide ECB rates, skipping any pair already stored for the same
/// instant (importing the same publication twice changes nothing). Returns how many
/// rows were new.
pub async fn insert_ecb(connection: &mut Connection, rates: &[NewFxRate], now: i64) -> StoreResult<u64> {
    let mut inserted = 0;
    for chunk in rates.chunks(IMPORT_ROWS_PER_STATEMENT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|index| {
                let first = index * 4 + 1;
                format!("(NULL, ${}, ${}, ${}, 'ecb', ${}, $1)", first + 1, first + 2, first + 3, first + 4)
            })
            .collect();
        let sql = format!(
            "INSERT INTO fx_rates (merchant_id, base, quote, rate, source, as_of, created_at) VALUES {} \
             ON CONFLICT DO NOTHING",
            values.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
        for rate in chunk {
            query = query.bind(&rate.base).bind(&rate.quote).bind(&rate.rate).bind(rate.as_of);
        }
        inserted += query.execute(&mut *connection).await?.rows_affected();
    }
    Ok(inserted)
}

/// Stores a merchant's manual rate; a second rate for the same pair and instant
/// replaces the first (the later request is the correction).
pub async fn upsert_manual(
    connection: &mut Connection,
    merchant_id: &str,
    rate: &NewFxRate,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO fx_rates (merchant_id, base, quote, rate, source, as_of, created_at) \
         VALUES ($1, $2, $3, $4, 'manual', $5, $6) \
         ON CONFLICT ((COALESCE(merchant_id, '')), base, quote, as_of) \
         DO UPDATE SET rate = excluded.rate, created_at = excluded.created_at",
    )
    .bind(merchant_id)
    .bind(&rate.base)
    .bind(&rate.quote)
    .bind(&rate.rate)
    .bind(rate.as_of)
    .bind(now)
    .execute(connection)
    .await?;
    Ok(())
}
