//! Due work: unpaid attempts that expire, delayed provider outcomes (SOFORT after
//! days, Boleto the next business day), refunds that settle later, disputes (opened,
//! past their deadline, decided, escalated), early fraud warnings, rolling reserves
//! released, payouts (scheduled, and moving through their statuses) and the status
//! sync of payments and refunds waiting on a real provider. One step,
//! [`run_due`], does all that is due for one merchant at its clock; the background
//! worker calls it for every merchant, and advancing a sandbox clock calls it at once,
//! so tests drive time without sleeping.

use crate::error::ApiResult;
use crate::flows::{dispute, early_fraud_warning, events, money, outcome, payout, provider_status, reserve};
use crate::state::AppState;
use crate::wire::refund::RefundObject;
use tradewind_connectors::wallet;
use tradewind_payments::method::PaymentMethodType;
use tradewind_storage::{attempts, balance_transactions, payment_intents, refunds};

/// Rows handled per query, and queries per step: a bound on one step's work.
const BATCH_SIZE: i64 = 100;
const BATCHES_MAX: usize = 20;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub expired: u64,
    pub settled: u64,
    pub refunds_settled: u64,
    /// Payments whose funds became available.
    pub funds_settled: u64,
    /// Rolling reserves released, and payouts created or moved on.
    pub reserves_released: u64,
    pub payouts: u64,
    /// Disputes opened, closed, decided or escalated.
    pub disputes: u64,
    /// Early fraud warnings raised.
    pub early_fraud_warnings: u64,
    /// Payments and refunds a provider's answer moved (the status sync).
    pub provider_synced: u64,
    /// Support conversations woken from a snooze, SLA breaches recorded, queued
    /// conversations assigned.
    pub support: crate::support::sweep::SupportSweepReport,
}

pub async fn run_due(state: &AppState, merchant_id: &str, now: i64) -> ApiResult<SweepReport> {
    // Reserves first: their due releases must not crowd the settlement batches below.
    let reserves_released = reserve::release_due(state, merchant_id, now).await?;
    let mut report = SweepReport { reserves_released, ..SweepReport::default() };
    for _ in 0..BATCHES_MAX {
        let due = payment_intents::due(state.store.pool(), merchant_id, now, BATCH_SIZE).await?;
        if due.is_empty() {
            break;
        }
        let mut progressed = false;
        for candidate in due {
            progressed |= settle_intent(state, merchant_id, &candidate.id, now, &mut report).await?;
        }
        if !progressed {
            break;
        }
    }
    for _ in 0..BATCHES_MAX {
        let due = refunds::due(state.store.pool(), merchant_id, now, BATCH_SIZE).await?;
        if due.is_empty() {
            break;
        }
        for refund in &due {
            settle_refund(state, refund, now).await?;
            report.refunds_settled += 1;
        }
    }
    // Before settlement, so a dispute opened on pending funds is netted against them.
    report.disputes += dispute::run_due(state, merchant_id, now).await?;
    report.early_fraud_warnings = early_fraud_warning::run_due(state, merchant_id, now).await?;
    for _ in 0..BATCHES_MAX {
        let due = balance_transactions::due(state.store.pool(), merchant_id, now, BATCH_SIZE).await?;
        let mut payments: Vec<String> = due.iter().filter_map(|row| row.payment_intent_id.clone()).collect();
        payments.sort_unstable();
        payments.dedup();
        let mut progressed = false;
        for payment in &payments {
            progressed |= settle_funds(state, merchant_id, payment, now).await?;
            report.funds_settled += 1;
        }
        if !progressed {
            break;
        }
    }
    report.payouts = payout::run_due(state, merchant_id, now).await?;
    let synced = provider_status::run_due(state, merchant_id, now).await?;
    report.provider_synced = synced.payments + synced.refunds;
    report.support = crate::support::sweep::run_due(state, merchant_id, now).await?;
    Ok(report)
}

/// Settles one intent inside its own transaction; false when nothing was due after all.
async fn settle_intent(
    state: &AppState,
    merchant_id: &str,
    intent_id: &str,
    now: i64,
    report: &mut SweepReport,
) -> ApiResult<bool> {
    let mut transaction = state.store.begin().await?;
    let Some(mut intent) = payment_intents::get_in(transaction.connection(), merchant_id, intent_id).await? else {
        return Ok(false);
    };
    let Some(attempt_id) = intent.latest_attempt_id.clone() else {
        intent.expires_at = None;
        intent.scheduled_at = None;
        payment_intents::update(transaction.connection(), &intent).await?;
        transaction.commit().await?;
        return Ok(true);
    };
    let Some(mut attempt) = attempts::get_in(transaction.connection(), &attempt_id).await? else {
        return Ok(false);
    };
    let before = money::Before::of(&intent);
    let is_due = |at: Option<i64>| at.is_some_and(|at| at <= now);
    if intent.status == "requires_action" && is_due(intent.expires_at) {
        outcome::expired(&mut intent, &mut attempt, now)?;
        report.expired += 1;
    } else if intent.status == "processing" && is_due(intent.scheduled_at) {
        if intent.scheduled_outcome.as_deref() == Some("fail") {
            let method = PaymentMethodType::parse(&attempt.payment_method_type).unwrap_or(PaymentMethodType::Sofort);
            let (code, message) = wallet::decline_for(method);
            outcome::failed(&mut intent, &mut attempt, code, None, message, now)?;
        } else {
            outcome::authorized(&mut intent, &mut attempt, now)?;
        }
        report.settled += 1;
    } else {
        // Stale schedule (the intent moved on): clear it so it is not picked again.
        intent.expires_at = None;
        intent.scheduled_at = None;
        intent.scheduled_outcome = None;
        payment_intents::update(transaction.connection(), &intent).await?;
        transaction.commit().await?;
        return Ok(true);
    }
    let written =
        outcome::write_change_in(state, transaction.connection(), Some(&before), &intent, Some(&attempt), now).await?;
    if written {
        transaction.commit().await?;
    }
    Ok(written)
}

