//! Test harness: starts the real server on port 0 against a fresh database (a new
//! SQLite file, or a new PostgreSQL schema) and talks to it over HTTP.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tradewind::config::Config;
use tradewind::startup::Application;
use tradewind_api::SystemClock;

/// Log lines written into memory, for tests that scan them for secrets.
#[derive(Clone, Default)]
pub struct LogBuffer(pub Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures every log line of this test binary, at the most verbose level.
pub fn logs() -> &'static LogBuffer {
    static LOGS: OnceLock<LogBuffer> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = LogBuffer::default();
        let writer = buffer.clone();
        tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(move || writer.clone()).init();
        buffer
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base_url: String,
    pub secret_key: String,
    pub publishable_key: String,
    pub merchant_id: String,
    pub database_url: String,
    pub backend: Backend,
    pub client: reqwest::Client,
    /// Keeps the SQLite directory alive for the test's duration.
    _directory: Option<TempDirectory>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

pub struct TempDirectory(pub std::path::PathBuf);

impl Drop for TempDirectory {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        uuid::Uuid::new_v4().simple()
    )
}

/// Schemas one test process drops at most, so a long-neglected database costs its first
/// run a bounded delay; the next runs drop the rest.
const ENDED_SCHEMAS_DROPPED_MAX: usize = 200;

/// The process id in a test schema's name (`tw_test_{pid}_{counter}_{uuid}`), for a name
/// of exactly that shape.
pub fn test_schema_process(name: &str) -> Option<u32> {
    let mut parts = name.strip_prefix("tw_test_")?.split('_');
    let (pid, counter, uuid) = (parts.next()?, parts.next()?, parts.next()?);
    let shaped = parts.next().is_none()
        && counter.bytes().all(|byte| byte.is_ascii_digit())
        && uuid.len() == 32
        && uuid.bytes().all(|byte| byte.is_ascii_hexdigit());
    if shaped { pid.parse().ok() } else { None }
}

/// Drops, once per test process, the schemas whose process has ended: a test's schema
/// outlives it (dropping it would need an async drop), so without this every run left
/// its schemas behind and the test database grew run after run. A schema whose process
/// still runs (`/proc/{pid}`) is another test run's and stays.
async fn drop_ended_processes_schemas(pool: &sqlx::AnyPool) {
    static STARTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if STARTED.swap(true, Ordering::SeqCst) {
        return;
    }
    let names: Vec<String> =
        sqlx::query_scalar("SELECT CAST(nspname AS TEXT) FROM pg_namespace WHERE nspname LIKE 'tw\\_test\\_%'")
            .fetch_all(pool)
            .await
            .expect("list test schemas");
    let ended = names.into_iter().filter(|name| {
        test_schema_process(name)
            .is_some_and(|pid| pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists())
    });
    for name in ended.take(ENDED_SCHEMAS_DROPPED_MAX) {
        // The name was checked to be `tw_test_`, digits and hex only.
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {name} CASCADE")))
            .execute(pool)
            .await
            .expect("drop an ended test's schema");
    }
}

pub fn postgres_base_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A fresh schema in the test database, or `None` (skip) when PostgreSQL is not
/// reachable outside CI. In CI (`CI=true`) an unreachable server fails the test.
pub async fn postgres_schema_url() -> Option<String> {
    sqlx::any::install_default_drivers();
    let base = postgres_base_url();
    let pool = match sqlx::AnyPool::connect(&base).await {
        Ok(pool) => pool,
        Err(error) => {
            if std::env::var("CI").is_ok_and(|value| value == "true") {
                panic!("PostgreSQL at {base} is required in CI: {error}");
            }
            eprintln!("skipping: PostgreSQL at {base} is not reachable ({error})");
            return None;
        }
    };
    drop_ended_processes_schemas(&pool).await;
    let schema = unique_name("tw_test");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&pool).await.expect("create schema");
    pool.close().await;
    let separator = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{separator}options[search_path]={schema}"))
}

/// The credentials key every test server is given (64 hex characters), so tests can
/// decrypt what the server stored.
pub const TEST_CREDENTIALS_KEY_HEX: &str = "8f1c2e4a6b0d9f3e5a7c1b2d4e6f8a0c3b5d7e9f1a2c4e6b8d0f2a4c6e8b0d2f";

pub fn test_credentials_key() -> tradewind_api::credentials::CredentialsKey {
    tradewind_api::credentials::CredentialsKey::parse(TEST_CREDENTIALS_KEY_HEX).expect("test credentials key")
}

/// An application state of its own over `store` (a connection of its own to `app`'s
/// database), as another process would have: for driving workers and flows directly.
pub fn state_on(app: &TestApp, store: tradewind_storage::Store) -> tradewind_api::state::AppState {
    let config = tradewind_api::ApiConfig {
        public_base_url: app.base_url.clone(),
        fingerprint_key: Arc::from(&b"unused"[..]),
        fx_markup_basis_points: 40,
        credentials_key: test_credentials_key(),
        ledger_postings: true,
    };
    tradewind_api::state::AppState::new(store, config, Arc::new(SystemClock))
}

