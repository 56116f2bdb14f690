//! The customer-service assistant: answers buyers first on new support conversations —
//! order, payment, refund and shipping status, the return policy and other questions
//! from the merchant's knowledge base — in the buyer's language, from tool results only,
//! and hands off to a person on request, on sensitive topics, on low confidence and
//! after repeated failures, with a summary for the agent.
//!
//! - [`engine`]: the embedded engine ([`Engine::respond`]); no model, no network.
//! - [`llm`]: the optional OpenAI-compatible chat model ([`LlmEngine::respond`]) under
//!   the same tools, verification gate and guardrail, falling back to the embedded one.
//! - [`context`] and [`turn`]: what the engine is told and what it answers.
//! - [`tools`]: the [`Tools`] the engines call (the server implements them) and
//!   [`FixtureTools`] for tests and the evaluation.
//! - [`facts`]: the typed facts tools return.
//! - [`knowledge`]: BM25 search over the knowledge base ([`KnowledgeIndex`]).
//! - [`intent`] and [`entities`]: understanding a message (lexicons of six languages).
//! - [`answers`]: the phrase books of the six spoken languages; [`dates`]: dates in each.
//! - [`guardrail`]: [`check_facts`], every stated fact checked against tool outputs.
//! - [`summary`]: the handoff summary for the agent.
//! - [`eval`]: the evaluation set and its report (`cargo run -p tradewind-assistant
//!   --bin assistant-eval`).
//! - [`text`]: folding and word splitting shared by all of the above.
//!
//! Nothing here touches a database or reads a clock; the only I/O is the chat-model
//! client in [`llm`].

pub mod answers;
pub mod context;
pub mod dates;
pub mod engine;
pub mod entities;
pub mod eval;
pub mod facts;
pub mod guardrail;
pub mod intent;
pub mod knowledge;
pub mod llm;
pub mod summary;
pub mod text;
pub mod tools;
pub mod turn;

pub use context::{Context, RecentTurn, Speaker, VerifiedBuyer};
pub use engine::Engine;
pub use guardrail::{UnsupportedFact, check_facts};
pub use intent::{Intent, SensitiveTopic};
pub use knowledge::{Article, KnowledgeIndex};
pub use llm::{LlmConfig, LlmEngine};
pub use tools::{FixtureTools, ToolCall, ToolError, ToolOutput, ToolRecord, Tools};
pub use turn::{AnswerSource, Handoff, HandoffReason, Turn};
