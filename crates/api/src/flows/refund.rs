//! Refunds: method rules (none for Boleto, to a bank account for cash and transfers,
//! asynchronous for wallets), the refund window, and never more than was captured —
//! enforced by one conditional update, so concurrent refunds cannot overshoot. A
//! payment taken through a Stripe or PayPal account is refunded at the provider first
//! (`flows::provider_refund`), and the refund takes the provider's status.

use crate::error::{ApiError, ApiResult};
use crate::extract::Authenticated;
use crate::flows::{events, money, provider_refund, validate};
use crate::state::AppState;
use crate::wire::json_column;
use crate::wire::refund::{CreateRefund, RefundObject};
use serde_json::json;
use tradewind_connectors::iban;
use tradewind_payments::id::{PaymentIntentId, RefundId};
use tradewind_payments::method::{PaymentMethodType, RefundPolicy};
use tradewind_payments::refund::{RefundError, check_refund};
use tradewind_storage::refunds::{self, RefundRow};
use tradewind_storage::{balance_transactions, payment_intents};

const DAY_SECONDS: i64 = 86_400;
/// When a wallet or SOFORT refund settles.
pub const ASYNCHRONOUS_REFUND_DELAY_SECONDS: i64 = DAY_SECONDS;
/// When a payout to the buyer's bank account settles.
pub const BANK_REFUND_DELAY_SECONDS: i64 = 2 * DAY_SECONDS;
/// When a card refund of 4000000000005126 turns from succeeded to failed.
pub const CARD_REFUND_FAILURE_DELAY_SECONDS: i64 = DAY_SECONDS;

const REASONS: [&str; 3] = ["duplicate", "fraudulent", "requested_by_customer"];

fn destination(request: &CreateRefund) -> ApiResult<serde_json::Value> {
    let account = request.destination_bank_account.as_ref().ok_or_else(|| {
        ApiError::invalid(
            "destination_bank_account",
            "parameter_missing",
            "This payment has no instrument to refund to: give `destination_bank_account`.",
        )
    })?;
    if account.account_holder_name.trim().is_empty() {
        return Err(ApiError::invalid(
            "destination_bank_account[account_holder_name]",
            "parameter_missing",
            "`destination_bank_account[account_holder_name]` is required.",
        ));
    }
    let masked = match (&account.iban, &account.account_number) {
        (Some(value), _) => {
            let normalized = iban::normalize(value).filter(|_| iban::is_valid(value)).ok_or_else(|| {
                ApiError::invalid(
                    "destination_bank_account[iban]",
                    "iban_invalid",
                    "The IBAN's check digits do not match.",
                )
            })?;
            json!({"iban_last4": &normalized[normalized.len().saturating_sub(4)..], "country": &normalized[..2]})
        }
        (None, Some(number)) if (4..=34).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit()) => {
            json!({"account_number_last4": &number[number.len() - 4..], "bank_code": account.bank_code})
        }
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "destination_bank_account[account_number]",
                "parameter_invalid",
                "`destination_bank_account[account_number]` must be 4 to 34 digits.",
            ));
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "destination_bank_account[iban]",
                "parameter_missing",
                "Give `destination_bank_account[iban]` or `destination_bank_account[account_number]`.",
            ));
        }
    };
    Ok(json!({"type": "bank_account", "account_holder_name": account.account_holder_name, "bank_account": masked}))
}

