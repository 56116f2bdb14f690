//! Conversations and their tags. A conversation changes only by [`update`], a
//! conditional update on its `version`.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConversationRow {
    pub id: String,
    pub merchant_id: String,
    pub contact_id: String,
    pub status: String,
    pub priority: String,
    pub language: Option<String>,
    pub channel: String,
    pub subject: Option<String>,
    pub assignee_id: Option<String>,
    pub team_id: Option<String>,
    pub queued_at_ms: Option<i64>,
    pub assistant_active: i64,
    pub assistant_failures: i64,
    pub order_id: Option<String>,
    pub snoozed_until: Option<i64>,
    pub first_response_due_at: Option<i64>,
    pub resolution_due_at: Option<i64>,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub sla_first_response_breached: i64,
    pub sla_resolution_breached: i64,
    pub buyer_read_message_id: Option<String>,
    pub agent_read_message_id: Option<String>,
    pub csat_rating: Option<i64>,
    pub csat_comment: Option<String>,
    pub last_message_at: i64,
    pub last_message_preview: Option<String>,
    pub message_count: i64,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, merchant_id, contact_id, status, priority, language, channel, subject, assignee_id, \
    team_id, queued_at_ms, assistant_active, assistant_failures, order_id, snoozed_until, first_response_due_at, \
    resolution_due_at, first_response_at, resolved_at, sla_first_response_breached, sla_resolution_breached, \
    buyer_read_message_id, agent_read_message_id, csat_rating, csat_comment, last_message_at, last_message_preview, \
    message_count, version, created_at, updated_at";

pub async fn insert(connection: &mut Connection, row: &ConversationRow) -> StoreResult<()> {
    let sql = format!(
        "INSERT INTO conversations ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
         $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31)"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&row.id)
        .bind(&row.merchant_id)
        .bind(&row.contact_id)
        .bind(&row.status)
        .bind(&row.priority)
        .bind(&row.language)
        .bind(&row.channel)
        .bind(&row.subject)
        .bind(&row.assignee_id)
        .bind(&row.team_id)
        .bind(row.queued_at_ms)
        .bind(row.assistant_active)
        .bind(row.assistant_failures)
        .bind(&row.order_id)
        .bind(row.snoozed_until)
        .bind(row.first_response_due_at)
        .bind(row.resolution_due_at)
        .bind(row.first_response_at)
        .bind(row.resolved_at)
        .bind(row.sla_first_response_breached)
        .bind(row.sla_resolution_breached)
        .bind(&row.buyer_read_message_id)
        .bind(&row.agent_read_message_id)
        .bind(row.csat_rating)
        .bind(&row.csat_comment)
        .bind(row.last_message_at)
        .bind(&row.last_message_preview)
        .bind(row.message_count)
        .bind(row.version)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(connection)
        .await?;
    Ok(())
}

