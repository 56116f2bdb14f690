//! Converting money between currencies at a decimal rate, exactly, with one rounding.
//!
//! The rule: the exact value `amount × rate`, expressed in the target currency's minor
//! unit, is rounded **half to even** (banker's rounding) once, at the end. Half to even
//! is used because conversions are booked in bulk (payouts, settlement batches), and
//! rounding ties always upwards would bias the FX position in one direction.
//!
//! "Exact" means no intermediate rounding at all: a rate is `mantissa / 10^scale` with a
//! mantissa below 2^96, an amount is below 2^63, and the product is carried in 256 bits
//! before a single division by a power of ten. Nothing is ever a float.

use super::FxError;
use rust_decimal::Decimal;
use tradewind_money::{Currency, Money};

/// The widest power of ten the division can meet: a decimal scale of 28 plus a source
/// exponent of 4 (CLF). `10^32 < 2^107`, so the divisor and twice any remainder fit in
/// a `u128`.
const MAX_DIVISOR_POWER: u32 = 28 + 4;
/// Bits in the intermediate product; the long division visits each once.
const WIDE_BITS: u32 = 256;

/// Converts `amount` into `to` at `rate` (units of `to` per unit of the amount's
/// currency), across minor-unit exponents: 1.00 USD (100 minor) at 150 JPY/USD is
/// 150 JPY (150 minor); 1 JPY at 0.0065 KWD/JPY is 0.006 KWD (6 minor, 6.5 rounded to
/// even).
///
/// Errors: a zero or negative rate, and a result outside `i64` minor units.
pub fn convert(amount: Money, to: Currency, rate: Decimal) -> Result<Money, FxError> {
    if rate <= Decimal::ZERO {
        return Err(FxError::RateNotPositive(rate));
    }
    // minor_to = minor_from × mantissa × 10^to_exponent / 10^(scale + from_exponent).
    let numerator_power = u32::from(to.exponent());
    let denominator_power = rate.scale() + u32::from(amount.currency().exponent());
    let common_power = numerator_power.min(denominator_power);
    let numerator_power = numerator_power - common_power;
    let denominator_power = denominator_power - common_power;
    if denominator_power > MAX_DIVISOR_POWER {
        // Unreachable with real exponents (at most 4) and Decimal's scale (at most 28).
        return Err(FxError::RateOverflow);
    }

    // |minor| < 2^64 and 10^numerator_power ≤ 10^4, so the scaled amount fits in a u128.
    let scaled_amount = u128::from(amount.minor().unsigned_abs()) * 10u128.pow(numerator_power);
    let mantissa = rate.mantissa().unsigned_abs();
    let product = Wide::product(scaled_amount, mantissa);
    let divisor = 10u128.pow(denominator_power);
    let (quotient, remainder) = product.div_rem(divisor);

    let mut magnitude = quotient.to_u128().ok_or(FxError::Overflow)?;
    // Round half to even: up when past the half, or exactly at it with an odd quotient.
    let twice_remainder = remainder * 2;
    if twice_remainder > divisor || (twice_remainder == divisor && magnitude % 2 == 1) {
        magnitude = magnitude.checked_add(1).ok_or(FxError::Overflow)?;
    }
    let minor = if amount.minor() < 0 {
        0i128.checked_sub_unsigned(magnitude).and_then(|value| i64::try_from(value).ok())
    } else {
        i64::try_from(magnitude).ok()
    };
    minor.map(|minor| Money::new(minor, to)).ok_or(FxError::Overflow)
}

/// An unsigned 256-bit integer, only as wide as this conversion needs: a product of two
/// `u128` values and its division by a `u128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Wide {
    high: u128,
    low: u128,
}

