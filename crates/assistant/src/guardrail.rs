//! The grounding check: every order number, amount, tracking number, date and status an
//! answer states must come from what the tools returned this turn. The chat-model path
//! discards an answer that fails it; the evaluation runs it over every answer.
//!
//! Numbers are read language-independently (Arabic-Indic and fullwidth digits folded);
//! dates by the month names of the six languages and `2026年11月3日`; statuses by the
//! fixed status words of the phrase books (one per status and language) plus a few
//! English synonyms a model uses. A number or status word that appears in a returned
//! knowledge article is supported by that article.

use crate::answers::all_phrases;
use crate::dates::{day_of, format_date, month_names};
use crate::facts::{OrderFacts, OrderStatus, PaymentStatus, RefundStatus, ShipmentStatus};
use crate::text::{Script, fold, words};
use crate::tools::ToolOutput;
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::HashSet;
use std::sync::LazyLock;
use tradewind_language::Language;
use tradewind_money::{Currency, Money};

/// Answers longer than this are unsupported as a whole (nothing the assistant says is
/// that long).
pub const ANSWER_CHARS_MAX: usize = 4_000;
/// Letters-and-digits words at least this long read as tracking numbers.
const TRACKING_CHARS_MIN: usize = 6;

/// A fact an answer states that no tool returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnsupportedFact {
    #[error("order number {0} was not returned by any tool")]
    OrderNumber(String),
    #[error("amount {0} was not returned by any tool")]
    Amount(String),
    #[error("tracking number {0} was not returned by any tool")]
    TrackingNumber(String),
    #[error("date {0} was not returned by any tool")]
    Date(String),
    #[error("status `{0}` is not the status of anything the tools returned")]
    Status(String),
    #[error("the number {0} was not returned by any tool")]
    Number(String),
    #[error("the answer is too long to check")]
    TooLong,
}

/// Which statuses the tools returned, as keys shared by every language's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum StatusKey {
    Order(OrderStatus),
    Payment(PaymentStatus),
    Refund(RefundStatus),
    Shipment(ShipmentStatus),
}

const ORDER_STATUSES: [OrderStatus; 7] = [
    OrderStatus::Pending,
    OrderStatus::Paid,
    OrderStatus::Processing,
    OrderStatus::Shipped,
    OrderStatus::Delivered,
    OrderStatus::Canceled,
    OrderStatus::Refunded,
];
const PAYMENT_STATUSES: [PaymentStatus; 6] = [
    PaymentStatus::RequiresPaymentMethod,
    PaymentStatus::RequiresAction,
    PaymentStatus::Processing,
    PaymentStatus::Succeeded,
    PaymentStatus::Canceled,
    PaymentStatus::Failed,
];
const REFUND_STATUSES: [RefundStatus; 4] =
    [RefundStatus::Pending, RefundStatus::Succeeded, RefundStatus::Failed, RefundStatus::Canceled];
const SHIPMENT_STATUSES: [ShipmentStatus; 5] = [
    ShipmentStatus::LabelCreated,
    ShipmentStatus::InTransit,
    ShipmentStatus::OutForDelivery,
    ShipmentStatus::Delivered,
    ShipmentStatus::Exception,
];

/// English words a chat model uses for statuses besides the phrase book's.
const ENGLISH_SYNONYMS: &[(&str, StatusKey)] = &[
    ("dispatched", StatusKey::Order(OrderStatus::Shipped)),
    ("has shipped", StatusKey::Order(OrderStatus::Shipped)),
    ("on its way", StatusKey::Shipment(ShipmentStatus::InTransit)),
    ("arrived", StatusKey::Order(OrderStatus::Delivered)),
    ("succeeded", StatusKey::Payment(PaymentStatus::Succeeded)),
    ("went through", StatusKey::Payment(PaymentStatus::Succeeded)),
    ("declined", StatusKey::Payment(PaymentStatus::Failed)),
    ("cancelled", StatusKey::Order(OrderStatus::Canceled)),
    ("refund has been processed", StatusKey::Refund(RefundStatus::Succeeded)),
];

struct StatusWords {
    automaton: AhoCorasick,
    /// Per pattern: its folded word and the statuses it names.
    entries: Vec<(String, Vec<StatusKey>)>,
}

