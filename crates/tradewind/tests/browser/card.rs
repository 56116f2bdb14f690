//! Cards: a 3-D Secure challenge that the buyer completes, and a decline that keeps
//! the buyer on the page with a translated message.

use super::harness;
use super::session::{Market, create_checkout, expect_success_page, fill_card};
use crate::common::spawn_app;
use anyhow::ensure;

const US_USD: Market = Market { country: "US", currency: "usd", amount: 4999, locale: "en" };

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_with_three_d_secure_reaches_the_success_page() -> anyhow::Result<()> {
    let Some(chromium) = harness::launch().await? else {
        return Ok(());
    };
    let app = spawn_app().await;
    let url = create_checkout(&app, &US_USD).await?;
    let tab = chromium.open(&url).await?;
    tab.wait_for_visible("#method-card").await?;
    tab.screenshot("checkout-en").await?;

    fill_card(&tab, "4000002760003184").await?;
    tab.click("#pay").await?;
    tab.wait_for_path("/sandbox/3ds/").await?;
    let title = tab.text("h1").await?;
    ensure!(title.contains("Tradewind sandbox 3-D Secure"), "3-D Secure page title: {title}");
    tab.click("#complete").await?;

    let status = expect_success_page(&tab).await?;
    ensure!(matches!(status.as_str(), "succeeded" | "requires_capture"), "status {status}");
    chromium.close().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declined_card_shows_the_reason_and_stays_on_the_page() -> anyhow::Result<()> {
    let Some(chromium) = harness::launch().await? else {
        return Ok(());
    };
    let app = spawn_app().await;
    let url = create_checkout(&app, &US_USD).await?;
    let tab = chromium.open(&url).await?;

    fill_card(&tab, "4000000000000002").await?;
    tab.click("#pay").await?;
    tab.wait_until(
        "!document.getElementById('error').hidden && document.getElementById('error').textContent.trim() !== ''",
        "the decline message",
    )
    .await?;
    let message = tab.text("#error").await?;
    ensure!(message == "Your card was declined.", "#error says {message:?}");
    let path: String = tab.eval("location.pathname").await?;
    ensure!(path.starts_with("/checkout/cs_"), "the buyer left the checkout for {path}");
    let pay_enabled: bool = tab.eval("!document.getElementById('pay').disabled").await?;
    ensure!(pay_enabled, "the pay button stays disabled after a decline");
    chromium.close().await
}
