//! The hosted checkout page and its default success page. The checkout page is plain
//! HTML that works as a document; `assets/checkout.js` reads the JSON block
//! `#checkout-data` and drives confirmation through the public API with the
//! publishable key, exactly as a merchant's own front end would.

use super::amount::{NumberStyle, amount_template, display_amount};
use super::templates::{render, script_json};
use super::translations::{self, Catalog};
use super::{Locale, PageError};
use minijinja::{Value, context};
use tradewind_money::Currency;

/// One payment method the buyer may choose, in display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodOption {
    /// The API type: `"card"`, `"ideal"`, `"grabpay"`, …
    pub method: &'static str,
    /// The capability table's name, used when no translation exists ("iDEAL").
    pub display_name: &'static str,
    /// Set when the method is kept only for existing integrations (SOFORT).
    pub legacy_note: Option<&'static str>,
}

/// Everything the checkout page shows and needs to confirm the payment.
#[derive(Debug, Clone)]
pub struct CheckoutPage<'a> {
    pub session_id: &'a str,
    pub publishable_key: &'a str,
    pub payment_intent_id: &'a str,
    pub client_secret: &'a str,
    pub merchant_name: &'a str,
    pub description: Option<&'a str>,
    pub amount_minor: i64,
    pub currency: Currency,
    /// The buyer's ISO 3166-1 alpha-2 country, used to preselect the SOFORT bank country.
    pub country: Option<&'a str>,
    pub customer_email: Option<&'a str>,
    pub customer_name: Option<&'a str>,
    pub methods: Vec<MethodOption>,
    pub locale: Locale,
    /// Where redirect flows come back: the absolute `/checkout/{cs}/return` URL.
    pub return_url: String,
    /// GET it to finish: `/checkout/{cs}/complete` decides and redirects.
    pub complete_url: String,
    pub cancel_url: Option<&'a str>,
    /// Set when a redirect came back declined; the page shows it localized.
    pub error_code: Option<&'a str>,
}

/// The countries SOFORT serves, as (code, translation key).
const SOFORT_COUNTRIES: [(&str, &str); 6] = [
    ("DE", "country_de"),
    ("AT", "country_at"),
    ("BE", "country_be"),
    ("NL", "country_nl"),
    ("ES", "country_es"),
    ("IT", "country_it"),
];

/// iDEAL issuers as (API value, bank name); names are brands and stay untranslated.
const IDEAL_BANKS: [(&str, &str); 12] = [
    ("abn_amro", "ABN AMRO"),
    ("asn_bank", "ASN Bank"),
    ("bunq", "bunq"),
    ("ing", "ING"),
    ("knab", "Knab"),
    ("n26", "N26"),
    ("rabobank", "Rabobank"),
    ("regiobank", "RegioBank"),
    ("revolut", "Revolut"),
    ("sns_bank", "SNS Bank"),
    ("triodos_bank", "Triodos Bank"),
    ("van_lanschot", "Van Lanschot"),
];

/// The merchant's initial for the avatar beside its name.
fn initial(merchant_name: &str) -> String {
    merchant_name.chars().find(|c| c.is_alphanumeric()).map_or_else(|| "·".to_owned(), |c| c.to_uppercase().collect())
}

fn methods_value(methods: &[MethodOption], catalog: &Catalog) -> Value {
    let rows: Vec<Value> = methods
        .iter()
        .map(|option| {
            let legacy_note = option.legacy_note.map(|note| match catalog.get(&format!("legacy_{}", option.method)) {
                Some(translated) => translated.clone(),
                None => note.to_owned(),
            });
            context! {
                method => option.method,
                label => translations::method_label(catalog, option.method, option.display_name),
                legacy_note => legacy_note,
                is_wallet => matches!(option.method, "grabpay" | "gopay" | "shopeepay"),
            }
        })
        .collect();
    Value::from(rows)
}

