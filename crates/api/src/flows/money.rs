//! The money side of payment state changes: which ledger transfers a change posts, the
//! fee it costs (from the connector × method fee schedule), and the balance transaction
//! the merchant sees, with its `available_on` date (T+N business days of the payment
//! currency's calendar). Nothing here writes: callers put the [`Effects`] into the same
//! transaction (or write batch) as the state change, so a payment is never captured
//! without its postings, nor posted without its capture.
//!
//! | change | transfers | balance transaction |
//! | --- | --- | --- |
//! | authorised, manual capture (→ `requires_capture`) | authorization hold | — |
//! | captured (→ `succeeded`) | capture (posting the hold when manual), fee, fee memo | `charge`: gross, fee, net, pending until `available_on` |
//! | captured, settling in another currency | converted capture: capture, sold to the FX position, bought in the settlement currency, fee there | `charge` in the settlement currency, with `exchange_rate` |
//! | authorisation canceled (`requires_capture` → `canceled`) | hold voided | — |
//! | refund created | fee share returned, refund (of a converted charge: at its rate, through the FX positions) | `refund`: −amount, −fee returned |
//! | refund failed after it was booked | reversals of the refund's transfers | `refund_failure` |
//! | settlement (sweep, on `available_on`) | pending → available (less the rolling reserve); then what the merchant owes is repaid from it | rows marked `available`; `reserve_hold`, `reserve_release` (pending); `adjustment` (`negative_balance_recovery`) |
//! | reserve released (sweep, on its date) | reserve → available; then what is owed is repaid from it | `reserve_release` marked `available`; `adjustment` (`negative_balance_recovery`) |
//! | payout created / paid / failed or canceled | see `flows::payout` | `payout` / — / `payout_failure` or `payout_cancel` |
//!
//! **Negative balance recovery.** When a dispute's withdrawal found the merchant's
//! balances short, the rest is owed (`negative_balance`, shown by `/v1/balance` as a
//! negative available figure). The next funds that reach the available balance in that
//! currency — a settlement, a reserve release — repay it first, up to the amount they
//! bring, in the same transaction ([`negative_balance_recovery`]). Its balance transaction
//! is `type: adjustment`, `reporting_category: negative_balance_recovery`, `source` the
//! payment, with `amount`, `fee` and `net` all 0 and the sum recovered in its
//! description: the merchant's balance (available less what it owes) does not change,
//! only what it is made of, and so the nets of the available balance transactions still
//! add up to `/v1/balance`'s available figure.

use crate::error::{ApiError, ApiResult};
use crate::flows::pricing::{self, MerchantTerms};
use crate::state::AppState;
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use tradewind_ledger::postings::{
    self, Capture, ConvertedCapture, ConvertedRefund, FeeRefund, MerchantBalance, Refund,
};
use tradewind_ledger::{AccountId, AccountKind, ConnectorName, SourceId, Transfer, TransferId, reversal_of};
use tradewind_money::{Currency, Money};
use tradewind_payments::id::{BalanceTransactionId, MerchantId};
use tradewind_payments::intent::CaptureMethod;
use tradewind_settlement::calendar::{self, Calendar, Cutoff};
use tradewind_settlement::fees::{FeeBreakdown, FeeError, FeeSchedule, FeeTerms, Method};
use tradewind_storage::balance_transactions::{self, BalanceTransactionRow};
use tradewind_storage::batch::Batch;
use tradewind_storage::fx_quotes;
use tradewind_storage::payment_intents::PaymentIntentRow;
use tradewind_storage::refunds::RefundRow;
use tradewind_storage::{Connection, Store};

/// Business days from capture to available, per method (the sandbox connectors'
/// settlement cycles, modelled on their real providers').
pub fn settlement_delay_business_days(method: Method) -> u32 {
    match method {
        Method::Card | Method::Ideal | Method::Boleto => 2,
        Method::Paypal | Method::BankTransfer => 1,
        Method::Sofort | Method::Grabpay | Method::Gopay | Method::Shopeepay => 7,
        Method::CashOnDelivery => 14,
    }
}

/// What a state change does to money, to be written with it.
#[derive(Debug, Default)]
pub struct Effects {
    pub transfers: Vec<Transfer>,
    pub balance_transactions: Vec<BalanceTransactionRow>,
}

