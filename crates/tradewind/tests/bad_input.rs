//! Bad input on every route: malformed JSON, wrong types, unknown and missing fields,
//! oversized bodies, invalid ids in paths and hostile bodies. Every refusal is a 4xx
//! with a Stripe-shaped body naming the parameter at fault, and a refused request
//! leaves every table exactly as it was. Market rules, cards and queries are in
//! `bad_input_rules.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::{TestApp, card};
use reqwest::Method;
use serde_json::{Value, json};
use support::*;

on_both_backends!(
    malformed_json_is_refused_on_every_post_route,
    unknown_fields_are_named,
    wrong_types_are_named,
    missing_fields_are_named,
    bodies_over_64_kib_are_refused,
    invalid_ids_in_paths_answer_404,
    unknown_routes_answer_a_stripe_shaped_404,
    hostile_bodies_never_answer_5xx,
);

/// `valid` with `key` set to `value` (the body stays an object).
fn with(valid: &Value, key: &str, value: Value) -> Value {
    let mut body = valid.clone();
    body[key] = value;
    body
}

async fn malformed_json_is_refused_on_every_post_route(app: TestApp) {
    let world = World::build(&app).await;
    let rows = row_counts(&app).await;
    let visible = visible_state(&app, &world).await;
    for (path, valid) in world.json_routes() {
        let trailing = format!("{valid} {{}}");
        let broken: [&[u8]; 8] = [b"{", b"{\"", b"not json", b"{'amount': 1}", b"{,}", b"}", b"[", trailing.as_bytes()];
        for body in broken {
            let answer = post_bytes(&app, &path, body).await;
            assert_error(&answer, 400, "parameter_invalid_json", None);
        }
        // Valid JSON of the wrong shape blames the whole body, not a parameter.
        let wrong_shapes: [&[u8]; 5] = [b"null", b"[]", b"\"text\"", b"42", b"true"];
        for body in wrong_shapes {
            let answer = post_bytes(&app, &path, body).await;
            assert_error(&answer, 400, "parameter_invalid", None);
        }
    }
    assert_eq!(row_counts(&app).await, rows);
    assert_eq!(visible_state(&app, &world).await, visible);
}

