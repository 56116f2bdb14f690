//! What a dispute does to money, to be written in the same transaction as its change.
//!
//! | change | transfers | balance transaction |
//! | --- | --- | --- |
//! | chargeback opened | amount and fee from the payment's pending funds, then available, the rest owed (`negative_balance`) | `dispute`: −amount, fee, −(amount + fee) |
//! | won | disputed → available, fee returned; then what is owed is repaid from available | `adjustment` (`dispute_reversal`): +amount, −fee, net |
//! | lost (closed, deadline passed or decided) | disputed → clearing (back to the buyer) | — (the money left when it opened) |
//! | inquiry (any change) | — | — |
//!
//! A payment whose charge was converted into the merchant's settlement currency is
//! disputed in that currency: the amount and the fee (stated on the dispute in the
//! payment's currency) convert at the charge's rate, once, when the dispute opens;
//! deciding it moves what the opening booked (read back from its transfers), and a lost
//! one pays the buyer's currency back through the platform's FX positions.
//!
//! The `dispute` row follows the payment's charge: while the charge is pending it is
//! pending too (same `available_on`), so the settlement sweep nets it against the charge
//! and moves only what is left (nothing, when the dispute took it all). What a dispute leaves
//! owed is also recovered by the next settlement or reserve release of any payment in
//! that currency (`money::negative_balance_recovery`).

use crate::error::{ApiError, ApiResult};
use crate::flows::money::{self, Effects};
use crate::state::AppState;
use rust_decimal::Decimal;
use serde_json::json;
use tradewind_ledger::postings::{self, DisputeFunding, DisputeWithdrawal, DisputeWon};
use tradewind_ledger::{AccountId, AccountKind, ConnectorName, SourceId, TransferCode};
use tradewind_money::{Currency, Money};
use tradewind_payments::id::{BalanceTransactionId, MerchantId};
use tradewind_settlement::fees::Method;
use tradewind_storage::Connection;
use tradewind_storage::balance_transactions::{self, BalanceTransactionRow};
use tradewind_storage::disputes::DisputeRow;
use tradewind_storage::payment_intents::PaymentIntentRow;

/// Whether winning a dispute returns its fee (the sandbox card's rule).
pub const FEE_RETURNED_WHEN_WON: bool = true;

/// A dispute's money could not be computed: a bug or corrupt data, never the client's
/// input.
#[derive(Debug, thiserror::Error)]
#[error("dispute money: {0}")]
struct DisputeMoneyError(String);

fn internal(what: impl std::fmt::Display) -> ApiError {
    ApiError::internal(&DisputeMoneyError(what.to_string()))
}

/// The parsed parts every effect needs.
struct Parts {
    currency: Currency,
    merchant: MerchantId,
    source: SourceId,
    connector: ConnectorName,
}

/// The parts of `intent`'s dispute whose money sits in the merchant's `currency` (the
/// payment's own, or the settlement currency its charge was converted into).
fn parts(intent: &PaymentIntentRow, dispute_id: &str, currency: Currency) -> ApiResult<Parts> {
    let method = method_of(intent)?;
    let connector = intent.connector.clone().unwrap_or_else(|| format!("sandbox_{}", method.as_str()));
    Ok(Parts {
        currency,
        merchant: MerchantId::parse(&intent.merchant_id).map_err(internal)?,
        source: SourceId::parse(dispute_id).map_err(internal)?,
        connector: ConnectorName::parse(&connector).map_err(internal)?,
    })
}

fn method_of(intent: &PaymentIntentRow) -> ApiResult<Method> {
    let name = intent.payment_method_type.as_deref().unwrap_or("card");
    Method::parse(name).ok_or_else(|| internal(format!("no fee method for {name}")))
}

fn account(parts: &Parts, kind: AccountKind) -> ApiResult<AccountId> {
    AccountId::merchant(&parts.merchant, kind, parts.currency).map_err(internal)
}

/// The dispute fee for a chargeback on `intent`, from its connector's fee schedule.
pub async fn dispute_fee(state: &AppState, intent: &PaymentIntentRow, now: i64) -> ApiResult<i64> {
    let currency = Currency::parse(&intent.currency).map_err(internal)?;
    let schedule = money::fee_schedule(state, &intent.merchant_id, method_of(intent)?, currency, now).await?;
    Ok(schedule.dispute_fee_for(currency).map_err(internal)?.minor())
}

