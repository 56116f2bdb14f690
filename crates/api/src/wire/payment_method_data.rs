//! `payment_method_data`: the buyer's payment details on confirmation, Stripe-shaped:
//! a `type` and the object of that name. Card numbers live only in request memory:
//! these types do not implement `Debug` and are never stored.

use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentMethodData {
    /// One of card, paypal, ideal, sofort, grabpay, gopay, shopeepay, boleto,
    /// bank_transfer, cash_on_delivery.
    #[serde(rename = "type")]
    pub method_type: String,
    pub card: Option<CardData>,
    pub paypal: Option<EmptyObject>,
    pub ideal: Option<IdealData>,
    pub sofort: Option<SofortData>,
    pub grabpay: Option<WalletData>,
    pub gopay: Option<WalletData>,
    pub shopeepay: Option<WalletData>,
    pub boleto: Option<BoletoData>,
    pub bank_transfer: Option<EmptyObject>,
    pub cash_on_delivery: Option<EmptyObject>,
    pub billing_details: Option<BillingDetails>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardData {
    pub number: String,
    pub exp_month: i64,
    pub exp_year: i64,
    pub cvc: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct EmptyObject {}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct IdealData {
    /// abn_amro, asn_bank, bunq, ing, knab, rabobank, regiobank, revolut, sns_bank,
    /// triodos_bank, van_lanschot …
    pub bank: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SofortData {
    /// The buyer's bank country (DE, AT, BE, NL, ES, IT).
    pub country: Option<String>,
    /// Sandbox: DE62370400440532013001 makes the payment fail after processing.
    pub iban: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct WalletData {
    /// `redirect` (default) opens the wallet; `qr_code` shows a code to scan.
    pub flow: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BoletoData {
    /// The buyer's CPF (11 digits) or CNPJ (14 digits).
    pub tax_id: String,
}

#[derive(Deserialize, ToSchema, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct BillingDetails {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}
