//! Payment method types and the declarative capability table: which method a buyer in
//! a given country, paying in a given currency and amount, can use, and how each
//! method behaves (capture, refunds, confirmation flow, expiry).

use std::fmt;
use tradewind_money::Currency;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PaymentMethodType {
    Card,
    Paypal,
    Ideal,
    Sofort,
    Grabpay,
    Gopay,
    Shopeepay,
    Boleto,
    BankTransfer,
    CashOnDelivery,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a supported payment method type")]
pub struct UnknownMethod(pub String);

impl PaymentMethodType {
    pub const ALL: [PaymentMethodType; 10] = [
        PaymentMethodType::Card,
        PaymentMethodType::Paypal,
        PaymentMethodType::Ideal,
        PaymentMethodType::Sofort,
        PaymentMethodType::Grabpay,
        PaymentMethodType::Gopay,
        PaymentMethodType::Shopeepay,
        PaymentMethodType::Boleto,
        PaymentMethodType::BankTransfer,
        PaymentMethodType::CashOnDelivery,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethodType::Card => "card",
            PaymentMethodType::Paypal => "paypal",
            PaymentMethodType::Ideal => "ideal",
            PaymentMethodType::Sofort => "sofort",
            PaymentMethodType::Grabpay => "grabpay",
            PaymentMethodType::Gopay => "gopay",
            PaymentMethodType::Shopeepay => "shopeepay",
            PaymentMethodType::Boleto => "boleto",
            PaymentMethodType::BankTransfer => "bank_transfer",
            PaymentMethodType::CashOnDelivery => "cash_on_delivery",
        }
    }

    pub fn parse(value: &str) -> Result<Self, UnknownMethod> {
        PaymentMethodType::ALL
            .into_iter()
            .find(|method| method.as_str() == value)
            .ok_or_else(|| UnknownMethod(value.to_owned()))
    }

    /// The row of the capability table for this method.
    pub fn capability(self) -> &'static MethodCapability {
        // Every method has exactly one row; the table test checks it.
        CAPABILITIES.iter().find(|row| row.method == self).unwrap_or(&CAPABILITIES[0])
    }

    pub fn is_wallet(self) -> bool {
        matches!(self, PaymentMethodType::Grabpay | PaymentMethodType::Gopay | PaymentMethodType::Shopeepay)
    }
}

impl fmt::Display for PaymentMethodType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// How a refund of this method reaches the buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundPolicy {
    /// The method cannot be refunded (Boleto: the voucher is cash).
    NotSupported,
    /// Back to the original instrument, settled at once.
    Instant,
    /// Back to the original instrument, settled later by the provider.
    Asynchronous,
    /// To a bank account the buyer gives (cash and transfers have no instrument).
    ToBankAccount,
}

/// How the buyer completes the payment after confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmationFlow {
    /// Card data authorises at once (unless 3-D Secure steps in).
    Direct,
    /// The buyer is redirected to a provider page and comes back.
    Redirect,
    /// The buyer is redirected, and the provider confirms days later.
    RedirectThenAsynchronous,
    /// The buyer scans a QR code or follows a wallet redirect.
    WalletRedirectOrQr,
    /// The buyer pays a voucher later, elsewhere.
    Voucher,
    /// The buyer sends a bank transfer with a reference.
    BankTransfer,
    /// The courier collects cash at delivery.
    Delivery,
}

/// One market a method serves: a buyer country (or any) with its currency and the
/// amount range in minor units.
#[derive(Debug, Clone, Copy)]
pub struct Market {
    /// ISO 3166-1 alpha-2, or `None` for every country.
    pub country: Option<&'static str>,
    pub currency: &'static str,
    pub minimum_minor: i64,
    pub maximum_minor: i64,
}

const fn market(country: &'static str, currency: &'static str, minimum_minor: i64, maximum_minor: i64) -> Market {
    Market { country: Some(country), currency, minimum_minor, maximum_minor }
}

const fn anywhere(currency: &'static str, minimum_minor: i64, maximum_minor: i64) -> Market {
    Market { country: None, currency, minimum_minor, maximum_minor }
}

