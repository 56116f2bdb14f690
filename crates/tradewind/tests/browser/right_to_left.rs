//! Arabic: the page is really laid out right to left, and a card payment completes.

use super::harness;
use super::session::{Market, create_checkout, expect_success_page, fill_card};
use crate::common::spawn_app;
use anyhow::ensure;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arabic_checkout_is_right_to_left_and_pays() -> anyhow::Result<()> {
    let Some(chromium) = harness::launch().await? else {
        return Ok(());
    };
    let app = spawn_app().await;
    let market = Market { country: "AE", currency: "aed", amount: 18_900, locale: "ar" };
    let url = create_checkout(&app, &market).await?;
    let tab = chromium.open(&url).await?;
    tab.wait_for_visible("#pay").await?;

    let direction: String = tab.eval("document.documentElement.dir").await?;
    ensure!(direction == "rtl", "<html dir> is {direction:?}");
    let language: String = tab.eval("document.documentElement.lang").await?;
    ensure!(language == "ar", "<html lang> is {language:?}");
    let computed: String = tab.eval("getComputedStyle(document.getElementById('pay')).direction").await?;
    ensure!(computed == "rtl", "the pay button's computed direction is {computed:?}");
    // At 1280 px the page has two columns; right to left puts the order summary on
    // the right and the payment form on its left.
    let summary_right_of_form: bool = tab
        .eval(
            "document.getElementById('summary').getBoundingClientRect().left > \
             document.getElementById('payment-form').getBoundingClientRect().left",
        )
        .await?;
    ensure!(summary_right_of_form, "the summary is not to the right of the form");
    // The label's text (not its box, which spans the column) starts at the right.
    let label_aligned_right: bool = tab
        .eval(
            "(() => { const range = document.createRange(); \
             range.selectNodeContents(document.querySelector('label[for=\"card-number\"]')); \
             const text = range.getBoundingClientRect(); \
             const field = document.getElementById('card-number').getBoundingClientRect(); \
             return Math.abs(text.right - field.right) < 2 && text.left > field.left + 20; })()",
        )
        .await?;
    ensure!(label_aligned_right, "field labels do not start at the right edge");
    let pay_label = tab.text("#pay").await?;
    ensure!(pay_label.contains("ادفع"), "the pay button says {pay_label:?}");
    tab.screenshot("checkout-ar").await?;

    fill_card(&tab, "4242424242424242").await?;
    tab.click("#pay").await?;
    expect_success_page(&tab).await?;
    let success_direction: String = tab.eval("document.documentElement.dir").await?;
    ensure!(success_direction == "rtl", "the success page is {success_direction}");
    chromium.close().await
}
