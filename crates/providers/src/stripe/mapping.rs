//! Stripe's objects and errors in Tradewind's words, each by an exhaustive `match`.
//!
//! Declines are hard (never retried on another connector) when the card or account
//! cannot be charged by anyone: lost, stolen, fraud, blocked, invalid or expired
//! details, revoked authorisations, a duplicate (it already went through). They are
//! soft (retriable) when another route or a later try may be approved: generic
//! refusals, issuer or processor trouble.
//!
//! `insufficient_funds`, `card_velocity_exceeded` and `withdrawal_count_limit_exceeded`
//! are treated as **hard**: the issuer answers from the cardholder's balance and
//! limits, which no other connector changes within the same checkout, and every extra
//! decline counts against the merchant's retry allowance with the card networks. The
//! buyer may pay another way; Tradewind does not retry silently.
//!
//! An undocumented decline code is **soft**: every documented fraud and invalid-card
//! code is on the hard list, and a refusal nobody can read is likelier a transient one.

use super::amount::{AmountError, from_stripe};
use super::wire::{self, DeclineCode, ErrorType, NextActionType, PaymentIntentStatus, RefundStatus};
use crate::error::{Decline, ProviderError};
use crate::payment::{ProviderPayment, ProviderPaymentStatus, ProviderRefund, ProviderRefundStatus};
use tradewind_money::{Currency, Money};

/// The metadata key that carries Tradewind's attempt id.
pub const REFERENCE_METADATA_KEY: &str = "tradewind_attempt";

/// Whether another connector may retry a payment Stripe declined with this code.
pub fn decline_retriable(code: &DeclineCode) -> bool {
    match code {
        DeclineCode::ApproveWithId
        | DeclineCode::CallIssuer
        | DeclineCode::DoNotHonor
        | DeclineCode::GenericDecline
        | DeclineCode::IssuerNotAvailable
        | DeclineCode::NoActionTaken
        | DeclineCode::ProcessingError
        | DeclineCode::ReenterTransaction
        | DeclineCode::TryAgainLater
        | DeclineCode::Unknown(_) => true,
        DeclineCode::AuthenticationRequired
        | DeclineCode::CardNotSupported
        | DeclineCode::CardVelocityExceeded
        | DeclineCode::CurrencyNotSupported
        | DeclineCode::DoNotTryAgain
        | DeclineCode::DuplicateTransaction
        | DeclineCode::ExpiredCard
        | DeclineCode::Fraudulent
        | DeclineCode::IncorrectNumber
        | DeclineCode::IncorrectCvc
        | DeclineCode::IncorrectPin
        | DeclineCode::IncorrectZip
        | DeclineCode::InsufficientFunds
        | DeclineCode::InvalidAccount
        | DeclineCode::InvalidAmount
        | DeclineCode::InvalidCvc
        | DeclineCode::InvalidExpiryMonth
        | DeclineCode::InvalidExpiryYear
        | DeclineCode::InvalidNumber
        | DeclineCode::InvalidPin
        | DeclineCode::LostCard
        | DeclineCode::MerchantBlacklist
        | DeclineCode::NewAccountInformationAvailable
        | DeclineCode::NotPermitted
        | DeclineCode::OfflinePinRequired
        | DeclineCode::OnlineOrOfflinePinRequired
        | DeclineCode::PickupCard
        | DeclineCode::PinTryExceeded
        | DeclineCode::RestrictedCard
        | DeclineCode::RevocationOfAllAuthorizations
        | DeclineCode::RevocationOfAuthorization
        | DeclineCode::SecurityViolation
        | DeclineCode::ServiceNotAllowed
        | DeclineCode::StolenCard
        | DeclineCode::StopPaymentOrder
        | DeclineCode::TestmodeDecline
        | DeclineCode::TransactionNotAllowed
        | DeclineCode::WithdrawalCountLimitExceeded => false,
    }
}

/// The error code of a failed 3-D Secure challenge (it has no `decline_code`).
pub const AUTHENTICATION_FAILURE: &str = "payment_intent_authentication_failure";

