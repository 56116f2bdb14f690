//! The table of latest rates: one rate per ordered pair, answered directly, inverted, or
//! crossed through EUR when (as with the ECB's reference rates) only EUR pairs exist.

use super::{FxError, Rate, RateSource};
use rust_decimal::Decimal;
use std::collections::HashMap;
use tradewind_money::Currency;

/// The currency cross rates go through. The ECB publishes every rate against EUR, so
/// USD → JPY is USD → EUR → JPY.
pub const PIVOT_CURRENCY_CODE: &str = "EUR";

/// How a looked-up rate was obtained, so a caller that only trusts direct quotes can
/// tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatePath {
    Direct,
    /// `1 / mid` of the stored opposite pair.
    Inverse,
    /// `base → EUR → quote`, each leg itself direct or inverted.
    CrossViaPivot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedRate {
    pub rate: Rate,
    pub path: RatePath,
}

/// The latest rate per ordered pair. Inserting keeps whichever rate is newer by
/// `as_of_unix_seconds`; on an equal time the later insert wins, because a second rate
/// for the same instant is a correction.
#[derive(Debug, Clone, Default)]
pub struct RateTable {
    rates: HashMap<(Currency, Currency), Rate>,
}

impl RateTable {
    pub fn new() -> Self {
        RateTable::default()
    }

    /// Stores `rate` unless the table already holds a strictly newer one for the pair.
    /// Returns whether the rate was stored.
    pub fn insert(&mut self, rate: Rate) -> bool {
        let key = (rate.base(), rate.quote());
        match self.rates.get(&key) {
            Some(existing) if existing.as_of_unix_seconds() > rate.as_of_unix_seconds() => false,
            _ => {
                self.rates.insert(key, rate);
                true
            }
        }
    }

    pub fn len(&self) -> usize {
        self.rates.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rates.is_empty()
    }

    /// The rate from `base` to `quote`: the stored pair, else the inverse of the stored
    /// opposite pair, else a cross through EUR. When both a pair and its opposite are
    /// stored, the newer one answers (the direct one on a tie).
    ///
    /// A cross rate's time is the older leg's, since it is only as fresh as its stalest
    /// part; its source is the legs' common source, or `Mixed`.
    pub fn lookup(&self, base: Currency, quote: Currency) -> Result<ResolvedRate, FxError> {
        if base == quote {
            return Err(FxError::SameCurrency(base));
        }
        if let Some(resolved) = self.direct_or_inverse(base, quote)? {
            return Ok(resolved);
        }
        let no_rate = FxError::NoRate { base, quote };
        let Ok(pivot) = Currency::parse(PIVOT_CURRENCY_CODE) else {
            return Err(no_rate);
        };
        if base == pivot || quote == pivot {
            return Err(no_rate);
        }
        let (Some(first), Some(second)) = (self.direct_or_inverse(base, pivot)?, self.direct_or_inverse(pivot, quote)?)
        else {
            return Err(no_rate);
        };
        let mid = first.rate.mid().checked_mul(second.rate.mid()).ok_or(FxError::RateOverflow)?;
        let source = if first.rate.source() == second.rate.source() { first.rate.source() } else { RateSource::Mixed };
        let as_of = first.rate.as_of_unix_seconds().min(second.rate.as_of_unix_seconds());
        let rate = Rate::new(base, quote, mid, source, as_of)?;
        Ok(ResolvedRate { rate, path: RatePath::CrossViaPivot })
    }

    /// The mid rate alone, for callers that only convert.
    pub fn mid(&self, base: Currency, quote: Currency) -> Result<Decimal, FxError> {
        self.lookup(base, quote).map(|resolved| resolved.rate.mid())
    }

