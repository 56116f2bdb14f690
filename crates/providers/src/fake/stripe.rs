//! A fake Stripe: PaymentIntents and Refunds in memory, answered in Stripe's shapes.
//!
//! - Every `/v1` call needs `Authorization: Bearer <the key it was started with>`
//!   (401 otherwise); bodies are forms, answers JSON.
//! - Cards behave as Stripe's test cards do (the sandbox acquirer's table,
//!   `tradewind_connectors::card`): `4242424242424242` approves, `4000000000000002`
//!   declines (`generic_decline`), `4000000000009995` `insufficient_funds`,
//!   `4000000000009979` `stolen_card`, `4000000000000069` `expired_card`,
//!   `4000002500003155` asks for 3-D Secure. Test PaymentMethod ids (`pm_card_visa`,
//!   `pm_card_chargeDeclined…`) stand for the same numbers.
//! - 3-D Secure: `next_action.redirect_to_url.url` is the fake's `/3ds/{id}` page; a
//!   POST to `/3ds/{id}?outcome=complete` (or `fail`) finishes it and redirects (303) to
//!   the `return_url` as Stripe does.
//! - `Idempotency-Key`: the same key and body replay the saved answer (with
//!   `Idempotent-Replayed: true`); the same key with another body, or on another
//!   endpoint, is a 400 `idempotency_error`; a key whose first request is still
//!   running, a 409.
//! - [`FakeStripe::send_webhook`] posts an event signed per `Stripe-Signature`.

use super::{
    FakeError, FakeServer, IdempotencyRules, Replays, SentWebhook, decode_form, idempotent, lock, now, webhook_client,
};
use crate::stripe::{STRIPE_API_VERSION, sign};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use tradewind_connectors::card::{AfterThreeDs, CardDecline, CardScenario, scenario};
use tradewind_money::Currency;
use tradewind_payments::card::CardNumber;

/// The body of an injected 500.
const FAULT: &str = r#"{"error":{"type":"api_error","message":"An unknown error occurred (injected by the fake)."}}"#;

/// Stripe's test PaymentMethods and the card numbers they stand for.
const TEST_PAYMENT_METHODS: &[(&str, &str)] = &[
    ("pm_card_visa", "4242424242424242"),
    ("pm_card_mastercard", "5555555555554444"),
    ("pm_card_chargeDeclined", "4000000000000002"),
    ("pm_card_chargeDeclinedInsufficientFunds", "4000000000009995"),
    ("pm_card_chargeDeclinedLostCard", "4000000000009987"),
    ("pm_card_chargeDeclinedStolenCard", "4000000000009979"),
    ("pm_card_chargeDeclinedExpiredCard", "4000000000000069"),
    ("pm_card_chargeDeclinedIncorrectCvc", "4000000000000127"),
    ("pm_card_chargeDeclinedProcessingError", "4000000000000119"),
    ("pm_card_chargeDeclinedFraudulent", "4100000000000019"),
    ("pm_card_authenticationRequired", "4000002500003155"),
    ("pm_card_threeDSecure2Required", "4000000000003220"),
];

/// A running fake Stripe; `Deref`s to its [`FakeServer`] (`base_url`, requests, faults).
pub struct FakeStripe {
    server: FakeServer,
    app: Arc<App>,
}

impl Deref for FakeStripe {
    type Target = FakeServer;

    fn deref(&self) -> &FakeServer {
        &self.server
    }
}

struct App {
    secret_key: String,
    base_url: String,
    state: Mutex<StripeState>,
    replays: Replays,
}

#[derive(Default)]
struct StripeState {
    next_id: u64,
    intents: HashMap<String, Intent>,
    refunds: HashMap<String, Value>,
}

impl StripeState {
    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}_Fake{:020}", self.next_id)
    }
}

