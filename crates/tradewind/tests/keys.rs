//! Rolling API keys, and how keys are kept. A rolled secret key stops working at once
//! unless `expires_in` grants the integration time to switch; the grace runs on real
//! time, not the sandbox clock. Secret keys exist in the database only as SHA-256
//! hashes: no table, and no byte of the SQLite file, holds one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::{Backend, TestApp};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::*;

on_both_backends!(
    a_rolled_secret_key_stops_working_at_once,
    a_grace_period_keeps_the_old_secret_key_working,
    a_rolled_publishable_key_is_replaced_on_checkout_pages,
    refused_rolls_change_nothing,
    secret_keys_are_stored_only_as_hashes,
);

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn roll(app: &TestApp, key: &str, body: Value) -> Value {
    let (status, rolled) = app.post_with_key(key, "/v1/account/keys/roll", body).await;
    assert_eq!(status, 200, "{rolled}");
    rolled
}

/// The account as `key` sees it: its id, or the status when refused.
async fn account(app: &TestApp, key: &str) -> Result<String, u16> {
    let (status, body) = app.get_with_key(key, "/v1/account").await;
    match status {
        200 => Ok(body["id"].as_str().expect("id").to_owned()),
        _ => {
            assert_error(&(status, body), status, "api_key_invalid", None);
            Err(status)
        }
    }
}

async fn a_rolled_secret_key_stops_working_at_once(app: TestApp) {
    let old = app.secret_key.clone();
    assert_eq!(account(&app, &old).await, Ok(app.merchant_id.clone()));
    let before = now();
    let rolled = roll(&app, &old, json!({"type": "secret"})).await;
    let new = rolled["key"].as_str().expect("key").to_owned();
    assert_eq!((rolled["object"].as_str(), rolled["type"].as_str()), (Some("api_key"), Some("secret")), "{rolled}");
    assert!(new.starts_with("sk_test_") && new.len() > "sk_test_".len() + 20, "{new}");
    assert_ne!(new, old);
    let expires_at = rolled["previous_expires_at"].as_i64().expect("previous_expires_at");
    assert!((before..=now()).contains(&expires_at), "expires now: {rolled}");

    assert_eq!(account(&app, &new).await, Ok(app.merchant_id.clone()));
    assert_eq!(account(&app, &old).await, Err(401));
    let (status, _) = app.post_with_key(&old, "/v1/payment_intents", json!({"amount": 1000, "currency": "usd"})).await;
    assert_eq!(status, 401);
    let (status, _) = app.post_with_key(&old, "/v1/account/keys/roll", json!({"type": "secret"})).await;
    assert_eq!(status, 401);
    // The publishable key was not part of the roll.
    let (status, _) = app.get_with_key(&app.publishable_key, "/v1/payment_methods?currency=usd").await;
    assert_eq!(status, 200);
    // The new key does everything the old one did, rolling included.
    let (status, created) =
        app.post_with_key(&new, "/v1/payment_intents", json!({"amount": 1000, "currency": "usd"})).await;
    assert_eq!(status, 200, "{created}");
    let newer = roll(&app, &new, json!({"type": "secret", "expires_in": 0})).await;
    let newer = newer["key"].as_str().expect("key").to_owned();
    assert_eq!(account(&app, &new).await, Err(401));
    assert_eq!(account(&app, &newer).await, Ok(app.merchant_id.clone()));
}

