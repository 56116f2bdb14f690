//! The printable Boleto voucher: the payer's receipt and the bank's "ficha de
//! compensação" with the digitable line and the ITF barcode, laid out for A4 with
//! print CSS. A Brazilian document, so it is in Portuguese whatever the checkout
//! language was.

use super::amount::display_amount;
use super::barcode::boleto_barcode_svg;
use super::templates::render;
use super::{Locale, PageError};
use minijinja::{Value, context};
use tradewind_money::Currency;

/// One issued boleto.
#[derive(Debug, Clone)]
pub struct VoucherPage<'a> {
    pub attempt_id: &'a str,
    pub merchant_name: &'a str,
    pub amount_minor: i64,
    pub currency: Currency,
    /// The 47-digit line a payer types into a banking app, already punctuated.
    pub digitable_line: &'a str,
    /// The 44 digits the barcode encodes.
    pub barcode: &'a str,
    /// Shown as given, e.g. `"29/11/2026"`.
    pub due_date: &'a str,
    pub payer_name: Option<&'a str>,
    /// e.g. `"***.456.789-**"`; the full tax id never reaches a page.
    pub payer_tax_id_masked: Option<&'a str>,
    /// The sandbox "pay this boleto" form target; `None` outside the sandbox.
    pub pay_action_url: Option<String>,
    /// The attempt's status: `pending`, `paid`/`succeeded`, `expired`, `canceled`, …
    pub status: &'a str,
}

/// Whether the voucher can still be paid, has been paid, or is void.
fn voucher_state(status: &str) -> (&'static str, &'static str) {
    match status {
        "paid" | "succeeded" => ("paid", "Pago"),
        "expired" => ("void", "Vencido"),
        "canceled" | "cancelled" | "failed" | "requires_payment_method" => ("void", "Cancelado"),
        _ => ("open", "Aguardando pagamento"),
    }
}

/// Renders the voucher.
pub fn render_boleto_voucher(page: &VoucherPage) -> Result<String, PageError> {
    let (state, state_label) = voucher_state(page.status);
    let barcode_svg = Value::from_safe_string(boleto_barcode_svg(page.barcode)?);
    render(
        "boleto.html",
        context! {
            lang => "pt",
            dir => "ltr",
            attempt_id => page.attempt_id,
            merchant_name => page.merchant_name,
            amount_display => display_amount(page.amount_minor, page.currency, Locale::Pt),
            digitable_line => page.digitable_line,
            due_date => page.due_date,
            payer_name => page.payer_name,
            payer_tax_id_masked => page.payer_tax_id_masked,
            pay_action_url => page.pay_action_url.as_deref().filter(|_| state == "open"),
            state => state,
            state_label => state_label,
            barcode_svg => barcode_svg,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(status: &'static str) -> VoucherPage<'static> {
        VoucherPage {
            attempt_id: "att_boleto_1",
            merchant_name: "Loja <Bonita>",
            amount_minor: 15_990,
            currency: Currency::parse("BRL").unwrap_or_else(|_| unreachable!()),
            digitable_line: "00190.50095 40144.816069 06809.350314 3 37370000000100",
            barcode: "00193373700000001000500940144816060680935031",
            due_date: "29/11/2026",
            payer_name: Some("Maria Silva"),
            payer_tax_id_masked: Some("***.456.789-**"),
            pay_action_url: Some("/sandbox/boleto/att_boleto_1/pay".to_owned()),
            status,
        }
    }

    #[test]
    fn open_voucher_is_printable_and_payable_in_the_sandbox() -> Result<(), PageError> {
        let html = render_boleto_voucher(&page("pending"))?;
        assert!(html.contains("/assets/voucher.css?v="), "the print stylesheet is linked");
        assert!(html.contains(r#"<svg xmlns="http://www.w3.org/2000/svg" class="barcode""#), "barcode is inline SVG");
        assert!(html.contains("00190.50095 40144.816069 06809.350314 3 37370000000100"));
        assert!(html.contains("R$\u{a0}159,90"));
        assert!(html.contains(r#"action="/sandbox/boleto/att_boleto_1/pay""#));
        assert!(html.contains(r#"id="pay-boleto""#));
        assert!(html.contains("Loja &lt;Bonita&gt;"));
        assert!(html.contains("***.456.789-**"));
        Ok(())
    }

    #[test]
    fn paid_voucher_has_no_pay_button() -> Result<(), PageError> {
        let html = render_boleto_voucher(&page("succeeded"))?;
        assert!(!html.contains(r#"id="pay-boleto""#));
        assert!(html.contains("Pago"));
        Ok(())
    }

    #[test]
    fn a_bad_barcode_is_an_error_not_a_broken_page() {
        let mut bad = page("pending");
        bad.barcode = "123";
        assert!(matches!(render_boleto_voucher(&bad), Err(PageError::InvalidBarcode { .. })));
    }
}
