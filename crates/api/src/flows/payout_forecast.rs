//! What the forecast needs from reserves and payouts: each payment's pending funds
//! split into what becomes available and what the rolling reserve will hold (released
//! `reserve_days` later), reserves already held with their release dates, and the
//! automatic payouts the schedule will make.
//!
//! A scheduled payout takes the whole available balance of its day, so its amount
//! depends on the days before it: the payout days are projected one after another,
//! each from the forecast with the earlier payouts in it.

use crate::error::{ApiError, ApiResult};
use crate::flows::{payout_settings, validate};
use crate::state::AppState;
use std::collections::BTreeMap;
use time::{Date, Duration, OffsetDateTime};
use tradewind_ledger::postings;
use tradewind_money::Money;
use tradewind_settlement::forecast::{ForecastInput, PendingItem, ReserveHold, ScheduledPayout, forecast};
use tradewind_storage::balance_transactions::{self, BalanceTransactionRow};

/// The forecast's flows for one merchant.
#[derive(Debug, Default)]
pub struct Flows {
    pub pending: Vec<PendingItem>,
    pub reserves: Vec<ReserveHold>,
    pub payouts: Vec<ScheduledPayout>,
}

fn date_of(seconds: i64) -> ApiResult<Date> {
    Ok(OffsetDateTime::from_unix_timestamp(seconds).map_err(|error| ApiError::internal(&error))?.date())
}

/// The merchant's pending funds and held reserves, then its scheduled payouts over
/// `days` days from `start`.
pub async fn flows(
    state: &AppState,
    merchant_id: &str,
    start: Date,
    days: u32,
    available_now: &[Money],
    now: i64,
) -> ApiResult<Flows> {
    let settings = payout_settings::load(state, merchant_id, now).await?;
    let basis_points = u32::try_from(settings.reserve_basis_points).map_err(|error| ApiError::internal(&error))?;
    let mut flows = Flows::default();
    // A payment settles its pending rows together (charge less refunds), so the reserve
    // is taken from their sum, as the sweep will.
    let mut by_payment: BTreeMap<(String, i64, String), i64> = BTreeMap::new();
    for row in balance_transactions::pending(state.store.pool(), merchant_id).await? {
        let currency = validate::currency("currency", &row.currency)?;
        if row.r#type == "reserve_release" {
            flows
                .reserves
                .push(ReserveHold { amount: Money::new(row.amount, currency), release_on: date_of(row.available_on)? });
            continue;
        }
        let BalanceTransactionRow { payment_intent_id, id, available_on, currency: code, net, .. } = row;
        let total = by_payment.entry((payment_intent_id.unwrap_or(id), available_on, code)).or_default();
        *total = total.saturating_add(net);
    }
    for ((_, available_on, code), net) in by_payment {
        if net <= 0 {
            continue;
        }
        let currency = validate::currency("currency", &code)?;
        let amount = Money::new(net, currency);
        let held = postings::reserve_share(amount, basis_points).map_err(|error| ApiError::internal(&error))?.minor();
        let on = date_of(available_on)?;
        if net > held {
            flows.pending.push(PendingItem { amount: Money::new(net - held, currency), available_on: on });
        }
        if held > 0 {
            let release_on = on + Duration::days(settings.reserve_days);
            flows.reserves.push(ReserveHold { amount: Money::new(held, currency), release_on });
        }
    }
    if settings.bank_account_number.is_none() {
        return Ok(flows);
    }
    let schedule = payout_settings::schedule_of(&settings)?;
    let today_claimed =
        settings.last_automatic_payout_on.is_some_and(|last| last >= start.midnight().assume_utc().unix_timestamp());
    let minimum = settings.minimum_amount.max(1);
    for day in schedule.payout_days(start, days) {
        if day == start && today_claimed {
            continue;
        }
        let input = ForecastInput {
            start,
            days,
            available_now,
            pending: &flows.pending,
            reserves: &flows.reserves,
            payouts: &flows.payouts,
        };
        let projected = forecast(&input).map_err(|error| ApiError::internal(&error))?;
        for row in projected.days.iter().filter(|row| row.date == day) {
            if row.projected_available.minor() >= minimum {
                flows.payouts.push(ScheduledPayout { amount: row.projected_available, pay_on: day });
            }
        }
    }
    Ok(flows)
}
