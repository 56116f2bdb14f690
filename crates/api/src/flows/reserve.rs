//! The rolling reserve: the share of each settlement a merchant's settings hold back,
//! and its release on the release date. A settlement writes the hold
//! (`money::settlement_effects`); the sweep releases what is due here, posting
//! `postings::reserve_release` and making the `reserve_release` balance transaction
//! available in the same transaction; what the merchant owes is repaid from the released
//! money first (`money::negative_balance_recovery`).

use crate::error::{ApiError, ApiResult};
use crate::flows::money::{self, RollingReserve};
use crate::state::AppState;
use tradewind_ledger::{SourceId, postings};
use tradewind_money::{Currency, Money};
use tradewind_payments::id::MerchantId;
use tradewind_storage::balance_transactions::{self, BalanceTransactionRow};
use tradewind_storage::{payouts, reserves};

/// Rows handled per query, and queries per step: a bound on one step's work.
const BATCH_SIZE: i64 = 100;
const BATCHES_MAX: usize = 20;

#[derive(Debug, thiserror::Error)]
#[error("reserve: {0}")]
struct ReserveError(String);

fn internal(what: impl std::fmt::Display) -> ApiError {
    ApiError::internal(&ReserveError(what.to_string()))
}

/// The merchant's rolling reserve now (none when it never set one).
pub async fn rolling_reserve(state: &AppState, merchant_id: &str) -> ApiResult<RollingReserve> {
    let Some(settings) = payouts::settings(state.store.pool(), merchant_id).await? else {
        return Ok(RollingReserve::default());
    };
    Ok(RollingReserve {
        basis_points: u32::try_from(settings.reserve_basis_points).map_err(internal)?,
        days: u32::try_from(settings.reserve_days).map_err(internal)?,
    })
}

/// Releases every reserve due by `now`; returns how many were released.
pub async fn release_due(state: &AppState, merchant_id: &str, now: i64) -> ApiResult<u64> {
    let mut released = 0;
    for _ in 0..BATCHES_MAX {
        let due = reserves::due(state.store.pool(), merchant_id, now, BATCH_SIZE).await?;
        if due.is_empty() {
            break;
        }
        let mut progressed = false;
        for row in &due {
            if release(state, row, now).await? {
                released += 1;
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    Ok(released)
}

/// Releases one reserve: false when another sweep released it first.
async fn release(state: &AppState, row: &BalanceTransactionRow, now: i64) -> ApiResult<bool> {
    let mut transaction = state.store.begin().await?;
    let Some(fresh) = reserves::get_in(transaction.connection(), &row.merchant_id, &row.id).await? else {
        return Ok(false);
    };
    if fresh.status != "pending" || fresh.available_on > now {
        return Ok(false);
    }
    if !balance_transactions::make_available(transaction.connection(), &fresh.merchant_id, &fresh.id).await? {
        return Ok(false);
    }
    let merchant = MerchantId::parse(&fresh.merchant_id).map_err(internal)?;
    let payment = SourceId::parse(&fresh.source_id).map_err(internal)?;
    let currency = Currency::parse(&fresh.currency).map_err(internal)?;
    let transfers =
        postings::reserve_release(&payment, &merchant, Money::new(fresh.amount, currency)).map_err(internal)?;
    tradewind_storage::ledger::post_in(transaction.connection(), state.store.backend(), &transfers, now).await?;
    // What the merchant owes is repaid from the released money first.
    let owed = money::owed_in(transaction.connection(), &fresh.merchant_id, &fresh.currency).await?;
    money::negative_balance_recovery(
        &fresh.merchant_id,
        &fresh.source_id,
        owed,
        fresh.amount,
        postings::Recovery::ReserveRelease,
        now,
    )?
    .write_in(&state.store, transaction.connection(), now)
    .await?;
    transaction.commit().await?;
    Ok(true)
}
