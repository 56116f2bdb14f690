//! Bad input that is well-formed JSON but breaks a rule: amounts that are not
//! positive, unknown currencies, methods the buyer's market does not offer, amounts
//! outside a method's limits, invalid CPFs and cards, bad list queries, and choices a
//! sandbox page does not offer. Each refusal names its parameter, and nothing is
//! written: no intent appears and an existing one is unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::{TestApp, card};
use serde_json::{Value, json};
use support::*;

on_both_backends!(
    amounts_must_be_positive,
    currencies_must_be_iso_4217,
    methods_must_be_offered_in_the_buyers_market,
    amounts_must_be_within_the_methods_limits,
    boleto_needs_a_valid_cpf,
    invalid_cards_are_refused_before_anything_is_written,
    list_queries_are_checked,
    payment_method_queries_are_checked,
    sandbox_pages_refuse_unknown_choices,
    buyer_pages_treat_hostile_input_as_text,
    nul_characters_are_refused,
);

/// Asserts the merchant has exactly `count` payment intents.
async fn assert_intent_count(app: &TestApp, count: usize) {
    let (status, body) = app.get("/v1/payment_intents?limit=100").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"].as_array().map(Vec::len), Some(count), "{body}");
}

fn intent(amount: i64, currency: &str, country: &str, methods: &[&str]) -> Value {
    json!({"amount": amount, "currency": currency, "customer": {"country": country, "name": "Ana Souza"},
           "payment_method_types": methods})
}

async fn amounts_must_be_positive(app: TestApp) {
    let world = World::build(&app).await;
    let rows = row_counts(&app).await;
    let visible = visible_state(&app, &world).await;
    let update = format!("/v1/payment_intents/{}", world.open);
    for amount in [0, -1, i64::MIN] {
        let cases: Vec<(&str, Value, &str)> = vec![
            ("/v1/payment_intents", json!({"amount": amount, "currency": "usd"}), "amount"),
            (&update, json!({"amount": amount}), "amount"),
            ("/v1/checkout_sessions", json!({"amount": amount, "currency": "usd"}), "amount"),
            ("/v1/payment_links", json!({"amount": amount, "currency": "usd"}), "amount"),
            ("/v1/refunds", json!({"payment_intent": world.succeeded, "amount": amount}), "amount"),
            ("/v1/sandbox/bank_transfers", json!({"reference": world.transfer_reference, "amount": amount}), "amount"),
        ];
        for (path, body, param) in cases {
            assert_error(&app.post(path, body).await, 400, "amount_too_small", Some(param));
        }
        let answer = app.get(&format!("/v1/payment_methods?currency=usd&amount={amount}")).await;
        assert_error(&answer, 400, "amount_too_small", Some("amount"));
        let capture = format!("/v1/payment_intents/{}/capture", world.manual);
        let answer = app.post(&capture, json!({"amount_to_capture": amount})).await;
        assert_error(&answer, 400, "amount_too_small", Some("amount_to_capture"));
    }
    // More than was paid or is capturable is refused the same way.
    let answer = app.post("/v1/refunds", json!({"payment_intent": world.succeeded, "amount": 1501})).await;
    assert_error(&answer, 400, "amount_too_large", Some("amount"));
    let capture = format!("/v1/payment_intents/{}/capture", world.manual);
    let answer = app.post(&capture, json!({"amount_to_capture": 3001})).await;
    assert_error(&answer, 400, "amount_too_large", Some("amount_to_capture"));
    assert_eq!(row_counts(&app).await, rows);
    assert_eq!(visible_state(&app, &world).await, visible);
}

async fn currencies_must_be_iso_4217(app: TestApp) {
    let world = World::build(&app).await;
    let rows = row_counts(&app).await;
    let visible = visible_state(&app, &world).await;
    let update = format!("/v1/payment_intents/{}", world.open);
    for currency in ["usx", "", "us", "usdd", "US D", "€", "123"] {
        let cases: Vec<(&str, Value)> = vec![
            ("/v1/payment_intents", json!({"amount": 1000, "currency": currency})),
            (&update, json!({"currency": currency})),
            ("/v1/checkout_sessions", json!({"amount": 1000, "currency": currency})),
            ("/v1/payment_links", json!({"amount": 1000, "currency": currency})),
        ];
        for (path, body) in cases {
            assert_error(&app.post(path, body).await, 400, "invalid_currency", Some("currency"));
        }
        let query = format!("/v1/payment_methods?currency={}", urlencode(currency));
        assert_error(&app.get(&query).await, 400, "invalid_currency", Some("currency"));
    }
    assert_eq!(row_counts(&app).await, rows);
    assert_eq!(visible_state(&app, &world).await, visible);
}

