//! What can go wrong in a provider call, classified for failover.
//!
//! Two questions decide what the integrator does next:
//!
//! - [`ProviderError::is_retriable`]: may the same payment be tried again (on another
//!   connector, or later)? Hard declines (stolen, lost, fraud, invalid number…), bad
//!   requests and bad credentials never are.
//! - [`ProviderError::is_ambiguous`]: may the money have moved even though no answer
//!   says so (a timeout after the request left, a dropped connection, an answer that
//!   could not be read)? Then the integrator retrieves the payment (or waits for its
//!   webhook) before it fails over, or it may charge twice.

/// A provider's refusal of a payment: the card, the issuer or the buyer's account said
/// no.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decline {
    /// The provider's error code (`card_declined`, `expired_card`, `INSTRUMENT_DECLINED`).
    pub code: String,
    /// The issuer's reason, when the provider gives one (Stripe `decline_code`:
    /// `stolen_card`, `insufficient_funds`).
    pub decline_code: Option<String>,
    /// A message fit for the buyer.
    pub message: String,
    /// Whether another connector may try the same payment: `false` for hard declines.
    pub retriable: bool,
    /// The provider's payment the decline belongs to (a Stripe PaymentIntent created
    /// and declined in one call), so the attempt can record it.
    pub payment_id: Option<String>,
    /// Where the buyer can choose another funding source (PayPal's `redirect` link on
    /// `INSTRUMENT_DECLINED`): retriable by the buyer, never silently.
    pub redirect_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("declined: {} ({})", .0.message, .0.decline_code.as_deref().unwrap_or(&.0.code))]
    /// Boxed: a decline carries several strings, and errors travel in every `Result`.
    Declined(Box<Decline>),
    #[error("the provider refused the request ({code}): {message}")]
    InvalidRequest { code: String, message: String },
    #[error("the provider has no such object: {message}")]
    NotFound { message: String },
    /// The buyer has not approved yet, or must act again (PayPal `ORDER_NOT_APPROVED`,
    /// `PAYER_ACTION_REQUIRED`).
    #[error("the buyer must act first ({code}): {message}")]
    PayerActionRequired { code: String, message: String },
    /// Bad or missing credentials, or a key without the permission.
    #[error("the provider refused the credentials: {message}")]
    Authentication { message: String },
    #[error("the provider is rate limiting requests")]
    RateLimited,
    /// Another request with the same idempotency key is still running (Stripe and
    /// PayPal answer 409): it may yet take the money.
    #[error("another request with the same idempotency key is in progress")]
    InProgress,
    /// A 5xx: the provider failed. Stripe and PayPal save responses only once the
    /// operation began, so a retry under the same key is safe.
    #[error("the provider is unavailable (HTTP {status})")]
    Unavailable { status: u16 },
    /// No answer within the timeout. The request may have been carried out.
    #[error("no answer from the provider within the timeout")]
    Timeout,
    /// The connection failed. `request_sent` is false when it never opened, so
    /// nothing can have happened at the provider.
    #[error("network error talking to the provider: {message}")]
    Network { message: String, request_sent: bool },
    /// An answer this crate cannot read (not the documented shape, or too large).
    #[error("unexpected answer from the provider (HTTP {status}): {message}")]
    UnexpectedResponse { status: u16, message: String },
}

impl ProviderError {
    /// Whether the same payment may be tried again, on another connector or later.
    pub fn is_retriable(&self) -> bool {
        match self {
            ProviderError::Declined(decline) => decline.retriable,
            ProviderError::RateLimited
            | ProviderError::InProgress
            | ProviderError::Unavailable { .. }
            | ProviderError::Timeout
            | ProviderError::Network { .. }
            | ProviderError::UnexpectedResponse { .. } => true,
            ProviderError::InvalidRequest { .. }
            | ProviderError::NotFound { .. }
            | ProviderError::PayerActionRequired { .. }
            | ProviderError::Authentication { .. } => false,
        }
    }

    /// Whether the money may have moved although no answer says so. Sync (retrieve
    /// the payment, or wait for its webhook) before failing over.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            ProviderError::Timeout | ProviderError::InProgress | ProviderError::UnexpectedResponse { .. } => true,
            ProviderError::Network { request_sent, .. } => *request_sent,
            ProviderError::Declined(_)
            | ProviderError::InvalidRequest { .. }
            | ProviderError::NotFound { .. }
            | ProviderError::PayerActionRequired { .. }
            | ProviderError::Authentication { .. }
            | ProviderError::RateLimited
            | ProviderError::Unavailable { .. } => false,
        }
    }

    /// An answer (or event) that is not the documented shape.
    pub(crate) fn unexpected(status: u16, message: impl ToString) -> Self {
        ProviderError::UnexpectedResponse { status, message: message.to_string() }
    }

    /// An error answer by its HTTP status alone, when its body says no more.
    pub(crate) fn from_http_status(status: u16, code: String, message: String) -> Self {
        match status {
            401 | 403 => ProviderError::Authentication { message },
            404 => ProviderError::NotFound { message },
            409 => ProviderError::InProgress,
            429 => ProviderError::RateLimited,
            500..=599 => ProviderError::Unavailable { status },
            400..=499 => ProviderError::InvalidRequest { code, message },
            _ => ProviderError::UnexpectedResponse { status, message },
        }
    }
}

/// Reads an event's object in its documented shape.
pub(crate) fn read_object<T: serde::de::DeserializeOwned>(object: &serde_json::Value) -> Result<T, ProviderError> {
    T::deserialize(object).map_err(|error| ProviderError::unexpected(200, error))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decline(retriable: bool) -> ProviderError {
        ProviderError::Declined(Box::new(Decline {
            code: "card_declined".into(),
            decline_code: Some("stolen_card".into()),
            message: "Your card was declined.".into(),
            retriable,
            payment_id: None,
            redirect_url: None,
        }))
    }

    #[test]
    fn declines_follow_their_classification() {
        assert!(!decline(false).is_retriable());
        assert!(decline(true).is_retriable());
        assert!(!decline(true).is_ambiguous());
    }

    #[test]
    fn only_unanswered_requests_are_ambiguous() {
        assert!(ProviderError::Timeout.is_ambiguous());
        assert!(ProviderError::Network { message: String::new(), request_sent: true }.is_ambiguous());
        assert!(!ProviderError::Network { message: String::new(), request_sent: false }.is_ambiguous());
        assert!(!ProviderError::Unavailable { status: 503 }.is_ambiguous());
        assert!(!ProviderError::Authentication { message: String::new() }.is_retriable());
    }
}