#[derive(Debug)]
pub struct MethodCapability {
    pub method: PaymentMethodType,
    pub display_name: &'static str,
    /// Explicit markets. Cards also accept every other ISO currency (see
    /// [`MethodCapability::any_currency`]).
    pub markets: &'static [Market],
    /// Cards take any ISO 4217 currency, with limits derived from its exponent.
    pub any_currency: bool,
    pub manual_capture: bool,
    pub refunds: RefundPolicy,
    pub refund_window_days: Option<u32>,
    pub flow: ConfirmationFlow,
    /// How long an unpaid confirmation stays open before it expires.
    pub expiry_seconds: Option<i64>,
    /// Set when the method is kept only for existing integrations.
    pub legacy_note: Option<&'static str>,
}

const CARD_MAXIMUM_MINOR: i64 = 99_999_999;
const MINUTE_SECONDS: i64 = 60;
const DAY_SECONDS: i64 = 86_400;

/// The capability table. One row per method; the order is the order buyers see.
pub static CAPABILITIES: &[MethodCapability] = &[
    MethodCapability {
        method: PaymentMethodType::Card,
        display_name: "Card",
        markets: &[],
        any_currency: true,
        manual_capture: true,
        refunds: RefundPolicy::Instant,
        refund_window_days: Some(180),
        flow: ConfirmationFlow::Direct,
        expiry_seconds: None,
        legacy_note: None,
    },
    MethodCapability {
        method: PaymentMethodType::Paypal,
        display_name: "PayPal",
        markets: &[
            anywhere("USD", 100, 1_000_000),
            anywhere("EUR", 100, 1_000_000),
            anywhere("GBP", 100, 1_000_000),
            anywhere("AUD", 100, 1_500_000),
            anywhere("CAD", 100, 1_500_000),
            anywhere("SGD", 100, 1_500_000),
            anywhere("HKD", 1_000, 8_000_000),
            anywhere("JPY", 100, 1_500_000),
            anywhere("MXN", 1_000, 20_000_000),
            anywhere("BRL", 500, 6_000_000),
            anywhere("MYR", 500, 4_500_000),
            anywhere("PHP", 5_000, 55_000_000),
            anywhere("THB", 5_000, 35_000_000),
        ],
        any_currency: false,
        manual_capture: true,
        refunds: RefundPolicy::Instant,
        refund_window_days: Some(180),
        flow: ConfirmationFlow::Redirect,
        expiry_seconds: Some(3 * 60 * MINUTE_SECONDS),
        legacy_note: None,
    },
    MethodCapability {
        method: PaymentMethodType::Ideal,
        display_name: "iDEAL",
        markets: &[market("NL", "EUR", 50, 5_000_000)],
        any_currency: false,
        manual_capture: false,
        refunds: RefundPolicy::Instant,
        refund_window_days: Some(180),
        flow: ConfirmationFlow::Redirect,
        expiry_seconds: Some(15 * MINUTE_SECONDS),
        legacy_note: None,
    },
    MethodCapability {
        method: PaymentMethodType::Sofort,
        display_name: "SOFORT",
        markets: &[
            market("DE", "EUR", 100, 500_000),
            market("AT", "EUR", 100, 500_000),
            market("BE", "EUR", 100, 500_000),
            market("NL", "EUR", 100, 500_000),
            market("ES", "EUR", 100, 500_000),
            market("IT", "EUR", 100, 500_000),
        ],
        any_currency: false,
        manual_capture: false,
        refunds: RefundPolicy::Asynchronous,
        refund_window_days: Some(180),
        flow: ConfirmationFlow::RedirectThenAsynchronous,
        expiry_seconds: Some(15 * MINUTE_SECONDS),
        legacy_note: Some("SOFORT has been folded into Klarna by its provider; offered for existing integrations"),
    },
    MethodCapability {
        method: PaymentMethodType::Grabpay,
        display_name: "GrabPay",
        markets: &[market("SG", "SGD", 100, 500_000), market("MY", "MYR", 100, 150_000)],
        any_currency: false,
        manual_capture: false,
        refunds: RefundPolicy::Asynchronous,
        refund_window_days: Some(90),
        flow: ConfirmationFlow::WalletRedirectOrQr,
        expiry_seconds: Some(15 * MINUTE_SECONDS),
        legacy_note: None,
    },
    MethodCapability {
        method: PaymentMethodType::Gopay,
        display_name: "GoPay",
        markets: &[market("ID", "IDR", 100_000, 2_000_000_000)],
        any_currency: false,
        manual_capture: false,
        refunds: RefundPolicy::Asynchronous,
        refund_window_days: Some(30),
        flow: ConfirmationFlow::WalletRedirectOrQr,
        expiry_seconds: Some(15 * MINUTE_SECONDS),
        legacy_note: None,
    },
    MethodCapability {
        method: PaymentMethodType::Shopeepay,
        display_name: "ShopeePay",
        markets: &[
            market("ID", "IDR", 100_000, 2_000_000_000),
            market("MY", "MYR", 100, 500_000),
            market("PH", "PHP", 100, 10_000_000),
            market("SG", "SGD", 100, 500_000),
            market("TH", "THB", 2_000, 15_000_000),
            market("VN", "VND", 1_000, 50_000_000),
        ],
        any_currency: false,
        manual_capture: false,
        refunds: RefundPolicy::Asynchronous,
        refund_window_days: Some(30),
        flow: ConfirmationFlow::WalletRedirectOrQr,
        expiry_seconds: Some(14 * MINUTE_SECONDS),
        legacy_note: None,
    },
    MethodCapability {
        method: PaymentMethodType::Boleto,
        display_name: "Boleto",
        markets: &[market("BR", "BRL", 500, 4_999_999)],
        any_currency: false,
        manual_capture: false,
        refunds: RefundPolicy::NotSupported,
        refund_window_days: None,
        flow: ConfirmationFlow::Voucher,
        // The real expiry is N days at 23:59 São Paulo time; see `boleto` in connectors.
        expiry_seconds: Some(3 * DAY_SECONDS),
        legacy_note: None,
    },
    MethodCapability {
        method: PaymentMethodType::BankTransfer,
        display_name: "Bank transfer",
        markets: &[
            anywhere("EUR", 100, 10_000_000_000),
            anywhere("GBP", 100, 10_000_000_000),
            anywhere("USD", 100, 10_000_000_000),
            anywhere("JPY", 100, 10_000_000_000),
            anywhere("MXN", 1_000, 10_000_000_000),
        ],
        any_currency: false,
        manual_capture: false,
        refunds: RefundPolicy::ToBankAccount,
        refund_window_days: Some(365),
        flow: ConfirmationFlow::BankTransfer,
        expiry_seconds: Some(7 * DAY_SECONDS),
        legacy_note: None,
    },
    MethodCapability {
        method: PaymentMethodType::CashOnDelivery,
        display_name: "Cash on delivery",
        markets: &[
            market("AE", "AED", 100, 500_000),
            market("SA", "SAR", 100, 500_000),
            market("KW", "KWD", 100, 400_000),
            market("QA", "QAR", 100, 500_000),
            market("BH", "BHD", 100, 500_000),
            market("OM", "OMR", 100, 500_000),
            market("EG", "EGP", 1_000, 5_000_000),
        ],
        any_currency: false,
        manual_capture: false,
        refunds: RefundPolicy::ToBankAccount,
        refund_window_days: Some(90),
        flow: ConfirmationFlow::Delivery,
        expiry_seconds: Some(30 * DAY_SECONDS),
        legacy_note: None,
    },
];

