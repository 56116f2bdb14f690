//! Creating checkout sessions through the API and following them to the end.

use super::harness::Tab;
use crate::common::TestApp;
use anyhow::{Context, ensure};
use serde_json::{Value, json};

/// A buyer's market: country, currency, amount in minor units and page language.
pub struct Market {
    pub country: &'static str,
    pub currency: &'static str,
    pub amount: i64,
    pub locale: &'static str,
}

/// Creates a checkout session (no `success_url`) and returns its hosted page URL.
pub async fn create_checkout(app: &TestApp, market: &Market) -> anyhow::Result<String> {
    let body = json!({
        "amount": market.amount,
        "currency": market.currency,
        "customer": { "country": market.country, "email": "buyer@example.com", "name": "Ana Souza" },
        "locale": market.locale,
        "description": "Vitamin C brightening serum, 30 ml",
    });
    let (status, session) = app.post("/v1/checkout_sessions", body).await;
    ensure!(status == 200, "creating a checkout session answered {status}: {session}");
    let url = session.get("url").and_then(Value::as_str).context("the session has no url")?;
    ensure!(url.contains("/checkout/cs_"), "unexpected checkout url {url}");
    Ok(url.to_owned())
}

/// Waits for the default success page and returns the intent status it shows.
pub async fn expect_success_page(tab: &Tab) -> anyhow::Result<String> {
    tab.wait_for_path("/success").await?;
    tab.wait_for_visible("#success").await?;
    let status: Option<String> = tab.eval("document.getElementById('success')?.dataset.status ?? null").await?;
    status.context("the success page has no status")
}

/// Types a card into the checkout's card fields.
pub async fn fill_card(tab: &Tab, number: &str) -> anyhow::Result<()> {
    tab.fill("#card-number", number).await?;
    // Typed as digits; the page formats them as "MM / YY".
    tab.fill("#card-expiry", "1234").await?;
    tab.fill("#card-cvc", "123").await?;
    tab.fill("#card-name", "Ana Souza").await?;
    let expiry = tab.eval::<String>("document.getElementById('card-expiry').value").await?;
    ensure!(expiry == "12 / 34", "the expiry field shows {expiry:?}");
    Ok(())
}