fn status_words() -> Option<StatusWords> {
    let mut entries: Vec<(String, Vec<StatusKey>)> = Vec::new();
    let mut add = |word: &str, key: StatusKey| {
        let folded = words(&fold(word)).into_iter().map(|word| word.text).collect::<Vec<_>>().join(" ");
        match entries.iter_mut().find(|(existing, _)| *existing == folded) {
            Some((_, keys)) => keys.push(key),
            None => entries.push((folded, vec![key])),
        }
    };
    for phrases in all_phrases() {
        for status in ORDER_STATUSES {
            add(phrases.order_status(status), StatusKey::Order(status));
        }
        for status in PAYMENT_STATUSES {
            add(phrases.payment_status(status), StatusKey::Payment(status));
        }
        for status in REFUND_STATUSES {
            add(phrases.refund_status(status), StatusKey::Refund(status));
        }
        for status in SHIPMENT_STATUSES {
            add(phrases.shipment_status(status), StatusKey::Shipment(status));
        }
    }
    for (word, key) in ENGLISH_SYNONYMS {
        add(word, *key);
    }
    let patterns: Vec<String> = entries
        .iter()
        .map(|(word, _)| if word.chars().any(crate::text::is_han) { word.clone() } else { format!(" {word} ") })
        .collect();
    let automaton = AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(&patterns).ok()?;
    Some(StatusWords { automaton, entries })
}

static STATUS_WORDS: LazyLock<Option<StatusWords>> = LazyLock::new(status_words);
static MONTHS: LazyLock<Vec<(String, u8)>> = LazyLock::new(month_names);

/// What the tools returned, in checkable form.
#[derive(Default)]
struct Grounding {
    amounts: HashSet<(Currency, i64)>,
    /// Number strings, exact and with separators removed.
    numbers: HashSet<String>,
    /// Folded letters-and-digits words.
    codes: HashSet<String>,
    /// (month, day) pairs and full days.
    days: HashSet<(u8, u8)>,
    statuses: HashSet<StatusKey>,
    order_numbers: HashSet<String>,
    /// Folded article text: its status words and numbers are supported.
    article_text: String,
}

impl Grounding {
    fn add_text(&mut self, text: &str) {
        let folded = fold(text);
        for number in number_tokens(&folded) {
            self.numbers.insert(number.replace([',', '.'], ""));
            self.numbers.insert(number);
        }
        for word in words(&folded) {
            self.codes.insert(word.text);
        }
    }

    fn add_money(&mut self, amount: Money) {
        self.amounts.insert((amount.currency(), amount.minor()));
        self.add_text(&tradewind_money::format_minor_units(amount));
        // `25.00 USD` may be written `25`.
        let unit = 10i64.pow(u32::from(amount.currency().exponent()));
        if amount.minor() % unit == 0 {
            self.add_text(&(amount.minor() / unit).to_string());
        }
    }

    /// Amounts an article states (`50 USD`), which an answer may repeat.
    fn add_written_amounts(&mut self, text: &str) {
        let folded = fold(text);
        for (start, number) in number_spans(&folded) {
            let after = folded[start + number.len()..].trim_start();
            let code: String = after.chars().take_while(char::is_ascii_alphabetic).collect();
            if code.len() == 3
                && let Ok(currency) = Currency::parse(&code.to_ascii_uppercase())
                && let Some(minor) = minor_units(&number, currency)
            {
                self.amounts.insert((currency, minor));
            }
        }
    }

    fn add_date(&mut self, unix_seconds: i64) {
        let day = day_of(unix_seconds);
        self.days.insert((day.month, day.day));
        self.add_text(&format!("{} {} {}", day.year, day.month, day.day));
        self.add_text(&format_date(unix_seconds, Language::English));
    }

