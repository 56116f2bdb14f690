//! Shared by the bad-input, tenancy and key tests: raw requests, the Stripe-shaped
//! error assertion, a fixture of one object of every kind, and database snapshots
//! that prove a rejected request wrote nothing.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::{TestApp, card};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Every table the schema creates; a rejected request must change none of them.
pub const TABLES: [&str; 43] = [
    "merchants",
    "api_keys",
    "payment_intents",
    "payment_attempts",
    "refunds",
    "payment_links",
    "checkout_sessions",
    "idempotency_keys",
    "events",
    "ledger_accounts",
    "ledger_transfers",
    "ledger_account_deltas",
    "balance_transactions",
    "fx_rates",
    "fx_quotes",
    "payout_settings",
    "payouts",
    "disputes",
    "files",
    "early_fraud_warnings",
    "reconciliation_reports",
    "reconciliation_lines",
    "reconciliation_results",
    "webhook_endpoints",
    "webhook_deliveries",
    "webhook_attempts",
    "connector_accounts",
    "connector_webhook_events",
    "realtime_channels",
    "realtime_publications",
    "orders",
    "order_payments",
    "support_settings",
    "support_teams",
    "support_agents",
    "support_agent_sessions",
    "support_contacts",
    "conversations",
    "conversation_tags",
    "conversation_messages",
    "conversation_events",
    "canned_responses",
    "knowledge_articles",
];

/// Ids that are well formed but name nothing.
pub const MISSING_INTENT: &str = "pi_00000000000000000000000000";
pub const MISSING_REFUND: &str = "re_00000000000000000000000000";
pub const MISSING_SESSION: &str = "cs_00000000000000000000000000";
pub const MISSING_LINK: &str = "plink_00000000000000000000000000";
pub const MISSING_ATTEMPT: &str = "pa_00000000000000000000000000";
pub const MISSING_PAYOUT: &str = "po_00000000000000000000000000";
pub const MISSING_DISPUTE: &str = "dp_00000000000000000000000000";

/// A status and the decoded body (JSON, or the text as a JSON string).
pub type Answer = (u16, Value);

/// Sends any method, path, key and raw body; `None` key sends no Authorization.
pub async fn send(app: &TestApp, method: Method, path: &str, key: Option<&str>, body: Option<Vec<u8>>) -> Answer {
    let mut request = app.client.request(method, app.url(path));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body");
    let value =
        serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, value)
}

/// One part of a `multipart/form-data` body: its name, an optional file name and the
/// bytes.
pub type FormPart<'a> = (&'a str, Option<&'a str>, &'a [u8]);

const BOUNDARY: &str = "tradewind-test-boundary-7MA4YWxkTrZu0gW";