impl Effects {
    pub fn is_empty(&self) -> bool {
        self.transfers.is_empty() && self.balance_transactions.is_empty()
    }

    /// Names on `intent` the charge balance transaction these effects book, if they
    /// book one: the charge is found through its payment (migration 0021), so the
    /// intent's row must be written with it.
    pub fn name_charge(&self, intent: &mut PaymentIntentRow) {
        if let Some(charge) = self.charge() {
            intent.balance_transaction_id = Some(charge.id.clone());
        }
    }

    /// The charge balance transaction these effects book, if any.
    pub fn charge(&self) -> Option<&BalanceTransactionRow> {
        self.balance_transactions.iter().find(|row| row.r#type == "charge")
    }

    /// Queues the effects in `batch` (posted only if the batch's conditions hold).
    pub fn queue(self, batch: &mut Batch, now: i64) -> ApiResult<()> {
        for row in &self.balance_transactions {
            balance_transactions::insert_in(batch, row)?;
        }
        batch.post(self.transfers, now);
        Ok(())
    }

    /// Writes the effects inside an open transaction.
    pub async fn write_in(self, store: &Store, connection: &mut Connection, now: i64) -> ApiResult<()> {
        for row in &self.balance_transactions {
            balance_transactions::insert(&mut *connection, row).await?;
        }
        tradewind_storage::ledger::post_in(connection, store.backend(), &self.transfers, now).await?;
        Ok(())
    }
}

/// The intent as it was before a change: what the change is measured against.
#[derive(Debug, Clone)]
pub struct Before {
    status: String,
    amount_capturable: i64,
}

impl Before {
    pub fn of(intent: &PaymentIntentRow) -> Before {
        Before { status: intent.status.clone(), amount_capturable: intent.amount_capturable }
    }
}

/// A money effect that could not be computed: a bug or corrupt data, never the
/// client's input (which the flows validated before).
#[derive(Debug, thiserror::Error)]
#[error("money effects: {0}")]
struct MoneyError(String);

fn internal(what: impl std::fmt::Display) -> ApiError {
    ApiError::internal(&MoneyError(what.to_string()))
}

fn currency_of(code: &str) -> ApiResult<Currency> {
    Currency::parse(code).map_err(internal)
}

fn method_of(intent: &PaymentIntentRow) -> ApiResult<Method> {
    let name = intent.payment_method_type.as_deref().unwrap_or("card");
    Method::parse(name).ok_or_else(|| internal(format!("no fee method for {name}")))
}

fn connector_of(intent: &PaymentIntentRow, method: Method) -> ApiResult<ConnectorName> {
    let name = intent.connector.clone().unwrap_or_else(|| format!("sandbox_{}", method.as_str()));
    ConnectorName::parse(&name).map_err(internal)
}

/// The fee schedule of `method` for a payment in `currency`: the default sandbox
/// schedule with the merchant's negotiated terms laid over it, its fixed amounts
/// converted into `currency` at the platform's mid rate when they are in another
/// currency. Where no rate is known for that currency (the ECB publishes about thirty),
/// the fixed amounts are left out and only the percentages apply: a payment is never
/// refused for want of a fee rate.
pub async fn fee_schedule(
    state: &AppState,
    merchant_id: &str,
    method: Method,
    currency: Currency,
    now: i64,
) -> ApiResult<FeeSchedule> {
    let terms = pricing::terms(state, merchant_id).await?;
    localized(state, merchant_id, terms.schedule(method)?, currency, now).await
}

/// `schedule` with its fixed amounts in `currency` (see [`fee_schedule`]).
pub async fn localized(
    state: &AppState,
    merchant_id: &str,
    schedule: FeeSchedule,
    currency: Currency,
    now: i64,
) -> ApiResult<FeeSchedule> {
    match schedule.currency() {
        Some(own) if own != currency => {
            match crate::flows::fx::rate_for(state, merchant_id, own, currency, None, now).await {
                Ok(rate) => schedule.localized(currency, rate.mid_rate).map_err(internal),
                Err(error) if error.code == "fx_rate_unavailable" => {
                    let terms = FeeTerms { fixed: None, cap: None, dispute_fee: None, ..*schedule.terms() };
                    FeeSchedule::new(terms).map_err(internal)
                }
                Err(error) => Err(error),
            }
        }
        _ => Ok(schedule),
    }
}

/// A capture converted into the merchant's settlement currency.
#[derive(Debug, Clone, Copy)]
struct Conversion {
    /// The captured amount in the settlement currency.
    settled: Money,
    /// Units of the settlement currency per unit of the payment's, markup included.
    rate: Decimal,
}

/// Whether, and at what rate, a capture of `gross` on `intent` converts: at its FX
/// quote's locked rate when it was confirmed with one (the quote was booked for it at
/// confirmation, so its expiry no longer matters); else into the merchant's settlement
/// currency at the latest rate with the platform's markup. No conversion when the
/// merchant settles in the payment's currency, when no rate is known (the payment then
/// settles in its own currency rather than fail after the buyer paid), or when the
/// amount converts to nothing.
async fn conversion_for(
    state: &AppState,
    terms: &MerchantTerms,
    intent: &PaymentIntentRow,
    gross: Money,
    now: i64,
) -> ApiResult<Option<Conversion>> {
    let (to, rate) = if let Some(quote_id) = &intent.fx_quote_id {
        let quote = fx_quotes::get(state.store.pool(), &intent.merchant_id, quote_id)
            .await?
            .ok_or_else(|| internal(format!("{} was confirmed with {quote_id}, which is gone", intent.id)))?;
        let rate = Decimal::from_str_exact(&quote.rate).map_err(internal)?;
        (currency_of(&quote.to_currency)?, rate)
    } else {
        match terms.settlement_currency {
            Some(to) if to != gross.currency() => {
                match crate::flows::fx::rate_for(state, &intent.merchant_id, gross.currency(), to, None, now).await {
                    Ok(applied) => (to, applied.rate),
                    Err(error) if error.code == "fx_rate_unavailable" => {
                        tracing::warn!(payment = %intent.id, from = %gross.currency(), %to,
                            "no exchange rate: the payment settles in its own currency");
                        return Ok(None);
                    }
                    Err(error) => return Err(error),
                }
            }
            _ => return Ok(None),
        }
    };
    let settled = tradewind_settlement::fx::convert(gross, to, rate).map_err(internal)?;
    Ok((settled.minor() > 0).then_some(Conversion { settled, rate }))
}

/// Midnight UTC of the day `captured_at` becomes available after `delay` business days
/// of `currency`'s calendar (weekends only where no holiday calendar is built in).
pub fn available_on(captured_at: i64, delay: u32, currency: Currency) -> ApiResult<i64> {
    let year = time::OffsetDateTime::from_unix_timestamp(captured_at).map_err(internal)?.year();
    let calendar = calendar_for(currency, year)?;
    let date = calendar::available_on(captured_at, delay, &calendar, Cutoff::EndOfDay).map_err(internal)?;
    Ok(date.midnight().assume_utc().unix_timestamp())
}

/// Calendars kept once built: every capture asks for one, and building one works out a
/// year's holidays. Bounded by currencies × the years payments are captured in.
static CALENDARS: std::sync::LazyLock<std::sync::Mutex<CalendarCache>> = std::sync::LazyLock::new(Default::default);
type CalendarCache = HashMap<(Currency, i32), Arc<Calendar>>;
/// Calendars the cache holds at most; past that it starts over.
const CALENDARS_CACHED_MAX: usize = 1_024;

/// `currency`'s calendar for `year` and the next (two years cover any delay the table
/// holds); weekends only where no holiday calendar is built in.
fn calendar_for(currency: Currency, year: i32) -> ApiResult<Arc<Calendar>> {
    let key = (currency, year);
    if let Some(calendar) = CALENDARS.lock().ok().and_then(|cache| cache.get(&key).cloned()) {
        return Ok(calendar);
    }
    let calendar = Arc::new(
        Calendar::for_currency(currency, year..=year + 1)
            .or_else(|_| Calendar::weekends_only(year..=year + 1))
            .map_err(internal)?,
    );
    if let Ok(mut cache) = CALENDARS.lock() {
        if cache.len() >= CALENDARS_CACHED_MAX {
            cache.clear();
        }
        cache.insert(key, calendar.clone());
    }
    Ok(calendar)
}

fn fee_details(breakdown: &FeeBreakdown) -> String {
    let parts = [
        ("percentage", "Percentage fee", breakdown.percentage),
        ("fixed", "Fixed fee", breakdown.fixed),
        ("international", "International surcharge", breakdown.international_surcharge),
        ("currency_conversion", "Currency conversion surcharge", breakdown.currency_conversion_surcharge),
    ];
    let mut details: Vec<serde_json::Value> = parts
        .iter()
        .filter(|(_, _, amount)| !amount.is_zero())
        .map(|(kind, description, amount)| json!({"type": kind, "description": description, "amount": amount.minor()}))
        .collect();
    if !breakdown.cap_reduction.is_zero() {
        details.push(json!({"type": "cap", "description": "Fee cap", "amount": -breakdown.cap_reduction.minor()}));
    }
    serde_json::Value::Array(details).to_string()
}

fn fee_error(error: FeeError) -> ApiError {
    internal(error)
}

fn merchant_of(intent: &PaymentIntentRow) -> ApiResult<MerchantId> {
    MerchantId::parse(&intent.merchant_id).map_err(internal)
}

fn source_of(id: &str) -> ApiResult<SourceId> {
    SourceId::parse(id).map_err(internal)
}

/// The effects of `after`'s change from `before`.
pub async fn intent_effects(
    state: &AppState,
    before: &Before,
    after: &PaymentIntentRow,
    now: i64,
) -> ApiResult<Effects> {
    let mut effects = Effects::default();
    if before.status == after.status || !state.config.ledger_postings {
        return Ok(effects);
    }
    let currency = currency_of(&after.currency)?;
    let merchant = merchant_of(after)?;
    let payment = source_of(&after.id)?;
    match after.status.as_str() {
        "requires_capture" => {
            let method = method_of(after)?;
            let connector = connector_of(after, method)?;
            let amount = Money::new(after.amount_capturable, currency);
            effects.transfers =
                postings::authorization_hold(&payment, &merchant, &connector, amount).map_err(internal)?;
        }
        "succeeded" if after.amount_received > 0 => {
            let method = method_of(after)?;
            let connector = connector_of(after, method)?;
            let gross = Money::new(after.amount_received, currency);
            let terms = pricing::terms(state, &after.merchant_id).await?;
            // The buyer's country is read from the intent's JSON only when it matters.
            let international =
                terms.country.is_some() && terms.international(pricing::buyer_country(after).as_deref());
            let conversion = conversion_for(state, &terms, after, gross, now).await?;
            let settled = conversion.map_or(gross, |conversion| conversion.settled);
            let schedule =
                localized(state, &after.merchant_id, terms.schedule(method)?, settled.currency(), now).await?;
            let breakdown = schedule.fee_for(settled, international, conversion.is_some()).map_err(fee_error)?;
            let capture_method =
                if before.status == "requires_capture" { CaptureMethod::Manual } else { CaptureMethod::Automatic };
            effects.transfers = match conversion {
                None => postings::capture(&Capture {
                    payment: &payment,
                    merchant: &merchant,
                    connector: &connector,
                    amount: gross,
                    fee: breakdown.fee,
                    method: capture_method,
                }),
                Some(conversion) => postings::converted_capture(&ConvertedCapture {
                    payment: &payment,
                    merchant: &merchant,
                    connector: &connector,
                    amount: gross,
                    settled: conversion.settled,
                    fee: breakdown.fee,
                    method: capture_method,
                }),
            }
            .map_err(internal)?;
            let delay = settlement_delay_business_days(method);
            effects.balance_transactions.push(BalanceTransactionRow {
                id: BalanceTransactionId::generate().to_string(),
                merchant_id: after.merchant_id.clone(),
                r#type: "charge".to_owned(),
                reporting_category: "charge".to_owned(),
                amount: settled.minor(),
                fee: breakdown.fee.minor(),
                net: breakdown.net.minor(),
                currency: settled.currency().code().to_owned(),
                fee_details: fee_details(&breakdown),
                source_id: after.id.clone(),
                payment_intent_id: Some(after.id.clone()),
                connector: Some(connector.as_str().to_owned()),
                description: after.description.clone(),
                status: "pending".to_owned(),
                // The provider settles on the payment currency's business days.
                available_on: available_on(now, delay, currency)?,
                created_at: now,
                exchange_rate: conversion.map(|conversion| crate::flows::fx::rate_text(conversion.rate)),
            });
        }
        "canceled" if before.status == "requires_capture" => {
            let method = method_of(after)?;
            let connector = connector_of(after, method)?;
            let amount = Money::new(before.amount_capturable, currency);
            effects.transfers =
                postings::authorization_void(&payment, &merchant, &connector, amount).map_err(internal)?;
        }
        _ => {}
    }
    Ok(effects)
}

/// The effects of booking `refund` on `intent`, whose earlier refunds total
/// `refunded_before`. `charge` is the payment's charge balance transaction: while it is
/// pending, the refund comes out of the pending balance and settles with it. The fee
/// share returned is the charge's own fee in proportion (so terms changed since do not
/// reach back); a charge converted into the settlement currency refunds at the charge's
/// rate, on cumulative amounts, so refunds in many pieces cost exactly what the charge
/// brought in.
pub async fn refund_effects(
    state: &AppState,
    intent: &PaymentIntentRow,
    charge: &BalanceTransactionRow,
    refund: &RefundRow,
    refunded_before: i64,
    now: i64,
) -> ApiResult<Effects> {
    if !state.config.ledger_postings {
        return Ok(Effects::default());
    }
    let currency = currency_of(&intent.currency)?;
    let settled_in = currency_of(&charge.currency)?;
    let merchant = merchant_of(intent)?;
    let method = method_of(intent)?;
    let connector = connector_of(intent, method)?;
    let rate = charge.exchange_rate.as_deref().map(Decimal::from_str_exact).transpose().map_err(internal)?;
    let in_settlement = |minor: i64| -> ApiResult<Money> {
        let amount = Money::new(minor, currency);
        match rate {
            Some(rate) => tradewind_settlement::fx::convert(amount, settled_in, rate).map_err(internal),
            None => Ok(amount),
        }
    };
    let before = in_settlement(refunded_before)?;
    let after = in_settlement(refunded_before.checked_add(refund.amount).ok_or_else(|| internal("overflow"))?)?;
    let settled = after.checked_sub(before).map_err(internal)?;
    let schedule = fee_schedule(state, &intent.merchant_id, method, settled_in, charge.created_at).await?;
    let charged = charge_breakdown(charge, settled_in);
    let fee_returned = if settled.is_zero() {
        0
    } else {
        schedule.refund_fee_credit(&charged, before, settled).map_err(fee_error)?.minor()
    };
    let from = if charge.status == "pending" { MerchantBalance::Pending } else { MerchantBalance::Available };
    let source = source_of(&refund.id)?;
    let amount = Money::new(refund.amount, currency);
    let transfers = match rate {
        None => postings::refund(&Refund {
            refund: &source,
            merchant: &merchant,
            connector: &connector,
            amount,
            from,
            fee_refund: FeeRefund::Exact { fee_minor: fee_returned },
        }),
        Some(_) => postings::converted_refund(&ConvertedRefund {
            refund: &source,
            merchant: &merchant,
            connector: &connector,
            amount,
            settled,
            fee_returned: Money::new(fee_returned, settled_in),
            from,
        }),
    }
    .map_err(internal)?;
    let (status, available_on) = match from {
        MerchantBalance::Pending => ("pending", charge.available_on),
        MerchantBalance::Available => ("available", now),
    };
    let row = BalanceTransactionRow {
        id: BalanceTransactionId::generate().to_string(),
        merchant_id: intent.merchant_id.clone(),
        r#type: "refund".to_owned(),
        reporting_category: "refund".to_owned(),
        amount: -settled.minor(),
        fee: -fee_returned,
        net: -settled.minor() + fee_returned,
        currency: charge.currency.clone(),
        fee_details: if fee_returned == 0 {
            "[]".to_owned()
        } else {
            json!([{"type": "fee_returned", "description": "Fee returned", "amount": -fee_returned}]).to_string()
        },
        source_id: refund.id.clone(),
        payment_intent_id: Some(intent.id.clone()),
        connector: Some(connector.as_str().to_owned()),
        description: None,
        status: status.to_owned(),
        available_on,
        created_at: now,
        exchange_rate: charge.exchange_rate.clone(),
    };
    Ok(Effects { transfers, balance_transactions: vec![row] })
}

/// The gross and fee a charge balance transaction recorded, as the fee rules read a
/// charge.
fn charge_breakdown(charge: &BalanceTransactionRow, currency: Currency) -> FeeBreakdown {
    let money = |minor: i64| Money::new(minor, currency);
    let zero = money(0);
    FeeBreakdown {
        gross: money(charge.amount),
        percentage: money(charge.fee),
        fixed: zero,
        international_surcharge: zero,
        currency_conversion_surcharge: zero,
        cap_reduction: zero,
        fee: money(charge.fee),
        net: money(charge.net),
    }
}

/// The merchant's rolling reserve, as a settlement applies it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RollingReserve {
    /// The share of the settlement held, 0 to 10000.
    pub basis_points: u32,
    /// Days from the settlement date to the release.
    pub days: u32,
}

