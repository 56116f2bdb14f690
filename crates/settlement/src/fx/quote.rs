//! Quote math: the platform's markup on a mid rate, a quote locked for a window of
//! time, and what a locked quote leaves in the platform's FX position when the market
//! has moved by the time the conversion is booked.

use super::{FxError, convert};
use rust_decimal::Decimal;
use tradewind_money::{Currency, Money};

/// How long a quoted rate stays valid when the caller does not choose: 15 minutes,
/// long enough for a buyer to finish checkout, short enough that the market rarely
/// moves far.
pub const DEFAULT_QUOTE_WINDOW_SECONDS: i64 = 15 * 60;
/// The longest window a quote may be locked for: one day.
pub const MAX_QUOTE_WINDOW_SECONDS: i64 = 24 * 60 * 60;
/// The largest markup accepted: 20%. Anything larger is a typo in a pricing setting,
/// not a price.
pub const MAX_MARKUP_BASIS_POINTS: i64 = 2_000;
const BASIS_POINTS_PER_UNIT: i64 = 10_000;

/// Which side of the market a quoted rate is for, in the usual FX sense, from the
/// platform's point of view on a rate "quote per base".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The platform buys `base` from the customer (the customer converts base → quote)
    /// and so gives fewer quote units: `mid × (1 − markup)`.
    Bid,
    /// The platform sells `base` to the customer (the customer pays in quote) and so
    /// asks more quote units: `mid × (1 + markup)`.
    Ask,
}

/// The mid rate moved against the customer by `markup_basis_points` (1 bp = 0.01%).
/// The result keeps `Decimal`'s 28 significant digits; it is a rate, so the single
/// rounding happens later, when money is converted with it.
pub fn apply_markup(mid: Decimal, markup_basis_points: i64, side: Side) -> Result<Decimal, FxError> {
    if mid <= Decimal::ZERO {
        return Err(FxError::RateNotPositive(mid));
    }
    if !(0..=MAX_MARKUP_BASIS_POINTS).contains(&markup_basis_points) {
        return Err(FxError::MarkupOutOfRange(markup_basis_points));
    }
    let markup = Decimal::new(markup_basis_points, 0) / Decimal::new(BASIS_POINTS_PER_UNIT, 0);
    let factor = match side {
        Side::Bid => Decimal::ONE - markup,
        Side::Ask => Decimal::ONE + markup,
    };
    mid.checked_mul(factor).ok_or(FxError::RateOverflow)
}

/// A rate promised to a customer from `locked_at` until `expires_at` (Unix seconds).
/// The quote is valid for `locked_at <= now < expires_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuoteTerms {
    base: Currency,
    quote: Currency,
    rate: Decimal,
    locked_at_unix_seconds: i64,
    expires_at_unix_seconds: i64,
}

impl QuoteTerms {
    /// Locks `rate` for [`DEFAULT_QUOTE_WINDOW_SECONDS`].
    pub fn lock(base: Currency, quote: Currency, rate: Decimal, locked_at_unix_seconds: i64) -> Result<Self, FxError> {
        QuoteTerms::lock_for(base, quote, rate, locked_at_unix_seconds, DEFAULT_QUOTE_WINDOW_SECONDS)
    }

    pub fn lock_for(
        base: Currency,
        quote: Currency,
        rate: Decimal,
        locked_at_unix_seconds: i64,
        window_seconds: i64,
    ) -> Result<Self, FxError> {
        if base == quote {
            return Err(FxError::SameCurrency(base));
        }
        if rate <= Decimal::ZERO {
            return Err(FxError::RateNotPositive(rate));
        }
        if !(1..=MAX_QUOTE_WINDOW_SECONDS).contains(&window_seconds) {
            return Err(FxError::WindowOutOfRange(window_seconds));
        }
        let expires_at_unix_seconds = locked_at_unix_seconds.checked_add(window_seconds).ok_or(FxError::Overflow)?;
        Ok(QuoteTerms { base, quote, rate, locked_at_unix_seconds, expires_at_unix_seconds })
    }

    pub fn base(&self) -> Currency {
        self.base
    }

    pub fn quote(&self) -> Currency {
        self.quote
    }

    pub fn rate(&self) -> Decimal {
        self.rate
    }

    pub fn locked_at_unix_seconds(&self) -> i64 {
        self.locked_at_unix_seconds
    }

    pub fn expires_at_unix_seconds(&self) -> i64 {
        self.expires_at_unix_seconds
    }

    /// Expired from `expires_at` on: the last valid second is `expires_at − 1`.
    pub fn is_expired(&self, now_unix_seconds: i64) -> bool {
        now_unix_seconds >= self.expires_at_unix_seconds
    }

    /// Converts an amount in `base` at the locked rate, whether or not the quote has
    /// expired: honouring an expired quote is the caller's decision, not arithmetic's.
    pub fn convert(&self, amount: Money) -> Result<Money, FxError> {
        if amount.currency() != self.base {
            return Err(FxError::CurrencyMismatch { expected: self.base, actual: amount.currency() });
        }
        convert(amount, self.quote, self.rate)
    }
}

/// The same amount converted at the rate promised to the customer and at the latest
/// rate, and the difference, all in the target currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConversionDifference {
    /// What the counterparty is credited: the amount at the quoted rate.
    pub at_quoted_rate: Money,
    /// What the platform's own conversion yields at the latest rate.
    pub at_latest_rate: Money,
    /// `at_latest_rate − at_quoted_rate`: what to book to the FX position account.
    /// Positive is a gain the platform keeps; negative is a loss it covers.
    pub difference: Money,
}

