//! No card number reaches the database or the logs: pay with several test cards
//! (approved, declined, 3-D Secure, refunded), then scan every stored byte and every
//! log line for the numbers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Backend, TestApp, card, logs};
use serde_json::json;

const CARDS: [&str; 5] =
    ["4242424242424242", "4000000000000002", "4000002760003184", "5555555555554444", "378282246310005"];

on_both_backends!(card_numbers_never_stored_or_logged);

async fn stored_text(app: &TestApp) -> String {
    match app.backend {
        Backend::Sqlite => {
            let path = app.database_url.trim_start_matches("sqlite://").to_owned();
            let mut bytes = Vec::new();
            for suffix in ["", "-wal", "-shm"] {
                if let Ok(mut more) = std::fs::read(format!("{path}{suffix}")) {
                    bytes.append(&mut more);
                }
            }
            assert!(bytes.len() > 10_000, "the database was read");
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Backend::Postgres => {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&app.database_url).await.expect("connect");
            let mut text = String::new();
            for table in [
                "merchants",
                "api_keys",
                "payment_intents",
                "payment_attempts",
                "refunds",
                "checkout_sessions",
                "payment_links",
                "idempotency_keys",
                "events",
            ] {
                let rows: Vec<(String,)> =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT CAST(row_to_json(t) AS TEXT) FROM {table} t")))
                        .fetch_all(&pool)
                        .await
                        .expect("dump");
                for (row,) in rows {
                    text.push_str(&row);
                    text.push('\n');
                }
            }
            pool.close().await;
            assert!(text.contains("payment_intent"), "the tables were read");
            text
        }
    }
}

async fn card_numbers_never_stored_or_logged(app: TestApp) {
    let logs = logs();
    for (index, number) in CARDS.iter().copied().enumerate() {
        let data = if number.len() == 15 {
            json!({"type": "card", "card": {"number": number, "exp_month": 1, "exp_year": 2031, "cvc": "1234"}})
        } else {
            card(number)
        };
        let body = json!({"amount": 2000, "currency": "usd", "confirm": true, "payment_method_data": data});
        let (status, intent, _) = app.post_idempotent("/v1/payment_intents", &format!("pan-{index}"), body).await;
        assert!(status == 200 || status == 402, "{intent}");
        if let Some(url) = intent["next_action"]["three_d_secure"]["url"].as_str() {
            app.post_form(url, &[("choice", "approve")]).await;
        }
        if intent["status"] == "succeeded" {
            app.post("/v1/refunds", json!({"payment_intent": intent["id"], "amount": 500})).await;
        }
    }
    // A spaced number typed into a checkout must not leak either.
    let (_, session) = app.post("/v1/checkout_sessions", json!({"amount": 1500, "currency": "usd"})).await;
    let intent_id = session["payment_intent"].as_str().unwrap();
    let (_, intent) = app.get(&format!("/v1/payment_intents/{intent_id}")).await;
    let (status, _) = app
        .post_with_key(
            &app.publishable_key,
            &format!("/v1/payment_intents/{intent_id}/confirm"),
            json!({"client_secret": intent["client_secret"], "payment_method_data": card("4242 4242 4242 4242")}),
        )
        .await;
    assert_eq!(status, 200);

    let stored = stored_text(&app).await;
    let logged = String::from_utf8_lossy(&logs.0.lock().expect("logs")).into_owned();
    assert!(logged.contains("/v1/payment_intents"), "the logs were captured");
    for number in CARDS {
        assert!(!stored.contains(number), "{number} reached the database");
        assert!(!logged.contains(number), "{number} reached the logs");
        let middle = &number[4..12];
        assert!(!stored.contains(middle), "digits of {number} reached the database");
    }
    assert!(stored.contains("\"last4\":\"4242\"") || stored.contains("last4"), "last four are kept");
}
