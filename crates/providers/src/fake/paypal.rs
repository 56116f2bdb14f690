//! A fake PayPal: OAuth2 tokens, Orders v2, captures, authorisations and refunds in
//! memory, answered in PayPal's shapes, plus webhooks it sends and verifies.
//!
//! - `POST /v1/oauth2/token` checks HTTP basic auth against the client id and secret
//!   the fake was started with and issues bearer tokens; every other API call needs
//!   one ([`FakePaypal::expire_tokens`] revokes them all, as an expiry would).
//! - An order created with `payment_source.paypal.experience_context` is
//!   `PAYER_ACTION_REQUIRED` with a `payer-action` link to the fake's
//!   `/checkoutnow?token={id}` page (without it: `CREATED` with an `approve` link).
//!   POST there with `action=approve` (and optionally `buyer=<email>`) or
//!   `action=cancel`; the fake redirects (303) to the return or cancel URL.
//! - Capturing an order not approved is `ORDER_NOT_APPROVED`; an order approved by a
//!   buyer named in [`FakePaypal::decline_buyer`] is `INSTRUMENT_DECLINED` with a
//!   `redirect` link back to approval; a second capture under one `invoice_id` is
//!   `DUPLICATE_INVOICE_ID`.
//! - `PayPal-Request-Id` replays the first answer of a POST.
//! - [`FakePaypal::send_webhook`] posts an event with the five `PAYPAL-*` headers and
//!   remembers what it sent; `verify-webhook-signature` answers `SUCCESS` only for a
//!   transmission it sent, with the same signature, webhook id and event.

use super::{
    FakeError, FakeServer, IdempotencyRules, Replays, SentWebhook, decode_form, idempotent, lock, now, webhook_client,
};
use crate::paypal::{AmountError, webhook as paypal_webhook};
use crate::paypal::{from_value, to_value};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tradewind_connectors::paypal::order_id;
use tradewind_money::Money;

const FAULT: &str = r#"{"name":"INTERNAL_SERVER_ERROR","message":"An internal server error occurred.","debug_id":"fake0fault","links":[{"href":"https://developer.paypal.com/api/rest/reference/orders/v2/errors/#INTERNAL_SERVER_ERROR","rel":"information_link"}]}"#;
/// PayPal's tokens live about nine hours.
const TOKEN_LIFETIME_SECONDS: i64 = 32_400;
const CERT_PATH: &str = "/v1/notifications/certs/CERT-360caa42-fca2a594-fake";

/// A running fake PayPal; `Deref`s to its [`FakeServer`] (`base_url`, requests, faults).
pub struct FakePaypal {
    server: FakeServer,
    app: Arc<App>,
}

impl Deref for FakePaypal {
    type Target = FakeServer;

    fn deref(&self) -> &FakeServer {
        &self.server
    }
}

struct App {
    client_id: String,
    client_secret: String,
    base_url: String,
    state: Mutex<PaypalState>,
    replays: Replays,
}

struct PaypalState {
    next_id: u64,
    token_lifetime_seconds: i64,
    tokens: HashSet<String>,
    orders: HashMap<String, Order>,
    captures: HashMap<String, Capture>,
    authorizations: HashMap<String, Value>,
    refunds: HashMap<String, Value>,
    declined_buyers: HashSet<String>,
    sent: HashMap<String, Transmission>,
}

struct Order {
    object: Value,
    money: Money,
    buyer: Option<String>,
    return_url: Option<String>,
    cancel_url: Option<String>,
    capture_ids: Vec<String>,
    authorization_ids: Vec<String>,
}

struct Capture {
    object: Value,
    money: Money,
    refunded: i64,
}

/// What the fake sent in one webhook delivery, to check a verification against.
struct Transmission {
    time: String,
    sig: String,
    cert_url: String,
    auth_algo: String,
    webhook_id: String,
    event: Value,
}

