//! `/v1/sandbox/…`: the sandbox clock and the provider-side events a test or a demo
//! triggers with the merchant's secret key — funds arriving for a bank transfer, a
//! Boleto paid at a bank, a courier collecting cash or a refused delivery.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Authenticated, SecretAuth};
use crate::flows::{sandbox, sweep, validate};
use crate::routes::payment_intents::{load, persist};
use crate::state::AppState;
use crate::wire::payment_intent::PaymentIntentObject;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use tradewind_connectors::bank_transfer;
use tradewind_storage::{attempts, merchants};
use utoipa::ToSchema;

/// The most one advance may move the clock: a year.
pub const CLOCK_ADVANCE_SECONDS_MAX: i64 = 366 * 86_400;

#[derive(Serialize, ToSchema)]
pub struct ClockObject {
    pub object: &'static str,
    /// The merchant's sandbox time, Unix seconds.
    pub frozen_time: i64,
    pub offset_seconds: i64,
    pub expired: u64,
    pub settled: u64,
    pub refunds_settled: u64,
    /// Payments whose pending funds became available.
    pub funds_settled: u64,
}

/// Reads the merchant's sandbox clock.
#[utoipa::path(get, path = "/v1/sandbox/clock", responses((status = 200, body = ClockObject)), security(("bearer" = [])), tag = "Sandbox")]
pub async fn clock(State(state): State<AppState>, SecretAuth(auth): SecretAuth) -> Json<ClockObject> {
    Json(ClockObject {
        object: "test_clock",
        frozen_time: auth.now(&state),
        offset_seconds: auth.clock_offset_seconds,
        expired: 0,
        settled: 0,
        refunds_settled: 0,
        funds_settled: 0,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceClock {
    /// 1 to 31622400 (a year).
    pub seconds: i64,
}

/// Advances the sandbox clock; expiries, delayed outcomes and webhook deliveries that
/// fall due happen now.
#[utoipa::path(post, path = "/v1/sandbox/clock/advance", request_body = AdvanceClock,
    responses((status = 200, body = ClockObject)), security(("bearer" = [])), tag = "Sandbox")]
pub async fn advance(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    ApiJson(body): ApiJson<AdvanceClock>,
) -> ApiResult<Json<ClockObject>> {
    if !(1..=CLOCK_ADVANCE_SECONDS_MAX).contains(&body.seconds) {
        return Err(ApiError::invalid("seconds", "parameter_invalid", "`seconds` must be 1 to 31622400."));
    }
    let mut transaction = state.store.begin().await?;
    let offset = merchants::advance_clock(transaction.connection(), auth.merchant_id.as_str(), body.seconds).await?;
    transaction.commit().await?;
    // The merchant's keys carry its clock offset.
    state.key_cache.forget_merchant(auth.merchant_id.as_str());
    let now = state.clock.now().saturating_add(offset);
    let report = sweep::run_due(&state, auth.merchant_id.as_str(), now).await?;
    // Webhooks too, so what fell due is delivered (and retries due at the new time are
    // sent) before this answers: tests and the demo see deliveries without waiting.
    crate::worker::webhooks_once(&state, Some(auth.merchant_id.as_str())).await?;
    Ok(Json(ClockObject {
        object: "test_clock",
        frozen_time: now,
        offset_seconds: offset,
        expired: report.expired,
        settled: report.settled,
        refunds_settled: report.refunds_settled,
        funds_settled: report.funds_settled,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundTransfer {
    /// The reference the buyer quoted.
    pub reference: String,
    /// Minor units received in this transfer.
    pub amount: i64,
}

#[derive(Serialize, ToSchema)]
pub struct FundingObject {
    pub object: &'static str,
    /// partial, exact or over.
    pub funding: &'static str,
    pub amount_remaining: i64,
    pub amount_overpaid: i64,
    pub payment_intent: PaymentIntentObject,
}

/// Sandbox: funds arrive for a bank transfer reference (partial, exact or over).
#[utoipa::path(post, path = "/v1/sandbox/bank_transfers", request_body = FundTransfer,
    responses((status = 200, body = FundingObject)), security(("bearer" = [])), tag = "Sandbox")]
pub async fn fund_transfer(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    ApiJson(body): ApiJson<FundTransfer>,
) -> ApiResult<Json<FundingObject>> {
    let now = auth.now(&state);
    validate::positive_amount("amount", body.amount)?;
    let not_found = || ApiError::not_found("bank transfer reference", &body.reference).with_param("reference");
    let reference = bank_transfer::normalize_reference(&body.reference).ok_or_else(not_found)?;
    let mut attempt = attempts::find_by_reference(state.store.pool(), auth.merchant_id.as_str(), &reference)
        .await?
        .ok_or_else(not_found)?;
    let mut intent = load(&state, auth.merchant_id.as_str(), &attempt.payment_intent_id).await?;
    let funding = sandbox::fund_transfer(&mut intent, &mut attempt, body.amount, now)?;
    persist(&state, &intent, None, Some(&attempt), now).await?;
    let (name, remaining, overpaid) = match funding {
        bank_transfer::Funding::Partial { remaining_minor } => ("partial", remaining_minor, 0),
        bank_transfer::Funding::Exact => ("exact", 0, 0),
        bank_transfer::Funding::Over { excess_minor } => ("over", 0, excess_minor),
    };
    intent.version += 1;
    Ok(Json(FundingObject {
        object: "bank_transfer_funding",
        funding: name,
        amount_remaining: remaining,
        amount_overpaid: overpaid,
        payment_intent: PaymentIntentObject::from_row(&intent),
    }))
}

async fn act_on_current_attempt(
    state: &AppState,
    auth: &Authenticated,
    id: &str,
    action: impl FnOnce(
        &mut tradewind_storage::payment_intents::PaymentIntentRow,
        &mut tradewind_storage::attempts::AttemptRow,
        i64,
    ) -> ApiResult<()>,
) -> ApiResult<Json<PaymentIntentObject>> {
    let now = auth.now(state);
    let mut intent = load(state, auth.merchant_id.as_str(), id).await?;
    let attempt_id = intent.latest_attempt_id.clone().ok_or_else(|| {
        ApiError::conflict("payment_intent_unexpected_state", "This PaymentIntent has not been confirmed.")
    })?;
    let mut attempt = attempts::get(state.store.pool(), &attempt_id)
        .await?
        .ok_or_else(|| ApiError::not_found("payment_attempt", &attempt_id))?;
    action(&mut intent, &mut attempt, now)?;
    persist(state, &intent, None, Some(&attempt), now).await?;
    intent.version += 1;
    state.metrics.payment_status(intent.payment_method_type.as_deref(), &intent.status);
    Ok(Json(PaymentIntentObject::from_row(&intent)))
}

/// Sandbox: the courier collects the cash on delivery.
#[utoipa::path(post, path = "/v1/sandbox/deliveries/{payment_intent}/collect", params(("payment_intent" = String, Path)),
    responses((status = 200, body = PaymentIntentObject)), security(("bearer" = [])), tag = "Sandbox")]
pub async fn collect(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<PaymentIntentObject>> {
    act_on_current_attempt(&state, &auth, &id, |intent, attempt, now| sandbox::delivery(intent, attempt, true, now))
        .await
}

/// Sandbox: the buyer refuses the cash-on-delivery parcel.
#[utoipa::path(post, path = "/v1/sandbox/deliveries/{payment_intent}/refuse", params(("payment_intent" = String, Path)),
    responses((status = 200, body = PaymentIntentObject)), security(("bearer" = [])), tag = "Sandbox")]
pub async fn refuse(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<PaymentIntentObject>> {
    act_on_current_attempt(&state, &auth, &id, |intent, attempt, now| sandbox::delivery(intent, attempt, false, now))
        .await
}

/// Sandbox: the buyer pays the Boleto voucher at a bank.
#[utoipa::path(post, path = "/v1/sandbox/boletos/{payment_intent}/pay", params(("payment_intent" = String, Path)),
    responses((status = 200, body = PaymentIntentObject)), security(("bearer" = [])), tag = "Sandbox")]
pub async fn pay_boleto(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<PaymentIntentObject>> {
    act_on_current_attempt(&state, &auth, &id, sandbox::pay_boleto).await
}
