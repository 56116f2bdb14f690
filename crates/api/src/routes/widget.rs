//! `/v1/widget/…`: the buyer's side of the chat widget. A visit starts with the
//! merchant's publishable key and gets a visitor token (`wvt_…`) that reaches only that
//! buyer's own conversations. A buyer proves who they are with an email the shop signed
//! or an order number with the email on that order; order facts are shown only then.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Authenticated, KeyKind, parse_json};
use crate::flows::order::{email, language};
use crate::state::AppState;
use crate::support::auth::{VISITOR_TOKEN_PREFIX, Visitor, new_token, token_hash, visitor_of_token};
use crate::support::converse::{self, Upload};
use crate::support::store::{self, Change};
use crate::support::{assign, settings, views};
use crate::wire::list::ListObject;
use crate::wire::support::{
    ConversationObject, CreateWidgetSession, Identify, ListMessages, MarkRead, MessageObject, MessageResultObject,
    PostMessage, StartConversation, SubmitCsat, SupportRealtimeTokenObject, Viewer, WidgetSessionObject,
    WidgetSettingsObject,
};
use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::BTreeMap;
use tradewind_language::Language;
use tradewind_payments::id::{ContactId, ConversationId, MessageId};
use tradewind_storage::support::contacts::{self, ContactRow};
use tradewind_storage::support::conversations::{self, ConversationRow};
use tradewind_storage::support::messages;
use tradewind_support::{Csat, EventKind, Priority, Rating};

/// The largest message body: an attachment plus the form around it.
pub const MESSAGE_BODY_LIMIT_BYTES: usize = tradewind_support::ATTACHMENT_BYTES_MAX as usize + 64 * 1024;
/// Failed order verifications before the widget must wait (a new visit starts over).
pub const VERIFICATION_ATTEMPTS_MAX: i64 = 5;
/// Pre-chat answers kept, and the longest answer.
const PRE_CHAT_ANSWERS_MAX: usize = 10;
const PRE_CHAT_ANSWER_CHARS_MAX: usize = 500;
/// A buyer's conversations listed at once.
const CONVERSATIONS_MAX: i64 = 50;

pub fn new_contact(
    merchant_id: &str,
    email: Option<String>,
    name: Option<String>,
    language: Option<String>,
    time_zone: Option<String>,
    now: i64,
) -> ContactRow {
    ContactRow {
        id: ContactId::generate().to_string(),
        merchant_id: merchant_id.to_owned(),
        token_hash: token_hash(&new_token(VISITOR_TOKEN_PREFIX)),
        name,
        email,
        verified: 0,
        verified_orders: "[]".to_owned(),
        language,
        time_zone,
        attributes: "{}".to_owned(),
        failed_verifications: 0,
        created_at: now,
        last_seen_at: now,
    }
}