/// Makes a payment's due pending funds available: its charge net of the refunds taken
/// from pending, in one settlement transfer (pending → available), with the balance
/// transactions marked available in the same transaction, and what the merchant owes
/// repaid from them first. False when nothing was due.
async fn settle_funds(state: &AppState, merchant_id: &str, payment_intent_id: &str, now: i64) -> ApiResult<bool> {
    let mut transaction = state.store.begin().await?;
    let due =
        balance_transactions::due_for_payment(transaction.connection(), merchant_id, payment_intent_id, now).await?;
    if due.is_empty() {
        return Ok(false);
    }
    for row in &due {
        balance_transactions::make_available(transaction.connection(), merchant_id, &row.id).await?;
    }
    let reserve = reserve::rolling_reserve(state, merchant_id).await?;
    let owed = money::owed_in(transaction.connection(), merchant_id, &due[0].currency).await?;
    money::settlement_effects(merchant_id, payment_intent_id, &due, reserve, owed.minor(), now)?
        .write_in(&state.store, transaction.connection(), now)
        .await?;
    transaction.commit().await?;
    Ok(true)
}

async fn settle_refund(state: &AppState, refund: &refunds::RefundRow, now: i64) -> ApiResult<()> {
    let mut transaction = state.store.begin().await?;
    let fails = refund.scheduled_outcome.as_deref() == Some("fail");
    if !settle_refund_in(state, transaction.connection(), refund, fails, now).await? {
        // Left pending elsewhere: clear the schedule so the sweep does not loop on it.
        refunds::clear_schedule(transaction.connection(), &refund.id).await?;
    }
    transaction.commit().await?;
    Ok(())
}

/// Settles `refund` inside an open transaction: a pending refund succeeds, or fails
/// (`fails`) giving the money back; a succeeded one that `fails` is failed after
/// success (the card could not take it). The refund's event goes with it. False when
/// the refund was not in a status this moves (nothing written).
pub async fn settle_refund_in(
    state: &AppState,
    connection: &mut tradewind_storage::Connection,
    refund: &refunds::RefundRow,
    fails: bool,
    now: i64,
) -> ApiResult<bool> {
    let changed = match (refund.status.as_str(), fails) {
        ("pending", false) => refunds::settle(&mut *connection, &refund.id, "succeeded", None, now).await?,
        ("pending", true) => refunds::settle(&mut *connection, &refund.id, "failed", Some("declined"), now).await?,
        ("succeeded", true) => {
            refunds::fail_after_success(&mut *connection, &refund.id, "expired_or_canceled_card", now).await?
        }
        _ => false,
    };
    if !changed {
        return Ok(false);
    }
    if fails {
        payment_intents::release_refund(&mut *connection, &refund.payment_intent_id, refund.amount, now).await?;
        // The money comes back: the refund's transfers reversed, and a balance
        // transaction saying so.
        let booked = balance_transactions::for_source(&mut *connection, &refund.merchant_id, &refund.id)
            .await?
            .into_iter()
            .find(|row| row.r#type == "refund");
        if let Some(booked) = booked {
            let transfers: Vec<_> = tradewind_storage::ledger::source_transfers(&mut *connection, &refund.id)
                .await?
                .into_iter()
                .map(|stored| stored.transfer)
                .filter(|transfer| transfer.code != tradewind_ledger::TransferCode::Reversal)
                .collect();
            money::refund_failure_effects(&transfers, &booked, now)?.write_in(&state.store, connection, now).await?;
        }
    }
    let mut settled = refund.clone();
    settled.status = if fails { "failed" } else { "succeeded" }.to_owned();
    settled.failure_reason = fails.then(|| "declined".to_owned());
    let data = serde_json::to_value(RefundObject::from_row(&settled)).unwrap_or_default();
    let event_type = if fails { "refund.failed" } else { "refund.updated" };
    tradewind_storage::events::insert(
        connection,
        &events::event(&refund.merchant_id, event_type, &refund.id, &data, now),
    )
    .await?;
    Ok(true)
}
