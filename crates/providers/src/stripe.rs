//! Stripe over HTTPS: PaymentIntents (create and confirm in one call, retrieve,
//! capture, cancel) and Refunds, as `application/x-www-form-urlencoded` with nested
//! keys (`payment_method_data[card][number]`), `Authorization: Bearer sk_…`, a pinned
//! `Stripe-Version`, and an `Idempotency-Key` on every POST that every retry of it
//! reuses.
//!
//! Retries: network failures, timeouts, 409 (the same key still running), 429 and
//! 5xx, unless Stripe's `Stripe-Should-Retry` header says otherwise.
//!
//! - [`wire`]: Stripe's JSON objects; [`mapping`]: them in Tradewind's words;
//!   [`webhook`]: `Stripe-Signature` and events; `amount`: Stripe's unit per currency.
//!
//! Against a real account the client needs only [`StripeConfig::new`] with the secret
//! key. Raw card numbers ([`StripePaymentMethod::Card`]) are accepted by Stripe only
//! from accounts cleared for raw card data; others pass a `pm_…` id.

mod amount;
pub mod mapping;
pub mod webhook;
pub mod wire;

pub use amount::{AmountError, from_stripe, stripe_exponent, to_stripe};
pub use webhook::{
    DEFAULT_TOLERANCE_SECONDS, EventError, SIGNATURE_HEADER, SignatureError, parse_stripe_event, sign,
    verify_stripe_signature,
};

use crate::error::ProviderError;
use crate::payment::{CaptureMethod, ProviderPayment, ProviderRefund};
use crate::secret::Secret;
use crate::transport::{self, Reply, RetryPolicy, Transport};
use serde::de::DeserializeOwned;
use std::time::Duration;
use tradewind_money::Money;
use tradewind_payments::card::CardNumber;

/// Stripe's API.
pub const STRIPE_API_BASE: &str = "https://api.stripe.com";
/// The API version every request pins, so the account's default cannot change the
/// shapes read here.
pub const STRIPE_API_VERSION: &str = "2024-06-20";

/// How to reach Stripe. `Debug` redacts the key.
#[derive(Debug, Clone)]
pub struct StripeConfig {
    pub base_url: String,
    pub secret_key: Secret,
    /// The most one attempt may take, answer included.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub api_version: String,
}

impl StripeConfig {
    /// Stripe's own API with the defaults: 30 s per attempt, 2 retries.
    pub fn new(secret_key: impl Into<Secret>) -> Self {
        StripeConfig {
            base_url: STRIPE_API_BASE.to_owned(),
            secret_key: secret_key.into(),
            timeout: transport::DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            api_version: STRIPE_API_VERSION.to_owned(),
        }
    }
}

/// Card details for a confirmation. `Debug` shows brand and last four only.
#[derive(Debug, Clone)]
pub struct CardDetails {
    pub number: CardNumber,
    pub exp_month: u8,
    pub exp_year: u16,
    pub cvc: Secret,
}

/// What pays.
#[derive(Debug, Clone)]
pub enum StripePaymentMethod {
    /// Raw card data, sent as `payment_method_data[card][…]`.
    Card(CardDetails),
    /// A PaymentMethod made elsewhere (`pm_…`; `pm_card_visa` in test mode).
    Id(String),
}

/// A PaymentIntent created and confirmed in one call.
#[derive(Debug, Clone)]
pub struct CreatePayment {
    pub amount: Money,
    pub capture_method: CaptureMethod,
    pub payment_method: StripePaymentMethod,
    /// Where Stripe sends the buyer back after 3-D Secure.
    pub return_url: String,
    /// Tradewind's attempt id, kept as `metadata[tradewind_attempt]`.
    pub reference: String,
    /// The same key for every try of this one attempt (the attempt id serves).
    pub idempotency_key: String,
}

/// A Stripe account's API.
#[derive(Debug, Clone)]
pub struct StripeClient {
    config: StripeConfig,
    transport: Transport,
}

type Form = Vec<(String, String)>;

fn field(key: &str, value: impl ToString) -> (String, String) {
    (key.to_owned(), value.to_string())
}

fn amount_field(key: &str, money: Money) -> Result<(String, String), ProviderError> {
    let amount = to_stripe(money)
        .map_err(|error| ProviderError::InvalidRequest { code: "amount_invalid".into(), message: error.to_string() })?;
    Ok(field(key, amount))
}

/// The form of [`StripeClient::create_payment`].
fn create_form(request: &CreatePayment) -> Result<Form, ProviderError> {
    let capture_method = match request.capture_method {
        CaptureMethod::Automatic => "automatic",
        CaptureMethod::Manual => "manual",
    };
    let mut form = vec![
        amount_field("amount", request.amount)?,
        field("currency", request.amount.currency().lowercase_code()),
        field("confirm", "true"),
        field("capture_method", capture_method),
        field("payment_method_types[0]", "card"),
        field("return_url", &request.return_url),
        field(&format!("metadata[{}]", mapping::REFERENCE_METADATA_KEY), &request.reference),
    ];
    match &request.payment_method {
        StripePaymentMethod::Card(card) => form.extend([
            field("payment_method_data[type]", "card"),
            field("payment_method_data[card][number]", card.number.digits()),
            field("payment_method_data[card][exp_month]", card.exp_month),
            field("payment_method_data[card][exp_year]", card.exp_year),
            field("payment_method_data[card][cvc]", card.cvc.expose()),
        ]),
        StripePaymentMethod::Id(id) => form.push(field("payment_method", id)),
    }
    Ok(form)
}

