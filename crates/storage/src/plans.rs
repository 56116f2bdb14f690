//! SQLite's plans for the queries that must read only what they are after. SQLite has no
//! statistics here (nothing runs `ANALYZE`): it guesses ten rows for any value of any
//! indexed column, so an index led by the merchant looks as selective as one on a
//! payment's id, and a query that can be answered from a merchant's index is often
//! planned as a walk over all of the merchant's rows. Each query below once was (or
//! would be without its care); PostgreSQL's generic plans are checked the same way in
//! `crates/tradewind/tests/operations.rs`.

#![allow(clippy::unwrap_used)]

use crate::{attempts, balance_transactions, payment_intents, reconciliation, refunds, reserves, support};
use sqlx::{AnyPool, Row};

/// SQLite's plan for `sql`, one line per step, with every parameter bound to `"x"`.
async fn plan(pool: &AnyPool, sql: &str, parameters: usize) -> Vec<String> {
    let explain = format!("EXPLAIN QUERY PLAN {sql}");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(explain));
    for _ in 0..parameters {
        query = query.bind("x");
    }
    let rows = query.fetch_all(pool).await.unwrap();
    rows.iter().map(|row| row.get::<String, _>(3)).collect()
}

/// Asserts that every step of `plan` reading `table` (by name or as `alias`) searches
/// one of `indexes`, and that there is such a step.
fn assert_searches(sql: &str, plan: &[String], table: &str, alias: Option<&str>, indexes: &[&str]) {
    let names: Vec<String> = [Some(table), alias].into_iter().flatten().map(|name| format!(" {name} ")).collect();
    let steps: Vec<&String> =
        plan.iter().filter(|step| names.iter().any(|name| step.contains(name.as_str()))).collect();
    assert!(!steps.is_empty(), "{sql}: no step reads {table}: {plan:?}");
    for step in steps {
        assert!(
            step.starts_with("SEARCH") && indexes.iter().any(|index| step.contains(&format!("INDEX {index} ("))),
            "{sql}: {step:?} is not a search of {indexes:?}: {plan:?}"
        );
    }
}

#[tokio::test]
async fn lookups_and_sweeps_read_only_their_rows_on_sqlite() {
    let (directory, _, store) = crate::temp_sqlite_store("plans").await;
    store.migrate().await.unwrap();
    let pool = store.pool();
    // A payment's balance transactions, by their sources (refunds, disputes, settlement).
    let by_source = ["balance_transactions_by_source"];
    let sql = balance_transactions::for_source_sql();
    assert_searches(&sql, &plan(pool, &sql, 1).await, "balance_transactions", None, &by_source);
    // A payment's charge through the payment's row (migration 0021), both by their keys.
    let by_key = ["sqlite_autoindex_balance_transactions_1"];
    let payment = ["sqlite_autoindex_payment_intents_1", "payment_intents_by_merchant"];
    let sql = balance_transactions::charge_of_sql();
    let charge = plan(pool, &sql, 2).await;
    assert_searches(&sql, &charge, "balance_transactions", Some("b"), &by_key);
    assert_searches(&sql, &charge, "payment_intents", Some("p"), &payment);
    let sql = balance_transactions::due_for_payment_sql();
    assert_searches(&sql, &plan(pool, &sql, 2).await, "balance_transactions", Some("b"), &by_source);
    // The sweep's questions, asked of every merchant every five seconds.
    let by_status = ["balance_transactions_by_status"];
    for (sql, parameters) in
        [(balance_transactions::due_sql(), 3), (reserves::due_sql(), 3), (balance_transactions::pending_sql(), 2)]
    {
        assert_searches(&sql, &plan(pool, &sql, parameters).await, "balance_transactions", None, &by_status);
    }
    // Reconciliation's rows of one connector in a report's period: a range per status.
    let sql = reconciliation::settled_transactions_sql();
    let reconciled = plan(pool, &sql, 6).await;
    assert_searches(&sql, &reconciled, "balance_transactions", None, &by_status);
    assert!(
        reconciled.iter().any(|step| step.contains("status=? AND available_on>? AND available_on<?")),
        "{reconciled:?}"
    );
    let sql = payment_intents::due_sql();
    let intents = ["payment_intents_expiring", "payment_intents_scheduled"];
    assert_searches(&sql, &plan(pool, &sql, 3).await, "payment_intents", None, &intents);
    let sql = attempts::pending_at_connector_sql();
    let at_connector = ["payment_attempts_at_connector"];
    assert_searches(&sql, &plan(pool, &sql, 3).await, "payment_attempts", None, &at_connector);
    let sql = refunds::pending_at_connector_sql();
    assert_searches(&sql, &plan(pool, &sql, 3).await, "refunds", None, &["refunds_at_connector"]);
    let sql = support::conversations::due_sql();
    let conversations = ["conversations_snoozed", "conversations_first_response_due", "conversations_resolution_due"];
    assert_searches(&sql, &plan(pool, &sql, 3).await, "conversations", None, &conversations);
    // Why the care: the same lookup by source with the merchant's id in it walks the
    // merchant's rows.
    let with_merchant = format!("{} AND merchant_id = $2 ORDER BY id", balance_transactions::for_source_sql());
    let walked = plan(pool, &with_merchant, 2).await;
    assert!(walked.iter().any(|step| step.contains("(merchant_id=?)")), "{walked:?}");
    drop(store);
    let _ = std::fs::remove_dir_all(&directory);
}