async fn unknown_fields_are_named(app: TestApp) {
    let world = World::build(&app).await;
    let rows = row_counts(&app).await;
    let visible = visible_state(&app, &world).await;
    for (path, valid) in world.json_routes() {
        let answer = app.post(&path, with(&valid, "surprise", json!(1))).await;
        assert_error(&answer, 400, "parameter_unknown", Some("surprise"));
    }
    let card_with_extra = json!({"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "pin": "1234"}});
    let confirm = format!("/v1/payment_intents/{}/confirm", world.open);
    let nested = [
        (
            "/v1/payment_intents",
            json!({"amount": 1000, "currency": "usd", "customer": {"country": "US", "age": 3}}),
            "customer[age]",
        ),
        (
            "/v1/payment_intents",
            json!({"amount": 1000, "currency": "usd", "confirm": true, "payment_method_data": card_with_extra}),
            "payment_method_data[card][pin]",
        ),
        (confirm.as_str(), json!({"payment_method_data": card_with_extra}), "payment_method_data[card][pin]"),
        (
            confirm.as_str(),
            json!({"payment_method_data": {"type": "card", "card": card("4242424242424242")["card"], "billing_details": {"age": 1}}}),
            "payment_method_data[billing_details][age]",
        ),
        (
            "/v1/refunds",
            json!({"payment_intent": world.succeeded, "destination_bank_account": {"account_holder_name": "A", "swift": "X"}}),
            "destination_bank_account[swift]",
        ),
        (
            "/v1/checkout_sessions",
            json!({"amount": 1000, "currency": "usd", "customer": {"city": "Lima"}}),
            "customer[city]",
        ),
    ];
    for (path, body, param) in nested {
        let answer = app.post(path, body).await;
        assert_error(&answer, 400, "parameter_unknown", Some(param));
    }
    // An object for another method than `type` names is refused before anything runs.
    let answer = app
        .post(&confirm, json!({"payment_method_data": {"type": "paypal", "card": card("4242424242424242")["card"]}}))
        .await;
    assert_error(&answer, 400, "parameter_unknown", Some("payment_method_data[card]"));
    assert_eq!(row_counts(&app).await, rows);
    assert_eq!(visible_state(&app, &world).await, visible);
}

async fn wrong_types_are_named(app: TestApp) {
    let world = World::build(&app).await;
    let rows = row_counts(&app).await;
    let visible = visible_state(&app, &world).await;
    let intent = format!("/v1/payment_intents/{}", world.open);
    let confirm = format!("{intent}/confirm");
    let capture = format!("/v1/payment_intents/{}/capture", world.manual);
    let cancel = format!("{intent}/cancel");
    let link = format!("/v1/payment_links/{}", world.link);
    let base = json!({"amount": 1000, "currency": "usd"});
    let card_month =
        json!({"type": "card", "card": {"number": "4242424242424242", "exp_month": "12", "exp_year": 2034}});
    let cases: Vec<(&str, Value, &str)> = vec![
        ("/v1/payment_intents", with(&base, "amount", json!("1000")), "amount"),
        ("/v1/payment_intents", with(&base, "amount", json!(10.5)), "amount"),
        ("/v1/payment_intents", with(&base, "amount", json!(18_446_744_073_709_551_615u64)), "amount"),
        ("/v1/payment_intents", with(&base, "currency", json!(840)), "currency"),
        ("/v1/payment_intents", with(&base, "customer", json!("US")), "customer"),
        ("/v1/payment_intents", with(&base, "customer", json!({"country": 1})), "customer[country]"),
        ("/v1/payment_intents", with(&base, "payment_method_types", json!("card")), "payment_method_types"),
        ("/v1/payment_intents", with(&base, "payment_method_types", json!(["card", 7])), "payment_method_types[1]"),
        ("/v1/payment_intents", with(&base, "metadata", json!({"order": 42})), "metadata[order]"),
        ("/v1/payment_intents", with(&base, "metadata", json!(["order"])), "metadata"),
        ("/v1/payment_intents", with(&base, "confirm", json!("yes")), "confirm"),
        ("/v1/payment_intents", with(&base, "payment_method_data", json!({"type": 5})), "payment_method_data[type]"),
        (
            "/v1/payment_intents",
            with(&base, "payment_method_data", card_month.clone()),
            "payment_method_data[card][exp_month]",
        ),
        (&intent, json!({"amount": true}), "amount"),
        (&intent, json!({"description": 5}), "description"),
        (&confirm, json!({"payment_method_data": "card"}), "payment_method_data"),
        (&confirm, json!({"payment_method_data": card_month}), "payment_method_data[card][exp_month]"),
        (&confirm, json!({"client_secret": 1}), "client_secret"),
        (&confirm, json!({"return_url": []}), "return_url"),
        (&capture, json!({"amount_to_capture": "1000"}), "amount_to_capture"),
        (&cancel, json!({"cancellation_reason": 1}), "cancellation_reason"),
        ("/v1/refunds", json!({"payment_intent": 5}), "payment_intent"),
        ("/v1/refunds", json!({"payment_intent": world.succeeded, "amount": "100"}), "amount"),
        (
            "/v1/refunds",
            json!({"payment_intent": world.succeeded, "destination_bank_account": {"account_holder_name": "A", "iban": 1}}),
            "destination_bank_account[iban]",
        ),
        ("/v1/checkout_sessions", with(&base, "amount", Value::Null), "amount"),
        ("/v1/checkout_sessions", with(&base, "locale", json!(1)), "locale"),
        ("/v1/payment_links", with(&base, "amount", json!("1500")), "amount"),
        (&link, json!({"active": "false"}), "active"),
        (&link, json!({"active": null}), "active"),
        ("/v1/account/keys/roll", json!({"type": 1}), "type"),
        ("/v1/account/keys/roll", json!({"type": "secret", "expires_in": "3600"}), "expires_in"),
        ("/v1/sandbox/clock/advance", json!({"seconds": "60"}), "seconds"),
        ("/v1/sandbox/clock/advance", json!({"seconds": 60.0}), "seconds"),
        ("/v1/sandbox/bank_transfers", json!({"reference": 123, "amount": 100}), "reference"),
        ("/v1/sandbox/bank_transfers", json!({"reference": world.transfer_reference, "amount": "100"}), "amount"),
    ];
    for (path, body, param) in cases {
        let answer = app.post(path, body).await;
        assert_error(&answer, 400, "parameter_invalid", Some(param));
    }
    assert_eq!(row_counts(&app).await, rows);
    assert_eq!(visible_state(&app, &world).await, visible);
}

async fn missing_fields_are_named(app: TestApp) {
    let world = World::build(&app).await;
    let rows = row_counts(&app).await;
    let visible = visible_state(&app, &world).await;
    let confirm = format!("/v1/payment_intents/{}/confirm", world.open);
    let link = format!("/v1/payment_links/{}", world.link);
    let confirm_now =
        |data: Value| json!({"amount": 1000, "currency": "usd", "confirm": true, "payment_method_data": data});
    let cases: Vec<(&str, Value, &str)> = vec![
        ("/v1/payment_intents", json!({}), "amount"),
        ("/v1/payment_intents", json!({"amount": 1000}), "currency"),
        ("/v1/payment_intents", json!({"currency": "usd"}), "amount"),
        ("/v1/payment_intents", confirm_now(json!({})), "payment_method_data[type]"),
        (
            "/v1/payment_intents",
            confirm_now(json!({"type": "card", "card": {"number": "4242424242424242", "exp_year": 2034}})),
            "payment_method_data[card][exp_month]",
        ),
        ("/v1/payment_intents", json!({"amount": 1000, "currency": "usd", "confirm": true}), "payment_method_data"),
        ("/v1/payment_intents", confirm_now(json!({"type": "card"})), "payment_method_data[card]"),
        (
            "/v1/payment_intents",
            json!({"amount": 5000, "currency": "brl", "customer": {"country": "BR"}, "confirm": true,
                   "payment_method_data": {"type": "boleto", "boleto": {}}}),
            "payment_method_data[boleto][tax_id]",
        ),
        (
            "/v1/payment_intents",
            json!({"amount": 5000, "currency": "brl", "customer": {"country": "BR"}, "confirm": true,
                   "payment_method_data": {"type": "boleto", "boleto": {"tax_id": "12345678909"}}}),
            "payment_method_data[billing_details][name]",
        ),
        ("/v1/payment_intents", confirm_now(json!({"type": "paypal"})), "return_url"),
        (&confirm, json!({}), "payment_method_data"),
        (&confirm, json!({"payment_method_data": {"type": "paypal"}}), "return_url"),
        ("/v1/refunds", json!({}), "payment_intent"),
        (
            "/v1/refunds",
            json!({"payment_intent": world.succeeded, "destination_bank_account": {}}),
            "destination_bank_account[account_holder_name]",
        ),
        ("/v1/checkout_sessions", json!({}), "amount"),
        ("/v1/checkout_sessions", json!({"amount": 1000}), "currency"),
        ("/v1/payment_links", json!({"amount": 1000}), "currency"),
        (&link, json!({}), "active"),
        ("/v1/account/keys/roll", json!({"expires_in": 60}), "type"),
        ("/v1/sandbox/clock/advance", json!({}), "seconds"),
        ("/v1/sandbox/bank_transfers", json!({"amount": 100}), "reference"),
        ("/v1/sandbox/bank_transfers", json!({"reference": world.transfer_reference}), "amount"),
    ];
    for (path, body, param) in cases {
        let answer = app.post(path, body).await;
        assert_error(&answer, 400, "parameter_missing", Some(param));
    }
    // An empty body reads as `{}`.
    let answer = post_bytes(&app, "/v1/payment_intents", Vec::new()).await;
    assert_error(&answer, 400, "parameter_missing", Some("amount"));
    let answer = post_bytes(&app, "/v1/account/keys/roll", " \n\t").await;
    assert_error(&answer, 400, "parameter_missing", Some("type"));
    assert_eq!(row_counts(&app).await, rows);
    assert_eq!(visible_state(&app, &world).await, visible);
}

/// A body of exactly `size` bytes that is valid JSON for a payment intent.
fn intent_body_of_size(size: usize) -> Vec<u8> {
    let frame = json!({"amount": 1000, "currency": "usd", "metadata": {"note": ""}}).to_string();
    let padding = size.checked_sub(frame.len()).expect("size larger than the frame");
    let body = frame.replace(r#""note":"""#, &format!(r#""note":"{}""#, "x".repeat(padding)));
    assert_eq!(body.len(), size);
    body.into_bytes()
}

async fn bodies_over_64_kib_are_refused(app: TestApp) {
    const LIMIT_BYTES: usize = 64 * 1024;
    let world = World::build(&app).await;
    let rows = row_counts(&app).await;
    let visible = visible_state(&app, &world).await;
    // At the limit the body is read and judged on its content; one byte more is 413.
    let answer = post_bytes(&app, "/v1/payment_intents", intent_body_of_size(LIMIT_BYTES)).await;
    assert_error(&answer, 400, "parameter_invalid", Some("metadata"));
    let answer = post_bytes(&app, "/v1/payment_intents", intent_body_of_size(LIMIT_BYTES + 1)).await;
    assert_error(&answer, 413, "request_too_large", None);

    let oversized = format!(r#"{{"description": "{}"}}"#, "x".repeat(LIMIT_BYTES + 100));
    for (path, _) in world.json_routes() {
        let answer = post_bytes(&app, &path, oversized.clone()).await;
        assert_error(&answer, 413, "request_too_large", None);
        // The idempotency layer buffers the body too, under the same limit.
        let response = app
            .client
            .post(app.url(&path))
            .bearer_auth(&app.secret_key)
            .header("Idempotency-Key", format!("oversized-{path}"))
            .header("content-type", "application/json")
            .body(oversized.clone())
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("json");
        assert_error(&(status, body), 413, "request_too_large", None);
    }
    // The form posts of the sandbox pages share the limit (axum answers them itself).
    let oversized_form = format!("choice={}", "a".repeat(LIMIT_BYTES + 100));
    for path in
        [format!("/sandbox/3ds/{}", world.three_ds_attempt), format!("/sandbox/redirect/{}", world.paypal_attempt)]
    {
        let response = app
            .client
            .post(app.url(&path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(oversized_form.clone())
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 413, "{path}");
    }
    assert_eq!(row_counts(&app).await, rows);
    assert_eq!(visible_state(&app, &world).await, visible);
}

/// Each id-taking route, with the resource its 404 names.
fn id_routes() -> Vec<(Method, &'static str, &'static str)> {
    vec![
        (Method::GET, "/v1/payment_intents/{}", "payment_intent"),
        (Method::POST, "/v1/payment_intents/{}", "payment_intent"),
        (Method::POST, "/v1/payment_intents/{}/confirm", "payment_intent"),
        (Method::POST, "/v1/payment_intents/{}/capture", "payment_intent"),
        (Method::POST, "/v1/payment_intents/{}/cancel", "payment_intent"),
        (Method::GET, "/v1/payment_intents/{}/attempts", "payment_intent"),
        (Method::GET, "/v1/refunds/{}", "refund"),
        (Method::GET, "/v1/checkout_sessions/{}", "checkout.session"),
        (Method::GET, "/v1/payment_links/{}", "payment_link"),
        (Method::POST, "/v1/payment_links/{}", "payment_link"),
        (Method::POST, "/v1/sandbox/deliveries/{}/collect", "payment_intent"),
        (Method::POST, "/v1/sandbox/deliveries/{}/refuse", "payment_intent"),
        (Method::POST, "/v1/sandbox/boletos/{}/pay", "payment_intent"),
        (Method::GET, "/checkout/{}", "checkout.session"),
        (Method::GET, "/checkout/{}/return", "checkout.session"),
        (Method::GET, "/checkout/{}/complete", "checkout.session"),
        (Method::GET, "/checkout/{}/success", "checkout.session"),
        (Method::GET, "/pay/{}", "payment_link"),
        (Method::GET, "/sandbox/3ds/{}", "payment_attempt"),
        (Method::POST, "/sandbox/3ds/{}", "payment_attempt"),
        (Method::GET, "/sandbox/redirect/{}", "payment_attempt"),
        (Method::POST, "/sandbox/redirect/{}", "payment_attempt"),
        (Method::GET, "/sandbox/boleto/{}", "payment_attempt"),
        (Method::POST, "/sandbox/boleto/{}/pay", "payment_attempt"),
        (Method::GET, "/sandbox/qr/{}", "payment_attempt"),
        (Method::GET, "/v1/connector_accounts/{}", "connector account"),
        (Method::POST, "/v1/connector_accounts/{}", "connector account"),
        (Method::DELETE, "/v1/connector_accounts/{}", "connector account"),
        (Method::GET, "/v1/connector_accounts/{}/faults", "connector account"),
        (Method::POST, "/v1/connector_accounts/{}/faults", "connector account"),
        (Method::POST, "/v1/connectors/{}/webhooks", "connector account"),
    ]
}

async fn invalid_ids_in_paths_answer_404(app: TestApp) {
    let world = World::build(&app).await;
    let rows = row_counts(&app).await;
    let visible = visible_state(&app, &world).await;
    let long = "pi_".to_owned() + &"0".repeat(4000);
    // (as sent in the URL, as the server decodes it)
    let ids: Vec<(String, String)> = vec![
        ("nonsense".into(), "nonsense".into()),
        (MISSING_INTENT.into(), MISSING_INTENT.into()),
        (MISSING_REFUND.into(), MISSING_REFUND.into()),
        (MISSING_SESSION.into(), MISSING_SESSION.into()),
        (MISSING_LINK.into(), MISSING_LINK.into()),
        (MISSING_ATTEMPT.into(), MISSING_ATTEMPT.into()),
        (world.open.to_uppercase(), world.open.to_uppercase()),
        ("pi_0000000000000000000000000I".into(), "pi_0000000000000000000000000I".into()),
        ("%00".into(), "\u{0}".into()),
        ("pi_%27%3B%20DROP%20TABLE%20payment_intents%3B--".into(), "pi_'; DROP TABLE payment_intents;--".into()),
        ("%F0%9F%92%A5".into(), "\u{1F4A5}".into()),
        (long.clone(), long),
    ];
    let form = Some(b"choice=approve".to_vec());
    for (method, template, resource) in id_routes() {
        // Another kind's real id: a refund's where anything else goes, an intent's
        // where a refund goes.
        let other_kind = if resource == "refund" { &world.open } else { &world.refund };
        let mut route_ids = ids.clone();
        route_ids.push((other_kind.clone(), other_kind.clone()));
        for (sent, decoded) in &route_ids {
            let path = template.replace("{}", sent);
            let body = if template.starts_with("/sandbox/") && method == Method::POST { form.clone() } else { None };
            let mut request = app.client.request(method.clone(), app.url(&path)).bearer_auth(&app.secret_key);
            if let Some(body) = body {
                request = request.header("content-type", "application/x-www-form-urlencoded").body(body);
            } else if template == "/v1/payment_links/{}" && method == Method::POST {
                request = request.json(&json!({"active": false}));
            } else if method == Method::POST {
                request = request.json(&json!({}));
            }
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            let body: Value =
                response.json().await.unwrap_or_else(|error| panic!("{method} {path}: not JSON ({error})"));
            let answer = (status, body);
            assert_error(&answer, 404, "resource_missing", Some("id"));
            assert_eq!(
                answer.1["error"]["message"],
                json!(format!("No such {resource}: '{decoded}'")),
                "{method} {path}"
            );
        }
    }
    // A real attempt of another method is not a Boleto voucher.
    let answer = send(&app, Method::GET, &format!("/sandbox/boleto/{}", world.three_ds_attempt), None, None).await;
    assert_error(&answer, 404, "resource_missing", Some("id"));
    // Bytes that are not UTF-8 never reach a handler.
    for (method, template, _) in id_routes() {
        let path = template.replace("{}", "%FF%FE");
        let answer = send(&app, method.clone(), &path, Some(&app.secret_key), None).await;
        assert!((400..500).contains(&answer.0), "{method} {path}: {answer:?}");
        assert!(answer.1["error"]["type"].is_string(), "Stripe-shaped: {method} {path}: {answer:?}");
    }
    assert_eq!(row_counts(&app).await, rows);
    assert_eq!(visible_state(&app, &world).await, visible);
}

async fn unknown_routes_answer_a_stripe_shaped_404(app: TestApp) {
    for (method, path) in [
        (Method::GET, "/v1/customers"),
        (Method::POST, "/v1/charges"),
        (Method::GET, "/v1/payment_intents/pi_00000000000000000000000000/refunds"),
        (Method::DELETE, "/v1/widgets/1"),
        (Method::GET, "/v2/payment_intents"),
    ] {
        let answer = send(&app, method, path, Some(&app.secret_key), None).await;
        assert_error(&answer, 404, "resource_missing", None);
    }
    // A known path with a method it does not serve is not a 5xx either.
    for (method, path) in
        [(Method::DELETE, "/v1/payment_intents"), (Method::PUT, "/v1/refunds"), (Method::PATCH, "/v1/account")]
    {
        let answer = send(&app, method.clone(), path, Some(&app.secret_key), None).await;
        assert_eq!(answer.0, 405, "{method} {path}: {answer:?}");
        assert_eq!(answer.1["error"]["code"], "method_not_allowed", "{method} {path}: {answer:?}");
    }
    let (status, body) = app.get("/v1/payment_intents").await;
    assert_eq!((status, body["data"].as_array().map(Vec::len)), (200, Some(0)), "{body}");
}

/// Bodies no client should send: wrong shapes, numbers out of every range, deep
/// nesting, bytes that are not UTF-8.
fn hostile_bodies() -> Vec<Vec<u8>> {
    let mut bodies: Vec<Vec<u8>> = [
        &b"[]"[..],
        b"null",
        b"[1, 2, 3]",
        b"\"text\"",
        b"true",
        b"1e400",
        b"{\"amount\": 1e400, \"currency\": \"usd\"}",
        b"{\"amount\": -1e400}",
        b"{\"amount\": 9223372036854775807, \"currency\": \"usd\"}",
        b"{\"amount\": -9223372036854775808, \"currency\": \"usd\"}",
        b"{\"amount\": 9223372036854775808, \"currency\": \"usd\"}",
        b"{\"amount\": 123456789012345678901234567890, \"currency\": \"usd\"}",
        b"{\"amount\": 100, \"amount\": 200, \"currency\": \"usd\"}",
        b"{\"\": \"\"}",
        b"{\"currency\": \"\xff\xfe\"}",
        b"\xc3\x28\xa0\xa1",
        b"\xef\xbb\xbf{}",
        b"{\"currency\": \"\\ud800\"}",
        b"{\"metadata\": {\"a\": {\"b\": [1e400]}}}",
        b"{\"amount\": [[[[[[[[[[1]]]]]]]]]], \"currency\": {\"code\": \"usd\"}}",
    ]
    .iter()
    .map(|body| body.to_vec())
    .collect();
    bodies.push(format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes());
    bodies.push(format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000)).into_bytes());
    bodies.push(format!("{{\"metadata\": {}1{}}}", "[".repeat(5_000), "]".repeat(5_000)).into_bytes());
    bodies
}

/// Each field of `valid` replaced, one at a time, by values at every edge.
fn field_edges(valid: &Value) -> Vec<Value> {
    let edges = [
        Value::Null,
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(-1),
        json!(0),
        json!(1e300),
        json!(""),
        json!("x".repeat(10_000)),
        json!([]),
        json!({}),
        json!(true),
        json!("a\u{0}b"),
    ];
    let Some(object) = valid.as_object() else { return Vec::new() };
    object.keys().flat_map(|key| edges.iter().map(move |edge| with(valid, key, edge.clone()))).collect()
}

async fn hostile_bodies_never_answer_5xx(app: TestApp) {
    let world = World::build(&app).await;
    let mut routes: Vec<(String, Value)> = world.json_routes();
    routes.extend(world.bodyless_routes().into_iter().map(|path| (path, json!({}))));
    for (path, valid) in &routes {
        let mut bodies = hostile_bodies();
        bodies.extend(field_edges(valid).iter().map(|body| body.to_string().into_bytes()));
        for body in bodies {
            let preview = String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned();
            let answer = post_bytes(&app, path, body).await;
            assert!(answer.0 < 500, "POST {path} {preview}: {answer:?}");
            if answer.0 >= 400 {
                assert!(answer.1["error"]["type"].is_string(), "POST {path} {preview}: {answer:?}");
            }
        }
    }
    // The sandbox pages take browser forms; hostile forms and JSON are 4xx, not 5xx.
    let forms: [&[u8]; 7] = [
        b"choice=%FF%FE",
        b"choice=",
        b"choice=approve&choice=decline",
        b"choice[]=approve",
        b"\xff\xfe",
        b"",
        b"choice=%00",
    ];
    for path in [
        format!("/sandbox/3ds/{}", world.three_ds_attempt),
        format!("/sandbox/redirect/{}", world.paypal_attempt),
        format!("/sandbox/boleto/{}/pay", world.three_ds_attempt),
    ] {
        for body in forms {
            let response = app
                .client
                .post(app.url(&path))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.to_vec())
                .send()
                .await
                .expect("request");
            let status = response.status().as_u16();
            assert!((400..500).contains(&status), "POST {path} {body:?}: {status}");
            let error: serde_json::Value = response.json().await.expect("a JSON error body");
            assert!(error["error"]["type"].is_string(), "POST {path} {body:?}: {error}");
        }
        for body in hostile_bodies() {
            let answer = post_bytes(&app, &path, body).await;
            assert!((400..500).contains(&answer.0), "POST {path}: {answer:?}");
            assert!(answer.1["error"]["type"].is_string(), "POST {path}: {answer:?}");
        }
    }
    let (status, health) = app.get("/healthz").await;
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
}
