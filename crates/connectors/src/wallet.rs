//! The sandbox's wallet and bank pages: the choices a tester makes there, what each
//! choice means for the payment, and the QR payload a buyer would scan with their
//! phone.
//!
//! GoPay and ShopeePay show the payload a real wallet app scans: an EMVCo
//! merchant-presented QR (QRIS in Indonesia) with its CRC, carrying the amount and
//! the attempt id. Other methods show a deep link of the form
//! `grabpay://sandbox/pay?attempt=…&amount=…&currency=SGD`, the amount in minor units.

use crate::emv;
use tradewind_money::{Currency, Money, format_minor_units};
use tradewind_payments::method::PaymentMethodType;

/// What the tester chooses on a sandbox wallet or bank page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RedirectChoice {
    /// The buyer authorises the payment; it succeeds (or, for methods that settle
    /// later, moves to processing).
    Approve,
    /// The provider refuses the payment; it fails with [`decline_for`]'s error.
    Decline,
    /// The buyer leaves without choosing; the attempt stays open until it expires.
    Abandon,
}

impl RedirectChoice {
    pub const ALL: [RedirectChoice; 3] = [RedirectChoice::Approve, RedirectChoice::Decline, RedirectChoice::Abandon];

    /// Parses `"approve"`, `"decline"` or `"abandon"`.
    pub fn parse(value: &str) -> Option<Self> {
        RedirectChoice::ALL.into_iter().find(|choice| choice.as_str() == value)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RedirectChoice::Approve => "approve",
            RedirectChoice::Decline => "decline",
            RedirectChoice::Abandon => "abandon",
        }
    }
}

/// The error code and message a declined payment of `method` fails with.
pub fn decline_for(method: PaymentMethodType) -> (&'static str, &'static str) {
    const PROVIDER_DECLINE: &str = "payment_method_provider_decline";
    match method {
        PaymentMethodType::Card => ("card_declined", "Your card was declined."),
        PaymentMethodType::Paypal => (PROVIDER_DECLINE, "The customer declined the payment in PayPal."),
        PaymentMethodType::Ideal => (PROVIDER_DECLINE, "The customer declined the payment in iDEAL."),
        PaymentMethodType::Sofort => (PROVIDER_DECLINE, "The customer declined the payment in SOFORT."),
        PaymentMethodType::Grabpay => (PROVIDER_DECLINE, "The customer declined the payment in GrabPay."),
        PaymentMethodType::Gopay => (PROVIDER_DECLINE, "The customer declined the payment in GoPay."),
        PaymentMethodType::Shopeepay => (PROVIDER_DECLINE, "The customer declined the payment in ShopeePay."),
        PaymentMethodType::Boleto => (PROVIDER_DECLINE, "The bank refused to pay the boleto."),
        PaymentMethodType::BankTransfer => (PROVIDER_DECLINE, "The bank returned the transfer."),
        PaymentMethodType::CashOnDelivery => (PROVIDER_DECLINE, "The customer refused the delivery."),
    }
}

/// The longest attempt id carried whole in a QR payload; payment attempt ids are
/// about 30 characters, and a longer value is cut to keep the payload valid.
pub const MAX_ATTEMPT_ID_LENGTH: usize = 36;
/// A QR "reference label" holds at most 25 characters.
const REFERENCE_LABEL_LENGTH: usize = 25;
/// A transaction amount holds at most 13 characters, decimal point included.
const AMOUNT_LENGTH: usize = 13;

/// The payload a buyer scans (or the deep link a wallet opens) to pay `amount_minor`
/// of `currency` for `attempt_id`.
pub fn qr_payload(method: PaymentMethodType, attempt_id: &str, amount_minor: i64, currency: Currency) -> String {
    let market = MARKETS.iter().find(|market| market.currency == currency.code());
    match (method, market) {
        (PaymentMethodType::Gopay | PaymentMethodType::Shopeepay, Some(market)) => {
            emv_payload(method, market, attempt_id, amount_minor, currency)
        }
        _ => deep_link(method, attempt_id, amount_minor, currency),
    }
}