impl PaypalState {
    fn seed(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A 17-character id shaped like PayPal's own.
    fn id(&mut self) -> String {
        order_id(self.seed())
    }

    /// The order with its captures and authorisations as they are now.
    fn render(&self, order: &Order) -> Value {
        let mut object = order.object.clone();
        let captures: Vec<Value> =
            order.capture_ids.iter().filter_map(|id| self.captures.get(id)).map(|c| c.object.clone()).collect();
        let authorizations: Vec<Value> =
            order.authorization_ids.iter().filter_map(|id| self.authorizations.get(id)).cloned().collect();
        if !captures.is_empty() || !authorizations.is_empty() {
            let mut payments = json!({});
            if !captures.is_empty() {
                payments["captures"] = json!(captures);
            }
            if !authorizations.is_empty() {
                payments["authorizations"] = json!(authorizations);
            }
            object["purchase_units"][0]["payments"] = payments;
        }
        object
    }
}

fn timestamp() -> String {
    OffsetDateTime::from_unix_timestamp(now()).ok().and_then(|at| at.format(&Rfc3339).ok()).unwrap_or_default()
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn failure(status: StatusCode, name: &str, issue: Option<&str>, message: &str, links: Vec<Value>) -> Response {
    let details: Vec<Value> =
        issue.into_iter().map(|issue| json!({ "issue": issue, "description": message })).collect();
    let mut links = links;
    let anchor = issue.unwrap_or(name);
    links.push(json!({
        "href": format!("https://developer.paypal.com/api/rest/reference/orders/v2/errors/#{anchor}"),
        "rel": "information_link",
        "method": "GET",
    }));
    let body = json!({
        "name": name,
        "message": message,
        "debug_id": "f0a1e2d3c4b5a",
        "details": details,
        "links": links,
    });
    answer(status, body)
}

fn unprocessable(issue: &str, message: &str) -> Response {
    failure(StatusCode::UNPROCESSABLE_ENTITY, "UNPROCESSABLE_ENTITY", Some(issue), message, Vec::new())
}

fn bad_request(issue: &str, message: &str) -> Response {
    failure(StatusCode::BAD_REQUEST, "INVALID_REQUEST", Some(issue), message, Vec::new())
}

fn not_found() -> Response {
    let message = "The specified resource does not exist.";
    failure(StatusCode::NOT_FOUND, "RESOURCE_NOT_FOUND", Some("INVALID_RESOURCE_ID"), message, Vec::new())
}

fn amount_json(money: Money) -> Value {
    json!({ "currency_code": money.currency().code(), "value": to_value(money).unwrap_or_default() })
}

/// Reads `{currency_code, value}`, refusing what PayPal refuses.
fn read_amount(amount: &Value) -> Result<Money, Response> {
    let currency = amount["currency_code"].as_str().unwrap_or_default();
    let value = amount["value"].as_str().unwrap_or_default();
    match from_value(currency, value) {
        Ok(money) if money.minor() > 0 => Ok(money),
        Ok(_) | Err(AmountError::Negative) => {
            Err(unprocessable("INVALID_PARAMETER_VALUE", "The amount must be positive."))
        }
        Err(AmountError::UnknownCurrency(_)) => {
            Err(unprocessable("CURRENCY_NOT_SUPPORTED", "Currency code is not currently supported."))
        }
        Err(AmountError::Malformed { .. } | AmountError::NotWholeUnits { .. }) => Err(unprocessable(
            "DECIMAL_PRECISION",
            "If the currency supports decimals, only two decimal place precision is supported.",
        )),
    }
}

fn json_body(body: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice(body)
        .map_err(|_| bad_request("MALFORMED_REQUEST_JSON", "The request JSON is not well formed."))
}

impl FakePaypal {
    /// Starts a fake whose REST app is `client_id` / `client_secret`.
    pub async fn start(client_id: &str, client_secret: &str) -> Result<FakePaypal, FakeError> {
        let (server, app) = FakeServer::start(FAULT, |base_url| {
            let app = Arc::new(App {
                client_id: client_id.to_owned(),
                client_secret: client_secret.to_owned(),
                base_url: base_url.to_owned(),
                state: Mutex::new(PaypalState {
                    next_id: 0,
                    token_lifetime_seconds: TOKEN_LIFETIME_SECONDS,
                    tokens: HashSet::new(),
                    orders: HashMap::new(),
                    captures: HashMap::new(),
                    authorizations: HashMap::new(),
                    refunds: HashMap::new(),
                    declined_buyers: HashSet::new(),
                    sent: HashMap::new(),
                }),
                replays: Replays::default(),
            });
            (router(Arc::clone(&app)), app)
        })
        .await?;
        Ok(FakePaypal { server, app })
    }

    /// Captures of orders this buyer approves fail with `INSTRUMENT_DECLINED`.
    pub fn decline_buyer(&self, email: &str) {
        lock(&self.app.state).declined_buyers.insert(email.to_owned());
    }

    /// Revokes every token issued so far: the next call with one gets a 401.
    pub fn expire_tokens(&self) {
        lock(&self.app.state).tokens.clear();
    }

    /// The `expires_in` of tokens issued from now on.
    pub fn set_token_lifetime(&self, seconds: i64) {
        lock(&self.app.state).token_lifetime_seconds = seconds;
    }

    /// An order as PayPal would return it now.
    pub fn order(&self, id: &str) -> Option<Value> {
        let state = lock(&self.app.state);
        state.orders.get(id).map(|order| state.render(order))
    }

    /// A capture as PayPal would return it now (with `supplementary_data`).
    pub fn capture(&self, id: &str) -> Option<Value> {
        lock(&self.app.state).captures.get(id).map(|capture| capture.object.clone())
    }

    pub fn refund(&self, id: &str) -> Option<Value> {
        lock(&self.app.state).refunds.get(id).cloned()
    }

    /// Posts an event of `event_type` about `resource` to `url` for the webhook
    /// `webhook_id`, with PayPal's transmission headers.
    pub async fn send_webhook(
        &self,
        url: &str,
        webhook_id: &str,
        event_type: &str,
        resource: Value,
    ) -> Result<SentWebhook, FakeError> {
        let (event_id, transmission_id) = {
            let mut state = lock(&self.app.state);
            let seed = state.seed();
            (format!("WH-{}", order_id(seed)), format!("{:08x}-fake-11e5-baa3-778b53f4ae55", seed))
        };
        let time = timestamp();
        let event = json!({
            "id": event_id,
            "event_version": "1.0",
            "create_time": time,
            "resource_type": resource_type(event_type),
            "resource_version": "2.0",
            "event_type": event_type,
            "summary": format!("{event_type} (sent by the fake)"),
            "resource": resource,
            "links": [{
                "href": format!("{}/v1/notifications/webhooks-events/{event_id}", self.app.base_url),
                "rel": "self",
                "method": "GET",
            }],
        });
        let body = serde_json::to_vec(&event)?;
        // PayPal signs "id|time|webhook id|CRC32 of the body" with its private key; the
        // fake's signature only has to be unguessable and remembered.
        let digest =
            Sha256::digest(format!("{transmission_id}|{time}|{webhook_id}|{}", hex::encode(Sha256::digest(&body))));
        let transmission = Transmission {
            time: time.clone(),
            sig: STANDARD.encode(digest),
            cert_url: format!("{}{CERT_PATH}", self.app.base_url),
            auth_algo: "SHA256withRSA".to_owned(),
            webhook_id: webhook_id.to_owned(),
            event,
        };
        let request = webhook_client()?
            .post(url)
            .header(paypal_webhook::TRANSMISSION_ID_HEADER, &transmission_id)
            .header(paypal_webhook::TRANSMISSION_TIME_HEADER, &transmission.time)
            .header(paypal_webhook::TRANSMISSION_SIG_HEADER, &transmission.sig)
            .header(paypal_webhook::CERT_URL_HEADER, &transmission.cert_url)
            .header(paypal_webhook::AUTH_ALGO_HEADER, &transmission.auth_algo)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        lock(&self.app.state).sent.insert(transmission_id, transmission);
        let response = request.send().await?;
        Ok(SentWebhook { event_id, status: response.status().as_u16() })
    }
}

/// How PayPal adds its parameters to a URL: after the URL's own query, if it has one.
fn separator(url: &str) -> char {
    if url.contains('?') { '&' } else { '?' }
}

fn resource_type(event_type: &str) -> &'static str {
    match event_type {
        "PAYMENT.CAPTURE.REFUNDED" | "PAYMENT.CAPTURE.REVERSED" => "refund",
        _ if event_type.starts_with("CHECKOUT.ORDER.") => "checkout-order",
        _ if event_type.starts_with("PAYMENT.AUTHORIZATION.") => "authorization",
        _ if event_type.starts_with("PAYMENT.CAPTURE.") => "capture",
        _ => "unknown",
    }
}

fn router(app: Arc<App>) -> Router {
    let api = Router::new()
        .route("/v2/checkout/orders", post(create_order))
        .route("/v2/checkout/orders/{id}", get(get_order))
        .route("/v2/checkout/orders/{id}/capture", post(capture_order))
        .route("/v2/checkout/orders/{id}/authorize", post(authorize_order))
        .route("/v2/payments/authorizations/{id}/capture", post(capture_authorization))
        .route("/v2/payments/authorizations/{id}/void", post(void_authorization))
        .route("/v2/payments/captures/{id}", get(get_capture))
        .route("/v2/payments/captures/{id}/refund", post(refund_capture))
        .route("/v2/payments/refunds/{id}", get(get_refund))
        .route("/v1/notifications/verify-webhook-signature", post(verify_signature))
        .layer(from_fn_with_state(Arc::clone(&app), idempotency))
        .layer(from_fn_with_state(Arc::clone(&app), authenticate));
    let open = Router::new()
        .route("/v1/oauth2/token", post(issue_token))
        .route("/checkoutnow", get(approval_page).post(approval));
    api.merge(open).with_state(app)
}

async fn authenticate(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    if token.is_some_and(|token| lock(&app.state).tokens.contains(token)) {
        return next.run(request).await;
    }
    let message = "Authentication failed due to invalid authentication credentials or a missing Authorization header.";
    failure(StatusCode::UNAUTHORIZED, "AUTHENTICATION_FAILURE", None, message, Vec::new())
}

const IDEMPOTENCY: IdempotencyRules = IdempotencyRules {
    header: "paypal-request-id",
    in_progress: || unprocessable("DUPLICATE_REQUEST_ID", "A request with this PayPal-Request-Id is in progress."),
    mismatch: None,
    per_path: true,
};

async fn idempotency(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    idempotent(&app.replays, &IDEMPOTENCY, request, next).await
}

async fn issue_token(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let expected = format!("Basic {}", STANDARD.encode(format!("{}:{}", app.client_id, app.client_secret)));
    if headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()) != Some(expected.as_str()) {
        let body = json!({ "error": "invalid_client", "error_description": "Client Authentication failed" });
        return answer(StatusCode::UNAUTHORIZED, body);
    }
    if !decode_form(&body).iter().any(|(key, value)| key == "grant_type" && value == "client_credentials") {
        let body = json!({ "error": "unsupported_grant_type", "error_description": "Grant Type is NULL" });
        return answer(StatusCode::BAD_REQUEST, body);
    }
    let mut state = lock(&app.state);
    let token = format!("A21AAFake{}", order_id(state.seed()));
    state.tokens.insert(token.clone());
    answer(
        StatusCode::OK,
        json!({
            "scope": "https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/payments/refund",
            "access_token": token,
            "token_type": "Bearer",
            "app_id": "APP-80W284485P519543T",
            "expires_in": state.token_lifetime_seconds,
            "nonce": format!("{}-fake", timestamp()),
        }),
    )
}

