//! The assistant's turn on a buyer's message: it answers from tool results or hands the
//! conversation to people. (The engine is wired in by `tradewind-assistant`; until a
//! merchant's assistant can answer, it hands off at once.)

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::support::store::{self, Change};
use serde_json::json;
use tradewind_storage::support::conversations::{self, ConversationRow};
use tradewind_storage::support::messages::MessageRow;
use tradewind_support::EventKind;

/// What the assistant's turn produced.
pub struct Turn {
    pub replies: Vec<MessageRow>,
    pub conversation: ConversationRow,
}

/// Hands the conversation to people with a reason and a summary for the agent.
pub async fn hand_off(
    state: &AppState,
    conversation: &ConversationRow,
    reason: &str,
    summary: &str,
    replies: Vec<MessageRow>,
    now: i64,
) -> ApiResult<Turn> {
    let mut transaction = state.store.begin().await?;
    let row = conversations::get_in(transaction.connection(), &conversation.merchant_id, &conversation.id)
        .await?
        .ok_or_else(|| ApiError::not_found("conversation", &conversation.id))?;
    let mut change = Change::new(row);
    for reply in &replies {
        change.add_message(reply.clone(), None);
    }
    if change.row.assistant_active == 1 {
        change.row.assistant_active = 0;
        change.note(EventKind::Handoff, "assistant", json!({"reason": reason, "summary": summary}));
        change.events.push("conversation.handoff");
    }
    if !change.write(transaction.connection(), now).await? {
        return Err(ApiError::conflict("conversation_changed", "The conversation changed during the handoff."));
    }
    transaction.commit().await?;
    store::broadcast(state, &change).await;
    Ok(Turn { replies, conversation: change.row })
}

pub async fn respond(
    state: &AppState,
    conversation: &ConversationRow,
    message: &MessageRow,
    now: i64,
) -> ApiResult<Turn> {
    let summary = format!("The buyer wrote: {}", message.text.chars().take(200).collect::<String>());
    hand_off(state, conversation, "assistant_unavailable", &summary, Vec::new(), now).await
}
