//! Entities in a buyer's message: the order number (`#1001`, `order 1001`, `pedido 1001`,
//! `订单1001`, `pesanan 1001`, `طلب 1001`), an email address and amounts of money (`$25`,
//! `25 USD`, `R$ 50,00`, `Rp 150.000`, `200元`).

use crate::text::{Script, fold, words};
use tradewind_money::{Currency, Money};

/// Messages are scanned up to this many characters (the engine bounds messages too).
const SCAN_CHARS_MAX: usize = 2_000;
/// Words before a number searched for an order keyword (`order number: 1001`).
const ORDER_KEYWORD_WINDOW: usize = 3;
/// Digits a bare number needs to be taken for an order number without a keyword.
const BARE_ORDER_DIGITS_MIN: usize = 4;
const BARE_ORDER_DIGITS_MAX: usize = 12;

/// Words after which a number is an order number.
const ORDER_KEYWORDS: &[&str] = &[
    "order",
    "orders",
    "ordered",
    "pedido",
    "pedidos",
    "encomenda",
    "compra",
    "pesanan",
    "orderan",
    "invoice",
    "no",
    "nr",
    "nro",
    "num",
    "number",
    "numero",
    "nomor",
    "رقم",
    "الرقم",
];

/// Words after a number that make it a count of something, not an order number.
const UNIT_WORDS: &[&str] = &[
    "day", "days", "dia", "dias", "hari", "week", "weeks", "semanas", "minggu", "hours", "horas", "jam", "kg", "cm",
    "items", "itens", "pcs", "يوم", "ايام", "天", "周",
];

/// A mention of money in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountMention {
    /// As written (folded), e.g. `r$ 50,00`.
    pub text: String,
    /// The amount, when its currency was named and its digits fit the currency's exponent.
    pub money: Option<Money>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entities {
    pub order_number: Option<String>,
    pub email: Option<String>,
    pub amounts: Vec<AmountMention>,
}

/// A currency as buyers write it: symbols before the number, codes and words after.
const CURRENCY_BEFORE: &[(&str, &str)] = &[
    ("us$", "USD"),
    ("r$", "BRL"),
    ("s/", "PEN"),
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "CNY"),
    ("rp", "IDR"),
    ("usd", "USD"),
    ("eur", "EUR"),
    ("brl", "BRL"),
];
const CURRENCY_AFTER: &[(&str, &str)] = &[
    ("usd", "USD"),
    ("dollars", "USD"),
    ("dolares", "USD"),
    ("dolar", "USD"),
    ("eur", "EUR"),
    ("euros", "EUR"),
    ("brl", "BRL"),
    ("reais", "BRL"),
    ("mxn", "MXN"),
    ("pesos", "MXN"),
    ("idr", "IDR"),
    ("rupiah", "IDR"),
    ("cny", "CNY"),
    ("rmb", "CNY"),
    ("元", "CNY"),
    ("块", "CNY"),
    ("sar", "SAR"),
    ("ريال", "SAR"),
    ("aed", "AED"),
    ("درهم", "AED"),
    ("gbp", "GBP"),
];

struct NumberSpan {
    start: usize,
    end: usize,
}

pub fn extract(message: &str) -> Entities {
    let message = crate::text::truncate_chars(message, SCAN_CHARS_MAX);
    let (email, without_email) = take_email(message);
    let folded = fold(&without_email);
    let mut entities = Entities { email, ..Entities::default() };
    let mut bare_candidate = None;
    for span in number_spans(&folded) {
        let digits = &folded[span.start..span.end];
        let before = &folded[..span.start];
        let after = &folded[span.end..];
        if let Some(code) = currency_near(before, after) {
            entities.amounts.push(amount_mention(&folded, &span, code));
            continue;
        }
        if entities.order_number.is_some() {
            continue;
        }
        let prefix = attached_prefix(before);
        if before.trim_end().ends_with('#') || follows_order_keyword(before) {
            entities.order_number = Some(format!("{prefix}{digits}").to_ascii_uppercase());
            continue;
        }
        let plain_digits = digits.bytes().all(|byte| byte.is_ascii_digit());
        let length_fits = (BARE_ORDER_DIGITS_MIN..=BARE_ORDER_DIGITS_MAX).contains(&digits.len());
        if bare_candidate.is_none() && plain_digits && length_fits && !precedes_unit(after) {
            bare_candidate = Some(format!("{prefix}{digits}").to_ascii_uppercase());
        }
    }
    if entities.order_number.is_none() {
        entities.order_number = bare_candidate;
    }
    entities
}

