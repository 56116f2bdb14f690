//! `/v1/conversations…`: the agents' side of support conversations — the inbox, one
//! conversation with its messages and timeline, replies and notes, assignment, tags,
//! status, read markers, the buyer's orders and payments beside it, and refunds within
//! the agent's limit.

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::flows::order::email;
use crate::state::AppState;
use crate::support::auth::Desk;
use crate::support::store::{self, Change};
use crate::support::{assign, converse, views};
use crate::wire::list::{ListObject, page_limit};
use crate::wire::support::{
    AssignConversation, ChangeTags, ConversationObject, CreateConversation, ListConversations, ListMessages, MarkRead,
    MessageObject, PostMessage, TimelineObject, UpdateConversation, Viewer,
};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde_json::json;
use tradewind_payments::id::{AgentId, ConversationId, MessageId, OrderId};
use tradewind_storage::support::conversations::{self, Assignee, ConversationRow};
use tradewind_storage::support::{agents, messages, timeline};
use tradewind_support::{EventKind, Priority, Status, Tag, TagSet};

/// Messages and timeline entries per page at most.
const PAGE_MAX: i64 = 200;
const SUBJECT_CHARS_MAX: usize = 200;

fn agent_languages(desk: &Desk) -> Vec<String> {
    desk.agent.as_ref().map(|agent| serde_json::from_str(&agent.languages).unwrap_or_default()).unwrap_or_default()
}

pub async fn conversation_of(state: &AppState, desk: &Desk, id: &str) -> ApiResult<ConversationRow> {
    ConversationId::parse(id).map_err(|_| ApiError::not_found("conversation", id))?;
    conversations::get(state.store.pool(), desk.merchant(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("conversation", id))
}

async fn object(state: &AppState, desk: &Desk, row: &ConversationRow) -> ApiResult<Json<ConversationObject>> {
    let languages = agent_languages(desk);
    Ok(Json(views::conversation(state, row, Viewer::Agent(&languages)).await?))
}

/// The inbox: all, mine or unassigned; by status, tag, buyer or words.
#[utoipa::path(get, path = "/v1/conversations", params(ListConversations),
    responses((status = 200, body = ListObject<ConversationObject>)), security(("bearer" = [])), tag = "Conversations")]
pub async fn list(
    State(state): State<AppState>,
    desk: Desk,
    query: Result<Query<ListConversations>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<ConversationObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let limit = page_limit(query.limit)?;
    let assignee =
        match query.view.as_deref().unwrap_or("all") {
            "all" => Assignee::Any,
            "unassigned" => Assignee::Unassigned,
            "mine" => Assignee::Agent(desk.agent.as_ref().map(|agent| agent.id.clone()).ok_or_else(|| {
                ApiError::invalid("view", "parameter_invalid", "`view=mine` needs an agent's session.")
            })?),
            _ => return Err(ApiError::invalid("view", "parameter_invalid", "`view` must be all, mine or unassigned.")),
        };
    if let Some(status) = &query.status {
        Status::parse(status).map_err(|_| {
            ApiError::invalid("status", "parameter_invalid", "`status` must be open, pending, snoozed or resolved.")
        })?;
    }
    let tag = query
        .tag
        .as_deref()
        .map(|tag| Tag::from_input(tag).map(|tag| tag.as_str().to_owned()))
        .transpose()
        .map_err(|error| ApiError::invalid("tag", "parameter_invalid", error.to_string()))?;
    if let Some(cursor) = &query.starting_after {
        ConversationId::parse(cursor)
            .map_err(|error| ApiError::invalid("starting_after", "parameter_invalid", error.to_string()))?;
    }
    let search = query.q.as_ref().map(|words| words.trim().to_owned()).filter(|words| !words.is_empty());
    if search.as_ref().is_some_and(|words| words.chars().count() > 200) {
        return Err(ApiError::invalid("q", "parameter_invalid", "`q` is longer than 200 characters."));
    }
    let filter = conversations::ListFilter {
        starting_after: query.starting_after,
        status: query.status,
        assignee,
        tag,
        contact_id: query.contact,
        search,
        limit: limit + 1,
    };
    let rows = conversations::list(state.store.pool(), desk.merchant(), &filter).await?;
    let languages = agent_languages(&desk);
    let mut data = Vec::with_capacity(rows.len());
    for row in &rows {
        data.push(views::conversation(&state, row, Viewer::Agent(&languages)).await?);
    }
    Ok(Json(ListObject::new(data, limit, "/v1/conversations")))
}