/// Takes a chargeback's amount and fee from the merchant (see the module table).
pub async fn opened_effects(
    state: &AppState,
    connection: &mut Connection,
    intent: &PaymentIntentRow,
    dispute: &DisputeRow,
    now: i64,
) -> ApiResult<Effects> {
    if !state.config.ledger_postings {
        return Ok(Effects::default());
    }
    let charge = balance_transactions::charge_of(&mut *connection, &intent.merchant_id, &intent.id).await?;
    let Some(charge) = charge else {
        tracing::warn!(payment_intent = %intent.id, "dispute of a payment without a charge balance transaction");
        return Ok(Effects::default());
    };
    // A charge converted into the settlement currency is disputed there, at its rate.
    let settled_in = Currency::parse(&charge.currency).map_err(internal)?;
    let parts = parts(intent, &dispute.id, settled_in)?;
    let (amount, fee) = match charge.exchange_rate.as_deref() {
        None => (dispute.amount, dispute.fee),
        Some(rate) => {
            let rate = Decimal::from_str_exact(rate).map_err(internal)?;
            let paid_in = Currency::parse(&intent.currency).map_err(internal)?;
            let convert = |minor: i64| -> ApiResult<i64> {
                Ok(tradewind_settlement::fx::convert(Money::new(minor, paid_in), settled_in, rate)
                    .map_err(internal)?
                    .minor())
            };
            (convert(dispute.amount)?, convert(dispute.fee)?)
        }
    };
    if amount <= 0 {
        tracing::warn!(dispute = %dispute.id, "a dispute too small to convert moves no money");
        return Ok(Effects::default());
    }
    let charge_pending = charge.status == "pending";
    // While the charge is pending, its funds (net of refunds) are in the pending balance;
    // the dispute takes them first, and never other payments' pending funds.
    let pending_cover = if charge_pending {
        let rows =
            balance_transactions::due_for_payment(&mut *connection, &intent.merchant_id, &intent.id, i64::MAX).await?;
        let payment_net = rows
            .iter()
            .try_fold(0_i64, |total, row| total.checked_add(row.net))
            .ok_or_else(|| internal("pending funds overflow"))?;
        let pending_balance =
            tradewind_storage::ledger::balance_in(&mut *connection, &account(&parts, AccountKind::Pending)?).await?;
        payment_net.min(pending_balance)
    } else {
        0
    };
    let available_cover =
        tradewind_storage::ledger::balance_in(&mut *connection, &account(&parts, AccountKind::Available)?).await?;
    let required = amount.checked_add(fee).ok_or_else(|| internal("dispute overflow"))?;
    let funding = DisputeFunding::plan(required, pending_cover, available_cover).map_err(internal)?;
    let transfers = postings::dispute_withdrawn(&DisputeWithdrawal {
        dispute: &parts.source,
        merchant: &parts.merchant,
        amount: Money::new(amount, parts.currency),
        fee: Money::new(fee, parts.currency),
        funding,
    })
    .map_err(internal)?;
    let (status, available_on) = if charge_pending { ("pending", charge.available_on) } else { ("available", now) };
    let fee_details = if fee == 0 {
        "[]".to_owned()
    } else {
        json!([{"type": "dispute_fee", "description": "Dispute fee", "amount": fee}]).to_string()
    };
    let row = BalanceTransactionRow {
        id: BalanceTransactionId::generate().to_string(),
        merchant_id: intent.merchant_id.clone(),
        r#type: "dispute".to_owned(),
        reporting_category: "dispute".to_owned(),
        amount: -amount,
        fee,
        net: -required,
        currency: charge.currency.clone(),
        fee_details,
        source_id: dispute.id.clone(),
        payment_intent_id: Some(intent.id.clone()),
        connector: Some(parts.connector.as_str().to_owned()),
        description: Some("Chargeback withdrawal".to_owned()),
        status: status.to_owned(),
        available_on,
        created_at: now,
        exchange_rate: charge.exchange_rate.clone(),
    };
    Ok(Effects { transfers, balance_transactions: vec![row] })
}

/// What a dispute's opening withdrew from the merchant, read back from its transfers:
/// in the merchant's currency for the payment, the amount and the fee. `None` when
/// nothing was withdrawn (postings were off, or the payment had no charge row), so
/// deciding the dispute moves no money either.
struct Booked {
    currency: Currency,
    amount: i64,
    fee: i64,
}