pub async fn spawn_app() -> TestApp {
    spawn_app_on(Backend::Sqlite).await.expect("sqlite always available")
}

/// Starts the server on `backend`; `None` when PostgreSQL is skipped (never in CI).
/// Time the server reads, moved by the test (milliseconds since the epoch).
pub struct ManualClock(pub std::sync::atomic::AtomicU64);

impl tradewind_api::Clock for ManualClock {
    fn now(&self) -> i64 {
        i64::try_from(self.0.load(std::sync::atomic::Ordering::SeqCst) / 1000).unwrap_or(i64::MAX)
    }

    fn now_ms(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl ManualClock {
    pub fn at_ms(start_ms: u64) -> Arc<ManualClock> {
        Arc::new(ManualClock(std::sync::atomic::AtomicU64::new(start_ms)))
    }

    pub fn advance_ms(&self, ms: u64) {
        self.0.fetch_add(ms, std::sync::atomic::Ordering::SeqCst);
    }
}

pub async fn spawn_app_on(backend: Backend) -> Option<TestApp> {
    spawn_app_with_clock(backend, Arc::new(SystemClock)).await
}

/// [`spawn_app_on`] with the server reading time from `clock`.
pub async fn spawn_app_with_clock(backend: Backend, clock: Arc<dyn tradewind_api::Clock>) -> Option<TestApp> {
    spawn_app_customized(backend, clock, |_| {}).await
}

/// [`spawn_app_with_clock`], with `customize` applied to the server's state before it
/// starts (smaller limits, say).
pub async fn spawn_app_customized(
    backend: Backend,
    clock: Arc<dyn tradewind_api::Clock>,
    customize: impl FnOnce(&mut tradewind_api::state::AppState),
) -> Option<TestApp> {
    let (database_url, directory) = match backend {
        Backend::Sqlite => {
            let directory = std::env::temp_dir().join(unique_name("tradewind_test"));
            std::fs::create_dir_all(&directory).expect("temp dir");
            (format!("sqlite://{}/test.db", directory.display()), Some(TempDirectory(directory)))
        }
        Backend::Postgres => (postgres_schema_url().await?, None),
    };
    Some(start(database_url, directory, backend, clock, None, customize).await)
}

/// A second server on `app`'s database with `app`'s merchant: a restarted process, or a
/// second node. It does not own the database; `app` must outlive it.
pub async fn spawn_second_server(app: &TestApp, clock: Arc<dyn tradewind_api::Clock>) -> TestApp {
    let merchant = (app.merchant_id.clone(), app.secret_key.clone(), app.publishable_key.clone());
    start(app.database_url.clone(), None, app.backend, clock, Some(merchant), |_| {}).await
}

async fn start(
    database_url: String,
    directory: Option<TempDirectory>,
    backend: Backend,
    clock: Arc<dyn tradewind_api::Clock>,
    merchant: Option<(String, String, String)>,
    customize: impl FnOnce(&mut tradewind_api::state::AppState),
) -> TestApp {
    let config = Config {
        addr: "127.0.0.1:0".parse().expect("addr"),
        database_url: database_url.clone(),
        public_url: None,
        fingerprint_key: b"test fingerprint key, 32 bytes!!".to_vec(),
        fx_markup_basis_points: tradewind::config::DEFAULT_FX_MARKUP_BASIS_POINTS,
        credentials_key: test_credentials_key(),
        realtime_cluster: None,
        translation: None,
        assistant_model: None,
    };
    let mut application = Application::build(&config, clock).await.expect("build app");
    // Tests drive webhook delivery step by step (the sandbox clock advance runs it).
    application.state.background_webhooks = false;
    // …and fold the ledger's deltas (PostgreSQL) when they choose, so reads meet them.
    application.state.background_ledger_fold = false;
    customize(&mut application.state);
    let base_url = application.base_url.clone();
    let (merchant_id, secret_key, publishable_key) = match merchant {
        Some(merchant) => merchant,
        None => {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let merchant = tradewind_api::keys::create_merchant(&application.state.store, "Test Shop", now)
                .await
                .expect("merchant");
            (merchant.id, merchant.secret_key, merchant.publishable_key)
        }
    };
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(application.run(async move {
        let _ = stopped.await;
    }));
    TestApp {
        base_url,
        secret_key,
        publishable_key,
        merchant_id,
        database_url,
        backend,
        client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client"),
        _directory: directory,
        shutdown: Some(shutdown),
    }
}

async fn decode(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// POST JSON with the secret key.
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.post_with_key(&self.secret_key, path, body).await
    }

    pub async fn post_with_key(&self, key: &str, path: &str, body: Value) -> (u16, Value) {
        let response = self.client.post(self.url(path)).bearer_auth(key).json(&body).send().await.expect("request");
        decode(response).await
    }

    pub async fn post_raw(&self, path: &str, body: &'static str) -> (u16, Value) {
        let response = self
            .client
            .post(self.url(path))
            .bearer_auth(&self.secret_key)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        decode(response).await
    }

    pub async fn post_idempotent(&self, path: &str, key: &str, body: Value) -> (u16, Value, Option<String>) {
        let response = self
            .client
            .post(self.url(path))
            .bearer_auth(&self.secret_key)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .expect("request");
        let replayed = response.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let (status, value) = decode(response).await;
        (status, value, replayed)
    }

    /// GET with the secret key.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.get_with_key(&self.secret_key, path).await
    }

