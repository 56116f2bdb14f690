//! A merchant's routing rules: the ordered list as written, kept as one JSON document
//! and replaced whole. The routing crate validates it before it is stored.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

/// The merchant's rules as JSON text, `None` when it never set any.
pub async fn get(pool: &AnyPool, merchant_id: &str) -> StoreResult<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT rules FROM routing_rules WHERE merchant_id = $1")
        .bind(merchant_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|(rules,)| rules))
}

/// Replaces the merchant's rules.
pub async fn put(connection: &mut Connection, merchant_id: &str, rules: &str, now: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO routing_rules (merchant_id, rules, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (merchant_id) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at",
    )
    .bind(merchant_id)
    .bind(rules)
    .bind(now)
    .execute(connection)
    .await?;
    Ok(())
}