/// The first email address and the message without it (its digits are no order number).
fn take_email(message: &str) -> (Option<String>, String) {
    for piece in message.split_whitespace() {
        let candidate = piece.trim_matches(|character: char| !(character.is_alphanumeric() || character == '@'));
        if let Some((local, domain)) = candidate.split_once('@')
            && !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
        {
            return (Some(candidate.to_lowercase()), message.replacen(candidate, " ", 1));
        }
    }
    (None, message.to_owned())
}

/// Runs of digits, with `.` or `,` between digits kept inside (`1.234,56`).
fn number_spans(folded: &str) -> Vec<NumberSpan> {
    let bytes = folded.as_bytes();
    let mut spans = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if !bytes[index].is_ascii_digit() {
            index += 1;
            continue;
        }
        let start = index;
        while index < bytes.len()
            && (bytes[index].is_ascii_digit()
                || (matches!(bytes[index], b'.' | b',') && bytes.get(index + 1).is_some_and(u8::is_ascii_digit)))
        {
            index += 1;
        }
        spans.push(NumberSpan { start, end: index });
    }
    spans
}

/// Letters joined to the number by a dash (`tw-1001`), kept as part of the order number.
fn attached_prefix(before: &str) -> String {
    let Some(stem) = before.strip_suffix('-') else { return String::new() };
    let letters: String = stem.chars().rev().take_while(|character| character.is_ascii_alphabetic()).collect();
    if letters.is_empty() || letters.len() > 4 {
        return String::new();
    }
    format!("{}-", letters.chars().rev().collect::<String>())
}

pub(crate) fn follows_order_keyword(before: &str) -> bool {
    let preceding = words(before);
    preceding.iter().rev().take(ORDER_KEYWORD_WINDOW).any(|word| match word.script {
        Script::Han => word.text.contains('单') || word.text.ends_with('号'),
        Script::Arabic => word.text.contains("طلب") || ORDER_KEYWORDS.contains(&word.text.as_str()),
        Script::Spaced => ORDER_KEYWORDS.contains(&word.text.as_str()),
    })
}

fn precedes_unit(after: &str) -> bool {
    let trimmed = after.trim_start();
    words(trimmed).first().is_some_and(|word| {
        UNIT_WORDS.contains(&word.text.as_str())
            || (word.script == Script::Han && UNIT_WORDS.iter().any(|unit| word.text.starts_with(unit)))
    }) || trimmed.starts_with('%')
}

/// The ISO code of a currency written right before or right after a number.
fn currency_near(before: &str, after: &str) -> Option<&'static str> {
    let before = before.trim_end();
    let found_before = CURRENCY_BEFORE.iter().find(|(symbol, _)| {
        before.ends_with(symbol)
            && before[..before.len() - symbol.len()]
                .chars()
                .next_back()
                .is_none_or(|character| !character.is_alphanumeric() || symbol.starts_with(['$', '€', '£', '¥']))
    });
    if let Some((_, code)) = found_before {
        return Some(code);
    }
    let after = after.trim_start();
    CURRENCY_AFTER
        .iter()
        .find(|(word, _)| {
            after.starts_with(word)
                && after[word.len()..]
                    .chars()
                    .next()
                    .is_none_or(|character| !character.is_alphanumeric() || word.len() == 3)
        })
        .map(|(_, code)| *code)
}

