//! Amounts as a buyer reads them: the exact decimal from `format_minor_units`, with the
//! language's digit grouping and decimal mark and the currency's symbol. String work
//! only, never floats, so what is shown is exactly what is charged.

use super::Locale;
use tradewind_money::{Currency, Money, format_minor_units};

/// A no-break space, so a symbol never wraps away from its number.
const NO_BREAK_SPACE: char = '\u{a0}';

/// How one language writes numbers and where it puts the currency symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NumberStyle {
    pub group_separator: char,
    pub decimal_separator: char,
    /// `true` writes "12,00 €" (Spanish); otherwise the symbol comes first.
    pub symbol_after: bool,
}

impl NumberStyle {
    pub fn for_locale(locale: Locale) -> NumberStyle {
        match locale {
            Locale::En | Locale::Zh | Locale::Ar => {
                NumberStyle { group_separator: ',', decimal_separator: '.', symbol_after: false }
            }
            Locale::Es => NumberStyle { group_separator: '.', decimal_separator: ',', symbol_after: true },
            Locale::Pt | Locale::Id => {
                NumberStyle { group_separator: '.', decimal_separator: ',', symbol_after: false }
            }
        }
    }
}

/// The symbol buyers recognise, or `None` to show the ISO code. The dollar sign alone
/// is only American English; everyone else sees which dollar it is.
pub(crate) fn currency_symbol(currency: Currency, locale: Locale) -> Option<&'static str> {
    let symbol = match currency.code() {
        "USD" if locale == Locale::En => "$",
        "USD" => "US$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" => "¥",
        "CNY" => "CN¥",
        "BRL" => "R$",
        "SGD" => "S$",
        "MYR" => "RM",
        "IDR" => "Rp",
        "PHP" => "₱",
        "THB" => "฿",
        "VND" => "₫",
        "INR" => "₹",
        "KRW" => "₩",
        "AUD" => "A$",
        "CAD" => "CA$",
        "HKD" => "HK$",
        "MXN" => "MX$",
        _ => return None,
    };
    Some(symbol)
}

/// Groups the integer digits by thousands and swaps in the language's marks:
/// `"1234567.89"` → `"1.234.567,89"` in Portuguese.
pub(crate) fn localize_number(plain: &str, style: NumberStyle) -> String {
    let (sign, unsigned) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let mut grouped = String::with_capacity(plain.len() + whole.len() / 3 + 1);
    grouped.push_str(sign);
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(style.group_separator);
        }
        grouped.push(digit);
    }
    if let Some(fraction) = fraction {
        grouped.push(style.decimal_separator);
        grouped.push_str(fraction);
    }
    grouped
}

/// `1234` USD in English → `"$12.34"`; in Portuguese → `"US$ 12,34"`; `10000` AED in
/// Arabic → `"AED 100.00"`; `1500` EUR in Spanish → `"15,00 €"`.
pub(crate) fn display_amount(amount_minor: i64, currency: Currency, locale: Locale) -> String {
    let style = NumberStyle::for_locale(locale);
    let number = localize_number(&format_minor_units(Money::new(amount_minor, currency)), style);
    with_symbol(&number, currency, locale)
}

/// The same shape with `{number}` in place of the digits, so `checkout.js` can show
/// another amount of this currency (a bank transfer's remainder) without its own
/// symbol table.
pub(crate) fn amount_template(currency: Currency, locale: Locale) -> String {
    with_symbol("{number}", currency, locale)
}

fn with_symbol(number: &str, currency: Currency, locale: Locale) -> String {
    let style = NumberStyle::for_locale(locale);
    match currency_symbol(currency, locale) {
        Some(symbol) if style.symbol_after => format!("{number}{NO_BREAK_SPACE}{symbol}"),
        // English and Chinese set a one-character symbol tight against the number.
        Some(symbol) if matches!(locale, Locale::En | Locale::Zh) && symbol.chars().count() == 1 => {
            format!("{symbol}{number}")
        }
        Some(symbol) => format!("{symbol}{NO_BREAK_SPACE}{number}"),
        None if style.symbol_after => format!("{number}{NO_BREAK_SPACE}{}", currency.code()),
        None => format!("{}{NO_BREAK_SPACE}{number}", currency.code()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn amounts_follow_language_and_exponent() {
        assert_eq!(display_amount(1234, currency("USD"), Locale::En), "$12.34");
        assert_eq!(display_amount(123_456_789, currency("USD"), Locale::En), "$1,234,567.89");
        assert_eq!(display_amount(1234, currency("USD"), Locale::Pt), "US$\u{a0}12,34");
        assert_eq!(display_amount(123_456, currency("BRL"), Locale::Pt), "R$\u{a0}1.234,56");
        assert_eq!(display_amount(1500, currency("EUR"), Locale::Es), "15,00\u{a0}€");
        assert_eq!(display_amount(10_000, currency("AED"), Locale::Ar), "AED\u{a0}100.00");
        assert_eq!(display_amount(15_000_000, currency("IDR"), Locale::Id), "Rp\u{a0}150.000,00");
        assert_eq!(display_amount(1234, currency("JPY"), Locale::En), "¥1,234");
        assert_eq!(display_amount(1234, currency("KWD"), Locale::En), "KWD\u{a0}1.234");
        assert_eq!(display_amount(2500, currency("SGD"), Locale::Zh), "S$\u{a0}25.00");
    }

    #[test]
    fn templates_match_the_display() {
        assert_eq!(amount_template(currency("BRL"), Locale::Pt), "R$\u{a0}{number}");
        assert_eq!(amount_template(currency("EUR"), Locale::Es), "{number}\u{a0}€");
        assert_eq!(amount_template(currency("USD"), Locale::En), "${number}");
    }

    #[test]
    fn grouping_handles_signs_and_short_numbers() {
        let style = NumberStyle::for_locale(Locale::En);
        assert_eq!(localize_number("0.05", style), "0.05");
        assert_eq!(localize_number("999", style), "999");
        assert_eq!(localize_number("1000", style), "1,000");
        assert_eq!(localize_number("-92233720368547758.08", style), "-92,233,720,368,547,758.08");
    }
}
