//! Exchange rates: a rate between two currencies, the table of latest rates, exact
//! conversion of money at a rate, and quote math (markups, locked quotes, and the
//! difference a locked quote leaves in the platform's FX position).
//!
//! Rates are `rust_decimal::Decimal` because a rate is not money: it has no minor unit
//! and needs more digits than any currency. Money stays `i64` minor units, and every
//! conversion rounds exactly once, at the target currency's minor unit (see
//! [`convert`]).
//!
//! - `convert`: `convert(amount, to, rate)` and its rounding rule.
//! - `table`: `RateTable`, the latest rate per pair with inverse and cross rates.
//! - `quote`: `apply_markup`, `QuoteTerms`, `conversion_difference`.

mod convert;
mod quote;
mod table;

pub use convert::convert;
pub use quote::{
    ConversionDifference, DEFAULT_QUOTE_WINDOW_SECONDS, MAX_MARKUP_BASIS_POINTS, MAX_QUOTE_WINDOW_SECONDS, QuoteTerms,
    Side, apply_markup, conversion_difference,
};
pub use table::{PIVOT_CURRENCY_CODE, RatePath, RateTable, ResolvedRate};

use rust_decimal::Decimal;
use tradewind_money::{Currency, Money, MoneyError};

/// Where a rate came from, so a booking can say which reference it used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateSource {
    /// The European Central Bank's daily reference rates (see `crate::ecb`).
    Ecb,
    /// Entered by an operator.
    Manual,
    /// Quoted by a payment provider or a liquidity provider.
    Provider,
    /// A cross rate whose two legs came from different sources.
    Mixed,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FxError {
    #[error("an exchange rate must be positive, got {0}")]
    RateNotPositive(Decimal),
    #[error("a rate needs two different currencies, got {0} on both sides")]
    SameCurrency(Currency),
    #[error("the converted amount overflows 64-bit minor units")]
    Overflow,
    #[error("the rate arithmetic exceeds the range of a decimal")]
    RateOverflow,
    #[error("no rate from {base} to {quote}, directly, inverted or through EUR")]
    NoRate { base: Currency, quote: Currency },
    #[error("the amount is in {actual}, the rate converts from {expected}")]
    CurrencyMismatch { expected: Currency, actual: Currency },
    #[error("a markup of {0} basis points is outside 0..={MAX_MARKUP_BASIS_POINTS}")]
    MarkupOutOfRange(i64),
    #[error("a quote window of {0} seconds is outside 1..={MAX_QUOTE_WINDOW_SECONDS}")]
    WindowOutOfRange(i64),
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// A mid-market rate: one unit of `base` buys `mid` units of `quote`, as published at
/// `as_of_unix_seconds`. Construction checks the two rules every rate obeys: two
/// different currencies and a positive mid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    base: Currency,
    quote: Currency,
    mid: Decimal,
    source: RateSource,
    as_of_unix_seconds: i64,
}

impl Rate {
    pub fn new(
        base: Currency,
        quote: Currency,
        mid: Decimal,
        source: RateSource,
        as_of_unix_seconds: i64,
    ) -> Result<Rate, FxError> {
        if base == quote {
            return Err(FxError::SameCurrency(base));
        }
        if mid <= Decimal::ZERO {
            return Err(FxError::RateNotPositive(mid));
        }
        Ok(Rate { base, quote, mid, source, as_of_unix_seconds })
    }

    pub fn base(&self) -> Currency {
        self.base
    }

    pub fn quote(&self) -> Currency {
        self.quote
    }

    pub fn mid(&self) -> Decimal {
        self.mid
    }

    pub fn source(&self) -> RateSource {
        self.source
    }

    pub fn as_of_unix_seconds(&self) -> i64 {
        self.as_of_unix_seconds
    }

    /// The rate the other way round (`quote` → `base`), `1 / mid` to the 28 significant
    /// digits a `Decimal` holds. It keeps the source and time of the original: an
    /// inverse is the same publication read backwards.
    pub fn inverse(&self) -> Result<Rate, FxError> {
        let mid = Decimal::ONE.checked_div(self.mid).ok_or(FxError::RateOverflow)?;
        Rate::new(self.quote, self.base, mid, self.source, self.as_of_unix_seconds)
    }

    /// Converts an amount in `base` to `quote` at the mid rate, with the rounding rule of
    /// [`convert`].
    pub fn convert(&self, amount: Money) -> Result<Money, FxError> {
        if amount.currency() != self.base {
            return Err(FxError::CurrencyMismatch { expected: self.base, actual: amount.currency() });
        }
        convert(amount, self.quote, self.mid)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    #[test]
    fn a_rate_needs_two_currencies_and_a_positive_mid() {
        let (eur, usd) = (currency("EUR"), currency("USD"));
        assert_eq!(Rate::new(eur, eur, Decimal::ONE, RateSource::Manual, 0), Err(FxError::SameCurrency(eur)));
        assert_eq!(
            Rate::new(eur, usd, Decimal::ZERO, RateSource::Manual, 0),
            Err(FxError::RateNotPositive(Decimal::ZERO))
        );
        let negative = Decimal::from_str("-1.1").unwrap();
        assert_eq!(Rate::new(eur, usd, negative, RateSource::Manual, 0), Err(FxError::RateNotPositive(negative)));
    }

    #[test]
    fn inverse_swaps_the_pair_and_keeps_provenance() {
        let rate = Rate::new(currency("EUR"), currency("USD"), Decimal::from_str("1.25").unwrap(), RateSource::Ecb, 7)
            .unwrap();
        let inverse = rate.inverse().unwrap();
        assert_eq!((inverse.base(), inverse.quote()), (currency("USD"), currency("EUR")));
        assert_eq!(inverse.mid(), Decimal::from_str("0.8").unwrap());
        assert_eq!((inverse.source(), inverse.as_of_unix_seconds()), (RateSource::Ecb, 7));
    }

    #[test]
    fn rate_convert_checks_the_amount_currency() {
        let rate =
            Rate::new(currency("EUR"), currency("USD"), Decimal::from_str("1.0412").unwrap(), RateSource::Ecb, 0)
                .unwrap();
        assert_eq!(rate.convert(Money::new(10_000, currency("EUR"))), Ok(Money::new(10_412, currency("USD"))));
        assert_eq!(
            rate.convert(Money::new(10_000, currency("GBP"))),
            Err(FxError::CurrencyMismatch { expected: currency("EUR"), actual: currency("GBP") })
        );
    }
}
