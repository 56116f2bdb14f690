//! Hosted checkout sessions and the reusable payment links that open them.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CheckoutSessionRow {
    pub id: String,
    pub merchant_id: String,
    pub payment_intent_id: String,
    pub payment_link_id: Option<String>,
    pub status: String,
    pub locale: Option<String>,
    pub customer_country: Option<String>,
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

const SESSION_COLUMNS: &str = "id, merchant_id, payment_intent_id, payment_link_id, status, locale, \
    customer_country, customer_email, customer_name, success_url, cancel_url, created_at, expires_at";

pub async fn insert_session(connection: &mut Connection, row: &CheckoutSessionRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO checkout_sessions (id, merchant_id, payment_intent_id, payment_link_id, status, locale, \
         customer_country, customer_email, customer_name, success_url, cancel_url, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.payment_intent_id)
    .bind(&row.payment_link_id)
    .bind(&row.status)
    .bind(&row.locale)
    .bind(&row.customer_country)
    .bind(&row.customer_email)
    .bind(&row.customer_name)
    .bind(&row.success_url)
    .bind(&row.cancel_url)
    .bind(row.created_at)
    .bind(row.expires_at)
    .execute(connection)
    .await?;
    Ok(())
}

/// A session by id alone: the hosted page is reached by the buyer, who has no key.
pub async fn get_session(pool: &AnyPool, id: &str) -> StoreResult<Option<CheckoutSessionRow>> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM checkout_sessions WHERE id = $1");
    let row = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
    Ok(row)
}

pub async fn get_session_for_merchant(
    pool: &AnyPool,
    merchant_id: &str,
    id: &str,
) -> StoreResult<Option<CheckoutSessionRow>> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM checkout_sessions WHERE id = $1 AND merchant_id = $2");
    let row = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(merchant_id).fetch_optional(pool).await?;
    Ok(row)
}

pub async fn set_session_status(connection: &mut Connection, id: &str, from: &str, to: &str) -> StoreResult<bool> {
    let result = sqlx::query("UPDATE checkout_sessions SET status = $1 WHERE id = $2 AND status = $3")
        .bind(to)
        .bind(id)
        .bind(from)
        .execute(connection)
        .await?;
    Ok(result.rows_affected() == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PaymentLinkRow {
    pub id: String,
    pub merchant_id: String,
    pub amount: i64,
    pub currency: String,
    pub description: Option<String>,
    pub success_url: Option<String>,
    pub active: i64,
    pub metadata: String,
    pub created_at: i64,
}

const LINK_COLUMNS: &str = "id, merchant_id, amount, currency, description, success_url, active, metadata, created_at";

pub async fn insert_link(connection: &mut Connection, row: &PaymentLinkRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO payment_links (id, merchant_id, amount, currency, description, success_url, active, metadata, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(row.amount)
    .bind(&row.currency)
    .bind(&row.description)
    .bind(&row.success_url)
    .bind(row.active)
    .bind(&row.metadata)
    .bind(row.created_at)
    .execute(connection)
    .await?;
    Ok(())
}

pub async fn get_link(pool: &AnyPool, id: &str) -> StoreResult<Option<PaymentLinkRow>> {
    let sql = format!("SELECT {LINK_COLUMNS} FROM payment_links WHERE id = $1");
    let row = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
    Ok(row)
}

pub async fn set_link_active(
    connection: &mut Connection,
    merchant_id: &str,
    id: &str,
    active: bool,
) -> StoreResult<bool> {
    let result = sqlx::query("UPDATE payment_links SET active = $1 WHERE id = $2 AND merchant_id = $3")
        .bind(i64::from(active))
        .bind(id)
        .bind(merchant_id)
        .execute(connection)
        .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn list_links(
    pool: &AnyPool,
    merchant_id: &str,
    starting_after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<PaymentLinkRow>> {
    let sql = format!(
        "SELECT {LINK_COLUMNS} FROM payment_links WHERE merchant_id = $1 \
         AND (CAST($2 AS TEXT) IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    );
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(starting_after)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    Ok(rows)
}
