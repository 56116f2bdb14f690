//! Outgoing webhooks end to end, against a receiver inside the test (axum on
//! 127.0.0.1, port 0) that can be switched down (503) and up and records every
//! request. Every event reaches an endpoint that was down once it comes back; every
//! signature verifies with an independent Standard Webhooks implementation (the
//! `standardwebhooks` crate); redeliveries and resends carry the same `webhook-id`;
//! retries follow the schedule on the sandbox clock; a rotation signs with both
//! secrets; an endpoint failing for five days is disabled with an event; endpoints
//! are isolated per merchant; bad input writes nothing — on SQLite and PostgreSQL.
//! Delivery is driven by the sandbox clock advance (which runs the webhook step);
//! the background webhook worker is off in tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::{TestApp, card};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use support::{assert_error, row_counts};

on_both_backends!(
    a_receiver_that_comes_back_receives_every_event,
    retries_follow_the_schedule_on_the_sandbox_clock,
    a_rotation_signs_with_both_secrets_during_the_overlap,
    an_endpoint_failing_for_five_days_is_disabled_with_an_event,
    endpoints_are_listed_updated_deleted_and_isolated,
    bad_input_is_a_typed_400_that_writes_nothing,
    two_workers_never_send_one_attempt_twice,
    a_backlog_is_dispatched_in_batches_once_per_listening_endpoint,
    a_step_that_stops_at_its_bound_says_events_wait,
);

#[derive(Clone)]
struct Request {
    headers: HeaderMap,
    body: Bytes,
    /// What the receiver answered.
    status: u16,
}

impl Request {
    fn id(&self) -> String {
        self.headers["webhook-id"].to_str().unwrap().to_owned()
    }

    fn event(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    fn verifies_with(&self, secret: &str) -> bool {
        standardwebhooks::Webhook::new(secret).unwrap().verify(&self.body, &self.headers).is_ok()
    }
}

#[derive(Default)]
struct Recorded {
    up: bool,
    requests: Vec<Request>,
}

#[derive(Clone)]
struct Receiver {
    url: String,
    recorded: Arc<Mutex<Recorded>>,
}

async fn receive(State(recorded): State<Arc<Mutex<Recorded>>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut recorded = recorded.lock().unwrap();
    let status = if recorded.up { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    recorded.requests.push(Request { headers, body, status: status.as_u16() });
    status
}

impl Receiver {
    async fn start(up: bool) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let recorded = Arc::new(Mutex::new(Recorded { up, requests: Vec::new() }));
        let router =
            axum::Router::new().route("/hooks", axum::routing::post(receive)).with_state(Arc::clone(&recorded));
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Receiver { url, recorded }
    }

    fn set_up(&self, up: bool) {
        self.recorded.lock().unwrap().up = up;
    }

    fn requests(&self) -> Vec<Request> {
        self.recorded.lock().unwrap().requests.clone()
    }
}

/// A URL on which nothing listens: connections are refused.
async fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}/hooks")
}

async fn create_endpoint(app: &TestApp, url: &str, events: &[&str]) -> (String, String) {
    let (status, endpoint) = app.post("/v1/webhook_endpoints", json!({"url": url, "enabled_events": events})).await;
    assert_eq!(status, 200, "{endpoint}");
    let secret = endpoint["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{endpoint}");
    (endpoint["id"].as_str().unwrap().to_owned(), secret)
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

async fn paid(app: &TestApp, amount: i64, number: &str) -> String {
    let (status, payment) = app.pay(amount, "usd", "US", card(number)).await;
    assert_eq!((status, payment["status"].as_str()), (200, Some("succeeded")), "{payment}");
    id(&payment)
}

/// Every event of the merchant (newest first).
async fn all_events(app: &TestApp) -> Vec<Value> {
    let (status, list) = app.get("/v1/events?limit=100").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["has_more"], false);
    list["data"].as_array().unwrap().clone()
}