/// A `multipart/form-data` body of `parts` (each file part claims `image/png`, whatever
/// it holds: the server must judge by the bytes).
pub fn multipart_body(parts: &[FormPart<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes());
        if let Some(filename) = filename {
            body.extend_from_slice(format!("; filename=\"{filename}\"\r\nContent-Type: image/png").as_bytes());
        }
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// POSTs a form to `/v1/files` with `key`, and an `Idempotency-Key` if given; returns the
/// answer and whether it was replayed.
pub async fn upload_with(
    app: &TestApp,
    key: &str,
    parts: &[FormPart<'_>],
    idempotency_key: Option<&str>,
) -> (Answer, bool) {
    upload_on(&app.client, app, key, parts, idempotency_key).await.expect("request")
}

/// [`upload_with`] through `client`, with the transport's error (a body too large can
/// be cut off by the server before it is all sent).
pub async fn upload_on(
    client: &reqwest::Client,
    app: &TestApp,
    key: &str,
    parts: &[FormPart<'_>],
    idempotency_key: Option<&str>,
) -> Result<(Answer, bool), reqwest::Error> {
    let mut request = client
        .post(app.url("/v1/files"))
        .bearer_auth(key)
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(multipart_body(parts));
    if let Some(idempotency_key) = idempotency_key {
        request = request.header("idempotency-key", idempotency_key);
    }
    let response = request.send().await?;
    let replayed = response.headers().contains_key("idempotent-replayed");
    let status = response.status().as_u16();
    let bytes = response.bytes().await?;
    let value =
        serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    Ok(((status, value), replayed))
}

/// Uploads `bytes` as dispute evidence named `filename` with the secret key.
pub async fn upload(app: &TestApp, filename: &str, bytes: &[u8]) -> Answer {
    let parts: [FormPart<'_>; 2] = [("purpose", None, b"dispute_evidence"), ("file", Some(filename), bytes)];
    upload_with(app, &app.secret_key, &parts, None).await.0
}

/// A small PDF holding every byte value, so a round trip proves the bytes are kept.
pub fn pdf_bytes() -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    bytes.extend(0..=255_u8);
    bytes.extend_from_slice(b"\n%%EOF\n");
    bytes
}

/// A PNG signature and chunk-like bytes.
pub fn png_bytes() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend((0..=255_u8).rev());
    bytes
}

/// POST raw bytes with the secret key.
pub async fn post_bytes(app: &TestApp, path: &str, body: impl Into<Vec<u8>>) -> Answer {
    send(app, Method::POST, path, Some(&app.secret_key), Some(body.into())).await
}

fn expected_type(status: u16, code: &str) -> &'static str {
    match (status, code) {
        (_, code) if code.starts_with("idempotency_") => "idempotency_error",
        (401, _) => "authentication_error",
        (402, _) => "card_error",
        (500..=599, _) => "api_error",
        _ => "invalid_request_error",
    }
}

/// Asserts a Stripe-shaped error: `{"error": {"type", "code", "message", "param"}}`
/// and nothing else at the top, with the type that belongs to the status.
#[track_caller]
pub fn assert_error(answer: &Answer, status: u16, code: &str, param: Option<&str>) {
    let (actual_status, body) = answer;
    assert_eq!(*actual_status, status, "status of {body}");
    let top = body.as_object().unwrap_or_else(|| panic!("error body is not a JSON object: {body}"));
    assert_eq!(top.keys().collect::<Vec<_>>(), vec!["error"], "{body}");
    let error = body["error"].as_object().unwrap_or_else(|| panic!("`error` is not an object: {body}"));
    for key in error.keys() {
        assert!(
            ["type", "code", "message", "param", "decline_code", "payment_intent"].contains(&key.as_str()),
            "unexpected key `{key}` in {body}"
        );
    }
    assert!(error.contains_key("param"), "`param` must be present (null when none): {body}");
    assert_eq!(body["error"]["code"], json!(code), "{body}");
    assert_eq!(body["error"]["type"], json!(expected_type(status, code)), "{body}");
    assert_eq!(body["error"]["param"], param.map_or(Value::Null, |param| json!(param)), "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.trim().is_empty(), "empty message: {body}");
}

/// The error's message with `id` replaced, so two 404s can be compared whole.
pub fn message_without(answer: &Answer, id: &str) -> String {
    answer.1["error"]["message"].as_str().unwrap_or_default().replace(id, "<id>")
}

/// Row counts of every table, read straight from the database.
pub async fn row_counts(app: &TestApp) -> BTreeMap<&'static str, i64> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.expect("connect to the test database");
    let mut counts = BTreeMap::new();
    for table in TABLES {
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&pool)
            .await
            .expect("count rows");
        counts.insert(table, count);
    }
    pool.close().await;
    counts
}

/// What a merchant can see of its objects: every list and every fixture object.
pub async fn visible_state(app: &TestApp, world: &World) -> Value {
    let mut objects = serde_json::Map::new();
    for path in [
        "/v1/payment_intents?limit=100",
        "/v1/refunds?limit=100",
        "/v1/payment_links?limit=100",
        "/v1/account",
        "/v1/balance",
        "/v1/balance_transactions?limit=100",
        "/v1/disputes?limit=100",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        objects.insert(path.to_owned(), body);
    }
    for id in world.intents() {
        let (status, body) = app.get(&format!("/v1/payment_intents/{id}/attempts")).await;
        assert_eq!(status, 200, "{body}");
        objects.insert(format!("attempts of {id}"), body);
    }
    let (status, body) = app.get(&format!("/v1/checkout_sessions/{}", world.session)).await;
    assert_eq!(status, 200, "{body}");
    objects.insert("session".to_owned(), body);
    Value::Object(objects)
}

