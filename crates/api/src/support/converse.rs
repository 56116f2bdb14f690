//! Messages into a conversation: from the buyer (the widget), from the team (an agent
//! or the merchant's backend, replies and internal notes, canned responses filled in),
//! and from the assistant or the system. Each is one [`Change`]; what a buyer's message
//! sets off (the assistant's answer, routing to an agent) runs after it committed.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::support::auth::Desk;
use crate::support::store::{self, Change};
use crate::support::{assign, assistant, settings};
use crate::wire::support::PostMessage;
use serde_json::json;
use std::collections::BTreeMap;
use tradewind_language::{Language, detect, detect_with_hint};
use tradewind_payments::id::MessageId;
use tradewind_storage::support::conversations::{self, ConversationRow};
use tradewind_storage::support::messages::MessageRow;
use tradewind_storage::support::{canned, contacts};
use tradewind_support::{
    AttachmentType, CannedTemplate, EventKind, Message, MessageKind, Sender, Status, Variable, Variables,
};

/// A file sent with a message, judged by its bytes.
pub struct Upload {
    pub name: String,
    pub kind: AttachmentType,
    pub bytes: Vec<u8>,
}

/// The longest attachment file name kept.
const ATTACHMENT_NAME_CHARS_MAX: usize = 200;

impl Upload {
    pub fn new(name: &str, bytes: Vec<u8>) -> ApiResult<Upload> {
        let kind = tradewind_support::judge_attachment(&bytes, bytes.len() as u64)
            .map_err(|error| ApiError::invalid("file", "file_invalid", error.to_string()))?;
        let name: String =
            name.chars().filter(|character| !character.is_control()).take(ATTACHMENT_NAME_CHARS_MAX).collect();
        let name = if name.trim().is_empty() { format!("attachment.{}", kind.extension()) } else { name };
        Ok(Upload { name, kind, bytes })
    }
}

pub fn support_error(param: &str, error: tradewind_support::SupportError) -> ApiError {
    ApiError::invalid(param, "parameter_invalid", error.to_string())
}

/// A new message row; `language` is what it is written in.
#[allow(clippy::too_many_arguments)]
pub fn message_row(
    conversation: &ConversationRow,
    sender: Sender,
    agent_id: Option<String>,
    message: &Message,
    language: Option<Language>,
    translations: &BTreeMap<String, String>,
    upload: Option<&Upload>,
    now: i64,
) -> MessageRow {
    MessageRow {
        id: MessageId::generate().to_string(),
        merchant_id: conversation.merchant_id.clone(),
        conversation_id: conversation.id.clone(),
        sender: sender.as_str().to_owned(),
        agent_id,
        kind: message.kind().as_str().to_owned(),
        private: i64::from(message.is_internal_note()),
        text: message.text().to_owned(),
        language: language.map(|language| language.code().to_owned()),
        translations: serde_json::to_string(translations).unwrap_or_else(|_| "{}".to_owned()),
        attachment_name: upload.map(|upload| upload.name.clone()),
        attachment_type: upload.map(|upload| upload.kind.mime_type().to_owned()),
        attachment_size: upload.map(|upload| upload.bytes.len() as i64),
        created_at: now,
    }
}

fn kind_of(upload: Option<&Upload>) -> MessageKind {
    upload.map_or(MessageKind::Text, |upload| upload.kind.message_kind())
}

/// What a buyer's message produced.
pub struct BuyerOutcome {
    pub message: MessageRow,
    pub replies: Vec<MessageRow>,
    pub conversation: ConversationRow,
}

