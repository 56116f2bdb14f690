//! Decimal amount strings in major units ("100.00", "-3.20", "1500" for JPY) parsed
//! exactly into minor units with the currency's exponent: no floats, no rounding.
//!
//! Accepted: an optional leading `-`, one or more digits, then optionally a point and
//! one to `exponent` digits (fewer are padded: "100.5" USD is 10050 cents). Refused:
//! more decimals than the currency has ("1.005" USD, "100.0" JPY), since a report that
//! claims sub-cent precision is not one to round silently; and anything else a
//! spreadsheet might produce (`+1`, `1,000.00`, `1e3`, ` 1.00`, `.50`, `1.`).

use tradewind_money::{Currency, Money};

/// The longest amount text accepted: 19 digits of `i64`, a sign, a point and four
/// decimals fit with room to spare.
pub const MAX_AMOUNT_CHARS: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AmountError {
    #[error("the amount is empty")]
    Empty,
    #[error("the amount is longer than {MAX_AMOUNT_CHARS} characters")]
    TooLong,
    #[error("not a plain decimal number (digits, an optional point and decimals, an optional leading minus)")]
    NotDecimal,
    #[error("{decimals} decimal places where {currency} has {exponent}")]
    TooPrecise { decimals: usize, currency: Currency, exponent: u8 },
    #[error("the amount overflows 64-bit minor units")]
    Overflow,
}

/// Parses `text` as an amount of `currency` in major units.
pub fn parse_amount(text: &str, currency: Currency) -> Result<Money, AmountError> {
    if text.is_empty() {
        return Err(AmountError::Empty);
    }
    if text.len() > MAX_AMOUNT_CHARS {
        return Err(AmountError::TooLong);
    }
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, decimals) = match unsigned.split_once('.') {
        Some((whole, decimals)) if !decimals.is_empty() => (whole, decimals),
        Some(_) => return Err(AmountError::NotDecimal),
        None => (unsigned, ""),
    };
    let digits_only = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if whole.is_empty() || !digits_only(whole) || !digits_only(decimals) {
        return Err(AmountError::NotDecimal);
    }
    let exponent = currency.exponent();
    if decimals.len() > usize::from(exponent) {
        return Err(AmountError::TooPrecise { decimals: decimals.len(), currency, exponent });
    }
    // At most 32 digits in all, so 128 bits hold the value before the range check.
    let mut magnitude: i128 = 0;
    for digit in whole.bytes().chain(decimals.bytes()) {
        magnitude = magnitude.checked_mul(10).ok_or(AmountError::Overflow)? + i128::from(digit - b'0');
    }
    let padding = u32::from(exponent) - decimals.len() as u32;
    magnitude = magnitude.checked_mul(10i128.pow(padding)).ok_or(AmountError::Overflow)?;
    let signed = if negative { -magnitude } else { magnitude };
    let minor = i64::try_from(signed).map_err(|_| AmountError::Overflow)?;
    Ok(Money::new(minor, currency))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tradewind_money::format_minor_units;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn minor(text: &str, code: &str) -> Result<i64, AmountError> {
        parse_amount(text, currency(code)).map(|money| money.minor())
    }

    #[test]
    fn parses_by_exponent() {
        assert_eq!(minor("100.00", "USD"), Ok(10_000));
        assert_eq!(minor("100.5", "USD"), Ok(10_050));
        assert_eq!(minor("100", "USD"), Ok(10_000));
        assert_eq!(minor("-3.20", "USD"), Ok(-320));
        assert_eq!(minor("-0.00", "USD"), Ok(0));
        assert_eq!(minor("1500", "JPY"), Ok(1_500));
        assert_eq!(minor("1.234", "KWD"), Ok(1_234));
        assert_eq!(minor("0.0001", "CLF"), Ok(1));
        assert_eq!(minor("92233720368547758.07", "USD"), Ok(i64::MAX));
        assert_eq!(minor("-92233720368547758.08", "USD"), Ok(i64::MIN));
    }

    #[test]
    fn refuses_extra_precision() {
        let usd = currency("USD");
        assert_eq!(minor("1.005", "USD"), Err(AmountError::TooPrecise { decimals: 3, currency: usd, exponent: 2 }));
        let jpy = currency("JPY");
        assert_eq!(minor("100.0", "JPY"), Err(AmountError::TooPrecise { decimals: 1, currency: jpy, exponent: 0 }));
    }

    #[test]
    fn refuses_anything_but_plain_decimals() {
        for text in ["+1.00", "1,000.00", "1e3", " 1.00", "1.00 ", ".50", "1.", "-", "--1", "1.2.3", "NaN", "١٢"] {
            assert_eq!(minor(text, "USD"), Err(AmountError::NotDecimal), "{text}");
        }
        assert_eq!(minor("", "USD"), Err(AmountError::Empty));
        assert_eq!(minor(&"1".repeat(MAX_AMOUNT_CHARS + 1), "USD"), Err(AmountError::TooLong));
        assert_eq!(minor("92233720368547758.08", "USD"), Err(AmountError::Overflow));
        assert_eq!(minor("99999999999999999999999999999999", "JPY"), Err(AmountError::Overflow));
    }

    proptest! {
        #[test]
        fn formatting_and_parsing_round_trip(
            value in any::<i64>(),
            code in prop_oneof![Just("JPY"), Just("USD"), Just("KWD"), Just("CLF")],
        ) {
            let money = Money::new(value, currency(code));
            prop_assert_eq!(parse_amount(&format_minor_units(money), currency(code)), Ok(money));
        }
    }
}