/// Opens a conversation from the merchant's backend (channel `api`) with a buyer's
/// first message.
#[utoipa::path(post, path = "/v1/conversations", request_body = CreateConversation,
    responses((status = 200, body = ConversationObject)), security(("bearer" = [])), tag = "Conversations")]
pub async fn create(
    State(state): State<AppState>,
    desk: Desk,
    ApiJson(body): ApiJson<CreateConversation>,
) -> ApiResult<Json<ConversationObject>> {
    desk.require_admin()?;
    let now = desk.now(&state);
    let address = email("contact[email]", &body.contact.email)?;
    let language = crate::flows::order::language("contact[language]", &body.contact.language)?;
    let priority = body.priority.as_deref().map(Priority::parse).transpose().map_err(|_| {
        ApiError::invalid("priority", "parameter_invalid", "`priority` must be none, low, medium, high or urgent.")
    })?;
    let contact = crate::routes::widget::new_contact(
        desk.merchant(),
        Some(address),
        body.contact.name.clone(),
        language,
        None,
        now,
    );
    let mut transaction = state.store.begin().await?;
    tradewind_storage::support::contacts::insert(transaction.connection(), &contact).await?;
    transaction.commit().await?;
    let row =
        crate::routes::widget::open_conversation(&state, &contact, "api", body.subject.clone(), priority, now).await?;
    let outcome = converse::from_buyer(&state, desk.merchant(), &contact.id, &row.id, &body.text, None, now).await?;
    object(&state, &desk, &outcome.conversation).await
}

#[utoipa::path(get, path = "/v1/conversations/{id}", params(("id" = String, Path)),
    responses((status = 200, body = ConversationObject)), security(("bearer" = [])), tag = "Conversations")]
pub async fn retrieve(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
) -> ApiResult<Json<ConversationObject>> {
    let row = conversation_of(&state, &desk, &id).await?;
    object(&state, &desk, &row).await
}

/// Changes priority, subject, status (open, pending, snoozed until a time, resolved) or
/// the order the conversation is about.
#[utoipa::path(post, path = "/v1/conversations/{id}", params(("id" = String, Path)), request_body = UpdateConversation,
    responses((status = 200, body = ConversationObject)), security(("bearer" = [])), tag = "Conversations")]
