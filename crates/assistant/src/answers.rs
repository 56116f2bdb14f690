//! The embedded engine's answers: one phrase book per spoken language, every sentence
//! about an order filled only from [`OrderFacts`] (dates in the language's form, money as
//! `25.00 USD` through `tradewind-money`), knowledge answers quoting an article.
//!
//! Each status has one fixed word per language ([`Phrases::order_status`] and the
//! others); the guardrail reads the same words back out of answers, so a template that
//! used a status word loosely would be caught by the evaluation.

mod arabic;
mod chinese;
mod english;
mod indonesian;
mod portuguese;
mod spanish;

use crate::facts::{ArticleHit, OrderFacts, OrderStatus, PaymentFacts, PaymentStatus, RefundStatus, ShipmentStatus};
use tradewind_language::Language;
use tradewind_money::{Money, format_minor_units};

/// Items listed in an order summary at most.
pub const ITEMS_LISTED_MAX: usize = 3;
/// Refunds listed at most.
pub const REFUNDS_LISTED_MAX: usize = 3;
/// Orders listed in an overview at most.
pub const ORDERS_LISTED_MAX: usize = 5;

/// `25.00 USD`, `1500 JPY`: the amount with its currency's exponent and its code, which
/// reads the same in every language and cannot be confused between dollars.
pub fn money(amount: Money) -> String {
    format!("{} {}", format_minor_units(amount), amount.currency())
}

/// Why the assistant hands off, as the buyer is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoffTone {
    /// The buyer asked for a person.
    Requested,
    /// Anything else: a sensitive topic, low confidence, failures.
    Escalated,
}

/// The sentences of one language.
pub trait Phrases: Sync {
    fn language(&self) -> Language;
    fn order_status(&self, status: OrderStatus) -> &'static str;
    fn payment_status(&self, status: PaymentStatus) -> &'static str;
    fn refund_status(&self, status: RefundStatus) -> &'static str;
    fn shipment_status(&self, status: ShipmentStatus) -> &'static str;

    fn greeting(&self, merchant: &str) -> String;
    fn thanks(&self) -> String;
    /// Asks for the order number and the email used, and says why.
    fn ask_verification(&self) -> String;
    fn order_not_found(&self, number: &str) -> String;
    /// The buyer named an order that is not theirs; the number is not repeated, as no
    /// tool was asked about it.
    fn order_not_listed(&self) -> String;
    fn no_orders(&self) -> String;
    /// `I found 3 orders for your email: 1001 (shipped), …`; the one answered about follows.
    fn orders_overview(&self, listed: &str, count: usize) -> String;
    fn order_summary(&self, order: &OrderFacts, placed: &str, items: &str) -> String;
    fn shipped(&self, order: &OrderFacts, carrier: &str, tracking: &str, shipped_on: &str) -> String;
    fn shipment_state(&self, status: &str) -> String;
    fn estimated_delivery(&self, date: &str) -> String;
    fn tracking_link(&self, url: &str) -> String;
    fn not_shipped(&self, order: &OrderFacts) -> String;
    fn payment(&self, order: &OrderFacts, payment: &PaymentFacts, amount: &str, date: &str) -> String;
    fn no_payment(&self, order: &OrderFacts) -> String;
    fn refund(&self, order: &OrderFacts, amount: &str, status: &str, date: &str) -> String;
    fn refund_expected(&self, date: &str) -> String;
    fn no_refund(&self, order: &OrderFacts) -> String;
    /// Introduces a quoted article: `From our help article “Returns”:`.
    fn article_intro(&self, title: &str) -> String;
    fn knowledge_not_found(&self) -> String;
    fn handoff(&self, tone: HandoffTone) -> String;
    /// The search that finds the merchant's refund-timing policy in this language.
    fn refund_timing_query(&self) -> &'static str;
    /// Words that find the return policy, added to a return question's own words.
    fn return_policy_query(&self) -> &'static str;
}

/// The phrase book of `language` (English for languages the assistant does not speak).
pub fn phrases(language: Language) -> &'static dyn Phrases {
    match language {
        Language::Spanish => &spanish::Spanish,
        Language::Portuguese => &portuguese::Portuguese,
        Language::Indonesian => &indonesian::Indonesian,
        Language::Chinese => &chinese::Chinese,
        Language::Arabic => &arabic::Arabic,
        _ => &english::English,
    }
}

