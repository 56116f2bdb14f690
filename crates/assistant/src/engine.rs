//! The embedded engine: understands a message with the lexicon and entity extractor,
//! calls the tools it needs (order tools only for a verified buyer, and only for that
//! buyer's orders), answers from what they returned in the buyer's language, and hands
//! off on request, on sensitive topics, on low confidence, on a tool failure and after
//! repeated failed answers.

use crate::answers::{self, HandoffTone, Phrases};
use crate::context::Context;
use crate::entities::{self, Entities};
use crate::facts::{ArticleHit, OrderFacts};
use crate::intent::{self, CONFIDENCE_HANDOFF_BELOW, Classification, Intent, Lexicon, LexiconError, SensitiveTopic};
use crate::summary::{SummaryInput, handoff_summary};
use crate::tools::{ToolCall, ToolError, ToolOutcome, ToolOutput, ToolRecord, Tools};
use crate::turn::{AnswerSource, Handoff, HandoffReason, Turn};
use tradewind_language::Language;

/// Failed answers (this one included) after which the assistant hands off.
pub const FAILED_ANSWERS_HANDOFF: u8 = 2;
/// A knowledge hit answers a general question only if it covers this share of it.
pub const KNOWLEDGE_COVERAGE_MIN: f32 = 0.5;
/// The share that suffices when the lexicon already named a knowledge-base topic
/// (customs, shipping times, payment methods…): the two pieces of evidence add up.
pub const KNOWLEDGE_COVERAGE_MIN_TOPIC: f32 = 0.25;
/// The refund-timing article is quoted only if it covers this share of its query.
const POLICY_COVERAGE_MIN: f32 = 0.3;
/// A buyer message longer than this is cut before it is read.
pub const MESSAGE_CHARS_MAX: usize = 2_000;

/// What the engine understood of a message, before any tool call.
#[derive(Debug, Clone, PartialEq)]
pub struct Understanding {
    pub classification: Classification,
    pub entities: Entities,
}

/// The embedded assistant. Build it once ([`Engine::new`] compiles the lexicons) and
/// share it: `respond` takes `&self`.
#[derive(Debug, Clone)]
pub struct Engine {
    lexicon: Lexicon,
}

/// The answer being built in one turn.
struct Draft {
    reply: String,
    intent: Intent,
    confidence: f32,
    failed: bool,
    needs_verification: bool,
    handoff: Option<HandoffReason>,
}

impl Draft {
    fn answer(reply: String, intent: Intent, confidence: f32) -> Draft {
        Draft { reply, intent, confidence, failed: false, needs_verification: false, handoff: None }
    }

    fn failure(reply: String, intent: Intent, confidence: f32) -> Draft {
        Draft { failed: true, ..Draft::answer(reply, intent, confidence) }
    }
}

impl Engine {
    pub fn new() -> Result<Engine, LexiconError> {
        Ok(Engine { lexicon: Lexicon::build()? })
    }

    /// Classifies a message written in `language` and extracts its entities; no tool is
    /// called.
    pub fn understand(&self, message: &str, language: Language) -> Understanding {
        let message = crate::text::truncate_chars(message, MESSAGE_CHARS_MAX);
        let entities = entities::extract(message);
        let classification = intent::classify(self.lexicon.cues(message, language), &entities);
        Understanding { classification, entities }
    }

    /// Answers one buyer message written in `language`.
    pub async fn respond(&self, context: &Context, message: &str, language: Language, tools: &impl Tools) -> Turn {
        let message = crate::text::truncate_chars(message, MESSAGE_CHARS_MAX);
        let understanding = self.understand(message, language);
        let phrases = answers::phrases(language);
        let mut tool_log = Vec::new();
        if message.trim().is_empty() {
            return Turn {
                reply: None,
                language,
                intent: Intent::Unknown,
                confidence: 0.0,
                entities: understanding.entities,
                tool_log,
                handoff: None,
                failed: false,
                needs_verification: false,
                source: AnswerSource::Embedded,
            };
        }
        let mut draft = self.draft(context, message, language, &understanding, tools, &mut tool_log).await;
        if draft.handoff.is_none()
            && let Some(tag) = context.sensitive_tag()
        {
            draft.handoff = Some(HandoffReason::Sensitive(topic_of_tag(tag)));
        }
        if draft.failed && draft.handoff.is_none() && context.failed_answers.saturating_add(1) >= FAILED_ANSWERS_HANDOFF
        {
            draft.handoff = Some(HandoffReason::RepeatedFailure);
        }
        let handoff = draft.handoff.map(|reason| {
            let tone = if reason == HandoffReason::Requested { HandoffTone::Requested } else { HandoffTone::Escalated };
            let farewell = phrases.handoff(tone);
            draft.reply = match reason {
                // A failed answer is still worth showing before the handoff ("I couldn't
                // find order 1009"); the other reasons replace the answer.
                HandoffReason::RepeatedFailure => join(phrases, &draft.reply, &farewell),
                _ => farewell,
            };
            let summary = handoff_summary(&SummaryInput {
                context,
                message,
                language,
                intent: draft.intent,
                confidence: draft.confidence,
                entities: &understanding.entities,
                tool_log: &tool_log,
                reason,
            });
            Handoff { reason, summary }
        });
        Turn {
            reply: Some(draft.reply),
            language,
            intent: draft.intent,
            confidence: draft.confidence,
            entities: understanding.entities,
            tool_log,
            handoff,
            failed: draft.failed,
            needs_verification: draft.needs_verification,
            source: AnswerSource::Embedded,
        }
    }