fn urlencode(text: &str) -> String {
    text.bytes().map(|byte| format!("%{byte:02X}")).collect()
}

async fn methods_must_be_offered_in_the_buyers_market(app: TestApp) {
    let world = World::build(&app).await;
    let rows = row_counts(&app).await;
    let visible = visible_state(&app, &world).await;
    let cases: Vec<(Value, &str, &str)> = vec![
        // iDEAL is Dutch: a US buyer paying in euros cannot use it.
        (intent(1000, "eur", "US", &["ideal"]), "payment_method_unavailable", "payment_method_types[0]"),
        (intent(1000, "eur", "US", &["card", "ideal"]), "payment_method_unavailable", "payment_method_types[1]"),
        // Cash on delivery serves the Gulf and Egypt, not the US.
        (intent(1000, "usd", "US", &["cash_on_delivery"]), "payment_method_unavailable", "payment_method_types[0]"),
        (
            intent(1000, "aed", "US", &["card", "cash_on_delivery"]),
            "payment_method_unavailable",
            "payment_method_types[1]",
        ),
        (intent(1000, "idr", "US", &["gopay"]), "payment_method_unavailable", "payment_method_types[0]"),
        (intent(1000, "usd", "US", &["bitcoin"]), "parameter_invalid", "payment_method_types[0]"),
        (intent(1000, "usd", "US", &["card", "CARD"]), "parameter_invalid", "payment_method_types[1]"),
        (intent(1000, "usd", "US", &[]), "parameter_invalid", "payment_method_types"),
        (
            json!({"amount": 1000, "currency": "usd", "customer": {"country": "USA"}}),
            "parameter_invalid",
            "customer[country]",
        ),
        (
            json!({"amount": 1000, "currency": "usd", "customer": {"country": "1A"}}),
            "parameter_invalid",
            "customer[country]",
        ),
    ];
    for (body, code, param) in &cases {
        assert_error(&app.post("/v1/payment_intents", body.clone()).await, 400, code, Some(param));
        assert_error(&app.post("/v1/checkout_sessions", body.clone()).await, 400, code, Some(param));
    }
    // An update may not switch an intent to a method its buyer cannot use.
    let update = format!("/v1/payment_intents/{}", world.open);
    let answer = app.post(&update, json!({"payment_method_types": ["card", "ideal"]})).await;
    assert_error(&answer, 400, "payment_method_unavailable", Some("payment_method_types[1]"));
    let answer = app
        .post(&update, json!({"customer": {"country": "NL"}, "currency": "eur", "payment_method_types": ["boleto"]}))
        .await;
    assert_error(&answer, 400, "payment_method_unavailable", Some("payment_method_types[0]"));
    // Confirming with a method the buyer's market does not offer is refused before
    // any attempt exists …
    let confirm = format!("/v1/payment_intents/{}/confirm", world.open);
    for (method, code) in [
        ("ideal", "payment_method_unavailable"),
        ("cash_on_delivery", "payment_method_unavailable"),
        ("bitcoin", "parameter_invalid"),
    ] {
        let answer = app.post(&confirm, json!({"payment_method_data": {"type": method}})).await;
        assert_error(&answer, 400, code, Some("payment_method_data[type]"));
    }
    assert_eq!(row_counts(&app).await, rows);
    assert_eq!(visible_state(&app, &world).await, visible);
    // … and so is one the market offers but the intent does not accept.
    let (status, card_only) = app.post("/v1/payment_intents", intent(1000, "usd", "US", &["card"])).await;
    assert_eq!(status, 200, "{card_only}");
    let card_only_path = format!("/v1/payment_intents/{}", card_only["id"].as_str().expect("id"));
    let answer =
        app.post(&format!("{card_only_path}/confirm"), json!({"payment_method_data": {"type": "paypal"}})).await;
    assert_error(&answer, 400, "payment_method_type_not_allowed", Some("payment_method_data[type]"));
    assert_eq!(app.get(&card_only_path).await, (200, card_only));
    // Attaching a method at creation is checked the same way.
    let answer = app
        .post(
            "/v1/payment_intents",
            json!({"amount": 1000, "currency": "usd", "payment_method_data": {"type": "ideal"}}),
        )
        .await;
    assert_error(&answer, 400, "payment_method_unavailable", Some("payment_method_data[type]"));
    let mut rows = rows;
    *rows.get_mut("payment_intents").expect("table") += 1;
    *rows.get_mut("events").expect("table") += 1;
    assert_eq!(row_counts(&app).await, rows);
    // The same buyer in the Netherlands can use iDEAL: the refusals above were about
    // the market, not the method.
    let (status, body) = app.post("/v1/payment_intents", intent(1000, "eur", "NL", &["ideal"])).await;
    assert_eq!((status, body["payment_method_types"].clone()), (200, json!(["ideal"])), "{body}");
    *rows.get_mut("payment_intents").expect("table") += 1;
    *rows.get_mut("events").expect("table") += 1;
    assert_eq!(row_counts(&app).await, rows);
    assert_intent_count(&app, world.intents().len() + 2).await;
}

