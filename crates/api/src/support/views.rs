//! Conversation and message objects as agents and buyers see them, built from stored
//! rows, and the parsing of a team's hours from its wire shape.

use crate::error::ApiResult;
use crate::state::AppState;
use crate::wire::support::{ConversationObject, ConversationParts, HoursInterval, MessageObject, QueueObject, Viewer};
use tradewind_storage::support::contacts::ContactRow;
use tradewind_storage::support::conversations::{self, ConversationRow};
use tradewind_storage::support::messages::MessageRow;
use tradewind_storage::support::{agents, contacts};
use tradewind_support::hours::{parse_date, parse_weekday};
use tradewind_support::{BusinessHours, Interval};

/// Queued conversations looked at to compute one's position.
const QUEUE_SCAN_MAX: i64 = 10_000;
/// Buyer messages counted as unread at most (the badge shows "99+").
const UNREAD_COUNT_MAX: i64 = 100;

/// A team's hours from `{"day", "start", "end"}` intervals and `YYYY-MM-DD` holidays.
pub fn business_hours(
    time_zone: &str,
    intervals: &[HoursInterval],
    holidays: &[String],
) -> Result<BusinessHours, String> {
    let minute = |value: &str, param: &str| -> Result<u16, String> {
        let (hours, minutes) =
            value.split_once(':').ok_or_else(|| format!("`{param}` must be HH:MM, not `{value}`"))?;
        let hours: u16 = hours.parse().map_err(|_| format!("`{param}` must be HH:MM, not `{value}`"))?;
        let minutes: u16 = minutes.parse().map_err(|_| format!("`{param}` must be HH:MM, not `{value}`"))?;
        if minutes >= 60 || hours > 24 || (hours == 24 && minutes > 0) {
            return Err(format!("`{param}` must be a time from 00:00 to 24:00, not `{value}`"));
        }
        Ok(hours * 60 + minutes)
    };
    let mut parsed = Vec::with_capacity(intervals.len());
    for (index, interval) in intervals.iter().enumerate() {
        let weekday = parse_weekday(&interval.day).map_err(|error| format!("business_hours[{index}][day]: {error}"))?;
        parsed.push(Interval {
            weekday,
            start_minute: minute(&interval.start, &format!("business_hours[{index}][start]"))?,
            end_minute: minute(&interval.end, &format!("business_hours[{index}][end]"))?,
        });
    }
    let mut dates = Vec::with_capacity(holidays.len());
    for (index, holiday) in holidays.iter().enumerate() {
        dates.push(parse_date(holiday).map_err(|error| format!("holidays[{index}]: {error}"))?);
    }
    BusinessHours::new(time_zone, &parsed, &dates).map_err(|error| error.to_string())
}

async fn agent_name(state: &AppState, merchant_id: &str, agent_id: Option<&String>) -> ApiResult<Option<String>> {
    let Some(agent_id) = agent_id else { return Ok(None) };
    Ok(agents::get(state.store.pool(), merchant_id, agent_id).await?.map(|agent| agent.name))
}

/// Where a queued conversation stands, counted over the merchant's queue in serving
/// order (priority, then arrival).
async fn queue_position(state: &AppState, row: &ConversationRow) -> ApiResult<Option<QueueObject>> {
    let Some(_) = row.queued_at_ms else { return Ok(None) };
    let mut connection = state.store.pool().acquire().await.map_err(tradewind_storage::StoreError::from)?;
    let queued = conversations::queued_in(&mut connection, &row.merchant_id, QUEUE_SCAN_MAX).await?;
    let entries = crate::support::assign::queue_entries(&queued);
    let queue =
        tradewind_support::Queue::from_entries(entries).map_err(|error| crate::error::ApiError::internal(&error))?;
    let Some(position) = tradewind_payments::id::ConversationId::parse(&row.id).ok().and_then(|id| queue.position(&id))
    else {
        return Ok(None);
    };
    let online = crate::support::assign::online_agents(state, &row.merchant_id).await?;
    Ok(Some(QueueObject {
        position,
        estimated_wait_seconds: tradewind_support::estimated_wait_seconds(
            position,
            online,
            crate::support::assign::AVERAGE_HANDLE_SECONDS,
        ),
    }))
}

/// The conversation as `viewer` sees it, with its contact, tags, assignee and queue place.
pub async fn conversation(
    state: &AppState,
    row: &ConversationRow,
    viewer: Viewer<'_>,
) -> ApiResult<ConversationObject> {
    let pool = state.store.pool();
    let contact = contacts::get(pool, &row.merchant_id, &row.contact_id)
        .await?
        .ok_or_else(|| crate::error::ApiError::not_found("contact", &row.contact_id))?;
    conversation_with(state, row, &contact, viewer).await
}

pub async fn conversation_with(
    state: &AppState,
    row: &ConversationRow,
    contact: &ContactRow,
    viewer: Viewer<'_>,
) -> ApiResult<ConversationObject> {
    let pool = state.store.pool();
    let tags = match viewer {
        Viewer::Agent(_) => conversations::tags(pool, &row.id).await?,
        Viewer::Buyer => Vec::new(),
    };
    let unread = match viewer {
        Viewer::Agent(_) => unread(state, row).await?,
        Viewer::Buyer => 0,
    };
    let parts = ConversationParts {
        contact,
        tags,
        assignee_name: agent_name(state, &row.merchant_id, row.assignee_id.as_ref()).await?,
        queue: queue_position(state, row).await?,
        unread,
    };
    Ok(ConversationObject::new(row, parts, viewer))
}

async fn unread(state: &AppState, row: &ConversationRow) -> ApiResult<i64> {
    let messages = tradewind_storage::support::messages::list(
        state.store.pool(),
        &row.merchant_id,
        &row.id,
        row.agent_read_message_id.as_deref(),
        false,
        UNREAD_COUNT_MAX,
    )
    .await?;
    Ok(messages.iter().filter(|message| message.sender == "buyer").count() as i64)
}

/// A message as `viewer` sees it.
pub async fn message(state: &AppState, row: &MessageRow, viewer: Viewer<'_>) -> ApiResult<MessageObject> {
    let name = agent_name(state, &row.merchant_id, row.agent_id.as_ref()).await?;
    let base = match viewer {
        Viewer::Agent(_) => state.url("/v1"),
        Viewer::Buyer => state.url("/v1/widget"),
    };
    Ok(MessageObject::new(row, name, viewer, &base))
}

pub async fn messages(state: &AppState, rows: &[MessageRow], viewer: Viewer<'_>) -> ApiResult<Vec<MessageObject>> {
    let mut objects = Vec::with_capacity(rows.len());
    for row in rows {
        objects.push(message(state, row, viewer).await?);
    }
    Ok(objects)
}
