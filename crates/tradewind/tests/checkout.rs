//! Checkout sessions and payment links through the API and the page routes (the
//! browser tests drive the same pages in Chromium).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, card};
use serde_json::json;

on_both_backends!(
    session_offers_market_methods_and_completes,
    redirect_return_and_decline,
    payment_links_open_sessions,
    sessions_expire_after_a_day,
);

async fn session_offers_market_methods_and_completes(app: TestApp) {
    let (status, session) = app
        .post("/v1/checkout_sessions", json!({"amount": 3500, "currency": "eur", "customer": {"country": "NL"},
            "success_url": "https://shop.example/thanks?session={CHECKOUT_SESSION_ID}", "cancel_url": "https://shop.example/cart",
            "locale": "es"}))
        .await;
    assert_eq!(status, 200, "{session}");
    assert_eq!((session["status"].as_str(), session["payment_status"].as_str()), (Some("open"), Some("unpaid")));
    let url = session["url"].as_str().unwrap().to_owned();
    let (status, _, page) = app.get_page(&url).await;
    assert_eq!(status, 200);
    for method in ["card", "ideal", "sofort", "paypal"] {
        assert!(page.contains(&format!("method-{method}")), "{method} offered");
    }
    assert!(!page.contains("method-boleto"));
    assert!(page.contains("lang=\"es\""), "the session's locale");
    assert!(!page.contains(&app.secret_key), "only the publishable key reaches the page");
    assert!(page.contains(&app.publishable_key));
    let response = app.client.get(&url).send().await.unwrap();
    let policy = response.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(response.headers()["cache-control"], "no-store", "the page holds a client secret");

    // The buyer pays with the publishable key and the client secret, then completes.
    let intent_id = session["payment_intent"].as_str().unwrap();
    let (_, intent) = app.get(&format!("/v1/payment_intents/{intent_id}")).await;
    let (status, paid) = app
        .post_with_key(
            &app.publishable_key,
            &format!("/v1/payment_intents/{intent_id}/confirm"),
            json!({"client_secret": intent["client_secret"], "payment_method_data": card("4242424242424242")}),
        )
        .await;
    assert_eq!((status, paid["status"].as_str()), (200, Some("succeeded")));
    let session_id = session["id"].as_str().unwrap();
    let (status, location, _) = app.get_page(&app.url(&format!("/checkout/{session_id}/complete"))).await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some(format!("https://shop.example/thanks?session={session_id}").as_str()));
    let (_, done) = app.get(&format!("/v1/checkout_sessions/{session_id}")).await;
    assert_eq!((done["status"].as_str(), done["payment_status"].as_str()), (Some("complete"), Some("paid")));
}

async fn redirect_return_and_decline(app: TestApp) {
    let (_, session) = app
        .post("/v1/checkout_sessions", json!({"amount": 3500, "currency": "eur", "customer": {"country": "NL"}}))
        .await;
    let session_id = session["id"].as_str().unwrap().to_owned();
    let intent_id = session["payment_intent"].as_str().unwrap();
    let (_, intent) = app.get(&format!("/v1/payment_intents/{intent_id}")).await;
    let return_url = app.url(&format!("/checkout/{session_id}/return"));
    let (_, pending) = app
        .post_with_key(&app.publishable_key, &format!("/v1/payment_intents/{intent_id}/confirm"),
            json!({"client_secret": intent["client_secret"], "return_url": return_url, "payment_method_data": {"type": "ideal"}}))
        .await;
    let bank = pending["next_action"]["redirect_to_url"]["url"].as_str().unwrap();
    let (_, back) = app.post_form(bank, &[("choice", "decline")]).await;
    let back = back.unwrap();
    assert!(back.starts_with(&return_url), "{back}");
    let (status, location, _) = app.get_page(&back).await;
    assert_eq!(status, 303);
    assert!(
        location.unwrap().starts_with(&format!("/checkout/{session_id}?error=")),
        "back to the page with the error"
    );

    // Second try succeeds and lands on the default success page.
    let (_, again) = app
        .post_with_key(&app.publishable_key, &format!("/v1/payment_intents/{intent_id}/confirm"),
            json!({"client_secret": intent["client_secret"], "return_url": return_url, "payment_method_data": {"type": "ideal"}}))
        .await;
    let (_, back) =
        app.post_form(again["next_action"]["redirect_to_url"]["url"].as_str().unwrap(), &[("choice", "approve")]).await;
    let (_, location, _) = app.get_page(&back.unwrap()).await;
    assert_eq!(location.as_deref(), Some(format!("/checkout/{session_id}/success").as_str()));
    let (status, _, page) = app.get_page(&app.url(&format!("/checkout/{session_id}/success"))).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"success\""));
}

async fn payment_links_open_sessions(app: TestApp) {
    let (status, link) =
        app.post("/v1/payment_links", json!({"amount": 1999, "currency": "usd", "description": "Lip balm"})).await;
    assert_eq!(status, 200, "{link}");
    let url = link["url"].as_str().unwrap().to_owned();
    let (status, first, _) = app.get_page(&url).await;
    let (_, second, _) = app.get_page(&url).await;
    assert_eq!(status, 303);
    let (first, second) = (first.unwrap(), second.unwrap());
    assert!(first.starts_with("/checkout/cs_") && second.starts_with("/checkout/cs_"));
    assert_ne!(first, second, "a reusable link opens a new session per visit");
    let (status, _, page) = app.get_page(&app.url(&first)).await;
    assert_eq!(status, 200);
    assert!(page.contains("Lip balm"));
    let link_id = link["id"].as_str().unwrap();
    let (_, updated) = app.post(&format!("/v1/payment_links/{link_id}"), json!({"active": false})).await;
    assert_eq!(updated["active"], false);
    let (status, _, page) = app.get_page(&url).await;
    assert_eq!(status, 200);
    assert!(page.contains("no longer active"));
    let (_, listed) = app.get("/v1/payment_links").await;
    assert_eq!(listed["data"][0]["id"], link_id);
}

async fn sessions_expire_after_a_day(app: TestApp) {
    let (_, session) = app.post("/v1/checkout_sessions", json!({"amount": 1000, "currency": "usd"})).await;
    let id = session["id"].as_str().unwrap();
    assert_eq!(session["expires_at"].as_i64().unwrap() - session["created"].as_i64().unwrap(), 86_400);
    app.advance_clock(86_400 - 60).await;
    let (_, open) = app.get(&format!("/v1/checkout_sessions/{id}")).await;
    assert_eq!(open["status"], "open");
    app.advance_clock(120).await;
    let (_, expired) = app.get(&format!("/v1/checkout_sessions/{id}")).await;
    assert_eq!(expired["status"], "expired");
    let (status, _, page) = app.get_page(session["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert!(page.contains("expired"), "{page}");
    assert!(!page.contains("id=\"pay\""));
}
