//! The demo: a merchant with keys and sample payments across methods and markets,
//! made through the real API in-process so the demo shows what the API does.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use serde_json::{Value, json};
use tower::ServiceExt;
use tradewind_api::state::AppState;

pub const DEMO_MERCHANT_NAME: &str = "Tradewind Demo Shop";

pub struct Demo {
    pub merchant_id: String,
    pub secret_key: String,
    pub publishable_key: String,
    /// (label, URL) of checkout sessions to open, one per market.
    pub checkout_urls: Vec<(String, String)>,
    pub payment_link_url: String,
}

pub(crate) async fn post(router: &Router, key: &str, path: &str, body: Value) -> anyhow::Result<Value> {
    let request = Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))?;
    let response = router.clone().oneshot(request).await?;
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await?;
    Ok(serde_json::from_slice(&bytes)?)
}

fn card(number: &str) -> Value {
    json!({"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
}

/// Days the demo merchant's sandbox clock is moved on while seeding.
const DEMO_DAYS_ADVANCED: i64 = 7;

pub async fn seed(state: &AppState) -> anyhow::Result<Demo> {
    let now = state.clock.now();
    let merchant = tradewind_api::keys::create_merchant(&state.store, DEMO_MERCHANT_NAME, now)
        .await
        .map_err(|error| anyhow::anyhow!("creating the demo merchant: {}", error.message))?;
    let key = merchant.secret_key.as_str();
    // One router for every seeding request, as the server builds one for all of its own.
    let router = tradewind_api::router(state.clone());
    let paid = post(
        &router,
        key,
        "/v1/payment_intents",
        json!({
            "amount": 4999, "currency": "usd", "description": "Rose serum 50 ml",
            "customer": {"country": "US", "email": "ana@example.com", "name": "Ana Silva"},
            "confirm": true, "payment_method_data": card("4242424242424242")
        }),
    )
    .await?;
    if let Some(id) = paid["id"].as_str() {
        post(
            &router,
            key,
            "/v1/refunds",
            json!({"payment_intent": id, "amount": 1000, "reason": "requested_by_customer"}),
        )
        .await?;
    }
    // Money: a payment the buyer's bank will dispute (the "fraudulent" test card), then
    // a week on the demo's sandbox clock, so the first payments settle (T+2) and the
    // dispute opens; then payments still pending, so the balance, its transactions and
    // the forecast all have something to show.
    post(
        &router,
        key,
        "/v1/payment_intents",
        json!({
            "amount": 7900, "currency": "usd", "description": "Eye cream (will be disputed)",
            "customer": {"country": "US"}, "confirm": true, "payment_method_data": card("4000000000000259")
        }),
    )
    .await?;
    post(&router, key, "/v1/sandbox/clock/advance", json!({"seconds": DEMO_DAYS_ADVANCED * 86_400})).await?;
    for (amount, currency, country, description) in
        [(8900, "usd", "US", "Night cream"), (6500, "eur", "DE", "Travel set"), (120_000, "jpy", "JP", "Sheet masks")]
    {
        post(
            &router,
            key,
            "/v1/payment_intents",
            json!({
                "amount": amount, "currency": currency, "description": description,
                "customer": {"country": country}, "confirm": true, "payment_method_data": card("4242424242424242")
            }),
        )
        .await?;
    }
    post(
        &router,
        key,
        "/v1/payment_intents",
        json!({
            "amount": 12900, "currency": "eur", "capture_method": "manual", "description": "Gift box (manual capture)",
            "confirm": true, "payment_method_data": card("5555555555554444")
        }),
    )
    .await?;
    post(
        &router,
        key,
        "/v1/payment_intents",
        json!({
            "amount": 2500, "currency": "usd", "description": "Declined card",
            "confirm": true, "payment_method_data": card("4000000000000002")
        }),
    )
    .await?;
    post(&router, key, "/v1/payment_intents", json!({
        "amount": 15990, "currency": "brl", "description": "Kit de cuidados", "customer": {"country": "BR", "name": "João Souza"},
        "confirm": true, "payment_method_data": {"type": "boleto", "boleto": {"tax_id": "123.456.789-09"}}
    })).await?;
    let transfer = post(
        &router,
        key,
        "/v1/payment_intents",
        json!({
            "amount": 30000, "currency": "eur", "description": "Wholesale order", "customer": {"country": "DE"},
            "payment_method_types": ["bank_transfer"],
            "confirm": true, "payment_method_data": {"type": "bank_transfer", "bank_transfer": {}}
        }),
    )
    .await?;
    if let Some(reference) = transfer["next_action"]["awaiting_transfer"]["reference"].as_str() {
        post(&router, key, "/v1/sandbox/bank_transfers", json!({"reference": reference, "amount": 10000})).await?;
    }
    let mut checkout_urls = Vec::new();
    for (label, country, currency, amount, locale) in [
        ("United States, card with 3-D Secure", "US", "usd", 4999, "en"),
        ("Netherlands, iDEAL", "NL", "eur", 3500, "en"),
        ("Singapore, GrabPay", "SG", "sgd", 6800, "en"),
        ("Indonesia, GoPay", "ID", "idr", 45_000_000, "id"),
        ("Brazil, Boleto", "BR", "brl", 15990, "pt"),
        ("United Arab Emirates, cash on delivery (Arabic)", "AE", "aed", 18500, "ar"),
        ("China, card (Chinese)", "CN", "cny", 29900, "zh"),
    ] {
        let session = post(
            &router,
            key,
            "/v1/checkout_sessions",
            json!({
                "amount": amount, "currency": currency, "locale": locale,
                "customer": {"country": country}, "description": "Tradewind demo order"
            }),
        )
        .await?;
        if let Some(url) = session["url"].as_str() {
            checkout_urls.push((label.to_owned(), url.to_owned()));
        }
    }
    let link =
        post(&router, key, "/v1/payment_links", json!({"amount": 1999, "currency": "usd", "description": "Lip balm"}))
            .await?;
    crate::demo_support::seed(&router, key).await?;
    Ok(Demo {
        merchant_id: merchant.id,
        secret_key: merchant.secret_key,
        publishable_key: merchant.publishable_key,
        checkout_urls,
        payment_link_url: link["url"].as_str().unwrap_or_default().to_owned(),
    })
}