/// Opens a conversation for a contact: the assistant answers first if it is on, the
/// SLA clocks start.
pub async fn open_conversation(
    state: &AppState,
    contact: &ContactRow,
    channel: &str,
    subject: Option<String>,
    priority: Option<Priority>,
    now: i64,
) -> ApiResult<ConversationRow> {
    let desk = settings::load(state, &contact.merchant_id, now).await?;
    let priority = priority.unwrap_or(Priority::None);
    let hours = settings::hours(state, &desk).await?;
    let due = settings::sla_due(&desk, &hours, now, priority);
    let row = ConversationRow {
        id: ConversationId::generate().to_string(),
        merchant_id: contact.merchant_id.clone(),
        contact_id: contact.id.clone(),
        status: "open".to_owned(),
        priority: priority.as_str().to_owned(),
        language: contact.language.clone(),
        channel: channel.to_owned(),
        subject,
        assignee_id: None,
        team_id: desk.row.default_team_id.clone(),
        queued_at_ms: None,
        assistant_active: i64::from(desk.assistant_enabled),
        assistant_failures: 0,
        order_id: None,
        snoozed_until: None,
        first_response_due_at: due.first_response_due,
        resolution_due_at: due.resolution_due,
        first_response_at: None,
        resolved_at: None,
        sla_first_response_breached: 0,
        sla_resolution_breached: 0,
        buyer_read_message_id: None,
        agent_read_message_id: None,
        csat_rating: None,
        csat_comment: None,
        last_message_at: now,
        last_message_preview: None,
        message_count: 0,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let mut change = Change::new(row);
    change.created = true;
    change.note(EventKind::Created, "buyer", json!({"channel": channel}));
    change.events.push("conversation.created");
    if !hours.is_open(now) {
        let zone = contact.time_zone.as_deref().unwrap_or("UTC");
        let buyer_language =
            contact.language.as_deref().and_then(|code| Language::parse(code).ok()).unwrap_or(Language::English);
        if let Some(back) = hours.next_open(now) {
            let text = tradewind_support::describe_return(now, back, zone, buyer_language);
            let reply = converse::bot_message(
                &change.row,
                tradewind_support::Sender::System,
                &text,
                Some(buyer_language),
                None,
                now,
            )?;
            change.add_message(reply, None);
            change.note(EventKind::AutoReply, "system", json!({"back_at": back}));
        }
    }
    store::commit(state, &mut change, now).await?;
    store::broadcast(state, &change).await;
    Ok(change.row)
}

async fn widget_settings(state: &AppState, contact: &ContactRow, now: i64) -> ApiResult<WidgetSettingsObject> {
    let desk = settings::ensure(state, &contact.merchant_id, now).await?;
    let hours = settings::hours(state, &desk).await?;
    let agents_online = assign::online_agents(state, &contact.merchant_id).await?;
    let buyer_language =
        contact.language.as_deref().and_then(|code| Language::parse(code).ok()).unwrap_or(Language::English);
    let zone = contact.time_zone.as_deref().unwrap_or("UTC");
    let typical = desk.widget.typical_reply_seconds.unwrap_or(settings::TYPICAL_REPLY_SECONDS_DEFAULT);
    let online = agents_online > 0 && hours.is_open(now);
    let expected_reply = if agents_online == 0 && hours.is_open(now) {
        // In hours but nobody is signed in: say when the team is usually back.
        tradewind_support::expected_reply_text(&hours, now, typical.saturating_mul(12), zone, buyer_language)
    } else {
        tradewind_support::expected_reply_text(&hours, now, typical, zone, buyer_language)
    };
    Ok(WidgetSettingsObject {
        assistant_enabled: desk.assistant_enabled,
        greeting: serde_json::to_value(&desk.widget.greeting).unwrap_or_default(),
        color: desk.widget.color.clone().unwrap_or_else(|| settings::WIDGET_COLOR_DEFAULT.to_owned()),
        pre_chat: serde_json::to_value(desk.widget.pre_chat.clone().unwrap_or_default()).unwrap_or_default(),
        online,
        agents_online: i64::from(agents_online),
        expected_reply,
        language: buyer_language.code().to_owned(),
        languages: Language::SPOKEN.iter().map(|language| language.code()).collect(),
        identity_required_for_orders: true,
    })
}

fn time_zone(value: &Option<String>) -> ApiResult<Option<String>> {
    match value.as_deref() {
        None | Some("") => Ok(None),
        Some(zone) => tradewind_support::hours::time_zone(zone)
            .map(|_| Some(zone.to_owned()))
            .map_err(|error| ApiError::invalid("time_zone", "parameter_invalid", error.to_string())),
    }
}

/// Starts (or resumes) a widget visit with the merchant's publishable key.
#[utoipa::path(post, path = "/v1/widget/sessions", request_body = CreateWidgetSession,
    responses((status = 200, body = WidgetSessionObject)), security(("bearer" = [])), tag = "Widget")]