    fn direct_or_inverse(&self, base: Currency, quote: Currency) -> Result<Option<ResolvedRate>, FxError> {
        let direct = self.rates.get(&(base, quote));
        let opposite = self.rates.get(&(quote, base));
        match (direct, opposite) {
            (Some(direct), Some(opposite)) if opposite.as_of_unix_seconds() > direct.as_of_unix_seconds() => {
                Ok(Some(ResolvedRate { rate: opposite.inverse()?, path: RatePath::Inverse }))
            }
            (Some(direct), _) => Ok(Some(ResolvedRate { rate: *direct, path: RatePath::Direct })),
            (None, Some(opposite)) => Ok(Some(ResolvedRate { rate: opposite.inverse()?, path: RatePath::Inverse })),
            (None, None) => Ok(None),
        }
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

    fn rate(base: &str, quote: &str, mid: &str, source: RateSource, as_of: i64) -> Rate {
        Rate::new(currency(base), currency(quote), Decimal::from_str(mid).unwrap(), source, as_of).unwrap()
    }

    fn ecb_table() -> RateTable {
        let mut table = RateTable::new();
        table.insert(rate("EUR", "USD", "1.25", RateSource::Ecb, 100));
        table.insert(rate("EUR", "JPY", "160", RateSource::Ecb, 100));
        table.insert(rate("EUR", "GBP", "0.8", RateSource::Ecb, 90));
        table
    }

    #[test]
    fn direct_pairs_answer_first() {
        let resolved = ecb_table().lookup(currency("EUR"), currency("USD")).unwrap();
        assert_eq!(resolved.path, RatePath::Direct);
        assert_eq!(resolved.rate.mid(), Decimal::from_str("1.25").unwrap());
    }

    #[test]
    fn the_opposite_pair_is_inverted() {
        let resolved = ecb_table().lookup(currency("USD"), currency("EUR")).unwrap();
        assert_eq!(resolved.path, RatePath::Inverse);
        assert_eq!(resolved.rate.mid(), Decimal::from_str("0.8").unwrap());
        assert_eq!(resolved.rate.as_of_unix_seconds(), 100);
    }

    #[test]
    fn crosses_go_through_eur_and_take_the_older_time() {
        let table = ecb_table();
        let usd_jpy = table.lookup(currency("USD"), currency("JPY")).unwrap();
        assert_eq!(usd_jpy.path, RatePath::CrossViaPivot);
        // 1 USD = 0.8 EUR = 128 JPY.
        assert_eq!(usd_jpy.rate.mid(), Decimal::from_str("128").unwrap());
        assert_eq!(usd_jpy.rate.source(), RateSource::Ecb);
        let gbp_usd = table.lookup(currency("GBP"), currency("USD")).unwrap();
        // 1 GBP = 1.25 EUR = 1.5625 USD; the GBP leg is from time 90.
        assert_eq!(gbp_usd.rate.mid(), Decimal::from_str("1.5625").unwrap());
        assert_eq!(gbp_usd.rate.as_of_unix_seconds(), 90);
    }

    #[test]
    fn a_cross_of_different_sources_is_mixed() {
        let mut table = ecb_table();
        table.insert(rate("SGD", "EUR", "0.7", RateSource::Manual, 120));
        let resolved = table.lookup(currency("SGD"), currency("USD")).unwrap();
        assert_eq!(resolved.rate.source(), RateSource::Mixed);
        assert_eq!(resolved.rate.mid(), Decimal::from_str("0.875").unwrap());
    }

    #[test]
    fn older_rates_do_not_replace_newer_ones() {
        let mut table = ecb_table();
        assert!(!table.insert(rate("EUR", "USD", "9", RateSource::Manual, 99)));
        assert_eq!(table.mid(currency("EUR"), currency("USD")), Ok(Decimal::from_str("1.25").unwrap()));
        // The same instant is a correction and replaces.
        assert!(table.insert(rate("EUR", "USD", "1.26", RateSource::Manual, 100)));
        assert_eq!(table.mid(currency("EUR"), currency("USD")), Ok(Decimal::from_str("1.26").unwrap()));
        assert_eq!(table.len(), 3);
    }

    #[test]
    fn a_newer_opposite_pair_wins_over_a_stale_direct_one() {
        let mut table = ecb_table();
        table.insert(rate("USD", "EUR", "0.5", RateSource::Manual, 500));
        let resolved = table.lookup(currency("EUR"), currency("USD")).unwrap();
        assert_eq!((resolved.path, resolved.rate.mid()), (RatePath::Inverse, Decimal::from(2)));
    }

    #[test]
    fn missing_pairs_and_identity_are_errors() {
        let table = ecb_table();
        let (usd, brl, eur) = (currency("USD"), currency("BRL"), currency("EUR"));
        assert_eq!(table.lookup(usd, brl), Err(FxError::NoRate { base: usd, quote: brl }));
        assert_eq!(table.lookup(eur, brl), Err(FxError::NoRate { base: eur, quote: brl }));
        assert_eq!(table.lookup(usd, usd), Err(FxError::SameCurrency(usd)));
        assert!(RateTable::new().is_empty());
    }
}