async fn booked(connection: &mut Connection, dispute: &DisputeRow) -> ApiResult<Option<Booked>> {
    let transfers = tradewind_storage::ledger::source_transfers(connection, &dispute.id).await?;
    let mut booked: Option<Booked> = None;
    for stored in &transfers {
        let transfer = &stored.transfer;
        let fee = transfer.code == TransferCode::DisputeFee
            && transfer.credit_account.kind() == AccountKind::PlatformFeeRevenue;
        if transfer.code != TransferCode::Dispute && !fee {
            continue;
        }
        let entry = booked.get_or_insert(Booked { currency: transfer.currency, amount: 0, fee: 0 });
        let total = if fee { &mut entry.fee } else { &mut entry.amount };
        *total = total.checked_add(transfer.amount_minor).ok_or_else(|| internal("dispute overflow"))?;
    }
    Ok(booked.filter(|booked| booked.amount > 0))
}

/// The exchange rate the dispute's withdrawal was booked at, if its payment was converted.
async fn booked_rate(
    connection: &mut Connection,
    intent: &PaymentIntentRow,
    dispute: &DisputeRow,
) -> ApiResult<Option<String>> {
    Ok(balance_transactions::for_source(connection, &intent.merchant_id, &dispute.id)
        .await?
        .into_iter()
        .find(|row| row.r#type == "dispute")
        .and_then(|row| row.exchange_rate))
}

/// Gives a won chargeback's amount (and fee) back, repaying what the merchant owes first.
pub async fn won_effects(
    connection: &mut Connection,
    intent: &PaymentIntentRow,
    dispute: &DisputeRow,
    now: i64,
) -> ApiResult<Effects> {
    let Some(booked) = booked(&mut *connection, dispute).await? else {
        return Ok(Effects::default());
    };
    let exchange_rate = booked_rate(&mut *connection, intent, dispute).await?;
    let parts = parts(intent, &dispute.id, booked.currency)?;
    let fee_returned = if FEE_RETURNED_WHEN_WON { booked.fee } else { 0 };
    let mut transfers = postings::dispute_won(&DisputeWon {
        dispute: &parts.source,
        merchant: &parts.merchant,
        amount: Money::new(booked.amount, parts.currency),
        fee: Money::new(booked.fee, parts.currency),
        fee_returned: FEE_RETURNED_WHEN_WON,
    })
    .map_err(internal)?;
    let returned = booked.amount.checked_add(fee_returned).ok_or_else(|| internal("dispute overflow"))?;
    let available =
        tradewind_storage::ledger::balance_in(&mut *connection, &account(&parts, AccountKind::Available)?).await?;
    let owed = tradewind_storage::ledger::balance_in(&mut *connection, &account(&parts, AccountKind::NegativeBalance)?)
        .await?;
    let repaid = owed.min(available.saturating_add(returned));
    if repaid > 0 {
        transfers.extend(
            postings::negative_balance_repaid(&parts.source, &parts.merchant, Money::new(repaid, parts.currency))
                .map_err(internal)?,
        );
    }
    let row = BalanceTransactionRow {
        id: BalanceTransactionId::generate().to_string(),
        merchant_id: intent.merchant_id.clone(),
        r#type: "adjustment".to_owned(),
        reporting_category: "dispute_reversal".to_owned(),
        amount: booked.amount,
        fee: -fee_returned,
        net: returned,
        currency: booked.currency.code().to_owned(),
        fee_details: if fee_returned == 0 {
            "[]".to_owned()
        } else {
            json!([{"type": "dispute_fee_returned", "description": "Dispute fee returned", "amount": -fee_returned}])
                .to_string()
        },
        source_id: dispute.id.clone(),
        payment_intent_id: Some(intent.id.clone()),
        connector: Some(parts.connector.as_str().to_owned()),
        description: Some("Chargeback reversal".to_owned()),
        status: "available".to_owned(),
        available_on: now,
        created_at: now,
        exchange_rate,
    };
    Ok(Effects { transfers, balance_transactions: vec![row] })
}

/// A lost chargeback's amount goes back to the buyer through the provider.
pub async fn lost_effects(
    connection: &mut Connection,
    intent: &PaymentIntentRow,
    dispute: &DisputeRow,
) -> ApiResult<Effects> {
    let Some(booked) = booked(&mut *connection, dispute).await? else {
        return Ok(Effects::default());
    };
    let parts = parts(intent, &dispute.id, booked.currency)?;
    let paid_in = Currency::parse(&intent.currency).map_err(internal)?;
    let settled = Money::new(booked.amount, booked.currency);
    let transfers = if paid_in == booked.currency {
        postings::dispute_lost(&parts.source, &parts.merchant, &parts.connector, settled)
    } else {
        let amount = Money::new(dispute.amount, paid_in);
        postings::converted_dispute_lost(&parts.source, &parts.merchant, &parts.connector, amount, settled)
    }
    .map_err(internal)?;
    Ok(Effects { transfers, balance_transactions: Vec::new() })
}
