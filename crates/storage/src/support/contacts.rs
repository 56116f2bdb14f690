//! Buyers talking through the widget: anonymous visitors first, then identified.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

/// `Debug` leaves the token hash out.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ContactRow {
    pub id: String,
    pub merchant_id: String,
    pub token_hash: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub verified: i64,
    /// JSON array of the order numbers the buyer proved they own.
    pub verified_orders: String,
    pub language: Option<String>,
    pub time_zone: Option<String>,
    /// JSON object: pre-chat answers and shop-supplied attributes.
    pub attributes: String,
    pub failed_verifications: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
}

impl std::fmt::Debug for ContactRow {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ContactRow")
            .field("id", &self.id)
            .field("verified", &self.verified)
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, merchant_id, token_hash, name, email, verified, verified_orders, language, time_zone, \
    attributes, failed_verifications, created_at, last_seen_at";

pub async fn insert(connection: &mut Connection, row: &ContactRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO support_contacts (id, merchant_id, token_hash, name, email, verified, verified_orders, language, \
         time_zone, attributes, failed_verifications, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.token_hash)
    .bind(&row.name)
    .bind(&row.email)
    .bind(row.verified)
    .bind(&row.verified_orders)
    .bind(&row.language)
    .bind(&row.time_zone)
    .bind(&row.attributes)
    .bind(row.failed_verifications)
    .bind(row.created_at)
    .bind(row.last_seen_at)
    .execute(connection)
    .await?;
    Ok(())
}

pub async fn update(connection: &mut Connection, row: &ContactRow) -> StoreResult<()> {
    sqlx::query(
        "UPDATE support_contacts SET name = $1, email = $2, verified = $3, verified_orders = $4, language = $5, \
         time_zone = $6, attributes = $7, failed_verifications = $8, last_seen_at = $9 \
         WHERE id = $10 AND merchant_id = $11",
    )
    .bind(&row.name)
    .bind(&row.email)
    .bind(row.verified)
    .bind(&row.verified_orders)
    .bind(&row.language)
    .bind(&row.time_zone)
    .bind(&row.attributes)
    .bind(row.failed_verifications)
    .bind(row.last_seen_at)
    .bind(&row.id)
    .bind(&row.merchant_id)
    .execute(connection)
    .await?;
    Ok(())
}

/// The contact a widget token belongs to.
pub async fn by_token_hash(pool: &AnyPool, token_hash: &str) -> StoreResult<Option<ContactRow>> {
    let sql = format!("SELECT {COLUMNS} FROM support_contacts WHERE token_hash = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(pool).await?)
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<ContactRow>> {
    let sql = format!("SELECT {COLUMNS} FROM support_contacts WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(pool).await?)
}

pub async fn get_in(connection: &mut Connection, merchant_id: &str, id: &str) -> StoreResult<Option<ContactRow>> {
    let sql = format!("SELECT {COLUMNS} FROM support_contacts WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(connection).await?)
}