async fn a_receiver_that_comes_back_receives_every_event(app: TestApp) {
    let receiver = Receiver::start(false).await;
    let (endpoint, secret) = create_endpoint(&app, &receiver.url, &["*"]).await;
    // Payments, a refund and a dispute (the 0259 card opens one at the next sweep).
    let refunded = paid(&app, 5_000, "4242424242424242").await;
    let (status, refund) = app.post("/v1/refunds", json!({"payment_intent": refunded, "amount": 1_000})).await;
    assert_eq!(status, 200, "{refund}");
    paid(&app, 10_000, "4000000000000259").await;
    let (status, _) = app.pay(2_000, "usd", "US", card("4000000000000002")).await;
    assert_eq!(status, 402);
    // Down for the first three attempts (immediately, 5 s, 5 min later).
    for seconds in [1, 5, 300] {
        app.advance_clock(seconds).await;
    }
    let failed = receiver.requests();
    assert!(failed.iter().all(|request| request.status == 503));
    receiver.set_up(true);
    app.advance_clock(1_800).await;

    let events = all_events(&app).await;
    let types: BTreeSet<&str> = events.iter().map(|event| event["type"].as_str().unwrap()).collect();
    for expected in
        ["payment_intent.succeeded", "payment_intent.payment_failed", "refund.created", "charge.dispute.created"]
    {
        assert!(types.contains(expected), "{types:?}");
    }
    let requests = receiver.requests();
    let delivered: Vec<&Request> = requests.iter().filter(|request| request.status == 200).collect();
    let event_ids: BTreeSet<String> = events.iter().map(id).collect();
    let delivered_ids: BTreeSet<String> = delivered.iter().map(|request| request.id()).collect();
    assert_eq!(delivered_ids, event_ids, "every event, delivered");
    assert_eq!(delivered.len(), event_ids.len(), "each delivered once");
    // Redeliveries carry the event's id: every failed attempt's id is a delivered one,
    // and an event created before the receiver went up was tried three times before.
    let mut tries: BTreeMap<String, usize> = BTreeMap::new();
    for request in &requests {
        *tries.entry(request.id()).or_default() += 1;
    }
    let first_event = events.last().unwrap();
    assert_eq!(tries[&id(first_event)], 4, "three failures and a success: {tries:?}");
    for request in &requests {
        assert!(request.verifies_with(&secret), "signature of {}", request.id());
        assert!(!request.verifies_with("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        let body = request.event();
        assert_eq!(body["id"], json!(request.id()));
        assert_eq!(body["object"], "event");
        let listed = events.iter().find(|event| event["id"] == body["id"]).unwrap();
        assert_eq!(&body, listed, "the body is the event as listed");
        assert_eq!(request.headers["content-type"], "application/json");
    }

    // The attempt log: three 503s, then a 200.
    let (status, event) = app.get(&format!("/v1/events/{}", id(first_event))).await;
    assert_eq!((status, &event), (200, first_event));
    let (status, log) = app.get(&format!("/v1/events/{}/deliveries", id(first_event))).await;
    assert_eq!(status, 200, "{log}");
    let delivery = &log["data"][0];
    assert_eq!(
        (delivery["endpoint"].as_str(), delivery["status"].as_str()),
        (Some(endpoint.as_str()), Some("succeeded"))
    );
    let answers: Vec<Value> =
        delivery["attempts"].as_array().unwrap().iter().map(|a| a["http_status"].clone()).collect();
    assert_eq!(answers, [json!(503), json!(503), json!(503), json!(200)]);
    assert_eq!(delivery["attempts"][0]["error"], "http_status");
    assert!(delivery["attempts"][3]["duration_ms"].as_i64().unwrap() >= 0);

    // A resend goes out again with the same webhook-id.
    let (status, resent) = app.post(&format!("/v1/events/{}/resend", id(first_event)), json!({})).await;
    assert_eq!((status, resent["data"].as_array().map(Vec::len)), (200, Some(1)), "{resent}");
    app.advance_clock(1).await;
    let last = receiver.requests().pop().unwrap();
    assert_eq!((last.id(), last.status), (id(first_event), 200));
    assert!(last.verifies_with(&secret));
    let (_, log) = app.get(&format!("/v1/events/{}/deliveries", id(first_event))).await;
    assert_eq!(log["data"].as_array().unwrap().len(), 2, "{log}");
}

async fn retries_follow_the_schedule_on_the_sandbox_clock(app: TestApp) {
    let receiver = Receiver::start(false).await;
    let (_, secret) = create_endpoint(&app, &receiver.url, &["payment_intent.succeeded"]).await;
    let payment = paid(&app, 1_000, "4242424242424242").await;
    app.advance_clock(1).await;
    assert_eq!(receiver.requests().len(), 1);
    // Each retry is due its delay after the attempt before: nothing earlier (with a
    // margin for the real seconds the test takes), exactly one attempt then.
    for (delay, margin) in [(5, 3), (300, 10), (1_800, 10), (7_200, 10), (18_000, 10), (36_000, 10), (36_000, 10)] {
        let before = receiver.requests().len();
        app.advance_clock(delay - margin).await;
        assert_eq!(receiver.requests().len(), before, "no attempt before {delay} s");
        app.advance_clock(margin).await;
        assert_eq!(receiver.requests().len(), before + 1, "one attempt at {delay} s");
    }
    // Eight attempts, then the delivery has failed: nothing more, ever.
    app.advance_clock(200_000).await;
    let requests = receiver.requests();
    assert_eq!(requests.len(), 8);
    let event_id = requests[0].id();
    for request in &requests {
        assert_eq!(request.id(), event_id, "every redelivery carries the same webhook-id");
        assert!(request.verifies_with(&secret));
        assert_eq!(request.event()["type"], "payment_intent.succeeded", "the filter lets only this type through");
        assert_eq!(request.event()["data"]["object"]["id"], json!(payment));
    }
    let (_, log) = app.get(&format!("/v1/events/{event_id}/deliveries")).await;
    let delivery = &log["data"][0];
    assert_eq!((delivery["status"].as_str(), delivery["attempt_count"].as_i64()), (Some("failed"), Some(8)), "{log}");
    let numbers: Vec<i64> =
        delivery["attempts"].as_array().unwrap().iter().map(|a| a["attempt"].as_i64().unwrap()).collect();
    assert_eq!(numbers, (1..=8).collect::<Vec<_>>());
    // Other event types of the payment were not sent to this endpoint.
    let created = all_events(&app).await;
    assert!(created.len() > 1, "{created:?}");
}

async fn a_rotation_signs_with_both_secrets_during_the_overlap(app: TestApp) {
    let receiver = Receiver::start(true).await;
    let (endpoint, old_secret) = create_endpoint(&app, &receiver.url, &["payment_intent.succeeded"]).await;
    let path = format!("/v1/webhook_endpoints/{endpoint}/rotate_secret");
    let (status, rotated) = app.post(&path, json!({"expires_in": 3_600})).await;
    assert_eq!(status, 200, "{rotated}");
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert!(new_secret.starts_with("whsec_") && new_secret != old_secret);
    let (_, shown) = app.get(&format!("/v1/webhook_endpoints/{endpoint}")).await;
    assert!(shown.get("secret").is_none(), "a secret is shown on create and rotate only: {shown}");

    paid(&app, 1_000, "4242424242424242").await;
    app.advance_clock(1).await;
    let during = receiver.requests().pop().unwrap();
    let signatures = during.headers["webhook-signature"].to_str().unwrap().to_owned();
    assert_eq!(signatures.split(' ').filter(|part| part.starts_with("v1,")).count(), 2, "{signatures}");
    assert!(during.verifies_with(&new_secret) && during.verifies_with(&old_secret));
    // Each signature is its own secret's: the first alone verifies with the new one.
    let mut first_only = during.headers.clone();
    first_only.insert("webhook-signature", signatures.split(' ').next().unwrap().parse().unwrap());
    let only_new = Request { headers: first_only, ..during.clone() };
    assert!(only_new.verifies_with(&new_secret) && !only_new.verifies_with(&old_secret));

    // After the overlap only the new secret signs.
    app.advance_clock(3_600).await;
    paid(&app, 1_000, "4242424242424242").await;
    app.advance_clock(1).await;
    let after = receiver.requests().pop().unwrap();
    assert_ne!(after.id(), during.id());
    assert_eq!(after.headers["webhook-signature"].to_str().unwrap().split(' ').count(), 1);
    assert!(after.verifies_with(&new_secret) && !after.verifies_with(&old_secret));
}

async fn an_endpoint_failing_for_five_days_is_disabled_with_an_event(app: TestApp) {
    let watcher = Receiver::start(true).await;
    let (watcher_id, watcher_secret) = create_endpoint(&app, &watcher.url, &["webhook_endpoint.disabled"]).await;
    let (failing, _) = create_endpoint(&app, &refused_url().await, &["*"]).await;
    paid(&app, 1_000, "4242424242424242").await;
    app.advance_clock(1).await;
    let (_, endpoint) = app.get(&format!("/v1/webhook_endpoints/{failing}")).await;
    assert_eq!(endpoint["status"], "enabled");
    // Failing for a day is not enough.
    app.advance_clock(86_400).await;
    let (_, endpoint) = app.get(&format!("/v1/webhook_endpoints/{failing}")).await;
    assert_eq!(endpoint["status"], "enabled");
    // A failure five days after the first disables it.
    paid(&app, 1_000, "4242424242424242").await;
    app.advance_clock(4 * 86_400).await;
    let (_, endpoint) = app.get(&format!("/v1/webhook_endpoints/{failing}")).await;
    assert_eq!(
        (endpoint["status"].as_str(), endpoint["disabled_reason"].as_str()),
        (Some("disabled"), Some("failing"))
    );
    let (_, events) = app.get(&format!("/v1/events?object_id={failing}")).await;
    assert_eq!(events["data"].as_array().unwrap().len(), 1, "{events}");
    let event = &events["data"][0];
    assert_eq!(
        (event["type"].as_str(), event["data"]["object"]["id"].as_str()),
        (Some("webhook_endpoint.disabled"), Some(failing.as_str()))
    );
    // The watcher hears about it, and only about it (its filter).
    app.advance_clock(1).await;
    let heard = watcher.requests();
    assert_eq!(heard.len(), 1);
    assert_eq!((heard[0].id(), heard[0].status), (id(event), 200));
    assert!(heard[0].verifies_with(&watcher_secret));
    let (_, log) = app.get(&format!("/v1/events/{}/deliveries", id(event))).await;
    assert_eq!(log["data"][0]["endpoint"], json!(watcher_id));
    // Nothing more is tried while disabled; the merchant may enable it again.
    let (status, enabled) = app.post(&format!("/v1/webhook_endpoints/{failing}"), json!({"disabled": false})).await;
    assert_eq!((status, enabled["status"].as_str(), &enabled["disabled_reason"]), (200, Some("enabled"), &Value::Null));
}

async fn endpoints_are_listed_updated_deleted_and_isolated(app: TestApp) {
    let receiver = Receiver::start(true).await;
    let (first, _) = create_endpoint(&app, &receiver.url, &["refund.created", "refund.created"]).await;
    let (status, second) = app
        .post(
            "/v1/webhook_endpoints",
            json!({"url": refused_url().await, "enabled_events": ["*"], "description": "Shop",
                   "metadata": {"team": "payments"}}),
        )
        .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!((second["object"].as_str(), second["status"].as_str()), (Some("webhook_endpoint"), Some("enabled")));
    assert_eq!((second["description"].as_str(), &second["metadata"]), (Some("Shop"), &json!({"team": "payments"})));
    let second = id(&second);
    let (_, openapi) = app.get("/openapi.json").await;
    for (path, verb) in [
        ("/v1/webhook_endpoints", "post"),
        ("/v1/webhook_endpoints", "get"),
        ("/v1/webhook_endpoints/{id}", "delete"),
        ("/v1/webhook_endpoints/{id}/rotate_secret", "post"),
        ("/v1/events/{id}/resend", "post"),
        ("/v1/events/{id}/deliveries", "get"),
    ] {
        assert!(openapi["paths"][path][verb].is_object(), "{verb} {path} in the OpenAPI document");
    }
    let (_, list) = app.get("/v1/webhook_endpoints?limit=1").await;
    assert_eq!((list["data"][0]["id"].as_str(), list["has_more"].as_bool()), (Some(second.as_str()), Some(true)));
    assert!(list["data"][0].get("secret").is_none());
    let (_, page) = app.get(&format!("/v1/webhook_endpoints?starting_after={second}")).await;
    assert_eq!(page["data"][0]["id"], json!(first));
    assert_eq!(page["data"][0]["enabled_events"], json!(["refund.created"]), "deduplicated");

    let path = format!("/v1/webhook_endpoints/{first}");
    let (status, updated) = app
        .post(&path, json!({"enabled_events": ["payment_intent.succeeded"], "url": format!("{}?v=2", receiver.url)}))
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["enabled_events"], json!(["payment_intent.succeeded"]));
    let (_, disabled) = app.post(&path, json!({"disabled": true})).await;
    assert_eq!(
        (disabled["status"].as_str(), disabled["disabled_reason"].as_str()),
        (Some("disabled"), Some("merchant"))
    );
    // A disabled endpoint gets nothing; enabled again, it gets what follows.
    paid(&app, 1_000, "4242424242424242").await;
    app.advance_clock(1).await;
    assert!(receiver.requests().is_empty());
    app.post(&path, json!({"disabled": false})).await;
    let payment = paid(&app, 1_000, "4242424242424242").await;
    app.advance_clock(1).await;
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].event()["data"]["object"]["id"], json!(payment));

    // Another merchant sees none of it.
    let (other, _) = app.second_merchant().await;
    let (_, list) = app.get_with_key(&other, "/v1/webhook_endpoints").await;
    assert_eq!(list["data"], json!([]));
    let event = requests[0].id();
    for path in [path.clone(), format!("/v1/events/{event}"), format!("/v1/events/{event}/deliveries")] {
        let (status, body) = app.get_with_key(&other, &path).await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("resource_missing")), "{path}: {body}");
    }
    for path in [path.clone(), format!("{path}/rotate_secret"), format!("/v1/events/{event}/resend")] {
        let (status, _) = app.post_with_key(&other, &path, json!({})).await;
        assert_eq!(status, 404, "{path}");
    }
    let (status, _) = app.post(&format!("/v1/events/{event}/resend"), json!({"endpoint": first})).await;
    assert_eq!(status, 200);
    let other_delete = app.client.delete(app.url(&path)).bearer_auth(&other).send().await.unwrap();
    assert_eq!(other_delete.status().as_u16(), 404);

    // Delete: gone from everything.
    let deleted = app.client.delete(app.url(&path)).bearer_auth(&app.secret_key).send().await.unwrap();
    assert_eq!(deleted.status().as_u16(), 200);
    let deleted: Value = deleted.json().await.unwrap();
    assert_eq!(deleted, json!({"id": first, "object": "webhook_endpoint", "deleted": true}));
    assert_eq!(app.get(&path).await.0, 404);
    let (_, list) = app.get("/v1/webhook_endpoints").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let (status, _) = app.post(&format!("/v1/events/{event}/resend"), json!({"endpoint": first})).await;
    assert_eq!(status, 404);
    // The resend queued before the delete is not sent to a deleted endpoint.
    app.advance_clock(1).await;
    assert_eq!(receiver.requests().len(), 1);
}

