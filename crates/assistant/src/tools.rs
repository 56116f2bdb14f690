//! The tools the assistant answers from: order lookup, the buyer's orders and knowledge
//! search. The server implements [`Tools`] against its database; [`FixtureTools`] holds
//! them in memory for tests and the evaluation.
//!
//! A `Tools` implementation refuses nothing itself: the engines decide what may be called
//! (no order lookup before the buyer is verified, and only the buyer's own orders), and
//! log every call in a [`ToolRecord`].

use crate::facts::{ArticleHit, OrderFacts};
use crate::knowledge::KnowledgeIndex;
use std::future::Future;
use std::sync::Mutex;
use tradewind_language::Language;

/// Knowledge hits one search asks for.
pub const KNOWLEDGE_HITS_MAX: usize = 3;

/// A request to a tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolCall {
    /// One order by the number the buyer knows.
    LookupOrder { number: String },
    /// Every order of a (verified) buyer, newest first.
    BuyerOrders { email: String },
    /// The merchant's knowledge base.
    SearchKnowledge { query: String, language: Option<Language> },
}

impl ToolCall {
    /// The name the chat model and the timeline know the tool by.
    pub fn name(&self) -> &'static str {
        match self {
            ToolCall::LookupOrder { .. } => "lookup_order",
            ToolCall::BuyerOrders { .. } => "buyer_orders",
            ToolCall::SearchKnowledge { .. } => "search_knowledge",
        }
    }

    /// Whether the call discloses order data, which needs a verified buyer.
    pub fn discloses_orders(&self) -> bool {
        matches!(self, ToolCall::LookupOrder { .. } | ToolCall::BuyerOrders { .. })
    }
}

/// What a tool returned.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolOutput {
    Order(Box<OrderFacts>),
    OrderNotFound { number: String },
    Orders(Vec<OrderFacts>),
    Articles(Vec<ArticleHit>),
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ToolError {
    #[error("the tool is unavailable: {0}")]
    Unavailable(String),
    #[error("the tool did not answer in time")]
    Timeout,
}

/// Why an engine did not make a call the model asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Order data needs a verified buyer.
    NotVerified,
    /// The order is not one of the verified buyer's.
    NotBuyersOrder,
    /// The model asked for more calls than a turn allows.
    TooManyCalls,
    /// The model named a tool that does not exist or gave bad arguments.
    InvalidCall,
}

impl Refusal {
    pub fn describe(self) -> &'static str {
        match self {
            Refusal::NotVerified => "refused: the buyer is not verified",
            Refusal::NotBuyersOrder => "refused: not one of the verified buyer's orders",
            Refusal::TooManyCalls => "refused: too many tool calls in one turn",
            Refusal::InvalidCall => "refused: unknown tool or invalid arguments",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ToolOutcome {
    Returned(ToolOutput),
    Refused(Refusal),
    Failed(ToolError),
}

/// One tool call of a turn and its outcome, for the conversation's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolRecord {
    pub call: ToolCall,
    pub outcome: ToolOutcome,
}

impl ToolRecord {
    /// One line in English for the timeline and the agent's summary.
    pub fn summary(&self) -> String {
        let call = match &self.call {
            ToolCall::LookupOrder { number } => format!("lookup_order {number}"),
            ToolCall::BuyerOrders { .. } => "buyer_orders".to_owned(),
            ToolCall::SearchKnowledge { query, .. } => {
                format!("search_knowledge \"{}\"", crate::text::truncate_chars(query, 80))
            }
        };
        let outcome = match &self.outcome {
            ToolOutcome::Returned(ToolOutput::Order(order)) => crate::summary::describe_order(order),
            ToolOutcome::Returned(ToolOutput::OrderNotFound { number }) => format!("order {number} not found"),
            ToolOutcome::Returned(ToolOutput::Orders(orders)) => {
                let numbers: Vec<&str> = orders.iter().map(|order| order.number.as_str()).collect();
                format!("{} orders ({})", orders.len(), numbers.join(", "))
            }
            ToolOutcome::Returned(ToolOutput::Articles(hits)) => match hits.first() {
                Some(hit) => format!("{} articles, best \"{}\"", hits.len(), hit.title),
                None => "no article".to_owned(),
            },
            ToolOutcome::Refused(refusal) => refusal.describe().to_owned(),
            ToolOutcome::Failed(error) => format!("failed: {error}"),
        };
        format!("{call} → {outcome}")
    }

    pub fn output(&self) -> Option<&ToolOutput> {
        match &self.outcome {
            ToolOutcome::Returned(output) => Some(output),
            _ => None,
        }
    }
}

/// The tools an engine may call. Implementations answer every call they are given; the
/// engines decide which calls are allowed.
pub trait Tools {
    fn call(&self, call: &ToolCall) -> impl Future<Output = Result<ToolOutput, ToolError>> + Send;
}

/// Order numbers as buyers type them (`#1001`, ` 1001 `, `tw-1001`) compare equal.
pub fn same_order_number(left: &str, right: &str) -> bool {
    let clean = |number: &str| number.trim().trim_start_matches('#').to_ascii_lowercase();
    clean(left) == clean(right)
}

/// In-memory tools: orders with their buyers' emails, and a knowledge index. Records
/// every call it receives.
#[derive(Debug, Default)]
pub struct FixtureTools {
    orders: Vec<(String, OrderFacts)>,
    knowledge: KnowledgeIndex,
    calls: Mutex<Vec<ToolCall>>,
}

impl FixtureTools {
    /// `orders` pairs each order with its buyer's email.
    pub fn new(orders: Vec<(String, OrderFacts)>, knowledge: KnowledgeIndex) -> FixtureTools {
        FixtureTools { orders, knowledge, calls: Mutex::new(Vec::new()) }
    }

    /// Every call received so far, in order.
    pub fn calls(&self) -> Vec<ToolCall> {
        self.calls.lock().map(|calls| calls.clone()).unwrap_or_default()
    }

    pub fn clear_calls(&self) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.clear();
        }
    }

    /// The order numbers of a buyer, as a verification step would list them.
    pub fn order_numbers_of(&self, email: &str) -> Vec<String> {
        self.orders
            .iter()
            .filter(|(owner, _)| owner.eq_ignore_ascii_case(email))
            .map(|(_, order)| order.number.clone())
            .collect()
    }

    pub fn orders(&self) -> impl Iterator<Item = &OrderFacts> {
        self.orders.iter().map(|(_, order)| order)
    }

    fn answer(&self, call: &ToolCall) -> ToolOutput {
        match call {
            ToolCall::LookupOrder { number } => {
                self.orders.iter().find(|(_, order)| same_order_number(&order.number, number)).map_or_else(
                    || ToolOutput::OrderNotFound { number: number.clone() },
                    |(_, order)| ToolOutput::Order(Box::new(order.clone())),
                )
            }
            ToolCall::BuyerOrders { email } => {
                let mut orders: Vec<OrderFacts> = self
                    .orders
                    .iter()
                    .filter(|(owner, _)| owner.eq_ignore_ascii_case(email))
                    .map(|(_, order)| order.clone())
                    .collect();
                orders.sort_by_key(|order| std::cmp::Reverse(order.placed_at));
                ToolOutput::Orders(orders)
            }
            ToolCall::SearchKnowledge { query, language } => {
                ToolOutput::Articles(self.knowledge.search(query, *language, KNOWLEDGE_HITS_MAX))
            }
        }
    }
}

impl Tools for FixtureTools {
    async fn call(&self, call: &ToolCall) -> Result<ToolOutput, ToolError> {
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(call.clone());
        }
        Ok(self.answer(call))
    }
}
