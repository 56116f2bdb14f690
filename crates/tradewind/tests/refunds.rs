//! Refunds: full and partial, several per payment, never more than captured (also
//! under concurrent requests), method rules and asynchronous outcomes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, card};
use serde_json::json;

on_both_backends!(
    partial_and_full_card_refunds,
    concurrent_refunds_never_exceed_capture,
    method_rules,
    asynchronous_outcomes,
);

async fn partial_and_full_card_refunds(app: TestApp) {
    let (_, paid) = app.pay(10_000, "usd", "US", card("4242424242424242")).await;
    let id = paid["id"].as_str().unwrap();
    let (status, first) = app
        .post(
            "/v1/refunds",
            json!({"payment_intent": id, "amount": 2_500, "reason": "requested_by_customer",
        "metadata": {"ticket": "T-9"}}),
        )
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!((first["status"].as_str(), first["amount"].as_i64()), (Some("succeeded"), Some(2_500)));
    assert_eq!(first["metadata"]["ticket"], "T-9");
    let (_, second) = app.post("/v1/refunds", json!({"payment_intent": id, "amount": 5_000})).await;
    assert_eq!(second["status"], "succeeded");
    let (status, too_much) = app.post("/v1/refunds", json!({"payment_intent": id, "amount": 2_501})).await;
    assert_eq!((status, too_much["error"]["param"].as_str()), (400, Some("amount")), "{too_much}");
    let (_, rest) = app.post("/v1/refunds", json!({"payment_intent": id})).await;
    assert_eq!(rest["amount"], 2_500, "the default is what remains");
    let (status, _) = app.post("/v1/refunds", json!({"payment_intent": id, "amount": 1})).await;
    assert_eq!(status, 400, "fully refunded");
    let (_, intent) = app.get(&format!("/v1/payment_intents/{id}")).await;
    assert_eq!(intent["amount_refunded"], 10_000);
    let (_, listed) = app.get(&format!("/v1/refunds?payment_intent={id}&limit=2")).await;
    assert_eq!((listed["data"].as_array().map(Vec::len), listed["has_more"].as_bool()), (Some(2), Some(true)));
    let (status, fetched) = app.get(&format!("/v1/refunds/{}", first["id"].as_str().unwrap())).await;
    assert_eq!((status, fetched["amount"].as_i64()), (200, Some(2_500)));

    // Nothing to refund before the money is captured.
    let (_, held) = app
        .post(
            "/v1/payment_intents",
            json!({"amount": 1000, "currency": "usd", "capture_method": "manual", "confirm": true,
            "payment_method_data": card("4242424242424242")}),
        )
        .await;
    let (status, error) = app.post("/v1/refunds", json!({"payment_intent": held["id"]})).await;
    assert_eq!(status, 409, "{error}");
    // Partial capture bounds refunds by what was captured, not authorised.
    let held_id = held["id"].as_str().unwrap();
    app.post(&format!("/v1/payment_intents/{held_id}/capture"), json!({"amount_to_capture": 400})).await;
    let (status, _) = app.post("/v1/refunds", json!({"payment_intent": held_id, "amount": 401})).await;
    assert_eq!(status, 400);
}

async fn concurrent_refunds_never_exceed_capture(app: TestApp) {
    let (_, paid) = app.pay(1_000, "usd", "US", card("4242424242424242")).await;
    let id = paid["id"].as_str().unwrap().to_owned();
    let attempts = (0..12).map(|_| app.post("/v1/refunds", json!({"payment_intent": id, "amount": 300})));
    let results = futures::future::join_all(attempts).await;
    let accepted = results.iter().filter(|(status, _)| *status == 200).count();
    let refused = results.iter().filter(|(status, body)| *status == 400 && body["error"]["param"] == "amount").count();
    assert_eq!(accepted, 3, "{results:?}");
    assert_eq!(refused, 9, "{results:?}");
    let (_, intent) = app.get(&format!("/v1/payment_intents/{id}")).await;
    assert_eq!(intent["amount_refunded"], 900);
    let (_, listed) = app.get(&format!("/v1/refunds?payment_intent={id}&limit=100")).await;
    let total: i64 = listed["data"].as_array().unwrap().iter().map(|r| r["amount"].as_i64().unwrap()).sum();
    assert_eq!(total, 900);
}

