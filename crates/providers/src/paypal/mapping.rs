//! PayPal's orders, captures, authorisations, refunds and errors in Tradewind's
//! words, each by an exhaustive `match`.
//!
//! A PayPal decline is never retriable by failover: the buyer chose PayPal and
//! approved a funding source; another connector cannot charge it. The buyer may pick
//! another funding source at PayPal (`INSTRUMENT_DECLINED` comes with a `redirect`
//! link), which is [`Decline::redirect_url`].

use super::amount::{AmountError, from_value};
use super::wire::{self, AuthorizationStatus, CaptureStatus, ErrorName, Issue, OrderStatus, RefundStatus, link};
use crate::error::{Decline, ProviderError};
use crate::payment::{ProviderPayment, ProviderPaymentStatus, ProviderRefund, ProviderRefundStatus};
use tradewind_money::Money;

fn unexpected(status: u16, message: impl ToString) -> ProviderError {
    ProviderError::unexpected(status, message)
}

pub fn money(amount: &wire::Amount, http_status: u16) -> Result<Money, ProviderError> {
    from_value(&amount.currency_code, &amount.value).map_err(|error: AmountError| unexpected(http_status, error))
}

fn declined(code: &str, reason: Option<&wire::StatusDetails>, payment_id: Option<String>) -> Decline {
    Decline {
        code: code.to_owned(),
        decline_code: reason.and_then(|details| details.reason.clone()),
        message: "PayPal declined the payment.".to_owned(),
        retriable: false,
        payment_id,
        redirect_url: None,
    }
}

fn capture_status(capture: &wire::Capture, payment_id: Option<String>) -> ProviderPaymentStatus {
    match &capture.status {
        CaptureStatus::Completed | CaptureStatus::PartiallyRefunded | CaptureStatus::Refunded => {
            ProviderPaymentStatus::Succeeded
        }
        CaptureStatus::Pending => ProviderPaymentStatus::Processing,
        CaptureStatus::Declined | CaptureStatus::Failed => ProviderPaymentStatus::Failed(declined(
            capture.status.as_str(),
            capture.status_details.as_ref(),
            payment_id,
        )),
        CaptureStatus::Unknown(other) => {
            tracing::warn!(status = %other, capture = %capture.id, "undocumented PayPal capture status");
            ProviderPaymentStatus::Processing
        }
    }
}

fn authorization_status(authorization: &wire::Authorization, payment_id: Option<String>) -> ProviderPaymentStatus {
    match &authorization.status {
        AuthorizationStatus::Created => ProviderPaymentStatus::Authorized,
        AuthorizationStatus::Captured | AuthorizationStatus::PartiallyCaptured => ProviderPaymentStatus::Succeeded,
        AuthorizationStatus::Pending => ProviderPaymentStatus::Processing,
        AuthorizationStatus::Denied => ProviderPaymentStatus::Failed(declined(
            authorization.status.as_str(),
            authorization.status_details.as_ref(),
            payment_id,
        )),
        AuthorizationStatus::Voided | AuthorizationStatus::Expired => ProviderPaymentStatus::Canceled,
        AuthorizationStatus::Unknown(other) => {
            tracing::warn!(status = %other, authorization = %authorization.id, "undocumented PayPal authorization status");
            ProviderPaymentStatus::Processing
        }
    }
}

fn order_status(order: &wire::Order, payments: &wire::Payments) -> ProviderPaymentStatus {
    let approval = || link(&order.links, "payer-action").or_else(|| link(&order.links, "approve")).map(str::to_owned);
    match &order.status {
        OrderStatus::Created | OrderStatus::PayerActionRequired => {
            ProviderPaymentStatus::RequiresAction { redirect_url: approval() }
        }
        OrderStatus::Saved | OrderStatus::Approved => ProviderPaymentStatus::Approved,
        OrderStatus::Voided => ProviderPaymentStatus::Canceled,
        OrderStatus::Completed => {
            if let Some(capture) = payments.captures.last() {
                capture_status(capture, Some(order.id.clone()))
            } else if let Some(authorization) = payments.authorizations.last() {
                authorization_status(authorization, Some(order.id.clone()))
            } else {
                tracing::warn!(order = %order.id, "a completed PayPal order without captures or authorizations");
                ProviderPaymentStatus::Processing
            }
        }
        OrderStatus::Unknown(other) => {
            tracing::warn!(status = %other, order = %order.id, "undocumented PayPal order status");
            ProviderPaymentStatus::Processing
        }
    }
}

fn captured(capture: &wire::Capture) -> bool {
    match &capture.status {
        CaptureStatus::Completed | CaptureStatus::PartiallyRefunded | CaptureStatus::Refunded => true,
        CaptureStatus::Pending | CaptureStatus::Declined | CaptureStatus::Failed | CaptureStatus::Unknown(_) => false,
    }
}

fn sum<'a>(amounts: impl Iterator<Item = &'a wire::Amount>, zero: Money, status: u16) -> Result<Money, ProviderError> {
    amounts.into_iter().try_fold(zero, |total, amount| {
        total.checked_add(money(amount, status)?).map_err(|error| unexpected(status, error))
    })
}