/// A country where the sandbox wallets present EMVCo QR codes.
struct QrMarket {
    currency: &'static str,
    /// ISO 4217 numeric code, as tag 53 wants it.
    currency_numeric: &'static str,
    country: &'static str,
    city: &'static str,
}

const MARKETS: &[QrMarket] = &[
    QrMarket { currency: "IDR", currency_numeric: "360", country: "ID", city: "JAKARTA" },
    QrMarket { currency: "MYR", currency_numeric: "458", country: "MY", city: "KUALA LUMPUR" },
    QrMarket { currency: "PHP", currency_numeric: "608", country: "PH", city: "MANILA" },
    QrMarket { currency: "SGD", currency_numeric: "702", country: "SG", city: "SINGAPORE" },
    QrMarket { currency: "THB", currency_numeric: "764", country: "TH", city: "BANGKOK" },
    QrMarket { currency: "VND", currency_numeric: "704", country: "VN", city: "HO CHI MINH" },
];

const MERCHANT_NAME: &str = "TRADEWIND SANDBOX";
/// "Other" merchant category: the sandbox sells nothing in particular.
const MERCHANT_CATEGORY_CODE: &str = "5999";
const SANDBOX_MERCHANT_ID: &str = "TWSANDBOX000001";
/// QRIS's national template and the sandbox merchant's national merchant id (NMID).
const QRIS_GLOBALLY_UNIQUE_ID: &str = "ID.CO.QRIS.WWW";
const SANDBOX_NMID: &str = "ID1020000000001";
/// QRIS merchant criteria: "UMI", a micro business.
const QRIS_MERCHANT_CRITERIA: &str = "UMI";
/// Identifies the template that carries the whole attempt id.
const TRADEWIND_GLOBALLY_UNIQUE_ID: &str = "COM.TRADEWIND";

/// Tags of the merchant-presented QR format.
mod tag {
    pub const PAYLOAD_FORMAT: u8 = 0;
    pub const POINT_OF_INITIATION: u8 = 1;
    pub const MERCHANT_ACCOUNT: u8 = 26;
    pub const QRIS_NATIONAL: u8 = 51;
    pub const MERCHANT_CATEGORY: u8 = 52;
    pub const CURRENCY: u8 = 53;
    pub const AMOUNT: u8 = 54;
    pub const COUNTRY: u8 = 58;
    pub const MERCHANT_NAME: u8 = 59;
    pub const MERCHANT_CITY: u8 = 60;
    pub const ADDITIONAL_DATA: u8 = 62;
    /// Inside a template: the globally unique identifier of its owner.
    pub const GLOBALLY_UNIQUE_ID: u8 = 0;
    pub const MERCHANT_PAN: u8 = 1;
    pub const MERCHANT_ID: u8 = 2;
    pub const MERCHANT_CRITERIA: u8 = 3;
    /// Inside additional data.
    pub const REFERENCE_LABEL: u8 = 5;
    pub const PAYMENT_SYSTEM_SPECIFIC: u8 = 50;
}

/// The wallet's identifier and the sandbox merchant's account number with it
/// (a Luhn-valid PAN under the wallet's QRIS issuer prefix).
fn wallet_account(method: PaymentMethodType) -> (&'static str, &'static str) {
    match method {
        PaymentMethodType::Gopay => ("COM.GO-JEK.WWW", "9360091400000000019"),
        _ => ("ID.CO.SHOPEE.WWW", "9360091800000000010"),
    }
}