/// Writes `row` over the stored conversation if it is still at `row.version - 1`;
/// false when another request changed it first.
pub async fn update(connection: &mut Connection, row: &ConversationRow) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE conversations SET status = $1, priority = $2, language = $3, subject = $4, assignee_id = $5, \
         team_id = $6, queued_at_ms = $7, assistant_active = $8, assistant_failures = $9, order_id = $10, \
         snoozed_until = $11, first_response_due_at = $12, resolution_due_at = $13, first_response_at = $14, \
         resolved_at = $15, sla_first_response_breached = $16, sla_resolution_breached = $17, \
         buyer_read_message_id = $18, agent_read_message_id = $19, csat_rating = $20, csat_comment = $21, \
         last_message_at = $22, last_message_preview = $23, message_count = $24, version = $25, updated_at = $26 \
         WHERE id = $27 AND merchant_id = $28 AND version = $29",
    )
    .bind(&row.status)
    .bind(&row.priority)
    .bind(&row.language)
    .bind(&row.subject)
    .bind(&row.assignee_id)
    .bind(&row.team_id)
    .bind(row.queued_at_ms)
    .bind(row.assistant_active)
    .bind(row.assistant_failures)
    .bind(&row.order_id)
    .bind(row.snoozed_until)
    .bind(row.first_response_due_at)
    .bind(row.resolution_due_at)
    .bind(row.first_response_at)
    .bind(row.resolved_at)
    .bind(row.sla_first_response_breached)
    .bind(row.sla_resolution_breached)
    .bind(&row.buyer_read_message_id)
    .bind(&row.agent_read_message_id)
    .bind(row.csat_rating)
    .bind(&row.csat_comment)
    .bind(row.last_message_at)
    .bind(&row.last_message_preview)
    .bind(row.message_count)
    .bind(row.version)
    .bind(row.updated_at)
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(row.version - 1)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<ConversationRow>> {
    let sql = format!("SELECT {COLUMNS} FROM conversations WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(pool).await?)
}

pub async fn get_in(connection: &mut Connection, merchant_id: &str, id: &str) -> StoreResult<Option<ConversationRow>> {
    let sql = format!("SELECT {COLUMNS} FROM conversations WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(connection).await?)
}

/// Which conversations a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignee {
    Any,
    Unassigned,
    Agent(String),
}

/// The inbox filters; `None` means any.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub starting_after: Option<String>,
    pub status: Option<String>,
    pub assignee: Assignee,
    pub tag: Option<String>,
    pub contact_id: Option<String>,
    /// Words every result's messages or subject contain (case-insensitive, `%` escaped).
    pub search: Option<String>,
    pub limit: i64,
}

/// Newest first, after the cursor.
pub async fn list(pool: &AnyPool, merchant_id: &str, filter: &ListFilter) -> StoreResult<Vec<ConversationRow>> {
    let columns: Vec<String> = COLUMNS.split(", ").map(|column| format!("c.{}", column.trim())).collect();
    let (assignee_clause, assignee) = match &filter.assignee {
        Assignee::Any => ("(CAST($4 AS TEXT) IS NULL OR TRUE)", None),
        Assignee::Unassigned => ("(CAST($4 AS TEXT) IS NULL AND c.assignee_id IS NULL)", None),
        Assignee::Agent(agent) => ("c.assignee_id = $4", Some(agent.clone())),
    };
    let pattern = filter.search.as_ref().map(|words| format!("%{}%", escape_like(&words.to_lowercase())));
    let sql = format!(
        "SELECT {} FROM conversations c WHERE c.merchant_id = $1 \
         AND (CAST($2 AS TEXT) IS NULL OR c.id < $2) \
         AND (CAST($3 AS TEXT) IS NULL OR c.status = $3) \
         AND {assignee_clause} \
         AND (CAST($5 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM conversation_tags t \
              WHERE t.conversation_id = c.id AND t.tag = $5)) \
         AND (CAST($6 AS TEXT) IS NULL OR c.contact_id = $6) \
         AND (CAST($7 AS TEXT) IS NULL OR LOWER(COALESCE(c.subject, '')) LIKE $7 ESCAPE '\\' \
              OR EXISTS (SELECT 1 FROM conversation_messages m WHERE m.conversation_id = c.id \
              AND LOWER(m.text) LIKE $7 ESCAPE '\\')) \
         ORDER BY c.id DESC LIMIT $8",
        columns.join(", ")
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(&filter.starting_after)
        .bind(&filter.status)
        .bind(assignee)
        .bind(&filter.tag)
        .bind(&filter.contact_id)
        .bind(pattern)
        .bind(filter.limit)
        .fetch_all(pool)
        .await?)
}

fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        if matches!(character, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(character);
    }
    escaped
}