struct Intent {
    object: Value,
    /// What the issuer answers once 3-D Secure is completed.
    after_three_ds: Option<AfterThreeDs>,
    return_url: Option<String>,
    refunded: i64,
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn error(status: StatusCode, kind: &str, code: Option<&str>, message: &str) -> Response {
    answer(status, json!({ "error": { "type": kind, "code": code, "message": message } }))
}

fn invalid(code: &str, message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "invalid_request_error", Some(code), message)
}

fn missing(kind: &str, id: &str) -> Response {
    error(StatusCode::NOT_FOUND, "invalid_request_error", Some("resource_missing"), &format!("No such {kind}: '{id}'"))
}

fn unexpected_state(intent: &Value, action: &str) -> Response {
    let status = intent["status"].as_str().unwrap_or_default();
    invalid(
        "payment_intent_unexpected_state",
        &format!("This PaymentIntent could not be {action} because it has a status of {status}."),
    )
}

impl FakeStripe {
    /// Starts a fake that accepts only `secret_key`.
    pub async fn start(secret_key: &str) -> Result<FakeStripe, FakeError> {
        let (server, app) = FakeServer::start(FAULT, |base_url| {
            let app = Arc::new(App {
                secret_key: secret_key.to_owned(),
                base_url: base_url.to_owned(),
                state: Mutex::default(),
                replays: Replays::default(),
            });
            (router(Arc::clone(&app)), app)
        })
        .await?;
        Ok(FakeStripe { server, app })
    }

    /// A PaymentIntent as Stripe would return it now.
    pub fn payment_intent(&self, id: &str) -> Option<Value> {
        lock(&self.app.state).intents.get(id).map(|intent| intent.object.clone())
    }

    /// A refund as Stripe would return it now.
    pub fn refund(&self, id: &str) -> Option<Value> {
        lock(&self.app.state).refunds.get(id).cloned()
    }

    /// Posts an event of `event_type` about `object` to `url`, signed with `secret`
    /// at the current time, as Stripe delivers webhooks.
    pub async fn send_webhook(
        &self,
        url: &str,
        secret: &str,
        event_type: &str,
        object: Value,
    ) -> Result<SentWebhook, FakeError> {
        let event_id = lock(&self.app.state).id("evt");
        let created = now();
        let event = json!({
            "id": event_id,
            "object": "event",
            "api_version": STRIPE_API_VERSION,
            "created": created,
            "data": { "object": object },
            "livemode": false,
            "pending_webhooks": 1,
            "request": { "id": null, "idempotency_key": null },
            "type": event_type,
        });
        let body = serde_json::to_vec(&event)?;
        let response = webhook_client()?
            .post(url)
            .header(crate::stripe::SIGNATURE_HEADER, sign(&body, secret, created))
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(body)
            .send()
            .await?;
        Ok(SentWebhook { event_id, status: response.status().as_u16() })
    }
}

fn router(app: Arc<App>) -> Router {
    let api = Router::new()
        .route("/v1/payment_intents", post(create_intent))
        .route("/v1/payment_intents/{id}", get(retrieve_intent))
        .route("/v1/payment_intents/{id}/capture", post(capture_intent))
        .route("/v1/payment_intents/{id}/cancel", post(cancel_intent))
        .route("/v1/refunds", post(create_refund))
        .route("/v1/refunds/{id}", get(retrieve_refund))
        .layer(from_fn_with_state(Arc::clone(&app), idempotency))
        .layer(from_fn_with_state(Arc::clone(&app), authenticate));
    let pages = Router::new().route("/3ds/{id}", get(three_ds_page).post(three_ds_finish));
    api.merge(pages).with_state(app)
}

async fn authenticate(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let expected = format!("Bearer {}", app.secret_key);
    let given = request.headers().get(header::AUTHORIZATION).and_then(|value| value.to_str().ok());
    if given == Some(expected.as_str()) {
        return next.run(request).await;
    }
    let message = "Invalid API Key provided. You can find your API keys in the Dashboard.";
    error(StatusCode::UNAUTHORIZED, "invalid_request_error", None, message)
}