fn emv_payload(
    method: PaymentMethodType,
    market: &QrMarket,
    attempt_id: &str,
    amount_minor: i64,
    currency: Currency,
) -> String {
    let amount = format_minor_units(Money::new(amount_minor, currency));
    let has_amount = amount_minor > 0 && amount.len() <= AMOUNT_LENGTH;
    let attempt: String = attempt_id.chars().take(MAX_ATTEMPT_ID_LENGTH).collect();
    let label_start = attempt.chars().count().saturating_sub(REFERENCE_LABEL_LENGTH);
    let label: String = attempt.chars().skip(label_start).collect();
    let indonesia = market.country == "ID";
    let (wallet_id, merchant_pan) = wallet_account(method);

    let mut writer = emv::Writer::new();
    writer.field(tag::PAYLOAD_FORMAT, "01");
    // "12" marks a dynamic code for one payment, "11" a static one without amount.
    writer.field(tag::POINT_OF_INITIATION, if has_amount { "12" } else { "11" });
    writer.template(tag::MERCHANT_ACCOUNT, |account| {
        account.field(tag::GLOBALLY_UNIQUE_ID, wallet_id);
        account.field(tag::MERCHANT_PAN, merchant_pan);
        account.field(tag::MERCHANT_ID, SANDBOX_MERCHANT_ID);
        if indonesia {
            account.field(tag::MERCHANT_CRITERIA, QRIS_MERCHANT_CRITERIA);
        }
    });
    if indonesia {
        writer.template(tag::QRIS_NATIONAL, |national| {
            national.field(tag::GLOBALLY_UNIQUE_ID, QRIS_GLOBALLY_UNIQUE_ID);
            national.field(tag::MERCHANT_ID, SANDBOX_NMID);
            national.field(tag::MERCHANT_CRITERIA, QRIS_MERCHANT_CRITERIA);
        });
    }
    writer.field(tag::MERCHANT_CATEGORY, MERCHANT_CATEGORY_CODE);
    writer.field(tag::CURRENCY, market.currency_numeric);
    if has_amount {
        writer.field(tag::AMOUNT, &amount);
    }
    writer.field(tag::COUNTRY, market.country);
    writer.field(tag::MERCHANT_NAME, MERCHANT_NAME);
    writer.field(tag::MERCHANT_CITY, market.city);
    writer.template(tag::ADDITIONAL_DATA, |additional| {
        // The label is what the buyer's app shows; the template keeps the whole id.
        additional.field(tag::REFERENCE_LABEL, &label);
        additional.template(tag::PAYMENT_SYSTEM_SPECIFIC, |sandbox| {
            sandbox.field(tag::GLOBALLY_UNIQUE_ID, TRADEWIND_GLOBALLY_UNIQUE_ID);
            sandbox.field(1, &attempt);
        });
    });
    writer.finish()
}

/// The attempt id carried by a payload from [`qr_payload`], for the sandbox page
/// that "scans" it.
pub fn attempt_from_qr_payload(payload: &str) -> Option<String> {
    if let Ok(fields) = emv::parse(payload) {
        let additional = emv::parse_fields(emv::find(&fields, tag::ADDITIONAL_DATA)?).ok()?;
        let sandbox = emv::parse_fields(emv::find(&additional, tag::PAYMENT_SYSTEM_SPECIFIC)?).ok()?;
        return emv::find(&sandbox, 1).map(str::to_owned);
    }
    let (_, query) = payload.split_once('?')?;
    let encoded = query.split('&').find_map(|pair| pair.strip_prefix("attempt="))?;
    percent_decode(encoded)
}