async fn method_rules(app: TestApp) {
    // Cash on delivery refunds to a bank account the buyer gives.
    let (_, cod) = app.pay(18_500, "aed", "AE", json!({"type": "cash_on_delivery"})).await;
    let id = cod["id"].as_str().unwrap();
    app.post(&format!("/v1/sandbox/deliveries/{id}/collect"), json!({})).await;
    let (status, error) = app.post("/v1/refunds", json!({"payment_intent": id})).await;
    assert_eq!((status, error["error"]["param"].as_str()), (400, Some("destination_bank_account")));
    let (status, error) = app
        .post("/v1/refunds", json!({"payment_intent": id, "destination_bank_account": {"account_holder_name": "Ali", "iban": "AE070331234567890123455"}}))
        .await;
    assert_eq!(
        (status, error["error"]["param"].as_str()),
        (400, Some("destination_bank_account[iban]")),
        "bad checksum"
    );
    let (status, refund) = app
        .post(
            "/v1/refunds",
            json!({"payment_intent": id, "amount": 5_000,
            "destination_bank_account": {"account_holder_name": "Ali", "iban": "AE07 0331 2345 6789 0123 456"}}),
        )
        .await;
    assert_eq!(status, 200, "{refund}");
    assert_eq!(refund["status"], "pending");
    assert_eq!(refund["destination"]["bank_account"]["iban_last4"], "3456");
    assert!(!refund.to_string().contains("0331234567890123456"), "only the last four are kept");
    let (status, _) = app.post("/v1/refunds", json!({"payment_intent": "pi_00000000000000000000000000"})).await;
    assert_eq!(status, 404);
}

async fn asynchronous_outcomes(app: TestApp) {
    let (_, wallet) = app.pay(6_800, "sgd", "SG", json!({"type": "grabpay"})).await;
    app.post_form(wallet["next_action"]["redirect_to_url"]["url"].as_str().unwrap(), &[("choice", "approve")]).await;
    let (_, refund) = app.post("/v1/refunds", json!({"payment_intent": wallet["id"]})).await;
    assert_eq!(refund["status"], "pending", "wallet refunds settle later");
    let (_, fails) = app.pay(3_000, "usd", "US", card("4000000000005126")).await;
    let (_, failing) = app.post("/v1/refunds", json!({"payment_intent": fails["id"], "amount": 1_000})).await;
    assert_eq!(failing["status"], "succeeded", "first it succeeds");
    let clock = app.advance_clock(86_400 + 60).await;
    assert_eq!(clock["refunds_settled"], 2);
    let (_, settled) = app.get(&format!("/v1/refunds/{}", refund["id"].as_str().unwrap())).await;
    assert_eq!(settled["status"], "succeeded");
    let (_, failed) = app.get(&format!("/v1/refunds/{}", failing["id"].as_str().unwrap())).await;
    assert_eq!(failed["status"], "failed", "then the card refund fails");
    assert!(failed["failure_reason"].is_string());
    let (_, intent) = app.get(&format!("/v1/payment_intents/{}", fails["id"].as_str().unwrap())).await;
    assert_eq!(intent["amount_refunded"], 0, "a failed refund gives the amount back");
    // Every change left its event, written with it.
    let refund_id = failing["id"].as_str().unwrap();
    let (_, events) = app.get(&format!("/v1/events?object_id={refund_id}")).await;
    let types: Vec<&str> = events["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["refund.failed", "refund.created"]);
    let (_, events) = app.get(&format!("/v1/events?object_id={}", wallet["id"].as_str().unwrap())).await;
    let types: Vec<&str> = events["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["payment_intent.succeeded", "payment_intent.requires_action", "payment_intent.created"]);
    assert_eq!(events["data"][0]["data"]["object"]["status"], "succeeded");
}
