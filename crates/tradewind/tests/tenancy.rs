//! Tenant isolation and key rules. Merchant B, with its own valid keys, cannot tell
//! merchant A's objects from ids that do not exist: every route answers the same 404
//! body, and nothing of A changes. Lists, filters and idempotency keys are per
//! merchant. Publishable keys only list methods and, with the client secret, read and
//! confirm an intent. Requests without a valid key are 401.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::{TestApp, card};
use reqwest::Method;
use serde_json::{Value, json};
use support::*;

on_both_backends!(
    another_merchants_objects_answer_like_missing_ones,
    lists_filters_and_idempotency_keys_are_per_merchant,
    publishable_keys_read_and_confirm_with_the_client_secret_only,
    requests_without_a_valid_key_are_unauthenticated,
);

/// A request by merchant B against A's object, and the same request for an id that
/// does not exist; `id` and `missing` are what the error messages quote.
struct Probe {
    method: Method,
    path: String,
    missing_path: String,
    body: Option<Value>,
    missing_body: Option<Value>,
    id: String,
    missing: String,
}

fn probe(method: Method, template: &str, id: &str, missing: &str, body: Option<Value>) -> Probe {
    Probe {
        method,
        path: template.replace("{}", id),
        missing_path: template.replace("{}", missing),
        body: body.clone(),
        missing_body: body,
        id: id.to_owned(),
        missing: missing.to_owned(),
    }
}

/// A probe whose id travels in the body (refunds, bank transfers).
fn body_probe(path: &str, body: Value, missing_body: Value, id: &str, missing: &str) -> Probe {
    Probe {
        method: Method::POST,
        path: path.to_owned(),
        missing_path: path.to_owned(),
        body: Some(body),
        missing_body: Some(missing_body),
        id: id.to_owned(),
        missing: missing.to_owned(),
    }
}

async fn call(app: &TestApp, key: &str, method: &Method, path: &str, body: &Option<Value>) -> Answer {
    let body = body.as_ref().map(|body| body.to_string().into_bytes());
    send(app, method.clone(), path, Some(key), body).await
}

fn probes(world: &World) -> Vec<Probe> {
    let refuse = json!({});
    vec![
        probe(Method::GET, "/v1/payment_intents/{}", &world.open, MISSING_INTENT, None),
        probe(Method::GET, "/v1/payment_intents/{}?client_secret=x", &world.open, MISSING_INTENT, None),
        probe(
            Method::POST,
            "/v1/payment_intents/{}",
            &world.open,
            MISSING_INTENT,
            Some(json!({"description": "mine now"})),
        ),
        probe(
            Method::POST,
            "/v1/payment_intents/{}/confirm",
            &world.open,
            MISSING_INTENT,
            Some(json!({"payment_method_data": card("4242424242424242")})),
        ),
        probe(Method::POST, "/v1/payment_intents/{}/capture", &world.manual, MISSING_INTENT, Some(json!({}))),
        probe(Method::POST, "/v1/payment_intents/{}/cancel", &world.open, MISSING_INTENT, Some(json!({}))),
        probe(Method::GET, "/v1/payment_intents/{}/attempts", &world.three_ds, MISSING_INTENT, None),
        probe(Method::GET, "/v1/refunds/{}", &world.refund, MISSING_REFUND, None),
        probe(Method::GET, "/v1/disputes/{}", &world.dispute, MISSING_DISPUTE, None),
        probe(
            Method::POST,
            "/v1/disputes/{}",
            &world.dispute,
            MISSING_DISPUTE,
            Some(json!({"evidence": {"uncategorized_text": "winning_evidence"}})),
        ),
        probe(Method::POST, "/v1/disputes/{}/close", &world.dispute, MISSING_DISPUTE, Some(json!({}))),
        probe(Method::GET, "/v1/checkout_sessions/{}", &world.session, MISSING_SESSION, None),
        probe(Method::GET, "/v1/payment_links/{}", &world.link, MISSING_LINK, None),
        probe(Method::POST, "/v1/payment_links/{}", &world.link, MISSING_LINK, Some(json!({"active": false}))),
        probe(Method::POST, "/v1/sandbox/deliveries/{}/collect", &world.delivery, MISSING_INTENT, Some(refuse.clone())),
        probe(Method::POST, "/v1/sandbox/deliveries/{}/refuse", &world.delivery, MISSING_INTENT, Some(refuse.clone())),
        probe(Method::POST, "/v1/sandbox/boletos/{}/pay", &world.boleto, MISSING_INTENT, Some(refuse)),
        body_probe(
            "/v1/refunds",
            json!({"payment_intent": world.succeeded}),
            json!({"payment_intent": MISSING_INTENT}),
            &world.succeeded,
            MISSING_INTENT,
        ),
        body_probe(
            "/v1/refunds",
            json!({"payment_intent": world.delivery, "amount": 100,
                   "destination_bank_account": {"account_holder_name": "B", "iban": "DE89370400440532013000"}}),
            json!({"payment_intent": MISSING_INTENT, "amount": 100,
                   "destination_bank_account": {"account_holder_name": "B", "iban": "DE89370400440532013000"}}),
            &world.delivery,
            MISSING_INTENT,
        ),
    ]
}

