//! Moving an integer amount between two minor-unit exponents, exactly: a provider
//! whose unit for a currency differs from ISO 4217's (Stripe counts ISK in hundredths,
//! PayPal takes HUF in whole forints) gets the same amount or an error, never a
//! rounded one.

/// `minor` units of 10^-`from` expressed in units of 10^-`to`; `None` when that would
/// drop a non-zero digit or overflow.
pub fn rescale(minor: i64, from_exponent: u8, to_exponent: u8) -> Option<i64> {
    if to_exponent >= from_exponent {
        let factor = 10i64.checked_pow(u32::from(to_exponent - from_exponent))?;
        return minor.checked_mul(factor);
    }
    let divisor = 10i64.checked_pow(u32::from(from_exponent - to_exponent))?;
    (minor % divisor == 0).then_some(minor / divisor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescales_exactly_or_not_at_all() {
        assert_eq!(rescale(500, 0, 2), Some(50_000));
        assert_eq!(rescale(50_000, 2, 0), Some(500));
        assert_eq!(rescale(50_001, 2, 0), None);
        assert_eq!(rescale(1_234, 2, 2), Some(1_234));
        assert_eq!(rescale(i64::MAX, 0, 2), None);
        assert_eq!(rescale(-300, 2, 0), Some(-3));
    }
}