async fn create_order(State(app): State<Arc<App>>, body: Bytes) -> Response {
    match new_order(&app, &body) {
        Ok(response) | Err(response) => response,
    }
}

fn new_order(app: &App, body: &Bytes) -> Result<Response, Response> {
    let body = json_body(body)?;
    let intent = body["intent"].as_str().unwrap_or_default();
    if intent != "CAPTURE" && intent != "AUTHORIZE" {
        return Err(bad_request("INVALID_PARAMETER_VALUE", "intent must be CAPTURE or AUTHORIZE."));
    }
    let unit = &body["purchase_units"][0];
    if !unit.is_object() {
        return Err(bad_request("MISSING_REQUIRED_PARAMETER", "purchase_units is required."));
    }
    let money = read_amount(&unit["amount"])?;
    let context = &body["payment_source"]["paypal"]["experience_context"];
    let mut state = lock(&app.state);
    let id = state.id();
    let approval = format!("{}/checkoutnow?token={id}", app.base_url);
    let (status, approval_rel) =
        if context.is_object() { ("PAYER_ACTION_REQUIRED", "payer-action") } else { ("CREATED", "approve") };
    let object = json!({
        "id": id,
        "intent": intent,
        "status": status,
        "purchase_units": [{
            "reference_id": unit["reference_id"].as_str().unwrap_or("default"),
            "amount": amount_json(money),
            "payee": { "email_address": "merchant@example.com", "merchant_id": "FAKEMERCHANT1" },
            "custom_id": unit["custom_id"],
            "invoice_id": unit["invoice_id"],
        }],
        "create_time": timestamp(),
        "links": [
            { "href": format!("{}/v2/checkout/orders/{id}", app.base_url), "rel": "self", "method": "GET" },
            { "href": approval, "rel": approval_rel, "method": "GET" },
        ],
    });
    let order = Order {
        object,
        money,
        buyer: None,
        return_url: context["return_url"].as_str().map(str::to_owned),
        cancel_url: context["cancel_url"].as_str().map(str::to_owned),
        capture_ids: Vec::new(),
        authorization_ids: Vec::new(),
    };
    let rendered = state.render(&order);
    state.orders.insert(id, order);
    Ok(answer(StatusCode::CREATED, rendered))
}