const IDEMPOTENCY: IdempotencyRules = IdempotencyRules {
    header: "idempotency-key",
    in_progress: || {
        let message = "There is currently another in-progress request using this Idempotent Key.";
        error(StatusCode::CONFLICT, "idempotency_error", Some("idempotency_key_in_use"), message)
    },
    mismatch: Some(|key| {
        let message = format!(
            "Keys for idempotent requests can only be used with the same parameters they were first used with. \
             Try using a key other than '{key}' if you meant to execute a different request."
        );
        error(StatusCode::BAD_REQUEST, "idempotency_error", None, &message)
    }),
    per_path: false,
};

async fn idempotency(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    idempotent(&app.replays, &IDEMPOTENCY, request, next).await
}

/// A form's fields by name.
struct Form(Vec<(String, String)>);

impl Form {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// `metadata[key]=value` fields as an object.
    fn metadata(&self) -> Value {
        let pairs = self.0.iter().filter_map(|(key, value)| {
            let name = key.strip_prefix("metadata[")?.strip_suffix(']')?;
            Some((name.to_owned(), Value::String(value.clone())))
        });
        Value::Object(pairs.collect())
    }

    /// The card number: raw `payment_method_data[card][number]`, or a test `pm_…`.
    fn card_number(&self) -> Result<Option<String>, Response> {
        if let Some(number) = self.get("payment_method_data[card][number]") {
            return Ok(Some(number.to_owned()));
        }
        let Some(id) = self.get("payment_method") else { return Ok(None) };
        match TEST_PAYMENT_METHODS.iter().find(|(name, _)| *name == id) {
            Some((_, number)) => Ok(Some((*number).to_owned())),
            None => Err(invalid("resource_missing", &format!("No such PaymentMethod: '{id}'"))),
        }
    }
}

fn positive_amount(form: &Form, name: &str) -> Result<Option<i64>, Response> {
    match form.get(name) {
        None => Ok(None),
        Some(text) => match text.parse::<i64>() {
            Ok(amount) if amount > 0 => Ok(Some(amount)),
            _ => Err(invalid("parameter_invalid_integer", &format!("Invalid positive integer: {name}"))),
        },
    }
}

async fn create_intent(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let form = Form(decode_form(&body));
    match new_intent(&app, &form) {
        Ok(response) | Err(response) => response,
    }
}

fn new_intent(app: &App, form: &Form) -> Result<Response, Response> {
    let amount = positive_amount(form, "amount")?.ok_or_else(|| invalid("parameter_missing", "Missing: amount"))?;
    let currency = form.get("currency").unwrap_or_default();
    if currency != currency.to_ascii_lowercase() || Currency::parse(currency).is_err() {
        return Err(invalid("parameter_invalid_string", &format!("Invalid currency: {currency}")));
    }
    let number = form.card_number()?;
    let confirm = form.get("confirm") == Some("true");
    let manual = form.get("capture_method") == Some("manual");
    let mut state = lock(&app.state);
    let id = state.id("pi");
    let status = if number.is_some() { "requires_confirmation" } else { "requires_payment_method" };
    let mut intent = Intent {
        object: json!({
            "id": id, "object": "payment_intent", "amount": amount, "amount_capturable": 0,
            "amount_received": 0, "capture_method": if manual { "manual" } else { "automatic" },
            "client_secret": format!("{id}_secret_fake"), "confirmation_method": "automatic",
            "created": now(), "currency": currency, "last_payment_error": null, "latest_charge": null,
            "livemode": false, "metadata": form.metadata(), "next_action": null,
            "payment_method": number.as_ref().map(|_| format!("pm_Fake{id}")),
            "payment_method_types": ["card"], "status": status,
        }),
        after_three_ds: None,
        return_url: form.get("return_url").map(str::to_owned),
        refunded: 0,
    };
    let response = match (number, confirm) {
        (Some(number), true) => confirm_card(&mut state, &app.base_url, &mut intent, &number),
        _ => answer(StatusCode::OK, intent.object.clone()),
    };
    state.intents.insert(id, intent);
    Ok(response)
}

