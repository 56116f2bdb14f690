//! The one API error type. Every error body is Stripe-shaped:
//! `{"error": {"type", "code", "message", "param", "decline_code"?}}`.
//! Unexpected errors log their cause chain and answer an opaque 500.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    InvalidRequest,
    Card,
    Idempotency,
    Authentication,
    Api,
}

impl ErrorType {
    fn as_str(self) -> &'static str {
        match self {
            ErrorType::InvalidRequest => "invalid_request_error",
            ErrorType::Card => "card_error",
            ErrorType::Idempotency => "idempotency_error",
            ErrorType::Authentication => "authentication_error",
            ErrorType::Api => "api_error",
        }
    }
}

/// Boxed so `Result<T, ApiError>` stays one pointer wide on the error side.
#[derive(Debug)]
pub struct ApiError(Box<ApiErrorBody>);

#[derive(Debug)]
pub struct ApiErrorBody {
    pub status: StatusCode,
    pub kind: ErrorType,
    pub code: String,
    pub message: String,
    pub param: Option<String>,
    pub decline_code: Option<String>,
    /// The payment intent after a declined confirmation, as Stripe returns it.
    pub payment_intent: Option<Value>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl std::ops::Deref for ApiError {
    type Target = ApiErrorBody;

    fn deref(&self) -> &ApiErrorBody {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ApiErrorBody {
        &mut self.0
    }
}

impl ApiError {
    fn new(status: StatusCode, kind: ErrorType, code: &str, message: impl Into<String>) -> Self {
        ApiError(Box::new(ApiErrorBody {
            status,
            kind,
            code: code.to_owned(),
            message: message.into(),
            param: None,
            decline_code: None,
            payment_intent: None,
        }))
    }

    /// 400 naming the parameter at fault.
    pub fn invalid(param: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        let mut error = ApiError::new(StatusCode::BAD_REQUEST, ErrorType::InvalidRequest, code, message);
        error.param = Some(param.into());
        error
    }

    /// 400 without a single parameter to blame.
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, ErrorType::InvalidRequest, code, message)
    }

    /// 404 — the same for a missing object and another merchant's object.
    pub fn not_found(resource: &str, id: &str) -> Self {
        let mut error = ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorType::InvalidRequest,
            "resource_missing",
            format!("No such {resource}: '{id}'"),
        );
        error.param = Some("id".to_owned());
        error
    }

    /// 409: the object's state does not allow this now.
    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::CONFLICT, ErrorType::InvalidRequest, code, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, ErrorType::Authentication, "api_key_invalid", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, ErrorType::InvalidRequest, "secret_key_required", message)
    }

    pub fn idempotency(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError::new(status, ErrorType::Idempotency, code, message)
    }

    /// 402: the card or payment method was declined.
    pub fn card(param: Option<&str>, code: &str, decline_code: Option<&str>, message: impl Into<String>) -> Self {
        let mut error = ApiError::new(StatusCode::PAYMENT_REQUIRED, ErrorType::Card, code, message);
        error.param = param.map(str::to_owned);
        error.decline_code = decline_code.map(str::to_owned);
        error
    }

    pub fn too_large(limit_bytes: usize) -> Self {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorType::InvalidRequest,
            "request_too_large",
            format!("The request body is larger than {limit_bytes} bytes."),
        )
    }

    /// 502: a payment provider could not be reached or did not answer in a way that
    /// says what happened; nothing was written, and the same request may be retried.
    pub fn provider_unavailable(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_GATEWAY, ErrorType::Api, "connector_unavailable", message)
    }

    /// An unexpected failure: the cause is logged, the client sees an opaque 500.
    pub fn internal(cause: &dyn std::error::Error) -> Self {
        let mut chain = cause.to_string();
        let mut source = cause.source();
        while let Some(next) = source {
            chain.push_str(": ");
            chain.push_str(&next.to_string());
            source = next.source();
        }
        tracing::error!(error = %chain, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorType::Api,
            "internal_error",
            "An unexpected error occurred. It has been logged; please retry.",
        )
    }

    pub fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    pub fn with_payment_intent(mut self, payment_intent: Value) -> Self {
        self.payment_intent = Some(payment_intent);
        self
    }

    pub fn body(&self) -> Value {
        let mut error = json!({
            "type": self.kind.as_str(),
            "code": self.code,
            "message": self.message,
            "param": self.param,
        });
        if let Some(decline_code) = &self.decline_code {
            error["decline_code"] = json!(decline_code);
        }
        if let Some(payment_intent) = &self.payment_intent {
            error["payment_intent"] = payment_intent.clone();
        }
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

impl From<tradewind_storage::StoreError> for ApiError {
    fn from(error: tradewind_storage::StoreError) -> Self {
        use tradewind_ledger::TransferError;
        use tradewind_storage::StoreError;
        // A merchant balance that cannot cover a movement is the merchant's situation,
        // not a fault: Stripe answers `balance_insufficient`.
        if let StoreError::LedgerRejected(rejected) = &error
            && let Some(TransferError::ExceedsCredits { .. }) = rejected.rule()
        {
            return ApiError::bad_request(
                "balance_insufficient",
                format!("The merchant's balance cannot cover this. {rejected}"),
            );
        }
        ApiError::internal(&error)
    }
}
