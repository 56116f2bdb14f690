//! The optional chat-model path: any OpenAI-compatible Chat Completions API with tool
//! calling, configured by URL, key and model name, under the embedded engine's rules.
//!
//! - Requests for a person and sensitive topics (and sensitive tags) never reach the
//!   model: the embedded engine hands off as it always does.
//! - The model calls the same [`Tools`]; order tools for an unverified buyer, or for an
//!   order that is not the buyer's, are refused with a tool result telling the model to
//!   ask for verification, and logged as refused. `buyer_orders` always means the
//!   verified buyer's email, never one the model names.
//! - At most [`LlmConfig::tool_rounds_max`] rounds of tool calls, each of at most
//!   [`TOOL_CALLS_PER_ROUND_MAX`] calls.
//! - The final text must pass [`check_facts_allowing`]; otherwise, and on any error of
//!   the model, the embedded engine answers instead ([`AnswerSource::ModelFallback`]).
//!
//! - [`client`]: the HTTP client (timeout, bounded answer, bearer key).
//! - [`wire`]: the JSON shapes, the tool definitions and the facts as tool results.
//! - `fake` (feature `fake`): a local chat server that plays scripted answers.

pub mod client;
#[cfg(feature = "fake")]
pub mod fake;
pub mod wire;

use crate::context::{Context, RECENT_TURNS_MAX, Speaker};
use crate::engine::Engine;
use crate::guardrail::check_facts_allowing;
use crate::intent::Intent;
use crate::text::truncate_chars;
use crate::tools::{Refusal, ToolCall, ToolOutcome, ToolOutput, ToolRecord, Tools};
use crate::turn::{AnswerSource, FallbackCause, Turn};
pub use client::{LlmClient, LlmError};
use std::fmt;
use std::time::Duration;
use tradewind_language::Language;
use wire::{ChatRequest, Message, ToolCallWire};

/// A call that gets no complete answer within this fails (and the embedded engine answers).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// Rounds of tool calls before the model must answer.
pub const DEFAULT_TOOL_ROUNDS_MAX: u8 = 4;
/// Tool calls the model may make in one round; more are refused.
pub const TOOL_CALLS_PER_ROUND_MAX: usize = 4;
/// Earlier turns sent to the model are cut to this many characters each.
const HISTORY_TURN_CHARS_MAX: usize = 500;

/// An API key. `Debug` and `Display` never print it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }

    /// The key itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("ApiKey([redacted])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("[redacted]")
    }
}

#[derive(Debug, Clone)]
pub struct LlmConfig {
    /// The API's base URL, e.g. `https://api.openai.com/v1` or a local server's.
    pub base_url: String,
    pub api_key: ApiKey,
    pub model: String,
    pub timeout: Duration,
    pub tool_rounds_max: u8,
}

impl LlmConfig {
    pub fn new(base_url: impl Into<String>, api_key: ApiKey, model: impl Into<String>) -> LlmConfig {
        LlmConfig {
            base_url: base_url.into(),
            api_key,
            model: model.into(),
            timeout: DEFAULT_TIMEOUT,
            tool_rounds_max: DEFAULT_TOOL_ROUNDS_MAX,
        }
    }
}

/// The chat-model assistant, with the embedded engine for handoffs and fallbacks.
#[derive(Debug, Clone)]
pub struct LlmEngine {
    client: LlmClient,
    embedded: Engine,
}

impl LlmEngine {
    pub fn new(config: LlmConfig, embedded: Engine) -> Result<LlmEngine, LlmError> {
        Ok(LlmEngine { client: LlmClient::new(config)?, embedded })
    }

