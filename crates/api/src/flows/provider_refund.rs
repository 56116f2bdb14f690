//! Refunds of payments taken through a Stripe or PayPal connector account: the
//! provider refunds first, and the refund is written (with its ledger postings) only
//! after it said yes.
//!
//! Stripe refunds the PaymentIntent the attempt recorded; PayPal refunds the capture
//! kept in the attempt's `flags.provider_charge`. Tradewind's refund id is the
//! provider's reference; the idempotency key follows the request's `Idempotency-Key`
//! (else the refund id), so a retry after a lost answer does not refund twice. A provider that refuses is a 400
//! naming `payment_intent`, one that cannot be reached a 502: nothing is written
//! either way. A refund the provider accepts but has not settled is `pending` until
//! its webhook or the status sync (`flows::provider_status`) says how it ended.

use crate::error::{ApiError, ApiResult};
use crate::flows::failover::TargetConnector;
use crate::flows::provider_status::{self, ProviderAccount};
use crate::flows::validate;
use crate::state::AppState;
use crate::wire::json_column;
use tradewind_money::Money;
use tradewind_providers::{ProviderError, ProviderRefund, ProviderRefundStatus};
use tradewind_storage::attempts::{self, AttemptRow};
use tradewind_storage::payment_intents::PaymentIntentRow;
use tradewind_storage::refunds::RefundRow;

/// A refund a provider accepted.
pub struct ProviderRefundMade {
    pub connector_account_id: String,
    /// The provider's refund id.
    pub reference: String,
    /// `succeeded` or `pending`.
    pub status: &'static str,
}

fn not_refundable(message: &str) -> ApiError {
    ApiError::conflict("charge_not_refundable", message)
}

/// Refunds `amount` of `intent` at its provider when its payment went through a Stripe
/// or PayPal account; `None` for a payment of a sandbox (which refunds in-process).
pub async fn create(
    state: &AppState,
    intent: &PaymentIntentRow,
    refund_id: &str,
    idempotency_key: &str,
    amount: i64,
) -> ApiResult<Option<ProviderRefundMade>> {
    let Some(attempt_id) = &intent.latest_attempt_id else { return Ok(None) };
    let Some(attempt) = attempts::get(state.store.pool(), attempt_id).await? else { return Ok(None) };
    let Some(provider) = provider_status::provider_account(state, &intent.merchant_id, &attempt.connector).await?
    else {
        return Ok(None);
    };
    let money = Money::new(amount, validate::currency("currency", &intent.currency)?);
    let refunded = call(&provider, &attempt, money, refund_id, idempotency_key).await?;
    let status = match refunded.status {
        ProviderRefundStatus::Succeeded => "succeeded",
        ProviderRefundStatus::Pending => "pending",
        ProviderRefundStatus::Failed | ProviderRefundStatus::Canceled => {
            let reason = refunded.failure_reason.map(|reason| format!(" ({reason})")).unwrap_or_default();
            return Err(ApiError::invalid(
                "payment_intent",
                "refund_declined",
                format!("The payment provider declined the refund{reason}; nothing was refunded."),
            ));
        }
    };
    Ok(Some(ProviderRefundMade { connector_account_id: provider.row.id, reference: refunded.id, status }))
}

async fn call(
    provider: &ProviderAccount,
    attempt: &AttemptRow,
    money: Money,
    refund_id: &str,
    idempotency_key: &str,
) -> ApiResult<ProviderRefund> {
    let result = match &provider.connector {
        TargetConnector::Stripe(client) => {
            let payment = attempt
                .reference
                .as_deref()
                .ok_or_else(|| not_refundable("The provider's payment of this PaymentIntent is not known."))?;
            client.create_refund(payment, money, refund_id, idempotency_key).await
        }
        TargetConnector::Paypal(client) => {
            let flags = json_column("flags", Some(&attempt.flags));
            let capture = flags["provider_charge"]
                .as_str()
                .ok_or_else(|| not_refundable("PayPal's capture of this PaymentIntent is not known."))?;
            client.refund_capture(capture, money, refund_id, idempotency_key).await
        }
        TargetConnector::Sandbox(_) => {
            return Err(not_refundable("This PaymentIntent was not paid through a provider."));
        }
    };
    result.map_err(|error| refused(&error))
}

/// The provider's idempotency key for a refund requested under the merchant's
/// `Idempotency-Key`: the same on every retry of that request, and never the same for
/// two merchants (their keys are their own).
pub fn idempotency_key(merchant_id: &str, client_key: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new().chain_update(merchant_id).chain_update([0]).chain_update(client_key).finalize();
    format!("twre_{}", hex::encode(&digest[..20]))
}

fn refused(error: &ProviderError) -> ApiError {
    if error.is_retriable() || error.is_ambiguous() {
        tracing::warn!(error = %error, "refund at the provider failed");
        return ApiError::provider_unavailable(
            "The payment provider could not be reached to refund; nothing was recorded. Retry the refund.",
        );
    }
    ApiError::invalid(
        "payment_intent",
        "connector_refused",
        format!("The payment provider refused the refund: {error}."),
    )
}

/// Where a refund made at a provider stands there now; `None` for a sandbox refund, or
/// when the provider could not be asked (logged; the sync asks again later).
pub async fn provider_status(state: &AppState, refund: &RefundRow) -> ApiResult<Option<ProviderRefundStatus>> {
    let (Some(account_id), Some(reference)) = (&refund.connector_account_id, &refund.connector_reference) else {
        return Ok(None);
    };
    let Some(provider) = provider_status::provider_account(state, &refund.merchant_id, account_id).await? else {
        return Ok(None);
    };
    let answer = match &provider.connector {
        TargetConnector::Stripe(client) => client.retrieve_refund(reference).await,
        TargetConnector::Paypal(client) => client.get_refund(reference).await,
        TargetConnector::Sandbox(_) => return Ok(None),
    };
    match answer {
        Ok(refund) => Ok(Some(refund.status)),
        Err(error) => {
            tracing::warn!(refund = %refund.id, error = %error, "could not ask the provider about a refund");
            Ok(None)
        }
    }
}
