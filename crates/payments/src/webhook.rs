//! Outgoing webhooks, the pure part: which event types exist, what an endpoint URL may
//! be, the endpoint secret (`whsec_` + base64 of 24 random bytes) and the
//! [Standard Webhooks](https://www.standardwebhooks.com/) signature, and the retry
//! schedule. Delivery itself (HTTP, the clock, the database) lives in the API crate.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;

/// Every event type Tradewind writes; an endpoint's `enabled_events` names some of
/// them, or `*` for all.
pub const EVENT_TYPES: [&str; 32] = [
    "payment_intent.created",
    "payment_intent.succeeded",
    "payment_intent.amount_capturable_updated",
    "payment_intent.requires_action",
    "payment_intent.processing",
    "payment_intent.canceled",
    "payment_intent.payment_failed",
    "payment_intent.updated",
    "refund.created",
    "refund.updated",
    "refund.failed",
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
    "payout.created",
    "payout.updated",
    "payout.paid",
    "payout.failed",
    "payout.canceled",
    "order.created",
    "order.updated",
    "conversation.created",
    "conversation.updated",
    "conversation.message_created",
    "conversation.assigned",
    "conversation.handoff",
    "conversation.resolved",
    "conversation.sla_breached",
    "conversation.csat_submitted",
    ENDPOINT_DISABLED_EVENT,
];

/// The event written when an endpoint is disabled after failing for too long.
pub const ENDPOINT_DISABLED_EVENT: &str = "webhook_endpoint.disabled";

/// `enabled_events` entry that selects every event type.
pub const ALL_EVENTS: &str = "*";

pub fn is_known_event_type(event_type: &str) -> bool {
    EVENT_TYPES.contains(&event_type)
}

/// Whether an endpoint listening to `enabled_events` wants an event of `event_type`.
pub fn wants(enabled_events: &[String], event_type: &str) -> bool {
    enabled_events.iter().any(|enabled| enabled == ALL_EVENTS || enabled == event_type)
}

/// Longest endpoint URL accepted.
pub const URL_LENGTH_MAX: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("must start with http:// or https://")]
    Scheme,
    #[error("must be at most 2048 characters")]
    TooLong,
    #[error("must name a host")]
    MissingHost,
    #[error("must not contain spaces, control characters or a fragment (#)")]
    BadCharacter,
    #[error("must not carry credentials (user:password@)")]
    Credentials,
}

/// Checks an endpoint URL: http or https, a host, printable ASCII without spaces,
/// no fragment, no credentials, bounded length.
pub fn check_url(url: &str) -> Result<(), UrlError> {
    if url.len() > URL_LENGTH_MAX {
        return Err(UrlError::TooLong);
    }
    let lower = url.to_ascii_lowercase();
    let rest = if let Some(rest) = lower.strip_prefix("https://") {
        rest
    } else if let Some(rest) = lower.strip_prefix("http://") {
        rest
    } else {
        return Err(UrlError::Scheme);
    };
    if url.bytes().any(|byte| !byte.is_ascii_graphic() || byte == b'#') {
        return Err(UrlError::BadCharacter);
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(UrlError::Credentials);
    }
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return Err(UrlError::MissingHost);
    }
    Ok(())
}

/// Random bytes in a secret.
const SECRET_BYTES: usize = 24;
const SECRET_PREFIX: &str = "whsec_";

/// An endpoint's signing secret, `whsec_` + base64 of the key. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a webhook secret is `whsec_` and base64")]
pub struct SecretError;

impl WebhookSecret {
    pub fn generate() -> Self {
        let key: [u8; SECRET_BYTES] = rand::random();
        WebhookSecret(format!("{SECRET_PREFIX}{}", STANDARD.encode(key)))
    }

    pub fn parse(value: &str) -> Result<Self, SecretError> {
        let body = value.strip_prefix(SECRET_PREFIX).ok_or(SecretError)?;
        match STANDARD.decode(body) {
            Ok(key) if !key.is_empty() => Ok(WebhookSecret(value.to_owned())),
            _ => Err(SecretError),
        }
    }

