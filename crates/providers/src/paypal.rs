//! PayPal over HTTPS: OAuth2 client credentials, Orders v2 (create, get, capture,
//! authorize), Payments v2 (capture or void an authorisation, refund a capture, get a
//! refund) and webhook verification.
//!
//! Every call carries a bearer token from [`token::TokenCache`]; one fetch serves every
//! concurrent caller, and a 401 on a call drops the token and retries that call once
//! with a fresh one. POSTs carry `PayPal-Request-Id` (PayPal's idempotency key, reused
//! by every retry) and `Prefer: return=representation`, so answers hold the whole
//! order or refund. Retries: network failures, timeouts, 429 and 5xx.
//!
//! Against a real account the client needs only [`PaypalConfig::sandbox`] or
//! [`PaypalConfig::live`] with the REST app's client id and secret.

mod amount;
pub mod mapping;
pub mod token;
pub mod webhook;
pub mod wire;

pub use amount::{AmountError, from_value, to_value};
pub use webhook::{EventError, Transmission, parse_paypal_event, verification_request};

use crate::clock::{Clock, SystemClock};
use crate::error::ProviderError;
use crate::payment::{CaptureMethod, ProviderPayment, ProviderRefund};
use crate::secret::Secret;
use crate::transport::{self, Reply, RetryPolicy, Transport, path_id};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use token::TokenCache;
use tradewind_money::Money;
use wire::VerificationStatus;

pub const PAYPAL_SANDBOX_BASE: &str = "https://api-m.sandbox.paypal.com";
pub const PAYPAL_LIVE_BASE: &str = "https://api-m.paypal.com";

/// How to reach PayPal. `Debug` redacts the secret.
#[derive(Debug, Clone)]
pub struct PaypalConfig {
    pub base_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// The most one attempt may take, answer included.
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

impl PaypalConfig {
    pub fn sandbox(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        PaypalConfig::at(PAYPAL_SANDBOX_BASE, client_id, client_secret)
    }

    pub fn live(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        PaypalConfig::at(PAYPAL_LIVE_BASE, client_id, client_secret)
    }

    /// Any base URL (a fake's), with the defaults: 30 s per attempt, 2 retries.
    pub fn at(base_url: &str, client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        PaypalConfig {
            base_url: base_url.to_owned(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            timeout: transport::DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
        }
    }
}

/// An order for the buyer to approve at PayPal.
#[derive(Debug, Clone)]
pub struct CreateOrder {
    pub amount: Money,
    /// `Automatic` is intent `CAPTURE`, `Manual` is `AUTHORIZE`.
    pub capture_method: CaptureMethod,
    /// Tradewind's attempt id: the purchase unit's `custom_id` and `invoice_id` (PayPal
    /// refuses a second capture under one invoice id).
    pub reference: String,
    /// Where PayPal sends the buyer after approving, and after canceling.
    pub return_url: String,
    pub cancel_url: String,
    /// `PayPal-Request-Id`: the same for every try of this attempt.
    pub request_id: String,
}

/// A PayPal REST app's API.
pub struct PaypalClient {
    config: PaypalConfig,
    transport: Transport,
    clock: Arc<dyn Clock>,
    token: tokio::sync::Mutex<TokenCache>,
}

impl std::fmt::Debug for PaypalClient {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("PaypalClient").field("config", &self.config).finish_non_exhaustive()
    }
}

fn retry_reply(reply: &Reply) -> bool {
    matches!(reply.status, 429 | 500..=599)
}

fn decode<T: DeserializeOwned>(reply: &Reply) -> Result<T, ProviderError> {
    reply.decode(mapping::error)
}

fn amount_json(money: Money) -> Result<Value, ProviderError> {
    let value = to_value(money)
        .map_err(|error| ProviderError::InvalidRequest { code: "amount_invalid".into(), message: error.to_string() })?;
    Ok(json!({ "currency_code": money.currency().code(), "value": value }))
}

fn create_body(request: &CreateOrder) -> Result<Value, ProviderError> {
    let intent = match request.capture_method {
        CaptureMethod::Automatic => "CAPTURE",
        CaptureMethod::Manual => "AUTHORIZE",
    };
    Ok(json!({
        "intent": intent,
        "purchase_units": [{
            "reference_id": "default",
            "custom_id": request.reference,
            "invoice_id": request.reference,
            "amount": amount_json(request.amount)?,
        }],
        "payment_source": { "paypal": { "experience_context": {
            "return_url": request.return_url,
            "cancel_url": request.cancel_url,
            "user_action": "PAY_NOW",
            "shipping_preference": "NO_SHIPPING",
        }}},
    }))
}

fn order_reply(reply: &Reply) -> Result<ProviderPayment, ProviderError> {
    mapping::order(&decode::<wire::Order>(reply)?, reply.status)
}

/// One call's request, built again for each attempt.
struct Call<'a> {
    operation: &'static str,
    method: Method,
    path: String,
    body: Body<'a>,
    request_id: Option<&'a str>,
}

