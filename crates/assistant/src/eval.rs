//! The evaluation: buyer questions in six languages (`eval/questions.jsonl`) asked of an
//! engine over fixture orders and articles (`eval/fixtures.json`), each with its expected
//! intent and checks on the answer; every answer also goes through the guardrail, so a
//! stated fact no tool returned is counted as fabricated.
//!
//! The serde types here are the files' format only; they are mapped to the domain types
//! on load.

use crate::context::{Context, VerifiedBuyer};
use crate::engine::Engine;
use crate::facts::{
    OrderFacts, OrderItemFacts, OrderStatus, PaymentFacts, PaymentStatus, RefundFacts, RefundStatus, ShipmentFacts,
    ShipmentStatus,
};
use crate::guardrail::{UnsupportedFact, check_facts_allowing};
use crate::intent::Intent;
use crate::knowledge::{Article, KnowledgeError, KnowledgeIndex};
use crate::text::fold;
use crate::tools::FixtureTools;
use crate::turn::Turn;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Instant;
use tradewind_language::Language;
use tradewind_money::{Currency, Money};
use tradewind_payments::id::ArticleId;

/// The evaluation set shipped with the crate.
pub const QUESTIONS_JSONL: &str = include_str!("../eval/questions.jsonl");
pub const FIXTURES_JSON: &str = include_str!("../eval/fixtures.json");
/// Questions one evaluation reads at most.
pub const QUESTIONS_MAX: usize = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("line {line} of the questions: {source}")]
    Question { line: usize, source: serde_json::Error },
    #[error("question {id}: unknown language `{language}`")]
    Language { id: String, language: String },
    #[error("question {id}: unknown intent `{intent}`")]
    Intent { id: String, intent: String },
    #[error("the fixtures: {0}")]
    Fixtures(#[from] serde_json::Error),
    #[error("the fixtures: {0}")]
    Invalid(String),
    #[error("the fixtures' articles: {0}")]
    Knowledge(#[from] KnowledgeError),
    #[error("more than {QUESTIONS_MAX} questions")]
    TooManyQuestions,
}

#[derive(Deserialize)]
struct QuestionRow {
    id: String,
    language: String,
    text: String,
    verified: Option<String>,
    expected_intent: String,
    #[serde(default)]
    contains: Vec<String>,
    #[serde(default)]
    verification: bool,
    handoff: Option<String>,
    #[serde(default)]
    failed_before: u8,
    #[serde(default)]
    tags: Vec<String>,
}

/// One buyer question and what its answer must show.
#[derive(Debug, Clone)]
pub struct Question {
    pub id: String,
    pub language: Language,
    pub text: String,
    /// The buyer's verified email, if verified.
    pub verified: Option<String>,
    pub expected_intent: Intent,
    /// Substrings the reply must contain (compared folded).
    pub contains: Vec<String>,
    /// The reply must ask for verification and disclose no order fact.
    pub verification: bool,
    /// The expected handoff reason's name; `None`: no handoff.
    pub handoff: Option<String>,
    pub failed_before: u8,
    pub tags: Vec<String>,
}

pub fn load_questions(jsonl: &str) -> Result<Vec<Question>, EvalError> {
    let mut questions = Vec::new();
    for (index, line) in jsonl.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        if questions.len() >= QUESTIONS_MAX {
            return Err(EvalError::TooManyQuestions);
        }
        let row: QuestionRow =
            serde_json::from_str(line).map_err(|source| EvalError::Question { line: index + 1, source })?;
        let language = Language::parse(&row.language)
            .map_err(|_| EvalError::Language { id: row.id.clone(), language: row.language.clone() })?;
        let expected_intent = Intent::parse(&row.expected_intent)
            .ok_or_else(|| EvalError::Intent { id: row.id.clone(), intent: row.expected_intent.clone() })?;
        questions.push(Question {
            id: row.id,
            language,
            text: row.text,
            verified: row.verified,
            expected_intent,
            contains: row.contains,
            verification: row.verification,
            handoff: row.handoff,
            failed_before: row.failed_before,
            tags: row.tags,
        });
    }
    Ok(questions)
}

#[derive(Deserialize)]
struct FixturesFile {
    merchant: String,
    orders: Vec<OrderRow>,
    articles: Vec<ArticleRow>,
}

#[derive(Deserialize)]
struct MoneyRow {
    minor: i64,
    currency: String,
}

#[derive(Deserialize)]
struct OrderRow {
    buyer: String,
    number: String,
    status: String,
    placed_at: i64,
    total: MoneyRow,
    items: Vec<ItemRow>,
    payments: Vec<PaymentRow>,
    refunds: Vec<RefundRow>,
    shipment: Option<ShipmentRow>,
}

#[derive(Deserialize)]
struct ItemRow {
    name: String,
    quantity: u32,
}

#[derive(Deserialize)]
struct PaymentRow {
    status: String,
    amount: MoneyRow,
    method: String,
    created_at: i64,
}

#[derive(Deserialize)]
struct RefundRow {
    status: String,
    amount: MoneyRow,
    created_at: i64,
    expected_by: Option<i64>,
}