async fn bad_input_is_a_typed_400_that_writes_nothing(app: TestApp) {
    let (endpoint, _) = create_endpoint(&app, "https://shop.example/hooks", &["*"]).await;
    let before = row_counts(&app).await;
    let create = |body: Value| {
        let app = &app;
        async move { app.post("/v1/webhook_endpoints", body).await }
    };
    let cases = [
        (json!({"url": "ftp://shop.example", "enabled_events": ["*"]}), "url_invalid", "url"),
        (json!({"url": "https://shop example", "enabled_events": ["*"]}), "url_invalid", "url"),
        (
            json!({"url": format!("https://shop.example/{}", "a".repeat(2_100)), "enabled_events": ["*"]}),
            "url_invalid",
            "url",
        ),
        (json!({"url": "https://", "enabled_events": ["*"]}), "url_invalid", "url"),
        (
            json!({"url": "https://shop.example", "enabled_events": ["*", "payment.teleported"]}),
            "event_type_unknown",
            "enabled_events[1]",
        ),
        (json!({"url": "https://shop.example", "enabled_events": []}), "parameter_missing", "enabled_events"),
        (
            json!({"url": "https://shop.example", "enabled_events": ["*"], "metadata": {"k": "v".repeat(600)}}),
            "parameter_invalid",
            "metadata",
        ),
    ];
    for (body, code, param) in cases {
        assert_error(&create(body).await, 400, code, Some(param));
    }
    let path = format!("/v1/webhook_endpoints/{endpoint}");
    assert_error(&app.post(&path, json!({"url": "mailto:x@y.z"})).await, 400, "url_invalid", Some("url"));
    assert_error(
        &app.post(&path, json!({"enabled_events": ["nope"]})).await,
        400,
        "event_type_unknown",
        Some("enabled_events[0]"),
    );
    for expires_in in [-1, 604_801] {
        let answer = app.post(&format!("{path}/rotate_secret"), json!({"expires_in": expires_in})).await;
        assert_error(&answer, 400, "parameter_invalid_integer", Some("expires_in"));
    }
    assert_eq!(app.post(&path, json!({"colour": "red"})).await.0, 400);
    let missing = "we_00000000000000000000000000";
    assert_error(&app.get(&format!("/v1/webhook_endpoints/{missing}")).await, 404, "resource_missing", Some("id"));
    assert_error(&app.get("/v1/webhook_endpoints/nonsense").await, 404, "resource_missing", Some("id"));
    assert_error(
        &app.get("/v1/webhook_endpoints?starting_after=pi_x").await,
        400,
        "parameter_invalid",
        Some("starting_after"),
    );
    assert_error(&app.get("/v1/events/evt_00000000000000000000000000").await, 404, "resource_missing", Some("id"));
    assert_eq!(row_counts(&app).await, before, "rejected requests wrote nothing");
}