pub async fn update(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateConversation>,
) -> ApiResult<Json<ConversationObject>> {
    let now = desk.now(&state);
    let current = conversation_of(&state, &desk, &id).await?;
    let actor = desk.actor();
    let mut change = Change::new(current.clone());
    if let Some(value) = &body.priority {
        let priority = Priority::parse(value).map_err(|_| {
            ApiError::invalid("priority", "parameter_invalid", "`priority` must be none, low, medium, high or urgent.")
        })?;
        if priority.as_str() != current.priority {
            let desk_settings = crate::support::settings::load(&state, desk.merchant(), now).await?;
            let hours = crate::support::settings::hours(&state, &desk_settings).await?;
            let due = crate::support::settings::sla_due(&desk_settings, &hours, current.created_at, priority);
            change.row.priority = priority.as_str().to_owned();
            change.row.first_response_due_at = due.first_response_due;
            change.row.resolution_due_at = due.resolution_due;
            change.note(EventKind::PriorityChanged, &actor, json!({"from": current.priority, "to": priority.as_str()}));
        }
    }
    if let Some(subject) = &body.subject {
        if subject.chars().count() > SUBJECT_CHARS_MAX {
            return Err(ApiError::invalid("subject", "parameter_invalid", "`subject` is longer than 200 characters."));
        }
        change.row.subject = Some(subject.clone()).filter(|subject| !subject.trim().is_empty());
    }
    if let Some(order) = &body.order {
        OrderId::parse(order).map_err(|error| ApiError::invalid("order", "parameter_invalid", error.to_string()))?;
        tradewind_storage::orders::get(state.store.pool(), desk.merchant(), order)
            .await?
            .ok_or_else(|| ApiError::invalid("order", "resource_missing", format!("No such order: '{order}'")))?;
        change.row.order_id = Some(order.clone());
    }
    if body.snoozed_until.is_some() && body.status.as_deref() != Some("snoozed") {
        return Err(ApiError::invalid(
            "snoozed_until",
            "parameter_invalid",
            "`snoozed_until` goes with `status: snoozed`.",
        ));
    }
    if let Some(value) = &body.status {
        let from = Status::parse(&current.status).map_err(|error| ApiError::internal(&error))?;
        let status_error = |error: tradewind_support::SupportError| {
            ApiError::invalid("status", "conversation_status_invalid", error.to_string())
        };
        let next = match value.as_str() {
            "open" => from.reopen().map_err(status_error)?,
            "pending" => from.mark_pending().map_err(status_error)?,
            "resolved" => from.resolve().map_err(status_error)?,
            "snoozed" => {
                let until = body.snoozed_until.ok_or_else(|| {
                    ApiError::invalid(
                        "snoozed_until",
                        "parameter_missing",
                        "Snoozing needs `snoozed_until` (Unix seconds).",
                    )
                })?;
                let next = from
                    .snooze(until, now)
                    .map_err(|error| ApiError::invalid("snoozed_until", "parameter_invalid", error.to_string()))?;
                change.row.snoozed_until = Some(until);
                change.note(EventKind::Snoozed, &actor, json!({"until": until}));
                next
            }
            _ => {
                return Err(ApiError::invalid(
                    "status",
                    "parameter_invalid",
                    "`status` must be open, pending, snoozed or resolved.",
                ));
            }
        };
        if next != Status::Snoozed {
            change.row.snoozed_until = None;
        }
        change.row.status = next.as_str().to_owned();
        change.note(EventKind::StatusChanged, &actor, json!({"from": from.as_str(), "to": next.as_str()}));
        change.events.push("conversation.updated");
        if next == Status::Resolved {
            change.row.resolved_at = Some(now);
            change.row.queued_at_ms = None;
            change.row.assistant_active = 0;
            change.events.push("conversation.resolved");
            let desk_settings = crate::support::settings::load(&state, desk.merchant(), now).await?;
            if desk_settings.csat_enabled && current.csat_rating.is_none() {
                let survey = converse::bot_message(
                    &change.row,
                    tradewind_support::Sender::System,
                    "How did we do? Rate this conversation from 1 to 5.",
                    Some(tradewind_language::Language::English),
                    Some("rate"),
                    now,
                );
                if let Ok(survey) = survey {
                    change.add_message(survey, None);
                    change.note(EventKind::CsatRequested, "system", json!({}));
                }
            }
        } else {
            change.row.resolved_at = None;
        }
    }
    store::commit(&state, &mut change, now).await?;
    store::broadcast(&state, &change).await;
    if change.row.status == "resolved" && current.assignee_id.is_some() {
        assign::drain(&state, desk.merchant(), now).await?;
    }
    object(&state, &desk, &change.row).await
}

/// The conversation's messages in order, notes included (`after` for what came since).
#[utoipa::path(get, path = "/v1/conversations/{id}/messages", params(("id" = String, Path), ListMessages),
    responses((status = 200, body = ListObject<MessageObject>)), security(("bearer" = [])), tag = "Conversations")]