    pub async fn get_with_key(&self, key: &str, path: &str) -> (u16, Value) {
        let response = self.client.get(self.url(path)).bearer_auth(key).send().await.expect("request");
        decode(response).await
    }

    /// A browser-style form POST (sandbox pages); returns status and Location.
    pub async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> (u16, Option<String>) {
        let response = self.client.post(url).form(form).send().await.expect("request");
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
        (response.status().as_u16(), location)
    }

    /// A browser-style GET without a key; returns status, Location and body text.
    pub async fn get_page(&self, url: &str) -> (u16, Option<String>, String) {
        let response = self.client.get(url).send().await.expect("request");
        let status = response.status().as_u16();
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
        (status, location, response.text().await.unwrap_or_default())
    }

    pub async fn advance_clock(&self, seconds: i64) -> Value {
        let (status, body) = self.post("/v1/sandbox/clock/advance", serde_json::json!({"seconds": seconds})).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// A second merchant on the same server (for isolation tests): (secret, publishable).
    pub async fn second_merchant(&self) -> (String, String) {
        let store = tradewind::startup::connect(&self.database_url).await.expect("store");
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let merchant = tradewind_api::keys::create_merchant(&store, "Other Shop", now).await.expect("merchant");
        store.close().await;
        (merchant.secret_key, merchant.publishable_key)
    }

    /// Creates and confirms a payment intent in one call.
    pub async fn pay(&self, amount: i64, currency: &str, country: &str, method_data: Value) -> (u16, Value) {
        self.post(
            "/v1/payment_intents",
            serde_json::json!({
                "amount": amount,
                "currency": currency,
                "customer": {"country": country, "name": "Ana Souza", "email": "ana@example.com"},
                "confirm": true,
                "return_url": "https://shop.example/return",
                "payment_method_data": method_data,
            }),
        )
        .await
    }
}

/// The amount of `bucket` (`available`, `pending`, `reserved`…) of `GET /v1/balance` in
/// `currency` (lowercase), 0 when the merchant has none.
pub async fn balance_of(app: &TestApp, bucket: &str, currency: &str) -> i64 {
    let (status, balance) = app.get("/v1/balance").await;
    assert_eq!(status, 200, "{balance}");
    balance[bucket]
        .as_array()
        .unwrap_or_else(|| panic!("no `{bucket}` in {balance}"))
        .iter()
        .find(|entry| entry["currency"] == currency)
        .map_or(0, |entry| entry["amount"].as_i64().unwrap_or_default())
}

pub fn card(number: &str) -> Value {
    serde_json::json!({"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
}

/// Runs each listed `async fn name(app: TestApp)` against SQLite and PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = $crate::common::spawn_app_on($crate::common::Backend::Sqlite).await.expect("sqlite");
                    super::$name(app).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = $crate::common::spawn_app_on($crate::common::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            }
        )*
    };
}

/// Runs the built binary against the app's database, in a fresh directory of its own
/// (where it may keep a fingerprint key), with no configuration file inherited.
pub fn run_tradewind(app: &TestApp, arguments: &[&str]) -> std::process::Output {
    let directory = std::env::temp_dir().join(unique_name("tradewind_cli"));
    std::fs::create_dir_all(&directory).expect("cli dir");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tradewind"))
        .args(arguments)
        .current_dir(&directory)
        .env("DATABASE_URL", &app.database_url)
        .env_remove("TRADEWIND_CONFIG")
        .env_remove("TRADEWIND_ADDR")
        .env_remove("TRADEWIND_CREDENTIALS_KEY")
        .output()
        .expect("run tradewind");
    let _ = std::fs::remove_dir_all(&directory);
    output
}

/// `tradewind ledger verify` on the app's database: passes, and reports no violation.
pub fn ledger_verifies(app: &TestApp) {
    let output = run_tradewind(app, &["ledger", "verify"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "ledger verify failed: {stdout} {}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains(", 0 violation(s)"), "{stdout}");
}
