//! The default fee schedule for each connector and payment method, as one declarative
//! table. The figures are public list prices of the providers each sandbox imitates,
//! rounded to what a merchant would recognise; a merchant's negotiated terms are laid
//! over them with [`super::FeeOverlay`].

use super::{FeeError, FeeSchedule, FeeTerms};
use std::fmt;
use tradewind_money::{Currency, Money};

/// Who processes the payment. The sandbox prices like the provider it imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Connector {
    Sandbox,
    Stripe,
    Paypal,
}

impl Connector {
    pub const ALL: [Connector; 3] = [Connector::Sandbox, Connector::Stripe, Connector::Paypal];

    pub fn as_str(self) -> &'static str {
        match self {
            Connector::Sandbox => "sandbox",
            Connector::Stripe => "stripe",
            Connector::Paypal => "paypal",
        }
    }
}

impl fmt::Display for Connector {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The payment method being priced. It mirrors `tradewind_payments::PaymentMethodType`
/// name for name (this crate stays independent of the payments crate); the caller maps
/// one to the other with `parse(method.as_str())`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
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

impl Method {
    pub const ALL: [Method; 10] = [
        Method::Card,
        Method::Paypal,
        Method::Ideal,
        Method::Sofort,
        Method::Grabpay,
        Method::Gopay,
        Method::Shopeepay,
        Method::Boleto,
        Method::BankTransfer,
        Method::CashOnDelivery,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Card => "card",
            Method::Paypal => "paypal",
            Method::Ideal => "ideal",
            Method::Sofort => "sofort",
            Method::Grabpay => "grabpay",
            Method::Gopay => "gopay",
            Method::Shopeepay => "shopeepay",
            Method::Boleto => "boleto",
            Method::BankTransfer => "bank_transfer",
            Method::CashOnDelivery => "cash_on_delivery",
        }
    }