async fn amounts_must_be_within_the_methods_limits(app: TestApp) {
    let rows = row_counts(&app).await;
    let cases = [
        // Boleto takes R$5.00 to R$49,999.99.
        intent(499, "brl", "BR", &["boleto"]),
        intent(5_000_000, "brl", "BR", &["boleto"]),
        // Cash on delivery in the UAE is capped at AED 5,000.00.
        intent(500_001, "aed", "AE", &["cash_on_delivery"]),
        intent(99, "aed", "AE", &["cash_on_delivery"]),
        // No method at all takes 10 US cents, nor a trillion dollars.
        json!({"amount": 10, "currency": "usd"}),
        json!({"amount": i64::MAX, "currency": "usd"}),
    ];
    for body in &cases {
        assert_error(&app.post("/v1/payment_intents", body.clone()).await, 400, "amount_out_of_range", Some("amount"));
        assert_error(
            &app.post("/v1/checkout_sessions", body.clone()).await,
            400,
            "amount_out_of_range",
            Some("amount"),
        );
    }
    let answer = app.post("/v1/payment_links", json!({"amount": 10, "currency": "usd"})).await;
    assert_error(&answer, 400, "amount_out_of_range", Some("amount"));
    assert_eq!(row_counts(&app).await, rows);
    assert_intent_count(&app, 0).await;

    // At the limits both are accepted, so the refusals were about the amount.
    let boleto = app.pay(500, "brl", "BR", json!({"type": "boleto", "boleto": {"tax_id": "12345678909"}})).await;
    assert_eq!((boleto.0, boleto.1["status"].as_str()), (200, Some("requires_action")), "{}", boleto.1);
    let (status, delivery) = app.post("/v1/payment_intents", intent(500_000, "aed", "AE", &["cash_on_delivery"])).await;
    assert_eq!(status, 200, "{delivery}");
    // Lowering an accepted intent below the method's minimum is refused and changes nothing.
    let (_, open) = app.post("/v1/payment_intents", intent(1000, "brl", "BR", &["boleto"])).await;
    let path = format!("/v1/payment_intents/{}", open["id"].as_str().expect("id"));
    assert_error(&app.post(&path, json!({"amount": 499})).await, 400, "amount_out_of_range", Some("amount"));
    let (_, after) = app.get(&path).await;
    assert_eq!(after, open);
    let path = format!("/v1/payment_intents/{}", delivery["id"].as_str().expect("id"));
    assert_error(&app.post(&path, json!({"amount": 500_001})).await, 400, "amount_out_of_range", Some("amount"));
    let (_, after) = app.get(&path).await;
    assert_eq!(after, delivery);
}