impl Wide {
    /// The full product of two `u128` values, schoolbook on 64-bit halves.
    fn product(left: u128, right: u128) -> Wide {
        let half = |value: u128| (value & u128::from(u64::MAX), value >> 64);
        let (left_low, left_high) = half(left);
        let (right_low, right_high) = half(right);
        let low_low = left_low * right_low;
        let low_high = left_low * right_high;
        let high_low = left_high * right_low;
        let high_high = left_high * right_high;
        // Each term is below 2^64, so the middle column (below 3 × 2^64) cannot overflow.
        let middle = (low_low >> 64) + (low_high & u128::from(u64::MAX)) + (high_low & u128::from(u64::MAX));
        let low = (low_low & u128::from(u64::MAX)) | (middle << 64);
        let high = high_high + (low_high >> 64) + (high_low >> 64) + (middle >> 64);
        Wide { high, low }
    }

    fn bit(&self, index: u32) -> u128 {
        if index >= 128 { (self.high >> (index - 128)) & 1 } else { (self.low >> index) & 1 }
    }

    fn set_bit(&mut self, index: u32) {
        if index >= 128 {
            self.high |= 1 << (index - 128);
        } else {
            self.low |= 1 << index;
        }
    }

    /// Quotient and remainder by `divisor`, by binary long division: one step per bit,
    /// so exactly [`WIDE_BITS`] steps. The divisor must be below 2^127 so that the
    /// shifted remainder cannot overflow; every caller divides by at most 10^32.
    fn div_rem(&self, divisor: u128) -> (Wide, u128) {
        debug_assert!(divisor > 0 && divisor < (1 << 127));
        let mut quotient = Wide { high: 0, low: 0 };
        let mut remainder = 0u128;
        for index in (0..WIDE_BITS).rev() {
            remainder = (remainder << 1) | self.bit(index);
            if remainder >= divisor {
                remainder -= divisor;
                quotient.set_bit(index);
            }
        }
        (quotient, remainder)
    }

