//! Idempotency keys. The first request claims the key with `ON CONFLICT DO NOTHING`;
//! its response is stored when it finishes and replayed for the same body.

use crate::{Store, StoreResult};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IdempotencyRow {
    pub request_hash: String,
    pub response_status: Option<i64>,
    pub response_body: Option<String>,
    pub created_at: i64,
}

pub enum Claim {
    /// This request owns the key now.
    Claimed,
    /// Another request owns it (finished when `response_status` is set).
    Existing(IdempotencyRow),
}

/// Claims `key` for this request, or returns the existing claim. Keys older than
/// `expired_before` are replaced.
pub async fn claim(
    store: &Store,
    merchant_id: &str,
    key: &str,
    request_hash: &str,
    now: i64,
    expired_before: i64,
) -> StoreResult<Claim> {
    let mut transaction = store.begin().await?;
    sqlx::query("DELETE FROM idempotency_keys WHERE merchant_id = $1 AND idempotency_key = $2 AND created_at < $3")
        .bind(merchant_id)
        .bind(key)
        .bind(expired_before)
        .execute(transaction.connection())
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_hash, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(merchant_id)
    .bind(key)
    .bind(request_hash)
    .bind(now)
    .execute(transaction.connection())
    .await?;
    if inserted.rows_affected() == 1 {
        transaction.commit().await?;
        return Ok(Claim::Claimed);
    }
    let row: Option<IdempotencyRow> = sqlx::query_as(
        "SELECT request_hash, response_status, response_body, created_at FROM idempotency_keys \
         WHERE merchant_id = $1 AND idempotency_key = $2",
    )
    .bind(merchant_id)
    .bind(key)
    .fetch_optional(transaction.connection())
    .await?;
    transaction.commit().await?;
    match row {
        Some(row) => Ok(Claim::Existing(row)),
        // Deleted between our insert and select (expired concurrently): treat as busy.
        None => Ok(Claim::Existing(IdempotencyRow {
            request_hash: request_hash.to_owned(),
            response_status: None,
            response_body: None,
            created_at: now,
        })),
    }
}

pub async fn complete(store: &Store, merchant_id: &str, key: &str, status: u16, body: &str) -> StoreResult<()> {
    let mut transaction = store.begin().await?;
    sqlx::query(
        "UPDATE idempotency_keys SET response_status = $1, response_body = $2 \
         WHERE merchant_id = $3 AND idempotency_key = $4",
    )
    .bind(i64::from(status))
    .bind(body)
    .bind(merchant_id)
    .bind(key)
    .execute(transaction.connection())
    .await?;
    transaction.commit().await
}

/// Releases a claim whose request failed unexpectedly, so a retry can run.
pub async fn release(store: &Store, merchant_id: &str, key: &str) -> StoreResult<()> {
    let mut transaction = store.begin().await?;
    sqlx::query("DELETE FROM idempotency_keys WHERE merchant_id = $1 AND idempotency_key = $2")
        .bind(merchant_id)
        .bind(key)
        .execute(transaction.connection())
        .await?;
    transaction.commit().await
}

/// Deletes keys created before `before`; returns how many.
pub async fn purge(store: &Store, before: i64) -> StoreResult<u64> {
    let mut transaction = store.begin().await?;
    let result = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(before)
        .execute(transaction.connection())
        .await?;
    transaction.commit().await?;
    Ok(result.rows_affected())
}
