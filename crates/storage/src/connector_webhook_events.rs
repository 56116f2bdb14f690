//! Provider webhook events received for a connector account, one row per provider
//! event id. The row is claimed first in the transaction that applies the event, so a
//! replay (or the same event arriving twice at once) finds it and changes nothing.

use crate::{Connection, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConnectorWebhookEventRow {
    pub connector_account_id: String,
    pub provider_event_id: String,
    pub merchant_id: String,
    pub event_type: String,
    pub object_id: Option<String>,
    pub received_at: i64,
    /// SHA-256 of the raw body, hex.
    pub payload_sha256: String,
    /// `applied`, `ignored_stale` or `ignored_unknown`.
    pub outcome: String,
}

/// Records the event unless its id was already recorded for this account: true when
/// this call recorded it (and so applies it), false for a replay. On PostgreSQL a
/// second transaction inserting the same event waits for the first to end, then
/// answers false.
pub async fn claim(connection: &mut Connection, row: &ConnectorWebhookEventRow) -> StoreResult<bool> {
    let result = sqlx::query(
        "INSERT INTO connector_webhook_events (connector_account_id, provider_event_id, merchant_id, event_type, \
         object_id, received_at, payload_sha256, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (connector_account_id, provider_event_id) DO NOTHING",
    )
    .bind(&row.connector_account_id)
    .bind(&row.provider_event_id)
    .bind(&row.merchant_id)
    .bind(&row.event_type)
    .bind(&row.object_id)
    .bind(row.received_at)
    .bind(&row.payload_sha256)
    .bind(&row.outcome)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Sets what a claimed event turned out to do.
pub async fn set_outcome(
    connection: &mut Connection,
    connector_account_id: &str,
    provider_event_id: &str,
    outcome: &str,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE connector_webhook_events SET outcome = $1 WHERE connector_account_id = $2 AND provider_event_id = $3",
    )
    .bind(outcome)
    .bind(connector_account_id)
    .bind(provider_event_id)
    .execute(connection)
    .await?;
    Ok(())
}
