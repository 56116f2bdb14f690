//! `Idempotency-Key`: replay, conflict on another body, 409 while in flight, per
//! merchant, and only one object however many duplicates race.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, card};
use serde_json::json;

on_both_backends!(replays_and_conflicts, concurrent_duplicates_create_one_payment, keys_are_per_merchant);

async fn replays_and_conflicts(app: TestApp) {
    let body =
        json!({"amount": 1234, "currency": "usd", "confirm": true, "payment_method_data": card("4242424242424242")});
    let (status, first, replayed) = app.post_idempotent("/v1/payment_intents", "order-1", body.clone()).await;
    assert_eq!((status, replayed), (200, None));
    let (status, second, replayed) = app.post_idempotent("/v1/payment_intents", "order-1", body.clone()).await;
    assert_eq!((status, replayed.as_deref()), (200, Some("true")));
    assert_eq!(first, second, "the stored response replays byte for byte");
    let (status, error, _) =
        app.post_idempotent("/v1/payment_intents", "order-1", json!({"amount": 999, "currency": "usd"})).await;
    assert_eq!(status, 400);
    assert_eq!(error["error"]["type"], "idempotency_error");
    // Errors replay too: a declined confirmation is not retried by a replay.
    let declined =
        json!({"amount": 500, "currency": "usd", "confirm": true, "payment_method_data": card("4000000000000002")});
    let (status, first, _) = app.post_idempotent("/v1/payment_intents", "order-2", declined.clone()).await;
    let (again, second, replayed) = app.post_idempotent("/v1/payment_intents", "order-2", declined).await;
    assert_eq!((status, again, replayed.as_deref()), (402, 402, Some("true")));
    assert_eq!(first, second);
    // A refund with a key cannot be doubled by a retry.
    let id = first["error"]["payment_intent"]["id"].as_str().unwrap().to_owned();
    app.post(&format!("/v1/payment_intents/{id}/confirm"), json!({"payment_method_data": card("4242424242424242")}))
        .await;
    let refund = json!({"payment_intent": id, "amount": 100});
    let (_, one, _) = app.post_idempotent("/v1/refunds", "refund-1", refund.clone()).await;
    let (_, two, _) = app.post_idempotent("/v1/refunds", "refund-1", refund).await;
    assert_eq!(one["id"], two["id"]);
    let (_, intent) = app.get(&format!("/v1/payment_intents/{id}")).await;
    assert_eq!(intent["amount_refunded"], 100);
    // GET ignores keys; an oversized key is refused.
    let response = app
        .client
        .get(app.url("/v1/payment_intents"))
        .bearer_auth(&app.secret_key)
        .header("Idempotency-Key", "order-1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let (status, error, _) = app.post_idempotent("/v1/payment_intents", &"k".repeat(256), json!({})).await;
    assert_eq!((status, error["error"]["param"].as_str()), (400, Some("Idempotency-Key")));
}

async fn concurrent_duplicates_create_one_payment(app: TestApp) {
    let body =
        json!({"amount": 4321, "currency": "usd", "confirm": true, "payment_method_data": card("4242424242424242")});
    let requests = (0..8).map(|_| app.post_idempotent("/v1/payment_intents", "race-1", body.clone()));
    let results = futures::future::join_all(requests).await;
    let originals = results.iter().filter(|(status, _, replayed)| *status == 200 && replayed.is_none()).count();
    assert_eq!(originals, 1, "{results:?}");
    for (status, value, _) in &results {
        match status {
            200 => assert_eq!(value["amount"], 4321),
            409 => assert_eq!(value["error"]["code"], "idempotency_key_in_flight"),
            other => panic!("unexpected {other}: {value}"),
        }
    }
    let (_, list) = app.get("/v1/payment_intents?limit=100").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1), "exactly one payment exists");
}

async fn keys_are_per_merchant(app: TestApp) {
    let (other_secret, _) = app.second_merchant().await;
    let body = json!({"amount": 1000, "currency": "usd"});
    let (_, mine, _) = app.post_idempotent("/v1/payment_intents", "shared-key", body.clone()).await;
    let response = app
        .client
        .post(app.url("/v1/payment_intents"))
        .bearer_auth(&other_secret)
        .header("Idempotency-Key", "shared-key")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("idempotent-replayed").is_none());
    let theirs: serde_json::Value = response.json().await.unwrap();
    assert_ne!(mine["id"], theirs["id"]);
}
