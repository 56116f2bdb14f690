//! PayPal's `amount.value`: a decimal string in major units ("12.34", "1500" yen),
//! produced and read exactly from integer minor units. PayPal takes HUF, JPY and TWD
//! without decimals (developer.paypal.com/api/rest/reference/currency-codes), so
//! 1,000.00 forints go as "1000" and an amount with fillér is refused, not rounded.

use crate::amount::rescale;
use tradewind_money::{Currency, Money, format_minor_units};
use tradewind_settlement::reconciliation::parse_amount;

/// Currencies PayPal accepts only in whole units.
const WHOLE_UNITS_ONLY: &[&str] = &["HUF", "JPY", "TWD"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("`{0}` is not a currency")]
    UnknownCurrency(String),
    #[error("{minor} minor units of {currency} need decimals PayPal does not take for it")]
    NotWholeUnits { minor: i64, currency: Currency },
    #[error("`{value}` is not an exact {currency} amount: {reason}")]
    Malformed { value: String, currency: Currency, reason: String },
    #[error("a PayPal amount is never negative")]
    Negative,
}

/// The `value` PayPal expects for `money`.
pub fn to_value(money: Money) -> Result<String, AmountError> {
    let currency = money.currency();
    if money.minor() < 0 {
        return Err(AmountError::Negative);
    }
    if WHOLE_UNITS_ONLY.contains(&currency.code()) {
        return rescale(money.minor(), currency.exponent(), 0)
            .map(|whole| whole.to_string())
            .ok_or(AmountError::NotWholeUnits { minor: money.minor(), currency });
    }
    Ok(format_minor_units(money))
}

/// The money a PayPal `{currency_code, value}` stands for.
pub fn from_value(currency_code: &str, value: &str) -> Result<Money, AmountError> {
    let currency =
        Currency::parse(currency_code).map_err(|_| AmountError::UnknownCurrency(currency_code.to_owned()))?;
    let money = parse_amount(value, currency).map_err(|error| AmountError::Malformed {
        value: value.to_owned(),
        currency,
        reason: error.to_string(),
    })?;
    if money.minor() < 0 {
        return Err(AmountError::Negative);
    }
    Ok(money)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::test_support::money;

    #[test]
    fn values_by_exponent() {
        assert_eq!(to_value(money(1_234, "USD")).unwrap(), "12.34");
        assert_eq!(to_value(money(5, "USD")).unwrap(), "0.05");
        assert_eq!(to_value(money(1_500, "JPY")).unwrap(), "1500");
        assert_eq!(to_value(money(1_234, "KWD")).unwrap(), "1.234");
        assert_eq!(to_value(money(100_000, "HUF")).unwrap(), "1000");
        assert!(matches!(to_value(money(100_050, "HUF")), Err(AmountError::NotWholeUnits { .. })));
        assert_eq!(to_value(money(-1, "USD")), Err(AmountError::Negative));
    }

    #[test]
    fn reads_back_exactly() {
        assert_eq!(from_value("USD", "12.34").unwrap(), money(1_234, "USD"));
        assert_eq!(from_value("JPY", "1500").unwrap(), money(1_500, "JPY"));
        assert_eq!(from_value("KWD", "1.234").unwrap(), money(1_234, "KWD"));
        assert_eq!(from_value("HUF", "1000").unwrap(), money(100_000, "HUF"));
        assert!(matches!(from_value("USD", "12.345"), Err(AmountError::Malformed { .. })));
        assert!(matches!(from_value("JPY", "1500.5"), Err(AmountError::Malformed { .. })));
        assert!(matches!(from_value("USD", "1e3"), Err(AmountError::Malformed { .. })));
        assert_eq!(from_value("XYZ", "1.00"), Err(AmountError::UnknownCurrency("XYZ".into())));
        assert_eq!(from_value("USD", "-1.00"), Err(AmountError::Negative));
    }
}
