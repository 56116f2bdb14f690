//! Payouts to the merchant's bank account: manual (`POST /v1/payouts`) and scheduled
//! (the sweep pays out the whole available balance of each currency on the schedule's
//! days, when it reaches the minimum), then `pending → in_transit → paid`, or `failed`
//! with the funds returned, as the sandbox payout bank decides
//! (`tradewind_connectors::payout`); a pending payout can be canceled.
//!
//! | change | transfers | balance transaction |
//! | --- | --- | --- |
//! | created | available → payouts in transit (`postings::payout_created`) | `payout`: −amount |
//! | in transit | — | — |
//! | paid | payouts in transit → platform bank (`postings::payout_paid`) | — |
//! | failed | payouts in transit → available (`postings::payout_failed`) | `payout_failure`: +amount |
//! | canceled | payouts in transit → available (`postings::payout_failed`) | `payout_cancel`: +amount |
//!
//! Each is written with the status change (a conditional update) and its event in one
//! transaction. A payout beyond the available balance is refused by the ledger
//! (`ExceedsCredits`), which answers 400 `balance_insufficient`.

use crate::error::{ApiError, ApiResult};
use crate::extract::Authenticated;
use crate::flows::money::{self, Effects};
use crate::flows::{events, payout_settings, validate};
use crate::state::AppState;
use crate::wire::payout::{CreatePayout, PayoutObject, last4};
use serde_json::json;
use time::OffsetDateTime;
use tradewind_connectors::payout::{
    ARRIVAL_BUSINESS_DAYS, PayoutFailure, PayoutOutcome, SUBMISSION_DELAY_SECONDS, outcome_for,
};
use tradewind_ledger::{AccountKind, SourceId, postings};
use tradewind_money::{Currency, Money};
use tradewind_payments::id::{BalanceTransactionId, MerchantId, PayoutId};
use tradewind_storage::balance_transactions::BalanceTransactionRow;
use tradewind_storage::payouts::{self, PayoutRow, PayoutSettingsRow};
use tradewind_storage::{Connection, ledger};

/// Rows handled per query, and queries per step: a bound on one step's work.
const BATCH_SIZE: i64 = 100;
const BATCHES_MAX: usize = 20;

#[derive(Debug, thiserror::Error)]
#[error("payout: {0}")]
struct PayoutError(String);

fn internal(what: impl std::fmt::Display) -> ApiError {
    ApiError::internal(&PayoutError(what.to_string()))
}

fn no_bank_account() -> ApiError {
    ApiError::bad_request(
        "no_external_account",
        "This account has no bank account for payouts: add one with `POST /v1/account/settings`.",
    )
}

/// Creates a manual payout of `amount` from the available balance.
pub async fn create(state: &AppState, auth: &Authenticated, request: CreatePayout) -> ApiResult<PayoutObject> {
    let now = auth.now(state);
    let merchant_id = auth.merchant_id.as_str();
    validate::positive_amount("amount", request.amount)?;
    let currency = validate::currency("currency", &request.currency)?;
    validate::description(&request.description)?;
    let settings = payout_settings::load(state, merchant_id, now).await?;
    if settings.bank_account_number.is_none() {
        return Err(no_bank_account());
    }
    let mut transaction = state.store.begin().await?;
    let amount = Money::new(request.amount, currency);
    let row = match open(state, transaction.connection(), &settings, amount, false, request.description, now).await {
        Ok(row) => row,
        Err(error) if error.code == "balance_insufficient" => return Err(error.with_param("amount")),
        Err(error) => return Err(error),
    };
    transaction.commit().await?;
    Ok(PayoutObject::from_row(&row))
}

