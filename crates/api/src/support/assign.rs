//! Automatic assignment: the conversation goes to an online agent with room who speaks
//! the buyer's language (round-robin among equals), or waits in the queue; the queue is
//! drained when room frees up, and an agent going offline hands their conversations on.
//! Decisions are `tradewind_support::routing`'s; this module loads what they need and
//! writes what they decide, under the merchant's routing lock.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::support::settings::{self, DeskSettings};
use crate::support::store::{self, Change};
use serde_json::json;
use tradewind_language::Language;
use tradewind_payments::id::{AgentId, ConversationId, TeamId};
use tradewind_storage::Connection;
use tradewind_storage::support::agents::{self, AgentRow};
use tradewind_storage::support::conversations::{self, ConversationRow};
use tradewind_support::{
    AgentAvailability, Assignment, AssignmentRequest, EventKind, Presence, Priority, QueueEntry, RoutedConversation,
    choose_agent, drain_queue, reassign_on_offline,
};

/// How long a conversation usually takes an agent, for the queue's wait estimate.
pub const AVERAGE_HANDLE_SECONDS: u32 = 6 * 60;
/// Conversations drained from the queue in one step.
const DRAIN_MAX: i64 = 1_000;

fn availability(agent: &AgentRow, open: &[(String, i64)]) -> Option<AgentAvailability> {
    if agent.disabled == 1 {
        return None;
    }
    let languages: Vec<String> = serde_json::from_str(&agent.languages).unwrap_or_default();
    Some(AgentAvailability {
        agent: AgentId::parse(&agent.id).ok()?,
        presence: Presence::parse(&agent.presence).unwrap_or(Presence::Offline),
        languages: languages.iter().filter_map(|code| Language::parse(code).ok()).collect(),
        capacity: u32::try_from(agent.capacity).unwrap_or(0),
        open_conversations: open
            .iter()
            .find(|(id, _)| id == &agent.id)
            .map_or(0, |(_, count)| u32::try_from(*count).unwrap_or(u32::MAX)),
        last_assigned_at: agent.last_assigned_at_ms,
        team: agent.team_id.as_deref().and_then(|team| TeamId::parse(team).ok()),
    })
}

async fn availabilities(connection: &mut Connection, merchant_id: &str) -> ApiResult<Vec<AgentAvailability>> {
    let limit = i64::try_from(tradewind_support::routing::ROUTING_AGENTS_MAX).unwrap_or(i64::MAX);
    let rows = agents::list_in(connection, merchant_id, limit).await?;
    let open = agents::open_counts(connection, merchant_id).await?;
    Ok(rows.iter().filter_map(|agent| availability(agent, &open)).collect())
}

/// Online agents of the merchant (for the queue's estimate and the widget's status).
pub async fn online_agents(state: &AppState, merchant_id: &str) -> ApiResult<u32> {
    let rows = agents::list(state.store.pool(), merchant_id, 1_000).await?;
    Ok(rows.iter().filter(|agent| agent.disabled == 0 && agent.presence == "online").count() as u32)
}

fn language_of(row: &ConversationRow) -> Option<Language> {
    row.language.as_deref().and_then(|code| Language::parse(code).ok())
}

fn priority_of(row: &ConversationRow) -> Priority {
    Priority::parse(&row.priority).unwrap_or(Priority::None)
}

/// The queue's entries from stored queued conversations.
pub fn queue_entries(rows: &[ConversationRow]) -> Vec<QueueEntry> {
    rows.iter()
        .filter_map(|row| {
            Some(QueueEntry {
                conversation: ConversationId::parse(&row.id).ok()?,
                priority: priority_of(row),
                language: language_of(row),
                team: row.team_id.as_deref().and_then(|team| TeamId::parse(team).ok()),
                enqueued_at: row.queued_at_ms? / 1000,
            })
        })
        .collect()
}

/// Gives `change.row` to `agent` (recording why) or queues it.
fn apply(change: &mut Change, assignment: &Assignment, now_ms: i64, actor: &str) {
    match assignment {
        Assignment::Agent { agent, reason } => {
            change.row.assignee_id = Some(agent.to_string());
            change.row.queued_at_ms = None;
            change.note(EventKind::Assigned, actor, json!({"agent": agent.to_string(), "reason": reason.as_str()}));
            change.events.push("conversation.assigned");
        }
        Assignment::Queue { reason } => {
            if change.row.queued_at_ms.is_none() {
                change.row.queued_at_ms = Some(now_ms);
                change.row.assignee_id = None;
                change.note(EventKind::Queued, actor, json!({"reason": reason.as_str()}));
            }
        }
    }
}

/// Decides who takes `change.row` now (it must be unassigned) and lays the decision into
/// the change; the caller writes it inside the routing lock's transaction.
pub async fn route_into(
    connection: &mut Connection,
    desk: &DeskSettings,
    change: &mut Change,
    now_ms: i64,
    exclude: Option<AgentId>,
) -> ApiResult<Assignment> {
    let agents = availabilities(connection, &change.row.merchant_id).await?;
    let request = AssignmentRequest {
        language: language_of(&change.row),
        team: change.row.team_id.as_deref().and_then(|team| TeamId::parse(team).ok()),
        exclude,
    };
    let assignment = choose_agent(&request, &agents, desk.language_policy);
    apply(change, &assignment, now_ms, "system");
    if let Assignment::Agent { agent, .. } = &assignment {
        agents::touch_assigned(connection, &change.row.merchant_id, agent.as_str(), now_ms).await?;
    }
    Ok(assignment)
}