/// A buyer writes into their conversation; then the assistant answers (if it is on) or
/// routing finds an agent (if none has it).
pub async fn from_buyer(
    state: &AppState,
    merchant_id: &str,
    contact_id: &str,
    conversation_id: &str,
    text: &str,
    upload: Option<Upload>,
    now: i64,
) -> ApiResult<BuyerOutcome> {
    let message = Message::new(Sender::Buyer, kind_of(upload.as_ref()), text, false)
        .map_err(|error| support_error("text", error))?;
    let before = conversations::get(state.store.pool(), merchant_id, conversation_id)
        .await?
        .filter(|row| row.contact_id == contact_id)
        .ok_or_else(|| ApiError::not_found("conversation", conversation_id))?;
    let hint = before.language.as_deref().and_then(|code| Language::parse(code).ok());
    let detected = if message.text().trim().is_empty() { None } else { detect_with_hint(message.text(), hint) };
    let language = detected.map(|detection| detection.language).or(hint);
    let translations = if message.text().trim().is_empty() {
        BTreeMap::new()
    } else {
        let targets = agent_languages(state, &before).await?;
        crate::support::translate::for_agents(state, conversation_id, message.text(), language, &targets).await
    };
    let mut transaction = state.store.begin().await?;
    let row = conversations::get_in(transaction.connection(), merchant_id, conversation_id)
        .await?
        .filter(|row| row.contact_id == contact_id)
        .ok_or_else(|| ApiError::not_found("conversation", conversation_id))?;
    let mut change = Change::new(row);
    if (change.row.language.is_none() || detected.is_some_and(|detection| detection.reliable))
        && let Some(language) = language
    {
        change.row.language = Some(language.code().to_owned());
    }
    let status = Status::parse(&change.row.status).map_err(|error| ApiError::internal(&error))?;
    let next = status.on_buyer_message();
    if next != status {
        change.row.status = next.as_str().to_owned();
        change.row.snoozed_until = None;
        if status == Status::Resolved {
            // A reopened conversation gets a new resolution deadline from now.
            let desk = settings::load(state, merchant_id, now).await?;
            let priority =
                tradewind_support::Priority::parse(&change.row.priority).unwrap_or(tradewind_support::Priority::None);
            let hours = settings::hours(state, &desk).await?;
            let due = settings::sla_due(&desk, &hours, now, priority);
            change.row.resolved_at = None;
            change.row.resolution_due_at = due.resolution_due;
            change.row.sla_resolution_breached = 0;
        }
        change.note(EventKind::StatusChanged, "buyer", json!({"from": status.as_str(), "to": next.as_str()}));
    }
    let row = message_row(&change.row, Sender::Buyer, None, &message, language, &translations, upload.as_ref(), now);
    change.add_message(row.clone(), upload.map(|upload| upload.bytes));
    change.events.push("conversation.message_created");
    if !change.write(transaction.connection(), now).await? {
        return Err(ApiError::conflict("conversation_changed", "The conversation changed; send the message again."));
    }
    transaction.commit().await?;
    store::broadcast(state, &change).await;
    let mut conversation = change.row;
    let mut replies = Vec::new();
    if conversation.assistant_active == 1 {
        let turn = assistant::respond(state, &conversation, &row, now).await?;
        replies = turn.replies;
        conversation = turn.conversation;
    }
    if conversation.assistant_active == 0
        && conversation.assignee_id.is_none()
        && conversation.queued_at_ms.is_none()
        && conversation.status != "resolved"
    {
        conversation = assign::route(state, merchant_id, &conversation.id, now).await?;
    }
    Ok(BuyerOutcome { message: row, replies, conversation })
}

/// The languages agents read a buyer's message in: the assignee's first language, and
/// English (the desk's common language) — none without a translator.
async fn agent_languages(state: &AppState, row: &ConversationRow) -> ApiResult<Vec<Language>> {
    if state.support.translator.is_none() {
        return Ok(Vec::new());
    }
    let mut targets = Vec::new();
    if let Some(agent_id) = &row.assignee_id
        && let Some(agent) =
            tradewind_storage::support::agents::get(state.store.pool(), &row.merchant_id, agent_id).await?
    {
        let languages: Vec<String> = serde_json::from_str(&agent.languages).unwrap_or_default();
        targets.extend(languages.first().and_then(|code| Language::parse(code).ok()));
    }
    if !targets.contains(&Language::English) {
        targets.push(Language::English);
    }
    Ok(targets)
}

/// The values a canned response can use in this conversation.
async fn canned_variables(state: &AppState, desk: &Desk, row: &ConversationRow) -> ApiResult<Variables> {
    let pool = state.store.pool();
    let mut values = Variables::new();
    if let Some(contact) = contacts::get(pool, &row.merchant_id, &row.contact_id).await? {
        if let Some(name) = &contact.name {
            values.set(Variable::BuyerName, name);
        }
        if let Some(email) = &contact.email {
            values.set(Variable::BuyerEmail, email);
        }
    }
    if let Some(agent) = &desk.agent {
        values.set(Variable::AgentName, &agent.name);
    }
    if let Some(merchant) = tradewind_storage::merchants::get(pool, &row.merchant_id).await? {
        values.set(Variable::MerchantName, &merchant.name);
    }
    if let Some(order_id) = &row.order_id
        && let Some(order) = tradewind_storage::orders::get(pool, &row.merchant_id, order_id).await?
    {
        values.set(Variable::OrderNumber, &order.number);
        values.set(Variable::OrderStatus, &order.status);
        if let Some(carrier) = &order.carrier {
            values.set(Variable::Carrier, carrier);
        }
        if let Some(tracking) = &order.tracking_number {
            values.set(Variable::TrackingNumber, tracking);
        }
        if let Some(link) = &order.tracking_url {
            values.set(Variable::TrackingLink, link);
        }
    }
    Ok(values)
}