/// Why a method cannot be used for a given payment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarketError {
    #[error("{method} is not available for currency {currency}")]
    CurrencyNotSupported { method: PaymentMethodType, currency: Currency },
    #[error("{method} is not available in country {country} for currency {currency}")]
    CountryNotSupported { method: PaymentMethodType, country: String, currency: Currency },
    #[error("{method} accepts between {minimum_minor} and {maximum_minor} minor units of {currency}")]
    AmountOutOfRange { method: PaymentMethodType, currency: Currency, minimum_minor: i64, maximum_minor: i64 },
}

/// The amount range (in minor units) that a card accepts in a currency: half a major
/// unit up to Stripe's eight-digit limit.
fn card_limits(currency: Currency) -> (i64, i64) {
    let minimum_minor = match currency.exponent() {
        0 => 50,
        exponent => 10i64.pow(u32::from(exponent)) / 2,
    };
    (minimum_minor, CARD_MAXIMUM_MINOR)
}

impl MethodCapability {
    /// The amount range for this currency and country, if the method serves it.
    pub fn limits(&self, country: Option<&str>, currency: Currency) -> Result<(i64, i64), MarketError> {
        let code = currency.code();
        let for_currency: Vec<&Market> = self.markets.iter().filter(|m| m.currency == code).collect();
        if for_currency.is_empty() {
            if self.any_currency {
                return Ok(card_limits(currency));
            }
            return Err(MarketError::CurrencyNotSupported { method: self.method, currency });
        }
        let matching = for_currency.iter().find(|m| match (m.country, country) {
            (None, _) => true,
            (Some(served), Some(asked)) => served.eq_ignore_ascii_case(asked),
            // Without a buyer country, a currency the method serves somewhere is enough.
            (Some(_), None) => true,
        });
        match matching {
            Some(found) => Ok((found.minimum_minor, found.maximum_minor)),
            None => Err(MarketError::CountryNotSupported {
                method: self.method,
                country: country.unwrap_or_default().to_ascii_uppercase(),
                currency,
            }),
        }
    }

