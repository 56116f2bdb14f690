//! The command line: `migrate` and `merchant create` against a fresh SQLite file, and
//! a merchant created by the CLI on the database of a running server (SQLite and
//! PostgreSQL) using the API with the keys it printed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestApp;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::{Command, Output};

on_both_backends!(a_merchant_created_by_the_cli_uses_the_running_api);

/// Runs the built binary in `directory` (where it may keep its fingerprint key) with
/// `DATABASE_URL` set and no configuration inherited from the caller.
fn tradewind(directory: &Path, database_url: &str, arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tradewind"))
        .args(arguments)
        .current_dir(directory)
        .env("DATABASE_URL", database_url)
        .env_remove("TRADEWIND_CONFIG")
        .env_remove("TRADEWIND_ADDR")
        .env_remove("TRADEWIND_PUBLIC_URL")
        .env_remove("TRADEWIND_CREDENTIALS_KEY")
        .output()
        .expect("run tradewind")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 stdout")
}

/// Checks the printed merchant and returns it: exactly `id`, `secret_key` and
/// `publishable_key`, with their prefixes and bodies.
fn printed_merchant(output: &Output) -> Value {
    assert!(output.status.success(), "{output:?}");
    let text = stdout(output);
    assert_eq!(text.lines().count(), 1, "one JSON line on stdout: {text:?}");
    let merchant: Value = serde_json::from_str(&text).expect("JSON on stdout");
    let mut keys: Vec<&str> = merchant.as_object().expect("object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "publishable_key", "secret_key"], "{merchant}");
    for (field, prefix, body_length) in
        [("id", "acct_", 26), ("secret_key", "sk_test_", 32), ("publishable_key", "pk_test_", 32)]
    {
        let value = merchant[field].as_str().expect("string");
        let body = value.strip_prefix(prefix).unwrap_or_else(|| panic!("{field} `{value}` lacks `{prefix}`"));
        assert_eq!(body.len(), body_length, "{field}: {value}");
        assert!(body.bytes().all(|byte| byte.is_ascii_alphanumeric()), "{field}: {value}");
    }
    merchant
}

struct Directory(std::path::PathBuf);

impl Drop for Directory {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temporary_directory(name: &str) -> Directory {
    let path = std::env::temp_dir().join(format!("tradewind_cli_{name}_{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&path).expect("temp dir");
    Directory(path)
}

#[test]
fn migrate_and_merchant_create_on_a_fresh_sqlite_file() {
    let directory = temporary_directory("fresh");
    let database = directory.0.join("x.db");
    let url = format!("sqlite://{}", database.display());

    let migrated = tradewind(&directory.0, &url, &["migrate"]);
    assert!(migrated.status.success(), "{migrated:?}");
    assert!(stdout(&migrated).contains("migrations applied"), "{migrated:?}");
    assert!(database.exists());
    // Migrating an up-to-date database is a no-op that still exits 0.
    let again = tradewind(&directory.0, &url, &["migrate"]);
    assert!(again.status.success(), "{again:?}");

    let first = printed_merchant(&tradewind(&directory.0, &url, &["merchant", "create", "--name", "Foo"]));
    let second = printed_merchant(&tradewind(&directory.0, &url, &["merchant", "create", "--name", "Foo"]));
    for field in ["id", "secret_key", "publishable_key"] {
        assert_ne!(first[field], second[field], "each merchant gets its own {field}");
    }
    // The file holds the secret key's hash, never the key itself.
    let bytes = std::fs::read(&database).expect("database file");
    let wal = std::fs::read(format!("{}-wal", database.display())).unwrap_or_default();
    let haystack = [bytes, wal].concat();
    let contains = |needle: &str| haystack.windows(needle.len()).any(|window| window == needle.as_bytes());
    let secret = first["secret_key"].as_str().expect("secret");
    assert!(contains(&hex::encode(Sha256::digest(secret.as_bytes()))), "the key's hash is stored");
    assert!(!contains(&secret["sk_test_".len()..]), "the secret key is stored in plaintext");
}

#[test]
fn an_unconfigured_credentials_key_is_generated_once_beside_the_database() {
    let directory = temporary_directory("credentials_key");
    let url = format!("sqlite://{}/db/x.db", directory.0.display());
    let first = tradewind(&directory.0, &url, &["migrate"]);
    assert!(first.status.success(), "{first:?}");
    let key_file = directory.0.join("db").join("credentials.key");
    let key = std::fs::read_to_string(&key_file).expect("a key file beside the database");
    assert!(key.len() == 64 && key.bytes().all(|byte| byte.is_ascii_hexdigit()), "32 bytes in hex: {key:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    }
    let logged = String::from_utf8_lossy(&first.stderr).into_owned();
    assert!(logged.contains("credentials.key"), "the log names the file: {logged}");
    let again = tradewind(&directory.0, &url, &["migrate"]);
    assert!(again.status.success(), "{again:?}");
    assert_eq!(std::fs::read_to_string(&key_file).expect("key"), key, "the same key on the next start");
    let logged = format!("{logged}{}", String::from_utf8_lossy(&again.stderr));
    assert!(!logged.contains(&key), "the key itself is never logged");

    // A configured key wins (nothing is written); a malformed one stops start-up
    // without echoing it.
    let configured = temporary_directory("credentials_key_configured");
    let configured_url = format!("sqlite://{}/x.db", configured.0.display());
    let run_with = |value: &str| {
        Command::new(env!("CARGO_BIN_EXE_tradewind"))
            .args(["migrate"])
            .current_dir(&configured.0)
            .env("DATABASE_URL", &configured_url)
            .env("TRADEWIND_CREDENTIALS_KEY", value)
            .env_remove("TRADEWIND_CONFIG")
            .output()
            .expect("run tradewind")
    };
    let good = run_with(&"ab".repeat(32));
    assert!(good.status.success(), "{good:?}");
    assert!(!configured.0.join("credentials.key").exists(), "no key file when one is configured");
    let bad = run_with("not-a-key-7f3a9");
    assert!(!bad.status.success(), "{bad:?}");
    let explained = String::from_utf8_lossy(&bad.stderr);
    assert!(explained.contains("TRADEWIND_CREDENTIALS_KEY"), "{explained}");
    assert!(!explained.contains("not-a-key-7f3a9"), "the value is not echoed: {explained}");
}

#[test]
fn bad_invocations_fail_without_printing_a_merchant() {
    let directory = temporary_directory("bad");
    let url = format!("sqlite://{}/x.db", directory.0.display());
    for (database_url, arguments) in [
        (url.as_str(), vec!["merchant", "create"]),
        (url.as_str(), vec!["merchant", "delete", "--name", "Foo"]),
        ("mysql://localhost/tradewind", vec!["merchant", "create", "--name", "Foo"]),
        ("mysql://localhost/tradewind", vec!["migrate"]),
    ] {
        let output = tradewind(&directory.0, database_url, &arguments);
        assert!(!output.status.success(), "{arguments:?} on {database_url}: {output:?}");
        assert_eq!(stdout(&output), "", "{arguments:?}");
        assert!(!output.stderr.is_empty(), "{arguments:?}: the failure is explained");
    }
}

async fn a_merchant_created_by_the_cli_uses_the_running_api(app: TestApp) {
    let directory = temporary_directory("running");
    let database_url = app.database_url.clone();
    let path = directory.0.clone();
    let (migrated, created) = tokio::task::spawn_blocking(move || {
        let migrated = tradewind(&path, &database_url, &["migrate"]);
        let created = tradewind(&path, &database_url, &["merchant", "create", "--name", "Foo Ltd"]);
        (migrated, created)
    })
    .await
    .expect("cli");
    assert!(migrated.status.success(), "migrating a live database is a no-op: {migrated:?}");
    let merchant = printed_merchant(&created);
    let secret = merchant["secret_key"].as_str().expect("secret");
    let (status, account) = app.get_with_key(secret, "/v1/account").await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["id"], merchant["id"]);
    assert_eq!(account["name"], "Foo Ltd");
    assert_ne!(account["id"], app.merchant_id.as_str());
    let publishable = merchant["publishable_key"].as_str().expect("publishable");
    let (status, _) = app.get_with_key(publishable, "/v1/payment_methods?currency=usd").await;
    assert_eq!(status, 200);
    let (status, _) = app.get_with_key(publishable, "/v1/account").await;
    assert_eq!(status, 403);
    // The new merchant starts empty, beside the test merchant.
    let (status, intents) = app.get_with_key(secret, "/v1/payment_intents").await;
    assert_eq!((status, intents["data"].as_array().map(Vec::len)), (200, Some(0)), "{intents}");
}
