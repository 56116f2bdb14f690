//! Balance transactions: the merchant's view of the ledger, Stripe-shaped. Each is
//! written in the same transaction as the ledger transfers and the state change that
//! caused it; the settlement sweep moves it from `pending` to `available` on its
//! `available_on` date, in the same transaction as the settlement transfers.

use crate::batch::{self, Arguments, Batch};
use crate::{Connection, StoreResult};
use sqlx::AnyPool;
use sqlx::error::BoxDynError;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BalanceTransactionRow {
    pub id: String,
    pub merchant_id: String,
    /// `charge`, `refund`, `refund_failure`, `adjustment`, `payout`…
    pub r#type: String,
    pub reporting_category: String,
    /// Signed: positive adds to the merchant's balance, negative takes from it.
    pub amount: i64,
    pub fee: i64,
    pub net: i64,
    pub currency: String,
    /// JSON array of the fee's parts.
    pub fee_details: String,
    pub source_id: String,
    pub payment_intent_id: Option<String>,
    pub connector: Option<String>,
    pub description: Option<String>,
    pub status: String,
    pub available_on: i64,
    pub created_at: i64,
    /// Set when the payment was converted into the merchant's settlement currency:
    /// units of `currency` per unit of the payment's currency, a decimal string.
    pub exchange_rate: Option<String>,
}

pub(crate) const COLUMNS: &str = "id, merchant_id, type, reporting_category, amount, fee, net, currency, fee_details, source_id, \
    payment_intent_id, connector, description, status, available_on, created_at, exchange_rate";

const INSERT: &str = "INSERT INTO balance_transactions (id, merchant_id, type, reporting_category, amount, fee, net, \
    currency, fee_details, source_id, payment_intent_id, connector, description, status, available_on, created_at, \
    exchange_rate) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)";

fn insert_arguments(arguments: &mut Arguments, row: &BalanceTransactionRow) -> Result<(), BoxDynError> {
    arguments.add(&row.id)?;
    arguments.add(&row.merchant_id)?;
    arguments.add(&row.r#type)?;
    arguments.add(&row.reporting_category)?;
    arguments.add(row.amount)?;
    arguments.add(row.fee)?;
    arguments.add(row.net)?;
    arguments.add(&row.currency)?;
    arguments.add(&row.fee_details)?;
    arguments.add(&row.source_id)?;
    arguments.add(&row.payment_intent_id)?;
    arguments.add(&row.connector)?;
    arguments.add(&row.description)?;
    arguments.add(&row.status)?;
    arguments.add(row.available_on)?;
    arguments.add(row.created_at)?;
    arguments.add(&row.exchange_rate)
}

pub async fn insert(connection: &mut Connection, row: &BalanceTransactionRow) -> StoreResult<()> {
    let arguments = batch::arguments(|arguments| insert_arguments(arguments, row))?;
    sqlx::query_with(INSERT, arguments).execute(connection).await?;
    Ok(())
}

/// [`insert`], queued in `batch` to be written with its ledger transfers.
pub fn insert_in(batch: &mut Batch, row: &BalanceTransactionRow) -> StoreResult<()> {
    batch.push_last_insert(INSERT, |arguments| insert_arguments(arguments, row))
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<BalanceTransactionRow>> {
    let sql = format!("SELECT {COLUMNS} FROM balance_transactions WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(pool).await?)
}

/// [`for_source`]'s query (public for the plan tests). Its conditions are the source
/// and `type <> 'charge'`, the condition of the index on sources (a payment's charge is
/// found through the payment: [`charge_of`]), so that index is the only one a planner
/// can take: with the merchant's id in the query too, SQLite (which has no statistics:
/// nothing runs `ANALYZE`) and PostgreSQL's generic plans for tables not yet analysed
/// cost the merchant's key like it, and took the key for the order by id it gives,
/// walking all of the merchant's rows. The merchant is checked on the rows read instead
/// (a source id names one object of one merchant).
pub fn for_source_sql() -> String {
    format!("SELECT {COLUMNS} FROM balance_transactions WHERE source_id = $1 AND type <> 'charge'")
}

/// [`charge_of`]'s query (public for the plan tests): the payment's row by its key,
/// then the charge by its key.
pub fn charge_of_sql() -> String {
    format!(
        "SELECT {} FROM payment_intents p JOIN balance_transactions b \
         ON b.merchant_id = p.merchant_id AND b.id = p.balance_transaction_id \
         WHERE p.id = $1 AND p.merchant_id = $2",
        columns_of("b")
    )
}

/// [`COLUMNS`], each qualified by `alias`, for queries that join the table.
fn columns_of(alias: &str) -> String {
    COLUMNS.split(',').map(|column| format!("{alias}.{}", column.trim())).collect::<Vec<_>>().join(", ")
}

/// The charge balance transaction a payment's capture booked, if it booked one.
pub async fn charge_of(
    connection: &mut Connection,
    merchant_id: &str,
    payment_intent_id: &str,
) -> StoreResult<Option<BalanceTransactionRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(charge_of_sql()))
        .bind(payment_intent_id)
        .bind(merchant_id)
        .fetch_optional(connection)
        .await?)
}

