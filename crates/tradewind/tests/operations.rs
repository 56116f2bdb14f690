//! Health, metrics, OpenAPI, the reference page, and how PostgreSQL plans the lookups by id.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, card};
use sqlx::{Connection, Row};

on_both_backends!(health_metrics_and_docs);

async fn health_metrics_and_docs(app: TestApp) {
    let (status, body) = app.get("/healthz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));

    let (status, _) = app.pay(2000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200);
    let (_, _, metrics) = app.get_page(&app.url("/metrics")).await;
    assert!(metrics.contains("tradewind_http_requests_total"), "{metrics}");
    assert!(metrics.contains("tradewind_http_request_duration_seconds_bucket"));
    assert!(metrics.contains(r#"tradewind_payment_intents{method="card",status="succeeded"} 1"#), "{metrics}");

    let (status, openapi) = app.get("/openapi.json").await;
    assert_eq!(status, 200);
    assert!(openapi["openapi"].as_str().is_some_and(|version| version.starts_with("3.1")));
    assert!(openapi["paths"]["/v1/payment_intents/{id}/confirm"]["post"].is_object());
    assert!(openapi["components"]["schemas"]["PaymentIntentObject"].is_object());
    let (status, _, page) = app.get_page(&app.url("/docs")).await;
    assert_eq!(status, 200);
    assert!(page.contains("/openapi.json"));
}

/// A connection to a PostgreSQL app's schema (one payment made, so its tables are not
/// empty) that plans every prepared statement as a generic plan, as PostgreSQL's
/// statement cache does after a few runs; `None` without PostgreSQL.
async fn generic_plans() -> Option<(TestApp, sqlx::AnyConnection)> {
    let app = common::spawn_app_on(common::Backend::Postgres).await?;
    let (status, _) = app.pay(2000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200);
    let mut connection = sqlx::AnyConnection::connect(&app.database_url).await.unwrap();
    sqlx::query("SET plan_cache_mode = force_generic_plan").execute(&mut connection).await.unwrap();
    Some((app, connection))
}

/// The generic plan of `sql` with `arguments` (a parenthesised list of literals).
async fn generic_plan(connection: &mut sqlx::AnyConnection, sql: &str, arguments: &str) -> String {
    let prepare = format!("PREPARE lookup AS {sql}");
    sqlx::query(sqlx::AssertSqlSafe(prepare)).execute(&mut *connection).await.unwrap();
    let explain = format!("EXPLAIN EXECUTE lookup{arguments}");
    let rows = sqlx::query(sqlx::AssertSqlSafe(explain)).fetch_all(&mut *connection).await.unwrap();
    sqlx::query("DEALLOCATE lookup").execute(&mut *connection).await.unwrap();
    rows.iter().map(|row| row.get::<String, _>(0)).collect::<Vec<_>>().join("\n")
}

/// A lookup by id is planned on an index that holds the id, even as PostgreSQL's cached
/// generic plan for tables never analysed: there every index led by `merchant_id` is
/// costed like the key, and one without the id would make each lookup walk all of the
/// merchant's rows (the sweeps' queues once did; migration 0018).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_by_id_use_an_index_on_the_id_in_generic_plans() {
    let Some((_app, mut connection)) = generic_plans().await else { return };
    // Every table with an id and a merchant, as the migrations left them.
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::TEXT FROM information_schema.columns \
         WHERE table_schema = current_schema() AND column_name IN ('id', 'merchant_id') \
         GROUP BY table_name HAVING COUNT(*) = 2 ORDER BY table_name",
    )
    .fetch_all(&mut connection)
    .await
    .unwrap();
    assert!(tables.len() > 20, "{tables:?}");
    let mut lookups: Vec<String> =
        tables.iter().map(|table| format!("{table} WHERE id = $1 AND merchant_id = $2")).collect();
    lookups.push("balance_transactions WHERE id = $1 AND merchant_id = $2 AND status <> 'available'".to_owned());
    for lookup in &lookups {
        let plan = generic_plan(&mut connection, &format!("SELECT id FROM {lookup}"), "('x', 'acct_x')").await;
        assert!(
            plan.lines().any(|line| line.contains("Index Cond") && line.contains("id = $1")),
            "{lookup}: not planned on an index on the id:\n{plan}"
        );
    }
}

/// The queries that must read only what they are after (a payment's balance transactions
/// by their sources; the sweep's questions, asked of every merchant every five seconds)
/// use their indexes in PostgreSQL's generic plans, as in SQLite's (where the storage
/// crate's `plans` tests check them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_and_sweeps_use_their_indexes_in_generic_plans() {
    use tradewind_storage::{
        attempts, balance_transactions, payment_intents, reconciliation, refunds, reserves, support,
    };
    let Some((_app, mut connection)) = generic_plans().await else { return };
    let cases = [
        (
            balance_transactions::for_source_sql(),
            "('pi_x')",
            "balance_transactions",
            &["balance_transactions_by_source"][..],
        ),
        (
            balance_transactions::due_for_payment_sql(),
            "('pi_x', 1)",
            "balance_transactions",
            &["balance_transactions_by_source"],
        ),
        (
            balance_transactions::charge_of_sql(),
            "('pi_x', 'acct_x')",
            "balance_transactions",
            &["balance_transactions_key"],
        ),
        (
            balance_transactions::due_sql(),
            "('acct_x', 1, 10)",
            "balance_transactions",
            &["balance_transactions_by_status"],
        ),
        (reserves::due_sql(), "('acct_x', 1, 10)", "balance_transactions", &["balance_transactions_by_status"]),
        (
            balance_transactions::pending_sql(),
            "('acct_x', 0)",
            "balance_transactions",
            &["balance_transactions_by_status"],
        ),
        (
            reconciliation::settled_transactions_sql(),
            "('acct_x', 'stripe', 1, 2, NULL, 10)",
            "balance_transactions",
            &["balance_transactions_by_status"],
        ),
        (
            payment_intents::due_sql(),
            "('acct_x', 1, 10)",
            "payment_intents",
            &["payment_intents_expiring", "payment_intents_scheduled"],
        ),
        (
            attempts::pending_at_connector_sql(),
            "('acct_x', 1, 10)",
            "payment_attempts",
            &["payment_attempts_at_connector"],
        ),
        (refunds::pending_at_connector_sql(), "('acct_x', 1, 10)", "refunds", &["refunds_at_connector"]),
        (
            support::conversations::due_sql(),
            "('acct_x', 1, 10)",
            "conversations",
            &["conversations_snoozed", "conversations_first_response_due", "conversations_resolution_due"],
        ),
    ];
    for (sql, arguments, table, indexes) in cases {
        let plan = generic_plan(&mut connection, &sql, arguments).await;
        for index in indexes {
            assert!(plan.contains(&format!(" using {index} on {table}")), "{sql}: not planned on {index}:\n{plan}");
        }
        assert!(!plan.contains(&format!("Seq Scan on {table}")), "{sql}:\n{plan}");
    }
}

/// The harness drops ended test processes' schemas by the pid in their names
/// (`common::postgres_schema_url`); only names of exactly that shape count.
#[test]
fn only_test_schema_names_name_a_process() {
    assert_eq!(common::test_schema_process("tw_test_4242_7_0123456789abcdef0123456789abcdef"), Some(4242));
    assert_eq!(common::test_schema_process("tw_test_4242_7_0123456789abcdef"), None, "short uuid");
    assert_eq!(common::test_schema_process("tw_test_4242_7_0123456789abcdef0123456789abcdef_x"), None);
    assert_eq!(common::test_schema_process("tw_test_42; DROP_7_0123456789abcdef0123456789abcdef"), None);
    assert_eq!(common::test_schema_process("tw_bench_4242_7_0123456789abcdef0123456789abcdef"), None);
}