/// Renders the checkout page.
pub fn render_checkout(page: &CheckoutPage) -> Result<String, PageError> {
    let catalog = translations::catalog(page.locale)?;
    let amount_display = display_amount(page.amount_minor, page.currency, page.locale);
    let style = NumberStyle::for_locale(page.locale);
    let wallet_names: serde_json::Map<String, serde_json::Value> = page
        .methods
        .iter()
        .map(|option| (option.method.to_owned(), serde_json::Value::from(option.display_name)))
        .collect();
    // What checkout.js needs; nothing here is secret beyond the client secret, which
    // is meant for the buyer's browser (it only confirms this one payment).
    let data = serde_json::json!({
        "session_id": page.session_id,
        "publishable_key": page.publishable_key,
        "payment_intent_id": page.payment_intent_id,
        "client_secret": page.client_secret,
        "return_url": page.return_url,
        "complete_url": page.complete_url,
        "locale": page.locale.as_str(),
        "amount_minor": page.amount_minor,
        "currency": page.currency.lowercase_code(),
        "amount_display": amount_display,
        "amount_format": {
            "template": amount_template(page.currency, page.locale),
            "exponent": page.currency.exponent(),
            "group_separator": style.group_separator.to_string(),
            "decimal_separator": style.decimal_separator.to_string(),
        },
        "customer_email": page.customer_email,
        "customer_name": page.customer_name,
        "error_code": page.error_code,
        "method_names": wallet_names,
        "messages": catalog,
    });
    let sofort_default = page
        .country
        .map(str::to_ascii_uppercase)
        .filter(|country| SOFORT_COUNTRIES.iter().any(|(code, _)| code == country))
        .unwrap_or_else(|| "DE".to_owned());
    let sofort_countries: Vec<Value> = SOFORT_COUNTRIES
        .iter()
        .map(|(code, key)| context! { code => *code, name => translations::text(catalog, key) })
        .collect();
    let wallet_label = page
        .methods
        .iter()
        .find(|option| matches!(option.method, "grabpay" | "gopay" | "shopeepay"))
        .map_or("", |option| option.display_name);
    let ideal_banks: Vec<Value> =
        IDEAL_BANKS.iter().map(|(value, name)| context! { value => *value, name => *name }).collect();
    render(
        "checkout.html",
        context! {
            lang => page.locale.as_str(),
            dir => page.locale.direction(),
            t => Value::from(catalog),
            merchant_name => page.merchant_name,
            merchant_initial => initial(page.merchant_name),
            description => page.description,
            amount_display => amount_display,
            customer_email => page.customer_email,
            customer_name => page.customer_name,
            cancel_url => page.cancel_url,
            test_mode => page.publishable_key.contains("_test_"),
            methods => methods_value(&page.methods, catalog),
            sofort_countries => sofort_countries,
            sofort_default => sofort_default,
            ideal_banks => ideal_banks,
            wallet_label => wallet_label,
            checkout_json => script_json(&data)?,
        },
    )
}

/// Renders the default success page (used when the merchant gave no `success_url`).
/// `status` is the payment intent's: `succeeded`, `requires_capture`, `processing`,
/// or anything else for a payment still awaited (a voucher or transfer).
pub fn render_success(
    locale: Locale,
    merchant_name: &str,
    amount_minor: i64,
    currency: Currency,
    payment_intent_id: &str,
    status: &str,
) -> Result<String, PageError> {
    let catalog = translations::catalog(locale)?;
    let (outcome, title_key, body_key) = match status {
        "succeeded" => ("succeeded", "success_title", "success_body"),
        "requires_capture" => ("authorized", "authorized_title", "authorized_body"),
        "processing" => ("processing", "processing_title", "processing_body"),
        _ => ("pending", "pending_title", "pending_body"),
    };
    render(
        "success.html",
        context! {
            lang => locale.as_str(),
            dir => locale.direction(),
            t => Value::from(catalog),
            outcome => outcome,
            status => status,
            title => translations::text(catalog, title_key),
            body => translations::text(catalog, body_key),
            merchant_name => merchant_name,
            merchant_initial => initial(merchant_name),
            amount_display => display_amount(amount_minor, currency, locale),
            payment_intent_id => payment_intent_id,
        },
    )
}

#[cfg(test)]
#[path = "checkout_tests.rs"]
mod tests;