    fn add_order(&mut self, order: &OrderFacts) {
        self.order_numbers.insert(fold(&order.number));
        self.add_text(&order.number);
        self.statuses.insert(StatusKey::Order(order.status));
        self.add_date(order.placed_at);
        self.add_money(order.total);
        for item in &order.items {
            self.add_text(&format!("{} {}", item.quantity, item.name));
        }
        for payment in &order.payments {
            self.statuses.insert(StatusKey::Payment(payment.status));
            self.add_money(payment.amount);
            self.add_date(payment.created_at);
            self.add_text(&payment.method);
        }
        for refund in &order.refunds {
            self.statuses.insert(StatusKey::Refund(refund.status));
            if refund.status == RefundStatus::Succeeded {
                self.statuses.insert(StatusKey::Order(OrderStatus::Refunded));
            }
            self.add_money(refund.amount);
            self.add_date(refund.created_at);
            if let Some(expected) = refund.expected_by {
                self.add_date(expected);
            }
        }
        if order.status == OrderStatus::Refunded {
            self.statuses.insert(StatusKey::Refund(RefundStatus::Succeeded));
        }
        if let Some(shipment) = &order.shipment {
            // A shipment means the order was shipped, whatever came after.
            self.statuses.insert(StatusKey::Order(OrderStatus::Shipped));
            self.statuses.insert(StatusKey::Shipment(shipment.status));
            if shipment.status == ShipmentStatus::Delivered {
                self.statuses.insert(StatusKey::Order(OrderStatus::Delivered));
            }
            self.add_text(&shipment.carrier);
            self.add_text(&shipment.tracking_number);
            self.codes.insert(fold(&shipment.tracking_number));
            if let Some(url) = &shipment.tracking_url {
                self.add_text(url);
            }
            self.add_date(shipment.shipped_at);
            if let Some(estimate) = shipment.estimated_delivery {
                self.add_date(estimate);
            }
        }
        if order.status == OrderStatus::Delivered {
            self.statuses.insert(StatusKey::Shipment(ShipmentStatus::Delivered));
        }
    }

    fn from_outputs(outputs: &[ToolOutput], allowed_text: &[&str]) -> Grounding {
        let mut grounding = Grounding::default();
        for output in outputs {
            match output {
                ToolOutput::Order(order) => grounding.add_order(order),
                ToolOutput::Orders(orders) => {
                    let count = orders.len().to_string();
                    grounding.add_text(&count);
                    for order in orders {
                        grounding.add_order(order);
                    }
                }
                ToolOutput::OrderNotFound { number } => {
                    grounding.order_numbers.insert(fold(number));
                    grounding.add_text(number);
                }
                ToolOutput::Articles(hits) => {
                    for hit in hits {
                        let text = format!("{} {}", hit.title, hit.snippet);
                        grounding.add_text(&text);
                        grounding.add_written_amounts(&text);
                        grounding.article_text.push(' ');
                        grounding.article_text.push_str(
                            &words(&fold(&text)).into_iter().map(|word| word.text).collect::<Vec<_>>().join(" "),
                        );
                        grounding.article_text.push(' ');
                    }
                }
            }
        }
        for text in allowed_text {
            grounding.add_text(text);
        }
        grounding
    }
}

/// Checks `answer` against what the tools returned.
pub fn check_facts(answer: &str, tool_outputs: &[ToolOutput]) -> Result<(), UnsupportedFact> {
    check_facts_allowing(answer, tool_outputs, &[])
}

/// As [`check_facts`], with extra text whose numbers and words are also supported (the
/// merchant's name, the verified buyer's email).
pub fn check_facts_allowing(
    answer: &str,
    tool_outputs: &[ToolOutput],
    allowed_text: &[&str],
) -> Result<(), UnsupportedFact> {
    if answer.chars().count() > ANSWER_CHARS_MAX {
        return Err(UnsupportedFact::TooLong);
    }
    let grounding = Grounding::from_outputs(tool_outputs, allowed_text);
    let folded = fold(answer);
    check_statuses(&folded, &grounding)?;
    let consumed = check_amounts(&folded, &grounding)?;
    let consumed_dates = check_dates(&folded, &grounding)?;
    check_codes(&folded, &grounding)?;
    for (start, number) in number_spans(&folded) {
        if consumed.contains(&start) || consumed_dates.contains(&start) {
            continue;
        }
        let bare = number.replace([',', '.'], "");
        if grounding.numbers.contains(&number) || grounding.numbers.contains(&bare) {
            continue;
        }
        return Err(if crate::entities::follows_order_keyword(&folded[..start]) {
            UnsupportedFact::OrderNumber(number)
        } else {
            UnsupportedFact::Number(number)
        });
    }
    Ok(())
}