const DAY_SECONDS: i64 = 86_400;

/// The effects of a payment's due pending funds settling: their net total moves from
/// the merchant's pending balance to its available balance, less the rolling reserve,
/// which moves to the reserve with a `reserve_hold` balance transaction (available,
/// negative) and a `reserve_release` one (pending until the release date).
///
/// `owed_minor` is what the merchant owes in the payment's currency: the settlement
/// repays it first from what it makes available ([`negative_balance_recovery`]).
pub fn settlement_effects(
    merchant_id: &str,
    payment_intent_id: &str,
    due: &[BalanceTransactionRow],
    reserve: RollingReserve,
    owed_minor: i64,
    now: i64,
) -> ApiResult<Effects> {
    let Some(first) = due.first() else { return Ok(Effects::default()) };
    let currency = currency_of(&first.currency)?;
    let net =
        due.iter().try_fold(0_i64, |total, row| total.checked_add(row.net)).ok_or_else(|| internal("overflow"))?;
    if net <= 0 {
        // Fully refunded before it settled: nothing left to move.
        return Ok(Effects::default());
    }
    let merchant = MerchantId::parse(merchant_id).map_err(internal)?;
    let payment = source_of(payment_intent_id)?;
    let amount = Money::new(net, currency);
    let mut transfers = postings::settlement(&payment, &merchant, amount, reserve.basis_points).map_err(internal)?;
    let held = postings::reserve_share(amount, reserve.basis_points).map_err(internal)?.minor();
    let mut balance_transactions = Vec::new();
    if held > 0 {
        let settled_on = due.iter().map(|row| row.available_on).max().unwrap_or(now);
        let release_on = settled_on.saturating_add(i64::from(reserve.days) * DAY_SECONDS);
        let reserve_row = |kind: &str, amount: i64, status: &str, available_on: i64| BalanceTransactionRow {
            id: BalanceTransactionId::generate().to_string(),
            merchant_id: merchant_id.to_owned(),
            r#type: kind.to_owned(),
            reporting_category: "risk_reserved_funds".to_owned(),
            amount,
            fee: 0,
            net: amount,
            currency: first.currency.clone(),
            fee_details: "[]".to_owned(),
            source_id: payment_intent_id.to_owned(),
            // Left out so the settlement sweep, which settles a payment's pending rows,
            // leaves the release to the reserve sweep.
            payment_intent_id: None,
            connector: None,
            description: Some("Rolling reserve".to_owned()),
            status: status.to_owned(),
            available_on,
            created_at: now,
            exchange_rate: None,
        };
        balance_transactions.push(reserve_row("reserve_hold", -held, "available", now));
        balance_transactions.push(reserve_row("reserve_release", held, "pending", release_on));
    }
    let recovered = negative_balance_recovery(
        merchant_id,
        payment_intent_id,
        Money::new(owed_minor, currency),
        net - held,
        postings::Recovery::Settlement,
        now,
    )?;
    transfers.extend(recovered.transfers);
    balance_transactions.extend(recovered.balance_transactions);
    Ok(Effects { transfers, balance_transactions })
}

