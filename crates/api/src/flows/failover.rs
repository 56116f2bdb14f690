//! Confirmation across a merchant's connector accounts: try the routed connectors in
//! order, fail over on what another connector may fix, and never charge twice.
//!
//! Each try is an attempt of its own, recorded with its connector and the routing
//! decision's words. What happens after a try:
//!
//! | the connector said | next |
//! | --- | --- |
//! | approved, authorised, or the buyer must act (3-D Secure, a redirect) | stop: that is the outcome |
//! | a hard decline (stolen, lost, fraudulent, invalid number, expired, …) | stop: 402 |
//! | a soft decline (`generic_decline`, `try_again_later`, …), an error, an outage | the next connector, within the budget |
//! | no answer in time | ask the connector what happened first: a charge it made is the outcome; only "nothing happened" fails over |
//! | no answer, and asking is not possible either (a real provider still silent) | stop: the payment is `processing` until the provider's webhook or the status sync says |
//!
//! So a payment is charged by at most one connector: a try follows another only when
//! the one before is known not to have taken the money.
//!
//! The sandbox connector accounts are in-process: their fault injection decides, with
//! a roll of the dice, whether a try meets an outage, an error, a timeout (before or
//! after the charge) or a soft decline; otherwise the sandbox card table answers as it
//! does without accounts. Asking a sandbox what happened after a timeout is exact.

use crate::error::{ApiError, ApiResult};
use crate::flows::confirm::{self, Confirmed};
use crate::flows::outcome;
use crate::state::AppState;
use crate::wire::payment_method_data::PaymentMethodData;
use serde_json::json;
use std::sync::Arc;
use tradewind_connectors::faults::{FaultDecision, Faults};
use tradewind_payments::card::CardNumber;
use tradewind_payments::method::PaymentMethodType;
use tradewind_providers::stripe::mapping::decline_retriable;
use tradewind_providers::stripe::wire::DeclineCode;
use tradewind_providers::{PaypalClient, ProviderError, ProviderPayment, ProviderPaymentStatus, Secret, StripeClient};
use tradewind_routing::Outcome;
use tradewind_storage::attempts::AttemptRow;
use tradewind_storage::payment_intents::PaymentIntentRow;

/// Tries one confirmation may make, the first included.
pub const RETRY_BUDGET: usize = 3;
/// How long a sandbox connector may take before its call times out: injected latency
/// beyond it is a timeout (before the charge).
pub const SANDBOX_TIMEOUT_MS: u32 = 10_000;

/// One connector account the routing chose, ready to be called.
pub struct Target {
    /// The account's id (`mca_…`), which is also the attempt's connector.
    pub id: String,
    pub connector: TargetConnector,
}

pub enum TargetConnector {
    /// The in-process sandbox, with its injected faults.
    Sandbox(Faults),
    Stripe(StripeClient),
    /// Shared: its OAuth token serves every call until it expires.
    Paypal(Arc<PaypalClient>),
}

impl TargetConnector {
    /// Another handle on the same connector (clients share their pools and tokens).
    pub fn share(&self) -> TargetConnector {
        match self {
            TargetConnector::Sandbox(faults) => TargetConnector::Sandbox(faults.clone()),
            TargetConnector::Stripe(client) => TargetConnector::Stripe(client.clone()),
            TargetConnector::Paypal(client) => TargetConnector::Paypal(Arc::clone(client)),
        }
    }
}

/// How one try ended, for the routing's success windows and circuit breakers.
pub type TryOutcome = Outcome;

/// The tries of one confirmation: every attempt in order (the last is the intent's
/// current one) and the intent after the last.
pub struct Routed {
    pub confirmed: Confirmed,
    /// The attempts before the last, each failed over.
    pub earlier: Vec<AttemptRow>,
}

/// The payment as the success windows count it.
pub struct HealthKey<'a> {
    pub method: PaymentMethodType,
    pub country: Option<&'a str>,
}

/// What one try did: the confirmation it came to, how the connector answered, and
/// whether it failed in a way another connector may fix (else it is the outcome).
struct Try {
    confirmed: Confirmed,
    outcome: TryOutcome,
    retry: bool,
}

impl Try {
    fn new(confirmed: Confirmed, outcome: TryOutcome, retry: bool) -> Try {
        Try { confirmed, outcome, retry }
    }

    fn done(confirmed: Confirmed, outcome: TryOutcome) -> Try {
        Try::new(confirmed, outcome, false)
    }

    fn retry(confirmed: Confirmed, outcome: TryOutcome) -> Try {
        Try::new(confirmed, outcome, true)
    }
}