/// The text of a team message: as written, or a canned response filled in.
async fn team_text(state: &AppState, desk: &Desk, row: &ConversationRow, body: &PostMessage) -> ApiResult<String> {
    let Some(canned_id) = &body.canned_response else {
        return Ok(body.text.clone().unwrap_or_default());
    };
    let stored = canned::get(state.store.pool(), desk.merchant(), canned_id).await?.ok_or_else(|| {
        ApiError::invalid("canned_response", "resource_missing", format!("No such canned response: '{canned_id}'"))
    })?;
    let template = CannedTemplate::parse(&stored.text).map_err(|error| ApiError::internal(&error))?;
    let values = canned_variables(state, desk, row).await?;
    let missing = template.missing(&values);
    if let Some(first) = missing.first() {
        let names: Vec<&str> = missing.iter().map(|variable| variable.as_str()).collect();
        return Err(ApiError::invalid(
            "canned_response",
            "canned_variable_missing",
            format!(
                "This conversation has no value for {{{{{}}}}} (missing: {}); write the reply yourself or link an order.",
                first.as_str(),
                names.join(", ")
            ),
        ));
    }
    let rendered = template.render(&values).map_err(|error| ApiError::internal(&error))?;
    Ok(match &body.text {
        Some(extra) if !extra.trim().is_empty() => format!("{rendered}\n\n{extra}"),
        _ => rendered,
    })
}

/// An agent (or the merchant's backend) replies or writes an internal note. A reply is
/// the first response if none came before; it takes the conversation from the assistant,
/// and gives an unassigned conversation to the agent who answered.
pub async fn from_team(
    state: &AppState,
    desk: &Desk,
    conversation_id: &str,
    body: &PostMessage,
    upload: Option<Upload>,
) -> ApiResult<(MessageRow, ConversationRow)> {
    let now = desk.now(state);
    let current = conversations::get(state.store.pool(), desk.merchant(), conversation_id)
        .await?
        .ok_or_else(|| ApiError::not_found("conversation", conversation_id))?;
    let text = team_text(state, desk, &current, body).await?;
    let private = body.private.unwrap_or(false);
    let message = Message::new(Sender::Agent, kind_of(upload.as_ref()), &text, private)
        .map_err(|error| support_error("text", error))?;
    let language = detect(message.text()).filter(|detection| detection.reliable).map(|detection| detection.language);
    let translations = if private {
        BTreeMap::new()
    } else {
        crate::support::translate::for_buyer(state, &current, message.text(), language).await
    };
    let mut transaction = state.store.begin().await?;
    let row = conversations::get_in(transaction.connection(), desk.merchant(), conversation_id)
        .await?
        .ok_or_else(|| ApiError::not_found("conversation", conversation_id))?;
    let agent_id = desk.agent.as_ref().map(|agent| agent.id.clone());
    let mut change = Change::new(row);
    let message_row = message_row(
        &change.row,
        Sender::Agent,
        agent_id.clone(),
        &message,
        language,
        &translations,
        upload.as_ref(),
        now,
    );
    change.add_message(message_row.clone(), upload.map(|upload| upload.bytes));
    change.events.push("conversation.message_created");
    if !private {
        if change.row.first_response_at.is_none() {
            change.row.first_response_at = Some(now);
        }
        if change.row.assistant_active == 1 {
            change.row.assistant_active = 0;
            change.note(EventKind::Handoff, &desk.actor(), json!({"reason": "agent_replied"}));
        }
        if change.row.assignee_id.is_none()
            && let Some(agent) = &agent_id
        {
            change.row.assignee_id = Some(agent.clone());
            change.row.queued_at_ms = None;
            change.note(EventKind::Assigned, agent, json!({"agent": agent, "reason": "replied"}));
            change.events.push("conversation.assigned");
        }
    }
    if !change.write(transaction.connection(), now).await? {
        return Err(ApiError::conflict("conversation_changed", "The conversation changed; send the message again."));
    }
    transaction.commit().await?;
    store::broadcast(state, &change).await;
    Ok((message_row, change.row))
}

/// A message from the assistant or the system, with the widget action it carries.
pub fn bot_message(
    conversation: &ConversationRow,
    sender: Sender,
    text: &str,
    language: Option<Language>,
    action: Option<&str>,
    now: i64,
) -> ApiResult<MessageRow> {
    let message = Message::new(sender, MessageKind::Text, text, false).map_err(|error| ApiError::internal(&error))?;
    let mut extras = BTreeMap::new();
    if let Some(action) = action {
        extras.insert(crate::wire::support::ACTION_KEY.to_owned(), action.to_owned());
    }
    Ok(message_row(conversation, sender, None, &message, language, &extras, None, now))
}