async fn another_merchants_objects_answer_like_missing_ones(app: TestApp) {
    let world = World::build(&app).await;
    let (other_secret, _) = app.second_merchant().await;
    let rows = row_counts(&app).await;
    let visible = visible_state(&app, &world).await;
    let unused_reference = tradewind_connectors::bank_transfer::reference(uuid::Uuid::new_v4().as_u128() as u64);
    let mut all = probes(&world);
    all.push(body_probe(
        "/v1/sandbox/bank_transfers",
        json!({"reference": world.transfer_reference, "amount": 10_000}),
        json!({"reference": unused_reference, "amount": 10_000}),
        &world.transfer_reference,
        &unused_reference,
    ));
    for probe in &all {
        let theirs = call(&app, &other_secret, &probe.method, &probe.path, &probe.body).await;
        let missing = call(&app, &other_secret, &probe.method, &probe.missing_path, &probe.missing_body).await;
        let param = missing.1["error"]["param"].as_str().map(str::to_owned);
        assert_error(&missing, 404, "resource_missing", param.as_deref());
        assert!(param.is_some(), "a 404 names the id's parameter: {missing:?}");
        assert_error(&theirs, 404, "resource_missing", param.as_deref());
        assert_eq!(
            message_without(&theirs, &probe.id),
            message_without(&missing, &probe.missing),
            "{} {}",
            probe.method,
            probe.path
        );
    }
    assert_eq!(row_counts(&app).await, rows);
    assert_eq!(visible_state(&app, &world).await, visible);
    // A's own key reaches every object, so the 404s above were about tenancy: the
    // transfer reference still pays A's intent …
    let (status, funded) =
        app.post("/v1/sandbox/bank_transfers", json!({"reference": world.transfer_reference, "amount": 10_000})).await;
    assert_eq!((status, funded["funding"].as_str()), (200, Some("exact")), "{funded}");
    // … and each object answers A.
    for probe in probes(&world).iter().filter(|probe| probe.method == Method::GET && !probe.path.contains('?')) {
        let answer = call(&app, &app.secret_key, &probe.method, &probe.path, &None).await;
        assert_eq!(answer.0, 200, "{} {answer:?}", probe.path);
    }
}

fn ids(list: &Value) -> Vec<String> {
    list["data"].as_array().expect("data").iter().map(|item| item["id"].as_str().expect("id").to_owned()).collect()
}

