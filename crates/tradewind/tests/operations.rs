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

/// A lookup by id is planned on an index that holds the id, even as PostgreSQL's cached
/// generic plan for tables never analysed: there every index led by `merchant_id` is
/// costed like the key, and one without the id would make each lookup walk all of the
/// merchant's rows (the sweeps' queues once did; migration 0018).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_by_id_use_an_index_on_the_id_in_generic_plans() {
    let Some(app) = common::spawn_app_on(common::Backend::Postgres).await else { return };
    let (status, _) = app.pay(2000, "usd", "US", card("4242424242424242")).await;
    assert_eq!(status, 200);
    let mut connection = sqlx::AnyConnection::connect(&app.database_url).await.unwrap();
    sqlx::query("SET plan_cache_mode = force_generic_plan").execute(&mut connection).await.unwrap();
    let lookups = [
        "payment_intents WHERE id = $1 AND merchant_id = $2",
        "refunds WHERE id = $1 AND merchant_id = $2",
        "disputes WHERE id = $1 AND merchant_id = $2",
        "payouts WHERE id = $1 AND merchant_id = $2",
        "balance_transactions WHERE id = $1 AND merchant_id = $2",
        "balance_transactions WHERE id = $1 AND merchant_id = $2 AND status <> 'available'",
        "orders WHERE id = $1 AND merchant_id = $2",
        "conversations WHERE id = $1 AND merchant_id = $2",
        "connector_accounts WHERE id = $1 AND merchant_id = $2",
        "api_keys WHERE id = $1 AND merchant_id = $2",
        "ledger_accounts WHERE id = $1 AND merchant_id = $2",
        "payment_attempts WHERE id = $1 AND merchant_id = $2",
        "checkout_sessions WHERE id = $1 AND merchant_id = $2",
        "payment_links WHERE id = $1 AND merchant_id = $2",
        "webhook_endpoints WHERE id = $1 AND merchant_id = $2",
        "files WHERE id = $1 AND merchant_id = $2",
        "fx_quotes WHERE id = $1 AND merchant_id = $2",
        "early_fraud_warnings WHERE id = $1 AND merchant_id = $2",
        "support_contacts WHERE id = $1 AND merchant_id = $2",
        "support_agents WHERE id = $1 AND merchant_id = $2",
        "support_teams WHERE id = $1 AND merchant_id = $2",
        "canned_responses WHERE id = $1 AND merchant_id = $2",
        "knowledge_articles WHERE id = $1 AND merchant_id = $2",
        "reconciliation_reports WHERE id = $1 AND merchant_id = $2",
        "events WHERE id = $1 AND merchant_id = $2",
    ];
    for lookup in lookups {
        let prepare = format!("PREPARE lookup AS SELECT id FROM {lookup}");
        sqlx::query(sqlx::AssertSqlSafe(prepare)).execute(&mut connection).await.unwrap();
        let rows = sqlx::query("EXPLAIN EXECUTE lookup('x', 'acct_x')").fetch_all(&mut connection).await.unwrap();
        let plan: Vec<String> = rows.iter().map(|row| row.get::<String, _>(0)).collect();
        let plan = plan.join("\n");
        assert!(
            plan.lines().any(|line| line.contains("Index Cond") && line.contains("id = $1")),
            "{lookup}: not planned on an index on the id:\n{plan}"
        );
        sqlx::query("DEALLOCATE lookup").execute(&mut connection).await.unwrap();
    }
}