/// A merchant's balance transactions for one source object (a refund, a dispute, a
/// payout; a payment's rows other than its charge), by id.
pub async fn for_source(
    connection: &mut Connection,
    merchant_id: &str,
    source_id: &str,
) -> StoreResult<Vec<BalanceTransactionRow>> {
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(for_source_sql())).bind(source_id).fetch_all(connection).await?;
    Ok(of_merchant_by_id(rows, merchant_id))
}

/// `rows` of `merchant_id` only, in id order.
fn of_merchant_by_id(mut rows: Vec<BalanceTransactionRow>, merchant_id: &str) -> Vec<BalanceTransactionRow> {
    rows.retain(|row| row.merchant_id == merchant_id);
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    rows
}

/// The list filters; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub starting_after: Option<String>,
    pub r#type: Option<String>,
    pub currency: Option<String>,
    pub source_id: Option<String>,
    pub payment_intent_id: Option<String>,
    pub status: Option<String>,
    pub created_gte: Option<i64>,
    pub created_lte: Option<i64>,
    pub available_on_gte: Option<i64>,
    pub available_on_lte: Option<i64>,
    pub limit: i64,
}

/// Newest first (ids sort by creation time), after the cursor.
pub async fn list(pool: &AnyPool, merchant_id: &str, filter: &ListFilter) -> StoreResult<Vec<BalanceTransactionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM balance_transactions WHERE merchant_id = $1 \
         AND (CAST($2 AS TEXT) IS NULL OR id < $2) \
         AND (CAST($3 AS TEXT) IS NULL OR type = $3) \
         AND (CAST($4 AS TEXT) IS NULL OR currency = $4) \
         AND (CAST($5 AS TEXT) IS NULL OR source_id = $5) \
         AND (CAST($6 AS TEXT) IS NULL OR payment_intent_id = $6) \
         AND (CAST($7 AS TEXT) IS NULL OR status = $7) \
         AND (CAST($8 AS BIGINT) IS NULL OR created_at >= $8) \
         AND (CAST($9 AS BIGINT) IS NULL OR created_at <= $9) \
         AND (CAST($10 AS BIGINT) IS NULL OR available_on >= $10) \
         AND (CAST($11 AS BIGINT) IS NULL OR available_on <= $11) \
         ORDER BY id DESC LIMIT $12"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(&filter.starting_after)
        .bind(&filter.r#type)
        .bind(&filter.currency)
        .bind(&filter.source_id)
        .bind(&filter.payment_intent_id)
        .bind(&filter.status)
        .bind(filter.created_gte)
        .bind(filter.created_lte)
        .bind(filter.available_on_gte)
        .bind(filter.available_on_lte)
        .bind(filter.limit)
        .fetch_all(pool)
        .await?)
}

/// [`due`]'s query (public for the plan tests): the pending range of the status index.
pub fn due_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM balance_transactions WHERE merchant_id = $1 AND status = 'pending' \
         AND available_on <= $2 ORDER BY available_on, id LIMIT $3"
    )
}