async fn a_grace_period_keeps_the_old_secret_key_working(app: TestApp) {
    let old = app.secret_key.clone();
    let before = now();
    let rolled = roll(&app, &old, json!({"type": "secret", "expires_in": 3600})).await;
    let expires_at = rolled["previous_expires_at"].as_i64().expect("previous_expires_at");
    assert!((before + 3600..=now() + 3600).contains(&expires_at), "{rolled}");
    let new = rolled["key"].as_str().expect("key").to_owned();
    assert_eq!(account(&app, &old).await, Ok(app.merchant_id.clone()));
    assert_eq!(account(&app, &new).await, Ok(app.merchant_id.clone()));

    // The grace runs on real time: moving the sandbox clock two hours on ends nothing.
    let (status, clock) = app.post_with_key(&new, "/v1/sandbox/clock/advance", json!({"seconds": 7200})).await;
    assert_eq!(status, 200, "{clock}");
    assert_eq!(account(&app, &old).await, Ok(app.merchant_id.clone()));

    // Rolling again without grace ends every earlier secret key, the one in its grace
    // period included.
    let newest = roll(&app, &new, json!({"type": "secret"})).await;
    let newest = newest["key"].as_str().expect("key").to_owned();
    assert_eq!(account(&app, &old).await, Err(401));
    assert_eq!(account(&app, &new).await, Err(401));
    assert_eq!(account(&app, &newest).await, Ok(app.merchant_id.clone()));

    // The longest grace allowed is a week.
    let week = roll(&app, &newest, json!({"type": "secret", "expires_in": 604_800})).await;
    assert!(week["previous_expires_at"].as_i64().expect("expiry") >= before + 604_800, "{week}");
    assert_eq!(account(&app, &newest).await, Ok(app.merchant_id.clone()));
}

async fn a_rolled_publishable_key_is_replaced_on_checkout_pages(app: TestApp) {
    let (status, session) = app.post("/v1/checkout_sessions", json!({"amount": 2500, "currency": "usd"})).await;
    assert_eq!(status, 200, "{session}");
    let page_url = session["url"].as_str().expect("url").to_owned();
    let (_, _, page) = app.get_page(&page_url).await;
    assert!(page.contains(&app.publishable_key), "the page carries the publishable key");

    let rolled = roll(&app, &app.secret_key, json!({"type": "publishable"})).await;
    let new = rolled["key"].as_str().expect("key").to_owned();
    assert!(new.starts_with("pk_test_") && new != app.publishable_key, "{rolled}");
    let (status, _) = app.get_with_key(&app.publishable_key, "/v1/payment_methods?currency=usd").await;
    assert_eq!(status, 401);
    let (status, _) = app.get_with_key(&new, "/v1/payment_methods?currency=usd").await;
    assert_eq!(status, 200);
    // A publishable key is still no secret key, and the secret key was not rolled.
    let (status, _) = app.get_with_key(&new, "/v1/account").await;
    assert_eq!(status, 403);
    assert_eq!(account(&app, &app.secret_key).await, Ok(app.merchant_id.clone()));

    let (status, _, page) = app.get_page(&page_url).await;
    assert_eq!(status, 200);
    assert!(page.contains(&new), "the page carries the new publishable key");
    assert!(!page.contains(&app.publishable_key), "the page still carries the rolled key");
}

async fn refused_rolls_change_nothing(app: TestApp) {
    let rows = row_counts(&app).await;
    let cases = [
        (json!({"type": "restricted"}), "parameter_invalid", "type"),
        (json!({"type": "SECRET"}), "parameter_invalid", "type"),
        (json!({"type": ""}), "parameter_invalid", "type"),
        (json!({"type": "secret", "expires_in": -1}), "parameter_invalid", "expires_in"),
        (json!({"type": "secret", "expires_in": 604_801}), "parameter_invalid", "expires_in"),
        (json!({"type": "secret", "expires_in": i64::MAX}), "parameter_invalid", "expires_in"),
        (json!({"type": "secret", "expires_in": i64::MIN}), "parameter_invalid", "expires_in"),
        (json!({"type": "secret", "expires_in": 1.5}), "parameter_invalid", "expires_in"),
        (json!({"expires_in": 60}), "parameter_missing", "type"),
        (json!({"type": "secret", "key": "sk_test_mine"}), "parameter_unknown", "key"),
    ];
    for (body, code, param) in cases {
        let answer = app.post("/v1/account/keys/roll", body).await;
        assert_error(&answer, 400, code, Some(param));
    }
    let answer = app.post_with_key(&app.publishable_key, "/v1/account/keys/roll", json!({"type": "publishable"})).await;
    assert_error(&answer, 403, "secret_key_required", None);
    assert_eq!(row_counts(&app).await, rows);
    assert_eq!(account(&app, &app.secret_key).await, Ok(app.merchant_id.clone()));
    let (status, _) = app.get_with_key(&app.publishable_key, "/v1/payment_methods?currency=usd").await;
    assert_eq!(status, 200);
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Every row of every table, as text, read straight from the database.
async fn every_row_as_text(app: &TestApp) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.expect("connect");
    let mut texts = Vec::new();
    match app.backend {
        Backend::Postgres => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema()",
            )
            .fetch_all(&pool)
            .await
            .expect("tables");
            assert!(tables.len() >= TABLES.len(), "{tables:?}");
            for table in tables {
                let sql = format!("SELECT CAST(t AS TEXT) FROM \"{table}\" t");
                let rows: Vec<String> =
                    sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_all(&pool).await.expect("rows");
                texts.extend(rows);
            }
        }
        Backend::Sqlite => {
            // The file itself, with its write-ahead log: nothing may hide in either.
            let path = app.database_url.strip_prefix("sqlite://").expect("sqlite path");
            for file in [path.to_owned(), format!("{path}-wal")] {
                if let Ok(bytes) = std::fs::read(&file) {
                    texts.push(String::from_utf8_lossy(&bytes).into_owned());
                }
            }
        }
    }
    pool.close().await;
    texts
}

