//! Files merchants upload, bytes included. Reads of the metadata never load the bytes;
//! every query filters by merchant.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

/// A file without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FileRow {
    pub id: String,
    pub merchant_id: String,
    pub purpose: String,
    pub filename: String,
    /// `pdf`, `jpg` or `png`, from the bytes' magic number.
    pub file_type: String,
    pub size: i64,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    pub created_at: i64,
}

const COLUMNS: &str = "id, merchant_id, purpose, filename, file_type, size, sha256, created_at";

pub async fn insert(connection: &mut Connection, row: &FileRow, contents: Vec<u8>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO files (id, merchant_id, purpose, filename, file_type, size, sha256, contents, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.purpose)
    .bind(&row.filename)
    .bind(&row.file_type)
    .bind(row.size)
    .bind(&row.sha256)
    .bind(contents)
    .bind(row.created_at)
    .execute(connection)
    .await?;
    Ok(())
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<FileRow>> {
    let sql = format!("SELECT {COLUMNS} FROM files WHERE id = $1 AND merchant_id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(merchant_id).fetch_optional(pool).await?)
}

/// A file's bytes.
pub async fn contents(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<Vec<u8>>> {
    let row: Option<(Vec<u8>,)> = sqlx::query_as("SELECT contents FROM files WHERE id = $1 AND merchant_id = $2")
        .bind(id)
        .bind(merchant_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|(contents,)| contents))
}

/// The list filters; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub purpose: Option<String>,
    pub starting_after: Option<String>,
    pub limit: i64,
}

/// Newest first (ids sort by creation time), after the cursor.
pub async fn list(pool: &AnyPool, merchant_id: &str, filter: &ListFilter) -> StoreResult<Vec<FileRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM files WHERE merchant_id = $1 \
         AND (CAST($2 AS TEXT) IS NULL OR purpose = $2) \
         AND (CAST($3 AS TEXT) IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(filter.purpose.as_deref())
        .bind(filter.starting_after.as_deref())
        .bind(filter.limit)
        .fetch_all(pool)
        .await?)
}