pub async fn create_session(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<CreateWidgetSession>,
) -> ApiResult<Json<WidgetSessionObject>> {
    if auth.kind != KeyKind::Publishable {
        return Err(ApiError::forbidden("Start a widget session with your publishable key (pk_test_…)."));
    }
    let now = auth.now(&state);
    let chosen_language = language("language", &body.language)?;
    let zone = time_zone(&body.time_zone)?;
    if let Some(token) = &body.token
        && let Some(visitor) = visitor_of_token(&state, token).await?
        && visitor.merchant_id == auth.merchant_id
    {
        let mut contact = visitor.contact;
        contact.last_seen_at = now;
        contact.language = chosen_language.or(contact.language);
        contact.time_zone = zone.or(contact.time_zone);
        let mut transaction = state.store.begin().await?;
        contacts::update(transaction.connection(), &contact).await?;
        transaction.commit().await?;
        let settings = widget_settings(&state, &contact, now).await?;
        return Ok(Json(WidgetSessionObject {
            object: "widget_session",
            token: Some(token.clone()),
            contact: crate::wire::support::ContactObject::from_row(&contact),
            settings,
        }));
    }
    let token = new_token(VISITOR_TOKEN_PREFIX);
    let mut contact = new_contact(auth.merchant_id.as_str(), None, None, chosen_language, zone, now);
    contact.token_hash = token_hash(&token);
    let mut transaction = state.store.begin().await?;
    contacts::insert(transaction.connection(), &contact).await?;
    transaction.commit().await?;
    let settings = widget_settings(&state, &contact, now).await?;
    Ok(Json(WidgetSessionObject {
        object: "widget_session",
        token: Some(token),
        contact: crate::wire::support::ContactObject::from_row(&contact),
        settings,
    }))
}

/// The visit as it stands: the buyer and the widget's settings.
#[utoipa::path(get, path = "/v1/widget/session", responses((status = 200, body = WidgetSessionObject)), tag = "Widget")]
pub async fn retrieve_session(State(state): State<AppState>, visitor: Visitor) -> ApiResult<Json<WidgetSessionObject>> {
    let now = visitor.now(&state);
    let settings = widget_settings(&state, &visitor.contact, now).await?;
    Ok(Json(WidgetSessionObject {
        object: "widget_session",
        token: None,
        contact: crate::wire::support::ContactObject::from_row(&visitor.contact),
        settings,
    }))
}

/// The buyer says who they are: an email the shop signed, or an order number with the
/// email on that order. Either verifies them; nothing of an order is shown before.
#[utoipa::path(post, path = "/v1/widget/identify", request_body = Identify,
    responses((status = 200, body = crate::wire::support::ContactObject)), tag = "Widget")]
pub async fn identify(
    State(state): State<AppState>,
    visitor: Visitor,
    ApiJson(body): ApiJson<Identify>,
) -> ApiResult<Json<crate::wire::support::ContactObject>> {
    let now = visitor.now(&state);
    let mut contact = visitor.contact.clone();
    if contact.failed_verifications >= VERIFICATION_ATTEMPTS_MAX {
        let mut error = ApiError::invalid(
            "order_number",
            "too_many_attempts",
            "Too many failed verifications in this visit; ask for an agent instead.",
        );
        error.status = axum::http::StatusCode::TOO_MANY_REQUESTS;
        return Err(error);
    }
    let address = email("email", &body.email)?;
    let waiting = match &body.conversation {
        Some(id) => Some(own_conversation(&state, &visitor, id).await?),
        None => None,
    };
    if let Some(name) = &body.name {
        contact.name = Some(name.chars().take(100).collect());
    }
    let mut verified_orders: Vec<String> = serde_json::from_str(&contact.verified_orders).unwrap_or_default();
    let mut proved = false;
    let mut failed = false;
    if let Some(hash) = &body.identifier_hash {
        let desk = settings::ensure(&state, visitor.merchant(), now).await?;
        if tradewind_support::verify_identifier_hash(desk.row.identity_secret.as_bytes(), &address, hash) {
            proved = true;
        } else {
            failed = true;
        }
    }
    if let Some(number) = &body.order_number {
        let normalized = tradewind_payments::order::normalize_order_number(number)
            .ok_or_else(|| ApiError::invalid("order_number", "parameter_invalid", "That is not an order number."))?;
        let order = tradewind_storage::orders::by_number(state.store.pool(), visitor.merchant(), &normalized).await?;
        match order {
            Some(order) if tradewind_support::matches_order(&address, &order.buyer_email) => {
                proved = true;
                if !verified_orders.contains(&order.number) {
                    verified_orders.push(order.number.clone());
                }
            }
            _ => failed = true,
        }
    }
    let mut transaction = state.store.begin().await?;
    if failed && !proved {
        contact.failed_verifications += 1;
        contacts::update(transaction.connection(), &contact).await?;
        transaction.commit().await?;
        let left = (VERIFICATION_ATTEMPTS_MAX - contact.failed_verifications).max(0);
        return Err(ApiError::invalid(
            "order_number",
            "verification_failed",
            format!("That order number and email do not match an order ({left} attempts left)."),
        ));
    }
    // A new, different email un-proves what an earlier one proved.
    if contact.email.as_deref() != Some(address.as_str()) {
        contact.verified = 0;
        verified_orders.retain(|_| proved);
    }
    contact.email = Some(address);
    if proved {
        contact.verified = 1;
    }
    contact.verified_orders = serde_json::to_string(&verified_orders).map_err(|error| ApiError::internal(&error))?;
    contact.last_seen_at = now;
    contacts::update(transaction.connection(), &contact).await?;
    transaction.commit().await?;
    if proved
        && let Some(waiting) = waiting
        && let Some(row) = conversations::get(state.store.pool(), visitor.merchant(), &waiting.id).await?
    {
        let last_buyer_message = messages::latest(state.store.pool(), &row.id, 10)
            .await?
            .into_iter()
            .rev()
            .find(|message| message.sender == "buyer");
        if row.assistant_active == 1
            && let Some(message) = last_buyer_message
        {
            crate::support::assistant::respond(&state, &row, &message, now).await?;
        }
    }
    Ok(Json(crate::wire::support::ContactObject::from_row(&contact)))
}