/// A merchant's pending balance transactions due by `now`, oldest first.
pub async fn due(pool: &AnyPool, merchant_id: &str, now: i64, limit: i64) -> StoreResult<Vec<BalanceTransactionRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(due_sql())).bind(merchant_id).bind(now).bind(limit).fetch_all(pool).await?)
}

/// [`due_for_payment`]'s query (public for the plan tests): the rows of the payment's
/// refunds and disputes, through the index on sources, the only one their conditions
/// allow, as in [`for_source_sql`]. Two lookups rather than `source_id IN (…)`:
/// PostgreSQL's generic plan for a table not yet analysed scanned the whole table for
/// the `IN`. `status <> 'available'` rather than `= 'pending'` (the only other status)
/// keeps the status index out of reach.
pub fn due_for_payment_sql() -> String {
    let due = "b.type <> 'charge' AND b.payment_intent_id = $1 AND b.status <> 'available' AND b.available_on <= $2";
    let columns = columns_of("b");
    format!(
        "SELECT {columns} FROM refunds r JOIN balance_transactions b ON b.source_id = r.id \
             WHERE r.payment_intent_id = $1 AND {due} \
         UNION ALL SELECT {columns} FROM disputes d JOIN balance_transactions b ON b.source_id = d.id \
             WHERE d.payment_intent_id = $1 AND {due}"
    )
}

/// One payment's pending balance transactions due by `now` (its charge, and the refunds
/// and disputes taken from its pending funds), by id.
///
/// Each is an index lookup: the charge through the payment ([`charge_of`]), the others
/// by their sources (the payment's refunds and disputes). Filtering the merchant's
/// pending rows by payment instead walks all of them that are due (the status index,
/// the only one on `status`): every pending row of the merchant for a dispute, which
/// asks with `now` at the end of time, and the whole backlog for each payment a
/// settlement sweep settles. The charge is checked here rather than in the query: its
/// conditions on status and date would let PostgreSQL's generic plan read it through
/// the status index, walking the merchant's rows, instead of by its key.
pub async fn due_for_payment(
    connection: &mut Connection,
    merchant_id: &str,
    payment_intent_id: &str,
    now: i64,
) -> StoreResult<Vec<BalanceTransactionRow>> {
    let charge = charge_of(&mut *connection, merchant_id, payment_intent_id).await?.filter(|charge| {
        charge.payment_intent_id.as_deref() == Some(payment_intent_id)
            && charge.status != "available"
            && charge.available_on <= now
    });
    let mut rows: Vec<BalanceTransactionRow> = sqlx::query_as(sqlx::AssertSqlSafe(due_for_payment_sql()))
        .bind(payment_intent_id)
        .bind(now)
        .fetch_all(connection)
        .await?;
    rows.extend(charge);
    Ok(of_merchant_by_id(rows, merchant_id))
}

/// Marks a pending balance transaction available; false when it already was.
pub async fn make_available(connection: &mut Connection, merchant_id: &str, id: &str) -> StoreResult<bool> {
    // `<> 'available'` (the only other status) rather than `= 'pending'`: with
    // `status = 'pending'` the status index matches as many columns as the key, and a
    // plan on it walks every pending row of the merchant (migrations 0018 and 0020).
    let result = sqlx::query(
        "UPDATE balance_transactions SET status = 'available' \
         WHERE merchant_id = $1 AND id = $2 AND status <> 'available'",
    )
    .bind(merchant_id)
    .bind(id)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// [`pending`]'s query (public for the plan tests): the pending range of the status
/// index. `available_on >= $2`, bound to the least `i64`, is true of every row; it
/// implies the index's condition (`available_on IS NOT NULL`), which SQLite drops from
/// a query as always true of a NOT NULL column before it could match.
pub fn pending_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM balance_transactions WHERE merchant_id = $1 AND status = 'pending' \
         AND available_on >= $2 ORDER BY available_on, id"
    )
}