/// A second application state on the same database (another process, as far as the
/// leases are concerned) runs the webhook step at the same time as the server's clock
/// advance: every event arrives exactly once.
async fn two_workers_never_send_one_attempt_twice(app: TestApp) {
    let receiver = Receiver::start(true).await;
    create_endpoint(&app, &receiver.url, &["*"]).await;
    for _ in 0..6 {
        paid(&app, 1_000, "4242424242424242").await;
    }
    let store = tradewind::startup::connect(&app.database_url).await.expect("store");
    let other = common::state_on(&app, store.clone());
    let (advanced, first, second) = tokio::join!(
        app.advance_clock(1),
        tradewind_api::worker::webhooks_once(&other, None),
        tradewind_api::worker::webhooks_once(&other, None),
    );
    assert_eq!(advanced["object"], "test_clock");
    first.unwrap();
    second.unwrap();
    app.advance_clock(1).await;
    let events = all_events(&app).await;
    let mut received: Vec<String> = receiver.requests().iter().map(Request::id).collect();
    received.sort();
    let mut expected: Vec<String> = events.iter().map(id).collect();
    expected.sort();
    assert_eq!(received, expected, "each event exactly once");
    store.close().await;
}

/// Event rows of `merchant_id`, `count` of them, alternating `payment_intent.succeeded`
/// and `payment_intent.created`; ids sort in creation order.
fn backlog(merchant_id: &str, prefix: &str, count: usize) -> Vec<tradewind_storage::events::EventRow> {
    (0..count)
        .map(|index| tradewind_storage::events::EventRow {
            id: format!("evt_backlog_{prefix}{index:04}"),
            merchant_id: merchant_id.to_owned(),
            event_type: if index % 2 == 0 { "payment_intent.succeeded" } else { "payment_intent.created" }.to_owned(),
            object_id: format!("pi_{prefix}{index:04}"),
            data: "{}".to_owned(),
            created_at: 1_000 + i64::try_from(index).unwrap(),
        })
        .collect()
}

