//! Knowledge-base articles: what the assistant and the widget's help answer from.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ArticleRow {
    pub id: String,
    pub merchant_id: String,
    pub title: String,
    pub body: String,
    pub language: String,
    /// JSON array of tags.
    pub tags: String,
    pub published: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, merchant_id, title, body, language, tags, published, created_at, updated_at";

pub async fn insert(connection: &mut Connection, row: &ArticleRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO knowledge_articles (id, merchant_id, title, body, language, tags, published, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.title)
    .bind(&row.body)
    .bind(&row.language)
    .bind(&row.tags)
    .bind(row.published)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(connection)
    .await?;
    Ok(())
}

pub async fn update(connection: &mut Connection, row: &ArticleRow) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE knowledge_articles SET title = $1, body = $2, language = $3, tags = $4, published = $5, \
         updated_at = $6 WHERE id = $7 AND merchant_id = $8",
    )
    .bind(&row.title)
    .bind(&row.body)
    .bind(&row.language)
    .bind(&row.tags)
    .bind(row.published)
    .bind(row.updated_at)
    .bind(&row.id)
    .bind(&row.merchant_id)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn delete(connection: &mut Connection, merchant_id: &str, id: &str) -> StoreResult<bool> {
    let result = sqlx::query("DELETE FROM knowledge_articles WHERE id = $1 AND merchant_id = $2")
        .bind(id)
        .bind(merchant_id)
        .execute(connection)
        .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<ArticleRow>> {
    let sql = format!("SELECT {COLUMNS} FROM knowledge_articles WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(pool).await?)
}

/// Newest first, after the cursor; `published_only` for what buyers and the assistant see.
pub async fn list(
    pool: &AnyPool,
    merchant_id: &str,
    starting_after: Option<&str>,
    published_only: bool,
    limit: i64,
) -> StoreResult<Vec<ArticleRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM knowledge_articles WHERE merchant_id = $1 \
         AND (CAST($2 AS TEXT) IS NULL OR id < $2) AND (published = 1 OR $3 = 0) ORDER BY id DESC LIMIT $4"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(starting_after)
        .bind(i64::from(published_only))
        .bind(limit)
        .fetch_all(pool)
        .await?)
}