async fn boleto_needs_a_valid_cpf(app: TestApp) {
    let rows = row_counts(&app).await;
    for tax_id in
        ["12345678900", "111.111.111-11", "00000000000", "1234567890", "abcdefghijk", "", "12.345.678/0001-00"]
    {
        let method = json!({"type": "boleto", "boleto": {"tax_id": tax_id}});
        let answer = app.pay(5000, "brl", "BR", method).await;
        assert_error(&answer, 400, "tax_id_invalid", Some("payment_method_data[boleto][tax_id]"));
    }
    assert_eq!(row_counts(&app).await, rows);
    assert_intent_count(&app, 0).await;

    let (status, open) = app.post("/v1/payment_intents", intent(5000, "brl", "BR", &["boleto"])).await;
    assert_eq!(status, 200, "{open}");
    let id = open["id"].as_str().expect("id");
    let rows = row_counts(&app).await;
    let confirm = format!("/v1/payment_intents/{id}/confirm");
    let answer = app
        .post(&confirm, json!({"payment_method_data": {"type": "boleto", "boleto": {"tax_id": "529.982.247-26"}}}))
        .await;
    assert_error(&answer, 400, "tax_id_invalid", Some("payment_method_data[boleto][tax_id]"));
    assert_eq!(app.get(&format!("/v1/payment_intents/{id}")).await, (200, open.clone()));
    let (_, attempts) = app.get(&format!("/v1/payment_intents/{id}/attempts")).await;
    assert_eq!(attempts["data"], json!([]));
    assert_eq!(row_counts(&app).await, rows);
    // The same CPF with its right check digits goes through.
    let answer = app
        .post(&confirm, json!({"payment_method_data": {"type": "boleto", "boleto": {"tax_id": "529.982.247-25"}}}))
        .await;
    assert_eq!((answer.0, answer.1["status"].as_str()), (200, Some("requires_action")), "{}", answer.1);
}

fn card_with(number: &str, exp_month: i64, exp_year: i64, cvc: &str) -> Value {
    json!({"type": "card", "card": {"number": number, "exp_month": exp_month, "exp_year": exp_year, "cvc": cvc}})
}

async fn invalid_cards_are_refused_before_anything_is_written(app: TestApp) {
    let cases = [
        (card_with("4242424242424241", 12, 2034, "123"), "incorrect_number", "number"),
        (card_with("4242", 12, 2034, "123"), "incorrect_number", "number"),
        (card_with("4242 4242 4242 424x", 12, 2034, "123"), "incorrect_number", "number"),
        (card_with("", 12, 2034, "123"), "incorrect_number", "number"),
        (card_with(&"4".repeat(5000), 12, 2034, "123"), "incorrect_number", "number"),
        (card_with("4242424242424242", 13, 2034, "123"), "invalid_expiry_month", "exp_month"),
        (card_with("4242424242424242", 0, 2034, "123"), "invalid_expiry_month", "exp_month"),
        (card_with("4242424242424242", i64::MIN, 2034, "123"), "invalid_expiry_month", "exp_month"),
        (card_with("4242424242424242", 12, 2020, "123"), "expired_card", "exp_year"),
        (card_with("4242424242424242", 12, 3000, "123"), "invalid_expiry_year", "exp_year"),
        (card_with("4242424242424242", 12, i64::MAX, "123"), "invalid_expiry_year", "exp_year"),
        (card_with("4242424242424242", 12, 2034, "12a"), "invalid_cvc", "cvc"),
        (card_with("4242424242424242", 12, 2034, "12345"), "invalid_cvc", "cvc"),
        (card_with("378282246310005", 12, 2034, "123"), "invalid_cvc", "cvc"),
    ];
    let rows = row_counts(&app).await;
    for (method, code, field) in &cases {
        let param = format!("payment_method_data[card][{field}]");
        assert_error(&app.pay(2000, "usd", "US", method.clone()).await, 402, code, Some(&param));
    }
    assert_eq!(row_counts(&app).await, rows);
    assert_intent_count(&app, 0).await;

    let (status, open) = app.post("/v1/payment_intents", json!({"amount": 2000, "currency": "usd"})).await;
    assert_eq!(status, 200, "{open}");
    let id = open["id"].as_str().expect("id").to_owned();
    let rows = row_counts(&app).await;
    for (method, code, field) in &cases {
        let param = format!("payment_method_data[card][{field}]");
        let answer =
            app.post(&format!("/v1/payment_intents/{id}/confirm"), json!({"payment_method_data": method})).await;
        assert_error(&answer, 402, code, Some(&param));
        assert!(answer.1["error"].get("payment_intent").is_none(), "no intent changed: {}", answer.1);
    }
    assert_eq!(app.get(&format!("/v1/payment_intents/{id}")).await, (200, open));
    let (_, attempts) = app.get(&format!("/v1/payment_intents/{id}/attempts")).await;
    assert_eq!(attempts["data"], json!([]));
    assert_eq!(row_counts(&app).await, rows);
    // A good card on the same intent succeeds: the intent was left confirmable.
    let answer = app
        .post(&format!("/v1/payment_intents/{id}/confirm"), json!({"payment_method_data": card("4242424242424242")}))
        .await;
    assert_eq!((answer.0, answer.1["status"].as_str()), (200, Some("succeeded")), "{}", answer.1);
}