async fn own_conversation(state: &AppState, visitor: &Visitor, id: &str) -> ApiResult<ConversationRow> {
    ConversationId::parse(id).map_err(|_| ApiError::not_found("conversation", id))?;
    conversations::get(state.store.pool(), visitor.merchant(), id)
        .await?
        .filter(|row| row.contact_id == visitor.contact.id)
        .ok_or_else(|| ApiError::not_found("conversation", id))
}

async fn buyer_object(
    state: &AppState,
    visitor: &Visitor,
    row: &ConversationRow,
) -> ApiResult<Json<ConversationObject>> {
    let contact = contacts::get(state.store.pool(), visitor.merchant(), &visitor.contact.id)
        .await?
        .unwrap_or_else(|| visitor.contact.clone());
    Ok(Json(views::conversation_with(state, row, &contact, Viewer::Buyer).await?))
}

/// The buyer's conversations, newest first.
#[utoipa::path(get, path = "/v1/widget/conversations", responses((status = 200, body = ListObject<ConversationObject>)), tag = "Widget")]
pub async fn list_conversations(
    State(state): State<AppState>,
    visitor: Visitor,
) -> ApiResult<Json<ListObject<ConversationObject>>> {
    let filter = conversations::ListFilter {
        starting_after: None,
        status: None,
        assignee: conversations::Assignee::Any,
        tag: None,
        contact_id: Some(visitor.contact.id.clone()),
        search: None,
        limit: CONVERSATIONS_MAX + 1,
    };
    let rows = conversations::list(state.store.pool(), visitor.merchant(), &filter).await?;
    let mut data = Vec::with_capacity(rows.len());
    for row in &rows {
        data.push(views::conversation_with(&state, row, &visitor.contact, Viewer::Buyer).await?);
    }
    Ok(Json(ListObject::new(data, CONVERSATIONS_MAX, "/v1/widget/conversations")))
}

/// Starts a conversation (with the pre-chat answers and, usually, a first message).
#[utoipa::path(post, path = "/v1/widget/conversations", request_body = StartConversation,
    responses((status = 200, body = ConversationObject)), tag = "Widget")]