    async fn draft(
        &self,
        context: &Context,
        message: &str,
        language: Language,
        understanding: &Understanding,
        tools: &impl Tools,
        tool_log: &mut Vec<ToolRecord>,
    ) -> Draft {
        let phrases = answers::phrases(language);
        let Classification { intent, confidence, faq_topic, cues, .. } = understanding.classification;
        match intent {
            Intent::Sensitive(topic) => Draft {
                handoff: Some(HandoffReason::Sensitive(topic)),
                ..Draft::answer(String::new(), intent, confidence)
            },
            Intent::HumanRequest => {
                Draft { handoff: Some(HandoffReason::Requested), ..Draft::answer(String::new(), intent, confidence) }
            }
            Intent::Greeting => Draft::answer(phrases.greeting(&context.merchant_name), intent, confidence),
            Intent::Thanks => Draft::answer(phrases.thanks(), intent, confidence),
            Intent::OrderStatus | Intent::PaymentStatus | Intent::RefundStatus | Intent::ShippingTracking => {
                self.order_answer(context, language, understanding, tools, tool_log).await
            }
            Intent::ReturnPolicy => {
                let query = format!("{message} {}", phrases.return_policy_query());
                let hits = match search(tools, tool_log, &query, language).await {
                    Ok(hits) => hits,
                    Err(error) => return tool_failure(error, intent, confidence),
                };
                match hits.first() {
                    Some(hit) => Draft::answer(answers::quote(phrases, hit), intent, confidence),
                    None => Draft::failure(phrases.knowledge_not_found(), intent, confidence),
                }
            }
            Intent::Knowledge | Intent::Unknown => {
                let query = crate::intent::expansion::expand_query(message, cues, language);
                let hits = match search(tools, tool_log, &query, language).await {
                    Ok(hits) => hits,
                    Err(error) => return tool_failure(error, intent, confidence),
                };
                let coverage_min = if faq_topic { KNOWLEDGE_COVERAGE_MIN_TOPIC } else { KNOWLEDGE_COVERAGE_MIN };
                match hits.first().filter(|hit| hit.coverage >= coverage_min) {
                    Some(hit) => {
                        let confidence = (0.4 + 0.6 * hit.coverage).min(1.0);
                        Draft::answer(answers::quote(phrases, hit), Intent::Knowledge, confidence)
                    }
                    None => Draft {
                        handoff: Some(HandoffReason::LowConfidence),
                        ..Draft::failure(String::new(), Intent::Unknown, confidence.min(CONFIDENCE_HANDOFF_BELOW))
                    },
                }
            }
        }
    }