/// What a locked quote leaves in the FX position: the customer's `amount` is converted
/// to `to` at `quoted_rate`, while the platform converts at `latest_rate`. Both sides
/// use the rounding of [`convert`], so the difference is exactly what the two bookings
/// differ by.
pub fn conversion_difference(
    amount: Money,
    to: Currency,
    quoted_rate: Decimal,
    latest_rate: Decimal,
) -> Result<ConversionDifference, FxError> {
    let at_quoted_rate = convert(amount, to, quoted_rate)?;
    let at_latest_rate = convert(amount, to, latest_rate)?;
    let difference = at_latest_rate.checked_sub(at_quoted_rate)?;
    Ok(ConversionDifference { at_quoted_rate, at_latest_rate, difference })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn decimal(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn markup_moves_the_rate_against_the_customer() {
        assert_eq!(apply_markup(decimal("1.0412"), 100, Side::Bid), Ok(decimal("1.030788")));
        assert_eq!(apply_markup(decimal("1.0412"), 100, Side::Ask), Ok(decimal("1.051612")));
        assert_eq!(apply_markup(decimal("1.0412"), 0, Side::Bid), Ok(decimal("1.0412")));
    }

    #[test]
    fn markup_limits() {
        assert_eq!(apply_markup(decimal("1.1"), -1, Side::Bid), Err(FxError::MarkupOutOfRange(-1)));
        assert_eq!(
            apply_markup(decimal("1.1"), MAX_MARKUP_BASIS_POINTS + 1, Side::Ask),
            Err(FxError::MarkupOutOfRange(MAX_MARKUP_BASIS_POINTS + 1))
        );
        assert_eq!(apply_markup(Decimal::ZERO, 10, Side::Ask), Err(FxError::RateNotPositive(Decimal::ZERO)));
    }

    #[test]
    fn quotes_expire_at_the_end_of_their_window() {
        let terms = QuoteTerms::lock(currency("USD"), currency("EUR"), decimal("0.92"), 1_000).unwrap();
        assert_eq!(terms.expires_at_unix_seconds(), 1_000 + 900);
        assert!(!terms.is_expired(1_000));
        assert!(!terms.is_expired(1_899));
        assert!(terms.is_expired(1_900));
        assert_eq!(terms.convert(Money::new(10_000, currency("USD"))), Ok(Money::new(9_200, currency("EUR"))));
        assert!(matches!(terms.convert(Money::new(1, currency("EUR"))), Err(FxError::CurrencyMismatch { .. })));
    }

    #[test]
    fn quote_windows_are_bounded() {
        let (usd, eur) = (currency("USD"), currency("EUR"));
        assert_eq!(QuoteTerms::lock_for(usd, eur, decimal("0.9"), 0, 0), Err(FxError::WindowOutOfRange(0)));
        assert_eq!(
            QuoteTerms::lock_for(usd, eur, decimal("0.9"), 0, MAX_QUOTE_WINDOW_SECONDS + 1),
            Err(FxError::WindowOutOfRange(MAX_QUOTE_WINDOW_SECONDS + 1))
        );
        assert_eq!(QuoteTerms::lock_for(usd, eur, decimal("0.9"), i64::MAX, 60), Err(FxError::Overflow));
        assert_eq!(QuoteTerms::lock(usd, usd, decimal("1"), 0), Err(FxError::SameCurrency(usd)));
        assert_eq!(QuoteTerms::lock(usd, eur, decimal("0"), 0), Err(FxError::RateNotPositive(Decimal::ZERO)));
    }

    #[test]
    fn the_difference_is_what_the_platform_keeps() {
        // The customer was promised 0.9200; the market now gives 0.9250 on 1,000.00 USD.
        let difference = conversion_difference(
            Money::new(100_000, currency("USD")),
            currency("EUR"),
            decimal("0.92"),
            decimal("0.925"),
        )
        .unwrap();
        assert_eq!(difference.at_quoted_rate, Money::new(92_000, currency("EUR")));
        assert_eq!(difference.at_latest_rate, Money::new(92_500, currency("EUR")));
        assert_eq!(difference.difference, Money::new(500, currency("EUR")));
        // When the market moves the other way, the platform covers the loss.
        let loss =
            conversion_difference(Money::new(100, currency("USD")), currency("JPY"), decimal("150"), decimal("149"))
                .unwrap();
        assert_eq!(loss.difference, Money::new(-1, currency("JPY")));
    }

    proptest! {
        #[test]
        fn bid_never_exceeds_mid_and_ask_never_falls_below(
            mantissa in 1i64..1_000_000_000,
            scale in 0u32..10,
            markup in 0i64..=MAX_MARKUP_BASIS_POINTS,
        ) {
            let mid = Decimal::new(mantissa, scale);
            let bid = apply_markup(mid, markup, Side::Bid).unwrap();
            let ask = apply_markup(mid, markup, Side::Ask).unwrap();
            prop_assert!(bid <= mid && mid <= ask);
            prop_assert!(bid > Decimal::ZERO);
        }

        #[test]
        fn the_difference_adds_up(minor in 0i64..1_000_000_000_000, quoted in 1i64..10_000_000, latest in 1i64..10_000_000) {
            let (usd, jpy) = (currency("USD"), currency("JPY"));
            let difference = conversion_difference(Money::new(minor, usd), jpy, Decimal::new(quoted, 4), Decimal::new(latest, 4)).unwrap();
            prop_assert_eq!(difference.at_quoted_rate.checked_add(difference.difference), Ok(difference.at_latest_rate));
        }
    }
}