pub async fn start_conversation(
    State(state): State<AppState>,
    visitor: Visitor,
    ApiJson(body): ApiJson<StartConversation>,
) -> ApiResult<Json<ConversationObject>> {
    let now = visitor.now(&state);
    if body.pre_chat.len() > PRE_CHAT_ANSWERS_MAX
        || body.pre_chat.iter().any(|(key, value)| key.len() > 64 || value.chars().count() > PRE_CHAT_ANSWER_CHARS_MAX)
    {
        return Err(ApiError::invalid(
            "pre_chat",
            "parameter_invalid",
            format!("At most {PRE_CHAT_ANSWERS_MAX} answers of at most {PRE_CHAT_ANSWER_CHARS_MAX} characters."),
        ));
    }
    let chosen_language = language("language", &body.language)?;
    let pre_chat_email = body.pre_chat.get("email").map(|value| email("pre_chat[email]", value)).transpose()?;
    if let Some(text) = &body.text {
        tradewind_support::Message::new(
            tradewind_support::Sender::Buyer,
            tradewind_support::MessageKind::Text,
            text,
            false,
        )
        .map_err(|error| converse::support_error("text", error))?;
    }
    let mut contact = visitor.contact.clone();
    if !body.pre_chat.is_empty() || chosen_language.is_some() {
        let mut attributes: BTreeMap<String, String> = serde_json::from_str(&contact.attributes).unwrap_or_default();
        attributes.extend(body.pre_chat.clone());
        contact.attributes = serde_json::to_string(&attributes).map_err(|error| ApiError::internal(&error))?;
        if let Some(name) = body.pre_chat.get("name") {
            contact.name = Some(name.chars().take(100).collect());
        }
        if contact.email.is_none() {
            contact.email = pre_chat_email;
        }
        contact.language = chosen_language.or(contact.language);
        let mut transaction = state.store.begin().await?;
        contacts::update(transaction.connection(), &contact).await?;
        transaction.commit().await?;
    }
    let mut row = open_conversation(&state, &contact, "widget", None, None, now).await?;
    if let Some(text) = body.text.as_deref().filter(|text| !text.trim().is_empty()) {
        row =
            converse::from_buyer(&state, visitor.merchant(), &contact.id, &row.id, text, None, now).await?.conversation;
    }
    let visitor = Visitor { contact, ..visitor };
    buyer_object(&state, &visitor, &row).await
}

/// The conversation's messages in order, as the buyer sees them.
#[utoipa::path(get, path = "/v1/widget/conversations/{id}/messages", params(("id" = String, Path), ListMessages),
    responses((status = 200, body = ListObject<MessageObject>)), tag = "Widget")]
pub async fn list_messages(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    query: Result<Query<ListMessages>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<MessageObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let row = own_conversation(&state, &visitor, &id).await?;
    let limit = crate::routes::conversations::message_limit(query.limit)?;
    if let Some(after) = &query.after {
        MessageId::parse(after).map_err(|error| ApiError::invalid("after", "parameter_invalid", error.to_string()))?;
    }
    let rows =
        messages::list(state.store.pool(), visitor.merchant(), &row.id, query.after.as_deref(), false, limit + 1)
            .await?;
    let data = views::messages(&state, &rows, Viewer::Buyer).await?;
    Ok(Json(ListObject::new(data, limit, &format!("/v1/widget/conversations/{id}/messages"))))
}

/// A message body: JSON (`text`, `private`, `canned_response`), or `multipart/form-data`
/// with a `file` and optional `text` (and `private`).
pub async fn message_body(request: Request) -> ApiResult<(PostMessage, Option<Upload>)> {
    let is_multipart = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("multipart/form-data"));
    if !is_multipart {
        let bytes = axum::body::to_bytes(request.into_body(), crate::extract::BODY_LIMIT_BYTES)
            .await
            .map_err(|_| ApiError::too_large(crate::extract::BODY_LIMIT_BYTES))?;
        return Ok((parse_json(&bytes)?, None));
    }
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|error| ApiError::bad_request("parameter_invalid", format!("The form could not be read: {error}.")))?;
    let mut body = PostMessage::default();
    let mut upload = None;
    let read_error = |error: axum::extract::multipart::MultipartError| {
        if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(MESSAGE_BODY_LIMIT_BYTES)
        } else {
            ApiError::bad_request("parameter_invalid", format!("The form could not be read: {error}."))
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(read_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" if upload.is_none() => {
                let filename = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(read_error)?;
                upload = Some(Upload::new(&filename, bytes.to_vec())?);
            }
            "text" => body.text = Some(field.text().await.map_err(read_error)?),
            "private" => body.private = Some(field.text().await.map_err(read_error)?.trim() == "true"),
            _ => {
                return Err(ApiError::invalid(
                    &name,
                    "parameter_unknown",
                    format!("Received unknown parameter: {name}."),
                ));
            }
        }
    }
    if upload.is_none() {
        return Err(ApiError::invalid("file", "parameter_missing", "A multipart message needs a `file`."));
    }
    Ok((body, upload))
}