/// A merchant's pending balance transactions, for the forecast: every one, oldest
/// available date first.
pub async fn pending(pool: &AnyPool, merchant_id: &str) -> StoreResult<Vec<BalanceTransactionRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(pending_sql())).bind(merchant_id).bind(i64::MIN).fetch_all(pool).await?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn row(id: &str, merchant_id: &str) -> BalanceTransactionRow {
        BalanceTransactionRow {
            id: id.to_owned(),
            merchant_id: merchant_id.to_owned(),
            r#type: "charge".to_owned(),
            reporting_category: "charge".to_owned(),
            amount: 100,
            fee: 0,
            net: 100,
            currency: "usd".to_owned(),
            fee_details: "[]".to_owned(),
            source_id: "pi_x".to_owned(),
            payment_intent_id: None,
            connector: None,
            description: None,
            status: "pending".to_owned(),
            available_on: 0,
            created_at: 0,
            exchange_rate: None,
        }
    }

    #[test]
    fn rows_read_by_source_keep_only_the_merchants_in_id_order() {
        let rows = vec![row("txn_b", "acct_1"), row("txn_c", "acct_2"), row("txn_a", "acct_1")];
        let kept: Vec<String> = of_merchant_by_id(rows, "acct_1").into_iter().map(|row| row.id).collect();
        assert_eq!(kept, ["txn_a", "txn_b"]);
    }

    /// Migration 0021 names each payment's charge, booked before it, on the payment:
    /// those charges are found through their payments, and the payment's other rows
    /// still by their source.
    #[tokio::test]
    async fn charges_booked_before_migration_21_are_found_through_their_payments() {
        let (directory, _, store) = crate::temp_sqlite_store("charges-named").await;
        crate::MIGRATOR.run_to(20, store.pool()).await.unwrap();
        for statement in [
            "INSERT INTO merchants (id, name, created_at) VALUES ('acct_1', 'Shop', 0), ('acct_2', 'Other', 0)",
            "INSERT INTO payment_intents (id, merchant_id, amount, currency, status, capture_method, \
             payment_method_types, client_secret, metadata, created_at, updated_at, version) VALUES \
             ('pi_1', 'acct_1', 2000, 'usd', 'succeeded', 'automatic', 'card', 's1', '{}', 0, 0, 1), \
             ('pi_2', 'acct_1', 500, 'usd', 'requires_payment_method', 'automatic', 'card', 's2', '{}', 0, 0, 1)",
            "INSERT INTO balance_transactions (id, merchant_id, type, reporting_category, amount, fee, net, \
             currency, source_id, payment_intent_id, status, available_on, created_at) VALUES \
             ('txn_1', 'acct_1', 'charge', 'charge', 2000, 88, 1912, 'usd', 'pi_1', 'pi_1', 'pending', 10, 0), \
             ('txn_2', 'acct_1', 'reserve_hold', 'risk_reserved_funds', -100, 0, -100, 'usd', 'pi_1', NULL, \
              'available', 0, 0)",
        ] {
            sqlx::query(statement).execute(store.pool()).await.unwrap();
        }
        store.migrate().await.unwrap();
        let mut connection = store.pool().acquire().await.unwrap();
        let charge = charge_of(&mut connection, "acct_1", "pi_1").await.unwrap().unwrap();
        assert_eq!((charge.id.as_str(), charge.net), ("txn_1", 1912));
        assert!(charge_of(&mut connection, "acct_1", "pi_2").await.unwrap().is_none(), "not captured");
        assert!(charge_of(&mut connection, "acct_2", "pi_1").await.unwrap().is_none(), "another merchant's");
        let others = for_source(&mut connection, "acct_1", "pi_1").await.unwrap();
        assert_eq!(others.iter().map(|row| row.id.as_str()).collect::<Vec<_>>(), ["txn_2"]);
        let due = due_for_payment(&mut connection, "acct_1", "pi_1", 10).await.unwrap();
        assert_eq!(due.iter().map(|row| row.id.as_str()).collect::<Vec<_>>(), ["txn_1"]);
        assert!(due_for_payment(&mut connection, "acct_1", "pi_1", 9).await.unwrap().is_empty(), "not yet due");
        drop(connection);
        store.close().await;
        let _ = std::fs::remove_dir_all(&directory);
    }
}