async fn list_queries_are_checked(app: TestApp) {
    let world = World::build(&app).await;
    let visible = visible_state(&app, &world).await;
    let cases: Vec<(&str, &str, &str)> = vec![
        ("/v1/payment_intents?limit=0", "parameter_invalid_integer", "limit"),
        ("/v1/payment_intents?limit=101", "parameter_invalid_integer", "limit"),
        ("/v1/payment_intents?limit=-1", "parameter_invalid_integer", "limit"),
        ("/v1/payment_intents?limit=abc", "parameter_invalid", "limit"),
        ("/v1/payment_intents?limit=", "parameter_invalid", "limit"),
        ("/v1/payment_intents?limit=99999999999999999999", "parameter_invalid", "limit"),
        ("/v1/payment_intents?starting_after=nonsense", "parameter_invalid", "starting_after"),
        ("/v1/payment_intents?starting_after=re_00000000000000000000000000", "parameter_invalid", "starting_after"),
        ("/v1/payment_intents?starting_after=%00", "parameter_invalid", "starting_after"),
        ("/v1/payment_intents?status=bogus", "parameter_invalid", "status"),
        ("/v1/payment_intents?status=SUCCEEDED", "parameter_invalid", "status"),
        ("/v1/payment_intents?payment_method_type=bitcoin", "parameter_invalid", "payment_method_type"),
        ("/v1/payment_intents?created[gte]=yesterday", "parameter_invalid", "created[gte]"),
        ("/v1/payment_intents?colour=red", "parameter_unknown", "colour"),
        ("/v1/refunds?limit=0", "parameter_invalid_integer", "limit"),
        ("/v1/refunds?limit=abc", "parameter_invalid", "limit"),
        ("/v1/refunds?starting_after=pi_00000000000000000000000000", "parameter_invalid", "starting_after"),
        ("/v1/refunds?colour=red", "parameter_unknown", "colour"),
        ("/v1/payment_links?limit=1000", "parameter_invalid_integer", "limit"),
        ("/v1/payment_links?limit=1.5", "parameter_invalid", "limit"),
        ("/v1/payment_links?starting_after=nonsense", "parameter_invalid", "starting_after"),
        ("/v1/payment_links?starting_after=%00", "parameter_invalid", "starting_after"),
        ("/v1/payment_links?colour=red", "parameter_unknown", "colour"),
        ("/v1/events?limit=0", "parameter_invalid_integer", "limit"),
        ("/v1/events?limit=ten", "parameter_invalid", "limit"),
        ("/v1/events?starting_after=pi_00000000000000000000000000", "parameter_invalid", "starting_after"),
        ("/v1/events?colour=red", "parameter_unknown", "colour"),
        ("/v1/events?object_id=nonsense", "parameter_invalid", "object_id"),
    ];
    for (path, code, param) in cases {
        let answer = app.get(path).await;
        assert_error(&answer, 400, code, Some(param));
    }
    // A filter by a malformed id is refused; by a missing one, it matches nothing.
    for filter in ["nonsense", "%00", "re_00000000000000000000000000"] {
        let answer = app.get(&format!("/v1/refunds?payment_intent={filter}")).await;
        assert_error(&answer, 400, "parameter_invalid", Some("payment_intent"));
    }
    let (status, body) = app.get(&format!("/v1/refunds?payment_intent={MISSING_INTENT}")).await;
    assert_eq!((status, body["data"].clone()), (200, json!([])), "{body}");
    let (status, body) = app.get(&format!("/v1/payment_intents/{}?client_secret=x&colour=red", world.open)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["param"], json!("colour"), "{body}");
    assert_eq!(visible_state(&app, &world).await, visible);
}

