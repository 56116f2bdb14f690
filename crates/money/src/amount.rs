//! `Money`: an integer count of minor units in one currency, with checked arithmetic.

use crate::Currency;

/// An amount in the smallest unit of its currency (cents for USD, yen for JPY, fils
/// for KWD). Every operation is checked: overflow and currency mismatch are errors,
/// never wrap-around or silent conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MoneyError {
    #[error("cannot combine {left} with {right}")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("the amount overflows 64-bit minor units")]
    Overflow,
    #[error("the amount must be positive")]
    NotPositive,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    /// An amount that must be strictly positive, as every charge and refund is.
    pub fn positive(minor: i64, currency: Currency) -> Result<Self, MoneyError> {
        if minor <= 0 {
            return Err(MoneyError::NotPositive);
        }
        Ok(Money { minor, currency })
    }

    pub fn zero(currency: Currency) -> Self {
        Money { minor: 0, currency }
    }

    pub fn minor(&self) -> i64 {
        self.minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }

    fn same_currency(&self, other: Money) -> Result<(), MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch { left: self.currency, right: other.currency });
        }
        Ok(())
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_add(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, currency: self.currency })
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_sub(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, currency: self.currency })
    }

    /// Multiplies by a whole number (a quantity of line items, say).
    pub fn checked_mul(self, factor: i64) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(factor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, currency: self.currency })
    }

    /// A share in basis points (1/100 of a percent), rounded half away from zero;
    /// computed in 128 bits so it cannot overflow midway.
    pub fn checked_basis_points(self, basis_points: i64) -> Result<Money, MoneyError> {
        let product = i128::from(self.minor) * i128::from(basis_points);
        let quotient = product / 10_000;
        let remainder = product % 10_000;
        let rounded = if remainder.abs() * 2 >= 10_000 { quotient + product.signum() } else { quotient };
        let minor = i64::try_from(rounded).map_err(|_| MoneyError::Overflow)?;
        Ok(Money { minor, currency: self.currency })
    }

    /// Compares two amounts of the same currency.
    pub fn checked_cmp(self, other: Money) -> Result<std::cmp::Ordering, MoneyError> {
        self.same_currency(other)?;
        Ok(self.minor.cmp(&other.minor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn mismatched_currencies_do_not_add() {
        let eur = Currency::parse("EUR").unwrap_or_else(|_| unreachable!());
        let result = Money::new(1, usd()).checked_add(Money::new(1, eur));
        assert!(matches!(result, Err(MoneyError::CurrencyMismatch { .. })));
    }

    #[test]
    fn positive_rejects_zero_and_negative() {
        assert_eq!(Money::positive(0, usd()), Err(MoneyError::NotPositive));
        assert_eq!(Money::positive(-5, usd()), Err(MoneyError::NotPositive));
        assert!(Money::positive(1, usd()).is_ok());
    }

    #[test]
    fn basis_points_round_half_away_from_zero() {
        // 2.9% of 1005 cents = 29.145 → 29.
        assert_eq!(Money::new(1005, usd()).checked_basis_points(290).map(|m| m.minor()), Ok(29));
        // 50% of 3 = 1.5 → 2.
        assert_eq!(Money::new(3, usd()).checked_basis_points(5_000).map(|m| m.minor()), Ok(2));
        assert_eq!(Money::new(-3, usd()).checked_basis_points(5_000).map(|m| m.minor()), Ok(-2));
    }

    proptest! {
        #[test]
        fn add_never_wraps(a in any::<i64>(), b in any::<i64>()) {
            let result = Money::new(a, usd()).checked_add(Money::new(b, usd()));
            match a.checked_add(b) {
                Some(sum) => prop_assert_eq!(result.map(|m| m.minor()), Ok(sum)),
                None => prop_assert_eq!(result, Err(MoneyError::Overflow)),
            }
        }

        #[test]
        fn sub_then_add_round_trips(a in -1_000_000_000_000i64..1_000_000_000_000, b in -1_000_000_000_000i64..1_000_000_000_000) {
            let difference = Money::new(a, usd()).checked_sub(Money::new(b, usd()));
            prop_assert_eq!(difference.and_then(|d| d.checked_add(Money::new(b, usd()))).map(|m| m.minor()), Ok(a));
        }

        #[test]
        fn near_max_is_checked(a in (i64::MAX - 1000)..=i64::MAX, factor in 2i64..1000) {
            prop_assert_eq!(Money::new(a, usd()).checked_mul(factor), Err(MoneyError::Overflow));
        }
    }
}