/// A card error as a decline: classified by `decline_code`, or by `code` when Stripe
/// gives none (`expired_card`, `incorrect_cvc` come that way). A failed 3-D Secure
/// challenge is hard: only the buyer can try again, by authenticating.
pub fn decline(error: &wire::ErrorObject, payment_id: Option<String>) -> Decline {
    let code = error.code.clone().unwrap_or_else(|| "card_declined".to_owned());
    let retriable = match (&error.decline_code, code.as_str()) {
        (Some(decline_code), _) => decline_retriable(&DeclineCode::parse(decline_code)),
        (None, AUTHENTICATION_FAILURE) => false,
        (None, code) => decline_retriable(&DeclineCode::parse(code)),
    };
    Decline {
        retriable,
        code,
        decline_code: error.decline_code.clone(),
        message: error.message.clone().unwrap_or_else(|| "The card was declined.".to_owned()),
        payment_id,
        redirect_url: None,
    }
}

fn status(intent: &wire::PaymentIntent) -> ProviderPaymentStatus {
    match &intent.status {
        PaymentIntentStatus::RequiresPaymentMethod => match &intent.last_payment_error {
            Some(error) => ProviderPaymentStatus::Failed(decline(error, Some(intent.id.clone()))),
            None => ProviderPaymentStatus::Incomplete,
        },
        PaymentIntentStatus::RequiresConfirmation => ProviderPaymentStatus::Approved,
        PaymentIntentStatus::RequiresAction => ProviderPaymentStatus::RequiresAction { redirect_url: redirect(intent) },
        PaymentIntentStatus::Processing => ProviderPaymentStatus::Processing,
        PaymentIntentStatus::RequiresCapture => ProviderPaymentStatus::Authorized,
        PaymentIntentStatus::Canceled => ProviderPaymentStatus::Canceled,
        PaymentIntentStatus::Succeeded => ProviderPaymentStatus::Succeeded,
        PaymentIntentStatus::Unknown(other) => {
            // Not final as far as we know: a later retrieve or webhook will say more.
            tracing::warn!(status = %other, payment_intent = %intent.id, "undocumented PaymentIntent status");
            ProviderPaymentStatus::Processing
        }
    }
}

/// The redirect a `requires_action` intent asks for, if it is one.
fn redirect(intent: &wire::PaymentIntent) -> Option<String> {
    let action = intent.next_action.as_ref()?;
    match &action.kind {
        NextActionType::RedirectToUrl => action.redirect_to_url.as_ref().and_then(|redirect| redirect.url.clone()),
        NextActionType::UseStripeSdk | NextActionType::Unknown(_) => None,
    }
}

fn currency(code: &str, status: u16) -> Result<Currency, ProviderError> {
    Currency::parse(code).map_err(|error| ProviderError::unexpected(status, error))
}

fn money(amount: i64, currency: Currency, status: u16) -> Result<Money, ProviderError> {
    from_stripe(amount, currency).map_err(|error: AmountError| ProviderError::unexpected(status, error))
}

/// A Stripe `amount` in the `currency` it names (`"usd"`).
pub fn amount(amount: i64, currency_code: &str, status: u16) -> Result<Money, ProviderError> {
    money(amount, currency(currency_code, status)?, status)
}

/// A PaymentIntent as a [`ProviderPayment`]; `http_status` is the answer's, for errors.
pub fn payment(intent: &wire::PaymentIntent, http_status: u16) -> Result<ProviderPayment, ProviderError> {
    let currency = currency(&intent.currency, http_status)?;
    Ok(ProviderPayment {
        provider_id: intent.id.clone(),
        status: status(intent),
        amount: money(intent.amount, currency, http_status)?,
        amount_received: money(intent.amount_received, currency, http_status)?,
        amount_capturable: money(intent.amount_capturable, currency, http_status)?,
        charge_id: intent.latest_charge.as_ref().map(|charge| charge.id().to_owned()),
        reference: intent.metadata.get(REFERENCE_METADATA_KEY).cloned(),
    })
}

pub fn refund(refund: &wire::Refund, http_status: u16) -> Result<ProviderRefund, ProviderError> {
    let currency = currency(&refund.currency, http_status)?;
    let status = match &refund.status {
        RefundStatus::Pending | RefundStatus::RequiresAction => ProviderRefundStatus::Pending,
        RefundStatus::Succeeded => ProviderRefundStatus::Succeeded,
        RefundStatus::Failed => ProviderRefundStatus::Failed,
        RefundStatus::Canceled => ProviderRefundStatus::Canceled,
        RefundStatus::Unknown(other) => {
            tracing::warn!(status = %other, refund = %refund.id, "undocumented refund status");
            ProviderRefundStatus::Pending
        }
    };
    Ok(ProviderRefund {
        id: refund.id.clone(),
        status,
        amount: money(refund.amount, currency, http_status)?,
        payment_id: refund.payment_intent.clone(),
        charge_id: refund.charge.clone(),
        failure_reason: refund.failure_reason.clone(),
    })
}