/// Two dispatchers at once over a backlog of more than one batch (100 events), of two
/// merchants on different sandbox clocks: every event is claimed once, at its
/// merchant's clock, with one delivery per endpoint listening to its type; events
/// dispatched before are left alone.
async fn a_backlog_is_dispatched_in_batches_once_per_listening_endpoint(app: TestApp) {
    let receiver = Receiver::start(true).await;
    let (every, _) = create_endpoint(&app, &receiver.url, &["*"]).await;
    let (succeeded, _) = create_endpoint(&app, &receiver.url, &["payment_intent.succeeded"]).await;
    let store = tradewind::startup::connect(&app.database_url).await.expect("store");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let other = tradewind_api::keys::create_merchant(&store, "Clock Shop", now).await.unwrap();
    const OFFSET: i64 = 30 * 86_400;
    let mine = backlog(&app.merchant_id, "a", 150);
    let theirs = backlog(&other.id, "b", 90);
    let mut transaction = store.begin().await.unwrap();
    sqlx::query("UPDATE merchants SET clock_offset_seconds = $1 WHERE id = $2")
        .bind(OFFSET)
        .bind(&other.id)
        .execute(&mut *transaction.connection())
        .await
        .unwrap();
    for row in mine.iter().chain(&theirs) {
        tradewind_storage::events::insert(transaction.connection(), row).await.unwrap();
    }
    // The first ten of mine went out before.
    sqlx::query("UPDATE events SET dispatched_at = 1 WHERE merchant_id = $1 AND id < 'evt_backlog_a0010'")
        .bind(&app.merchant_id)
        .execute(&mut *transaction.connection())
        .await
        .unwrap();
    transaction.commit().await.unwrap();

    let state = common::state_on(&app, store.clone());
    let dispatch = tradewind_api::flows::webhook_dispatch::dispatch_pending;
    let (first, second) = tokio::join!(dispatch(&state, None), dispatch(&state, None));
    let (first, second) = (first.unwrap(), second.unwrap());
    // 140 of mine to the endpoint for every event, the 70 `succeeded` of them to the other.
    assert_eq!(first.deliveries + second.deliveries, 140 + 70);
    assert!(!first.more_waiting && !second.more_waiting);

    let deliveries: Vec<(String, String)> =
        sqlx::query_as("SELECT event_id, endpoint_id FROM webhook_deliveries ORDER BY event_id, endpoint_id")
            .fetch_all(store.pool())
            .await
            .unwrap();
    let mut expected = Vec::new();
    for row in &mine[10..] {
        expected.push((row.id.clone(), every.clone()));
        if row.event_type == "payment_intent.succeeded" {
            expected.push((row.id.clone(), succeeded.clone()));
        }
    }
    expected.sort();
    assert_eq!(deliveries, expected, "one delivery per event and listening endpoint");

    let mut marked: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT id, merchant_id, dispatched_at FROM events").fetch_all(store.pool()).await.unwrap();
    marked.retain(|(id, _, _)| id.starts_with("evt_backlog_"));
    assert_eq!(marked.len(), 240);
    let after = time::OffsetDateTime::now_utc().unix_timestamp();
    for (id, merchant, dispatched_at) in &marked {
        let clock = if *merchant == other.id { OFFSET } else { 0 };
        if id.as_str() < "evt_backlog_a0010" {
            assert_eq!(*dispatched_at, 1, "{id} was dispatched before");
        } else {
            assert!((now + clock..=after + clock).contains(dispatched_at), "{id} at {dispatched_at}");
        }
    }
    store.close().await;
}