/// The buyer writes; the answer holds their message and what it set off (the
/// assistant's replies, a notice), already stored and broadcast.
#[utoipa::path(post, path = "/v1/widget/conversations/{id}/messages", params(("id" = String, Path)), request_body = PostMessage,
    responses((status = 200, body = MessageResultObject)), tag = "Widget")]
pub async fn post_message(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Json<MessageResultObject>> {
    let row = own_conversation(&state, &visitor, &id).await?;
    let (body, upload) = message_body(request).await?;
    if body.private.is_some() || body.canned_response.is_some() {
        return Err(ApiError::invalid(
            "private",
            "parameter_unknown",
            "A buyer's message takes `text` (and a `file`).",
        ));
    }
    let now = visitor.now(&state);
    let text = body.text.unwrap_or_default();
    let outcome =
        converse::from_buyer(&state, visitor.merchant(), &visitor.contact.id, &row.id, &text, upload, now).await?;
    Ok(Json(MessageResultObject {
        object: "message_result",
        message: views::message(&state, &outcome.message, Viewer::Buyer).await?,
        replies: views::messages(&state, &outcome.replies, Viewer::Buyer).await?,
    }))
}

/// An attachment's bytes (the buyer's own conversations only; notes never).
pub async fn attachment(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, message)): Path<(String, String)>,
) -> ApiResult<Response> {
    let row = own_conversation(&state, &visitor, &id).await?;
    let stored = messages::get(state.store.pool(), visitor.merchant(), &message)
        .await?
        .filter(|stored| stored.conversation_id == row.id && stored.private == 0)
        .ok_or_else(|| ApiError::not_found("message", &message))?;
    attachment_response(&state, visitor.merchant(), &row.id, &stored.id).await
}

pub async fn attachment_response(
    state: &AppState,
    merchant_id: &str,
    conversation_id: &str,
    message_id: &str,
) -> ApiResult<Response> {
    let (name, content_type, bytes) =
        messages::attachment(state.store.pool(), merchant_id, conversation_id, message_id)
            .await?
            .ok_or_else(|| ApiError::not_found("attachment", message_id))?;
    let disposition = format!("inline; filename=\"{}\"", name.replace(['"', '\\'], "_"));
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// Moves one side's read marker forward to `message` (never back) and tells the other side.
pub async fn read_up_to(
    state: &AppState,
    row: ConversationRow,
    message: &str,
    reader: &str,
    now: i64,
) -> ApiResult<ConversationRow> {
    MessageId::parse(message).map_err(|error| ApiError::invalid("message", "parameter_invalid", error.to_string()))?;
    messages::get(state.store.pool(), &row.merchant_id, message)
        .await?
        .filter(|stored| stored.conversation_id == row.id && (reader == "agent" || stored.private == 0))
        .ok_or_else(|| ApiError::invalid("message", "resource_missing", format!("No such message: '{message}'")))?;
    let current = if reader == "buyer" { &row.buyer_read_message_id } else { &row.agent_read_message_id };
    if current.as_deref().is_some_and(|current| current >= message) {
        return Ok(row);
    }
    let mut change = Change::new(row);
    if reader == "buyer" {
        change.row.buyer_read_message_id = Some(message.to_owned());
    } else {
        change.row.agent_read_message_id = Some(message.to_owned());
    }
    store::commit(state, &mut change, now).await?;
    store::broadcast_read(state, &change.row, reader, message).await;
    Ok(change.row)
}

/// The buyer has read up to a message (read receipts for the agent).
#[utoipa::path(post, path = "/v1/widget/conversations/{id}/read", params(("id" = String, Path)), request_body = MarkRead,
    responses((status = 200, body = ConversationObject)), tag = "Widget")]
