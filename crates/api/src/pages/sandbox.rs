//! The sandbox provider pages: the 3-D Secure challenge, the bank and wallet pages a
//! redirect lands on (iDEAL, SOFORT, PayPal, GrabPay, GoPay, ShopeePay), and a small
//! generic message page. Each is a plain HTML form that POSTs the buyer's `choice`
//! back to the server, so the sandbox flows work in any browser, and in tests that
//! click the buttons by id.

use super::amount::display_amount;
use super::templates::render;
use super::{Locale, PageError};
use minijinja::context;
use tradewind_money::Currency;

/// One pending provider attempt, as its sandbox page shows it.
#[derive(Debug, Clone)]
pub struct SandboxPage<'a> {
    pub attempt_id: &'a str,
    /// The payment method type: `"card"` for 3-D Secure, `"ideal"`, `"grabpay"`, …
    pub method: &'a str,
    pub merchant_name: &'a str,
    pub amount_minor: i64,
    pub currency: Currency,
    /// Where the form POSTs the buyer's `choice`.
    pub action_url: String,
}

/// How a provider's page looks and what its buttons say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ProviderTheme {
    /// The CSS modifier: `theme-ideal`, `theme-paypal`, …
    class: &'static str,
    provider: &'static str,
    /// `bank`, `bank_login`, `paypal` or `wallet`: which layout the template draws.
    layout: &'static str,
    headline: &'static str,
    intro: &'static str,
    approve: &'static str,
    decline: &'static str,
    abandon: &'static str,
}

fn theme(method: &str) -> ProviderTheme {
    let wallet = |class, provider, headline| ProviderTheme {
        class,
        provider,
        layout: "wallet",
        headline,
        intro: "This page stands in for the wallet app the buyer scans the code with or is sent to.",
        approve: "Pay now",
        decline: "Decline",
        abandon: "Cancel",
    };
    match method {
        "ideal" => ProviderTheme {
            class: "theme-ideal",
            provider: "iDEAL",
            layout: "bank",
            headline: "Approve your iDEAL payment",
            intro: "Tradewind Sandbox Bank asks you to approve this payment from your current account.",
            approve: "Approve payment",
            decline: "Decline payment",
            abandon: "Cancel and return",
        },
        "sofort" => ProviderTheme {
            class: "theme-sofort",
            provider: "SOFORT",
            layout: "bank_login",
            headline: "Log in to Tradewind Sandbox Bank",
            intro: "Confirm the transfer with your online banking login. Test credentials are filled in.",
            approve: "Log in and confirm transfer",
            decline: "Decline transfer",
            abandon: "Cancel",
        },
        "paypal" => ProviderTheme {
            class: "theme-paypal",
            provider: "PayPal",
            layout: "paypal",
            headline: "Pay with PayPal",
            intro: "You are logged in as sandbox-buyer@example.com. Review the payment and approve it.",
            approve: "Agree and pay",
            decline: "Decline",
            abandon: "Cancel and return to merchant",
        },
        "grabpay" => wallet("theme-grabpay", "GrabPay", "Confirm your GrabPay payment"),
        "gopay" => wallet("theme-gopay", "GoPay", "Confirm your GoPay payment"),
        "shopeepay" => wallet("theme-shopeepay", "ShopeePay", "Confirm your ShopeePay payment"),
        _ => ProviderTheme {
            class: "theme-generic",
            provider: "Sandbox provider",
            layout: "bank",
            headline: "Approve this payment",
            intro: "This page stands in for the payment provider.",
            approve: "Approve payment",
            decline: "Decline payment",
            abandon: "Cancel and return",
        },
    }
}

/// The "Tradewind sandbox 3-D Secure" challenge: `#complete` approves, `#fail` fails.
pub fn render_three_ds(page: &SandboxPage) -> Result<String, PageError> {
    render(
        "three_ds.html",
        context! {
            lang => "en",
            dir => "ltr",
            attempt_id => page.attempt_id,
            merchant_name => page.merchant_name,
            amount_display => display_amount(page.amount_minor, page.currency, Locale::En),
            action_url => &page.action_url,
        },
    )
}

/// The provider page a redirect lands on, styled per method, with `#approve`,
/// `#decline` and `#abandon`.
pub fn render_redirect(page: &SandboxPage) -> Result<String, PageError> {
    let theme = theme(page.method);
    render(
        "redirect.html",
        context! {
            lang => "en",
            dir => "ltr",
            attempt_id => page.attempt_id,
            method => page.method,
            merchant_name => page.merchant_name,
            amount_display => display_amount(page.amount_minor, page.currency, Locale::En),
            action_url => &page.action_url,
            theme_class => theme.class,
            provider => theme.provider,
            layout => theme.layout,
            headline => theme.headline,
            intro => theme.intro,
            approve_label => theme.approve,
            decline_label => theme.decline,
            abandon_label => theme.abandon,
        },
    )
}

/// A small page with a title and one paragraph ("Payment approved — you can close
/// this window"), e.g. after a buyer approves a QR payment on the wallet page.
pub fn render_message(title: &str, body: &str) -> Result<String, PageError> {
    render("message.html", context! { lang => "en", dir => "ltr", title => title, body => body })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(method: &'static str) -> SandboxPage<'static> {
        SandboxPage {
            attempt_id: "att_123",
            method,
            merchant_name: "Acme <Beauty>",
            amount_minor: 2599,
            currency: Currency::parse("EUR").unwrap_or_else(|_| unreachable!()),
            action_url: "/sandbox/redirect/att_123?a=1&b=2".to_owned(),
        }
    }

    #[test]
    fn three_ds_page_posts_the_choice() -> Result<(), PageError> {
        let html = render_three_ds(&page("card"))?;
        assert!(html.contains("Tradewind sandbox 3-D Secure"));
        assert!(html.contains(r#"method="post""#));
        assert!(html.contains(r#"action="/sandbox/redirect/att_123?a=1&amp;b=2""#), "the action URL is escaped");
        assert!(html.contains(r#"name="choice" value="approve" id="complete""#));
        assert!(html.contains(r#"name="choice" value="decline" id="fail""#));
        assert!(html.contains("Complete authentication") && html.contains("Fail authentication"));
        assert!(html.contains("Acme &lt;Beauty&gt;") && !html.contains("Acme <Beauty>"));
        assert!(html.contains("€25.99"));
        Ok(())
    }

    #[test]
    fn redirect_pages_are_styled_per_method() -> Result<(), PageError> {
        for (method, provider) in [
            ("ideal", "iDEAL"),
            ("sofort", "SOFORT"),
            ("paypal", "PayPal"),
            ("grabpay", "GrabPay"),
            ("gopay", "GoPay"),
            ("shopeepay", "ShopeePay"),
            ("unknown", "Sandbox provider"),
        ] {
            let html = render_redirect(&page(method))?;
            assert!(html.contains(provider), "{method}");
            assert!(html.contains(theme(method).class), "{method}");
            for (value, id) in [("approve", "approve"), ("decline", "decline"), ("abandon", "abandon")] {
                let button = format!(r#"name="choice" value="{value}" id="{id}""#);
                assert!(html.contains(&button), "{method} lacks {id}");
            }
        }
        Ok(())
    }

    #[test]
    fn message_page_escapes_its_text() -> Result<(), PageError> {
        let html = render_message("Payment approved", "You can close <this> window")?;
        assert!(html.contains(r#"id="message""#));
        assert!(html.contains("You can close &lt;this&gt; window"));
        Ok(())
    }
}