fn amount_mention(folded: &str, span: &NumberSpan, code: &str) -> AmountMention {
    let digits = &folded[span.start..span.end];
    let money = Currency::parse(code).ok().and_then(|currency| parse_minor(digits, currency));
    AmountMention { text: format!("{digits} {code}"), money }
}

/// `25`, `25.5`, `25.00`, `1,234.56`, `1.234,56`, `150.000` (Indonesian thousands) in the
/// currency's minor units. A last separator followed by exactly three digits is a
/// thousands separator; by one or two, the decimal point.
fn parse_minor(digits: &str, currency: Currency) -> Option<Money> {
    let exponent = u32::from(currency.exponent());
    let last_separator = digits.rfind(['.', ',']);
    let (whole, fraction) = match last_separator {
        Some(position) if (1..=2).contains(&(digits.len() - position - 1)) => {
            (&digits[..position], &digits[position + 1..])
        }
        _ => (digits, ""),
    };
    let whole: String = whole.chars().filter(char::is_ascii_digit).collect();
    if fraction.len() as u32 > exponent {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let mut fraction_minor: i64 = if fraction.is_empty() { 0 } else { fraction.parse().ok()? };
    for _ in fraction.len() as u32..exponent {
        fraction_minor = fraction_minor.checked_mul(10)?;
    }
    let minor = whole.checked_mul(10i64.checked_pow(exponent)?)?.checked_add(fraction_minor)?;
    Some(Money::new(minor, currency))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn order(message: &str) -> Option<String> {
        extract(message).order_number
    }

    #[test]
    fn order_numbers_in_six_languages() {
        assert_eq!(order("where is #1001?").as_deref(), Some("1001"));
        assert_eq!(order("Where is order 1001").as_deref(), Some("1001"));
        assert_eq!(order("order number: 1002 please").as_deref(), Some("1002"));
        assert_eq!(order("¿Dónde está mi pedido 1001?").as_deref(), Some("1001"));
        assert_eq!(order("我的订单1001到哪了").as_deref(), Some("1001"));
        assert_eq!(order("订单号是 1003").as_deref(), Some("1003"));
        assert_eq!(order("pesanan 1004 sudah dikirim?").as_deref(), Some("1004"));
        assert_eq!(order("أين طلبي رقم ١٠٠٥").as_deref(), Some("1005"));
        assert_eq!(order("cadê a encomenda nº 1006").as_deref(), Some("1006"));
        assert_eq!(order("status of TW-1001").as_deref(), Some("TW-1001"));
    }

    #[test]
    fn amounts_and_durations_are_not_order_numbers() {
        let entities = extract("I paid $25.50 for it and waited 10 days");
        assert_eq!(entities.order_number, None);
        assert_eq!(entities.amounts.len(), 1);
        assert_eq!(entities.amounts[0].money.map(|money| money.minor()), Some(2550));
        assert_eq!(order("it has been 2025 days"), None);
        let real = extract("paguei R$ 1.234,56 no pedido 1007");
        assert_eq!(real.order_number.as_deref(), Some("1007"));
        assert_eq!(real.amounts[0].money.map(|money| money.minor()), Some(123_456));
        let rupiah = extract("sudah bayar Rp 150.000");
        assert_eq!(rupiah.amounts[0].money.map(|money| money.minor()), Some(15_000_000));
        assert_eq!(extract("退款200元").amounts[0].text, "200 CNY");
    }

    #[test]
    fn emails_are_found_and_their_digits_ignored() {
        let entities = extract("my email is Ana.Souza1990@Example.com, order 1001");
        assert_eq!(entities.email.as_deref(), Some("ana.souza1990@example.com"));
        assert_eq!(entities.order_number.as_deref(), Some("1001"));
        assert_eq!(extract("write to me@nowhere").email, None);
    }

    #[test]
    fn bare_numbers_are_a_last_resort() {
        assert_eq!(order("1001").as_deref(), Some("1001"));
        assert_eq!(order("it's 12"), None);
    }
}