/// The dice of the sandbox's fault injection: a roll in `0..100` per try.
pub type Dice<'a> = &'a mut (dyn FnMut() -> u8 + Send);

/// The confirmation's inputs, as the buyer sent them.
pub struct Confirmation<'a> {
    pub data: &'a PaymentMethodData,
    pub return_url: Option<String>,
    pub now: i64,
}

/// Confirms `intent` over `targets` in order (the routing decision's), at most
/// [`RETRY_BUDGET`] tries; a connector whose circuit breaker refuses is passed over.
/// `explain(i)` is the routing's words for try `i`, kept on its attempt; every try's
/// outcome is recorded in the process's connector health.
pub async fn confirm_routed(
    state: &AppState,
    intent: PaymentIntentRow,
    confirmation: Confirmation<'_>,
    targets: &[Target],
    key: HealthKey<'_>,
    explain: &(dyn Fn(usize) -> String + Sync),
    dice: Dice<'_>,
) -> ApiResult<Routed> {
    let Confirmation { data, return_url, now } = confirmation;
    let mut earlier = Vec::new();
    let mut last = None;
    let mut tries = 0;
    for (index, target) in targets.iter().enumerate() {
        if tries == RETRY_BUDGET {
            break;
        }
        if !state.routing.health().admit(&target.id, now) {
            continue;
        }
        tries += 1;
        // Every try validates and answers as the sandbox would; the connector then
        // decides what really happened.
        let base = confirm::confirm(state, intent.clone(), data, return_url.clone(), now)?;
        let attempted = match &target.connector {
            TargetConnector::Sandbox(faults) => {
                // Injected latency is real time: the demo shows slow connectors losing
                // traffic (tests inject timeouts instead).
                let roll = dice();
                if faults.latency_ms > 0 {
                    let waited = faults.latency_ms.min(SANDBOX_TIMEOUT_MS);
                    tokio::time::sleep(std::time::Duration::from_millis(u64::from(waited))).await;
                }
                let decision = if faults.latency_ms >= SANDBOX_TIMEOUT_MS {
                    FaultDecision::Timeout { processed: false }
                } else {
                    faults.decide(now, roll)
                };
                sandbox_try(base, &intent, decision, now)?
            }
            TargetConnector::Stripe(client) => stripe_try(state, base, &intent, client, data, now).await?,
            TargetConnector::Paypal(client) => paypal_try(state, base, &intent, client, now).await?,
        };
        let Try { mut confirmed, outcome: try_outcome, retry } = attempted;
        confirmed.attempt.connector.clone_from(&target.id);
        confirmed.intent.connector = Some(target.id.clone());
        set_flag(&mut confirmed.attempt, "routing", json!(explain(index)));
        state.routing.health().record_outcome(&target.id, key.method, key.country, try_outcome, now);
        if let Some(previous) = last.replace(confirmed) {
            earlier.push(previous.attempt);
        }
        if !retry {
            break;
        }
    }
    let confirmed = last.ok_or_else(|| {
        ApiError::invalid(
            "payment_method_data[type]",
            "no_connector_available",
            "No connector account can take this payment now (each is disabled, unavailable or excluded by the routing rules).",
        )
    })?;
    Ok(Routed { confirmed, earlier })
}

/// Sets `key` in the attempt's flags (a JSON object).
fn set_flag(attempt: &mut AttemptRow, key: &str, value: serde_json::Value) {
    let mut flags: serde_json::Value = serde_json::from_str(&attempt.flags).unwrap_or_else(|_| json!({}));
    if !flags.is_object() {
        flags = json!({});
    }
    flags[key] = value;
    attempt.flags = flags.to_string();
}

/// Whether the sandbox's (Stripe's) decline code may be retried elsewhere.
fn soft(confirmed: &Confirmed) -> bool {
    confirmed.attempt.decline_code.as_deref().is_some_and(|code| decline_retriable(&DeclineCode::parse(code)))
}

/// `base` with its intent's state as it was before the sandbox's answer (`original`),
/// for a connector whose own answer decides instead. The method's details stay.
fn reset(mut base: Confirmed, original: &PaymentIntentRow) -> Confirmed {
    let intent = &mut base.intent;
    intent.status.clone_from(&original.status);
    intent.next_action.clone_from(&original.next_action);
    intent.amount_received = original.amount_received;
    intent.amount_capturable = original.amount_capturable;
    intent.last_payment_error.clone_from(&original.last_payment_error);
    intent.expires_at = original.expires_at;
    intent.scheduled_at = original.scheduled_at;
    intent.scheduled_outcome.clone_from(&original.scheduled_outcome);
    base.declined = None;
    let attempt = &mut base.attempt;
    attempt.status = "pending".to_owned();
    attempt.amount_received = 0;
    attempt.error_code = None;
    attempt.decline_code = None;
    attempt.error_message = None;
    attempt.flags = "{}".to_owned();
    base
}

