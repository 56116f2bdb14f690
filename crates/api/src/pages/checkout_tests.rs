//! Rendering tests for the checkout and success pages: the ids and data the browser
//! tests and `checkout.js` rely on, escaping, and every language.

use super::*;

fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap_or_else(|_| unreachable!())
}

fn option(method: &'static str, display_name: &'static str) -> MethodOption {
    MethodOption { method, display_name, legacy_note: None }
}

fn all_methods() -> Vec<MethodOption> {
    vec![
        option("card", "Card"),
        option("paypal", "PayPal"),
        option("ideal", "iDEAL"),
        MethodOption {
            method: "sofort",
            display_name: "SOFORT",
            legacy_note: Some("SOFORT has been folded into Klarna by its provider; offered for existing integrations"),
        },
        option("grabpay", "GrabPay"),
        option("gopay", "GoPay"),
        option("shopeepay", "ShopeePay"),
        option("boleto", "Boleto"),
        option("bank_transfer", "Bank transfer"),
        option("cash_on_delivery", "Cash on delivery"),
    ]
}

fn page(locale: Locale) -> CheckoutPage<'static> {
    CheckoutPage {
        session_id: "cs_123",
        publishable_key: "pk_test_abc",
        payment_intent_id: "pi_456",
        client_secret: "pi_456_secret_789",
        merchant_name: "Lumen <Beauty> & Co",
        description: Some("Vitamin C serum × 2"),
        amount_minor: 123_456,
        currency: currency("EUR"),
        country: Some("at"),
        customer_email: Some("jane@example.com"),
        customer_name: Some("Jane Doe"),
        methods: all_methods(),
        locale,
        return_url: "http://127.0.0.1:8080/checkout/cs_123/return".to_owned(),
        complete_url: "/checkout/cs_123/complete".to_owned(),
        cancel_url: Some("https://shop.example/cart?from=checkout&step=2"),
        error_code: None,
    }
}

