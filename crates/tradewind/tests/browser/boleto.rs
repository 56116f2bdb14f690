//! Boleto: the buyer gives a CPF, gets a voucher number and a printable voucher, and
//! finishes on the success page while the payment is awaited.

use super::harness;
use super::session::{Market, create_checkout, expect_success_page};
use crate::common::spawn_app;
use anyhow::ensure;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boleto_voucher_is_shown_and_the_buyer_finishes() -> anyhow::Result<()> {
    let Some(chromium) = harness::launch().await? else {
        return Ok(());
    };
    let app = spawn_app().await;
    let market = Market { country: "BR", currency: "brl", amount: 15_990, locale: "pt" };
    let url = create_checkout(&app, &market).await?;
    let tab = chromium.open(&url).await?;

    tab.click("#method-boleto").await?;
    tab.fill("#boleto-tax-id", "12345678909").await?;
    let formatted: String = tab.eval("document.getElementById('boleto-tax-id').value").await?;
    ensure!(formatted == "123.456.789-09", "the CPF field shows {formatted:?}");
    tab.fill("#boleto-name", "Ana Souza").await?;
    tab.fill("#boleto-email", "ana@example.com").await?;
    tab.click("#pay").await?;

    tab.wait_until("document.getElementById('voucher-number').textContent.trim() !== ''", "the boleto number").await?;
    let voucher_url: String = tab.eval("document.getElementById('voucher-link').href").await?;
    ensure!(voucher_url.contains("/sandbox/boleto/"), "the voucher link is {voucher_url}");
    tab.screenshot("checkout-boleto-voucher").await?;

    let voucher = chromium.open(&voucher_url).await?;
    voucher.wait_for_visible("#barcode").await?;
    voucher.screenshot("boleto-voucher").await?;

    tab.click("#done").await?;
    expect_success_page(&tab).await?;
    chromium.close().await
}