/// A non-2xx answer as an error: by HTTP status where it is unambiguous, then by the
/// error's `type`.
pub fn error(http_status: u16, body: &[u8]) -> ProviderError {
    let Ok(wire::ErrorBody { error }) = serde_json::from_slice::<wire::ErrorBody>(body) else {
        let message = "no Stripe error object in the answer".to_owned();
        return ProviderError::from_http_status(http_status, format!("http_{http_status}"), message);
    };
    let message = error.message.clone().unwrap_or_default();
    let code = error.code.clone().unwrap_or_else(|| error.kind.as_str().to_owned());
    match (http_status, &error.kind) {
        (401, _) | (_, ErrorType::AuthenticationError) => ProviderError::Authentication { message },
        (429, _) | (_, ErrorType::RateLimitError) => ProviderError::RateLimited,
        (409, _) => ProviderError::InProgress,
        (_, ErrorType::CardError) => {
            let payment_id = error.payment_intent.as_ref().map(|intent| intent.id.clone());
            ProviderError::Declined(Box::new(decline(&error, payment_id)))
        }
        (404, ErrorType::InvalidRequestError) => ProviderError::NotFound { message },
        (_, ErrorType::InvalidRequestError | ErrorType::IdempotencyError) => {
            ProviderError::InvalidRequest { code, message }
        }
        (_, ErrorType::ApiError) => ProviderError::Unavailable { status: http_status },
        (_, ErrorType::Unknown(_)) => ProviderError::from_http_status(http_status, code, message),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn card_error(code: &str, decline_code: Option<&str>) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "error": { "type": "card_error", "code": code, "decline_code": decline_code, "message": "Declined." }
        }))
        .unwrap()
    }

    fn retriable(code: &str, decline_code: Option<&str>) -> bool {
        match error(402, &card_error(code, decline_code)) {
            ProviderError::Declined(decline) => decline.retriable,
            other => panic!("not a decline: {other:?}"),
        }
    }

    #[test]
    fn hard_declines_are_never_retried() {
        for code in [
            "stolen_card",
            "lost_card",
            "fraudulent",
            "merchant_blacklist",
            "pickup_card",
            "restricted_card",
            "incorrect_number",
            "invalid_number",
            "invalid_account",
            "expired_card",
            "incorrect_cvc",
            "security_violation",
            "insufficient_funds",
            "do_not_try_again",
        ] {
            assert!(!retriable("card_declined", Some(code)), "{code}");
        }
        // Stripe sends some without a decline code.
        assert!(!retriable("expired_card", None));
        assert!(!retriable("incorrect_cvc", None));
        assert!(!retriable(AUTHENTICATION_FAILURE, None));
    }

    #[test]
    fn soft_declines_may_be_retried() {
        for code in [
            "generic_decline",
            "do_not_honor",
            "try_again_later",
            "processing_error",
            "issuer_not_available",
            "reenter_transaction",
            "approve_with_id",
            "call_issuer",
            "a_code_stripe_adds_next_year",
        ] {
            assert!(retriable("card_declined", Some(code)), "{code}");
        }
        assert!(retriable("processing_error", None));
    }

    #[test]
    fn errors_by_type_and_status() {
        let body =
            |kind: &str| serde_json::to_vec(&serde_json::json!({"error": {"type": kind, "message": "m"}})).unwrap();
        assert!(matches!(error(401, &body("invalid_request_error")), ProviderError::Authentication { .. }));
        assert!(matches!(error(404, &body("invalid_request_error")), ProviderError::NotFound { .. }));
        assert!(matches!(error(400, &body("idempotency_error")), ProviderError::InvalidRequest { .. }));
        assert!(matches!(error(409, &body("idempotency_error")), ProviderError::InProgress));
        assert!(matches!(error(429, &body("invalid_request_error")), ProviderError::RateLimited));
        assert_eq!(error(500, &body("api_error")), ProviderError::Unavailable { status: 500 });
        assert_eq!(error(502, b"<html>bad gateway</html>"), ProviderError::Unavailable { status: 502 });
        assert!(matches!(error(400, &body("brand_new_error")), ProviderError::InvalidRequest { .. }));
    }
}