async fn get_order(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let state = lock(&app.state);
    match state.orders.get(&id) {
        Some(order) => answer(StatusCode::OK, state.render(order)),
        None => not_found(),
    }
}

async fn approval_page(Query(query): Query<HashMap<String, String>>) -> Html<String> {
    let token = query.get("token").cloned().unwrap_or_default();
    Html(format!(
        "<!doctype html><title>PayPal checkout (fake)</title><h1>Pay with PayPal</h1>\
         <form method=post action=\"/checkoutnow?token={token}&action=approve\"><button>Pay now</button></form>\
         <form method=post action=\"/checkoutnow?token={token}&action=cancel\"><button>Cancel</button></form>"
    ))
}

/// The buyer approves (as `buyer`, by default `buyer@example.com`) or cancels.
async fn approval(State(app): State<Arc<App>>, Query(query): Query<HashMap<String, String>>) -> Response {
    let token = query.get("token").cloned().unwrap_or_default();
    let mut state = lock(&app.state);
    let payer_id = format!("FAKEPAYER{}", state.seed());
    let Some(order) = state.orders.get_mut(&token) else { return not_found() };
    let redirect = match query.get("action").map(String::as_str) {
        Some("approve") if matches!(order.object["status"].as_str(), Some("CREATED" | "PAYER_ACTION_REQUIRED")) => {
            let buyer = query.get("buyer").cloned().unwrap_or_else(|| "buyer@example.com".to_owned());
            order.object["status"] = json!("APPROVED");
            order.object["payer"] = json!({
                "name": { "given_name": "Test", "surname": "Buyer" },
                "email_address": buyer,
                "payer_id": payer_id,
            });
            order.object["payment_source"] = json!({ "paypal": { "email_address": buyer, "account_id": payer_id } });
            order.buyer = Some(buyer);
            order.return_url.clone().map(|url| format!("{url}{}token={token}&PayerID={payer_id}", separator(&url)))
        }
        Some("cancel") => order.cancel_url.clone().map(|url| format!("{url}{}token={token}", separator(&url))),
        _ => return (StatusCode::BAD_REQUEST, "nothing to approve, or no action").into_response(),
    };
    match redirect {
        Some(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        None => (StatusCode::OK, "done").into_response(),
    }
}

/// The order, approved, for intent `intent`; or PayPal's refusal.
fn approved<'a>(state: &'a mut PaypalState, id: &str, intent: &str, base_url: &str) -> Result<&'a mut Order, Response> {
    let declined_buyers = state.declined_buyers.clone();
    let order = state.orders.get_mut(id).ok_or_else(not_found)?;
    if order.object["intent"] != intent {
        return Err(unprocessable("ACTION_DOES_NOT_MATCH_INTENT", "The action does not match the order's intent."));
    }
    match order.object["status"].as_str() {
        Some("APPROVED") => {}
        Some("COMPLETED") => {
            return Err(unprocessable("ORDER_ALREADY_CAPTURED", "Order already captured."));
        }
        _ => {
            return Err(unprocessable(
                "ORDER_NOT_APPROVED",
                "Payer has not yet approved the Order for payment. Please redirect the payer to the \
                 'rel':'approve' url returned as part of the HATEOAS links within the Create Order call.",
            ));
        }
    }
    if order.buyer.as_ref().is_some_and(|buyer| declined_buyers.contains(buyer)) {
        order.object["status"] = json!("PAYER_ACTION_REQUIRED");
        order.buyer = None;
        let retry = json!({ "href": format!("{base_url}/checkoutnow?token={id}"), "rel": "redirect", "method": "GET" });
        return Err(failure(
            StatusCode::UNPROCESSABLE_ENTITY,
            "UNPROCESSABLE_ENTITY",
            Some("INSTRUMENT_DECLINED"),
            "The instrument presented was either declined by the processor or bank, or it can't be used for \
             this payment.",
            vec![retry],
        ));
    }
    Ok(order)
}