pub async fn mark_read(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MarkRead>,
) -> ApiResult<Json<ConversationObject>> {
    let row = own_conversation(&state, &visitor, &id).await?;
    let row = read_up_to(&state, row, &body.message, "buyer", visitor.now(&state)).await?;
    buyer_object(&state, &visitor, &row).await
}

/// The buyer asks for a person now.
#[utoipa::path(post, path = "/v1/widget/conversations/{id}/handoff", params(("id" = String, Path)),
    responses((status = 200, body = ConversationObject)), tag = "Widget")]
pub async fn handoff(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> ApiResult<Json<ConversationObject>> {
    let row = own_conversation(&state, &visitor, &id).await?;
    let now = visitor.now(&state);
    let mut row = crate::support::assistant::hand_off(
        &state,
        &row,
        "requested",
        "The buyer pressed \"talk to a person\".",
        Vec::new(),
        now,
    )
    .await?
    .conversation;
    if row.assignee_id.is_none() && row.queued_at_ms.is_none() && row.status != "resolved" {
        row = assign::route(&state, visitor.merchant(), &row.id, now).await?;
    }
    buyer_object(&state, &visitor, &row).await
}

/// The buyer rates a resolved conversation (once, within 7 days of resolution).
#[utoipa::path(post, path = "/v1/widget/conversations/{id}/csat", params(("id" = String, Path)), request_body = SubmitCsat,
    responses((status = 200, body = ConversationObject)), tag = "Widget")]
pub async fn submit_csat(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SubmitCsat>,
) -> ApiResult<Json<ConversationObject>> {
    let row = own_conversation(&state, &visitor, &id).await?;
    let now = visitor.now(&state);
    let rating = u8::try_from(body.rating)
        .ok()
        .and_then(|rating| Rating::new(rating).ok())
        .ok_or_else(|| ApiError::invalid("rating", "parameter_invalid", "`rating` must be 1 to 5."))?;
    let csat = Csat::new(rating, body.comment.as_deref())
        .map_err(|error| ApiError::invalid("comment", "parameter_invalid", error.to_string()))?;
    let resolved_at = row.resolved_at.ok_or_else(|| {
        ApiError::invalid("rating", "conversation_not_resolved", "Only a resolved conversation can be rated.")
    })?;
    if row.csat_rating.is_some() {
        return Err(ApiError::invalid("rating", "csat_already_submitted", "This conversation was already rated."));
    }
    tradewind_support::check_rating_window(Some(resolved_at), now)
        .map_err(|error| ApiError::invalid("rating", "csat_window_closed", error.to_string()))?;
    let mut change = Change::new(row);
    change.row.csat_rating = Some(i64::from(csat.rating().value()));
    change.row.csat_comment = csat.comment().map(str::to_owned);
    change.note(EventKind::CsatSubmitted, "buyer", json!({"rating": csat.rating().value(), "comment": csat.comment()}));
    change.events.push("conversation.csat_submitted");
    store::commit(&state, &mut change, now).await?;
    store::broadcast(&state, &change).await;
    buyer_object(&state, &visitor, &change.row).await
}

/// A realtime token for the widget: the buyer's own channel only.
#[utoipa::path(post, path = "/v1/widget/realtime_token", responses((status = 200, body = SupportRealtimeTokenObject)), tag = "Widget")]
pub async fn realtime_token(
    State(state): State<AppState>,
    visitor: Visitor,
) -> ApiResult<Json<SupportRealtimeTokenObject>> {
    let channel = crate::support::contact_channel(&visitor.contact.id);
    let display = visitor.contact.name.clone().unwrap_or_else(|| "Buyer".to_owned());
    let (token, url, expires_at) =
        crate::support::realtime::mint(&state, visitor.merchant(), &visitor.contact.id, &display, &channel).await?;
    Ok(Json(SupportRealtimeTokenObject { object: "realtime_token", token, url, expires_at, channel }))
}
