//! Minor units to decimal strings, for display at the edge (checkout pages, emails).

use crate::Money;

/// Formats `1234` USD as `"12.34"`, `1234` JPY as `"1234"`, `1234` KWD as `"1.234"`.
pub fn format_minor_units(money: Money) -> String {
    let exponent = u32::from(money.currency().exponent());
    if exponent == 0 {
        return money.minor().to_string();
    }
    let divisor = 10u64.pow(exponent);
    let magnitude = money.minor().unsigned_abs();
    let sign = if money.minor() < 0 { "-" } else { "" };
    format!("{sign}{}.{:0width$}", magnitude / divisor, magnitude % divisor, width = exponent as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;

    fn money(minor: i64, code: &str) -> Money {
        Money::new(minor, Currency::parse(code).unwrap_or_else(|_| unreachable!()))
    }

    #[test]
    fn formats_by_exponent() {
        assert_eq!(format_minor_units(money(1234, "USD")), "12.34");
        assert_eq!(format_minor_units(money(5, "USD")), "0.05");
        assert_eq!(format_minor_units(money(1234, "JPY")), "1234");
        assert_eq!(format_minor_units(money(1234, "KWD")), "1.234");
        assert_eq!(format_minor_units(money(-1234, "CLF")), "-0.1234");
        assert_eq!(format_minor_units(money(i64::MIN, "USD")), "-92233720368547758.08");
    }
}
