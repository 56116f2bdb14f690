//! Health, metrics, OpenAPI and the reference page.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, card};

on_both_backends!(health_metrics_and_docs);

async fn health_metrics_and_docs(app: TestApp) {
    let (status, body) = app.get("/healthz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));

    let (status, _) = app.pay(2000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200);
    let (_, _, metrics) = app.get_page(&app.url("/metrics")).await;
    assert!(metrics.contains("tradewind_http_requests_total"), "{metrics}");
    assert!(metrics.contains("tradewind_http_request_duration_seconds_bucket"));
    assert!(metrics.contains(r#"tradewind_payment_intents{method="card",status="succeeded"} 1"#), "{metrics}");

    let (status, openapi) = app.get("/openapi.json").await;
    assert_eq!(status, 200);
    assert!(openapi["openapi"].as_str().is_some_and(|version| version.starts_with("3.1")));
    assert!(openapi["paths"]["/v1/payment_intents/{id}/confirm"]["post"].is_object());
    assert!(openapi["components"]["schemas"]["PaymentIntentObject"].is_object());
    let (status, _, page) = app.get_page(&app.url("/docs")).await;
    assert_eq!(status, 200);
    assert!(page.contains("/openapi.json"));
}
