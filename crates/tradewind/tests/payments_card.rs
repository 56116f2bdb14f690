//! Card payments through the sandbox acquirer: Stripe's test cards, their declines,
//! 3-D Secure (required, optional, required-then-declined), manual and partial
//! capture, cancellation and invalid transitions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, card};
use serde_json::json;

on_both_backends!(
    approves_each_brand,
    declines_carry_stripe_codes,
    invalid_card_data_writes_nothing,
    three_d_secure_challenge,
    manual_and_partial_capture,
    cancel_and_invalid_transitions,
    create_then_confirm_with_client_secret,
    list_paginates_and_filters,
);

async fn approves_each_brand(app: TestApp) {
    for (number, brand) in [
        ("4242424242424242", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
        ("4000000000003055", "visa"),
    ] {
        let data = if brand == "amex" {
            json!({"type": "card", "card": {"number": number, "exp_month": 1, "exp_year": 2031, "cvc": "1234"}})
        } else {
            card(number)
        };
        let (status, intent) = app.pay(1999, "usd", "US", data).await;
        assert_eq!(status, 200, "{number}: {intent}");
        assert_eq!(intent["status"], "succeeded", "{number}");
        assert_eq!(intent["amount_received"], 1999);
        assert_eq!(intent["payment_method"]["card"]["brand"], brand);
        assert_eq!(intent["payment_method"]["card"]["last4"], &number[number.len() - 4..]);
        assert!(intent["payment_method"]["card"]["fingerprint"].as_str().is_some_and(|f| f.len() == 16));
        assert_eq!(intent["connector"], "sandbox_card");
        let (_, attempts) = app.get(&format!("/v1/payment_intents/{}/attempts", intent["id"].as_str().unwrap())).await;
        assert_eq!(attempts["data"][0]["status"], "captured");
        assert_eq!(attempts["data"][0]["connector"], "sandbox_card");
    }
    // Same card, same fingerprint; another card, another.
    let (_, first) = app.pay(500, "usd", "US", card("4242424242424242")).await;
    let (_, second) = app.pay(500, "usd", "US", card("4242 4242 4242 4242")).await;
    let (_, other) = app.pay(500, "usd", "US", card("5555555555554444")).await;
    assert_eq!(first["payment_method"]["card"]["fingerprint"], second["payment_method"]["card"]["fingerprint"]);
    assert_ne!(first["payment_method"]["card"]["fingerprint"], other["payment_method"]["card"]["fingerprint"]);
}

async fn declines_carry_stripe_codes(app: TestApp) {
    for (number, code, decline_code) in [
        ("4000000000000002", "card_declined", "generic_decline"),
        ("4000000000009995", "card_declined", "insufficient_funds"),
        ("4000000000009987", "card_declined", "lost_card"),
        ("4000000000009979", "card_declined", "stolen_card"),
        ("4000000000000069", "expired_card", "expired_card"),
        ("4000000000000127", "incorrect_cvc", "incorrect_cvc"),
        ("4000000000000119", "processing_error", "processing_error"),
    ] {
        let (status, body) = app.pay(2500, "usd", "US", card(number)).await;
        assert_eq!(status, 402, "{number}: {body}");
        let error = &body["error"];
        assert_eq!(error["type"], "card_error");
        assert_eq!(error["code"], code, "{number}");
        assert_eq!(error["decline_code"], decline_code, "{number}");
        let intent = &error["payment_intent"];
        assert_eq!(intent["status"], "requires_payment_method");
        assert_eq!(intent["last_payment_error"]["decline_code"], decline_code);
        // The decline is recorded: the stored intent and its attempt say so.
        let id = intent["id"].as_str().unwrap();
        let (_, stored) = app.get(&format!("/v1/payment_intents/{id}")).await;
        assert_eq!(stored["last_payment_error"]["code"], code);
        let (_, attempts) = app.get(&format!("/v1/payment_intents/{id}/attempts")).await;
        assert_eq!(attempts["data"][0]["status"], "failed");
        assert_eq!(attempts["data"][0]["decline_code"], decline_code);
        // The buyer can try again with another card.
        let (status, retried) = app
            .post(
                &format!("/v1/payment_intents/{id}/confirm"),
                json!({"payment_method_data": card("4242424242424242")}),
            )
            .await;
        assert_eq!((status, retried["status"].as_str()), (200, Some("succeeded")));
        let (_, attempts) = app.get(&format!("/v1/payment_intents/{id}/attempts")).await;
        assert_eq!(attempts["data"].as_array().map(Vec::len), Some(2));
    }
}

async fn invalid_card_data_writes_nothing(app: TestApp) {
    for (data, param, code) in [
        (card("4242424242424241"), "payment_method_data[card][number]", "incorrect_number"),
        (card("1234"), "payment_method_data[card][number]", "incorrect_number"),
        (
            json!({"type": "card", "card": {"number": "4242424242424242", "exp_month": 13, "exp_year": 2030}}),
            "payment_method_data[card][exp_month]",
            "invalid_expiry_month",
        ),
        (
            json!({"type": "card", "card": {"number": "4242424242424242", "exp_month": 1, "exp_year": 2020}}),
            "payment_method_data[card][exp_year]",
            "expired_card",
        ),
        (
            json!({"type": "card", "card": {"number": "4242424242424242", "exp_month": 1, "exp_year": 2030, "cvc": "12"}}),
            "payment_method_data[card][cvc]",
            "invalid_cvc",
        ),
    ] {
        let (status, body) = app.pay(1000, "usd", "US", data).await;
        assert_eq!(status, 402, "{body}");
        assert_eq!(body["error"]["param"], param);
        assert_eq!(body["error"]["code"], code);
    }
    let (_, list) = app.get("/v1/payment_intents").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(0), "nothing half-written: {list}");
}