    /// The secret as shown to the merchant once (on create and rotate) and stored.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The HMAC key: the base64-decoded part after `whsec_`.
    fn key(&self) -> Vec<u8> {
        // `parse` and `generate` guarantee the body decodes.
        STANDARD.decode(self.0.trim_start_matches(SECRET_PREFIX)).unwrap_or_default()
    }

    /// `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")).
    pub fn sign(&self, message_id: &str, timestamp: i64, body: &[u8]) -> String {
        let key = self.key();
        let mut mac = match Hmac::<Sha256>::new_from_slice(&key) {
            Ok(mac) => mac,
            // HMAC takes keys of any length.
            Err(_) => return String::new(),
        };
        mac.update(message_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("whsec_[redacted]")
    }
}

/// The `webhook-signature` header: one `v1,` signature per secret, space-separated
/// (during a rotation's overlap, the new secret's first, then the old one's).
pub fn signature_header(secrets: &[&WebhookSecret], message_id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets.iter().map(|secret| secret.sign(message_id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

/// Seconds before each attempt, counted from the previous one: immediately, 5 s,
/// 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (Svix's schedule, about 27.6 hours in all).
pub const RETRY_DELAYS_SECONDS: [i64; 8] = [0, 5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];

/// Attempts before a delivery is `failed`.
pub const ATTEMPTS_MAX: i64 = RETRY_DELAYS_SECONDS.len() as i64;

/// Seconds to wait after `attempts_made` failed attempts, or `None` when they were the
/// last (the delivery has failed).
pub fn retry_delay_seconds(attempts_made: i64) -> Option<i64> {
    usize::try_from(attempts_made).ok().and_then(|index| RETRY_DELAYS_SECONDS.get(index)).copied()
}

/// An endpoint whose deliveries have failed without a success for this long is disabled.
pub const DISABLE_AFTER_FAILING_SECONDS: i64 = 5 * 86_400;

/// How long the old secret still signs after a rotation: default 24 h, at most 7 days.
pub const ROTATION_OVERLAP_SECONDS_DEFAULT: i64 = 86_400;
pub const ROTATION_OVERLAP_SECONDS_MAX: i64 = 7 * 86_400;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_standard_webhooks_test_vector() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signature = secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, br#"{"test": 2432232314}"#);
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert_eq!(format!("{secret:?}"), "whsec_[redacted]");
    }

    #[test]
    fn generated_secrets_are_24_random_bytes() {
        let first = WebhookSecret::generate();
        assert_ne!(first, WebhookSecret::generate());
        assert_eq!(first.key().len(), 24);
        assert_eq!(WebhookSecret::parse(first.expose()), Ok(first));
        assert!(WebhookSecret::parse("whsec_!!").is_err());
        assert!(WebhookSecret::parse("secret").is_err());
    }

    #[test]
    fn urls() {
        assert_eq!(check_url("https://example.com/hooks?x=1"), Ok(()));
        assert_eq!(check_url("http://127.0.0.1:8080/"), Ok(()));
        assert_eq!(check_url("http://[::1]:8080/"), Ok(()));
        assert_eq!(check_url("ftp://example.com"), Err(UrlError::Scheme));
        assert_eq!(check_url("https://"), Err(UrlError::MissingHost));
        assert_eq!(check_url("https://:80/x"), Err(UrlError::MissingHost));
        assert_eq!(check_url("https://a b.com"), Err(UrlError::BadCharacter));
        assert_eq!(check_url("https://example.com/#x"), Err(UrlError::BadCharacter));
        assert_eq!(check_url("https://user:pw@example.com"), Err(UrlError::Credentials));
        assert_eq!(check_url(&format!("https://example.com/{}", "a".repeat(2048))), Err(UrlError::TooLong));
    }

    #[test]
    fn retry_schedule_ends_after_eight_attempts() {
        assert_eq!(retry_delay_seconds(1), Some(5));
        assert_eq!(retry_delay_seconds(7), Some(36_000));
        assert_eq!(retry_delay_seconds(8), None);
        assert!(wants(&["*".to_owned()], "refund.created"));
        assert!(!wants(&["refund.created".to_owned()], "refund.failed"));
    }
}
