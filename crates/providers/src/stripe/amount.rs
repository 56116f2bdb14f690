//! Stripe's integer `amount` for each currency. Stripe counts most currencies in ISO
//! 4217 minor units, but not all: its zero-decimal list includes MGA (ISO: 2 decimals),
//! and it counts ISK in hundredths although ISO gives it none
//! (docs.stripe.com/currencies). Converting through [`crate::amount::rescale`] keeps
//! every amount exact; one Stripe cannot express is an error, not a rounding.

use crate::amount::rescale;
use tradewind_money::{Currency, Money};

/// Currencies Stripe counts in whole units.
const ZERO_DECIMAL: &[&str] =
    &["BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"];
/// Currencies Stripe counts in thousandths.
const THREE_DECIMAL: &[&str] = &["BHD", "JOD", "KWD", "OMR", "TND"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{minor} minor units of {currency} cannot be expressed in Stripe's unit for it")]
pub struct AmountError {
    pub minor: i64,
    pub currency: Currency,
}

/// The number of decimals Stripe's `amount` has for `currency`.
pub fn stripe_exponent(currency: Currency) -> u8 {
    let code = currency.code();
    if ZERO_DECIMAL.contains(&code) {
        0
    } else if THREE_DECIMAL.contains(&code) {
        3
    } else {
        2
    }
}

/// Stripe's `amount` for `money`.
pub fn to_stripe(money: Money) -> Result<i64, AmountError> {
    let currency = money.currency();
    rescale(money.minor(), currency.exponent(), stripe_exponent(currency))
        .ok_or(AmountError { minor: money.minor(), currency })
}

/// The money a Stripe `amount` in `currency` stands for.
pub fn from_stripe(amount: i64, currency: Currency) -> Result<Money, AmountError> {
    rescale(amount, stripe_exponent(currency), currency.exponent())
        .map(|minor| Money::new(minor, currency))
        .ok_or(AmountError { minor: amount, currency })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::test_support::money;

    #[test]
    fn iso_and_stripe_agree_for_most_currencies() {
        for (minor, code) in [(1_234, "USD"), (500, "JPY"), (1_230, "KWD"), (99, "EUR")] {
            assert_eq!(to_stripe(money(minor, code)), Ok(minor), "{code}");
            assert_eq!(from_stripe(minor, money(0, code).currency()), Ok(money(minor, code)), "{code}");
        }
    }

    #[test]
    fn special_cases_rescale_exactly() {
        // 500 krónur: ISO has no decimals, Stripe counts hundredths.
        assert_eq!(to_stripe(money(500, "ISK")), Ok(50_000));
        assert_eq!(from_stripe(50_000, money(0, "ISK").currency()), Ok(money(500, "ISK")));
        assert_eq!(from_stripe(50_050, money(0, "ISK").currency()).map_err(|error| error.minor), Err(50_050));
        // 1,000 ariary: ISO has 2 decimals, Stripe none.
        assert_eq!(to_stripe(money(100_000, "MGA")), Ok(1_000));
        assert!(to_stripe(money(100_050, "MGA")).is_err());
    }
}