/// The JSON inside `<script id="checkout-data">`.
fn embedded_data(html: &str) -> Option<serde_json::Value> {
    let start = html.find(r#"<script id="checkout-data" type="application/json">"#)?;
    let after = &html[start..];
    let open_end = after.find('>')? + 1;
    let close = after.find("</script>")?;
    serde_json::from_str(&after[open_end..close]).ok()
}

#[test]
fn checkout_has_every_id_the_script_and_tests_use() -> Result<(), PageError> {
    let html = render_checkout(&page(Locale::En))?;
    let ids = [
        "summary",
        "payment-form",
        "pay",
        "error",
        "cancel",
        "card-number",
        "card-expiry",
        "card-cvc",
        "card-name",
        "boleto-tax-id",
        "boleto-name",
        "boleto-email",
        "ideal-bank",
        "sofort-country",
        "wallet-flow-qr",
        "wallet-flow-redirect",
        "qr-code",
        "qr-countdown",
        "open-wallet",
        "voucher-number",
        "voucher-link",
        "done",
        "transfer-reference",
        "transfer-iban",
        "change-method",
        "checkout-data",
    ];
    for id in ids {
        assert_eq!(html.matches(&format!(r#"id="{id}""#)).count(), 1, "id {id} must appear exactly once");
    }
    for method in all_methods() {
        let header = format!(r#"id="method-{}" data-method="{}""#, method.method, method.method);
        assert!(html.contains(&header), "{}", method.method);
    }
    for bank in ["abn_amro", "ing", "rabobank"] {
        assert!(html.contains(&format!(r#"<option value="{bank}">"#)), "{bank}");
    }
    assert!(html.contains(r#"<option value="AT" selected>"#), "the buyer's country is preselected for SOFORT");
    assert!(html.contains("SOFORT is now part of Klarna"), "the legacy note is shown, translated");
    Ok(())
}

#[test]
fn checkout_escapes_merchant_data_and_formats_the_amount() -> Result<(), PageError> {
    let html = render_checkout(&page(Locale::En))?;
    assert!(html.contains("Lumen &lt;Beauty&gt; &amp; Co"));
    assert!(!html.contains("Lumen <Beauty>"));
    assert!(html.contains("Pay €1,234.56"));
    assert!(html.contains(r#"href="https://shop.example/cart?from=checkout&amp;step=2""#));
    assert!(html.contains(r#"<html lang="en" dir="ltr">"#));
    assert!(html.contains("/assets/checkout.js?v="));
    assert!(!html.contains("http://cdn") && !html.contains("https://cdn"), "nothing comes from a CDN");
    Ok(())
}

#[test]
fn checkout_data_carries_what_the_script_needs() -> Result<(), PageError> {
    let html = render_checkout(&page(Locale::Pt))?;
    let data = embedded_data(&html);
    let field = |name: &str| data.as_ref().and_then(|data| data.get(name)).cloned();
    assert_eq!(field("payment_intent_id"), Some(serde_json::json!("pi_456")));
    assert_eq!(field("client_secret"), Some(serde_json::json!("pi_456_secret_789")));
    assert_eq!(field("publishable_key"), Some(serde_json::json!("pk_test_abc")));
    assert_eq!(field("complete_url"), Some(serde_json::json!("/checkout/cs_123/complete")));
    assert_eq!(field("return_url"), Some(serde_json::json!("http://127.0.0.1:8080/checkout/cs_123/return")));
    assert_eq!(field("amount_display"), Some(serde_json::json!("€\u{a0}1.234,56")));
    let template = field("amount_format").and_then(|format| format.get("template").cloned());
    assert_eq!(template, Some(serde_json::json!("€\u{a0}{number}")));
    let decline = field("messages").and_then(|messages| messages.get("decline_card_declined").cloned());
    assert_eq!(decline, Some(serde_json::json!("Seu cartão foi recusado.")));
    Ok(())
}

#[test]
fn every_language_renders_and_arabic_is_right_to_left() -> Result<(), PageError> {
    for locale in Locale::ALL {
        let html = render_checkout(&page(locale))?;
        let expected = format!(r#"<html lang="{}" dir="{}">"#, locale.as_str(), locale.direction());
        assert!(html.contains(&expected), "{}", locale.as_str());
        assert!(embedded_data(&html).is_some(), "{}: the embedded JSON parses", locale.as_str());
        let success = render_success(locale, "Lumen", 1000, currency("USD"), "pi_1", "succeeded")?;
        assert!(success.contains(r#"id="success""#), "{}", locale.as_str());
    }
    let arabic = render_checkout(&page(Locale::Ar))?;
    assert!(arabic.contains("ادفع"));
    assert!(arabic.contains(r#"dir="rtl""#));
    Ok(())
}

#[test]
fn declined_redirects_come_back_with_their_code() -> Result<(), PageError> {
    let mut declined = page(Locale::Es);
    declined.error_code = Some("payment_intent_authentication_failure");
    let data = embedded_data(&render_checkout(&declined)?);
    let code = data.and_then(|data| data.get("error_code").cloned());
    assert_eq!(code, Some(serde_json::json!("payment_intent_authentication_failure")));
    Ok(())
}

#[test]
fn hostile_values_cannot_break_out_of_the_data_block() -> Result<(), PageError> {
    let mut hostile = page(Locale::En);
    hostile.merchant_name = "</script><script>alert(1)</script>";
    hostile.description = Some("<!-- x");
    let html = render_checkout(&hostile)?;
    assert_eq!(html.matches("<script>").count(), 0);
    assert!(embedded_data(&html).is_some());
    Ok(())
}

#[test]
fn without_cancel_url_or_test_key_the_page_drops_them() -> Result<(), PageError> {
    let mut plain = page(Locale::En);
    plain.cancel_url = None;
    plain.publishable_key = "pk_live_abc";
    plain.methods = vec![option("card", "Card")];
    let html = render_checkout(&plain)?;
    assert!(!html.contains(r#"id="cancel""#));
    assert!(!html.contains("class=\"test-badge\""));
    assert!(html.contains(r#"id="method-card""#));
    Ok(())
}

#[test]
fn success_page_reflects_the_status() -> Result<(), PageError> {
    let usd = currency("USD");
    let succeeded = render_success(Locale::En, "Lumen", 4999, usd, "pi_1", "succeeded")?;
    assert!(succeeded.contains("Thanks for your payment") && succeeded.contains("$49.99"));
    assert!(succeeded.contains("pi_1"));
    let processing = render_success(Locale::En, "Lumen", 4999, usd, "pi_1", "processing")?;
    assert!(processing.contains("Your payment is processing"));
    let pending = render_success(Locale::Pt, "Lumen", 4999, currency("BRL"), "pi_1", "requires_action")?;
    assert!(pending.contains("Aguardando seu pagamento") && pending.contains("R$\u{a0}49,99"));
    let authorized = render_success(Locale::Zh, "Lumen", 4999, usd, "pi_1", "requires_capture")?;
    assert!(authorized.contains("付款已授权"));
    Ok(())
}
