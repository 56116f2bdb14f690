//! GrabPay by QR code: the checkout shows the code and waits; the buyer "scans" it by
//! opening the wallet's page in a second tab and approving; the checkout notices.

use super::harness;
use super::session::{Market, create_checkout, expect_success_page};
use crate::common::spawn_app;
use anyhow::{Context, ensure};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grabpay_qr_approved_in_another_tab_completes_the_checkout() -> anyhow::Result<()> {
    let Some(chromium) = harness::launch().await? else {
        return Ok(());
    };
    let app = spawn_app().await;
    let market = Market { country: "SG", currency: "sgd", amount: 3500, locale: "en" };
    let url = create_checkout(&app, &market).await?;
    let checkout = chromium.open(&url).await?;

    checkout.click("#method-grabpay").await?;
    checkout.click("#wallet-flow-qr").await?;
    checkout.click("#pay").await?;
    checkout.wait_for_visible("#qr-code").await?;
    checkout
        .wait_until(
            "document.getElementById('qr-code').complete && document.getElementById('qr-code').naturalWidth > 0",
            "the QR image to load",
        )
        .await?;
    checkout.screenshot("checkout-grabpay-qr").await?;

    let image_url: String = checkout.eval("document.getElementById('qr-code').src").await?;
    let response = reqwest::get(&image_url).await.with_context(|| format!("fetching {image_url}"))?;
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.text().await?;
    ensure!(content_type.starts_with("image/svg+xml"), "the QR image is {content_type:?}");
    ensure!(body.contains("<svg"), "the QR image is not an SVG");
    let countdown = checkout.text("#qr-countdown").await?;
    ensure!(countdown.starts_with("Code expires in"), "countdown shows {countdown:?}");

    let wallet_url: String = checkout.eval("document.getElementById('open-wallet').href").await?;
    let wallet = chromium.open(&wallet_url).await?;
    let provider = wallet.text(".provider-name").await?;
    ensure!(provider == "GrabPay", "the wallet page is {provider}");
    wallet.click("#approve").await?;

    expect_success_page(&checkout).await?;
    chromium.close().await
}