/// Confirms with a card as the sandbox acquirer decides.
fn confirm_card(state: &mut StripeState, base_url: &str, intent: &mut Intent, number: &str) -> Response {
    let Ok(card) = CardNumber::parse(number) else {
        let decline = CardDecline {
            code: "incorrect_number",
            decline_code: "incorrect_number",
            message: "Your card number is incorrect.",
        };
        return decline_intent(intent, decline);
    };
    match scenario(&card) {
        CardScenario::Approve | CardScenario::ThreeDsOptional => authorize(state, intent),
        CardScenario::Decline(decline) => decline_intent(intent, decline),
        CardScenario::ThreeDsRequired { after } => {
            let id = intent.object["id"].as_str().unwrap_or_default().to_owned();
            intent.after_three_ds = Some(after);
            intent.object["status"] = json!("requires_action");
            intent.object["next_action"] = json!({
                "type": "redirect_to_url",
                "redirect_to_url": { "url": format!("{base_url}/3ds/{id}"), "return_url": intent.return_url },
            });
            answer(StatusCode::OK, intent.object.clone())
        }
    }
}

fn authorize(state: &mut StripeState, intent: &mut Intent) -> Response {
    let amount = intent.object["amount"].clone();
    intent.object["latest_charge"] = json!(state.id("ch"));
    intent.object["next_action"] = Value::Null;
    if intent.object["capture_method"] == "manual" {
        intent.object["status"] = json!("requires_capture");
        intent.object["amount_capturable"] = amount;
    } else {
        intent.object["status"] = json!("succeeded");
        intent.object["amount_received"] = amount;
    }
    answer(StatusCode::OK, intent.object.clone())
}

/// A card decline: the intent goes back to `requires_payment_method` with the error,
/// and the answer is a 402 that embeds it.
fn decline_intent(intent: &mut Intent, decline: CardDecline) -> Response {
    fail_intent(
        intent,
        json!({
            "type": "card_error",
            "code": decline.code,
            "decline_code": decline.decline_code,
            "message": decline.message,
        }),
    )
}

fn fail_intent(intent: &mut Intent, last_error: Value) -> Response {
    intent.object["status"] = json!("requires_payment_method");
    intent.object["next_action"] = Value::Null;
    intent.object["last_payment_error"] = last_error.clone();
    let mut body = last_error;
    body["payment_intent"] = intent.object.clone();
    answer(StatusCode::PAYMENT_REQUIRED, json!({ "error": body }))
}

async fn retrieve_intent(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match lock(&app.state).intents.get(&id) {
        Some(intent) => answer(StatusCode::OK, intent.object.clone()),
        None => missing("payment_intent", &id),
    }
}

async fn capture_intent(State(app): State<Arc<App>>, Path(id): Path<String>, body: Bytes) -> Response {
    let form = Form(decode_form(&body));
    let mut state = lock(&app.state);
    let Some(intent) = state.intents.get_mut(&id) else { return missing("payment_intent", &id) };
    if intent.object["status"] != "requires_capture" {
        return unexpected_state(&intent.object, "captured");
    }
    let capturable = intent.object["amount_capturable"].as_i64().unwrap_or_default();
    let amount = match positive_amount(&form, "amount_to_capture") {
        Ok(amount) => amount.unwrap_or(capturable),
        Err(response) => return response,
    };
    if amount > capturable {
        return invalid("amount_too_large", "The amount to capture is greater than the amount capturable.");
    }
    intent.object["status"] = json!("succeeded");
    intent.object["amount_received"] = json!(amount);
    intent.object["amount_capturable"] = json!(0);
    answer(StatusCode::OK, intent.object.clone())
}

async fn cancel_intent(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let mut state = lock(&app.state);
    let Some(intent) = state.intents.get_mut(&id) else { return missing("payment_intent", &id) };
    if matches!(intent.object["status"].as_str(), Some("succeeded" | "canceled")) {
        return unexpected_state(&intent.object, "canceled");
    }
    intent.object["status"] = json!("canceled");
    intent.object["amount_capturable"] = json!(0);
    intent.object["next_action"] = Value::Null;
    intent.object["canceled_at"] = json!(now());
    answer(StatusCode::OK, intent.object.clone())
}