/// The recovery of what a merchant owes (`owed`) from `credited_minor` just made
/// available by `payment_intent_id`'s settlement or reserve release: the repayment
/// transfer and its `negative_balance_recovery` balance transaction (see the module
/// docs), or nothing when nothing is owed or nothing was credited.
pub fn negative_balance_recovery(
    merchant_id: &str,
    payment_intent_id: &str,
    owed: Money,
    credited_minor: i64,
    recovery: postings::Recovery,
    now: i64,
) -> ApiResult<Effects> {
    let merchant = MerchantId::parse(merchant_id).map_err(internal)?;
    let payment = source_of(payment_intent_id)?;
    let transfers =
        postings::negative_balance_recovered(&payment, &merchant, owed, credited_minor, recovery).map_err(internal)?;
    let recovered = postings::recovery_minor(owed.minor(), credited_minor);
    if transfers.is_empty() || recovered == 0 {
        return Ok(Effects::default());
    }
    let what = match recovery {
        postings::Recovery::Settlement => "settlement",
        postings::Recovery::ReserveRelease => "reserve release",
    };
    let row = BalanceTransactionRow {
        id: BalanceTransactionId::generate().to_string(),
        merchant_id: merchant_id.to_owned(),
        r#type: "adjustment".to_owned(),
        reporting_category: NEGATIVE_BALANCE_RECOVERY.to_owned(),
        amount: 0,
        fee: 0,
        net: 0,
        currency: owed.currency().code().to_owned(),
        fee_details: "[]".to_owned(),
        source_id: payment_intent_id.to_owned(),
        // Left out, like the reserve rows, so the settlement sweep never picks it up.
        payment_intent_id: None,
        connector: None,
        description: Some(format!(
            "Negative balance recovery: {} {} of this {what} repaid what was owed",
            tradewind_money::format_minor_units(Money::new(recovered, owed.currency())),
            owed.currency().code(),
        )),
        status: "available".to_owned(),
        available_on: now,
        created_at: now,
        exchange_rate: None,
    };
    Ok(Effects { transfers, balance_transactions: vec![row] })
}