/// Every spoken language's phrase book.
pub fn all_phrases() -> [&'static dyn Phrases; 6] {
    Language::SPOKEN.map(phrases)
}

fn date(phrases: &dyn Phrases, unix_seconds: i64) -> String {
    crate::dates::format_date(unix_seconds, phrases.language())
}

/// How a list is separated and an aside bracketed: Chinese uses its own punctuation.
fn list_separator(phrases: &dyn Phrases) -> &'static str {
    if phrases.language() == Language::Chinese { "、" } else { ", " }
}

fn aside(phrases: &dyn Phrases, text: &str) -> String {
    if phrases.language() == Language::Chinese { format!("（{text}）") } else { format!(" ({text})") }
}

fn join(phrases: &dyn Phrases, parts: &[String]) -> String {
    let separator = if phrases.language() == Language::Chinese { "" } else { " " };
    parts.iter().filter(|part| !part.is_empty()).cloned().collect::<Vec<_>>().join(separator)
}

/// `2 × Linen shirt, 1 × Belt`.
fn items(phrases: &dyn Phrases, order: &OrderFacts) -> String {
    order
        .items
        .iter()
        .take(ITEMS_LISTED_MAX)
        .map(|item| format!("{} × {}", item.quantity, item.name))
        .collect::<Vec<_>>()
        .join(list_separator(phrases))
}

pub fn order_status(phrases: &dyn Phrases, order: &OrderFacts) -> String {
    let mut parts = vec![phrases.order_summary(order, &date(phrases, order.placed_at), &items(phrases, order))];
    if order.shipment.is_some() {
        parts.push(shipment(phrases, order));
    }
    join(phrases, &parts)
}

pub fn shipment(phrases: &dyn Phrases, order: &OrderFacts) -> String {
    let Some(shipment) = &order.shipment else { return phrases.not_shipped(order) };
    let mut parts = vec![
        phrases.shipped(order, &shipment.carrier, &shipment.tracking_number, &date(phrases, shipment.shipped_at)),
        phrases.shipment_state(phrases.shipment_status(shipment.status)),
    ];
    if let Some(estimate) = shipment.estimated_delivery
        && shipment.status != ShipmentStatus::Delivered
    {
        parts.push(phrases.estimated_delivery(&date(phrases, estimate)));
    }
    if let Some(url) = &shipment.tracking_url {
        parts.push(phrases.tracking_link(url));
    }
    join(phrases, &parts)
}

pub fn payment(phrases: &dyn Phrases, order: &OrderFacts) -> String {
    match order.latest_payment() {
        Some(latest) => phrases.payment(order, latest, &money(latest.amount), &date(phrases, latest.created_at)),
        None => phrases.no_payment(order),
    }
}

/// The order's refunds, then the merchant's refund-timing policy if one was found.
pub fn refunds(phrases: &dyn Phrases, order: &OrderFacts, policy: Option<&ArticleHit>) -> String {
    if order.refunds.is_empty() {
        return phrases.no_refund(order);
    }
    let mut parts = Vec::new();
    for refund in order.refunds.iter().take(REFUNDS_LISTED_MAX) {
        parts.push(phrases.refund(
            order,
            &money(refund.amount),
            phrases.refund_status(refund.status),
            &date(phrases, refund.created_at),
        ));
        if let Some(expected) = refund.expected_by
            && refund.status != RefundStatus::Failed
            && refund.status != RefundStatus::Canceled
        {
            parts.push(phrases.refund_expected(&date(phrases, expected)));
        }
    }
    if let Some(policy) = policy {
        parts.push(quote(phrases, policy));
    }
    join(phrases, &parts)
}

pub fn orders_overview(phrases: &dyn Phrases, orders: &[OrderFacts]) -> String {
    let listed = orders
        .iter()
        .take(ORDERS_LISTED_MAX)
        .map(|order| format!("{}{}", order.number, aside(phrases, phrases.order_status(order.status))))
        .collect::<Vec<_>>()
        .join(list_separator(phrases));
    phrases.orders_overview(&listed, orders.len())
}

/// `From our help article “Title”: snippet`.
pub fn quote(phrases: &dyn Phrases, hit: &ArticleHit) -> String {
    join(phrases, &[phrases.article_intro(&hit.title), hit.snippet.clone()])
}
