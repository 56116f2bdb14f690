//! Payment intent requests and the payment intent object.

use crate::wire::json_column;
use crate::wire::payment_method_data::PaymentMethodData;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use tradewind_storage::attempts::AttemptRow;
use tradewind_storage::payment_intents::PaymentIntentRow;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, Serialize, ToSchema, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct CustomerDetails {
    pub email: Option<String>,
    pub name: Option<String>,
    /// ISO 3166-1 alpha-2 country of the buyer; decides which methods are offered.
    pub country: Option<String>,
    pub phone: Option<String>,
    pub tax_id: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePaymentIntent {
    /// Amount in the currency's minor unit (cents, yen, fils …).
    pub amount: i64,
    /// ISO 4217 code, any case.
    pub currency: String,
    /// Methods this payment may use; default: every method available for the
    /// customer's country, the currency and the amount.
    pub payment_method_types: Option<Vec<String>>,
    /// `automatic` (default) or `manual`.
    pub capture_method: Option<String>,
    pub customer: Option<CustomerDetails>,
    pub description: Option<String>,
    pub statement_descriptor: Option<String>,
    pub metadata: Option<BTreeMap<String, String>>,
    pub payment_method_data: Option<PaymentMethodData>,
    /// Confirm at once with `payment_method_data`.
    pub confirm: Option<bool>,
    pub return_url: Option<String>,
    /// An FX quote (`POST /v1/fx_quotes`) from this payment's currency into the
    /// merchant's settlement currency: the capture converts at exactly its rate.
    /// Only with `confirm: true`.
    pub fx_quote: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePaymentIntent {
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub payment_method_types: Option<Vec<String>>,
    pub capture_method: Option<String>,
    pub customer: Option<CustomerDetails>,
    pub description: Option<String>,
    pub statement_descriptor: Option<String>,
    /// Merged into the existing metadata; an empty string value removes a key.
    pub metadata: Option<BTreeMap<String, String>>,
    pub payment_method_data: Option<PaymentMethodData>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmPaymentIntent {
    /// Required with a publishable key.
    pub client_secret: Option<String>,
    pub payment_method_data: Option<PaymentMethodData>,
    pub return_url: Option<String>,
    /// An FX quote (`POST /v1/fx_quotes`) from this payment's currency into the
    /// merchant's settlement currency: the capture converts at exactly its rate.
    pub fx_quote: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CapturePaymentIntent {
    /// Up to `amount_capturable`; default all of it. The rest is released.
    pub amount_to_capture: Option<i64>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CancelPaymentIntent {
    /// duplicate, fraudulent, requested_by_customer or abandoned.
    pub cancellation_reason: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListPaymentIntents {
    pub limit: Option<i64>,
    pub starting_after: Option<String>,
    pub status: Option<String>,
    pub payment_method_type: Option<String>,
    /// Unix seconds, inclusive.
    #[serde(rename = "created[gte]")]
    pub created_gte: Option<i64>,
    /// Unix seconds, inclusive.
    #[serde(rename = "created[lte]")]
    pub created_lte: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RetrieveQuery {
    /// Required when retrieving with a publishable key.
    pub client_secret: Option<String>,
}

/// A payment intent, Stripe-shaped.
#[derive(Serialize, ToSchema)]
pub struct PaymentIntentObject {
    pub id: String,
    pub object: &'static str,
    pub amount: i64,
    pub amount_capturable: i64,
    pub amount_received: i64,
    pub amount_refunded: i64,
    pub currency: String,
    /// requires_payment_method, requires_confirmation, requires_action, processing,
    /// requires_capture, succeeded or canceled.
    pub status: String,
    pub capture_method: String,
    pub client_secret: String,
    pub created: i64,
    pub customer: Value,
    pub description: Option<String>,
    pub statement_descriptor: Option<String>,
    pub metadata: Value,
    /// Typed by `type`: redirect_to_url, display_qr_code, display_voucher,
    /// three_d_secure, awaiting_delivery or awaiting_transfer.
    pub next_action: Value,
    pub last_payment_error: Value,
    pub cancellation_reason: Option<String>,
    pub payment_method_types: Vec<String>,
    pub payment_method: Value,
    pub latest_attempt: Option<String>,
    pub connector: Option<String>,
    pub expires_at: Option<i64>,
    pub livemode: bool,
}

impl PaymentIntentObject {
    pub fn from_row(row: &PaymentIntentRow) -> Self {
        PaymentIntentObject {
            id: row.id.clone(),
            object: "payment_intent",
            amount: row.amount,
            amount_capturable: row.amount_capturable,
            amount_received: row.amount_received,
            amount_refunded: row.amount_refunded,
            currency: row.currency.to_ascii_lowercase(),
            status: row.status.clone(),
            capture_method: row.capture_method.clone(),
            client_secret: row.client_secret.clone(),
            created: row.created_at,
            customer: json_column("customer", row.customer.as_deref()),
            description: row.description.clone(),
            statement_descriptor: row.statement_descriptor.clone(),
            metadata: json_column("metadata", Some(&row.metadata)),
            next_action: json_column("next_action", row.next_action.as_deref()),
            last_payment_error: json_column("last_payment_error", row.last_payment_error.as_deref()),
            cancellation_reason: row.cancellation_reason.clone(),
            payment_method_types: row
                .payment_method_types
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            payment_method: json_column("payment_method_details", row.payment_method_details.as_deref()),
            latest_attempt: row.latest_attempt_id.clone(),
            connector: row.connector.clone(),
            expires_at: row.expires_at,
            livemode: false,
        }
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// One confirmation attempt.
#[derive(Serialize, ToSchema)]
pub struct PaymentAttemptObject {
    pub id: String,
    pub object: &'static str,
    pub payment_intent: String,
    pub connector: String,
    pub payment_method_type: String,
    pub payment_method_details: Value,
    /// pending, requires_action, authorized, captured, processing, failed, expired,
    /// abandoned or canceled.
    pub status: String,
    pub amount: i64,
    pub amount_received: i64,
    pub error_code: Option<String>,
    pub decline_code: Option<String>,
    pub error_message: Option<String>,
    /// Why this connector was chosen, in words: the routing rule and strategy, and for
    /// a failover try the connectors that failed before it. Null without connector accounts.
    pub routing: Option<String>,
    /// The provider's id of the payment (a Stripe PaymentIntent, a PayPal order), when
    /// a real provider took it.
    pub provider_reference: Option<String>,
    pub created: i64,
}

impl PaymentAttemptObject {
    pub fn from_row(row: &AttemptRow) -> Self {
        PaymentAttemptObject {
            id: row.id.clone(),
            object: "payment_attempt",
            payment_intent: row.payment_intent_id.clone(),
            connector: row.connector.clone(),
            payment_method_type: row.payment_method_type.clone(),
            payment_method_details: json_column("payment_method_details", Some(&row.payment_method_details)),
            status: row.status.clone(),
            amount: row.amount,
            amount_received: row.amount_received,
            error_code: row.error_code.clone(),
            decline_code: row.decline_code.clone(),
            error_message: row.error_message.clone(),
            routing: json_column("flags", Some(&row.flags))["routing"].as_str().map(str::to_owned),
            provider_reference: row.reference.clone().filter(|_| row.connector.starts_with("mca_")),
            created: row.created_at,
        }
    }
}