/// `client_key` is the request's `Idempotency-Key`, if any: a provider's idempotency key
/// is derived from it, so a retry after a lost answer refunds at most once there.
pub async fn create(
    state: &AppState,
    auth: &Authenticated,
    request: CreateRefund,
    client_key: Option<&str>,
) -> ApiResult<RefundObject> {
    let now = auth.now(state);
    let merchant_id = auth.merchant_id.as_str();
    let not_found = || ApiError::not_found("payment_intent", &request.payment_intent).with_param("payment_intent");
    PaymentIntentId::parse(&request.payment_intent).map_err(|_| not_found())?;
    if let Some(reason) = &request.reason
        && !REASONS.contains(&reason.as_str())
    {
        return Err(ApiError::invalid(
            "reason",
            "parameter_invalid",
            "`reason` must be duplicate, fraudulent or requested_by_customer.",
        ));
    }
    if let Some(metadata) = &request.metadata {
        validate::metadata(metadata)?;
    }
    if let Some(amount) = request.amount {
        validate::positive_amount("amount", amount)?;
    }
    let intent =
        payment_intents::get(state.store.pool(), merchant_id, &request.payment_intent).await?.ok_or_else(not_found)?;
    if intent.status != "succeeded" || intent.amount_received == 0 {
        return Err(ApiError::conflict(
            "charge_not_refundable",
            format!("This PaymentIntent has no successful charge to refund (its status is {}).", intent.status),
        ));
    }
    let method = PaymentMethodType::parse(intent.payment_method_type.as_deref().unwrap_or_default())
        .map_err(|error| ApiError::internal(&error))?;
    let capability = method.capability();
    if let Some(days) = capability.refund_window_days
        && now > intent.created_at.saturating_add(i64::from(days) * DAY_SECONDS)
    {
        return Err(ApiError::invalid(
            "payment_intent",
            "charge_expired_for_refund",
            format!("{method} payments can be refunded for {days} days; this one is older."),
        ));
    }
    let (status, scheduled_at, scheduled_outcome, destination) = match capability.refunds {
        RefundPolicy::NotSupported => {
            return Err(ApiError::invalid(
                "payment_intent",
                "refund_not_supported",
                format!("{method} payments cannot be refunded through the provider; settle with the buyer directly."),
            ));
        }
        RefundPolicy::Instant => {
            let card_fails = method == PaymentMethodType::Card && refund_fails_for(state, &intent).await?;
            if card_fails {
                ("succeeded", Some(now + CARD_REFUND_FAILURE_DELAY_SECONDS), Some("fail"), None)
            } else {
                ("succeeded", None, None, None)
            }
        }
        RefundPolicy::Asynchronous => ("pending", Some(now + ASYNCHRONOUS_REFUND_DELAY_SECONDS), Some("succeed"), None),
        RefundPolicy::ToBankAccount => {
            ("pending", Some(now + BANK_REFUND_DELAY_SECONDS), Some("succeed"), Some(destination(&request)?))
        }
    };
    let remaining = intent.amount_received - intent.amount_refunded;
    let amount = request.amount.unwrap_or(remaining);
    check_refund(intent.amount_received, intent.amount_refunded, amount).map_err(refund_error)?;

    let refund_id = RefundId::generate().to_string();
    // The provider's call goes first: its refusal writes nothing.
    let provider_key = match client_key {
        Some(key) => provider_refund::idempotency_key(&intent.merchant_id, key),
        None => refund_id.clone(),
    };
    let at_provider = provider_refund::create(state, &intent, &refund_id, &provider_key, amount).await?;
    let (status, scheduled_at, scheduled_outcome) = match &at_provider {
        Some(made) => (made.status, None, None),
        None => (status, scheduled_at, scheduled_outcome),
    };
    let row = RefundRow {
        id: refund_id,
        merchant_id: merchant_id.to_owned(),
        payment_intent_id: intent.id.clone(),
        amount,
        currency: intent.currency.clone(),
        status: status.to_owned(),
        reason: request.reason.clone(),
        failure_reason: None,
        destination: destination.map(|value| value.to_string()),
        metadata: serde_json::to_string(&request.metadata.clone().unwrap_or_default()).unwrap_or_else(|_| "{}".into()),
        scheduled_at,
        scheduled_outcome: scheduled_outcome.map(str::to_owned),
        created_at: now,
        updated_at: now,
        connector_account_id: at_provider.as_ref().map(|made| made.connector_account_id.clone()),
        connector_reference: at_provider.map(|made| made.reference),
    };
    let mut transaction = state.store.begin().await?;
    if !payment_intents::reserve_refund(transaction.connection(), &intent.id, amount, now).await? {
        // Another refund won the race; report against the fresh totals.
        let fresh =
            payment_intents::get_in(transaction.connection(), merchant_id, &intent.id).await?.ok_or_else(not_found)?;
        return Err(refund_error(
            check_refund(fresh.amount_received, fresh.amount_refunded, amount)
                .err()
                .unwrap_or(RefundError::ExceedsRemaining { requested_minor: amount, remaining_minor: 0 }),
        ));
    }
    // A chargeback holds the money: checked after the reservation (see `flows::dispute`).
    crate::flows::dispute::check_refundable(transaction.connection(), &intent).await?;
    refunds::insert(transaction.connection(), &row).await?;
    // Book it: what was refunded before is read after the reservation, which holds the
    // intent's row, so concurrent refunds each see the others' amounts.
    let reserved =
        payment_intents::get_in(transaction.connection(), merchant_id, &intent.id).await?.ok_or_else(not_found)?;
    let charge = balance_transactions::charge_of(transaction.connection(), merchant_id, &intent.id).await?;
    match charge {
        Some(charge) => {
            let refunded_before = reserved.amount_refunded - amount;
            money::refund_effects(state, &reserved, &charge, &row, refunded_before, now)
                .await?
                .write_in(&state.store, transaction.connection(), now)
                .await?;
        }
        None => tracing::warn!(payment_intent = %intent.id, "refund of a payment without a charge balance transaction"),
    }
    let object = RefundObject::from_row(&row);
    let data = serde_json::to_value(&object).unwrap_or_default();
    tradewind_storage::events::insert(
        transaction.connection(),
        &events::event(merchant_id, "refund.created", &row.id, &data, now),
    )
    .await?;
    transaction.commit().await?;
    Ok(object)
}

async fn refund_fails_for(
    state: &AppState,
    intent: &tradewind_storage::payment_intents::PaymentIntentRow,
) -> ApiResult<bool> {
    let Some(attempt_id) = &intent.latest_attempt_id else { return Ok(false) };
    let attempt = tradewind_storage::attempts::get(state.store.pool(), attempt_id).await?;
    Ok(attempt
        .map(|attempt| json_column("flags", Some(&attempt.flags))["refund_fails_async"].as_bool().unwrap_or(false))
        .unwrap_or(false))
}

fn refund_error(error: RefundError) -> ApiError {
    ApiError::invalid("amount", "amount_too_large", error.to_string())
}