/// Stripe's advice first (`Stripe-Should-Retry`), then the status.
fn retry_reply(reply: &Reply) -> bool {
    match reply.header("stripe-should-retry") {
        Some("true") => true,
        Some("false") => false,
        _ => matches!(reply.status, 409 | 429 | 500..=599),
    }
}

fn decode<T: DeserializeOwned>(reply: &Reply) -> Result<T, ProviderError> {
    reply.decode(mapping::error)
}

fn payment_reply(reply: Result<Reply, ProviderError>) -> Result<ProviderPayment, ProviderError> {
    let reply = reply?;
    mapping::payment(&decode::<wire::PaymentIntent>(&reply)?, reply.status)
}

impl StripeClient {
    pub fn new(config: StripeConfig) -> Result<Self, ProviderError> {
        let transport = Transport::new("stripe", config.timeout, config.retry)?;
        Ok(StripeClient { config, transport })
    }

    pub fn config(&self) -> &StripeConfig {
        &self.config
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url.trim_end_matches('/'))
    }

    async fn get(&self, operation: &str, path: &str) -> Result<Reply, ProviderError> {
        let url = self.url(path);
        let build = |client: &reqwest::Client| {
            client
                .get(&url)
                .bearer_auth(self.config.secret_key.expose())
                .header("Stripe-Version", &self.config.api_version)
        };
        self.transport.send(operation, build, retry_reply).await
    }

    async fn post(&self, operation: &str, path: &str, form: &Form, key: &str) -> Result<Reply, ProviderError> {
        let url = self.url(path);
        let build = |client: &reqwest::Client| {
            client
                .post(&url)
                .bearer_auth(self.config.secret_key.expose())
                .header("Stripe-Version", &self.config.api_version)
                .header("Idempotency-Key", key)
                .form(form)
        };
        self.transport.send(operation, build, retry_reply).await
    }

    /// Creates and confirms a PaymentIntent. A decline is `Err(Declined)` carrying
    /// the PaymentIntent's id; 3-D Secure is `Ok` with `RequiresAction`.
    pub async fn create_payment(&self, request: &CreatePayment) -> Result<ProviderPayment, ProviderError> {
        let form = create_form(request)?;
        let reply = self.post("create_payment", "/v1/payment_intents", &form, &request.idempotency_key).await;
        payment_reply(reply)
    }

    pub async fn retrieve_payment(&self, payment_intent_id: &str) -> Result<ProviderPayment, ProviderError> {
        let path = format!("/v1/payment_intents/{}", transport::path_id(payment_intent_id)?);
        payment_reply(self.get("retrieve_payment", &path).await)
    }

    /// Captures an authorised PaymentIntent, all of it or `amount`.
    pub async fn capture_payment(
        &self,
        payment_intent_id: &str,
        amount: Option<Money>,
        idempotency_key: &str,
    ) -> Result<ProviderPayment, ProviderError> {
        let path = format!("/v1/payment_intents/{}/capture", transport::path_id(payment_intent_id)?);
        let form = amount.map(|amount| amount_field("amount_to_capture", amount)).transpose()?.into_iter().collect();
        payment_reply(self.post("capture_payment", &path, &form, idempotency_key).await)
    }

    pub async fn cancel_payment(
        &self,
        payment_intent_id: &str,
        idempotency_key: &str,
    ) -> Result<ProviderPayment, ProviderError> {
        let path = format!("/v1/payment_intents/{}/cancel", transport::path_id(payment_intent_id)?);
        payment_reply(self.post("cancel_payment", &path, &Form::new(), idempotency_key).await)
    }

    /// Refunds `amount` of a PaymentIntent's charge; `reference` (Tradewind's refund
    /// id) is kept as metadata.
    pub async fn create_refund(
        &self,
        payment_intent_id: &str,
        amount: Money,
        reference: &str,
        idempotency_key: &str,
    ) -> Result<ProviderRefund, ProviderError> {
        let form = vec![
            field("payment_intent", transport::path_id(payment_intent_id)?),
            amount_field("amount", amount)?,
            field(&format!("metadata[{}]", mapping::REFERENCE_METADATA_KEY), reference),
        ];
        let reply = self.post("create_refund", "/v1/refunds", &form, idempotency_key).await?;
        mapping::refund(&decode::<wire::Refund>(&reply)?, reply.status)
    }

    pub async fn retrieve_refund(&self, refund_id: &str) -> Result<ProviderRefund, ProviderError> {
        let reply = self.get("retrieve_refund", &format!("/v1/refunds/{}", transport::path_id(refund_id)?)).await?;
        mapping::refund(&decode::<wire::Refund>(&reply)?, reply.status)
    }
}