pub async fn list_messages(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    query: Result<Query<ListMessages>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<MessageObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let row = conversation_of(&state, &desk, &id).await?;
    let limit = message_limit(query.limit)?;
    if let Some(after) = &query.after {
        MessageId::parse(after).map_err(|error| ApiError::invalid("after", "parameter_invalid", error.to_string()))?;
    }
    let rows =
        messages::list(state.store.pool(), desk.merchant(), &row.id, query.after.as_deref(), true, limit + 1).await?;
    let languages = agent_languages(&desk);
    let data = views::messages(&state, &rows, Viewer::Agent(&languages)).await?;
    Ok(Json(ListObject::new(data, limit, &format!("/v1/conversations/{id}/messages"))))
}

pub fn message_limit(limit: Option<i64>) -> ApiResult<i64> {
    match limit {
        None => Ok(PAGE_MAX),
        Some(limit) if (1..=PAGE_MAX).contains(&limit) => Ok(limit),
        Some(_) => Err(ApiError::invalid("limit", "parameter_invalid_integer", "`limit` must be between 1 and 200.")),
    }
}

/// A reply (or an internal note with `private: true`), optionally from a canned response.
#[utoipa::path(post, path = "/v1/conversations/{id}/messages", params(("id" = String, Path)), request_body = PostMessage,
    responses((status = 200, body = MessageObject)), security(("bearer" = [])), tag = "Conversations")]
pub async fn post_message(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> ApiResult<Json<MessageObject>> {
    conversation_of(&state, &desk, &id).await?;
    let (body, upload) = crate::routes::widget::message_body(request).await?;
    let (row, _) = converse::from_team(&state, &desk, &id, &body, upload).await?;
    let languages = agent_languages(&desk);
    Ok(Json(views::message(&state, &row, Viewer::Agent(&languages)).await?))
}

/// Assigns the conversation to an agent, to routing (`auto`), or to nobody (`null`).
#[utoipa::path(post, path = "/v1/conversations/{id}/assign", params(("id" = String, Path)), request_body = AssignConversation,
    responses((status = 200, body = ConversationObject)), security(("bearer" = [])), tag = "Conversations")]
pub async fn assign_conversation(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AssignConversation>,
) -> ApiResult<Json<ConversationObject>> {
    let now = desk.now(&state);
    let current = conversation_of(&state, &desk, &id).await?;
    let actor = desk.actor();
    match body.agent.as_deref() {
        Some("auto") => {
            let mut change = Change::new(current.clone());
            if let Some(previous) = &current.assignee_id {
                change.row.assignee_id = None;
                change.note(EventKind::Unassigned, &actor, json!({"agent": previous, "reason": "auto"}));
            }
            change.row.assistant_active = 0;
            store::commit(&state, &mut change, now).await?;
            let row = assign::route(&state, desk.merchant(), &id, now).await?;
            return object(&state, &desk, &row).await;
        }
        Some(agent_id) => {
            AgentId::parse(agent_id)
                .map_err(|error| ApiError::invalid("agent", "parameter_invalid", error.to_string()))?;
            let agent = agents::get(state.store.pool(), desk.merchant(), agent_id)
                .await?
                .filter(|agent| agent.disabled == 0)
                .ok_or_else(|| {
                    ApiError::invalid("agent", "resource_missing", format!("No such agent: '{agent_id}'"))
                })?;
            let mut change = Change::new(current.clone());
            change.row.assignee_id = Some(agent.id.clone());
            change.row.queued_at_ms = None;
            change.row.assistant_active = 0;
            change.note(EventKind::Assigned, &actor, json!({"agent": agent.id, "reason": "manual"}));
            change.events.push("conversation.assigned");
            store::commit(&state, &mut change, now).await?;
            store::broadcast(&state, &change).await;
            object(&state, &desk, &change.row).await
        }
        None => {
            let mut change = Change::new(current.clone());
            if let Some(previous) = &current.assignee_id {
                change.row.assignee_id = None;
                change.note(EventKind::Unassigned, &actor, json!({"agent": previous, "reason": "manual"}));
                change.events.push("conversation.updated");
            }
            store::commit(&state, &mut change, now).await?;
            store::broadcast(&state, &change).await;
            if current.assignee_id.is_some() {
                assign::drain(&state, desk.merchant(), now).await?;
            }
            object(&state, &desk, &change.row).await
        }
    }
}