    fn to_u128(self) -> Option<u128> {
        if self.high == 0 { Some(self.low) } else { None }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::RoundingStrategy;
    use std::str::FromStr;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn decimal(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn convert_minor(minor: i64, from: &str, to: &str, rate: &str) -> Result<i64, FxError> {
        convert(Money::new(minor, currency(from)), currency(to), decimal(rate)).map(|money| money.minor())
    }

    #[test]
    fn two_to_two_decimals() {
        // 100.00 EUR at 1.0412 = 104.12 USD.
        assert_eq!(convert_minor(10_000, "EUR", "USD", "1.0412"), Ok(10_412));
        // 0.01 EUR at 1.0412 = 0.010412 → 0.01.
        assert_eq!(convert_minor(1, "EUR", "USD", "1.0412"), Ok(1));
        // 12.34 USD at 0.5 = 6.17 exactly.
        assert_eq!(convert_minor(1_234, "USD", "EUR", "0.5"), Ok(617));
    }

    #[test]
    fn ties_round_to_even_on_both_signs() {
        // 0.05 USD at 0.5 = 0.025 → 0.02 (even); 0.07 at 0.5 = 0.035 → 0.04 (even).
        assert_eq!(convert_minor(5, "USD", "EUR", "0.5"), Ok(2));
        assert_eq!(convert_minor(7, "USD", "EUR", "0.5"), Ok(4));
        assert_eq!(convert_minor(-5, "USD", "EUR", "0.5"), Ok(-2));
        assert_eq!(convert_minor(-7, "USD", "EUR", "0.5"), Ok(-4));
        // Just past the half rounds up whatever the parity.
        assert_eq!(convert_minor(5, "USD", "EUR", "0.5000001"), Ok(3));
        assert_eq!(convert_minor(-5, "USD", "EUR", "0.5000001"), Ok(-3));
    }

    #[test]
    fn two_to_zero_decimals_and_back() {
        // 10.00 USD at 151.235 JPY/USD = 1512.35 JPY → 1512.
        assert_eq!(convert_minor(1_000, "USD", "JPY", "151.235"), Ok(1_512));
        // 0.01 USD at 150 = 1.5 JPY → 2 (even); 0.03 USD = 4.5 → 4 (even).
        assert_eq!(convert_minor(1, "USD", "JPY", "150"), Ok(2));
        assert_eq!(convert_minor(3, "USD", "JPY", "150"), Ok(4));
        // 1512 JPY at 0.0066 USD/JPY = 9.9792 USD → 9.98.
        assert_eq!(convert_minor(1_512, "JPY", "USD", "0.0066"), Ok(998));
        // 1 JPY at 0.00665 = 0.00665 USD → 0.01.
        assert_eq!(convert_minor(1, "JPY", "USD", "0.00665"), Ok(1));
    }

    #[test]
    fn three_decimals_both_directions() {
        // 100.00 USD at 0.3075 KWD/USD = 30.750 KWD (30750 fils).
        assert_eq!(convert_minor(10_000, "USD", "KWD", "0.3075"), Ok(30_750));
        // 1.234 KWD at 3.2520 USD/KWD = 4.0129680 → 4.01.
        assert_eq!(convert_minor(1_234, "KWD", "USD", "3.2520"), Ok(401));
        // 1 JPY at 0.0065 KWD/JPY = 0.0065 KWD = 6.5 fils → 6 (even).
        assert_eq!(convert_minor(1, "JPY", "KWD", "0.0065"), Ok(6));
        // 0.001 KWD at 487.5 JPY/KWD = 0.4875 JPY → 0.
        assert_eq!(convert_minor(1, "KWD", "JPY", "487.5"), Ok(0));
        // 1.000 KWD at 487.5 = 487.5 → 488 (even).
        assert_eq!(convert_minor(1_000, "KWD", "JPY", "487.5"), Ok(488));
    }

    #[test]
    fn four_decimals() {
        // 1.0000 CLF at 39123.45 CLP/CLF = 39123.45 CLP → 39123.
        assert_eq!(convert_minor(10_000, "CLF", "CLP", "39123.45"), Ok(39_123));
        // 100000 CLP at 0.0000255601 CLF/CLP = 2.55601 CLF → 2.5560.
        assert_eq!(convert_minor(100_000, "CLP", "CLF", "0.0000255601"), Ok(25_560));
    }

    #[test]
    fn overflow_near_the_limit_is_an_error() {
        assert_eq!(convert_minor(i64::MAX, "USD", "EUR", "1.0000001"), Err(FxError::Overflow));
        // USD → JPY at 500 multiplies minor units by 5.
        assert_eq!(convert_minor(i64::MAX / 2, "USD", "JPY", "500"), Err(FxError::Overflow));
        // At 200 it multiplies by 2: one unit below the limit still fits.
        assert_eq!(convert_minor(i64::MAX / 2, "USD", "JPY", "200"), Ok(i64::MAX - 1));
        assert_eq!(convert_minor(i64::MIN, "USD", "EUR", "1.5"), Err(FxError::Overflow));
        // The largest values still convert when the result fits.
        assert_eq!(convert_minor(i64::MAX, "USD", "EUR", "1"), Ok(i64::MAX));
        assert_eq!(convert_minor(i64::MIN, "USD", "EUR", "1"), Ok(i64::MIN));
        assert_eq!(convert_minor(i64::MAX, "JPY", "USD", "0.01"), Ok(i64::MAX));
        // A huge rate with a 96-bit mantissa is carried exactly, not rejected early.
        assert_eq!(convert_minor(1, "USD", "EUR", "79228162514264337593543950335"), Err(FxError::Overflow));
        assert_eq!(convert_minor(0, "USD", "EUR", "79228162514264337593543950335"), Ok(0));
    }

    #[test]
    fn zero_and_negative_rates_are_errors() {
        assert_eq!(convert_minor(100, "USD", "EUR", "0"), Err(FxError::RateNotPositive(Decimal::ZERO)));
        assert_eq!(convert_minor(100, "USD", "EUR", "-1.1"), Err(FxError::RateNotPositive(decimal("-1.1"))));
    }

    #[test]
    fn the_smallest_rate_still_rounds_exactly() {
        // 10^-28 with a 4-decimal source: the divisor is 10^32, the widest allowed.
        assert_eq!(convert_minor(i64::MAX, "CLF", "CLF", "0.0000000000000000000000000001"), Ok(0));
        assert_eq!(convert_minor(1, "CLF", "USD", "0.0000000000000000000000000001"), Ok(0));
    }

    #[test]
    fn wide_product_and_division_agree_with_u128_when_small() {
        let product = Wide::product(u128::from(u64::MAX), u128::from(u64::MAX));
        assert_eq!(product.to_u128(), Some(u128::from(u64::MAX) * u128::from(u64::MAX)));
        let big = Wide::product(u128::MAX, u128::MAX);
        assert_eq!(big, Wide { high: u128::MAX - 1, low: 1 });
        let (quotient, remainder) = Wide::product(1 << 100, 1_000).div_rem(1_000);
        assert_eq!((quotient.to_u128(), remainder), (Some(1 << 100), 0));
    }

    /// An independent oracle: for values small enough that `Decimal` multiplies them
    /// exactly, its own half-to-even rounding must agree with ours.
    fn oracle(minor: i64, from: Currency, to: Currency, rate: Decimal) -> Option<i64> {
        let shift = i32::from(to.exponent()) - i32::from(from.exponent());
        let scale = Decimal::from(10i64.pow(shift.unsigned_abs()));
        let value = Decimal::from(minor).checked_mul(rate)?;
        let value = if shift >= 0 { value.checked_mul(scale)? } else { value.checked_div(scale)? };
        let rounded = value.round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven);
        i64::try_from(rounded).ok()
    }

    fn exponent_currency() -> impl Strategy<Value = Currency> {
        prop_oneof![Just("JPY"), Just("USD"), Just("KWD"), Just("CLF")].prop_map(currency)
    }

    proptest! {
        #[test]
        fn matches_decimal_rounding_where_decimal_is_exact(
            minor in -1_000_000_000_000i64..1_000_000_000_000,
            mantissa in 1i64..10_000_000,
            scale in 0u32..9,
            from in exponent_currency(),
            to in exponent_currency(),
        ) {
            let rate = Decimal::new(mantissa, scale);
            let ours = convert(Money::new(minor, from), to, rate).map(|money| money.minor()).ok();
            prop_assert_eq!(ours, oracle(minor, from, to, rate));
        }

        #[test]
        fn round_trip_stays_within_the_rounding_bounds(
            minor in -1_000_000_000i64..1_000_000_000,
            mantissa in 1_000i64..100_000_000,
            from in exponent_currency(),
            to in exponent_currency(),
        ) {
            // The rate is mantissa / 10^4, between 0.1 and 10000.
            let rate = Decimal::new(mantissa, 4);
            let inverse = Decimal::ONE.checked_div(rate).unwrap();
            let there = convert(Money::new(minor, from), to, rate).unwrap();
            let back = convert(there, from, inverse).unwrap();
            // The first rounding loses at most half a target minor unit, which is worth
            // 0.5 × 10^(from − to) / rate source units; the second loses at most half a
            // source unit; the 28-digit inverse adds less than one more.
            let shift = i32::from(from.exponent()) - i32::from(to.exponent());
            let power = Decimal::from(10i64.pow(shift.unsigned_abs()));
            let source_units_per_target_unit = if shift >= 0 { power } else { Decimal::ONE / power };
            let carried = Decimal::new(5, 1) * source_units_per_target_unit / rate;
            let bound = carried.ceil() + Decimal::from(2);
            let error = Decimal::from((back.minor() - minor).abs());
            prop_assert!(error <= bound, "error {} bound {}", error, bound);
        }

        #[test]
        fn sign_is_symmetric(minor in 0i64..=i64::MAX, mantissa in 1i64..1_000_000_000, scale in 0u32..28) {
            let rate = Decimal::new(mantissa, scale);
            let positive = convert(Money::new(minor, currency("USD")), currency("JPY"), rate);
            let negative = convert(Money::new(-minor, currency("USD")), currency("JPY"), rate);
            match (positive, negative) {
                (Ok(positive), Ok(negative)) => prop_assert_eq!(positive.minor(), -negative.minor()),
                (Err(positive), Err(negative)) => prop_assert_eq!(positive, negative),
                (positive, negative) => prop_assert!(false, "{:?} vs {:?}", positive, negative),
            }
        }
    }
}
