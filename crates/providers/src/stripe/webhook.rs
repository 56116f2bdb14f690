//! Stripe's incoming webhooks: the `Stripe-Signature` scheme and event parsing.
//!
//! The header is `t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=<hex>]`; each `v1` is
//! HMAC-SHA256 keyed with the endpoint's whole secret (`whsec_…`, as text) over
//! `"{t}.{payload}"`. Several `v1` appear while a secret is being rolled; `v0` is test
//! mode's legacy scheme and is ignored. A payload is accepted when any `v1` matches
//! (compared in constant time) and `t` is within the tolerance of now, either side.

use super::mapping::{self, payment, refund};
use super::wire::{self, Event};
use crate::error::{ProviderError, read_object as object};
use crate::payment::{ProviderDispute, ProviderEvent, ProviderEventKind};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Stripe's libraries' default: a signature older than five minutes is a replay.
pub const DEFAULT_TOLERANCE_SECONDS: i64 = 300;
/// The header Stripe signs with.
pub const SIGNATURE_HEADER: &str = "Stripe-Signature";

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header has no valid timestamp")]
    MalformedHeader,
    #[error("the Stripe-Signature header has no v1 signature")]
    NoSignature,
    #[error("no v1 signature matches the payload")]
    Mismatch,
    #[error("the signature's timestamp is outside the tolerance")]
    OutsideTolerance,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the event is not Stripe's event JSON: {0}")]
    Malformed(String),
    #[error("the event's object could not be read: {0}")]
    Object(ProviderError),
}

/// The MAC over `"{timestamp}.{payload}"`; `None` only if HMAC ever refused a key
/// (it takes keys of any length).
fn mac(secret: &str, timestamp: i64, payload: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    Some(mac)
}

/// The `Stripe-Signature` header Stripe would send for `payload` at `timestamp`.
pub fn sign(payload: &[u8], secret: &str, timestamp: i64) -> String {
    let signature = mac(secret, timestamp, payload).map(|mac| hex::encode(mac.finalize().into_bytes()));
    let signature = signature.unwrap_or_default();
    format!("t={timestamp},v1={signature}")
}

/// Checks `header` (the `Stripe-Signature` value) against `payload`, the raw request
/// body exactly as received, the endpoint's `secret`, and `now` in Unix seconds.
pub fn verify_stripe_signature(
    payload: &[u8],
    header: &str,
    secret: &str,
    now: i64,
    tolerance_seconds: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        match item.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::MalformedHeader)?;
    if signatures.is_empty() {
        return Err(SignatureError::NoSignature);
    }
    let expected = mac(secret, timestamp, payload).ok_or(SignatureError::Mismatch)?;
    if !signatures.iter().any(|signature| expected.clone().verify_slice(signature).is_ok()) {
        return Err(SignatureError::Mismatch);
    }
    if now.abs_diff(timestamp) > tolerance_seconds.unsigned_abs() {
        return Err(SignatureError::OutsideTolerance);
    }
    Ok(())
}

wire_enum! {
    /// The event types Tradewind acts on.
    EventType {
        PaymentIntentSucceeded = "payment_intent.succeeded",
        PaymentIntentPaymentFailed = "payment_intent.payment_failed",
        PaymentIntentProcessing = "payment_intent.processing",
        PaymentIntentRequiresAction = "payment_intent.requires_action",
        PaymentIntentCanceled = "payment_intent.canceled",
        PaymentIntentAmountCapturableUpdated = "payment_intent.amount_capturable_updated",
        ChargeRefunded = "charge.refunded",
        ChargeRefundUpdated = "charge.refund.updated",
        RefundCreated = "refund.created",
        RefundUpdated = "refund.updated",
        RefundFailed = "refund.failed",
        ChargeDisputeCreated = "charge.dispute.created",
    }
}

/// Parses a verified payload. Verify first: this trusts what it reads.
pub fn parse_stripe_event(payload: &[u8]) -> Result<ProviderEvent, EventError> {
    let event: Event = serde_json::from_slice(payload).map_err(|error| EventError::Malformed(error.to_string()))?;
    let kind = kind(&EventType::parse(&event.event_type), &event.data.object).map_err(EventError::Object)?;
    Ok(ProviderEvent { id: event.id, created: event.created, event_type: event.event_type, kind })
}

fn kind(event_type: &EventType, data: &serde_json::Value) -> Result<ProviderEventKind, ProviderError> {
    Ok(match event_type {
        EventType::PaymentIntentSucceeded
        | EventType::PaymentIntentPaymentFailed
        | EventType::PaymentIntentProcessing
        | EventType::PaymentIntentRequiresAction
        | EventType::PaymentIntentCanceled
        | EventType::PaymentIntentAmountCapturableUpdated => {
            ProviderEventKind::Payment(payment(&object::<wire::PaymentIntent>(data)?, 200)?)
        }
        EventType::ChargeRefunded => {
            let charge: wire::Charge = object(data)?;
            ProviderEventKind::Refunded {
                amount_refunded: money(charge.amount_refunded, &charge.currency)?,
                payment_id: charge.payment_intent,
                charge_id: charge.id,
            }
        }
        EventType::ChargeRefundUpdated
        | EventType::RefundCreated
        | EventType::RefundUpdated
        | EventType::RefundFailed => ProviderEventKind::Refund(refund(&object::<wire::Refund>(data)?, 200)?),
        EventType::ChargeDisputeCreated => {
            let dispute: wire::Dispute = object(data)?;
            ProviderEventKind::Dispute(ProviderDispute {
                amount: money(dispute.amount, &dispute.currency)?,
                id: dispute.id,
                payment_id: dispute.payment_intent,
                charge_id: Some(dispute.charge),
                reason: dispute.reason,
            })
        }
        EventType::Unknown(_) => ProviderEventKind::Unknown,
    })
}

fn money(amount: i64, currency: &str) -> Result<tradewind_money::Money, ProviderError> {
    mapping::amount(amount, currency, 200)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";

    #[test]
    fn a_signed_payload_verifies() {
        let payload = br#"{"id":"evt_1"}"#;
        let header = sign(payload, SECRET, 1_700_000_000);
        assert_eq!(verify_stripe_signature(payload, &header, SECRET, 1_700_000_100, 300), Ok(()));
    }

    #[test]
    fn malformed_headers() {
        let payload = b"{}";
        assert_eq!(verify_stripe_signature(payload, "v1=00", SECRET, 0, 300), Err(SignatureError::MalformedHeader));
        assert_eq!(
            verify_stripe_signature(payload, "t=abc,v1=00", SECRET, 0, 300),
            Err(SignatureError::MalformedHeader)
        );
        assert_eq!(verify_stripe_signature(payload, "t=5,v0=00", SECRET, 5, 300), Err(SignatureError::NoSignature));
        assert_eq!(verify_stripe_signature(payload, "t=5,v1=zz", SECRET, 5, 300), Err(SignatureError::NoSignature));
        assert_eq!(verify_stripe_signature(payload, "t=5,v1=00", SECRET, 5, 300), Err(SignatureError::Mismatch));
    }
}