/// Adds and removes tags (complaint reasons such as `not_received`, `damaged`,
/// `refund_delay` are what complaint analytics count).
#[utoipa::path(post, path = "/v1/conversations/{id}/tags", params(("id" = String, Path)), request_body = ChangeTags,
    responses((status = 200, body = ConversationObject)), security(("bearer" = [])), tag = "Conversations")]
pub async fn change_tags(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ChangeTags>,
) -> ApiResult<Json<ConversationObject>> {
    let now = desk.now(&state);
    let current = conversation_of(&state, &desk, &id).await?;
    let parse = |param: &str, values: &[String]| -> ApiResult<Vec<Tag>> {
        values
            .iter()
            .enumerate()
            .map(|(index, value)| {
                Tag::from_input(value).map_err(|error| {
                    ApiError::invalid(format!("{param}[{index}]"), "parameter_invalid", error.to_string())
                })
            })
            .collect()
    };
    let add = parse("add", &body.add)?;
    let remove = parse("remove", &body.remove)?;
    let actor = desk.actor();
    let mut transaction = state.store.begin().await?;
    let stored = conversations::tags_in(transaction.connection(), &id).await?;
    let mut set = TagSet::from_tags(stored.iter().filter_map(|tag| Tag::parse(tag).ok()))
        .map_err(|error| ApiError::internal(&error))?;
    let mut change = Change::new(current);
    for tag in &remove {
        if set.remove(tag) {
            conversations::remove_tag(transaction.connection(), &id, tag.as_str()).await?;
            change.note(EventKind::TagRemoved, &actor, json!({"tag": tag.as_str()}));
        }
    }
    for tag in add {
        if set.add(tag.clone()).map_err(|error| ApiError::invalid("add", "too_many_tags", error.to_string()))? {
            conversations::add_tag(transaction.connection(), desk.merchant(), &id, tag.as_str(), now).await?;
            change.note(
                EventKind::TagAdded,
                &actor,
                json!({"tag": tag.as_str(), "complaint_reason": tag.complaint_reason().map(|reason| reason.as_str())}),
            );
        }
    }
    if !change.timeline.is_empty() {
        change.events.push("conversation.updated");
    }
    if !change.write(transaction.connection(), now).await? {
        return Err(ApiError::conflict("conversation_changed", "The conversation changed; try again."));
    }
    transaction.commit().await?;
    store::broadcast(&state, &change).await;
    object(&state, &desk, &change.row).await
}

/// The agents have read up to a message.
#[utoipa::path(post, path = "/v1/conversations/{id}/read", params(("id" = String, Path)), request_body = MarkRead,
    responses((status = 200, body = ConversationObject)), security(("bearer" = [])), tag = "Conversations")]
pub async fn mark_read(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MarkRead>,
) -> ApiResult<Json<ConversationObject>> {
    let current = conversation_of(&state, &desk, &id).await?;
    let row = crate::routes::widget::read_up_to(&state, current, &body.message, "agent", desk.now(&state)).await?;
    object(&state, &desk, &row).await
}

/// The conversation's full timeline, oldest first.
#[utoipa::path(get, path = "/v1/conversations/{id}/timeline", params(("id" = String, Path), ListMessages),
    responses((status = 200, body = ListObject<TimelineObject>)), security(("bearer" = [])), tag = "Conversations")]
pub async fn list_timeline(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    query: Result<Query<ListMessages>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<TimelineObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let row = conversation_of(&state, &desk, &id).await?;
    let limit = message_limit(query.limit)?;
    let rows = timeline::list(state.store.pool(), desk.merchant(), &row.id, query.after.as_deref(), limit + 1).await?;
    let data = rows.iter().map(TimelineObject::from_row).collect();
    Ok(Json(ListObject::new(data, limit, &format!("/v1/conversations/{id}/timeline"))))
}