async fn three_d_secure_challenge(app: TestApp) {
    // Required, then completed.
    let (status, intent) = app.pay(4999, "usd", "US", card("4000002760003184")).await;
    assert_eq!(status, 200, "{intent}");
    assert_eq!(intent["status"], "requires_action");
    assert_eq!(intent["next_action"]["type"], "three_d_secure");
    let url = intent["next_action"]["three_d_secure"]["url"].as_str().unwrap().to_owned();
    let (page_status, _, page) = app.get_page(&url).await;
    assert_eq!(page_status, 200);
    assert!(page.contains("complete") && page.contains("fail"), "{page}");
    let (status, location) = app.post_form(&url, &[("choice", "approve")]).await;
    assert_eq!(status, 303);
    let location = location.unwrap();
    assert!(location.starts_with("https://shop.example/return?payment_intent=pi_"), "{location}");
    let id = intent["id"].as_str().unwrap();
    let (_, done) = app.get(&format!("/v1/payment_intents/{id}")).await;
    assert_eq!(done["status"], "succeeded");
    assert!(done["next_action"].is_null());
    // The page cannot be used twice.
    let (status, _) = app.post_form(&url, &[("choice", "approve")]).await;
    assert_eq!(status, 409);

    // Required, then failed by the buyer.
    let (_, intent) = app.pay(4999, "usd", "US", card("4000002760003184")).await;
    let url = intent["next_action"]["three_d_secure"]["url"].as_str().unwrap().to_owned();
    app.post_form(&url, &[("choice", "decline")]).await;
    let (_, failed) = app.get(&format!("/v1/payment_intents/{}", intent["id"].as_str().unwrap())).await;
    assert_eq!(failed["status"], "requires_payment_method");
    assert_eq!(failed["last_payment_error"]["code"], "payment_intent_authentication_failure");

    // Required, authenticated, then declined by the issuer.
    let (_, intent) = app.pay(4999, "usd", "US", card("4000008260003178")).await;
    let url = intent["next_action"]["three_d_secure"]["url"].as_str().unwrap().to_owned();
    app.post_form(&url, &[("choice", "approve")]).await;
    let (_, declined) = app.get(&format!("/v1/payment_intents/{}", intent["id"].as_str().unwrap())).await;
    assert_eq!(declined["status"], "requires_payment_method");
    assert_eq!(declined["last_payment_error"]["decline_code"], "insufficient_funds");
}

