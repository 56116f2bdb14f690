//! Each merchant's desk settings; a merchant without a row has the defaults the API
//! layer chooses (and writes on first change).

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

/// `Debug` leaves the identity secret out.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SettingsRow {
    pub merchant_id: String,
    pub assistant_enabled: i64,
    pub identity_secret: String,
    /// JSON: greeting, colour, pre-chat questions.
    pub widget: String,
    pub language_policy: String,
    /// JSON: SLA targets.
    pub sla: String,
    pub csat_enabled: i64,
    pub default_team_id: Option<String>,
    pub updated_at: i64,
}

impl std::fmt::Debug for SettingsRow {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SettingsRow")
            .field("merchant_id", &self.merchant_id)
            .field("assistant_enabled", &self.assistant_enabled)
            .field("identity_secret", &"[redacted]")
            .field("language_policy", &self.language_policy)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "merchant_id, assistant_enabled, identity_secret, widget, language_policy, sla, csat_enabled, \
    default_team_id, updated_at";

pub async fn get(pool: &AnyPool, merchant_id: &str) -> StoreResult<Option<SettingsRow>> {
    let sql = format!("SELECT {COLUMNS} FROM support_settings WHERE merchant_id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).fetch_optional(pool).await?)
}

/// Inserts the settings, or replaces them whole.
pub async fn upsert(connection: &mut Connection, row: &SettingsRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO support_settings (merchant_id, assistant_enabled, identity_secret, widget, language_policy, sla, \
         csat_enabled, default_team_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (merchant_id) DO UPDATE SET assistant_enabled = excluded.assistant_enabled, \
         identity_secret = excluded.identity_secret, widget = excluded.widget, \
         language_policy = excluded.language_policy, sla = excluded.sla, csat_enabled = excluded.csat_enabled, \
         default_team_id = excluded.default_team_id, updated_at = excluded.updated_at",
    )
    .bind(&row.merchant_id)
    .bind(row.assistant_enabled)
    .bind(&row.identity_secret)
    .bind(&row.widget)
    .bind(&row.language_policy)
    .bind(&row.sla)
    .bind(row.csat_enabled)
    .bind(&row.default_team_id)
    .bind(row.updated_at)
    .execute(connection)
    .await?;
    Ok(())
}