enum Body<'a> {
    Empty,
    Json(&'a Value),
    /// JSON text sent as it is (the webhook verification, whose event stays verbatim).
    Text(&'a str),
}

impl PaypalClient {
    pub fn new(config: PaypalConfig) -> Result<Self, ProviderError> {
        PaypalClient::with_clock(config, Arc::new(SystemClock))
    }

    /// A client whose token cache reads `clock` (tests control expiry with it).
    pub fn with_clock(config: PaypalConfig, clock: Arc<dyn Clock>) -> Result<Self, ProviderError> {
        let transport = Transport::new("paypal", config.timeout, config.retry)?;
        Ok(PaypalClient { config, transport, clock, token: tokio::sync::Mutex::new(TokenCache::new()) })
    }

    pub fn config(&self) -> &PaypalConfig {
        &self.config
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url.trim_end_matches('/'))
    }

    /// A token good for now: the cached one, or one fetched while the cache is locked
    /// (so concurrent callers wait for a single fetch).
    async fn access_token(&self) -> Result<Secret, ProviderError> {
        let mut cache = self.token.lock().await;
        if let Some(token) = cache.get(self.clock.now()) {
            return Ok(token.clone());
        }
        let url = self.url("/v1/oauth2/token");
        let build = |client: &reqwest::Client| {
            client
                .post(&url)
                .basic_auth(&self.config.client_id, Some(self.config.client_secret.expose()))
                .form(&[("grant_type", "client_credentials")])
        };
        let reply = self.transport.send("oauth_token", build, retry_reply).await?;
        let issued: wire::Token = decode(&reply)?;
        let token = Secret::new(issued.access_token);
        cache.store(token.clone(), issued.expires_in, self.clock.now());
        Ok(token)
    }

    async fn send_with(&self, call: &Call<'_>, token: &Secret) -> Result<Reply, ProviderError> {
        let url = self.url(&call.path);
        let build = |client: &reqwest::Client| {
            let mut request = client
                .request(call.method.clone(), &url)
                .bearer_auth(token.expose())
                .header("Prefer", "return=representation");
            if let Some(request_id) = call.request_id {
                request = request.header("PayPal-Request-Id", request_id);
            }
            match call.body {
                Body::Empty => request,
                Body::Json(body) => request.json(body),
                Body::Text(body) => {
                    request.header(reqwest::header::CONTENT_TYPE, "application/json").body(body.to_owned())
                }
            }
        };
        self.transport.send(call.operation, build, retry_reply).await
    }

    /// Sends a call with a token; on a 401 drops that token and sends once more with a
    /// fresh one.
    async fn send(&self, call: Call<'_>) -> Result<Reply, ProviderError> {
        let token = self.access_token().await?;
        let reply = self.send_with(&call, &token).await?;
        if reply.status != 401 {
            return Ok(reply);
        }
        self.token.lock().await.invalidate(&token);
        let fresh = self.access_token().await?;
        self.send_with(&call, &fresh).await
    }

    fn post<'a>(operation: &'static str, path: String, body: &'a Value, request_id: &'a str) -> Call<'a> {
        Call { operation, method: Method::POST, path, body: Body::Json(body), request_id: Some(request_id) }
    }

    fn get(operation: &'static str, path: String) -> Call<'static> {
        Call { operation, method: Method::GET, path, body: Body::Empty, request_id: None }
    }

    /// Creates an order; the answer is `RequiresAction` with the approval URL
    /// (`payer-action`) to send the buyer to.
    pub async fn create_order(&self, request: &CreateOrder) -> Result<ProviderPayment, ProviderError> {
        let body = create_body(request)?;
        let call = PaypalClient::post("create_order", "/v2/checkout/orders".into(), &body, &request.request_id);
        order_reply(&self.send(call).await?)
    }

    pub async fn get_order(&self, order_id: &str) -> Result<ProviderPayment, ProviderError> {
        let call = PaypalClient::get("get_order", format!("/v2/checkout/orders/{}", path_id(order_id)?));
        order_reply(&self.send(call).await?)
    }

    /// Captures an approved `CAPTURE` order; `charge_id` is then the capture to refund.
    pub async fn capture_order(&self, order_id: &str, request_id: &str) -> Result<ProviderPayment, ProviderError> {
        let path = format!("/v2/checkout/orders/{}/capture", path_id(order_id)?);
        order_reply(&self.send(PaypalClient::post("capture_order", path, &json!({}), request_id)).await?)
    }

    /// Authorises an approved `AUTHORIZE` order; `charge_id` is then the authorisation.
    pub async fn authorize_order(&self, order_id: &str, request_id: &str) -> Result<ProviderPayment, ProviderError> {
        let path = format!("/v2/checkout/orders/{}/authorize", path_id(order_id)?);
        order_reply(&self.send(PaypalClient::post("authorize_order", path, &json!({}), request_id)).await?)
    }

    /// Captures an authorisation, all of it or `amount`.
    pub async fn capture_authorization(
        &self,
        authorization_id: &str,
        amount: Option<Money>,
        request_id: &str,
    ) -> Result<ProviderPayment, ProviderError> {
        let path = format!("/v2/payments/authorizations/{}/capture", path_id(authorization_id)?);
        let body = match amount {
            Some(amount) => json!({ "amount": amount_json(amount)?, "final_capture": true }),
            None => json!({ "final_capture": true }),
        };
        let reply = self.send(PaypalClient::post("capture_authorization", path, &body, request_id)).await?;
        mapping::capture(&decode::<wire::Capture>(&reply)?, reply.status)
    }

    /// Voids an authorisation; nothing is taken.
    pub async fn void_authorization(&self, authorization_id: &str, request_id: &str) -> Result<(), ProviderError> {
        let path = format!("/v2/payments/authorizations/{}/void", path_id(authorization_id)?);
        let reply = self.send(PaypalClient::post("void_authorization", path, &json!({}), request_id)).await?;
        if reply.is_success() { Ok(()) } else { Err(mapping::error(reply.status, &reply.body)) }
    }

    /// Refunds `amount` of a capture; `reference` (Tradewind's refund id) is the
    /// refund's `invoice_id`.
    pub async fn refund_capture(
        &self,
        capture_id: &str,
        amount: Money,
        reference: &str,
        request_id: &str,
    ) -> Result<ProviderRefund, ProviderError> {
        let path = format!("/v2/payments/captures/{}/refund", path_id(capture_id)?);
        let body = json!({ "amount": amount_json(amount)?, "invoice_id": reference });
        let reply = self.send(PaypalClient::post("refund_capture", path, &body, request_id)).await?;
        let mut refund = mapping::refund(&decode::<wire::Refund>(&reply)?, Some(amount), reply.status)?;
        refund.charge_id.get_or_insert_with(|| capture_id.to_owned());
        Ok(refund)
    }

    pub async fn get_refund(&self, refund_id: &str) -> Result<ProviderRefund, ProviderError> {
        let call = PaypalClient::get("get_refund", format!("/v2/payments/refunds/{}", path_id(refund_id)?));
        let reply = self.send(call).await?;
        mapping::refund(&decode::<wire::Refund>(&reply)?, None, reply.status)
    }

    /// Asks PayPal whether a webhook delivery is genuine: `true` only for `SUCCESS`.
    /// `event_body` is the request body exactly as received.
    pub async fn verify_webhook(
        &self,
        transmission: &Transmission,
        webhook_id: &str,
        event_body: &[u8],
    ) -> Result<bool, ProviderError> {
        let body = verification_request(transmission, webhook_id, event_body).map_err(|error| {
            ProviderError::InvalidRequest { code: "invalid_event".into(), message: error.to_string() }
        })?;
        let path = "/v1/notifications/verify-webhook-signature".to_owned();
        let call =
            Call { operation: "verify_webhook", method: Method::POST, path, body: Body::Text(&body), request_id: None };
        let verification: wire::Verification = decode(&self.send(call).await?)?;
        Ok(match verification.verification_status {
            VerificationStatus::Success => true,
            VerificationStatus::Failure => false,
            VerificationStatus::Unknown(other) => {
                tracing::warn!(status = %other, "undocumented PayPal verification status; not verified");
                false
            }
        })
    }
}