/// One object of every kind, in the state each route acts on.
pub struct World {
    /// `requires_payment_method`: card, paypal and bank transfer allowed (USD, US).
    pub open: String,
    pub open_client_secret: String,
    /// Card payment, `succeeded`, partly refunded by `refund`.
    pub succeeded: String,
    pub refund: String,
    /// Manual capture, `requires_capture` (3000 USD cents).
    pub manual: String,
    /// Cash on delivery in the UAE, awaiting the courier.
    pub delivery: String,
    /// Boleto in Brazil, voucher issued.
    pub boleto: String,
    pub boleto_attempt: String,
    /// Bank transfer in EUR, awaiting funds quoting `transfer_reference`.
    pub transfer: String,
    pub transfer_reference: String,
    /// A card needing 3-D Secure, and its attempt.
    pub three_ds: String,
    pub three_ds_attempt: String,
    /// PayPal, redirected to the sandbox page.
    pub paypal: String,
    pub paypal_attempt: String,
    pub link: String,
    pub session: String,
    pub session_intent: String,
    /// A card payment disputed as fraudulent (`4000000000000259`), and its dispute in
    /// `needs_response`.
    pub disputed: String,
    pub dispute: String,
    /// A sandbox connector account for cards.
    pub connector_account: String,
}

async fn created(answer: Answer, status: &str) -> Value {
    let (code, body) = answer;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["status"], json!(status), "{body}");
    body
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_else(|| panic!("not a string: {value}")).to_owned()
}

impl World {
    pub async fn build(app: &TestApp) -> World {
        let (status, open) = app
            .post("/v1/payment_intents", json!({"amount": 1000, "currency": "usd", "customer": {"country": "US"}}))
            .await;
        assert_eq!(status, 200, "{open}");
        let succeeded = created(app.pay(2000, "usd", "US", card("4242424242424242")).await, "succeeded").await;
        let (status, refund) = app.post("/v1/refunds", json!({"payment_intent": succeeded["id"], "amount": 500})).await;
        assert_eq!(status, 200, "{refund}");
        let manual = app
            .post(
                "/v1/payment_intents",
                json!({"amount": 3000, "currency": "usd", "capture_method": "manual", "confirm": true,
                       "payment_method_data": card("4242424242424242")}),
            )
            .await;
        let manual = created(manual, "requires_capture").await;
        let delivery =
            created(app.pay(10_000, "aed", "AE", json!({"type": "cash_on_delivery"})).await, "requires_action").await;
        let boleto = app.pay(5000, "brl", "BR", json!({"type": "boleto", "boleto": {"tax_id": "12345678909"}})).await;
        let boleto = created(boleto, "requires_action").await;
        let transfer =
            created(app.pay(10_000, "eur", "DE", json!({"type": "bank_transfer"})).await, "requires_action").await;
        let three_ds = created(app.pay(2500, "usd", "US", card("4000002760003184")).await, "requires_action").await;
        let paypal = created(app.pay(1800, "usd", "US", json!({"type": "paypal"})).await, "requires_action").await;
        let (status, link) = app.post("/v1/payment_links", json!({"amount": 1500, "currency": "usd"})).await;
        assert_eq!(status, 200, "{link}");
        let (status, session) = app.post("/v1/checkout_sessions", json!({"amount": 2500, "currency": "usd"})).await;
        assert_eq!(status, 200, "{session}");
        // The sweep opens the dispute; advancing the clock runs it now, so the fixture
        // is complete before any test takes its snapshot.
        let disputed = created(app.pay(4000, "usd", "US", card("4000000000000259")).await, "succeeded").await;
        app.advance_clock(1).await;
        let (status, disputes) =
            app.get(&format!("/v1/disputes?payment_intent={}", disputed["id"].as_str().unwrap())).await;
        assert_eq!(status, 200, "{disputes}");
        let (status, connector_account) =
            app.post("/v1/connector_accounts", json!({"connector": "sandbox", "payment_methods": ["card"]})).await;
        assert_eq!(status, 200, "{connector_account}");
        World {
            open: text(&open["id"]),
            open_client_secret: text(&open["client_secret"]),
            succeeded: text(&succeeded["id"]),
            refund: text(&refund["id"]),
            manual: text(&manual["id"]),
            delivery: text(&delivery["id"]),
            boleto: text(&boleto["id"]),
            boleto_attempt: text(&boleto["latest_attempt"]),
            transfer: text(&transfer["id"]),
            transfer_reference: text(&transfer["next_action"]["awaiting_transfer"]["reference"]),
            three_ds: text(&three_ds["id"]),
            three_ds_attempt: text(&three_ds["latest_attempt"]),
            paypal: text(&paypal["id"]),
            paypal_attempt: text(&paypal["latest_attempt"]),
            link: text(&link["id"]),
            session: text(&session["id"]),
            session_intent: text(&session["payment_intent"]),
            disputed: text(&disputed["id"]),
            dispute: text(&disputes["data"][0]["id"]),
            connector_account: text(&connector_account["id"]),
        }
    }