fn check_statuses(folded: &str, grounding: &Grounding) -> Result<(), UnsupportedFact> {
    let Some(table) = STATUS_WORDS.as_ref() else { return Err(UnsupportedFact::Status("?".to_owned())) };
    let mut padded = String::with_capacity(folded.len() + 2);
    padded.push(' ');
    for word in words(folded) {
        padded.push_str(&word.text);
        padded.push(' ');
    }
    for found in table.automaton.find_iter(&padded) {
        let Some((word, keys)) = table.entries.get(found.pattern().as_usize()) else { continue };
        if keys.iter().any(|key| grounding.statuses.contains(key)) {
            continue;
        }
        if grounding.article_text.contains(&format!(" {word} "))
            || grounding.article_text.contains(word.as_str()) && word.chars().any(crate::text::is_han)
        {
            continue;
        }
        return Err(UnsupportedFact::Status(word.clone()));
    }
    Ok(())
}

/// Amounts with a currency code or symbol; returns the start of every number it checked.
fn check_amounts(folded: &str, grounding: &Grounding) -> Result<HashSet<usize>, UnsupportedFact> {
    let mut consumed = HashSet::new();
    for (start, number) in number_spans(folded) {
        // Digits inside a returned code (`RP000000000`) are the code's, not an amount in
        // rupiah: `check_codes` checks the whole word.
        if grounding.codes.contains(word_around(folded, start, number.len())) {
            continue;
        }
        let after = folded[start + number.len()..].trim_start();
        let code: String = after.chars().take_while(char::is_ascii_alphabetic).collect();
        let coded = if code.len() == 3 { Currency::parse(&code.to_ascii_uppercase()).ok() } else { None };
        let symbol = currency_symbol_before(&folded[..start]);
        let candidates: Vec<Currency> = match (coded, symbol) {
            (Some(currency), _) => vec![currency],
            (None, Some(Some(currency))) => vec![currency],
            // `$` is a dozen currencies: any returned one will do.
            (None, Some(None)) => grounding.amounts.iter().map(|(currency, _)| *currency).collect(),
            (None, None) => continue,
        };
        consumed.insert(start);
        let supported = candidates.iter().any(|currency| {
            minor_units(&number, *currency).is_some_and(|minor| grounding.amounts.contains(&(*currency, minor)))
        });
        if !supported {
            let named = coded.or(symbol.flatten()).map_or_else(|| "USD".to_owned(), |currency| currency.to_string());
            return Err(UnsupportedFact::Amount(format!("{number} {named}")));
        }
    }
    Ok(consumed)
}

/// Dates written with a month name or as `2026年11月3日` / `2026-11-03`.
fn check_dates(folded: &str, grounding: &Grounding) -> Result<HashSet<usize>, UnsupportedFact> {
    let mut consumed = HashSet::new();
    let spans = number_spans(folded);
    let split = words(folded);
    for (position, word) in split.iter().enumerate() {
        let Some((_, month)) = MONTHS.iter().find(|(name, _)| *name == word.text) else { continue };
        let neighbours = [position.checked_sub(1), position.checked_sub(2), Some(position + 1)];
        let day = neighbours
            .into_iter()
            .flatten()
            .filter_map(|index| split.get(index))
            .find_map(|candidate| candidate.text.parse::<u8>().ok().filter(|day| (1..=31).contains(day)));
        if let Some(day) = day
            && !grounding.days.contains(&(*month, day))
        {
            return Err(UnsupportedFact::Date(format!("{day} {}", word.text)));
        }
    }
    // `11月3日` and ISO dates.
    for (index, (start, number)) in spans.iter().enumerate() {
        let after = &folded[start + number.len()..];
        if after.starts_with('月')
            && let Some((day_start, day)) = spans.get(index + 1)
            && folded[start + number.len()..*day_start] == *"月"
            && folded[day_start + day.len()..].starts_with('日')
        {
            let month = number.parse::<u8>().unwrap_or(0);
            let day_number = day.parse::<u8>().unwrap_or(0);
            if !grounding.days.contains(&(month, day_number)) {
                return Err(UnsupportedFact::Date(format!("{number}月{day}日")));
            }
            consumed.insert(*start);
            consumed.insert(*day_start);
        }
        if number.len() == 4
            && after.starts_with('-')
            && let (Some((month_start, month)), Some((day_start, day))) = (spans.get(index + 1), spans.get(index + 2))
            && folded[start + number.len()..*month_start] == *"-"
            && folded[month_start + month.len()..*day_start] == *"-"
        {
            let key = (month.parse::<u8>().unwrap_or(0), day.parse::<u8>().unwrap_or(0));
            if !grounding.days.contains(&key) {
                return Err(UnsupportedFact::Date(format!("{number}-{month}-{day}")));
            }
            consumed.extend([*start, *month_start, *day_start]);
        }
    }
    Ok(consumed)
}