/// Routes a conversation that has no agent: reads it fresh under the routing lock,
/// decides, writes, broadcasts. Answers the conversation as stored afterwards.
pub async fn route(state: &AppState, merchant_id: &str, conversation_id: &str, now: i64) -> ApiResult<ConversationRow> {
    let lock = state.support.routing_lock(merchant_id);
    let _guard = lock.lock().await;
    let desk = settings::load(state, merchant_id, now).await?;
    let mut transaction = state.store.begin().await?;
    let row = conversations::get_in(transaction.connection(), merchant_id, conversation_id)
        .await?
        .ok_or_else(|| ApiError::not_found("conversation", conversation_id))?;
    if row.assignee_id.is_some() || row.status == "resolved" {
        // Ended, not dropped: on SQLite an abandoned transaction keeps the write lock
        // until its rollback runs, which a group commit waiting for the slot could beat.
        transaction.commit().await?;
        return Ok(row);
    }
    let mut change = Change::new(row);
    let now_ms = crate::support::now_ms(state, now);
    route_into(transaction.connection(), &desk, &mut change, now_ms, None).await?;
    if !change.write(transaction.connection(), now).await? {
        return Err(ApiError::conflict("conversation_changed", "The conversation changed while it was routed."));
    }
    transaction.commit().await?;
    store::broadcast(state, &change).await;
    Ok(change.row)
}

/// Gives queued conversations to agents who now have room, oldest (and most urgent)
/// first. Answers how many were assigned.
pub async fn drain(state: &AppState, merchant_id: &str, now: i64) -> ApiResult<usize> {
    let lock = state.support.routing_lock(merchant_id);
    let _guard = lock.lock().await;
    let desk = settings::load(state, merchant_id, now).await?;
    let now_ms = crate::support::now_ms(state, now);
    // Most steps find no queue: look without taking the writer.
    let mut reader = state.store.pool().acquire().await.map_err(tradewind_storage::StoreError::from)?;
    if conversations::queued_in(&mut reader, merchant_id, 1).await?.is_empty() {
        return Ok(0);
    }
    drop(reader);
    let mut transaction = state.store.begin().await?;
    let queued = conversations::queued_in(transaction.connection(), merchant_id, DRAIN_MAX).await?;
    if queued.is_empty() {
        transaction.commit().await?;
        return Ok(0);
    }
    let agents = availabilities(transaction.connection(), merchant_id).await?;
    let queue =
        tradewind_support::Queue::from_entries(queue_entries(&queued)).map_err(|error| ApiError::internal(&error))?;
    let decisions = drain_queue(&queue, &agents, desk.language_policy);
    let mut changes = Vec::with_capacity(decisions.len());
    for (conversation, agent) in decisions {
        let Some(row) = queued.iter().find(|row| row.id == conversation.as_str()) else { continue };
        let mut change = Change::new(row.clone());
        let reason = if language_of(row).is_none() { "any_agent" } else { "queue_drained" };
        change.row.assignee_id = Some(agent.to_string());
        change.row.queued_at_ms = None;
        change.note(EventKind::Assigned, "system", json!({"agent": agent.to_string(), "reason": reason}));
        change.events.push("conversation.assigned");
        agents::touch_assigned(transaction.connection(), merchant_id, agent.as_str(), now_ms).await?;
        if change.write(transaction.connection(), now).await? {
            changes.push(change);
        }
    }
    transaction.commit().await?;
    for change in &changes {
        store::broadcast(state, change).await;
    }
    Ok(changes.len())
}

/// An agent went offline: each of their open conversations goes to another agent with
/// room (or to the queue), most urgent and oldest first.
pub async fn reassign_from(state: &AppState, merchant_id: &str, agent_id: &str, now: i64) -> ApiResult<usize> {
    let lock = state.support.routing_lock(merchant_id);
    let _guard = lock.lock().await;
    let desk = settings::load(state, merchant_id, now).await?;
    let now_ms = crate::support::now_ms(state, now);
    let offline = AgentId::parse(agent_id).map_err(|error| ApiError::internal(&error))?;
    let mut transaction = state.store.begin().await?;
    let limit = i64::try_from(tradewind_support::routing::REASSIGN_CONVERSATIONS_MAX).unwrap_or(i64::MAX);
    let rows = conversations::open_of_agent(transaction.connection(), merchant_id, agent_id, limit).await?;
    let agents = availabilities(transaction.connection(), merchant_id).await?;
    let routed: Vec<RoutedConversation> = rows
        .iter()
        .filter_map(|row| {
            Some(RoutedConversation {
                conversation: ConversationId::parse(&row.id).ok()?,
                assignee: Some(offline.clone()),
                priority: priority_of(row),
                language: language_of(row),
                team: row.team_id.as_deref().and_then(|team| TeamId::parse(team).ok()),
                created_at: row.created_at,
            })
        })
        .collect();
    let decisions = reassign_on_offline(&offline, &routed, &agents, desk.language_policy);
    let mut changes = Vec::with_capacity(decisions.len());
    for (conversation, assignment) in decisions {
        let Some(row) = rows.iter().find(|row| row.id == conversation.as_str()) else { continue };
        let mut change = Change::new(row.clone());
        change.note(EventKind::Unassigned, "system", json!({"agent": agent_id, "reason": "agent_offline"}));
        change.row.assignee_id = None;
        apply(&mut change, &assignment, now_ms, "system");
        if let Assignment::Agent { agent, .. } = &assignment {
            agents::touch_assigned(transaction.connection(), merchant_id, agent.as_str(), now_ms).await?;
        }
        if change.write(transaction.connection(), now).await? {
            changes.push(change);
        }
    }
    transaction.commit().await?;
    for change in &changes {
        store::broadcast(state, change).await;
    }
    Ok(changes.len())
}
