//! One change to a conversation: the new row, the messages it adds, its timeline entries
//! and its webhook events, written in one transaction ([`Change::write`]); and what is
//! broadcast on the realtime layer once it committed ([`broadcast`]).

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::support::{INBOX_CHANNEL, contact_channel, conversation_channel, views};
use crate::wire::support::{ContactObject, ConversationObject, Viewer};
use serde_json::{Value, json};
use tradewind_payments::id::ConversationEventId;
use tradewind_storage::support::conversations::{self, ConversationRow};
use tradewind_storage::support::messages::{self, MessageRow};
use tradewind_storage::support::timeline::{self, TimelineRow};
use tradewind_storage::{Connection, events};
use tradewind_support::EventKind;

/// The longest preview of a conversation's last message.
const PREVIEW_CHARS_MAX: usize = 140;

/// A message to insert, with its attachment's bytes.
pub struct NewMessage {
    pub row: MessageRow,
    pub attachment: Option<Vec<u8>>,
}

/// What one request or step does to one conversation.
pub struct Change {
    /// The conversation after the change (its version is bumped on write); `None` for a
    /// new conversation's first write is not a case: new conversations are `created`.
    pub row: ConversationRow,
    pub created: bool,
    pub messages: Vec<NewMessage>,
    /// (kind, actor, data).
    pub timeline: Vec<(EventKind, String, Value)>,
    /// Webhook event types to record with the conversation (agent view) as data.
    pub events: Vec<&'static str>,
}

impl Change {
    pub fn new(row: ConversationRow) -> Change {
        Change { row, created: false, messages: Vec::new(), timeline: Vec::new(), events: Vec::new() }
    }

    pub fn note(&mut self, kind: EventKind, actor: &str, data: Value) {
        self.timeline.push((kind, actor.to_owned(), data));
    }

    /// Adds a message and keeps the conversation's counters and preview in step.
    pub fn add_message(&mut self, row: MessageRow, attachment: Option<Vec<u8>>) {
        self.row.message_count += 1;
        self.row.last_message_at = row.created_at;
        if row.private == 0 {
            let preview: String = row.text.chars().take(PREVIEW_CHARS_MAX).collect();
            self.row.last_message_preview =
                Some(if preview.is_empty() { row.attachment_name.clone().unwrap_or_default() } else { preview });
        }
        let data = json!({"message": row.id, "sender": row.sender, "private": row.private == 1});
        let actor = row.agent_id.clone().unwrap_or_else(|| row.sender.clone());
        self.note(if row.private == 1 { EventKind::Note } else { EventKind::Message }, &actor, data);
        self.messages.push(NewMessage { row, attachment });
    }

    /// Writes everything inside `connection`'s transaction. False when the conversation
    /// changed since it was read (the caller answers 409 or retries).
    pub async fn write(&mut self, connection: &mut Connection, now: i64) -> ApiResult<bool> {
        self.row.updated_at = now;
        if self.created {
            conversations::insert(connection, &self.row).await?;
        } else {
            self.row.version += 1;
            if !conversations::update(connection, &self.row).await? {
                self.row.version -= 1;
                return Ok(false);
            }
        }
        for message in &self.messages {
            messages::insert(connection, &message.row, message.attachment.as_deref()).await?;
        }
        for (kind, actor, data) in &self.timeline {
            let row = TimelineRow {
                id: ConversationEventId::generate().to_string(),
                merchant_id: self.row.merchant_id.clone(),
                conversation_id: self.row.id.clone(),
                kind: kind.as_str().to_owned(),
                actor: actor.clone(),
                data: data.to_string(),
                created_at: now,
            };
            timeline::insert(connection, &row).await?;
        }
        if !self.events.is_empty() {
            let data = event_data(connection, &self.row).await?;
            for event_type in &self.events {
                let event = crate::flows::events::event(&self.row.merchant_id, event_type, &self.row.id, &data, now);
                events::insert(connection, &event).await?;
            }
        }
        Ok(true)
    }
}