async fn create_refund(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let form = Form(decode_form(&body));
    let Some(intent_id) = form.get("payment_intent") else {
        return invalid("parameter_missing", "Missing required param: payment_intent.");
    };
    let requested = match positive_amount(&form, "amount") {
        Ok(amount) => amount,
        Err(response) => return response,
    };
    let mut state = lock(&app.state);
    let refund_id = state.id("re");
    let Some(intent) = state.intents.get_mut(intent_id) else {
        return invalid("resource_missing", &format!("No such payment_intent: '{intent_id}'"));
    };
    if intent.object["status"] != "succeeded" {
        return unexpected_state(&intent.object, "refunded");
    }
    let remaining = intent.object["amount_received"].as_i64().unwrap_or_default() - intent.refunded;
    if remaining == 0 {
        return invalid("charge_already_refunded", "This charge has already been refunded.");
    }
    let amount = requested.unwrap_or(remaining);
    if amount > remaining {
        return invalid("amount_too_large", "The refund amount is greater than the unrefunded amount on the charge.");
    }
    intent.refunded += amount;
    let refund = json!({
        "id": refund_id, "object": "refund", "amount": amount, "charge": intent.object["latest_charge"],
        "created": now(), "currency": intent.object["currency"], "metadata": form.metadata(),
        "payment_intent": intent_id, "reason": null, "status": "succeeded", "failure_reason": null,
    });
    state.refunds.insert(refund_id, refund.clone());
    answer(StatusCode::OK, refund)
}

async fn retrieve_refund(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match lock(&app.state).refunds.get(&id) {
        Some(refund) => answer(StatusCode::OK, refund.clone()),
        None => missing("refund", &id),
    }
}

async fn three_ds_page(Path(id): Path<String>) -> Html<String> {
    Html(format!(
        "<!doctype html><title>3D Secure test page</title><h1>3D Secure test payment</h1>\
         <form method=post action=\"/3ds/{id}?outcome=complete\"><button>Complete authentication</button></form>\
         <form method=post action=\"/3ds/{id}?outcome=fail\"><button>Fail authentication</button></form>"
    ))
}

/// The buyer completes (or fails) the challenge; the intent moves on and the buyer is
/// sent back to the `return_url`.
async fn three_ds_finish(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut state = lock(&app.state);
    let Some(mut intent) = state.intents.remove(&id) else { return missing("payment_intent", &id) };
    let outcome = query.get("outcome").map(String::as_str);
    let finished = match (intent.object["status"] == "requires_action", outcome, intent.after_three_ds) {
        (true, Some("complete"), Some(AfterThreeDs::Approve)) => Some(authorize(&mut state, &mut intent)),
        (true, Some("complete"), Some(AfterThreeDs::Decline(decline))) => Some(decline_intent(&mut intent, decline)),
        (true, Some("fail"), _) => Some(fail_intent(
            &mut intent,
            json!({
                "type": "card_error",
                "code": "payment_intent_authentication_failure",
                "message": "We are unable to authenticate your payment method. Please choose a different \
                            payment method and try again.",
            }),
        )),
        _ => None,
    };
    let succeeded = intent.object["status"] != "requires_payment_method";
    let return_url = intent.return_url.clone();
    state.intents.insert(id.clone(), intent);
    match (finished, return_url) {
        (None, _) => (StatusCode::BAD_REQUEST, "nothing to authenticate, or no outcome").into_response(),
        (Some(_), Some(url)) => {
            let separator = if url.contains('?') { '&' } else { '?' };
            let redirect_status = if succeeded { "succeeded" } else { "failed" };
            let location = format!("{url}{separator}payment_intent={id}&redirect_status={redirect_status}");
            (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
        }
        (Some(_), None) => (StatusCode::OK, "authentication finished").into_response(),
    }
}
