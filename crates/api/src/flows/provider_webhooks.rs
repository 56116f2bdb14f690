//! Stripe's and PayPal's incoming webhooks: their verification and their events in
//! the shared shape of [`connector_webhooks`](crate::flows::connector_webhooks).
//!
//! - Stripe signs each delivery (`Stripe-Signature`: HMAC-SHA256 over `"{t}.{body}"`
//!   with the endpoint's `whsec_` secret); the timestamp must be within five minutes of
//!   the merchant's clock.
//! - PayPal is asked (`verify-webhook-signature` at the account's API, with its client
//!   credentials) whether the five `PAYPAL-TRANSMISSION-*` headers, the account's webhook
//!   id and the body exactly as received belong together.
//!
//! A payment event names Tradewind's attempt by the reference sent with the payment
//! (Stripe `metadata[tradewind_attempt]`, PayPal `custom_id`) or, failing that, by the
//! provider's payment id the attempt recorded; a refund event names the provider's
//! refund id the refund recorded. Both are resolved inside the webhook's transaction.

use crate::error::{ApiError, ApiResult};
use crate::flows::connector_accounts::{self, ConnectorAccount};
use crate::flows::connector_webhooks::{EVENT_ID_LENGTH_MAX, Effect, Incoming, PaymentTarget, ProviderEvent};
use crate::flows::failover::TargetConnector;
use crate::flows::routing;
use tradewind_providers::paypal::{Transmission, parse_paypal_event};
use tradewind_providers::stripe::{
    DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADER, SignatureError, parse_stripe_event, verify_stripe_signature,
};
use tradewind_providers::{ProviderEventKind, ProviderPaymentStatus, ProviderRefundStatus};

fn signature_invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("signature_invalid", message)
}

/// Checks `Stripe-Signature` with the account's signing secret at the merchant's now.
pub fn verify_stripe(incoming: &Incoming<'_>) -> ApiResult<()> {
    let secret = connector_accounts::webhook_secret(incoming.state, incoming.account)?;
    let header = incoming
        .headers
        .get(SIGNATURE_HEADER)
        .ok_or_else(|| signature_invalid(format!("The `{SIGNATURE_HEADER}` header is missing.")))?
        .to_str()
        .map_err(|_| signature_invalid("The signature header is not ASCII."))?;
    verify_stripe_signature(incoming.body, header, secret.expose(), incoming.now, DEFAULT_TOLERANCE_SECONDS).map_err(
        |error| match error {
            SignatureError::OutsideTolerance => ApiError::bad_request(
                "signature_timestamp_outside_tolerance",
                format!("The signature's timestamp is not within {DEFAULT_TOLERANCE_SECONDS} seconds of now."),
            ),
            SignatureError::MalformedHeader | SignatureError::NoSignature | SignatureError::Mismatch => {
                signature_invalid(format!("{}.", capitalised(&error.to_string())))
            }
        },
    )
}

/// Asks PayPal whether the delivery is genuine. PayPal unreachable is a 502, so it
/// delivers again later; a transmission it does not vouch for is a 400.
pub async fn verify_paypal(incoming: &Incoming<'_>) -> ApiResult<()> {
    let transmission = Transmission::from_headers(incoming.headers)
        .map_err(|error| signature_invalid(format!("{}.", capitalised(&error.to_string()))))?;
    let webhook_id = connector_accounts::webhook_secret(incoming.state, incoming.account)?;
    let account = ConnectorAccount::from_row(incoming.account)?;
    let TargetConnector::Paypal(client) = routing::connector_for(incoming.state, incoming.account, &account)? else {
        return Err(signature_invalid("This account is not a PayPal account."));
    };
    match client.verify_webhook(&transmission, webhook_id.expose(), incoming.body).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(signature_invalid("PayPal did not verify this webhook's signature.")),
        Err(error) if error.is_retriable() => {
            tracing::warn!(connector_account = %incoming.account.id, error = %error, "PayPal webhook verification unavailable");
            Err(ApiError::provider_unavailable("PayPal could not verify this webhook now; deliver it again later."))
        }
        Err(error) => Err(signature_invalid(format!("PayPal refused to verify this webhook: {error}."))),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What a provider's payment status does to its attempt: `None` for a status that
/// moves nothing (the buyer still has to act, nothing was attempted yet).
pub fn payment_target(status: &ProviderPaymentStatus) -> Option<PaymentTarget> {
    match status {
        ProviderPaymentStatus::Succeeded | ProviderPaymentStatus::Authorized => Some(PaymentTarget::Succeeded),
        ProviderPaymentStatus::Processing => Some(PaymentTarget::Processing),
        ProviderPaymentStatus::Failed(decline) => {
            Some(PaymentTarget::Failed { code: Some(decline.code.clone()), message: Some(decline.message.clone()) })
        }
        ProviderPaymentStatus::Canceled => Some(PaymentTarget::Failed {
            code: Some("payment_intent_payment_attempt_failed".to_owned()),
            message: Some("The payment was canceled at the provider.".to_owned()),
        }),
        ProviderPaymentStatus::RequiresAction { .. }
        | ProviderPaymentStatus::Approved
        | ProviderPaymentStatus::Incomplete => None,
    }
}

/// What a provider's refund status does to a pending refund: `Some(succeeded)`, or
/// `None` while it is still pending.
pub fn refund_settled(status: ProviderRefundStatus) -> Option<bool> {
    match status {
        ProviderRefundStatus::Succeeded => Some(true),
        ProviderRefundStatus::Failed | ProviderRefundStatus::Canceled => Some(false),
        ProviderRefundStatus::Pending => None,
    }
}

fn effect(kind: ProviderEventKind) -> Effect {
    match kind {
        ProviderEventKind::Payment(payment) => match payment_target(&payment.status) {
            Some(target) => Effect::ProviderPayment {
                provider_id: payment.provider_id,
                reference: payment.reference,
                charge: payment.charge_id,
                target,
            },
            None => Effect::None,
        },
        ProviderEventKind::Refund(refund) => match refund_settled(refund.status) {
            Some(succeeded) => Effect::ProviderRefund { provider_refund_id: refund.id, succeeded },
            None => Effect::None,
        },
        // The refund events (`refund.*`, `PAYMENT.CAPTURE.REFUNDED`) carry what
        // `charge.refunded` says; disputes from real providers are not mapped yet.
        ProviderEventKind::Refunded { .. } | ProviderEventKind::Dispute(_) | ProviderEventKind::Unknown => Effect::None,
    }
}

fn event(id: String, event_type: String, kind: ProviderEventKind) -> ApiResult<ProviderEvent> {
    if id.is_empty() || id.len() > EVENT_ID_LENGTH_MAX || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid("id", "parameter_invalid", "`id` must be 1 to 255 printable characters."));
    }
    Ok(ProviderEvent { id, event_type, effect: effect(kind) })
}

/// Reads a verified Stripe event.
pub fn parse_stripe(body: &[u8]) -> ApiResult<ProviderEvent> {
    let parsed = parse_stripe_event(body)
        .map_err(|error| ApiError::bad_request("event_invalid", format!("{}.", capitalised(&error.to_string()))))?;
    event(parsed.id, parsed.event_type, parsed.kind)
}

/// Reads a verified PayPal event.
pub fn parse_paypal(body: &[u8]) -> ApiResult<ProviderEvent> {
    let parsed = parse_paypal_event(body)
        .map_err(|error| ApiError::bad_request("event_invalid", format!("{}.", capitalised(&error.to_string()))))?;
    event(parsed.id, parsed.event_type, parsed.kind)
}