    pub fn parse(value: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|method| method.as_str() == value)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// An amount in a table row: an ISO code and minor units. Codes are text because
/// `Currency::parse` is not `const`; a test parses every row.
type Amount = (&'static str, i64);

/// One row of the default table. Fields read like the schedule's terms.
struct Row {
    connector: Connector,
    method: Method,
    percent_basis_points: i64,
    fixed: Option<Amount>,
    international_surcharge_basis_points: i64,
    currency_conversion_surcharge_basis_points: i64,
    cap: Option<Amount>,
    dispute_fee: Option<Amount>,
    refund_fee_returned: bool,
}

/// A row with only a percentage; the table fills the rest with struct update syntax.
///
/// The sandbox returns fees on refunds, in proportion: a refund then never costs the
/// merchant more than its payment brought in, so refunding a payment that has not
/// settled yet never overdraws the pending balance. Real providers' rows follow their
/// provider (Stripe and PayPal keep the fee).
const fn percentage(connector: Connector, method: Method, percent_basis_points: i64) -> Row {
    Row {
        connector,
        method,
        percent_basis_points,
        fixed: None,
        international_surcharge_basis_points: 0,
        currency_conversion_surcharge_basis_points: 0,
        cap: None,
        dispute_fee: None,
        refund_fee_returned: matches!(connector, Connector::Sandbox),
    }
}

const CARD: Row = Row {
    fixed: Some(("USD", 30)),
    international_surcharge_basis_points: 150,
    currency_conversion_surcharge_basis_points: 100,
    dispute_fee: Some(("USD", 1_500)),
    ..percentage(Connector::Sandbox, Method::Card, 290)
};
const PAYPAL: Row = Row {
    fixed: Some(("USD", 49)),
    international_surcharge_basis_points: 150,
    currency_conversion_surcharge_basis_points: 300,
    dispute_fee: Some(("USD", 2_000)),
    ..percentage(Connector::Sandbox, Method::Paypal, 349)
};
const IDEAL: Row = Row { fixed: Some(("EUR", 29)), ..percentage(Connector::Sandbox, Method::Ideal, 0) };
const SOFORT: Row = Row { fixed: Some(("EUR", 25)), ..percentage(Connector::Sandbox, Method::Sofort, 140) };
const BOLETO: Row = Row { fixed: Some(("BRL", 345)), ..percentage(Connector::Sandbox, Method::Boleto, 0) };
const BANK_TRANSFER: Row = Row { cap: Some(("USD", 500)), ..percentage(Connector::Sandbox, Method::BankTransfer, 80) };
const GRABPAY: Row = percentage(Connector::Sandbox, Method::Grabpay, 200);

/// The default schedules. Every method has a sandbox row; the real providers have rows
/// for what they actually process.
const DEFAULTS: &[Row] = &[
    CARD,
    PAYPAL,
    IDEAL,
    SOFORT,
    GRABPAY,
    percentage(Connector::Sandbox, Method::Gopay, 200),
    percentage(Connector::Sandbox, Method::Shopeepay, 150),
    BOLETO,
    BANK_TRANSFER,
    percentage(Connector::Sandbox, Method::CashOnDelivery, 200),
    Row { connector: Connector::Stripe, refund_fee_returned: false, ..CARD },
    Row { connector: Connector::Stripe, refund_fee_returned: false, ..IDEAL },
    Row { connector: Connector::Stripe, refund_fee_returned: false, ..SOFORT },
    Row { connector: Connector::Stripe, refund_fee_returned: false, ..BOLETO },
    Row { connector: Connector::Stripe, refund_fee_returned: false, ..GRABPAY },
    Row { connector: Connector::Stripe, refund_fee_returned: false, ..BANK_TRANSFER },
    Row { connector: Connector::Paypal, refund_fee_returned: false, ..PAYPAL },
];

/// The default schedule for `method` through `connector`.
pub fn default_schedule(connector: Connector, method: Method) -> Result<FeeSchedule, FeeError> {
    let row = DEFAULTS
        .iter()
        .find(|row| row.connector == connector && row.method == method)
        .ok_or(FeeError::NoDefaultSchedule { connector, method })?;
    FeeSchedule::new(FeeTerms {
        percent_basis_points: row.percent_basis_points,
        fixed: amount(row.fixed)?,
        international_surcharge_basis_points: row.international_surcharge_basis_points,
        currency_conversion_surcharge_basis_points: row.currency_conversion_surcharge_basis_points,
        cap: amount(row.cap)?,
        dispute_fee: amount(row.dispute_fee)?,
        refund_fee_returned: row.refund_fee_returned,
    })
}

fn amount(amount: Option<Amount>) -> Result<Option<Money>, FeeError> {
    let Some((code, minor)) = amount else { return Ok(None) };
    // Every code in the table is a real ISO code (the test below parses every row), so
    // this error is only reachable by a bad edit of the table.
    Ok(Some(Money::new(minor, Currency::parse(code)?)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn money(minor: i64, code: &str) -> Money {
        Money::new(minor, Currency::parse(code).unwrap())
    }

    #[test]
    fn every_row_is_a_valid_schedule_and_unique() {
        let mut seen = HashSet::new();
        for row in DEFAULTS {
            assert!(seen.insert((row.connector, row.method)), "{} {} twice", row.connector, row.method);
            default_schedule(row.connector, row.method).unwrap();
        }
    }

    #[test]
    fn the_sandbox_prices_every_method() {
        for method in Method::ALL {
            assert!(default_schedule(Connector::Sandbox, method).is_ok(), "{method}");
            assert_eq!(Method::parse(method.as_str()), Some(method));
        }
        assert_eq!(
            default_schedule(Connector::Paypal, Method::Boleto),
            Err(FeeError::NoDefaultSchedule { connector: Connector::Paypal, method: Method::Boleto })
        );
    }

    #[test]
    fn list_prices() {
        let fee = |connector, method, gross: Money| {
            default_schedule(connector, method).unwrap().fee_for(gross, false, false).unwrap().fee
        };
        // Card: 2.9% + 0.30 on 100.00 USD.
        assert_eq!(fee(Connector::Sandbox, Method::Card, money(10_000, "USD")), money(320, "USD"));
        // PayPal: 3.49% + 0.49 on 100.00 USD.
        assert_eq!(fee(Connector::Paypal, Method::Paypal, money(10_000, "USD")), money(398, "USD"));
        // iDEAL: 0.29 EUR whatever the amount.
        assert_eq!(fee(Connector::Stripe, Method::Ideal, money(123_456, "EUR")), money(29, "EUR"));
        // Boleto: 3.45 BRL.
        assert_eq!(fee(Connector::Sandbox, Method::Boleto, money(5_000, "BRL")), money(345, "BRL"));
        // Wallets: 2% and 1.5% on 100,000 IDR.
        assert_eq!(fee(Connector::Sandbox, Method::Gopay, money(10_000_000, "IDR")), money(200_000, "IDR"));
        assert_eq!(fee(Connector::Sandbox, Method::Shopeepay, money(10_000_000, "IDR")), money(150_000, "IDR"));
        // Bank transfer: 0.8%, at most 5.00 USD.
        assert_eq!(fee(Connector::Sandbox, Method::BankTransfer, money(10_000, "USD")), money(80, "USD"));
        assert_eq!(fee(Connector::Sandbox, Method::BankTransfer, money(10_000_000, "USD")), money(500, "USD"));
        // Cash on delivery: 2%.
        assert_eq!(fee(Connector::Sandbox, Method::CashOnDelivery, money(10_000, "SGD")), money(200, "SGD"));
    }
}