/// Letters-and-digits words (tracking numbers) must have been returned.
fn check_codes(folded: &str, grounding: &Grounding) -> Result<(), UnsupportedFact> {
    for word in words(folded) {
        let has_digit = word.text.bytes().any(|byte| byte.is_ascii_digit());
        let has_letter = word.text.chars().any(char::is_alphabetic);
        if word.script == Script::Spaced
            && has_digit
            && has_letter
            && word.text.chars().count() >= TRACKING_CHARS_MIN
            && !grounding.codes.contains(&word.text)
        {
            return Err(UnsupportedFact::TrackingNumber(word.text));
        }
    }
    Ok(())
}

/// The ASCII letters-and-digits word the span `start..start + length` of `text` lies in
/// (codes are ASCII; a Chinese sentence runs straight into them: `运单号RP000000000`).
fn word_around(text: &str, start: usize, length: usize) -> &str {
    let begin = text[..start]
        .char_indices()
        .rev()
        .take_while(|(_, character)| character.is_ascii_alphanumeric())
        .last()
        .map_or(start, |(index, _)| index);
    let end = text[start + length..]
        .char_indices()
        .find(|(_, character)| !character.is_ascii_alphanumeric())
        .map_or(text.len(), |(index, _)| start + length + index);
    &text[begin..end]
}

/// The currency a symbol right before a number names: `Some(None)` for a bare `$`.
fn currency_symbol_before(before: &str) -> Option<Option<Currency>> {
    let before = before.trim_end();
    let named = |code: &str| Currency::parse(code).ok();
    if before.ends_with("r$") {
        Some(named("BRL"))
    } else if before.ends_with("us$") {
        Some(named("USD"))
    } else if before.ends_with('$') {
        Some(None)
    } else if before.ends_with('€') {
        Some(named("EUR"))
    } else if before.ends_with('£') {
        Some(named("GBP"))
    } else if before.ends_with('¥') || before.ends_with('￥') {
        Some(named("CNY"))
    } else if before.ends_with("rp") {
        Some(named("IDR"))
    } else {
        None
    }
}

fn minor_units(number: &str, currency: Currency) -> Option<i64> {
    let exponent = u32::from(currency.exponent());
    // A last separator followed by no more digits than the currency's exponent is its
    // decimal point (`0.0001 CLF`, `25.5 USD`); else it separates thousands (`1,500 JPY`).
    let (whole, fraction) = match number.rfind(['.', ',']) {
        Some(position) if (1..=exponent as usize).contains(&(number.len() - position - 1)) => {
            (&number[..position], &number[position + 1..])
        }
        _ => (number, ""),
    };
    let whole: String = whole.chars().filter(char::is_ascii_digit).collect();
    if fraction.len() as u32 > exponent {
        return None;
    }
    let mut minor: i64 = whole.parse::<i64>().ok()?.checked_mul(10i64.checked_pow(exponent)?)?;
    if !fraction.is_empty() {
        let scale = 10i64.checked_pow(exponent - fraction.len() as u32)?;
        minor = minor.checked_add(fraction.parse::<i64>().ok()?.checked_mul(scale)?)?;
    }
    Some(minor)
}

/// Number tokens of folded text (digits with `.` or `,` between digits).
fn number_tokens(folded: &str) -> Vec<String> {
    number_spans(folded).into_iter().map(|(_, number)| number).collect()
}

fn number_spans(folded: &str) -> Vec<(usize, String)> {
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
        spans.push((start, folded[start..index].to_owned()));
    }
    spans
}

#[cfg(test)]
#[path = "guardrail/tests.rs"]
mod tests;