/// A new completed capture of `money` for `order_id`.
fn new_capture(state: &mut PaypalState, base_url: &str, order_id: &str, unit: &Value, money: Money) -> String {
    let id = state.id();
    let object = json!({
        "id": id,
        "status": "COMPLETED",
        "amount": amount_json(money),
        "final_capture": true,
        "seller_protection": { "status": "ELIGIBLE", "dispute_categories": ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"] },
        "custom_id": unit["custom_id"],
        "invoice_id": unit["invoice_id"],
        "supplementary_data": { "related_ids": { "order_id": order_id } },
        "create_time": timestamp(),
        "update_time": timestamp(),
        "links": [
            { "href": format!("{base_url}/v2/payments/captures/{id}"), "rel": "self", "method": "GET" },
            { "href": format!("{base_url}/v2/payments/captures/{id}/refund"), "rel": "refund", "method": "POST" },
            { "href": format!("{base_url}/v2/checkout/orders/{order_id}"), "rel": "up", "method": "GET" },
        ],
    });
    state.captures.insert(id.clone(), Capture { object, money, refunded: 0 });
    id
}

async fn capture_order(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let mut state = lock(&app.state);
    let (unit, money) = match approved(&mut state, &id, "CAPTURE", &app.base_url) {
        Ok(order) => (order.object["purchase_units"][0].clone(), order.money),
        Err(response) => return response,
    };
    let invoice_id = &unit["invoice_id"];
    let duplicate =
        invoice_id.is_string() && state.captures.values().any(|capture| capture.object["invoice_id"] == *invoice_id);
    if duplicate {
        return unprocessable(
            "DUPLICATE_INVOICE_ID",
            "Duplicate Invoice ID detected. To avoid a potential duplicate transaction your account setting \
             requires that Invoice Id be unique for each transaction.",
        );
    }
    let capture_id = new_capture(&mut state, &app.base_url, &id, &unit, money);
    let Some(order) = state.orders.get_mut(&id) else { return not_found() };
    order.object["status"] = json!("COMPLETED");
    order.capture_ids.push(capture_id);
    let Some(order) = state.orders.get(&id) else { return not_found() };
    answer(StatusCode::CREATED, state.render(order))
}

async fn authorize_order(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let mut state = lock(&app.state);
    let (unit, money) = match approved(&mut state, &id, "AUTHORIZE", &app.base_url) {
        Ok(order) => (order.object["purchase_units"][0].clone(), order.money),
        Err(response) => return response,
    };
    let authorization_id = state.id();
    let base_url = &app.base_url;
    let authorization = json!({
        "id": authorization_id,
        "status": "CREATED",
        "amount": amount_json(money),
        "custom_id": unit["custom_id"],
        "invoice_id": unit["invoice_id"],
        "supplementary_data": { "related_ids": { "order_id": id } },
        "create_time": timestamp(),
        "links": [
            { "href": format!("{base_url}/v2/payments/authorizations/{authorization_id}"), "rel": "self", "method": "GET" },
            { "href": format!("{base_url}/v2/payments/authorizations/{authorization_id}/capture"), "rel": "capture", "method": "POST" },
            { "href": format!("{base_url}/v2/payments/authorizations/{authorization_id}/void"), "rel": "void", "method": "POST" },
        ],
    });
    state.authorizations.insert(authorization_id.clone(), authorization);
    let Some(order) = state.orders.get_mut(&id) else { return not_found() };
    order.object["status"] = json!("COMPLETED");
    order.authorization_ids.push(authorization_id);
    let Some(order) = state.orders.get(&id) else { return not_found() };
    answer(StatusCode::CREATED, state.render(order))
}

/// The order an authorisation belongs to, and its money, if it can still be captured
/// or voided.
fn open_authorization(state: &PaypalState, id: &str) -> Result<(String, Money, Value), Response> {
    let authorization = state.authorizations.get(id).ok_or_else(not_found)?;
    match authorization["status"].as_str() {
        Some("CREATED") => {}
        Some("VOIDED") => return Err(unprocessable("AUTHORIZATION_VOIDED", "The authorization has been voided.")),
        _ => return Err(unprocessable("AUTHORIZATION_ALREADY_CAPTURED", "The authorization was already captured.")),
    }
    let order_id = authorization["supplementary_data"]["related_ids"]["order_id"].as_str().unwrap_or_default();
    let order = state.orders.get(order_id).ok_or_else(not_found)?;
    Ok((order_id.to_owned(), order.money, order.object["purchase_units"][0].clone()))
}

async fn capture_authorization(State(app): State<Arc<App>>, Path(id): Path<String>, body: Bytes) -> Response {
    let mut state = lock(&app.state);
    let (order_id, authorized, unit) = match open_authorization(&state, &id) {
        Ok(open) => open,
        Err(response) => return response,
    };
    let requested = match json_body(&body).map(|body| body["amount"].clone()) {
        Ok(amount) if amount.is_object() => read_amount(&amount),
        Ok(_) => Ok(authorized),
        Err(response) => Err(response),
    };
    let money = match requested {
        Ok(money) if money.currency() == authorized.currency() && money.minor() <= authorized.minor() => money,
        Ok(_) => return unprocessable("AMOUNT_CANNOT_BE_GREATER_THAN_AUTHORIZED", "Too large an amount."),
        Err(response) => return response,
    };
    let capture_id = new_capture(&mut state, &app.base_url, &order_id, &unit, money);
    let captured = if money == authorized { "CAPTURED" } else { "PARTIALLY_CAPTURED" };
    if let Some(authorization) = state.authorizations.get_mut(&id) {
        authorization["status"] = json!(captured);
    }
    if let Some(order) = state.orders.get_mut(&order_id) {
        order.capture_ids.push(capture_id.clone());
    }
    let capture = state.captures.get(&capture_id).map(|capture| capture.object.clone()).unwrap_or_default();
    answer(StatusCode::CREATED, capture)
}

async fn void_authorization(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let mut state = lock(&app.state);
    if let Err(response) = open_authorization(&state, &id) {
        return response;
    }
    let Some(authorization) = state.authorizations.get_mut(&id) else { return not_found() };
    authorization["status"] = json!("VOIDED");
    answer(StatusCode::OK, authorization.clone())
}

async fn get_capture(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match lock(&app.state).captures.get(&id) {
        Some(capture) => answer(StatusCode::OK, capture.object.clone()),
        None => not_found(),
    }
}

async fn refund_capture(State(app): State<Arc<App>>, Path(id): Path<String>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let mut state = lock(&app.state);
    let refund_id = state.id();
    let Some(capture) = state.captures.get_mut(&id) else { return not_found() };
    let remaining = capture.money.minor() - capture.refunded;
    if remaining == 0 {
        return unprocessable("CAPTURE_FULLY_REFUNDED", "The capture has already been fully refunded.");
    }
    let amount = match body["amount"].is_object() {
        true => match read_amount(&body["amount"]) {
            Ok(amount) => amount,
            Err(response) => return response,
        },
        false => Money::new(remaining, capture.money.currency()),
    };
    if amount.currency() != capture.money.currency() || amount.minor() > remaining {
        return unprocessable(
            "REFUND_AMOUNT_EXCEEDED",
            "The refund amount must be less than or equal to the capture amount that has not yet been refunded.",
        );
    }
    capture.refunded += amount.minor();
    let fully = capture.refunded == capture.money.minor();
    capture.object["status"] = json!(if fully { "REFUNDED" } else { "PARTIALLY_REFUNDED" });
    let base_url = &app.base_url;
    let refund = json!({
        "id": refund_id,
        "status": "COMPLETED",
        "amount": amount_json(amount),
        "invoice_id": body["invoice_id"],
        "create_time": timestamp(),
        "update_time": timestamp(),
        "links": [
            { "href": format!("{base_url}/v2/payments/refunds/{refund_id}"), "rel": "self", "method": "GET" },
            { "href": format!("{base_url}/v2/payments/captures/{id}"), "rel": "up", "method": "GET" },
        ],
    });
    state.refunds.insert(refund_id, refund.clone());
    answer(StatusCode::CREATED, refund)
}

async fn get_refund(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match lock(&app.state).refunds.get(&id) {
        Some(refund) => answer(StatusCode::OK, refund.clone()),
        None => not_found(),
    }
}

/// `SUCCESS` only for a transmission the fake sent, unchanged in every field.
async fn verify_signature(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let fields = ["transmission_id", "transmission_time", "transmission_sig", "cert_url", "auth_algo", "webhook_id"];
    if fields.iter().any(|field| !body[field].is_string()) || !body["webhook_event"].is_object() {
        return bad_request("MISSING_REQUIRED_PARAMETER", "A required field is missing.");
    }
    let state = lock(&app.state);
    let genuine = state.sent.get(body["transmission_id"].as_str().unwrap_or_default()).is_some_and(|sent| {
        body["transmission_time"] == sent.time.as_str()
            && body["transmission_sig"] == sent.sig.as_str()
            && body["cert_url"] == sent.cert_url.as_str()
            && body["auth_algo"] == sent.auth_algo.as_str()
            && body["webhook_id"] == sent.webhook_id.as_str()
            && body["webhook_event"] == sent.event
    });
    answer(StatusCode::OK, json!({ "verification_status": if genuine { "SUCCESS" } else { "FAILURE" } }))
}