/// The try failed with `code`: the intent back to waiting for a payment method.
fn failed_try(
    base: Confirmed,
    original: &PaymentIntentRow,
    code: &str,
    decline_code: Option<&str>,
    message: &str,
    now: i64,
) -> ApiResult<Confirmed> {
    let mut confirmed = reset(base, original);
    outcome::failed(&mut confirmed.intent, &mut confirmed.attempt, code, decline_code, message, now)?;
    confirmed.declined = Some(ApiError::card(None, code, decline_code, message));
    Ok(confirmed)
}

fn sandbox_try(base: Confirmed, original: &PaymentIntentRow, decision: FaultDecision, now: i64) -> ApiResult<Try> {
    let retry_on = |base: Confirmed, code: &str, message: &str, try_outcome| {
        failed_try(base, original, code, None, message, now).map(|confirmed| Try::retry(confirmed, try_outcome))
    };
    match decision {
        FaultDecision::Outage => {
            retry_on(base, "connector_unavailable", "The payment provider is unavailable.", TryOutcome::Error)
        }
        FaultDecision::Error => {
            retry_on(base, "connector_error", "The payment provider failed to process the request.", TryOutcome::Error)
        }
        // Nothing reached the provider: asking it finds no payment, so failing over
        // cannot charge twice.
        FaultDecision::Timeout { processed: false } => retry_on(
            base,
            "connector_timeout",
            "The payment provider did not answer in time; it has no record of the payment.",
            TryOutcome::Timeout,
        ),
        // The provider took the payment and its answer was lost: asking it finds the
        // payment, which is the outcome. No other connector is tried.
        FaultDecision::Timeout { processed: true } => {
            let mut confirmed = base;
            set_flag(&mut confirmed.attempt, "recovered_after_timeout", json!(true));
            let mut attempted = classify(confirmed, TryOutcome::Success);
            // The breaker still hears that the connector was slow.
            attempted.outcome = TryOutcome::Timeout;
            Ok(attempted)
        }
        FaultDecision::SoftDecline => {
            failed_try(base, original, "card_declined", Some("try_again_later"), "Your card was declined.", now)
                .map(|confirmed| Try::retry(confirmed, TryOutcome::Decline))
        }
        FaultDecision::None => Ok(classify(base, TryOutcome::Success)),
    }
}

/// The sandbox card table's answer: a soft decline may fail over, anything else is
/// the outcome.
fn classify(confirmed: Confirmed, success: TryOutcome) -> Try {
    if confirmed.declined.is_none() {
        return Try::done(confirmed, success);
    }
    let retry = soft(&confirmed);
    Try::new(confirmed, TryOutcome::Decline, retry)
}

async fn stripe_try(
    state: &AppState,
    base: Confirmed,
    original: &PaymentIntentRow,
    client: &StripeClient,
    data: &PaymentMethodData,
    now: i64,
) -> ApiResult<Try> {
    let card = data.card.as_ref().ok_or_else(|| confirm::missing("payment_method_data[card]"))?;
    // `confirm` parsed and checked the card; its number goes to Stripe and nowhere else.
    let number = CardNumber::parse(&card.number).map_err(|error| ApiError::internal(&error))?;
    let currency = crate::flows::validate::currency("currency", &base.intent.currency)?;
    let attempt_id = base.attempt.id.clone();
    let request = tradewind_providers::stripe::CreatePayment {
        amount: tradewind_money::Money::new(base.intent.amount, currency),
        capture_method: provider_capture(&base.intent),
        payment_method: tradewind_providers::stripe::StripePaymentMethod::Card(
            tradewind_providers::stripe::CardDetails {
                number,
                exp_month: u8::try_from(card.exp_month).unwrap_or_default(),
                exp_year: u16::try_from(card.exp_year).unwrap_or_default(),
                cvc: Secret::from(card.cvc.clone().unwrap_or_default()),
            },
        ),
        return_url: state.url(&format!("/connectors/return/{attempt_id}")),
        reference: attempt_id.clone(),
        idempotency_key: attempt_id,
    };
    // Stripe's answer decides, not the sandbox's.
    let mut base = reset(base, original);
    match client.create_payment(&request).await {
        Ok(payment) => apply_provider_payment(base, original, &payment, now),
        Err(ProviderError::Declined(decline)) => {
            base.attempt.reference = decline.payment_id.clone();
            let retriable = decline.retriable;
            let confirmed =
                failed_try(base, original, &decline.code, decline.decline_code.as_deref(), &decline.message, now)?;
            Ok(Try::new(confirmed, TryOutcome::Decline, retriable))
        }
        Err(error) if error.is_ambiguous() => {
            // Stripe may have charged: the payment waits for its webhook (the attempt
            // id travels as `metadata[tradewind_attempt]`) rather than risk a second charge.
            let mut confirmed = base;
            outcome::processing_at_provider(&mut confirmed.intent, &mut confirmed.attempt, now)?;
            Ok(Try::done(confirmed, TryOutcome::Timeout))
        }
        Err(error) => {
            let retriable = error.is_retriable();
            let code = if retriable { "connector_error" } else { "connector_refused" };
            let message = format!("The payment provider refused: {error}.");
            let confirmed = failed_try(base, original, code, None, &message, now)?;
            Ok(Try::new(confirmed, TryOutcome::Error, retriable))
        }
    }
}