    /// Every payment intent in the fixture.
    pub fn intents(&self) -> Vec<&str> {
        vec![
            &self.open,
            &self.succeeded,
            &self.manual,
            &self.delivery,
            &self.boleto,
            &self.transfer,
            &self.three_ds,
            &self.paypal,
            &self.session_intent,
            &self.disputed,
        ]
    }

    /// Every `/v1` POST route whose handler reads a JSON body, pointed at fixture
    /// objects, with a body it would accept (which the tests then spoil).
    pub fn json_routes(&self) -> Vec<(String, Value)> {
        vec![
            ("/v1/payment_intents".to_owned(), json!({"amount": 1000, "currency": "usd"})),
            (format!("/v1/payment_intents/{}", self.open), json!({"description": "changed"})),
            (
                format!("/v1/payment_intents/{}/confirm", self.open),
                json!({"payment_method_data": card("4242424242424242")}),
            ),
            (format!("/v1/payment_intents/{}/capture", self.manual), json!({"amount_to_capture": 1000})),
            (format!("/v1/payment_intents/{}/cancel", self.open), json!({"cancellation_reason": "duplicate"})),
            ("/v1/refunds".to_owned(), json!({"payment_intent": self.succeeded, "amount": 100})),
            ("/v1/checkout_sessions".to_owned(), json!({"amount": 1000, "currency": "usd"})),
            ("/v1/payment_links".to_owned(), json!({"amount": 1000, "currency": "usd"})),
            (format!("/v1/payment_links/{}", self.link), json!({"active": false})),
            ("/v1/account/keys/roll".to_owned(), json!({"type": "secret"})),
            ("/v1/sandbox/clock/advance".to_owned(), json!({"seconds": 60})),
            ("/v1/sandbox/bank_transfers".to_owned(), json!({"reference": self.transfer_reference, "amount": 100})),
            ("/v1/fx_rates".to_owned(), json!({"base": "usd", "quote": "sgd", "rate": "1.3412"})),
            ("/v1/fx_quotes".to_owned(), json!({"from_currency": "eur", "to_currency": "usd", "amount": 1000})),
            ("/v1/payouts".to_owned(), json!({"amount": 100, "currency": "usd"})),
            ("/v1/account/settings".to_owned(), json!({"reserve_basis_points": 500, "reserve_days": 7})),
            (
                format!("/v1/disputes/{}", self.dispute),
                json!({"evidence": {"customer_name": "Ana Souza"}, "submit": false}),
            ),
            ("/v1/connector_accounts".to_owned(), json!({"connector": "sandbox", "payment_methods": ["card"]})),
            (format!("/v1/connector_accounts/{}", self.connector_account), json!({"label": "changed"})),
            (format!("/v1/connector_accounts/{}/faults", self.connector_account), json!({"latency_ms": 10})),
        ]
    }

    /// The `/v1` POST routes that take no body.
    pub fn bodyless_routes(&self) -> Vec<String> {
        vec![
            format!("/v1/sandbox/deliveries/{}/collect", self.delivery),
            format!("/v1/sandbox/deliveries/{}/refuse", self.delivery),
            format!("/v1/sandbox/boletos/{}/pay", self.boleto),
            format!("/v1/payouts/{MISSING_PAYOUT}/cancel"),
            format!("/v1/disputes/{}/close", self.dispute),
        ]
    }
}
