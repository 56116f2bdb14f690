//! Support teams and their business hours.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TeamRow {
    pub id: String,
    pub merchant_id: String,
    pub name: String,
    pub time_zone: String,
    /// JSON array of `{"day", "start", "end"}`.
    pub business_hours: String,
    /// JSON array of `YYYY-MM-DD`.
    pub holidays: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, merchant_id, name, time_zone, business_hours, holidays, created_at, updated_at";

/// Inserts a team; false when the merchant already has a team of that name.
pub async fn insert(connection: &mut Connection, row: &TeamRow) -> StoreResult<bool> {
    let result = sqlx::query(
        "INSERT INTO support_teams (id, merchant_id, name, time_zone, business_hours, holidays, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.name)
    .bind(&row.time_zone)
    .bind(&row.business_hours)
    .bind(&row.holidays)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn update(connection: &mut Connection, row: &TeamRow) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE support_teams SET name = $1, time_zone = $2, business_hours = $3, holidays = $4, updated_at = $5 \
         WHERE id = $6 AND merchant_id = $7",
    )
    .bind(&row.name)
    .bind(&row.time_zone)
    .bind(&row.business_hours)
    .bind(&row.holidays)
    .bind(row.updated_at)
    .bind(&row.id)
    .bind(&row.merchant_id)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<TeamRow>> {
    let sql = format!("SELECT {COLUMNS} FROM support_teams WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(pool).await?)
}

/// Every team of a merchant, oldest first (a desk has a handful).
pub async fn list(pool: &AnyPool, merchant_id: &str, limit: i64) -> StoreResult<Vec<TeamRow>> {
    let sql = format!("SELECT {COLUMNS} FROM support_teams WHERE merchant_id = $1 ORDER BY id LIMIT $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(limit).fetch_all(pool).await?)
}