async fn paypal_try(
    state: &AppState,
    base: Confirmed,
    original: &PaymentIntentRow,
    client: &PaypalClient,
    now: i64,
) -> ApiResult<Try> {
    let currency = crate::flows::validate::currency("currency", &base.intent.currency)?;
    let attempt_id = base.attempt.id.clone();
    let back = state.url(&format!("/connectors/return/{attempt_id}"));
    let request = tradewind_providers::paypal::CreateOrder {
        amount: tradewind_money::Money::new(base.intent.amount, currency),
        capture_method: provider_capture(&base.intent),
        reference: attempt_id.clone(),
        return_url: back.clone(),
        cancel_url: format!("{back}?canceled=true"),
        request_id: attempt_id,
    };
    let base = reset(base, original);
    match client.create_order(&request).await {
        Ok(payment) => apply_provider_payment(base, original, &payment, now),
        // PayPal's buyer is sent on at once: nothing else is tried silently.
        Err(error) => {
            let message = format!("PayPal refused the order: {error}.");
            let retriable = error.is_retriable() && !error.is_ambiguous();
            let confirmed = failed_try(base, original, "connector_error", None, &message, now)?;
            Ok(Try::new(confirmed, TryOutcome::Error, retriable))
        }
    }
}

fn provider_capture(intent: &PaymentIntentRow) -> tradewind_providers::CaptureMethod {
    match outcome::capture_method(intent) {
        tradewind_payments::intent::CaptureMethod::Automatic => tradewind_providers::CaptureMethod::Automatic,
        tradewind_payments::intent::CaptureMethod::Manual => tradewind_providers::CaptureMethod::Manual,
    }
}

/// Moves the try's intent and attempt to what the provider says about the payment.
fn apply_provider_payment(
    mut confirmed: Confirmed,
    original: &PaymentIntentRow,
    payment: &ProviderPayment,
    now: i64,
) -> ApiResult<Try> {
    confirmed.attempt.reference = Some(payment.provider_id.clone());
    if let Some(charge) = &payment.charge_id {
        set_flag(&mut confirmed.attempt, "provider_charge", json!(charge));
    }
    let intent = &mut confirmed.intent;
    let attempt = &mut confirmed.attempt;
    match &payment.status {
        ProviderPaymentStatus::Succeeded | ProviderPaymentStatus::Authorized => {
            outcome::authorized(intent, attempt, now)?;
            Ok(Try::done(confirmed, TryOutcome::Success))
        }
        ProviderPaymentStatus::RequiresAction { redirect_url: Some(url) } => {
            let next_action = json!({
                "type": "redirect_to_url",
                "redirect_to_url": { "url": url, "return_url": attempt.return_url },
            });
            outcome::action_required(intent, attempt, next_action, None, now)?;
            Ok(Try::done(confirmed, TryOutcome::Success))
        }
        ProviderPaymentStatus::Processing | ProviderPaymentStatus::Approved => {
            outcome::processing_at_provider(intent, attempt, now)?;
            Ok(Try::done(confirmed, TryOutcome::Success))
        }
        ProviderPaymentStatus::Failed(decline) => {
            let retriable = decline.retriable;
            let confirmed =
                failed_try(confirmed, original, &decline.code, decline.decline_code.as_deref(), &decline.message, now)?;
            Ok(Try::new(confirmed, TryOutcome::Decline, retriable))
        }
        ProviderPaymentStatus::RequiresAction { redirect_url: None }
        | ProviderPaymentStatus::Incomplete
        | ProviderPaymentStatus::Canceled => {
            let confirmed = failed_try(
                confirmed,
                original,
                "payment_intent_unexpected_state",
                None,
                "The payment provider could not complete this payment without the buyer.",
                now,
            )?;
            Ok(Try::done(confirmed, TryOutcome::Error))
        }
    }
}