    /// Order, payment, refund and shipping questions: verification first, then the
    /// order (named, the buyer's only one, or the latest), then the answer.
    async fn order_answer(
        &self,
        context: &Context,
        language: Language,
        understanding: &Understanding,
        tools: &impl Tools,
        tool_log: &mut Vec<ToolRecord>,
    ) -> Draft {
        let phrases = answers::phrases(language);
        let Classification { intent, confidence, .. } = understanding.classification;
        let Some(buyer) = &context.verified else {
            return Draft { needs_verification: true, ..Draft::answer(phrases.ask_verification(), intent, confidence) };
        };
        let named = understanding.entities.order_number.clone().or_else(|| match buyer.order_numbers.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        });
        let (order, overview) = match named {
            Some(number) if !context.may_disclose(&number) => {
                return Draft::failure(phrases.order_not_listed(), intent, confidence);
            }
            Some(number) => match call(tools, tool_log, ToolCall::LookupOrder { number: number.clone() }).await {
                Ok(ToolOutput::Order(order)) => (*order, None),
                Ok(_) => return Draft::failure(phrases.order_not_found(&number), intent, confidence),
                Err(error) => return tool_failure(error, intent, confidence),
            },
            None => match call(tools, tool_log, ToolCall::BuyerOrders { email: buyer.email.clone() }).await {
                Ok(ToolOutput::Orders(mut orders)) => {
                    orders.sort_by_key(|order| std::cmp::Reverse(order.placed_at));
                    orders.retain(|order| context.may_disclose(&order.number));
                    let overview = (orders.len() > 1).then(|| answers::orders_overview(phrases, &orders));
                    match most_relevant(orders, intent) {
                        Some(order) => (order, overview),
                        None => return Draft::failure(phrases.no_orders(), intent, confidence),
                    }
                }
                Ok(_) => return Draft::failure(phrases.no_orders(), intent, confidence),
                Err(error) => return tool_failure(error, intent, confidence),
            },
        };
        let body = match intent {
            Intent::PaymentStatus => answers::payment(phrases, &order),
            Intent::ShippingTracking => answers::shipment(phrases, &order),
            Intent::RefundStatus => {
                let policy = self.refund_policy(&order, language, tools, tool_log).await;
                answers::refunds(phrases, &order, policy.as_ref())
            }
            _ => answers::order_status(phrases, &order),
        };
        let reply = match overview {
            Some(overview) => join(phrases, &overview, &body),
            None => body,
        };
        Draft::answer(reply, intent, confidence)
    }

    /// The merchant's article on how long refunds take, when the order has a refund.
    async fn refund_policy(
        &self,
        order: &OrderFacts,
        language: Language,
        tools: &impl Tools,
        tool_log: &mut Vec<ToolRecord>,
    ) -> Option<ArticleHit> {
        if order.refunds.is_empty() {
            return None;
        }
        let query = answers::phrases(language).refund_timing_query().to_owned();
        let hits = search(tools, tool_log, &query, language).await.ok()?;
        hits.into_iter().next().filter(|hit| hit.coverage >= POLICY_COVERAGE_MIN)
    }
}

/// Of a buyer's orders (newest first), the one a question without an order number is
/// most likely about: the newest with a refund for a refund question, the newest with a
/// shipment for a shipping question, else the newest.
fn most_relevant(orders: Vec<OrderFacts>, intent: Intent) -> Option<OrderFacts> {
    let matches = |order: &OrderFacts| match intent {
        Intent::RefundStatus => !order.refunds.is_empty(),
        Intent::ShippingTracking => order.shipment.is_some(),
        _ => true,
    };
    let position = orders.iter().position(matches).unwrap_or(0);
    orders.into_iter().nth(position)
}

fn join(phrases: &dyn Phrases, first: &str, second: &str) -> String {
    match (first.is_empty(), phrases.language()) {
        (true, _) => second.to_owned(),
        (false, Language::Chinese) => format!("{first}{second}"),
        (false, _) => format!("{first} {second}"),
    }
}

fn tool_failure(_error: ToolError, intent: Intent, confidence: f32) -> Draft {
    Draft { handoff: Some(HandoffReason::ToolFailure), ..Draft::failure(String::new(), intent, confidence) }
}

/// Calls a tool and logs the call with its outcome.
async fn call(tools: &impl Tools, tool_log: &mut Vec<ToolRecord>, call: ToolCall) -> Result<ToolOutput, ToolError> {
    let result = tools.call(&call).await;
    let outcome = match &result {
        Ok(output) => ToolOutcome::Returned(output.clone()),
        Err(error) => ToolOutcome::Failed(error.clone()),
    };
    tool_log.push(ToolRecord { call, outcome });
    result
}

/// Searches the knowledge base in the buyer's language.
async fn search(
    tools: &impl Tools,
    tool_log: &mut Vec<ToolRecord>,
    query: &str,
    language: Language,
) -> Result<Vec<ArticleHit>, ToolError> {
    let request = ToolCall::SearchKnowledge { query: query.to_owned(), language: Some(language) };
    match call(tools, tool_log, request).await? {
        ToolOutput::Articles(hits) => Ok(hits),
        _ => Ok(Vec::new()),
    }
}

fn topic_of_tag(tag: &str) -> SensitiveTopic {
    let tag = tag.to_ascii_lowercase();
    if tag.starts_with("chargeback") || tag.starts_with("dispute") {
        SensitiveTopic::Chargeback
    } else if tag.starts_with("fraud") {
        SensitiveTopic::Fraud
    } else if tag.starts_with("legal") {
        SensitiveTopic::Legal
    } else {
        SensitiveTopic::Complaint
    }
}