/// What the merchant owes in `currency_code` (its `negative_balance` account), read
/// inside the transaction that will recover it.
pub async fn owed_in(connection: &mut Connection, merchant_id: &str, currency_code: &str) -> ApiResult<Money> {
    let merchant = MerchantId::parse(merchant_id).map_err(internal)?;
    let currency = currency_of(currency_code)?;
    let account = AccountId::merchant(&merchant, AccountKind::NegativeBalance, currency).map_err(internal)?;
    let owed = tradewind_storage::ledger::balance_in(connection, &account).await?;
    Ok(Money::new(owed, currency))
}

/// The reporting category of a negative balance recovery's balance transaction.
pub const NEGATIVE_BALANCE_RECOVERY: &str = "negative_balance_recovery";

/// The effects of a refund failing after it was booked: its transfers reversed, and a
/// `refund_failure` balance transaction giving the money back. The money goes back to
/// where the refund's funds are now: pending if they have not settled, else available.
pub fn refund_failure_effects(booked: &[Transfer], refund: &BalanceTransactionRow, now: i64) -> ApiResult<Effects> {
    let mut transfers = Vec::with_capacity(booked.len());
    for transfer in booked {
        let id = TransferId::parse(&format!("{}:failure", transfer.id)).map_err(internal)?;
        if let Some(mut reversal) = reversal_of(transfer, id) {
            if refund.status == "available" {
                for account in [&mut reversal.debit_account, &mut reversal.credit_account] {
                    if account.kind() == AccountKind::Pending
                        && let Some(merchant) = account.merchant_id()
                    {
                        *account = AccountId::merchant(&merchant, AccountKind::Available, account.currency())
                            .map_err(internal)?;
                    }
                }
            }
            transfers.push(reversal);
        }
    }
    let row = BalanceTransactionRow {
        id: BalanceTransactionId::generate().to_string(),
        r#type: "refund_failure".to_owned(),
        reporting_category: "refund_failure".to_owned(),
        amount: -refund.amount,
        fee: -refund.fee,
        net: -refund.net,
        fee_details: "[]".to_owned(),
        created_at: now,
        ..refund.clone()
    };
    Ok(Effects { transfers, balance_transactions: vec![row] })
}