    /// Answers one buyer message written in `language`, as [`Engine::respond`] does.
    pub async fn respond(&self, context: &Context, message: &str, language: Language, tools: &impl Tools) -> Turn {
        let understanding = self.embedded.understand(message, language);
        let intent = understanding.classification.intent;
        let goes_to_a_person = matches!(intent, Intent::HumanRequest | Intent::Sensitive(_));
        if goes_to_a_person || context.sensitive_tag().is_some() || message.trim().is_empty() {
            return self.embedded.respond(context, message, language, tools).await;
        }
        let mut tool_log = Vec::new();
        let outcome = self.converse(context, message, language, tools, &mut tool_log).await;
        match outcome {
            Ok(reply) => {
                let outputs: Vec<ToolOutput> = tool_log.iter().filter_map(|record| record.output().cloned()).collect();
                let mut allowed = vec![context.merchant_name.as_str()];
                if let Some(buyer) = &context.verified {
                    allowed.push(buyer.email.as_str());
                }
                match check_facts_allowing(&reply, &outputs, &allowed) {
                    Ok(()) => Turn {
                        reply: Some(reply),
                        language,
                        intent,
                        confidence: understanding.classification.confidence,
                        entities: understanding.entities,
                        tool_log,
                        handoff: None,
                        failed: false,
                        needs_verification: context.verified.is_none() && intent.needs_order(),
                        source: AnswerSource::Model,
                    },
                    Err(fact) => {
                        tracing::warn!(%fact, "the chat model stated an unsupported fact; the embedded engine answers");
                        self.fallback(context, message, language, tools, tool_log, FallbackCause::Unsupported(fact))
                            .await
                    }
                }
            }
            Err(cause) => self.fallback(context, message, language, tools, tool_log, cause).await,
        }
    }

    async fn fallback(
        &self,
        context: &Context,
        message: &str,
        language: Language,
        tools: &impl Tools,
        model_log: Vec<ToolRecord>,
        cause: FallbackCause,
    ) -> Turn {
        let mut turn = self.embedded.respond(context, message, language, tools).await;
        let mut tool_log = model_log;
        tool_log.append(&mut turn.tool_log);
        turn.tool_log = tool_log;
        turn.source = AnswerSource::ModelFallback(cause);
        turn
    }

    /// Talks with the model until it answers in text, calling tools it asks for.
    async fn converse(
        &self,
        context: &Context,
        message: &str,
        language: Language,
        tools: &impl Tools,
        tool_log: &mut Vec<ToolRecord>,
    ) -> Result<String, FallbackCause> {
        let mut messages = vec![Message::text("system", system_prompt(context, language))];
        let history_start = context.recent_turns.len().saturating_sub(RECENT_TURNS_MAX);
        for turn in &context.recent_turns[history_start..] {
            let role = if turn.speaker == Speaker::Buyer { "user" } else { "assistant" };
            messages.push(Message::text(role, truncate_chars(&turn.text, HISTORY_TURN_CHARS_MAX)));
        }
        messages.push(Message::text("user", truncate_chars(message, crate::engine::MESSAGE_CHARS_MAX)));
        let config = self.client.config();
        for _ in 0..=config.tool_rounds_max {
            let request = ChatRequest {
                model: config.model.clone(),
                messages: messages.clone(),
                tools: wire::tool_definitions(),
                tool_choice: "auto",
                temperature: 0.0,
            };
            let response = self.client.complete(&request).await.map_err(model_error)?;
            let Some(choice) = response.choices.into_iter().next() else {
                return Err(model_error(LlmError::NoChoice));
            };
            let answer = choice.message;
            if answer.tool_calls.is_empty() {
                return match answer.content.filter(|content| !content.trim().is_empty()) {
                    Some(content) => Ok(content),
                    None => Err(model_error(LlmError::Malformed("an empty answer".to_owned()))),
                };
            }
            let calls = answer.tool_calls.clone();
            messages.push(answer);
            for (position, call) in calls.iter().enumerate() {
                let result = self.run_tool(context, language, tools, tool_log, call, position).await;
                messages.push(Message::tool_result(&call.id, result));
            }
        }
        Err(FallbackCause::TooManyRounds)
    }