async fn lists_filters_and_idempotency_keys_are_per_merchant(app: TestApp) {
    let world = World::build(&app).await;
    let (other_secret, _) = app.second_merchant().await;
    let other = |path: String| {
        let key = other_secret.clone();
        let app = &app;
        async move { app.get_with_key(&key, &path).await }
    };
    let paths = [
        "/v1/payment_intents?limit=100".to_owned(),
        "/v1/refunds?limit=100".to_owned(),
        "/v1/payment_links?limit=100".to_owned(),
        "/v1/events?limit=100".to_owned(),
        format!("/v1/refunds?payment_intent={}", world.succeeded),
        format!("/v1/events?object_id={}", world.open),
        format!("/v1/events?object_id={}", world.refund),
        format!("/v1/payment_intents?starting_after={}", world.paypal),
        "/v1/refunds?starting_after=re_zzzzzzzzzzzzzzzzzzzzzzzzzz".to_owned(),
        "/v1/payment_links?starting_after=plink_zzzzzzzzzzzzzzzzzzzzzzzzzz".to_owned(),
        "/v1/payment_intents?status=requires_action".to_owned(),
        "/v1/payment_intents?payment_method_type=card".to_owned(),
        "/v1/disputes?limit=100".to_owned(),
        format!("/v1/disputes?payment_intent={}", world.disputed),
        "/v1/disputes?status=needs_response".to_owned(),
    ];
    for path in &paths {
        let (status, body) = other(path.clone()).await;
        assert_eq!((status, body["data"].clone()), (200, json!([])), "{path}: {body}");
        // The same query by A finds A's objects.
        let (status, own) = app.get(path).await;
        assert_eq!(status, 200, "{path}: {own}");
        assert!(!ids(&own).is_empty(), "{path}: {own}");
    }
    let (status, account) = app.get_with_key(&other_secret, "/v1/account").await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["name"], json!("Other Shop"));
    assert_ne!(account["id"], json!(app.merchant_id));

    // The same Idempotency-Key is two different keys for two merchants.
    let key = "order-1234";
    let (status, first, replayed) =
        app.post_idempotent("/v1/payment_intents", key, json!({"amount": 1000, "currency": "usd"})).await;
    assert_eq!((status, replayed), (200, None), "{first}");
    let response = app
        .client
        .post(app.url("/v1/payment_intents"))
        .bearer_auth(&other_secret)
        .header("Idempotency-Key", key)
        .json(&json!({"amount": 2000, "currency": "eur"}))
        .send()
        .await
        .expect("request");
    assert!(response.headers().get("idempotent-replayed").is_none());
    let status = response.status().as_u16();
    let theirs: Value = response.json().await.expect("json");
    assert_eq!((status, theirs["amount"].as_i64()), (200, Some(2000)), "{theirs}");
    assert_ne!(theirs["id"], first["id"]);

    // Each sees only its own intents.
    let (_, mine) = app.get("/v1/payment_intents?limit=100").await;
    let (_, other_list) = app.get_with_key(&other_secret, "/v1/payment_intents?limit=100").await;
    assert_eq!(ids(&other_list), vec![theirs["id"].as_str().expect("id").to_owned()]);
    assert!(!ids(&mine).contains(&theirs["id"].as_str().expect("id").to_owned()));
    assert_eq!(ids(&mine).len(), world.intents().len() + 1);
}