async fn manual_and_partial_capture(app: TestApp) {
    let (status, intent) = app
        .post(
            "/v1/payment_intents",
            json!({"amount": 1000, "currency": "eur", "capture_method": "manual", "confirm": true,
                   "payment_method_data": card("5555555555554444")}),
        )
        .await;
    assert_eq!(status, 200, "{intent}");
    assert_eq!(intent["status"], "requires_capture");
    assert_eq!(intent["amount_capturable"], 1000);
    assert_eq!(intent["amount_received"], 0);
    let id = intent["id"].as_str().unwrap();
    let (status, error) =
        app.post(&format!("/v1/payment_intents/{id}/capture"), json!({"amount_to_capture": 1001})).await;
    assert_eq!((status, error["error"]["param"].as_str()), (400, Some("amount_to_capture")));
    let (status, captured) =
        app.post(&format!("/v1/payment_intents/{id}/capture"), json!({"amount_to_capture": 600})).await;
    assert_eq!(status, 200, "{captured}");
    assert_eq!(captured["status"], "succeeded");
    assert_eq!(captured["amount_received"], 600);
    assert_eq!(captured["amount_capturable"], 0);
    let (status, again) = app.post(&format!("/v1/payment_intents/{id}/capture"), json!({})).await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(again["error"]["code"], "payment_intent_unexpected_state");

    // Full capture by default.
    let (_, intent) = app
        .post(
            "/v1/payment_intents",
            json!({"amount": 777, "currency": "usd", "capture_method": "manual", "confirm": true,
                   "payment_method_data": card("4242424242424242")}),
        )
        .await;
    let (_, captured) =
        app.post(&format!("/v1/payment_intents/{}/capture", intent["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(captured["amount_received"], 777);
}

async fn cancel_and_invalid_transitions(app: TestApp) {
    let (_, held) = app
        .post(
            "/v1/payment_intents",
            json!({"amount": 1000, "currency": "usd", "capture_method": "manual", "confirm": true,
                   "payment_method_data": card("4242424242424242")}),
        )
        .await;
    let id = held["id"].as_str().unwrap();
    let (status, canceled) = app
        .post(&format!("/v1/payment_intents/{id}/cancel"), json!({"cancellation_reason": "requested_by_customer"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(canceled["status"], "canceled");
    assert_eq!(canceled["amount_capturable"], 0);
    for path in ["capture", "cancel", "confirm"] {
        let body = if path == "confirm" { json!({"payment_method_data": card("4242424242424242")}) } else { json!({}) };
        let (status, error) = app.post(&format!("/v1/payment_intents/{id}/{path}"), body).await;
        assert_eq!(status, 409, "{path}: {error}");
        assert!(error["error"]["message"].as_str().unwrap().contains("canceled"));
    }
    let (status, _) = app.post(&format!("/v1/payment_intents/{id}"), json!({"description": "late"})).await;
    assert_eq!(status, 409);

    let (_, paid) = app.pay(1000, "usd", "US", card("4242424242424242")).await;
    let (status, _) =
        app.post(&format!("/v1/payment_intents/{}/cancel", paid["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(status, 409);
}

async fn create_then_confirm_with_client_secret(app: TestApp) {
    let (status, intent) = app
        .post(
            "/v1/payment_intents",
            json!({"amount": 1500, "currency": "usd", "description": "Serum", "metadata": {"order": "A-1"},
                   "customer": {"country": "US", "email": "buyer@example.com"}, "statement_descriptor": "TRADEWIND SHOP"}),
        )
        .await;
    assert_eq!(status, 200, "{intent}");
    assert_eq!(intent["status"], "requires_payment_method");
    assert_eq!(intent["metadata"]["order"], "A-1");
    assert!(intent["payment_method_types"].as_array().unwrap().contains(&json!("card")));
    let id = intent["id"].as_str().unwrap();
    let secret = intent["client_secret"].as_str().unwrap();

    let (status, updated) = app
        .post(&format!("/v1/payment_intents/{id}"), json!({"amount": 1800, "metadata": {"order": "", "gift": "yes"}}))
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["amount"], 1800);
    assert_eq!(updated["metadata"], json!({"gift": "yes"}));

    // The publishable key confirms only with the client secret.
    let path = format!("/v1/payment_intents/{id}/confirm");
    let (status, _) =
        app.post_with_key(&app.publishable_key, &path, json!({"payment_method_data": card("4242424242424242")})).await;
    assert_eq!(status, 400);
    let (status, confirmed) = app
        .post_with_key(
            &app.publishable_key,
            &path,
            json!({"client_secret": secret, "payment_method_data": card("4242424242424242")}),
        )
        .await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["status"], "succeeded");
    assert_eq!(confirmed["amount_received"], 1800);
    let (status, fetched) =
        app.get_with_key(&app.publishable_key, &format!("/v1/payment_intents/{id}?client_secret={secret}")).await;
    assert_eq!((status, fetched["status"].as_str()), (200, Some("succeeded")));
}

async fn list_paginates_and_filters(app: TestApp) {
    let mut ids = Vec::new();
    for index in 0..5 {
        let number = if index % 2 == 0 { "4242424242424242" } else { "4000000000000002" };
        let (_, body) = app.pay(1000 + index, "usd", "US", card(number)).await;
        let intent = if body["error"].is_object() { body["error"]["payment_intent"].clone() } else { body };
        ids.push(intent["id"].as_str().unwrap().to_owned());
    }
    let (_, page) = app.get("/v1/payment_intents?limit=2").await;
    assert_eq!(page["has_more"], true);
    assert_eq!(page["data"][0]["id"], ids[4].as_str(), "newest first");
    let last = page["data"][1]["id"].as_str().unwrap();
    let (_, next) = app.get(&format!("/v1/payment_intents?limit=2&starting_after={last}")).await;
    assert_eq!(next["data"][0]["id"], ids[2].as_str());
    let (_, rest) = app.get(&format!("/v1/payment_intents?limit=10&starting_after={}", ids[1])).await;
    assert_eq!((rest["data"].as_array().map(Vec::len), rest["has_more"].as_bool()), (Some(1), Some(false)));
    let (_, succeeded) = app.get("/v1/payment_intents?status=succeeded").await;
    assert_eq!(succeeded["data"].as_array().map(Vec::len), Some(3));
    let (_, failed) = app.get("/v1/payment_intents?status=requires_payment_method&payment_method_type=card").await;
    assert_eq!(failed["data"].as_array().map(Vec::len), Some(2));
    let (_, none) = app.get("/v1/payment_intents?payment_method_type=ideal").await;
    assert_eq!(none["data"].as_array().map(Vec::len), Some(0));
    let (_, future) = app.get("/v1/payment_intents?created[gte]=4102444800").await;
    assert_eq!(future["data"].as_array().map(Vec::len), Some(0));
    let (_, all) = app.get("/v1/payment_intents?created[lte]=4102444800&created[gte]=0").await;
    assert_eq!(all["data"].as_array().map(Vec::len), Some(5));
}