    /// Makes (or refuses) one call the model asked for; returns the tool result it reads.
    async fn run_tool(
        &self,
        context: &Context,
        language: Language,
        tools: &impl Tools,
        tool_log: &mut Vec<ToolRecord>,
        call: &ToolCallWire,
        position: usize,
    ) -> String {
        let requested = match call.function.name.as_str() {
            "lookup_order" => {
                wire::string_argument(&call.function.arguments, "number").map(|number| ToolCall::LookupOrder { number })
            }
            "buyer_orders" => Some(ToolCall::BuyerOrders {
                email: context.verified.as_ref().map(|buyer| buyer.email.clone()).unwrap_or_default(),
            }),
            "search_knowledge" => wire::string_argument(&call.function.arguments, "query")
                .map(|query| ToolCall::SearchKnowledge { query, language: Some(language) }),
            _ => None,
        };
        let Some(requested) = requested else {
            return wire::refusal_json("invalid_call", "Use one of the tools with its documented arguments.");
        };
        let refusal = if position >= TOOL_CALLS_PER_ROUND_MAX {
            Some(Refusal::TooManyCalls)
        } else if requested.discloses_orders() && context.verified.is_none() {
            Some(Refusal::NotVerified)
        } else if let ToolCall::LookupOrder { number } = &requested
            && !context.may_disclose(number)
        {
            Some(Refusal::NotBuyersOrder)
        } else {
            None
        };
        if let Some(refusal) = refusal {
            tool_log.push(ToolRecord { call: requested, outcome: ToolOutcome::Refused(refusal) });
            let instruction = match refusal {
                Refusal::NotVerified => {
                    "The buyer is not verified. Do not state any order data; ask for the order number and the email used for the purchase."
                }
                Refusal::NotBuyersOrder => {
                    "This order is not one of the verified buyer's orders. Do not state anything about it."
                }
                Refusal::TooManyCalls | Refusal::InvalidCall => "Answer with what the tools already returned.",
            };
            return wire::refusal_json(refusal.describe(), instruction);
        }
        match tools.call(&requested).await {
            Ok(output) => {
                let result = wire::output_json(&output);
                tool_log.push(ToolRecord { call: requested, outcome: ToolOutcome::Returned(output) });
                result
            }
            Err(error) => {
                let result = wire::refusal_json("tool_failed", "Tell the buyer you cannot check this right now.");
                tool_log.push(ToolRecord { call: requested, outcome: ToolOutcome::Failed(error) });
                result
            }
        }
    }
}

fn model_error(error: LlmError) -> FallbackCause {
    tracing::warn!(%error, "the chat model failed; the embedded engine answers");
    FallbackCause::ModelError(error.to_string())
}

fn system_prompt(context: &Context, language: Language) -> String {
    let verification = match &context.verified {
        Some(buyer) => format!(
            "The buyer is verified as {}; their orders are: {}.",
            buyer.email,
            buyer.order_numbers.join(", ")
        ),
        None => "The buyer is NOT verified: do not look up orders. For any order, payment, refund or shipping question, ask for the order number and the email used for the purchase.".to_owned(),
    };
    format!(
        "You are the customer-service assistant of {merchant}. Answer in {language}, briefly and politely.\n\
         State only facts that a tool returned in this conversation: order numbers, statuses, amounts, dates and tracking numbers must be copied from tool results, never guessed.\n\
         Use lookup_order or buyer_orders for questions about orders, payments, refunds and shipping; use search_knowledge for policies and general questions and say which article you quote.\n\
         {verification}\n\
         If you cannot answer from the tools, say so and offer to pass the conversation to a person.",
        merchant = context.merchant_name,
        language = language.english_name(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn the_key_never_prints() {
        let config = LlmConfig::new("http://127.0.0.1:1", ApiKey::new("sk-secret-123"), "gpt-test");
        assert!(!format!("{config:?}").contains("sk-secret-123"));
        assert_eq!(format!("{}", config.api_key), "[redacted]");
        let client = LlmClient::new(config).unwrap();
        assert!(!format!("{client:?}").contains("sk-secret-123"));
    }

    #[test]
    fn the_prompt_states_the_verification() {
        let mut context = Context::new("Lumen & Co");
        assert!(system_prompt(&context, Language::Spanish).contains("NOT verified"));
        assert!(system_prompt(&context, Language::Spanish).contains("Spanish"));
        context.verified = Some(crate::context::VerifiedBuyer {
            email: "ana@example.com".to_owned(),
            order_numbers: vec!["1001".to_owned()],
        });
        assert!(system_prompt(&context, Language::English).contains("ana@example.com; their orders are: 1001"));
    }
}