/// An order (with `Prefer: return=representation`, so its purchase unit is there).
pub fn order(order: &wire::Order, http_status: u16) -> Result<ProviderPayment, ProviderError> {
    let unit =
        order.purchase_units.first().ok_or_else(|| unexpected(http_status, "an order without purchase units"))?;
    let amount = money(unit.amount.as_ref().ok_or_else(|| unexpected(http_status, "no amount"))?, http_status)?;
    let payments = unit.payments.clone().unwrap_or_default();
    let zero = Money::zero(amount.currency());
    let received = payments.captures.iter().filter(|capture| captured(capture));
    let received = received.filter_map(|capture| capture.amount.as_ref());
    let capturable =
        payments.authorizations.iter().filter(|authorization| authorization.status == AuthorizationStatus::Created);
    let capturable = capturable.filter_map(|authorization| authorization.amount.as_ref());
    let charge_id = payments
        .captures
        .last()
        .map(|capture| capture.id.clone())
        .or_else(|| payments.authorizations.last().map(|authorization| authorization.id.clone()));
    Ok(ProviderPayment {
        provider_id: order.id.clone(),
        status: order_status(order, &payments),
        amount,
        amount_received: sum(received, zero, http_status)?,
        amount_capturable: sum(capturable, zero, http_status)?,
        charge_id,
        reference: unit.custom_id.clone(),
    })
}

/// A capture on its own (a webhook's resource, or the capture of an authorisation):
/// the payment is its order when PayPal names it, the capture otherwise.
pub fn capture(capture: &wire::Capture, http_status: u16) -> Result<ProviderPayment, ProviderError> {
    let amount = money(capture.amount.as_ref().ok_or_else(|| unexpected(http_status, "no amount"))?, http_status)?;
    let provider_id = capture.supplementary_data.related_ids.order_id.clone().unwrap_or_else(|| capture.id.clone());
    let status = capture_status(capture, Some(provider_id.clone()));
    let received = if captured(capture) { amount } else { Money::zero(amount.currency()) };
    Ok(ProviderPayment {
        provider_id,
        status,
        amount,
        amount_received: received,
        amount_capturable: Money::zero(amount.currency()),
        charge_id: Some(capture.id.clone()),
        reference: capture.custom_id.clone(),
    })
}

/// An authorisation on its own (a webhook's resource).
pub fn authorization(authorization: &wire::Authorization, http_status: u16) -> Result<ProviderPayment, ProviderError> {
    let amount = authorization.amount.as_ref().ok_or_else(|| unexpected(http_status, "no amount"))?;
    let amount = money(amount, http_status)?;
    let provider_id =
        authorization.supplementary_data.related_ids.order_id.clone().unwrap_or_else(|| authorization.id.clone());
    let status = authorization_status(authorization, Some(provider_id.clone()));
    let capturable = if status == ProviderPaymentStatus::Authorized { amount } else { Money::zero(amount.currency()) };
    Ok(ProviderPayment {
        provider_id,
        status,
        amount,
        amount_received: Money::zero(amount.currency()),
        amount_capturable: capturable,
        charge_id: Some(authorization.id.clone()),
        reference: authorization.custom_id.clone(),
    })
}

/// The id at the end of a link such as `…/v2/payments/captures/{id}`.
pub fn last_segment(href: &str) -> Option<String> {
    href.trim_end_matches('/').rsplit('/').next().filter(|segment| !segment.is_empty()).map(str::to_owned)
}

/// A refund; `requested` is the amount asked for, used when PayPal's answer is the
/// minimal one without `amount`.
pub fn refund(
    refund: &wire::Refund,
    requested: Option<Money>,
    http_status: u16,
) -> Result<ProviderRefund, ProviderError> {
    let amount = match (&refund.amount, requested) {
        (Some(amount), _) => money(amount, http_status)?,
        (None, Some(requested)) => requested,
        (None, None) => return Err(unexpected(http_status, "a refund without an amount")),
    };
    let status = match &refund.status {
        RefundStatus::Completed => ProviderRefundStatus::Succeeded,
        RefundStatus::Pending => ProviderRefundStatus::Pending,
        RefundStatus::Failed => ProviderRefundStatus::Failed,
        RefundStatus::Cancelled => ProviderRefundStatus::Canceled,
        RefundStatus::Unknown(other) => {
            tracing::warn!(status = %other, refund = %refund.id, "undocumented PayPal refund status");
            ProviderRefundStatus::Pending
        }
    };
    Ok(ProviderRefund {
        id: refund.id.clone(),
        status,
        amount,
        payment_id: None,
        charge_id: link(&refund.links, "up").and_then(last_segment),
        failure_reason: refund.status_details.as_ref().and_then(|details| details.reason.clone()),
    })
}