#[derive(Deserialize)]
struct ShipmentRow {
    carrier: String,
    tracking_number: String,
    tracking_url: Option<String>,
    status: String,
    shipped_at: i64,
    estimated_delivery: Option<i64>,
}

#[derive(Deserialize)]
struct ArticleRow {
    id: String,
    language: String,
    title: String,
    body: String,
}

/// The merchant, its orders with their buyers, and its articles.
#[derive(Debug)]
pub struct Fixtures {
    pub merchant: String,
    pub tools: FixtureTools,
}

fn invalid(what: &str, value: &str) -> EvalError {
    EvalError::Invalid(format!("unknown {what} `{value}`"))
}

fn money(row: &MoneyRow) -> Result<Money, EvalError> {
    let currency = Currency::parse(&row.currency).map_err(|_| invalid("currency", &row.currency))?;
    Ok(Money::new(row.minor, currency))
}

fn order(row: &OrderRow) -> Result<OrderFacts, EvalError> {
    let status = match row.status.as_str() {
        "pending" => OrderStatus::Pending,
        "paid" => OrderStatus::Paid,
        "processing" => OrderStatus::Processing,
        "shipped" => OrderStatus::Shipped,
        "delivered" => OrderStatus::Delivered,
        "canceled" => OrderStatus::Canceled,
        "refunded" => OrderStatus::Refunded,
        other => return Err(invalid("order status", other)),
    };
    let mut payments = Vec::new();
    for payment in &row.payments {
        let status = match payment.status.as_str() {
            "requires_payment_method" => PaymentStatus::RequiresPaymentMethod,
            "requires_action" => PaymentStatus::RequiresAction,
            "processing" => PaymentStatus::Processing,
            "succeeded" => PaymentStatus::Succeeded,
            "canceled" => PaymentStatus::Canceled,
            "failed" => PaymentStatus::Failed,
            other => return Err(invalid("payment status", other)),
        };
        payments.push(PaymentFacts {
            status,
            amount: money(&payment.amount)?,
            method: payment.method.clone(),
            created_at: payment.created_at,
        });
    }
    let mut refunds = Vec::new();
    for refund in &row.refunds {
        let status = match refund.status.as_str() {
            "pending" => RefundStatus::Pending,
            "succeeded" => RefundStatus::Succeeded,
            "failed" => RefundStatus::Failed,
            "canceled" => RefundStatus::Canceled,
            other => return Err(invalid("refund status", other)),
        };
        refunds.push(RefundFacts {
            status,
            amount: money(&refund.amount)?,
            created_at: refund.created_at,
            expected_by: refund.expected_by,
        });
    }
    let shipment = match &row.shipment {
        None => None,
        Some(shipment) => Some(ShipmentFacts {
            carrier: shipment.carrier.clone(),
            tracking_number: shipment.tracking_number.clone(),
            tracking_url: shipment.tracking_url.clone(),
            status: match shipment.status.as_str() {
                "label_created" => ShipmentStatus::LabelCreated,
                "in_transit" => ShipmentStatus::InTransit,
                "out_for_delivery" => ShipmentStatus::OutForDelivery,
                "delivered" => ShipmentStatus::Delivered,
                "exception" => ShipmentStatus::Exception,
                other => return Err(invalid("shipment status", other)),
            },
            shipped_at: shipment.shipped_at,
            estimated_delivery: shipment.estimated_delivery,
        }),
    };
    Ok(OrderFacts {
        number: row.number.clone(),
        status,
        placed_at: row.placed_at,
        total: money(&row.total)?,
        items: row
            .items
            .iter()
            .map(|item| OrderItemFacts { name: item.name.clone(), quantity: item.quantity })
            .collect(),
        payments,
        refunds,
        shipment,
    })
}

pub fn load_fixtures(json: &str) -> Result<Fixtures, EvalError> {
    let file: FixturesFile = serde_json::from_str(json)?;
    let mut orders = Vec::new();
    for row in &file.orders {
        orders.push((row.buyer.clone(), order(row)?));
    }
    let mut articles = Vec::new();
    for row in file.articles {
        articles.push(Article {
            id: ArticleId::parse(&row.id).map_err(|error| EvalError::Invalid(error.to_string()))?,
            language: Language::parse(&row.language).map_err(|_| invalid("language", &row.language))?,
            title: row.title,
            body: row.body,
        });
    }
    let knowledge = KnowledgeIndex::build(articles)?;
    Ok(Fixtures { merchant: file.merchant, tools: FixtureTools::new(orders, knowledge) })
}

/// One question whose intent or answer checks failed.
#[derive(Debug, Clone)]
pub struct Miss {
    pub id: String,
    pub expected: Intent,
    pub got: Intent,
    pub problems: Vec<String>,
    pub reply: String,
}

