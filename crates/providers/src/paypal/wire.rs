//! PayPal's JSON objects as its REST APIs document them (OAuth2, Orders v2, Payments
//! v2, Notifications v1): only the fields Tradewind reads, documented value sets as
//! [`wire_enum!`]s.

use serde::Deserialize;

wire_enum! {
    /// `order.status`.
    OrderStatus {
        Created = "CREATED",
        Saved = "SAVED",
        Approved = "APPROVED",
        Voided = "VOIDED",
        Completed = "COMPLETED",
        PayerActionRequired = "PAYER_ACTION_REQUIRED",
    }
}

wire_enum! {
    /// `capture.status`.
    CaptureStatus {
        Completed = "COMPLETED",
        Declined = "DECLINED",
        PartiallyRefunded = "PARTIALLY_REFUNDED",
        Pending = "PENDING",
        Refunded = "REFUNDED",
        Failed = "FAILED",
    }
}

wire_enum! {
    /// `authorization.status`.
    AuthorizationStatus {
        Created = "CREATED",
        Captured = "CAPTURED",
        Denied = "DENIED",
        Expired = "EXPIRED",
        PartiallyCaptured = "PARTIALLY_CAPTURED",
        Voided = "VOIDED",
        Pending = "PENDING",
    }
}

wire_enum! {
    /// `refund.status`.
    RefundStatus {
        Cancelled = "CANCELLED",
        Failed = "FAILED",
        Pending = "PENDING",
        Completed = "COMPLETED",
    }
}

wire_enum! {
    /// An error's `name`: its class, one per HTTP status.
    ErrorName {
        InvalidRequest = "INVALID_REQUEST",
        AuthenticationFailure = "AUTHENTICATION_FAILURE",
        NotAuthorized = "NOT_AUTHORIZED",
        ResourceNotFound = "RESOURCE_NOT_FOUND",
        MethodNotSupported = "METHOD_NOT_SUPPORTED",
        MediaTypeNotAcceptable = "MEDIA_TYPE_NOT_ACCEPTABLE",
        UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE",
        UnprocessableEntity = "UNPROCESSABLE_ENTITY",
        RateLimitReached = "RATE_LIMIT_REACHED",
        InternalServerError = "INTERNAL_SERVER_ERROR",
        ServiceUnavailable = "SERVICE_UNAVAILABLE",
    }
}

wire_enum! {
    /// An error detail's `issue` (Orders v2 and Payments v2 errors Tradewind tells
    /// apart; the rest are invalid requests).
    Issue {
        InstrumentDeclined = "INSTRUMENT_DECLINED",
        TransactionRefused = "TRANSACTION_REFUSED",
        PayerCannotPay = "PAYER_CANNOT_PAY",
        MaxNumberOfPaymentAttemptsExceeded = "MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED",
        CardExpired = "CARD_EXPIRED",
        OrderNotApproved = "ORDER_NOT_APPROVED",
        PayerActionRequired = "PAYER_ACTION_REQUIRED",
        DuplicateInvoiceId = "DUPLICATE_INVOICE_ID",
        OrderAlreadyCaptured = "ORDER_ALREADY_CAPTURED",
        OrderAlreadyAuthorized = "ORDER_ALREADY_AUTHORIZED",
        AuthorizationVoided = "AUTHORIZATION_VOIDED",
        AuthorizationExpired = "AUTHORIZATION_EXPIRED",
        CaptureFullyRefunded = "CAPTURE_FULLY_REFUNDED",
        RefundAmountExceeded = "REFUND_AMOUNT_EXCEEDED",
        DecimalPrecision = "DECIMAL_PRECISION",
        CurrencyNotSupported = "CURRENCY_NOT_SUPPORTED",
        InvalidParameterValue = "INVALID_PARAMETER_VALUE",
        MissingRequiredParameter = "MISSING_REQUIRED_PARAMETER",
        DuplicateRequestId = "DUPLICATE_REQUEST_ID",
    }
}

wire_enum! {
    /// `verification_status` of a webhook signature check.
    VerificationStatus {
        Success = "SUCCESS",
        Failure = "FAILURE",
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Link {
    pub href: String,
    pub rel: String,
}

/// The link with relation `rel`, if any.
pub fn link<'a>(links: &'a [Link], rel: &str) -> Option<&'a str> {
    links.iter().find(|link| link.rel == rel).map(|link| link.href.as_str())
}

#[derive(Debug, Clone, Deserialize)]
pub struct Amount {
    pub currency_code: String,
    pub value: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Order {
    pub id: String,
    pub status: OrderStatus,
    #[serde(default)]
    pub purchase_units: Vec<PurchaseUnit>,
    #[serde(default)]
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PurchaseUnit {
    #[serde(default)]
    pub amount: Option<Amount>,
    #[serde(default)]
    pub custom_id: Option<String>,
    #[serde(default)]
    pub payments: Option<Payments>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Payments {
    #[serde(default)]
    pub captures: Vec<Capture>,
    #[serde(default)]
    pub authorizations: Vec<Authorization>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StatusDetails {
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SupplementaryData {
    #[serde(default)]
    pub related_ids: RelatedIds,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RelatedIds {
    #[serde(default)]
    pub order_id: Option<String>,
}

/// A capture or an authorisation: the same fields, each with its own statuses.
#[derive(Debug, Clone, Deserialize)]
pub struct MoneyMovement<Status> {
    pub id: String,
    pub status: Status,
    #[serde(default)]
    pub amount: Option<Amount>,
    #[serde(default)]
    pub custom_id: Option<String>,
    #[serde(default)]
    pub status_details: Option<StatusDetails>,
    #[serde(default)]
    pub supplementary_data: SupplementaryData,
}

pub type Capture = MoneyMovement<CaptureStatus>;
pub type Authorization = MoneyMovement<AuthorizationStatus>;

#[derive(Debug, Clone, Deserialize)]
pub struct Refund {
    pub id: String,
    pub status: RefundStatus,
    #[serde(default)]
    pub amount: Option<Amount>,
    #[serde(default)]
    pub status_details: Option<StatusDetails>,
    /// `rel: up` is the capture refunded.
    #[serde(default)]
    pub links: Vec<Link>,
}

/// The body of a REST error.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorBody {
    pub name: ErrorName,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub debug_id: Option<String>,
    #[serde(default)]
    pub details: Vec<ErrorDetail>,
    #[serde(default)]
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ErrorDetail {
    pub issue: Issue,
    #[serde(default)]
    pub description: Option<String>,
}

/// The OAuth2 token endpoint's error (`invalid_client`), shaped unlike the REST ones.
#[derive(Debug, Clone, Deserialize)]
pub struct OAuthError {
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
}

#[derive(Deserialize)]
pub struct Token {
    pub access_token: String,
    pub expires_in: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Verification {
    pub verification_status: VerificationStatus,
}

/// A webhook event; `resource` is read according to `event_type`.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    pub id: String,
    pub create_time: String,
    pub event_type: String,
    pub resource: serde_json::Value,
}
