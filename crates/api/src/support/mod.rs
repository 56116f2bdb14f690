//! The support desk on the server: conversations between buyers (the widget) and a
//! merchant's agents (the console), carried on the realtime layer and stored with their
//! messages and timeline.
//!
//! - [`auth`]: who is calling (agent session, secret key, widget visitor).
//! - [`settings`]: each merchant's desk settings with their defaults.
//! - [`store`]: one change to a conversation — its row, messages, timeline entries and
//!   webhook events written in one transaction — and what is broadcast after commit.
//! - [`views`]: conversation and message objects for agents and for buyers.
//! - [`assign`]: automatic assignment (language, capacity, round-robin), the queue, and
//!   reassignment when an agent goes offline.
//! - [`converse`]: messages from buyers, agents, the assistant and the system.
//! - [`assistant`]: the assistant's turn on a buyer's message, and handoffs.
//! - [`translate`]: translations between buyers' and agents' languages.
//! - [`sweep`]: snoozes that end and SLA deadlines that pass, on the merchant's clock.
//!
//! The pure rules (statuses, routing, hours, SLA, canned responses, identity) are the
//! `tradewind-support` crate.
//!
//! **Architecture Invariant:** a buyer's request reaches only its own contact's
//! conversations; internal notes never reach the buyer's view or channel.

pub mod assign;
pub mod assistant;
pub mod auth;
pub mod converse;
pub mod realtime;
pub mod settings;
pub mod store;
pub mod sweep;
pub mod translate;
pub mod views;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Realtime channels of the desk (namespace `support`).
pub fn contact_channel(contact_id: &str) -> String {
    format!("support:{contact_id}")
}

pub fn conversation_channel(conversation_id: &str) -> String {
    format!("support:{conversation_id}")
}

pub const INBOX_CHANNEL: &str = "support:inbox";

/// The desk's process-wide state.
#[derive(Default)]
pub struct SupportRuntime {
    /// One lock per merchant around assignment decisions, so two conversations arriving
    /// at once cannot both take an agent's last free slot (on one node; a cluster of
    /// nodes can overshoot a capacity by the number of nodes deciding at once).
    routing_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The assistant's engine and the merchants' knowledge indexes.
    pub assistant: assistant::AssistantRuntime,
    /// The configured translator (`--translation-url`), if any.
    pub translator: Option<tradewind_language::Translator>,
}

impl SupportRuntime {
    /// A desk whose messages are translated by `translator`.
    pub fn with_translator(translator: tradewind_language::Translator) -> SupportRuntime {
        SupportRuntime { translator: Some(translator), ..SupportRuntime::default() }
    }

    /// A desk with an optional translator and an optional chat model for the assistant.
    pub fn new(
        translator: Option<tradewind_language::Translator>,
        model: Option<tradewind_assistant::LlmConfig>,
    ) -> Result<SupportRuntime, String> {
        let assistant = match model {
            Some(config) => assistant::AssistantRuntime::with_model(config)?,
            None => assistant::AssistantRuntime::default(),
        };
        Ok(SupportRuntime { translator, assistant, ..SupportRuntime::default() })
    }

    pub fn routing_lock(&self, merchant_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.routing_locks.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(locks.entry(merchant_id.to_owned()).or_default())
    }
}

/// The merchant's clock in milliseconds: its seconds, with the real clock's milliseconds
/// (orders arrivals within a second for round-robin and the queue).
pub fn now_ms(state: &crate::state::AppState, now: i64) -> i64 {
    now.saturating_mul(1000).saturating_add(i64::try_from(state.clock.now_ms() % 1000).unwrap_or(0))
}