async fn payment_method_queries_are_checked(app: TestApp) {
    let cases = [
        ("/v1/payment_methods", "parameter_missing", "currency"),
        ("/v1/payment_methods?country=US", "parameter_missing", "currency"),
        ("/v1/payment_methods?currency=usd&country=USA", "parameter_invalid", "country"),
        ("/v1/payment_methods?currency=usd&country=1A", "parameter_invalid", "country"),
        ("/v1/payment_methods?currency=usd&amount=abc", "parameter_invalid", "amount"),
        ("/v1/payment_methods?currency=usd&amount=1e3", "parameter_invalid", "amount"),
        ("/v1/payment_methods?currency=usd&colour=red", "parameter_unknown", "colour"),
    ];
    for (path, code, param) in cases {
        assert_error(&app.get(path).await, 400, code, Some(param));
        assert_error(&app.get_with_key(&app.publishable_key, path).await, 400, code, Some(param));
    }
    // What the refusals in the market tests rely on: iDEAL only for Dutch buyers.
    let names = |body: &Value| -> Vec<String> {
        body["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|row| row["type"].as_str().expect("type").to_owned())
            .collect()
    };
    let (status, us) = app.get("/v1/payment_methods?currency=eur&country=US").await;
    assert_eq!(status, 200, "{us}");
    assert!(!names(&us).contains(&"ideal".to_owned()), "{us}");
    let (_, nl) = app.get("/v1/payment_methods?currency=eur&country=nl").await;
    assert!(names(&nl).contains(&"ideal".to_owned()), "{nl}");
    let (_, br) = app.get("/v1/payment_methods?currency=brl&country=BR&amount=499").await;
    assert!(!names(&br).contains(&"boleto".to_owned()), "{br}");
}

async fn sandbox_pages_refuse_unknown_choices(app: TestApp) {
    let world = World::build(&app).await;
    let rows = row_counts(&app).await;
    let visible = visible_state(&app, &world).await;
    for (path, choices) in [
        (format!("/sandbox/3ds/{}", world.three_ds_attempt), ["maybe", "APPROVE", "abandon"]),
        (format!("/sandbox/redirect/{}", world.paypal_attempt), ["maybe", "Approve", "approved"]),
    ] {
        for choice in choices {
            let (status, _) = app.post_form(&app.url(&path), &[("choice", choice)]).await;
            assert_eq!(status, 400, "{path} {choice}");
            let response = app.client.post(app.url(&path)).form(&[("choice", choice)]).send().await.expect("request");
            let answer = (response.status().as_u16(), response.json::<Value>().await.expect("json"));
            assert_error(&answer, 400, "parameter_invalid", Some("choice"));
        }
        // Without a choice the form itself is refused.
        let (status, _) = app.post_form(&app.url(&path), &[("decision", "approve")]).await;
        assert!((400..500).contains(&status), "{path}: {status}");
    }
    // The redirect page does not complete a card, nor the 3-D Secure page a PayPal payment.
    let (status, _) = app
        .post_form(&app.url(&format!("/sandbox/redirect/{}", world.three_ds_attempt)), &[("choice", "approve")])
        .await;
    assert_eq!(status, 409);
    let (status, _) = app.post_form(&app.url(&format!("/sandbox/boleto/{}/pay", world.three_ds_attempt)), &[]).await;
    assert_eq!(status, 409);
    // A Boleto voucher exists only for Boleto attempts.
    let (status, _, _) = app.get_page(&app.url(&format!("/sandbox/boleto/{}", world.paypal_attempt))).await;
    assert_eq!(status, 404);
    assert_eq!(row_counts(&app).await, rows);
    assert_eq!(visible_state(&app, &world).await, visible);
}

async fn buyer_pages_treat_hostile_input_as_text(app: TestApp) {
    let hostile = "</script><img src=x onerror=alert(1)>";
    let (status, session) = app
        .post(
            "/v1/checkout_sessions",
            json!({"amount": 2500, "currency": "usd", "description": hostile,
                   "customer": {"name": hostile, "email": "ana@example.com", "country": "BR"}}),
        )
        .await;
    assert_eq!(status, 200, "{session}");
    let page = session["url"].as_str().expect("url").to_owned();
    let encoded = urlencode(hostile);
    for url in [
        page.clone(),
        format!("{page}?error={encoded}"),
        format!("{page}?locale={encoded}"),
        format!("{page}?locale=%00&error=%00"),
    ] {
        let (status, _, html) = app.get_page(&url).await;
        assert_eq!(status, 200, "{url}");
        assert!(!html.contains(hostile), "{url} reflects markup unescaped");
        assert!(!html.contains("<img src=x"), "{url} reflects markup unescaped");
    }
    // Malformed page queries are refused, not failed on.
    let (status, _, _) = app.get_page(&format!("{page}?locale=en&locale=pt")).await;
    assert!((200..500).contains(&status), "{status}");
    let (status, link) =
        app.post("/v1/payment_links", json!({"amount": 1500, "currency": "usd", "description": hostile})).await;
    assert_eq!(status, 200, "{link}");
    let (status, location, _) = app.get_page(&format!("{}?locale={encoded}", link["url"].as_str().expect("url"))).await;
    assert_eq!(status, 303);
    let (status, _, html) = app.get_page(&app.url(&location.expect("redirect"))).await;
    assert_eq!(status, 200);
    assert!(!html.contains(hostile), "the link's page reflects markup unescaped");
}

async fn nul_characters_are_refused(app: TestApp) {
    let world = World::build(&app).await;
    let mut rows = row_counts(&app).await;
    let visible = visible_state(&app, &world).await;
    let nul = "a\u{0}b";
    let update = format!("/v1/payment_intents/{}", world.open);
    let confirm = format!("{update}/confirm");
    let cases: Vec<(&str, Value, &str)> = vec![
        ("/v1/payment_intents", json!({"amount": 1000, "currency": "usd", "description": nul}), "description"),
        (
            "/v1/payment_intents",
            json!({"amount": 1000, "currency": "usd", "return_url": format!("https://{nul}")}),
            "return_url",
        ),
        ("/v1/payment_intents", json!({"amount": 1000, "currency": "usd", "metadata": {"k": nul}}), "metadata[k]"),
        ("/v1/payment_intents", json!({"amount": 1000, "currency": "usd", "metadata": {nul: "v"}}), "metadata"),
        (
            "/v1/payment_intents",
            json!({"amount": 1000, "currency": "usd", "customer": {"name": nul}}),
            "customer[name]",
        ),
        (&update, json!({"description": nul}), "description"),
        (
            &confirm,
            json!({"payment_method_data": card("4242424242424242"), "return_url": format!("https://{nul}")}),
            "return_url",
        ),
        (
            "/v1/checkout_sessions",
            json!({"amount": 1000, "currency": "usd", "success_url": format!("https://{nul}")}),
            "success_url",
        ),
        (
            "/v1/checkout_sessions",
            json!({"amount": 1000, "currency": "usd", "cancel_url": format!("https://{nul}")}),
            "cancel_url",
        ),
        ("/v1/payment_links", json!({"amount": 1000, "currency": "usd", "description": nul}), "description"),
        ("/v1/refunds", json!({"payment_intent": world.succeeded, "amount": 1, "reason": nul}), "reason"),
        ("/v1/sandbox/bank_transfers", json!({"reference": nul, "amount": 1}), "reference"),
    ];
    for (path, body, param) in cases {
        assert_error(&app.post(path, body).await, 400, "parameter_invalid", Some(param));
    }
    // A NUL in a query never reaches the database: ids are checked first.
    for (path, param) in [
        ("/v1/refunds?payment_intent=%00", "payment_intent"),
        ("/v1/events?object_id=a%00b", "object_id"),
        ("/v1/payment_links?starting_after=%00", "starting_after"),
        ("/v1/payment_intents?starting_after=pi_%00", "starting_after"),
    ] {
        assert_error(&app.get(path).await, 400, "parameter_invalid", Some(param));
    }
    assert_eq!(row_counts(&app).await, rows);
    assert_eq!(visible_state(&app, &world).await, visible);
    // An escaped backslash before `u0000` is no NUL: the text `C:\\u0000` is kept.
    let (status, body) =
        app.post("/v1/payment_intents", json!({"amount": 1000, "currency": "usd", "description": "C:\\u0000"})).await;
    assert_eq!((status, body["description"].as_str()), (200, Some("C:\\u0000")), "{body}");
    *rows.get_mut("payment_intents").expect("table") += 1;
    *rows.get_mut("events").expect("table") += 1;
    assert_eq!(row_counts(&app).await, rows);
}