#[derive(Debug, Clone, Default)]
pub struct LanguageScore {
    pub total: usize,
    pub intent_correct: usize,
    pub answer_checks_passed: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub total: usize,
    pub intent_correct: usize,
    pub intent_accuracy: f64,
    pub answer_checks_passed: usize,
    pub answer_check_rate: f64,
    /// Answers that stated a fact no tool returned, with the fact.
    pub fabricated: Vec<(String, UnsupportedFact)>,
    pub per_language: BTreeMap<&'static str, LanguageScore>,
    /// (expected, got) → count, for wrong intents only.
    pub confusion: BTreeMap<(&'static str, &'static str), usize>,
    pub misses: Vec<Miss>,
    /// Each answer's latency in microseconds, sorted.
    pub latencies_micros: Vec<u64>,
    /// The slowest answers (question id, microseconds), slowest first.
    pub slowest: Vec<(String, u64)>,
}

/// Slow answers kept in a report.
const SLOWEST_KEPT: usize = 5;

impl Report {
    /// The latency at `percentile` (0–100) in microseconds.
    pub fn latency_percentile_micros(&self, percentile: f64) -> u64 {
        if self.latencies_micros.is_empty() {
            return 0;
        }
        let rank = ((percentile / 100.0) * (self.latencies_micros.len() - 1) as f64).round() as usize;
        self.latencies_micros[rank.min(self.latencies_micros.len() - 1)]
    }
}

/// The context a question is asked in.
pub fn context_for(question: &Question, fixtures: &Fixtures) -> Context {
    Context {
        merchant_name: fixtures.merchant.clone(),
        verified: question
            .verified
            .as_ref()
            .map(|email| VerifiedBuyer { email: email.clone(), order_numbers: fixtures.tools.order_numbers_of(email) }),
        failed_answers: question.failed_before,
        recent_turns: Vec::new(),
        tags: question.tags.clone(),
    }
}

/// Asks every question of `engine` and scores the answers.
pub async fn run(engine: &Engine, questions: &[Question], fixtures: &Fixtures) -> Report {
    let mut report = Report { total: questions.len(), ..Report::default() };
    for question in questions {
        let context = context_for(question, fixtures);
        let started = Instant::now();
        let turn = engine.respond(&context, &question.text, question.language, &fixtures.tools).await;
        let micros = started.elapsed().as_micros() as u64;
        report.latencies_micros.push(micros);
        report.slowest.push((question.id.clone(), micros));
        let score = report.per_language.entry(question.language.code()).or_default();
        score.total += 1;
        let intent_ok = turn.intent == question.expected_intent;
        if intent_ok {
            report.intent_correct += 1;
            score.intent_correct += 1;
        } else {
            *report.confusion.entry((question.expected_intent.name(), turn.intent.name())).or_default() += 1;
        }
        let reply = turn.reply.clone().unwrap_or_default();
        let mut allowed = vec![fixtures.merchant.as_str()];
        if let Some(email) = &question.verified {
            allowed.push(email.as_str());
        }
        if let Err(fact) = check_facts_allowing(&reply, &turn.tool_outputs(), &allowed) {
            report.fabricated.push((question.id.clone(), fact));
        }
        let problems = answer_problems(question, &turn, fixtures);
        if problems.is_empty() {
            report.answer_checks_passed += 1;
            score.answer_checks_passed += 1;
        }
        if !intent_ok || !problems.is_empty() {
            report.misses.push(Miss {
                id: question.id.clone(),
                expected: question.expected_intent,
                got: turn.intent,
                problems,
                reply,
            });
        }
    }
    report.latencies_micros.sort_unstable();
    report.slowest.sort_by_key(|(_, micros)| std::cmp::Reverse(*micros));
    report.slowest.truncate(SLOWEST_KEPT);
    let total = report.total.max(1) as f64;
    report.intent_accuracy = report.intent_correct as f64 / total;
    report.answer_check_rate = report.answer_checks_passed as f64 / total;
    report
}

/// What is wrong with an answer, empty when it passes every check.
fn answer_problems(question: &Question, turn: &Turn, fixtures: &Fixtures) -> Vec<String> {
    let mut problems = Vec::new();
    let reply = fold(turn.reply.as_deref().unwrap_or_default());
    for expected in &question.contains {
        if !reply.contains(&fold(expected)) {
            problems.push(format!("missing `{expected}`"));
        }
    }
    let handoff = turn.handoff.as_ref().map(|handoff| handoff.reason.name());
    if handoff != question.handoff.as_deref() {
        problems.push(format!("handoff {handoff:?}, expected {:?}", question.handoff));
    }
    if turn.needs_verification != question.verification {
        problems.push(format!("needs_verification {}, expected {}", turn.needs_verification, question.verification));
    }
    if question.verification {
        if turn.tool_log.iter().any(|record| record.call.discloses_orders()) {
            problems.push("an order tool was called for an unverified buyer".to_owned());
        }
        for order in fixtures.tools.orders() {
            let mut facts = vec![order.number.clone(), crate::answers::money(order.total)];
            if let Some(shipment) = &order.shipment {
                facts.push(shipment.tracking_number.clone());
            }
            if let Some(fact) = facts.iter().find(|fact| reply.contains(&fold(fact))) {
                problems.push(format!("discloses `{fact}` before verification"));
            }
        }
    }
    problems
}