async fn publishable_keys_read_and_confirm_with_the_client_secret_only(app: TestApp) {
    let world = World::build(&app).await;
    let (_, other_publishable) = app.second_merchant().await;
    let rows = row_counts(&app).await;
    let visible = visible_state(&app, &world).await;
    let pk = app.publishable_key.clone();
    let open = format!("/v1/payment_intents/{}", world.open);
    let secret_only: Vec<(Method, String, Option<Value>)> = vec![
        (Method::POST, "/v1/payment_intents".into(), Some(json!({"amount": 1000, "currency": "usd"}))),
        (Method::GET, "/v1/payment_intents".into(), None),
        (Method::POST, open.clone(), Some(json!({"description": "x"}))),
        (Method::POST, format!("/v1/payment_intents/{}/capture", world.manual), Some(json!({}))),
        (Method::POST, format!("{open}/cancel"), Some(json!({}))),
        (Method::GET, format!("{open}/attempts"), None),
        (Method::POST, "/v1/refunds".into(), Some(json!({"payment_intent": world.succeeded, "amount": 100}))),
        (Method::GET, "/v1/refunds".into(), None),
        (Method::GET, format!("/v1/refunds/{}", world.refund), None),
        (Method::POST, "/v1/checkout_sessions".into(), Some(json!({"amount": 1000, "currency": "usd"}))),
        (Method::GET, format!("/v1/checkout_sessions/{}", world.session), None),
        (Method::POST, "/v1/payment_links".into(), Some(json!({"amount": 1000, "currency": "usd"}))),
        (Method::GET, "/v1/payment_links".into(), None),
        (Method::GET, format!("/v1/payment_links/{}", world.link), None),
        (Method::POST, format!("/v1/payment_links/{}", world.link), Some(json!({"active": false}))),
        (Method::GET, "/v1/events".into(), None),
        (Method::GET, "/v1/account".into(), None),
        (Method::POST, "/v1/account/keys/roll".into(), Some(json!({"type": "secret"}))),
        (Method::GET, "/v1/sandbox/clock".into(), None),
        (Method::POST, "/v1/sandbox/clock/advance".into(), Some(json!({"seconds": 60}))),
        (
            Method::POST,
            "/v1/sandbox/bank_transfers".into(),
            Some(json!({"reference": world.transfer_reference, "amount": 10_000})),
        ),
        (Method::POST, format!("/v1/sandbox/deliveries/{}/collect", world.delivery), None),
        (Method::POST, format!("/v1/sandbox/deliveries/{}/refuse", world.delivery), None),
        (Method::POST, format!("/v1/sandbox/boletos/{}/pay", world.boleto), None),
    ];
    for (method, path, body) in &secret_only {
        let answer = call(&app, &pk, method, path, body).await;
        assert_error(&answer, 403, "secret_key_required", None);
    }
    // Payment methods are public knowledge.
    let (status, methods) = app.get_with_key(&pk, "/v1/payment_methods?currency=usd&country=US").await;
    assert_eq!(status, 200, "{methods}");
    assert!(methods["data"].as_array().is_some_and(|data| !data.is_empty()), "{methods}");

    // Reading an intent needs its client secret, and exactly that one.
    let (status, by_secret) = app.get(&open).await;
    assert_eq!(status, 200);
    let right = format!("{open}?client_secret={}", world.open_client_secret);
    assert_eq!(app.get_with_key(&pk, &right).await, (200, by_secret.clone()));
    assert_error(&app.get_with_key(&pk, &open).await, 400, "parameter_missing", Some("client_secret"));
    let (_, other_intent) = app.get(&format!("/v1/payment_intents/{}", world.paypal)).await;
    for wrong in [
        format!("{}x", world.open_client_secret),
        other_intent["client_secret"].as_str().expect("secret").to_owned(),
        String::new(),
    ] {
        let answer = app.get_with_key(&pk, &format!("{open}?client_secret={wrong}")).await;
        assert_error(&answer, 400, "payment_intent_invalid_parameter", Some("client_secret"));
    }
    // Another merchant's publishable key does not find the intent, secret or not.
    let answer = app.get_with_key(&other_publishable, &right).await;
    assert_error(&answer, 404, "resource_missing", Some("id"));

    // Confirming follows the same rule; a refused confirmation changes nothing.
    let confirm = format!("{open}/confirm");
    let with_secret = |secret: Option<&str>| {
        let mut body = json!({"payment_method_data": card("4242424242424242")});
        if let Some(secret) = secret {
            body["client_secret"] = json!(secret);
        }
        body
    };
    let answer = app.post_with_key(&pk, &confirm, with_secret(None)).await;
    assert_error(&answer, 400, "parameter_missing", Some("client_secret"));
    let answer = app.post_with_key(&pk, &confirm, with_secret(Some("pi_wrong_secret_x"))).await;
    assert_error(&answer, 400, "payment_intent_invalid_parameter", Some("client_secret"));
    let answer = app.post_with_key(&other_publishable, &confirm, with_secret(Some(&world.open_client_secret))).await;
    assert_error(&answer, 404, "resource_missing", Some("id"));
    assert_eq!(row_counts(&app).await, rows);
    assert_eq!(visible_state(&app, &world).await, visible);

    let (status, confirmed) = app.post_with_key(&pk, &confirm, with_secret(Some(&world.open_client_secret))).await;
    assert_eq!((status, confirmed["status"].as_str()), (200, Some("succeeded")), "{confirmed}");
    let (status, read) = app.get_with_key(&pk, &right).await;
    assert_eq!((status, read["status"].as_str()), (200, Some("succeeded")), "{read}");
}