fn deep_link(method: PaymentMethodType, attempt_id: &str, amount_minor: i64, currency: Currency) -> String {
    let attempt = percent_encode(attempt_id);
    let code = currency.code();
    match method {
        PaymentMethodType::Grabpay => {
            format!("grabpay://sandbox/pay?attempt={attempt}&amount={amount_minor}&currency={code}")
        }
        PaymentMethodType::Gopay => {
            format!("gopay://sandbox/pay?attempt={attempt}&amount={amount_minor}&currency={code}")
        }
        PaymentMethodType::Shopeepay => {
            format!("shopeepay://sandbox/pay?attempt={attempt}&amount={amount_minor}&currency={code}")
        }
        other => format!(
            "tradewind://sandbox/pay?method={}&attempt={attempt}&amount={amount_minor}&currency={code}",
            other.as_str()
        ),
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(byte).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = value.get(index + 1..index + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    const ATTEMPT: &str = "pa_01jd8x4k5m6n7p8q9r0s1t2v3w";

    #[test]
    fn choices_parse_and_print() {
        for choice in RedirectChoice::ALL {
            assert_eq!(RedirectChoice::parse(choice.as_str()), Some(choice));
        }
        assert_eq!(RedirectChoice::parse("approve"), Some(RedirectChoice::Approve));
        assert_eq!(RedirectChoice::parse("decline"), Some(RedirectChoice::Decline));
        assert_eq!(RedirectChoice::parse("abandon"), Some(RedirectChoice::Abandon));
        assert_eq!(RedirectChoice::parse("Approve"), None);
        assert_eq!(RedirectChoice::parse(""), None);
    }

    #[test]
    fn declines_name_the_provider() {
        assert_eq!(
            decline_for(PaymentMethodType::Grabpay),
            ("payment_method_provider_decline", "The customer declined the payment in GrabPay.")
        );
        assert_eq!(decline_for(PaymentMethodType::Card).0, "card_declined");
        for method in PaymentMethodType::ALL {
            let (code, message) = decline_for(method);
            assert!(!code.is_empty() && message.ends_with('.'), "{method}");
        }
    }

    #[test]
    fn grabpay_gets_a_deep_link() -> TestResult {
        let payload = qr_payload(PaymentMethodType::Grabpay, ATTEMPT, 1_250, Currency::parse("SGD")?);
        assert_eq!(payload, format!("grabpay://sandbox/pay?attempt={ATTEMPT}&amount=1250&currency=SGD"));
        assert_eq!(attempt_from_qr_payload(&payload).as_deref(), Some(ATTEMPT));
        Ok(())
    }

    #[test]
    fn deep_links_escape_the_attempt_id() -> TestResult {
        let payload = qr_payload(PaymentMethodType::Ideal, "a&b=c d", 500, Currency::parse("EUR")?);
        assert_eq!(payload, "tradewind://sandbox/pay?method=ideal&attempt=a%26b%3Dc%20d&amount=500&currency=EUR");
        assert_eq!(attempt_from_qr_payload(&payload).as_deref(), Some("a&b=c d"));
        Ok(())
    }

    #[test]
    fn gopay_gets_a_qris_payload() -> TestResult {
        let payload = qr_payload(PaymentMethodType::Gopay, ATTEMPT, 15_000_000, Currency::parse("IDR")?);
        let fields = emv::parse(&payload)?;
        let tags: Vec<u8> = fields.iter().map(|field| field.tag).collect();
        assert_eq!(tags, [0, 1, 26, 51, 52, 53, 54, 58, 59, 60, 62, 63]);
        assert_eq!(emv::find(&fields, tag::POINT_OF_INITIATION), Some("12"));
        assert_eq!(emv::find(&fields, tag::CURRENCY), Some("360"));
        assert_eq!(emv::find(&fields, tag::AMOUNT), Some("150000.00"));
        assert_eq!(emv::find(&fields, tag::COUNTRY), Some("ID"));
        let account = emv::parse_fields(emv::find(&fields, tag::MERCHANT_ACCOUNT).unwrap_or_default())?;
        assert_eq!(emv::find(&account, tag::GLOBALLY_UNIQUE_ID), Some("COM.GO-JEK.WWW"));
        let national = emv::parse_fields(emv::find(&fields, tag::QRIS_NATIONAL).unwrap_or_default())?;
        assert_eq!(emv::find(&national, tag::GLOBALLY_UNIQUE_ID), Some("ID.CO.QRIS.WWW"));
        let additional = emv::parse_fields(emv::find(&fields, tag::ADDITIONAL_DATA).unwrap_or_default())?;
        assert_eq!(emv::find(&additional, tag::REFERENCE_LABEL), Some(&ATTEMPT[ATTEMPT.len() - 25..]));
        assert_eq!(attempt_from_qr_payload(&payload).as_deref(), Some(ATTEMPT));
        // The CRC covers everything up to and including "6304".
        let (covered, crc) = payload.split_at(payload.len() - 4);
        assert!(covered.ends_with("6304"));
        assert_eq!(crc, format!("{:04X}", emv::crc16_ccitt(covered.as_bytes())));
        Ok(())
    }

    #[test]
    fn shopeepay_outside_indonesia_uses_the_local_currency() -> TestResult {
        let payload = qr_payload(PaymentMethodType::Shopeepay, ATTEMPT, 1_000, Currency::parse("VND")?);
        let fields = emv::parse(&payload)?;
        assert_eq!(emv::find(&fields, tag::CURRENCY), Some("704"));
        assert_eq!(emv::find(&fields, tag::AMOUNT), Some("1000"));
        assert_eq!(emv::find(&fields, tag::COUNTRY), Some("VN"));
        assert_eq!(emv::find(&fields, tag::QRIS_NATIONAL), None);
        let id_payload = qr_payload(PaymentMethodType::Shopeepay, ATTEMPT, 100_000, Currency::parse("IDR")?);
        let account =
            emv::parse_fields(emv::find(&emv::parse(&id_payload)?, tag::MERCHANT_ACCOUNT).unwrap_or_default())?;
        assert_eq!(emv::find(&account, tag::GLOBALLY_UNIQUE_ID), Some("ID.CO.SHOPEE.WWW"));
        Ok(())
    }

    #[test]
    fn a_wallet_in_an_unknown_currency_falls_back_to_a_deep_link() -> TestResult {
        let payload = qr_payload(PaymentMethodType::Gopay, ATTEMPT, 1_000, Currency::parse("USD")?);
        assert!(payload.starts_with("gopay://sandbox/pay?"), "{payload}");
        Ok(())
    }

    #[test]
    fn merchant_pans_pass_luhn() {
        for method in [PaymentMethodType::Gopay, PaymentMethodType::Shopeepay] {
            let (_, pan) = wallet_account(method);
            let sum: u32 = pan
                .chars()
                .rev()
                .filter_map(|c| c.to_digit(10))
                .enumerate()
                .map(|(index, digit)| {
                    let weighted = if index % 2 == 1 { digit * 2 } else { digit };
                    if weighted > 9 { weighted - 9 } else { weighted }
                })
                .sum();
            assert_eq!(sum % 10, 0, "{pan}");
        }
    }

    proptest! {
        #[test]
        fn wallet_payloads_are_always_valid(
            attempt_id in "\\PC{0,60}",
            amount_minor in any::<i64>(),
            market_index in 0usize..6,
            gopay in any::<bool>(),
        ) {
            let currency = Currency::parse(MARKETS[market_index].currency)
                .map_err(|error| TestCaseError::fail(error.to_string()))?;
            let method = if gopay { PaymentMethodType::Gopay } else { PaymentMethodType::Shopeepay };
            let payload = qr_payload(method, &attempt_id, amount_minor, currency);
            let fields = emv::parse(&payload).map_err(|error| TestCaseError::fail(error.to_string()))?;
            prop_assert_eq!(fields.last().map(|field| field.tag), Some(63));
            if attempt_id.is_ascii() && attempt_id.bytes().all(|byte| byte.is_ascii_graphic()) && attempt_id.len() <= MAX_ATTEMPT_ID_LENGTH {
                prop_assert_eq!(attempt_from_qr_payload(&payload), Some(attempt_id));
            }
        }

        #[test]
        fn deep_links_round_trip_any_attempt_id(attempt_id in "\\PC{0,60}") {
            let currency = Currency::parse("SGD").map_err(|error| TestCaseError::fail(error.to_string()))?;
            let payload = qr_payload(PaymentMethodType::Grabpay, &attempt_id, 100, currency);
            prop_assert_eq!(attempt_from_qr_payload(&payload), Some(attempt_id));
        }
    }
}
