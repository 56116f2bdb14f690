//! Support agents, their presence and load, and their console sessions.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

/// `Debug` leaves the password hash out.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AgentRow {
    pub id: String,
    pub merchant_id: String,
    pub email: String,
    pub name: String,
    /// `agent` or `admin`.
    pub role: String,
    /// JSON array of language codes.
    pub languages: String,
    pub capacity: i64,
    /// `online`, `away` or `offline`.
    pub presence: String,
    pub team_id: Option<String>,
    /// JSON object: currency → most a refund by this agent may be.
    pub refund_limits: String,
    pub password_hash: Option<String>,
    pub last_assigned_at_ms: Option<i64>,
    pub disabled: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for AgentRow {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("AgentRow")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("role", &self.role)
            .field("presence", &self.presence)
            .field("password_hash", &self.password_hash.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, merchant_id, email, name, role, languages, capacity, presence, team_id, refund_limits, \
    password_hash, last_assigned_at_ms, disabled, created_at, updated_at";

/// Inserts an agent; false when the merchant already has an agent with that email.
pub async fn insert(connection: &mut Connection, row: &AgentRow) -> StoreResult<bool> {
    let result = sqlx::query(
        "INSERT INTO support_agents (id, merchant_id, email, name, role, languages, capacity, presence, team_id, \
         refund_limits, password_hash, last_assigned_at_ms, disabled, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.email)
    .bind(&row.name)
    .bind(&row.role)
    .bind(&row.languages)
    .bind(row.capacity)
    .bind(&row.presence)
    .bind(&row.team_id)
    .bind(&row.refund_limits)
    .bind(&row.password_hash)
    .bind(row.last_assigned_at_ms)
    .bind(row.disabled)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Writes the agent's profile, presence and limits (not the assignment clock).
pub async fn update(connection: &mut Connection, row: &AgentRow) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE support_agents SET name = $1, role = $2, languages = $3, capacity = $4, presence = $5, team_id = $6, \
         refund_limits = $7, password_hash = $8, disabled = $9, updated_at = $10 WHERE id = $11 AND merchant_id = $12",
    )
    .bind(&row.name)
    .bind(&row.role)
    .bind(&row.languages)
    .bind(row.capacity)
    .bind(&row.presence)
    .bind(&row.team_id)
    .bind(&row.refund_limits)
    .bind(&row.password_hash)
    .bind(row.disabled)
    .bind(row.updated_at)
    .bind(&row.id)
    .bind(&row.merchant_id)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Records an automatic assignment, for round-robin among equals.
pub async fn touch_assigned(connection: &mut Connection, merchant_id: &str, id: &str, at_ms: i64) -> StoreResult<()> {
    sqlx::query("UPDATE support_agents SET last_assigned_at_ms = $1 WHERE id = $2 AND merchant_id = $3")
        .bind(at_ms)
        .bind(id)
        .bind(merchant_id)
        .execute(connection)
        .await?;
    Ok(())
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<AgentRow>> {
    let sql = format!("SELECT {COLUMNS} FROM support_agents WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(pool).await?)
}

pub async fn get_in(connection: &mut Connection, merchant_id: &str, id: &str) -> StoreResult<Option<AgentRow>> {
    let sql = format!("SELECT {COLUMNS} FROM support_agents WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(connection).await?)
}

/// Every agent with that email, across merchants (console sign-in names no merchant).
pub async fn by_email(pool: &AnyPool, email: &str) -> StoreResult<Vec<AgentRow>> {
    let sql = format!("SELECT {COLUMNS} FROM support_agents WHERE email = $1 AND disabled = 0 ORDER BY id LIMIT 10");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(email).fetch_all(pool).await?)
}

/// A merchant's agents, oldest first.
pub async fn list(pool: &AnyPool, merchant_id: &str, limit: i64) -> StoreResult<Vec<AgentRow>> {
    let sql = format!("SELECT {COLUMNS} FROM support_agents WHERE merchant_id = $1 ORDER BY id LIMIT $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(limit).fetch_all(pool).await?)
}

/// The same, inside a transaction (assignment decides on what it reads there).
pub async fn list_in(connection: &mut Connection, merchant_id: &str, limit: i64) -> StoreResult<Vec<AgentRow>> {
    let sql = format!("SELECT {COLUMNS} FROM support_agents WHERE merchant_id = $1 ORDER BY id LIMIT $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(limit).fetch_all(connection).await?)
}

/// Open (not resolved, not snoozed) conversations per agent: (agent id, count).
pub async fn open_counts(connection: &mut Connection, merchant_id: &str) -> StoreResult<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT assignee_id, COUNT(*) FROM conversations WHERE merchant_id = $1 AND assignee_id IS NOT NULL \
         AND status IN ('open', 'pending') GROUP BY assignee_id",
    )
    .bind(merchant_id)
    .fetch_all(connection)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub agent_id: String,
    pub merchant_id: String,
    pub expires_at: i64,
    pub created_at: i64,
}

pub async fn insert_session(connection: &mut Connection, row: &SessionRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO support_agent_sessions (token_hash, agent_id, merchant_id, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&row.token_hash)
    .bind(&row.agent_id)
    .bind(&row.merchant_id)
    .bind(row.expires_at)
    .bind(row.created_at)
    .execute(connection)
    .await?;
    Ok(())
}

/// The session of a token hash, if it has not expired by `now`.
pub async fn session(pool: &AnyPool, token_hash: &str, now: i64) -> StoreResult<Option<SessionRow>> {
    Ok(sqlx::query_as(
        "SELECT token_hash, agent_id, merchant_id, expires_at, created_at FROM support_agent_sessions \
         WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(pool)
    .await?)
}

pub async fn delete_session(connection: &mut Connection, token_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM support_agent_sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(connection)
        .await?;
    Ok(())
}
