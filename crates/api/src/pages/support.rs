//! The support desk's pages: the agent console (`templates/console.html`, driven by
//! `assets/console/`) and the demo shop that embeds the chat widget
//! (`templates/shop.html`). Both pages are static shells; their data comes from the
//! API in the browser.

use super::amount::display_amount;
use super::assets::versioned_url;
use super::templates::{render, script_json};
use super::{Locale, PageError};
use minijinja::context;
use tradewind_money::Currency;

/// The demo shop's window: a small beauty catalogue priced in US dollars.
struct Product {
    name: &'static str,
    blurb: &'static str,
    price_minor: i64,
    /// The CSS class that draws the product's picture (`shop.css`).
    art: &'static str,
}

const PRODUCTS: &[Product] = &[
    Product { name: "Rose Water Toner", blurb: "Alcohol-free, 200 ml", price_minor: 1800, art: "art-rose" },
    Product { name: "Vitamin C Serum", blurb: "15% ascorbic acid, 30 ml", price_minor: 3200, art: "art-citrus" },
    Product { name: "Night Cream", blurb: "Ceramides and squalane, 50 ml", price_minor: 2800, art: "art-night" },
    Product { name: "Silk Lip Balm", blurb: "Shea and rosehip", price_minor: 950, art: "art-lip" },
    Product { name: "Jade Face Roller", blurb: "Cooling facial massage", price_minor: 2400, art: "art-jade" },
    Product { name: "Daily Sunscreen SPF 50", blurb: "Light, no white cast, 60 ml", price_minor: 2100, art: "art-sun" },
];

/// Longest time zone name accepted from the demo shop's `?tz=` (IANA names are shorter).
const TIME_ZONE_LENGTH_MAX: usize = 64;

/// One merchant's demo shop.
#[derive(Debug, Clone)]
pub struct ShopPage<'a> {
    pub merchant_name: &'a str,
    /// The merchant's live publishable key, written into the widget's script tag.
    pub publishable_key: &'a str,
    /// The widget's language from `?lang=`; absent lets the widget follow the browser.
    pub language: Option<Locale>,
    /// The buyer's time zone from `?tz=`; absent lets the widget ask the browser.
    pub time_zone: Option<&'a str>,
}

/// Whether `name` looks like an IANA time zone (`America/New_York`, `UTC`, `Etc/GMT+5`):
/// the shop writes it into an attribute and the server checks it properly later.
pub fn plausible_time_zone(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= TIME_ZONE_LENGTH_MAX
        && name.bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'/' | b'_' | b'+' | b'-'))
}

/// The demo shop page with the widget's `<script>` tag.
pub fn render_shop(page: &ShopPage) -> Result<String, PageError> {
    let usd = Currency::parse("usd")?;
    let products: Vec<_> = PRODUCTS
        .iter()
        .map(|product| {
            context! {
                name => product.name,
                blurb => product.blurb,
                price => display_amount(product.price_minor, usd, Locale::En),
                art => product.art,
            }
        })
        .collect();
    render(
        "shop.html",
        context! {
            lang => "en",
            dir => "ltr",
            merchant_name => page.merchant_name,
            publishable_key => page.publishable_key,
            widget_language => page.language.map(Locale::as_str),
            time_zone => page.time_zone.filter(|zone| plausible_time_zone(zone)),
            products => products,
        },
    )
}

/// The agent console. Its scripts are ES modules whose URLs (content-versioned where
/// they live under `/assets/`) travel in the page data, with every currency's exponent
/// so amounts are shown and typed in exact minor units.
pub fn render_console() -> Result<String, PageError> {
    let exponents: serde_json::Map<String, serde_json::Value> = Currency::all()
        .map(|currency| (currency.lowercase_code(), serde_json::Value::from(currency.exponent())))
        .collect();
    let data = serde_json::json!({
        "modules": {
            "core": versioned_url("console/console-core.js"),
            "view": versioned_url("console/console-view.js"),
            "context": versioned_url("console/console-context.js"),
            "messages": "/widget/widget-core.js",
            "client": "/widget/desk-client.js",
            "realtime": "/sdk/realtime.js",
        },
        "currency_exponents": exponents,
    });
    render("console.html", context! { lang => "en", dir => "ltr", console_json => script_json(&data)? })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn shop(language: Option<Locale>, time_zone: Option<&'static str>) -> String {
        render_shop(&ShopPage {
            merchant_name: "Tradewind Demo <Beauty>",
            publishable_key: "pk_test_abc123",
            language,
            time_zone,
        })
        .unwrap()
    }

    #[test]
    fn the_shop_embeds_the_widget_with_the_merchant_key() {
        let html = shop(Some(Locale::Es), Some("America/New_York"));
        assert!(html.contains(r#"<script src="/widget.js" data-key="pk_test_abc123""#), "{html}");
        assert!(html.contains(r#"data-language="es""#));
        assert!(html.contains(r#"data-time-zone="America/New_York""#));
        assert!(html.contains("Tradewind Demo &lt;Beauty&gt;"), "the merchant name is escaped");
        assert!(html.contains("Vitamin C Serum") && html.contains("$32.00"), "products with prices");
        assert!(!html.contains("<script>"), "no inline script");
    }

    #[test]
    fn without_choices_the_widget_follows_the_browser() {
        let html = shop(None, Some("Evil\"><script>"));
        assert!(!html.contains("data-language"));
        assert!(!html.contains("data-time-zone"), "an implausible zone is dropped");
    }

    #[test]
    fn time_zone_names_are_checked_before_they_reach_an_attribute() {
        for good in ["UTC", "America/New_York", "Etc/GMT+5", "America/Port-au-Prince"] {
            assert!(plausible_time_zone(good), "{good}");
        }
        for bad in ["", "a b", "x\"y", "<", &"A".repeat(TIME_ZONE_LENGTH_MAX + 1)] {
            assert!(!plausible_time_zone(bad), "{bad}");
        }
    }

    #[test]
    fn the_console_carries_its_module_urls_and_currency_exponents() {
        let html = render_console().unwrap();
        let test_ids = [
            "tw-login-email",
            "tw-login-password",
            "tw-login-submit",
            "tw-view-unassigned",
            "tw-view-mine",
            "tw-view-all",
            "tw-assign",
            "tw-resolve",
            "tw-reply",
            "tw-send",
            "tw-note-toggle",
            "tw-context",
        ];
        for test_id in test_ids {
            assert!(html.contains(&format!(r#"data-testid="{test_id}""#)), "{test_id}");
        }
        let start = html.find(r#"<script type="application/json" id="console-data">"#).unwrap();
        let json_start = html[start..].find('>').unwrap() + start + 1;
        let json_end = html[json_start..].find("</script>").unwrap() + json_start;
        let data: serde_json::Value = serde_json::from_str(&html[json_start..json_end]).unwrap();
        assert!(data["modules"]["core"].as_str().unwrap().starts_with("/assets/console/console-core.js?v="));
        assert_eq!(data["modules"]["messages"], "/widget/widget-core.js");
        assert_eq!(data["currency_exponents"]["usd"], 2);
        assert_eq!(data["currency_exponents"]["jpy"], 0);
        assert!(html.contains(r#"type="module" src="/assets/console/console.js?v="#));
    }
}