/// A conversation event's data: the conversation as agents see it (without the queue
/// place and unread count, which are computed on read).
async fn event_data(connection: &mut Connection, row: &ConversationRow) -> ApiResult<Value> {
    let contact = tradewind_storage::support::contacts::get_in(connection, &row.merchant_id, &row.contact_id)
        .await?
        .ok_or_else(|| ApiError::not_found("contact", &row.contact_id))?;
    let tags = conversations::tags_in(connection, &row.id).await?;
    let assignee_name = match &row.assignee_id {
        Some(agent) => tradewind_storage::support::agents::get_in(connection, &row.merchant_id, agent)
            .await?
            .map(|agent| agent.name),
        None => None,
    };
    let parts =
        crate::wire::support::ConversationParts { contact: &contact, tags, assignee_name, queue: None, unread: 0 };
    let mut object = ConversationObject::new(row, parts, Viewer::Agent(&[])).to_value();
    if let Value::Object(map) = &mut object {
        map.remove("unread");
        map.insert("contact".into(), serde_json::to_value(ContactObject::from_row(&contact)).unwrap_or(Value::Null));
    }
    Ok(object)
}

/// Writes a change in its own transaction; a lost race answers 409.
pub async fn commit(state: &AppState, change: &mut Change, now: i64) -> ApiResult<()> {
    let mut transaction = state.store.begin().await?;
    if !change.write(transaction.connection(), now).await? {
        return Err(ApiError::conflict(
            "conversation_changed",
            "The conversation changed while this request ran; reload it and try again.",
        ));
    }
    transaction.commit().await?;
    Ok(())
}

/// Tells the realtime layer what a committed change did: each new message to the buyer's
/// channel (unless a note) and the agents' conversation channel, and the conversation's
/// new state to both and to the agents' inbox. A failed publication is logged: clients
/// catch up from the API.
pub async fn broadcast(state: &AppState, change: &Change) {
    if let Err(error) = try_broadcast(state, change).await {
        tracing::warn!(conversation = %change.row.id, error = %error.body(), "support broadcast failed");
    }
}

async fn try_broadcast(state: &AppState, change: &Change) -> ApiResult<()> {
    let row = &change.row;
    let merchant = row.merchant_id.as_str();
    let buyer_channel = contact_channel(&row.contact_id);
    let agent_channel = conversation_channel(&row.id);
    for message in &change.messages {
        let agent_view = views::message(state, &message.row, Viewer::Agent(&[])).await?;
        let data = json!({"type": "message.created", "conversation": row.id, "message": agent_view});
        crate::routes::realtime::publish_server(state, merchant, &agent_channel, &data).await?;
        if message.row.private == 0 {
            let buyer_view = views::message(state, &message.row, Viewer::Buyer).await?;
            let data = json!({"type": "message.created", "conversation": row.id, "message": buyer_view});
            crate::routes::realtime::publish_server(state, merchant, &buyer_channel, &data).await?;
        }
    }
    let agent_view = views::conversation(state, row, Viewer::Agent(&[])).await?;
    let data = json!({"type": "conversation.updated", "conversation": agent_view});
    crate::routes::realtime::publish_server(state, merchant, INBOX_CHANNEL, &data).await?;
    crate::routes::realtime::publish_server(state, merchant, &agent_channel, &data).await?;
    let buyer_view = views::conversation(state, row, Viewer::Buyer).await?;
    let data = json!({"type": "conversation.updated", "conversation": buyer_view});
    crate::routes::realtime::publish_server(state, merchant, &buyer_channel, &data).await?;
    Ok(())
}

/// A read receipt on both sides' channels.
pub async fn broadcast_read(state: &AppState, row: &ConversationRow, reader: &str, message: &str) {
    let data = json!({"type": "read", "conversation": row.id, "reader": reader, "message": message});
    for channel in [contact_channel(&row.contact_id), conversation_channel(&row.id)] {
        if let Err(error) = crate::routes::realtime::publish_server(state, &row.merchant_id, &channel, &data).await {
            tracing::warn!(conversation = %row.id, error = %error.body(), "support read receipt not broadcast");
        }
    }
}
