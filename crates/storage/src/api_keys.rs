//! API keys, stored only as SHA-256 hashes.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: String,
    pub merchant_id: String,
    pub kind: String,
    pub key_hash: String,
    pub display_suffix: String,
    pub publishable_key: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

pub async fn insert(connection: &mut Connection, row: &ApiKeyRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO api_keys (id, merchant_id, kind, key_hash, display_suffix, publishable_key, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.kind)
    .bind(&row.key_hash)
    .bind(&row.display_suffix)
    .bind(&row.publishable_key)
    .bind(row.created_at)
    .bind(row.expires_at)
    .execute(connection)
    .await?;
    Ok(())
}

/// What a request authenticated with a key may act as.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActiveKey {
    pub merchant_id: String,
    pub merchant_name: String,
    pub kind: String,
    pub clock_offset_seconds: i64,
    /// When a rolled key stops working (so a cached copy can be checked too).
    pub expires_at: Option<i64>,
}

/// The key with this hash and its merchant, if the key has not expired at `now`.
pub async fn find_active(pool: &AnyPool, key_hash: &str, now: i64) -> StoreResult<Option<ActiveKey>> {
    let row = sqlx::query_as(
        "SELECT k.merchant_id, m.name AS merchant_name, k.kind, m.clock_offset_seconds, k.expires_at \
         FROM api_keys k JOIN merchants m ON m.id = k.merchant_id \
         WHERE k.key_hash = $1 AND (k.expires_at IS NULL OR k.expires_at > $2)",
    )
    .bind(key_hash)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// Makes every live key of this kind expire at `expires_at` (rolling); returns the
/// hashes touched so caches can forget them.
pub async fn expire_kind(
    connection: &mut Connection,
    merchant_id: &str,
    kind: &str,
    expires_at: i64,
) -> StoreResult<Vec<String>> {
    let hashes: Vec<(String,)> = sqlx::query_as(
        "UPDATE api_keys SET expires_at = $1 WHERE merchant_id = $2 AND kind = $3 \
         AND (expires_at IS NULL OR expires_at > $1) RETURNING key_hash",
    )
    .bind(expires_at)
    .bind(merchant_id)
    .bind(kind)
    .fetch_all(connection)
    .await?;
    Ok(hashes.into_iter().map(|(hash,)| hash).collect())
}

/// The merchant's newest live publishable key, for its hosted checkout pages.
pub async fn publishable_key(pool: &AnyPool, merchant_id: &str, now: i64) -> StoreResult<Option<String>> {
    let row: Option<(Option<String>,)> = sqlx::query_as(
        "SELECT publishable_key FROM api_keys WHERE merchant_id = $1 AND kind = 'publishable' \
         AND (expires_at IS NULL OR expires_at > $2) ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(merchant_id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(key,)| key))
}
