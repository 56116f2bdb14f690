//! Settlement reconciliation: imported provider reports, their lines and the outcome
//! of matching each against the merchant's balance transactions.
//!
//! A report is written whole in one transaction: the report row first, whose unique
//! index on (merchant, connector, fingerprint) makes a second import of the same file
//! a no-op ([`insert_report`] answers `false`), then its lines and results in
//! multi-row inserts of [`INSERT_ROWS_MAX`] rows, so a report of a hundred thousand
//! lines costs a few hundred statements rather than two hundred thousand.

use crate::balance_transactions::BalanceTransactionRow;
use crate::batch::{self, Arguments};
use crate::{Connection, StoreResult};
use sqlx::AnyPool;
use sqlx::error::BoxDynError;

/// Rows per multi-row insert: 400 rows of at most 15 values stay far below both
/// SQLite's (32,766) and PostgreSQL's (65,535) limits on bound parameters.
pub const INSERT_ROWS_MAX: usize = 400;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReportRow {
    pub id: String,
    pub merchant_id: String,
    pub connector: String,
    pub fingerprint: String,
    pub status: String,
    pub line_count: i64,
    pub matched_count: i64,
    pub missing_in_platform_count: i64,
    pub missing_in_report_count: i64,
    pub amount_mismatch_count: i64,
    pub period_start: String,
    pub period_end: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRow {
    pub line_number: i64,
    pub fingerprint: String,
    pub provider_reference: String,
    pub r#type: String,
    pub gross: i64,
    pub fee: i64,
    pub net: i64,
    pub currency: String,
    pub settlement_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ResultRow {
    pub sequence: i64,
    pub outcome: String,
    pub line_number: Option<i64>,
    pub balance_transaction_id: Option<String>,
    pub provider_reference: String,
    pub r#type: String,
    pub field: Option<String>,
    pub expected_amount: Option<i64>,
    pub expected_currency: Option<String>,
    pub reported_amount: Option<i64>,
    pub reported_currency: Option<String>,
}

const REPORT_COLUMNS: &str = "id, merchant_id, connector, fingerprint, status, line_count, matched_count, \
    missing_in_platform_count, missing_in_report_count, amount_mismatch_count, period_start, period_end, created_at";

const RESULT_COLUMNS: &str = "sequence, outcome, line_number, balance_transaction_id, provider_reference, type, \
    field, expected_amount, expected_currency, reported_amount, reported_currency";

/// Inserts `report` unless the merchant already imported a report with its connector
/// and fingerprint; `false` then, with nothing written.
pub async fn insert_report(connection: &mut Connection, report: &ReportRow) -> StoreResult<bool> {
    let result = sqlx::query(
        "INSERT INTO reconciliation_reports (id, merchant_id, connector, fingerprint, status, line_count, \
         matched_count, missing_in_platform_count, missing_in_report_count, amount_mismatch_count, period_start, \
         period_end, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (merchant_id, connector, fingerprint) DO NOTHING",
    )
    .bind(&report.id)
    .bind(&report.merchant_id)
    .bind(&report.connector)
    .bind(&report.fingerprint)
    .bind(&report.status)
    .bind(report.line_count)
    .bind(report.matched_count)
    .bind(report.missing_in_platform_count)
    .bind(report.missing_in_report_count)
    .bind(report.amount_mismatch_count)
    .bind(&report.period_start)
    .bind(&report.period_end)
    .bind(report.created_at)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// `INSERT INTO table (columns) VALUES ($1, …), ($n, …)` for `rows` rows.
fn multi_row_insert(table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut placeholder = 0;
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns.len() {
            if column > 0 {
                sql.push_str(", ");
            }
            placeholder += 1;
            sql.push_str(&format!("${placeholder}"));
        }
        sql.push(')');
    }
    sql
}

/// Inserts `rows` in chunks, binding each row's values with `bind`.
async fn insert_chunked<T>(
    connection: &mut Connection,
    table: &str,
    columns: &[&str],
    rows: &[T],
    bind: impl Fn(&mut Arguments, &T) -> Result<(), BoxDynError>,
) -> StoreResult<()> {
    for chunk in rows.chunks(INSERT_ROWS_MAX) {
        let sql = multi_row_insert(table, columns, chunk.len());
        let arguments = batch::arguments(|arguments| chunk.iter().try_for_each(|row| bind(arguments, row)))?;
        sqlx::query_with(sqlx::AssertSqlSafe(sql), arguments).execute(&mut *connection).await?;
    }
    Ok(())
}

/// Inserts a report's lines (after [`insert_report`] said the report is new).
pub async fn insert_lines(
    connection: &mut Connection,
    report_id: &str,
    merchant_id: &str,
    lines: &[LineRow],
) -> StoreResult<()> {
    let columns = [
        "report_id",
        "line_number",
        "merchant_id",
        "fingerprint",
        "provider_reference",
        "type",
        "gross",
        "fee",
        "net",
        "currency",
        "settlement_date",
    ];
    insert_chunked(connection, "reconciliation_lines", &columns, lines, |arguments, line| {
        arguments.add(report_id)?;
        arguments.add(line.line_number)?;
        arguments.add(merchant_id)?;
        arguments.add(&line.fingerprint)?;
        arguments.add(&line.provider_reference)?;
        arguments.add(&line.r#type)?;
        arguments.add(line.gross)?;
        arguments.add(line.fee)?;
        arguments.add(line.net)?;
        arguments.add(&line.currency)?;
        arguments.add(&line.settlement_date)
    })
    .await
}

/// Inserts a report's results (after [`insert_report`] said the report is new).
pub async fn insert_results(
    connection: &mut Connection,
    report_id: &str,
    merchant_id: &str,
    results: &[ResultRow],
) -> StoreResult<()> {
    let columns = [
        "report_id",
        "sequence",
        "merchant_id",
        "outcome",
        "line_number",
        "balance_transaction_id",
        "provider_reference",
        "type",
        "field",
        "expected_amount",
        "expected_currency",
        "reported_amount",
        "reported_currency",
    ];
    insert_chunked(connection, "reconciliation_results", &columns, results, |arguments, result| {
        arguments.add(report_id)?;
        arguments.add(result.sequence)?;
        arguments.add(merchant_id)?;
        arguments.add(&result.outcome)?;
        arguments.add(result.line_number)?;
        arguments.add(&result.balance_transaction_id)?;
        arguments.add(&result.provider_reference)?;
        arguments.add(&result.r#type)?;
        arguments.add(&result.field)?;
        arguments.add(result.expected_amount)?;
        arguments.add(&result.expected_currency)?;
        arguments.add(result.reported_amount)?;
        arguments.add(&result.reported_currency)
    })
    .await
}

/// The report a merchant imported with this connector and fingerprint, if any.
pub async fn find_by_fingerprint(
    connection: &mut Connection,
    merchant_id: &str,
    connector: &str,
    fingerprint: &str,
) -> StoreResult<Option<ReportRow>> {
    let sql = format!(
        "SELECT {REPORT_COLUMNS} FROM reconciliation_reports WHERE merchant_id = $1 AND connector = $2 \
         AND fingerprint = $3"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(connector)
        .bind(fingerprint)
        .fetch_optional(connection)
        .await?)
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<ReportRow>> {
    let sql = format!("SELECT {REPORT_COLUMNS} FROM reconciliation_reports WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(pool).await?)
}

/// A merchant's reports, newest first, after the cursor.
pub async fn list(
    pool: &AnyPool,
    merchant_id: &str,
    starting_after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<ReportRow>> {
    let sql = format!(
        "SELECT {REPORT_COLUMNS} FROM reconciliation_reports WHERE merchant_id = $1 \
         AND (CAST($2 AS TEXT) IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(starting_after)
        .bind(limit)
        .fetch_all(pool)
        .await?)
}

/// A report's results in sequence order after the cursor, optionally of one outcome.
/// The caller has checked that the report is the merchant's; the merchant is in the
/// condition anyway, so no path leads to another merchant's rows.
pub async fn list_results(
    pool: &AnyPool,
    merchant_id: &str,
    report_id: &str,
    outcome: Option<&str>,
    starting_after: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<ResultRow>> {
    let sql = format!(
        "SELECT {RESULT_COLUMNS} FROM reconciliation_results WHERE report_id = $1 AND merchant_id = $2 \
         AND (CAST($3 AS TEXT) IS NULL OR outcome = $3) AND (CAST($4 AS BIGINT) IS NULL OR sequence > $4) \
         ORDER BY sequence LIMIT $5"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(report_id)
        .bind(merchant_id)
        .bind(outcome)
        .bind(starting_after)
        .bind(limit)
        .fetch_all(pool)
        .await?)
}

/// The balance transactions of `connector` a report can be matched against: the
/// merchant's charges, refunds, refund failures, disputes and dispute reversals (the
/// `adjustment`s of reporting category `dispute_reversal`; other adjustments and payouts
/// are not a connector's to report) with `available_on` in
/// `[from, until)`, oldest first, at most `limit`.
pub async fn expected_transactions(
    connection: &mut Connection,
    merchant_id: &str,
    connector: &str,
    from: i64,
    until: i64,
    limit: i64,
) -> StoreResult<Vec<BalanceTransactionRow>> {
    settled_transactions(connection, merchant_id, connector, from, until, None, limit).await
}

/// [`settled_transactions`]' query (public for the plan tests). `status IN (…)` names
/// both statuses so that the rows are read from the status index, a range of dates per
/// status, with the connector checked on the index entry (migration 0020). The rows are
/// sorted by `id || ''`, the same order as `id`'s: ordered by `id` itself, SQLite walks
/// all of the merchant's rows in the key's order to skip the sort.
pub fn settled_transactions_sql() -> String {
    format!(
        "SELECT {} FROM balance_transactions WHERE merchant_id = $1 AND connector = $2 \
         AND (type IN ('charge', 'refund', 'refund_failure', 'dispute') \
              OR (type = 'adjustment' AND reporting_category = 'dispute_reversal')) \
         AND status IN ('pending', 'available') AND available_on >= $3 AND available_on < $4 \
         AND (CAST($5 AS TEXT) IS NULL OR id > $5) ORDER BY id || '' LIMIT $6",
        crate::balance_transactions::COLUMNS
    )
}

/// A page of the balance transactions a settlement report of `connector` lists:
/// [`expected_transactions`] in id order after the cursor `after`.
pub async fn settled_transactions(
    connection: &mut Connection,
    merchant_id: &str,
    connector: &str,
    from: i64,
    until: i64,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<BalanceTransactionRow>> {
    let sql = settled_transactions_sql();
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(connector)
        .bind(from)
        .bind(until)
        .bind(after)
        .bind(limit)
        .fetch_all(connection)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_row_inserts_number_their_placeholders_across_rows() {
        assert_eq!(multi_row_insert("t", &["a", "b"], 2), "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
    }
}
