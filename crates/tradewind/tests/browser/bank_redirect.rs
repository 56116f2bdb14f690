//! iDEAL: the buyer picks a bank, approves on the sandbox bank page and comes back.

use super::harness;
use super::session::{Market, create_checkout, expect_success_page};
use crate::common::spawn_app;
use anyhow::ensure;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ideal_payment_approved_at_the_bank_reaches_the_success_page() -> anyhow::Result<()> {
    let Some(chromium) = harness::launch().await? else {
        return Ok(());
    };
    let app = spawn_app().await;
    let market = Market { country: "NL", currency: "eur", amount: 2599, locale: "en" };
    let url = create_checkout(&app, &market).await?;
    let tab = chromium.open(&url).await?;

    tab.click("#method-ideal").await?;
    tab.wait_for_visible("#ideal-bank").await?;
    let chosen: bool = tab
        .eval(
            "(() => { const select = document.getElementById('ideal-bank'); select.value = 'ing'; \
               select.dispatchEvent(new Event('change', { bubbles: true })); return select.value === 'ing'; })()",
        )
        .await?;
    ensure!(chosen, "ING is not in the iDEAL bank list");
    tab.screenshot("checkout-ideal").await?;
    tab.click("#pay").await?;

    tab.wait_for_path("/sandbox/redirect/").await?;
    let provider = tab.text(".provider-name").await?;
    ensure!(provider == "iDEAL", "landed on the {provider} page");
    tab.click("#approve").await?;

    expect_success_page(&tab).await?;
    chromium.close().await
}