async fn secret_keys_are_stored_only_as_hashes(app: TestApp) {
    let first = app.secret_key.clone();
    // Rolled with an Idempotency-Key, as SDKs send on every POST: the answer that
    // shows the new key must not be kept for replay either.
    let (status, rolled, _) =
        app.post_idempotent("/v1/account/keys/roll", "roll-1", json!({"type": "secret", "expires_in": 60})).await;
    assert_eq!(status, 200, "{rolled}");
    let second = rolled["key"].as_str().expect("key").to_owned();
    let (status, _) =
        app.post_with_key(&second, "/v1/payment_intents", json!({"amount": 1000, "currency": "usd"})).await;
    assert_eq!(status, 200);

    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.expect("connect");
    let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT kind, key_hash, display_suffix, publishable_key FROM api_keys WHERE merchant_id = $1 ORDER BY created_at, id",
    )
    .bind(&app.merchant_id)
    .fetch_all(&pool)
    .await
    .expect("api keys");
    pool.close().await;
    let secret_rows: Vec<_> = rows.iter().filter(|row| row.0 == "secret").collect();
    assert_eq!(secret_rows.len(), 2, "{rows:?}");
    for key in [&first, &second] {
        let row =
            secret_rows.iter().find(|row| row.1 == sha256_hex(key)).unwrap_or_else(|| panic!("no row hashes {key}"));
        assert_eq!(row.2, key[key.len() - 4..], "only the last four are kept for display");
        assert_eq!(row.3, None, "a secret key has no readable copy");
    }
    for row in &rows {
        assert_eq!(row.1.len(), 64, "{row:?}");
        assert!(row.1.bytes().all(|byte| byte.is_ascii_hexdigit()), "{row:?}");
    }
    // Publishable keys are public by design (they sit in checkout pages) and are kept.
    let publishable = rows.iter().find(|row| row.0 == "publishable").expect("publishable row");
    assert_eq!(publishable.3.as_deref(), Some(app.publishable_key.as_str()));
    assert_eq!(publishable.1, sha256_hex(&app.publishable_key));

    let texts = every_row_as_text(&app).await;
    // The search does find what is stored: the publishable key and a secret's hash.
    assert!(texts.iter().any(|text| text.contains(&app.publishable_key)), "the scan reads the stored rows");
    assert!(texts.iter().any(|text| text.contains(&sha256_hex(&second))), "the scan reads the stored rows");
    for key in [&first, &second] {
        let body = &key["sk_test_".len()..];
        assert!(!texts.iter().any(|text| text.contains(body)), "a secret key is stored in plaintext");
    }
    // So a retry with the same Idempotency-Key cannot be served the key from storage.
    let (status, retried, replayed) =
        app.post_idempotent("/v1/account/keys/roll", "roll-1", json!({"type": "secret", "expires_in": 60})).await;
    assert_eq!((status, replayed), (200, None), "{retried}");
    assert_ne!(retried["key"].as_str(), Some(second.as_str()));
}
