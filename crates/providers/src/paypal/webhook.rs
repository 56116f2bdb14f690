//! PayPal's incoming webhooks: the transmission headers, the body of the
//! verification call, and event parsing.
//!
//! PayPal signs with its own certificate; a receiver asks PayPal whether a delivery
//! is genuine (`POST /v1/notifications/verify-webhook-signature`,
//! [`super::PaypalClient::verify_webhook`]) with the five `PAYPAL-*` headers, its
//! webhook id and the event. The event goes into that call byte for byte as received:
//! PayPal's check covers the body, and re-serialising it (key order, number format)
//! can turn a genuine delivery into a `FAILURE`.

use super::mapping::{self, authorization, capture, last_segment, order};
use super::wire::{self, Event, link};
use crate::error::{ProviderError, read_object as resource};
use crate::payment::{ProviderDispute, ProviderEvent, ProviderEventKind};
use reqwest::header::HeaderMap;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const TRANSMISSION_ID_HEADER: &str = "PAYPAL-TRANSMISSION-ID";
pub const TRANSMISSION_TIME_HEADER: &str = "PAYPAL-TRANSMISSION-TIME";
pub const TRANSMISSION_SIG_HEADER: &str = "PAYPAL-TRANSMISSION-SIG";
pub const CERT_URL_HEADER: &str = "PAYPAL-CERT-URL";
pub const AUTH_ALGO_HEADER: &str = "PAYPAL-AUTH-ALGO";

/// The headers of one webhook delivery, as PayPal's verification call takes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transmission {
    pub transmission_id: String,
    pub transmission_time: String,
    pub transmission_sig: String,
    pub cert_url: String,
    pub auth_algo: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the webhook has no `{0}` header")]
    MissingHeader(&'static str),
    #[error("the event is not PayPal's event JSON: {0}")]
    Malformed(String),
    #[error("the event's resource could not be read: {0}")]
    Resource(ProviderError),
}

impl Transmission {
    /// Reads the five `PAYPAL-*` headers of a delivery.
    pub fn from_headers(headers: &HeaderMap) -> Result<Self, EventError> {
        let header = |name: &'static str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
                .ok_or(EventError::MissingHeader(name))
        };
        Ok(Transmission {
            transmission_id: header(TRANSMISSION_ID_HEADER)?,
            transmission_time: header(TRANSMISSION_TIME_HEADER)?,
            transmission_sig: header(TRANSMISSION_SIG_HEADER)?,
            cert_url: header(CERT_URL_HEADER)?,
            auth_algo: header(AUTH_ALGO_HEADER)?,
        })
    }
}

#[derive(Serialize)]
struct VerificationFields<'a> {
    #[serde(flatten)]
    transmission: &'a Transmission,
    webhook_id: &'a str,
}

/// The JSON body of the verification call: the transmission's fields, the webhook id,
/// and `webhook_event` set to `event_body` exactly as received.
pub fn verification_request(
    transmission: &Transmission,
    webhook_id: &str,
    event_body: &[u8],
) -> Result<String, EventError> {
    let event = std::str::from_utf8(event_body).map_err(|error| EventError::Malformed(error.to_string()))?;
    serde_json::from_str::<serde::de::IgnoredAny>(event).map_err(|error| EventError::Malformed(error.to_string()))?;
    let fields = serde_json::to_string(&VerificationFields { transmission, webhook_id })
        .map_err(|error| EventError::Malformed(error.to_string()))?;
    // `fields` is a JSON object: drop its closing brace and add the event verbatim.
    let open = fields.strip_suffix('}').ok_or_else(|| EventError::Malformed("not an object".into()))?;
    Ok(format!("{open},\"webhook_event\":{event}}}"))
}