/// Writes a new payout inside `connection`'s transaction: the row, its transfers and
/// balance transaction, and `payout.created`.
async fn open(
    state: &AppState,
    connection: &mut Connection,
    settings: &PayoutSettingsRow,
    amount: Money,
    automatic: bool,
    description: Option<String>,
    now: i64,
) -> ApiResult<PayoutRow> {
    let (Some(holder), Some(number)) = (&settings.bank_account_holder_name, &settings.bank_account_number) else {
        return Err(no_bank_account());
    };
    // What the merchant owes the platform (a dispute its balances could not cover) is
    // not paid out: the available balance less the debt is what a payout may take.
    let owner = MerchantId::parse(&settings.merchant_id).map_err(internal)?;
    let account = |kind| tradewind_ledger::AccountId::merchant(&owner, kind, amount.currency()).map_err(internal);
    let owed = ledger::balance_in(&mut *connection, &account(AccountKind::NegativeBalance)?).await?;
    if owed > 0 {
        let available = ledger::balance_in(&mut *connection, &account(AccountKind::Available)?).await?;
        if available.saturating_sub(owed) < amount.minor() {
            return Err(ApiError::bad_request(
                "balance_insufficient",
                format!(
                    "The available balance less the {owed} owed from disputes cannot cover a payout of {}.",
                    amount.minor()
                ),
            ));
        }
    }
    let sandbox_outcome = match outcome_for(number) {
        PayoutOutcome::Paid => "paid",
        PayoutOutcome::Failed(failure) => failure.code(),
    };
    let destination = json!({
        "object": "bank_account", "account_holder_name": holder, "last4": last4(number),
        "bank_code": settings.bank_code, "country": settings.bank_country,
    });
    let row = PayoutRow {
        id: PayoutId::generate().to_string(),
        merchant_id: settings.merchant_id.clone(),
        amount: amount.minor(),
        currency: amount.currency().code().to_owned(),
        status: "pending".to_owned(),
        automatic: i64::from(automatic),
        description,
        destination: destination.to_string(),
        sandbox_outcome: sandbox_outcome.to_owned(),
        failure_code: None,
        failure_message: None,
        arrival_date: money::available_on(now, ARRIVAL_BUSINESS_DAYS, amount.currency())?,
        next_step_at: Some(now.saturating_add(SUBMISSION_DELAY_SECONDS)),
        created_at: now,
        updated_at: now,
    };
    payouts::insert(connection, &row).await?;
    let transfers = postings::payout_created(&source(&row)?, &merchant(&row)?, amount).map_err(internal)?;
    let effects = Effects { transfers, balance_transactions: vec![balance_row(&row, "payout", -row.amount, now)] };
    effects.write_in(&state.store, connection, now).await?;
    event(connection, &row, "payout.created", now).await?;
    Ok(row)
}

/// Cancels a payout the bank has not taken yet; its funds are available again.
pub async fn cancel(state: &AppState, auth: &Authenticated, id: &str) -> ApiResult<PayoutObject> {
    let now = auth.now(state);
    let merchant_id = auth.merchant_id.as_str();
    PayoutId::parse(id).map_err(|_| ApiError::not_found("payout", id))?;
    let mut transaction = state.store.begin().await?;
    let row = payouts::get_in(transaction.connection(), merchant_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("payout", id))?;
    let not_cancelable = |status: &str| {
        ApiError::conflict(
            "payout_not_cancelable",
            format!("Only a pending payout can be canceled; this one is {status}."),
        )
    };
    if row.status != "pending" {
        return Err(not_cancelable(&row.status));
    }
    let canceled = PayoutRow { status: "canceled".to_owned(), next_step_at: None, updated_at: now, ..row.clone() };
    if !payouts::transition(transaction.connection(), &canceled, "pending").await? {
        return Err(not_cancelable("no longer pending"));
    }
    returned(state, transaction.connection(), &canceled, "payout_cancel", now).await?;
    event(transaction.connection(), &canceled, "payout.canceled", now).await?;
    transaction.commit().await?;
    Ok(PayoutObject::from_row(&canceled))
}

/// The funds of a payout that did not arrive go back to the available balance.
async fn returned(
    state: &AppState,
    connection: &mut Connection,
    row: &PayoutRow,
    kind: &str,
    now: i64,
) -> ApiResult<()> {
    let amount = Money::new(row.amount, currency(row)?);
    let transfers = postings::payout_failed(&source(row)?, &merchant(row)?, amount).map_err(internal)?;
    let effects = Effects { transfers, balance_transactions: vec![balance_row(row, kind, row.amount, now)] };
    effects.write_in(&state.store, connection, now).await
}

