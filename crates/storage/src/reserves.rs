//! The rolling reserve as balance transactions: when a settlement holds part of a
//! payment, a `reserve_hold` row (available, negative) and a `reserve_release` row
//! (pending until its release date, positive) are written with it; the sweep makes the
//! release available on its date, in the same transaction as the ledger transfer.
//!
//! The release rows carry the payment in `source_id` but not in `payment_intent_id`,
//! so the settlement sweep, which settles a payment's pending rows together, leaves
//! them to this module. Listing them is `balance_transactions::list` with `type =
//! reserve_release`.

use crate::balance_transactions::{BalanceTransactionRow, COLUMNS};
use crate::{Connection, StoreResult};
use sqlx::AnyPool;

/// [`due`]'s query (public for the plan tests): the pending range of the status index.
pub fn due_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM balance_transactions WHERE merchant_id = $1 AND type = 'reserve_release' \
         AND status = 'pending' AND available_on <= $2 ORDER BY available_on, id LIMIT $3"
    )
}

/// A merchant's reserve releases due by `now`, oldest first.
pub async fn due(pool: &AnyPool, merchant_id: &str, now: i64, limit: i64) -> StoreResult<Vec<BalanceTransactionRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(due_sql())).bind(merchant_id).bind(now).bind(limit).fetch_all(pool).await?)
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
