//! The rolling reserve as balance transactions: when a settlement holds part of a
//! payment, a `reserve_hold` row (available, negative) and a `reserve_release` row
//! (pending until its release date, positive) are written with it; the sweep makes the
//! release available on its date, in the same transaction as the ledger transfer.
//!
//! The release rows carry the payment in `source_id` but not in `payment_intent_id`,
//! so the settlement sweep, which settles a payment's pending rows together, leaves
//! them to this module.

use crate::balance_transactions::BalanceTransactionRow;
use crate::{Connection, StoreResult};
use sqlx::AnyPool;

const COLUMNS: &str = "id, merchant_id, type, reporting_category, amount, fee, net, currency, fee_details, source_id, \
    payment_intent_id, connector, description, status, available_on, created_at";

/// A merchant's reserve releases due by `now`, oldest first.
pub async fn due(pool: &AnyPool, merchant_id: &str, now: i64, limit: i64) -> StoreResult<Vec<BalanceTransactionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM balance_transactions WHERE merchant_id = $1 AND type = 'reserve_release' \
         AND status = 'pending' AND available_on <= $2 ORDER BY available_on, id LIMIT $3"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(now).bind(limit).fetch_all(pool).await?)
}

/// Re-reads one release inside a transaction.
pub async fn get_in(
    connection: &mut Connection,
    merchant_id: &str,
    id: &str,
) -> StoreResult<Option<BalanceTransactionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM balance_transactions WHERE merchant_id = $1 AND id = $2 AND type = 'reserve_release'"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(connection).await?)
}

/// The list filters; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub starting_after: Option<String>,
    /// `pending` (still held) or `available` (released).
    pub status: Option<String>,
    pub currency: Option<String>,
    pub limit: i64,
}

/// A merchant's reserve releases, newest first, after the cursor.
pub async fn list(pool: &AnyPool, merchant_id: &str, filter: &ListFilter) -> StoreResult<Vec<BalanceTransactionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM balance_transactions WHERE merchant_id = $1 AND type = 'reserve_release' \
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