async fn requests_without_a_valid_key_are_unauthenticated(app: TestApp) {
    let world = World::build(&app).await;
    let rows = row_counts(&app).await;
    let visible = visible_state(&app, &world).await;
    let unknown_secret = format!("sk_test_{}", "A".repeat(32));
    let headers: Vec<Option<Vec<u8>>> = vec![
        None,
        Some(b"Bearer ".to_vec()),
        Some(format!("Bearer {unknown_secret}").into_bytes()),
        Some(format!("Bearer pk_test_{}", "B".repeat(32)).into_bytes()),
        Some(format!("Basic {}", app.secret_key).into_bytes()),
        Some(app.secret_key.clone().into_bytes()),
        Some(format!("Bearer rk_live_{}", "C".repeat(32)).into_bytes()),
        Some(format!("Bearer {}", &app.secret_key[..app.secret_key.len() - 1]).into_bytes()),
        Some(b"Bearer sk_test_\xe9\xe9\xe9".to_vec()),
    ];
    let mut routes: Vec<(Method, String)> =
        world.json_routes().into_iter().map(|(path, _)| (Method::POST, path)).collect();
    routes.extend(world.bodyless_routes().into_iter().map(|path| (Method::POST, path)));
    for path in [
        "/v1/payment_intents".to_owned(),
        format!("/v1/payment_intents/{}", world.open),
        format!("/v1/payment_intents/{}/attempts", world.open),
        "/v1/payment_methods?currency=usd".to_owned(),
        "/v1/refunds".to_owned(),
        format!("/v1/refunds/{}", world.refund),
        "/v1/disputes".to_owned(),
        format!("/v1/disputes/{}", world.dispute),
        format!("/v1/checkout_sessions/{}", world.session),
        "/v1/payment_links".to_owned(),
        format!("/v1/payment_links/{}", world.link),
        "/v1/events".to_owned(),
        "/v1/account".to_owned(),
        "/v1/sandbox/clock".to_owned(),
    ] {
        routes.push((Method::GET, path));
    }
    for header in &headers {
        for (method, path) in &routes {
            let mut request = app.client.request(method.clone(), app.url(path));
            if let Some(value) = header {
                let value = reqwest::header::HeaderValue::from_bytes(value).expect("header value");
                request = request.header(reqwest::header::AUTHORIZATION, value);
            }
            if *method == Method::POST {
                // Authentication comes first: even a broken body is a 401, and an
                // Idempotency-Key does not let an anonymous request be stored.
                request = request.header("Idempotency-Key", format!("anonymous {path}")).body("{not json");
            }
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            let body: Value = response.json().await.expect("json");
            let answer = (status, body);
            assert_error(&answer, 401, "api_key_invalid", None);
            let message = answer.1["error"]["message"].as_str().unwrap_or_default();
            assert!(!message.contains(&app.secret_key[8..]), "the message echoes a key: {message}");
            assert!(!message.contains(&unknown_secret[8..]), "the message echoes a key: {message}");
        }
    }
    assert_eq!(row_counts(&app).await, rows);
    assert_eq!(visible_state(&app, &world).await, visible);
}