/// What an error's first issue means, when it decides more than its name does.
fn by_issue(body: &wire::ErrorBody, message: String) -> Option<ProviderError> {
    let detail = body.details.first()?;
    let code = detail.issue.as_str().to_owned();
    let message = detail.description.clone().unwrap_or(message);
    match &detail.issue {
        Issue::InstrumentDeclined
        | Issue::TransactionRefused
        | Issue::PayerCannotPay
        | Issue::MaxNumberOfPaymentAttemptsExceeded
        | Issue::CardExpired => Some(ProviderError::Declined(Box::new(Decline {
            code,
            decline_code: None,
            message,
            retriable: false,
            payment_id: None,
            redirect_url: link(&body.links, "redirect").map(str::to_owned),
        }))),
        Issue::OrderNotApproved | Issue::PayerActionRequired => {
            Some(ProviderError::PayerActionRequired { code, message })
        }
        Issue::DuplicateRequestId => Some(ProviderError::InProgress),
        Issue::DuplicateInvoiceId
        | Issue::OrderAlreadyCaptured
        | Issue::OrderAlreadyAuthorized
        | Issue::AuthorizationVoided
        | Issue::AuthorizationExpired
        | Issue::CaptureFullyRefunded
        | Issue::RefundAmountExceeded
        | Issue::DecimalPrecision
        | Issue::CurrencyNotSupported
        | Issue::InvalidParameterValue
        | Issue::MissingRequiredParameter
        | Issue::Unknown(_) => None,
    }
}

/// A non-2xx answer as an error.
pub fn error(http_status: u16, body: &[u8]) -> ProviderError {
    let Ok(parsed) = serde_json::from_slice::<wire::ErrorBody>(body) else {
        return oauth_error(http_status, body);
    };
    let message = parsed.message.clone().unwrap_or_default();
    if let Some(error) = by_issue(&parsed, message.clone()) {
        return error;
    }
    let code = parsed.details.first().map(|detail| detail.issue.as_str()).unwrap_or(parsed.name.as_str()).to_owned();
    match &parsed.name {
        ErrorName::AuthenticationFailure | ErrorName::NotAuthorized => ProviderError::Authentication { message },
        ErrorName::ResourceNotFound => ProviderError::NotFound { message },
        ErrorName::RateLimitReached => ProviderError::RateLimited,
        ErrorName::InternalServerError | ErrorName::ServiceUnavailable => {
            ProviderError::Unavailable { status: http_status }
        }
        ErrorName::InvalidRequest
        | ErrorName::UnprocessableEntity
        | ErrorName::MethodNotSupported
        | ErrorName::MediaTypeNotAcceptable
        | ErrorName::UnsupportedMediaType => ProviderError::InvalidRequest { code, message },
        ErrorName::Unknown(_) => ProviderError::from_http_status(http_status, code, message),
    }
}

/// The token endpoint's `{error, error_description}`, or a body that is neither.
fn oauth_error(http_status: u16, body: &[u8]) -> ProviderError {
    match serde_json::from_slice::<wire::OAuthError>(body) {
        Ok(oauth) => {
            let message = oauth.error_description.unwrap_or_default();
            ProviderError::from_http_status(http_status, oauth.error, message)
        }
        Err(_) => {
            let message = "no PayPal error in the answer".to_owned();
            ProviderError::from_http_status(http_status, format!("http_{http_status}"), message)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(name: &str, issue: Option<&str>) -> Vec<u8> {
        let details: Vec<_> = issue.into_iter().map(|issue| json!({"issue": issue, "description": "d"})).collect();
        serde_json::to_vec(&json!({"name": name, "message": "m", "debug_id": "f00", "details": details})).unwrap()
    }

    #[test]
    fn errors_by_issue_then_name() {
        match error(422, &body("UNPROCESSABLE_ENTITY", Some("INSTRUMENT_DECLINED"))) {
            ProviderError::Declined(decline) => {
                assert_eq!(decline.code, "INSTRUMENT_DECLINED");
                assert!(!decline.retriable);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            error(422, &body("UNPROCESSABLE_ENTITY", Some("ORDER_NOT_APPROVED"))),
            ProviderError::PayerActionRequired { .. }
        ));
        assert!(matches!(
            error(422, &body("UNPROCESSABLE_ENTITY", Some("DUPLICATE_INVOICE_ID"))),
            ProviderError::InvalidRequest { code, .. } if code == "DUPLICATE_INVOICE_ID"
        ));
        assert!(matches!(error(400, &body("INVALID_REQUEST", None)), ProviderError::InvalidRequest { .. }));
        assert!(matches!(error(401, &body("AUTHENTICATION_FAILURE", None)), ProviderError::Authentication { .. }));
        assert!(matches!(error(404, &body("RESOURCE_NOT_FOUND", None)), ProviderError::NotFound { .. }));
        assert_eq!(error(500, &body("INTERNAL_SERVER_ERROR", None)), ProviderError::Unavailable { status: 500 });
        assert_eq!(error(503, b"upstream down"), ProviderError::Unavailable { status: 503 });
        let oauth = br#"{"error":"invalid_client","error_description":"Client Authentication failed"}"#;
        assert!(matches!(error(401, oauth), ProviderError::Authentication { .. }));
    }

    #[test]
    fn capture_links_name_the_capture() {
        assert_eq!(
            last_segment("https://api-m.paypal.com/v2/payments/captures/2GG279541U471931P").as_deref(),
            Some("2GG279541U471931P")
        );
        assert_eq!(last_segment(""), None);
    }
}