/// The sweep's payout work for one merchant at `now`: payouts moved through their
/// statuses, then today's scheduled payouts. Returns how many payouts moved or were
/// created.
pub async fn run_due(state: &AppState, merchant_id: &str, now: i64) -> ApiResult<u64> {
    let mut moved = 0;
    for _ in 0..BATCHES_MAX {
        let due = payouts::due(state.store.pool(), merchant_id, now, BATCH_SIZE).await?;
        if due.is_empty() {
            break;
        }
        let mut progressed = false;
        for row in &due {
            if step(state, row, now).await? {
                moved += 1;
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    Ok(moved + pay_out_on_schedule(state, merchant_id, now).await?)
}

/// Moves one payout on: `pending → in_transit` once the bank takes it, then `paid` or
/// `failed` on its arrival date. False when it was not due after all.
async fn step(state: &AppState, due: &PayoutRow, now: i64) -> ApiResult<bool> {
    let mut transaction = state.store.begin().await?;
    let Some(row) = payouts::get_in(transaction.connection(), &due.merchant_id, &due.id).await? else {
        return Ok(false);
    };
    if row.next_step_at.is_none_or(|at| at > now) {
        return Ok(false);
    }
    let mut next = PayoutRow { updated_at: now, ..row.clone() };
    let event_type = match row.status.as_str() {
        "pending" => {
            next.status = "in_transit".to_owned();
            next.next_step_at = Some(row.arrival_date.max(row.created_at.saturating_add(SUBMISSION_DELAY_SECONDS)));
            "payout.updated"
        }
        "in_transit" => {
            next.next_step_at = None;
            match PayoutFailure::parse(&row.sandbox_outcome) {
                None => {
                    next.status = "paid".to_owned();
                    "payout.paid"
                }
                Some(failure) => {
                    next.status = "failed".to_owned();
                    next.failure_code = Some(failure.code().to_owned());
                    next.failure_message = Some(failure.message().to_owned());
                    "payout.failed"
                }
            }
        }
        other => return Err(internal(format!("payout {} is {other} with a next step", row.id))),
    };
    if !payouts::transition(transaction.connection(), &next, &row.status).await? {
        return Ok(false);
    }
    match next.status.as_str() {
        "paid" => {
            let amount = Money::new(next.amount, currency(&next)?);
            let transfers = postings::payout_paid(&source(&next)?, &merchant(&next)?, amount).map_err(internal)?;
            Effects { transfers, balance_transactions: Vec::new() }
                .write_in(&state.store, transaction.connection(), now)
                .await?;
        }
        "failed" => returned(state, transaction.connection(), &next, "payout_failure", now).await?,
        _ => {}
    }
    event(transaction.connection(), &next, event_type, now).await?;
    transaction.commit().await?;
    Ok(true)
}

/// On a payout day of the merchant's schedule, pays out the whole available balance
/// of each currency that reaches the minimum, once per day (the day is claimed in the
/// same transaction). A balance that shrank under a concurrent refund between the
/// read and the posting makes the ledger refuse; the day is then left unclaimed and
/// the next sweep tries again.
async fn pay_out_on_schedule(state: &AppState, merchant_id: &str, now: i64) -> ApiResult<u64> {
    let Some(settings) = payouts::settings(state.store.pool(), merchant_id).await? else {
        return Ok(0);
    };
    let schedule = payout_settings::schedule_of(&settings)?;
    let today = OffsetDateTime::from_unix_timestamp(now).map_err(internal)?.date();
    let day = today.midnight().assume_utc().unix_timestamp();
    if !schedule.pays_out_on(today)
        || settings.bank_account_number.is_none()
        || settings.last_automatic_payout_on.is_some_and(|last| last >= day)
    {
        return Ok(0);
    }
    let mut transaction = state.store.begin().await?;
    if !payouts::claim_automatic_day(transaction.connection(), merchant_id, day).await? {
        return Ok(0);
    }
    let minimum = settings.minimum_amount.max(1);
    let mut created = 0;
    let accounts = ledger::merchant_accounts(state.store.pool(), merchant_id).await?;
    for account in &accounts {
        // The balance less what the merchant owes from disputes (never paid out).
        let owed: i64 = accounts
            .iter()
            .filter(|owing| owing.kind() == AccountKind::NegativeBalance && owing.currency() == account.currency())
            .map(|owing| owing.balance_minor())
            .sum();
        let available = account.balance_minor().saturating_sub(owed);
        if account.kind() != AccountKind::Available || available < minimum {
            continue;
        }
        let amount = Money::new(available, account.currency());
        match open(state, transaction.connection(), &settings, amount, true, None, now).await {
            Ok(_) => created += 1,
            Err(error) if error.code == "balance_insufficient" => return Ok(0),
            Err(error) => return Err(error),
        }
    }
    transaction.commit().await?;
    Ok(created)
}

fn balance_row(row: &PayoutRow, kind: &str, amount: i64, now: i64) -> BalanceTransactionRow {
    BalanceTransactionRow {
        id: BalanceTransactionId::generate().to_string(),
        merchant_id: row.merchant_id.clone(),
        r#type: kind.to_owned(),
        reporting_category: if kind == "payout" { "payout" } else { "payout_reversal" }.to_owned(),
        amount,
        fee: 0,
        net: amount,
        currency: row.currency.clone(),
        fee_details: "[]".to_owned(),
        source_id: row.id.clone(),
        payment_intent_id: None,
        connector: Some("sandbox_payout".to_owned()),
        description: row.description.clone(),
        status: "available".to_owned(),
        available_on: now,
        created_at: now,
        exchange_rate: None,
    }
}

async fn event(connection: &mut Connection, row: &PayoutRow, event_type: &str, now: i64) -> ApiResult<()> {
    let data = PayoutObject::from_row(row).to_value();
    tradewind_storage::events::insert(connection, &events::event(&row.merchant_id, event_type, &row.id, &data, now))
        .await?;
    Ok(())
}

fn source(row: &PayoutRow) -> ApiResult<SourceId> {
    SourceId::parse(&row.id).map_err(internal)
}

fn merchant(row: &PayoutRow) -> ApiResult<MerchantId> {
    MerchantId::parse(&row.merchant_id).map_err(internal)
}

fn currency(row: &PayoutRow) -> ApiResult<Currency> {
    Currency::parse(&row.currency).map_err(internal)
}