/// One dispatch step takes 50 batches of 100 events at most; past that it says events
/// are waiting (the worker then goes on at once), and the next step takes the rest.
async fn a_step_that_stops_at_its_bound_says_events_wait(app: TestApp) {
    let store = tradewind::startup::connect(&app.database_url).await.expect("store");
    let mut transaction = store.begin().await.unwrap();
    sqlx::query(
        "WITH RECURSIVE n (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 5049) \
         INSERT INTO events (id, merchant_id, event_type, object_id, data, created_at) \
         SELECT 'evt_many_' || (100000 + i), $1, 'payment_intent.created', 'pi_many', '{}', 1000 + i FROM n",
    )
    .bind(&app.merchant_id)
    .execute(&mut *transaction.connection())
    .await
    .unwrap();
    transaction.commit().await.unwrap();
    let waiting = || async {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events WHERE dispatched_at IS NULL")
            .fetch_one(store.pool())
            .await
            .unwrap();
        count
    };
    assert_eq!(waiting().await, 5_050);
    let state = common::state_on(&app, store.clone());
    let dispatch = tradewind_api::flows::webhook_dispatch::dispatch_pending;
    let first = dispatch(&state, None).await.unwrap();
    assert!(first.more_waiting);
    assert_eq!(waiting().await, 50);
    let second = dispatch(&state, None).await.unwrap();
    assert!(!second.more_waiting);
    assert_eq!(waiting().await, 0);
    store.close().await;
}