wire_enum! {
    /// The event types Tradewind acts on.
    EventType {
        CheckoutOrderApproved = "CHECKOUT.ORDER.APPROVED",
        CheckoutOrderCompleted = "CHECKOUT.ORDER.COMPLETED",
        PaymentAuthorizationCreated = "PAYMENT.AUTHORIZATION.CREATED",
        PaymentAuthorizationVoided = "PAYMENT.AUTHORIZATION.VOIDED",
        PaymentCaptureCompleted = "PAYMENT.CAPTURE.COMPLETED",
        PaymentCapturePending = "PAYMENT.CAPTURE.PENDING",
        PaymentCaptureDenied = "PAYMENT.CAPTURE.DENIED",
        PaymentCaptureDeclined = "PAYMENT.CAPTURE.DECLINED",
        PaymentCaptureRefunded = "PAYMENT.CAPTURE.REFUNDED",
        PaymentCaptureReversed = "PAYMENT.CAPTURE.REVERSED",
    }
}

/// Parses an event body. Verify it first: this trusts what it reads.
pub fn parse_paypal_event(body: &[u8]) -> Result<ProviderEvent, EventError> {
    let event: Event = serde_json::from_slice(body).map_err(|error| EventError::Malformed(error.to_string()))?;
    let created = OffsetDateTime::parse(&event.create_time, &Rfc3339)
        .map_err(|error| EventError::Malformed(format!("create_time: {error}")))?
        .unix_timestamp();
    let kind = kind(&EventType::parse(&event.event_type), &event.resource).map_err(EventError::Resource)?;
    Ok(ProviderEvent { id: event.id, created, event_type: event.event_type, kind })
}

fn kind(event_type: &EventType, data: &serde_json::Value) -> Result<ProviderEventKind, ProviderError> {
    Ok(match event_type {
        EventType::CheckoutOrderApproved | EventType::CheckoutOrderCompleted => {
            ProviderEventKind::Payment(order(&resource::<wire::Order>(data)?, 200)?)
        }
        EventType::PaymentAuthorizationCreated | EventType::PaymentAuthorizationVoided => {
            ProviderEventKind::Payment(authorization(&resource::<wire::Authorization>(data)?, 200)?)
        }
        EventType::PaymentCaptureCompleted
        | EventType::PaymentCapturePending
        | EventType::PaymentCaptureDenied
        | EventType::PaymentCaptureDeclined => {
            ProviderEventKind::Payment(capture(&resource::<wire::Capture>(data)?, 200)?)
        }
        EventType::PaymentCaptureRefunded => {
            ProviderEventKind::Refund(mapping::refund(&resource::<wire::Refund>(data)?, None, 200)?)
        }
        EventType::PaymentCaptureReversed => {
            let reversal: wire::Refund = resource(data)?;
            let amount = reversal
                .amount
                .as_ref()
                .ok_or_else(|| ProviderError::unexpected(200, "a reversal without an amount"))?;
            ProviderEventKind::Dispute(ProviderDispute {
                amount: mapping::money(amount, 200)?,
                charge_id: link(&reversal.links, "up").and_then(last_segment),
                id: reversal.id,
                payment_id: None,
                reason: "reversed".to_owned(),
            })
        }
        EventType::Unknown(_) => ProviderEventKind::Unknown,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn transmission() -> Transmission {
        Transmission {
            transmission_id: "69cd13f0-d67a-11e5-baa3-778b53f4ae55".into(),
            transmission_time: "2016-02-18T20:01:35Z".into(),
            transmission_sig: "c2lnbmF0dXJl".into(),
            cert_url: "https://api.paypal.com/v1/notifications/certs/CERT-360caa42".into(),
            auth_algo: "SHA256withRSA".into(),
        }
    }

    #[test]
    fn the_event_goes_in_byte_for_byte() {
        let event = br#"{"id":"WH-1",  "amount":{"value":"10.00"},"z":1.50}"#;
        let body = verification_request(&transmission(), "WEBHOOK1", event).unwrap();
        assert!(body.ends_with(r#""webhook_event":{"id":"WH-1",  "amount":{"value":"10.00"},"z":1.50}}"#), "{body}");
        let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed["webhook_id"], "WEBHOOK1");
        assert_eq!(parsed["auth_algo"], "SHA256withRSA");
        assert_eq!(parsed["transmission_id"], "69cd13f0-d67a-11e5-baa3-778b53f4ae55");
    }

    #[test]
    fn refuses_a_body_that_is_not_json() {
        assert!(verification_request(&transmission(), "W", b"{\"a\":").is_err());
        assert!(verification_request(&transmission(), "W", b"1} , {\"x\":2").is_err());
    }
}