/// The merchant's queue: conversations waiting for an agent, in arrival order.
pub async fn queued_in(
    connection: &mut Connection,
    merchant_id: &str,
    limit: i64,
) -> StoreResult<Vec<ConversationRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM conversations WHERE merchant_id = $1 AND queued_at_ms IS NOT NULL \
         ORDER BY queued_at_ms, id LIMIT $2"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(limit).fetch_all(connection).await?)
}

/// An agent's conversations still open or pending (reassigned when the agent goes offline).
pub async fn open_of_agent(
    connection: &mut Connection,
    merchant_id: &str,
    agent_id: &str,
    limit: i64,
) -> StoreResult<Vec<ConversationRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM conversations WHERE merchant_id = $1 AND assignee_id = $2 \
         AND status IN ('open', 'pending') ORDER BY id LIMIT $3"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(agent_id)
        .bind(limit)
        .fetch_all(connection)
        .await?)
}

/// [`due`]'s query (public for the plan tests): one lookup per kind of work, each on its
/// partial index (migration 0019), whose conditions it repeats; `UNION` drops a
/// conversation due twice. One condition with `OR` was planned as a walk over all of
/// the merchant's conversations, every five seconds.
pub fn due_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM conversations WHERE merchant_id = $1 AND status = 'snoozed' AND snoozed_until <= $2 \
         UNION SELECT {COLUMNS} FROM conversations WHERE merchant_id = $1 AND sla_first_response_breached = 0 \
             AND first_response_at IS NULL AND status <> 'resolved' AND first_response_due_at <= $2 \
         UNION SELECT {COLUMNS} FROM conversations WHERE merchant_id = $1 AND sla_resolution_breached = 0 \
             AND status <> 'resolved' AND resolution_due_at <= $2 \
         ORDER BY id LIMIT $3"
    )
}

/// Conversations with work due by `now`: a snooze ending, an SLA deadline passing.
pub async fn due(pool: &AnyPool, merchant_id: &str, now: i64, limit: i64) -> StoreResult<Vec<ConversationRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(due_sql())).bind(merchant_id).bind(now).bind(limit).fetch_all(pool).await?)
}

/// A conversation's tags, alphabetically.
pub async fn tags(pool: &AnyPool, conversation_id: &str) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT tag FROM conversation_tags WHERE conversation_id = $1 ORDER BY tag")
        .bind(conversation_id)
        .fetch_all(pool)
        .await?)
}

pub async fn tags_in(connection: &mut Connection, conversation_id: &str) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT tag FROM conversation_tags WHERE conversation_id = $1 ORDER BY tag")
        .bind(conversation_id)
        .fetch_all(connection)
        .await?)
}

/// The tags of several conversations: (conversation id, tag).
pub async fn tags_of(pool: &AnyPool, conversation_ids: &[String]) -> StoreResult<Vec<(String, String)>> {
    if conversation_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (0..conversation_ids.len()).map(|index| format!("${}", index + 1)).collect();
    let sql = format!(
        "SELECT conversation_id, tag FROM conversation_tags WHERE conversation_id IN ({}) ORDER BY tag",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
    for id in conversation_ids {
        query = query.bind(id);
    }
    Ok(query.fetch_all(pool).await?)
}

/// Adds a tag; false when the conversation already had it.
pub async fn add_tag(
    connection: &mut Connection,
    merchant_id: &str,
    conversation_id: &str,
    tag: &str,
    now: i64,
) -> StoreResult<bool> {
    let result = sqlx::query(
        "INSERT INTO conversation_tags (conversation_id, merchant_id, tag, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(conversation_id)
    .bind(merchant_id)
    .bind(tag)
    .bind(now)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Removes a tag; false when the conversation did not have it.
pub async fn remove_tag(connection: &mut Connection, conversation_id: &str, tag: &str) -> StoreResult<bool> {
    let result = sqlx::query("DELETE FROM conversation_tags WHERE conversation_id = $1 AND tag = $2")
        .bind(conversation_id)
        .bind(tag)
        .execute(connection)
        .await?;
    Ok(result.rows_affected() == 1)
}