    /// Checks that the method serves this buyer and amount.
    pub fn check(&self, country: Option<&str>, currency: Currency, amount_minor: i64) -> Result<(), MarketError> {
        let (minimum_minor, maximum_minor) = self.limits(country, currency)?;
        if amount_minor < minimum_minor || amount_minor > maximum_minor {
            return Err(MarketError::AmountOutOfRange { method: self.method, currency, minimum_minor, maximum_minor });
        }
        Ok(())
    }
}

/// The methods a buyer in `country` paying `amount_minor` of `currency` can use, in
/// display order. A missing amount lists the methods regardless of limits.
pub fn available_methods(
    country: Option<&str>,
    currency: Currency,
    amount_minor: Option<i64>,
) -> Vec<&'static MethodCapability> {
    CAPABILITIES
        .iter()
        .filter(|row| match amount_minor {
            Some(amount) => row.check(country, currency, amount).is_ok(),
            None => row.limits(country, currency).is_ok(),
        })
        .collect()
}

/// ISO 3166-1 alpha-2 check: two ASCII letters. The API edge upper-cases it.
pub fn is_country_code(value: &str) -> bool {
    value.len() == 2 && value.bytes().all(|byte| byte.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap_or_else(|_| unreachable!())
    }

    fn names(country: &str, code: &str, amount: i64) -> Vec<&'static str> {
        available_methods(Some(country), currency(code), Some(amount)).iter().map(|row| row.method.as_str()).collect()
    }

    #[test]
    fn every_method_has_one_row() {
        for method in PaymentMethodType::ALL {
            assert_eq!(CAPABILITIES.iter().filter(|row| row.method == method).count(), 1, "{method}");
            assert_eq!(PaymentMethodType::parse(method.as_str()), Ok(method));
        }
    }

    #[test]
    fn markets_offer_their_local_methods() {
        assert_eq!(names("NL", "EUR", 1_000), ["card", "paypal", "ideal", "sofort", "bank_transfer"]);
        assert_eq!(names("SG", "SGD", 1_000), ["card", "paypal", "grabpay", "shopeepay"]);
        assert_eq!(names("ID", "IDR", 15_000_000), ["card", "gopay", "shopeepay"]);
        assert_eq!(names("BR", "BRL", 10_000), ["card", "paypal", "boleto"]);
        assert_eq!(names("AE", "AED", 10_000), ["card", "cash_on_delivery"]);
        assert_eq!(names("US", "USD", 5_000), ["card", "paypal", "bank_transfer"]);
    }

    #[test]
    fn boleto_limits_are_real() {
        let boleto = PaymentMethodType::Boleto.capability();
        assert!(boleto.check(Some("BR"), currency("BRL"), 499).is_err());
        assert!(boleto.check(Some("BR"), currency("BRL"), 500).is_ok());
        assert!(boleto.check(Some("BR"), currency("BRL"), 4_999_999).is_ok());
        assert!(boleto.check(Some("BR"), currency("BRL"), 5_000_000).is_err());
        assert!(matches!(
            boleto.check(Some("US"), currency("BRL"), 1_000),
            Err(MarketError::CountryNotSupported { .. })
        ));
    }

    #[test]
    fn cards_take_any_currency_with_exponent_aware_minimums() {
        let card = PaymentMethodType::Card.capability();
        assert_eq!(card.limits(None, currency("JPY")), Ok((50, CARD_MAXIMUM_MINOR)));
        assert_eq!(card.limits(None, currency("KWD")), Ok((500, CARD_MAXIMUM_MINOR)));
        assert_eq!(card.limits(None, currency("USD")), Ok((50, CARD_MAXIMUM_MINOR)));
    }
}
