//! The support desk in two browsers (two Chromium profiles: two separate browser
//! contexts). A buyer on the demo shop page asks in Spanish where order 1001 is; the
//! assistant asks them to verify, and after the order number and email it answers with
//! the order's status and tracking; the buyer asks for a person. An agent signs in to the
//! console in English, sees the conversation with the order and its payment beside it,
//! replies, and the buyer sees the reply arrive without reloading.

use super::harness::{self, Tab};
use crate::common::{TestApp, card, spawn_app};
use anyhow::{Context, ensure};
use serde_json::{Value, json};

const TRACKING: &str = "JD014600006281";
const BUYER_EMAIL: &str = "lucia@example.com";
const AGENT_EMAIL: &str = "sam@shop.example";
const AGENT_PASSWORD: &str = "correct horse battery";
const REPLY: &str = "Hi Lucia, your parcel is with DHL and arrives on Monday.";

/// Shadow-root helpers the widget's steps share: `tw(id)` finds an element by its
/// `data-testid`, `twType(id, text)` types as the widget expects (value, then `input`).
const WIDGET_HELPERS: &str = r#"(() => {
    window.twRoot = () => document.querySelector('#tradewind-widget')?.shadowRoot ?? null;
    window.tw = (id) => window.twRoot()?.querySelector(`[data-testid="${id}"]`) ?? null;
    window.twAll = (id) => Array.from(window.twRoot()?.querySelectorAll(`[data-testid="${id}"]`) ?? []);
    window.twType = (id, text) => {
        const field = window.tw(id);
        if (!field) return false;
        field.value = text;
        field.dispatchEvent(new Event('input', { bubbles: true }));
        return true;
    };
    window.twClick = (id) => {
        const element = window.tw(id);
        if (!element) return false;
        element.click();
        return true;
    };
    return true;
})()"#;

async fn api(app: &TestApp, path: &str, body: Value) -> anyhow::Result<Value> {
    let (status, answer) = app.post(path, body).await;
    ensure!(status == 200, "{path} answered {status}: {answer}");
    Ok(answer)
}

/// The shop's order 1001, paid and shipped, and an English-speaking agent, online.
async fn seed(app: &TestApp) -> anyhow::Result<()> {
    let (status, payment) = app.pay(3500, "usd", "US", card("4242424242424242")).await;
    ensure!(status == 200, "paying answered {status}: {payment}");
    let order = api(
        app,
        "/v1/orders",
        json!({"number": "1001", "buyer": {"email": BUYER_EMAIL, "name": "Lucía"}, "currency": "usd", "status": "paid",
               "payment_intents": [payment["id"]], "items": [{"name": "Rose serum", "quantity": 2, "unit_amount": 1500}],
               "shipping_amount": 500}),
    )
    .await?;
    let id = order["id"].as_str().context("order id")?;
    api(
        app,
        &format!("/v1/orders/{id}"),
        json!({"status": "shipped", "shipment": {"carrier": "DHL", "tracking_number": TRACKING, "status": "in_transit",
               "tracking_url": "https://www.dhl.com/track?id=JD014600006281"}}),
    )
    .await?;
    let agent = api(
        app,
        "/v1/support/agents",
        json!({"email": AGENT_EMAIL, "name": "Sam", "languages": ["en"], "capacity": 5, "password": AGENT_PASSWORD}),
    )
    .await?;
    api(
        app,
        &format!("/v1/support/agents/{}", agent["id"].as_str().context("agent id")?),
        json!({"presence": "online"}),
    )
    .await?;
    Ok(())
}

// The widget re-renders as messages arrive, so each step finds its element and acts in
// one JavaScript turn, retried until the element is there.
async fn widget_click(tab: &Tab, id: &str) -> anyhow::Result<()> {
    tab.wait_until(&format!("window.twClick({id:?})"), &format!("clicking the widget's {id}")).await
}

async fn widget_type(tab: &Tab, id: &str, text: &str) -> anyhow::Result<()> {
    tab.wait_until(&format!("window.twType({id:?}, {text:?})"), &format!("typing into the widget's {id}")).await
}

/// Waits for a widget message from `sender` whose text contains `fragment`.
async fn widget_message(tab: &Tab, sender: &str, fragment: &str) -> anyhow::Result<()> {
    let condition = format!(
        "window.twAll('tw-message').some((m) => m.dataset.sender === {sender:?} && m.textContent.includes({fragment:?}))"
    );
    tab.wait_until(&condition, &format!("a {sender} message with {fragment:?}")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spanish_buyer_is_answered_verified_and_handed_to_an_english_agent() -> anyhow::Result<()> {
    let Some(buyer_browser) = harness::launch().await? else {
        return Ok(());
    };
    let app = spawn_app().await;
    seed(&app).await?;

    // The buyer, on the demo shop page in Spanish.
    let shop = buyer_browser.open(&app.url(&format!("/demo/shop/{}?lang=es", app.merchant_id))).await?;
    let _: bool = shop.eval(WIDGET_HELPERS).await?;
    shop.wait_until("window.twRoot()?.host?.dataset.state === 'ready'", "the widget to be ready").await?;
    widget_click(&shop, "tw-launcher").await?;
    widget_type(&shop, "tw-input", "¿Dónde está mi pedido 1001?").await?;
    widget_click(&shop, "tw-send").await?;
    shop.wait_until("window.tw('tw-verify-order') !== null", "the assistant to ask for verification").await?;
    let before: String = shop.eval("window.twRoot().textContent").await?;
    ensure!(!before.contains(TRACKING), "the tracking number showed before verification");
    // The form is filled and sent in one turn, so no re-render can clear it in between.
    let verify = format!(
        "window.twType('tw-verify-order', '1001') && window.twType('tw-verify-email', {BUYER_EMAIL:?}) \
         && window.twClick('tw-verify-submit')"
    );
    shop.wait_until(&verify, "sending the verification form").await?;
    widget_message(&shop, "assistant", TRACKING).await.context("the order's status after verification")?;
    widget_type(&shop, "tw-input", "Quiero hablar con un agente, por favor").await?;
    widget_click(&shop, "tw-send").await?;

    // The agent, in another browser, in the English console.
    let Some(agent_browser) = harness::launch().await? else {
        return Ok(());
    };
    let console = agent_browser.open(&app.url("/console")).await?;
    console.fill("[data-testid=tw-login-email]", AGENT_EMAIL).await?;
    console.fill("[data-testid=tw-login-password]", AGENT_PASSWORD).await?;
    console.click("[data-testid=tw-login-submit]").await?;
    console.click("[data-testid=tw-inbox-item]").await?;
    console
        .wait_until(
            "document.querySelector('[data-testid=tw-context-order][data-number=\"1001\"]') !== null",
            "the order beside the conversation",
        )
        .await?;
    console.wait_for_visible("[data-testid=tw-context-payment]").await?;
    let context = console.text("[data-testid=tw-context-order]").await?;
    ensure!(
        context.contains(TRACKING) || context.to_lowercase().contains("shipped"),
        "the order panel shows {context}"
    );
    let thread: String = console.eval("document.body.textContent").await?;
    ensure!(thread.contains("1001"), "the buyer's question is in the conversation");
    console.fill("[data-testid=tw-reply]", REPLY).await?;
    console.click("[data-testid=tw-send]").await?;

    // The reply reaches the buyer in real time (the shop page is never reloaded).
    widget_message(&shop, "agent", "DHL").await.context("the agent's reply in the widget")?;
    shop.screenshot("support-widget-buyer").await?;
    console.screenshot("support-console-agent").await?;
    agent_browser.close().await?;
    buyer_browser.close().await?;
    Ok(())
}
