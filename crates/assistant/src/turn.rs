//! One turn of the assistant: its reply, what it understood, every tool call and, when it
//! steps aside, the handoff with a summary for the agent.

use crate::entities::Entities;
use crate::guardrail::UnsupportedFact;
use crate::intent::{Intent, SensitiveTopic};
use crate::tools::{ToolOutput, ToolRecord};
use tradewind_language::Language;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoffReason {
    Requested,
    LowConfidence,
    Sensitive(SensitiveTopic),
    RepeatedFailure,
    ToolFailure,
}

impl HandoffReason {
    pub fn name(self) -> &'static str {
        match self {
            HandoffReason::Requested => "requested",
            HandoffReason::LowConfidence => "low_confidence",
            HandoffReason::Sensitive(_) => "sensitive",
            HandoffReason::RepeatedFailure => "repeated_failure",
            HandoffReason::ToolFailure => "tool_failure",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Handoff {
    pub reason: HandoffReason,
    /// For the agent, in English.
    pub summary: String,
}

/// Who wrote the reply.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerSource {
    /// The embedded intent engine.
    Embedded,
    /// The chat model, its answer checked by the guardrail.
    Model,
    /// The chat model failed or stated an unsupported fact; the embedded engine answered.
    ModelFallback(FallbackCause),
}

#[derive(Debug, Clone, PartialEq)]
pub enum FallbackCause {
    /// The model's answer stated a fact no tool returned.
    Unsupported(UnsupportedFact),
    /// The model could not be reached or answered garbage (the error, without secrets).
    ModelError(String),
    /// The model kept calling tools past the round limit.
    TooManyRounds,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// The reply to send the buyer, in `language`; `None` when there is nothing to say
    /// (an empty message).
    pub reply: Option<String>,
    pub language: Language,
    pub intent: Intent,
    pub confidence: f32,
    pub entities: Entities,
    /// Every tool call, in order, with its outcome (for the conversation's timeline).
    pub tool_log: Vec<ToolRecord>,
    pub handoff: Option<Handoff>,
    /// The assistant could not answer (the caller adds one to `Context::failed_answers`).
    pub failed: bool,
    /// The buyer must verify (order number and email) before order data is shown.
    pub needs_verification: bool,
    pub source: AnswerSource,
}

impl Turn {
    /// What the tools returned this turn (for the guardrail).
    pub fn tool_outputs(&self) -> Vec<ToolOutput> {
        self.tool_log.iter().filter_map(|record| record.output().cloned()).collect()
    }
}
