//! Checkout session and payment link requests and objects.

use crate::wire::payment_intent::CustomerDetails;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCheckoutSession {
    pub amount: i64,
    pub currency: String,
    pub customer: Option<CustomerDetails>,
    /// en, zh, es, pt, id or ar; default from the buyer's browser.
    pub locale: Option<String>,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    pub description: Option<String>,
    pub payment_method_types: Option<Vec<String>>,
    pub capture_method: Option<String>,
    pub metadata: Option<BTreeMap<String, String>>,
}

#[derive(Serialize, ToSchema)]
pub struct CheckoutSessionObject {
    pub id: String,
    pub object: &'static str,
    /// The hosted page to send the buyer to.
    pub url: String,
    /// open, complete or expired.
    pub status: String,
    /// unpaid or paid.
    pub payment_status: String,
    pub payment_intent: String,
    pub payment_link: Option<String>,
    pub amount_total: i64,
    pub currency: String,
    pub locale: Option<String>,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    pub created: i64,
    pub expires_at: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePaymentLink {
    pub amount: i64,
    pub currency: String,
    pub description: Option<String>,
    pub success_url: Option<String>,
    pub metadata: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePaymentLink {
    pub active: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentLinkObject {
    pub id: String,
    pub object: &'static str,
    /// Reusable: every visit opens a new checkout session.
    pub url: String,
    pub amount: i64,
    pub currency: String,
    pub description: Option<String>,
    pub success_url: Option<String>,
    pub active: bool,
    pub metadata: serde_json::Value,
    pub created: i64,
}
