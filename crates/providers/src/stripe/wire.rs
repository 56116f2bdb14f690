//! Stripe's JSON objects as the API documents them (API version
//! [`super::STRIPE_API_VERSION`]): only the fields Tradewind reads. Every string field
//! with a documented set of values is a [`wire_enum!`] so an undocumented value still
//! parses and is mapped explicitly.

use serde::Deserialize;
use std::collections::HashMap;

wire_enum! {
    /// `payment_intent.status`.
    PaymentIntentStatus {
        RequiresPaymentMethod = "requires_payment_method",
        RequiresConfirmation = "requires_confirmation",
        RequiresAction = "requires_action",
        Processing = "processing",
        RequiresCapture = "requires_capture",
        Canceled = "canceled",
        Succeeded = "succeeded",
    }
}

wire_enum! {
    /// `payment_intent.next_action.type` (card payments; other methods have more).
    NextActionType {
        RedirectToUrl = "redirect_to_url",
        UseStripeSdk = "use_stripe_sdk",
    }
}

wire_enum! {
    /// `refund.status`.
    RefundStatus {
        Pending = "pending",
        RequiresAction = "requires_action",
        Succeeded = "succeeded",
        Failed = "failed",
        Canceled = "canceled",
    }
}

wire_enum! {
    /// `error.type`.
    ErrorType {
        CardError = "card_error",
        InvalidRequestError = "invalid_request_error",
        ApiError = "api_error",
        IdempotencyError = "idempotency_error",
        RateLimitError = "rate_limit_error",
        AuthenticationError = "authentication_error",
    }
}

wire_enum! {
    /// Stripe's card decline codes (`error.decline_code`, docs.stripe.com/declines/codes);
    /// some also appear as `error.code` when there is no `decline_code`.
    DeclineCode {
        AuthenticationRequired = "authentication_required",
        ApproveWithId = "approve_with_id",
        CallIssuer = "call_issuer",
        CardNotSupported = "card_not_supported",
        CardVelocityExceeded = "card_velocity_exceeded",
        CurrencyNotSupported = "currency_not_supported",
        DoNotHonor = "do_not_honor",
        DoNotTryAgain = "do_not_try_again",
        DuplicateTransaction = "duplicate_transaction",
        ExpiredCard = "expired_card",
        Fraudulent = "fraudulent",
        GenericDecline = "generic_decline",
        IncorrectNumber = "incorrect_number",
        IncorrectCvc = "incorrect_cvc",
        IncorrectPin = "incorrect_pin",
        IncorrectZip = "incorrect_zip",
        InsufficientFunds = "insufficient_funds",
        InvalidAccount = "invalid_account",
        InvalidAmount = "invalid_amount",
        InvalidCvc = "invalid_cvc",
        InvalidExpiryMonth = "invalid_expiry_month",
        InvalidExpiryYear = "invalid_expiry_year",
        InvalidNumber = "invalid_number",
        InvalidPin = "invalid_pin",
        IssuerNotAvailable = "issuer_not_available",
        LostCard = "lost_card",
        MerchantBlacklist = "merchant_blacklist",
        NewAccountInformationAvailable = "new_account_information_available",
        NoActionTaken = "no_action_taken",
        NotPermitted = "not_permitted",
        OfflinePinRequired = "offline_pin_required",
        OnlineOrOfflinePinRequired = "online_or_offline_pin_required",
        PickupCard = "pickup_card",
        PinTryExceeded = "pin_try_exceeded",
        ProcessingError = "processing_error",
        ReenterTransaction = "reenter_transaction",
        RestrictedCard = "restricted_card",
        RevocationOfAllAuthorizations = "revocation_of_all_authorizations",
        RevocationOfAuthorization = "revocation_of_authorization",
        SecurityViolation = "security_violation",
        ServiceNotAllowed = "service_not_allowed",
        StolenCard = "stolen_card",
        StopPaymentOrder = "stop_payment_order",
        TestmodeDecline = "testmode_decline",
        TransactionNotAllowed = "transaction_not_allowed",
        TryAgainLater = "try_again_later",
        WithdrawalCountLimitExceeded = "withdrawal_count_limit_exceeded",
    }
}

/// An id field that may also come expanded into its object (`latest_charge`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Expandable {
    Id(String),
    Object { id: String },
}

impl Expandable {
    pub fn id(&self) -> &str {
        match self {
            Expandable::Id(id) | Expandable::Object { id } => id,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    pub amount: i64,
    #[serde(default)]
    pub amount_received: i64,
    #[serde(default)]
    pub amount_capturable: i64,
    pub currency: String,
    pub status: PaymentIntentStatus,
    #[serde(default)]
    pub last_payment_error: Option<ErrorObject>,
    #[serde(default)]
    pub next_action: Option<NextAction>,
    #[serde(default)]
    pub latest_charge: Option<Expandable>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NextAction {
    #[serde(rename = "type")]
    pub kind: NextActionType,
    #[serde(default)]
    pub redirect_to_url: Option<RedirectToUrl>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RedirectToUrl {
    #[serde(default)]
    pub url: Option<String>,
}

/// `{"error": {…}}`, the body of every non-2xx answer.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorObject,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ErrorObject {
    #[serde(rename = "type")]
    pub kind: ErrorType,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub decline_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// The PaymentIntent a failed confirmation left behind.
    #[serde(default)]
    pub payment_intent: Option<Box<PaymentIntent>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Refund {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    pub status: RefundStatus,
    #[serde(default)]
    pub payment_intent: Option<String>,
    #[serde(default)]
    pub charge: Option<String>,
    #[serde(default)]
    pub failure_reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Charge {
    pub id: String,
    pub amount_refunded: i64,
    pub currency: String,
    #[serde(default)]
    pub payment_intent: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Dispute {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    pub charge: String,
    #[serde(default)]
    pub payment_intent: Option<String>,
    pub reason: String,
}

/// An event as webhooks deliver it; `data.object` is read according to `type`.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    pub id: String,
    pub created: i64,
    #[serde(rename = "type")]
    pub event_type: String,
    pub data: EventData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
}
