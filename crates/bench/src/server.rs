//! The server under test: the real `tradewind` application, started in-process on
//! 127.0.0.1:0 against a fresh database (a new SQLite file in a temporary directory,
//! or a new PostgreSQL schema), with one merchant whose secret key the workers use.

use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tradewind::config::Config;
use tradewind::startup::Application;
use tradewind_api::SystemClock;

/// The PostgreSQL database the benchmark makes its schemas in.
pub const POSTGRES_URL_DEFAULT: &str = "postgres://postgres@127.0.0.1:5432/test";
/// The longest a server may take to drain and stop after the last run.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

pub fn postgres_base_url() -> String {
    std::env::var("BENCH_POSTGRES_URL").unwrap_or_else(|_| POSTGRES_URL_DEFAULT.to_owned())
}

/// Where a server's data lives, removed when the server stops.
pub enum Database {
    SqliteDirectory(PathBuf),
    PostgresSchema { base_url: String, schema: String },
}

/// A running server and the merchant key to call it with.
pub struct Server {
    pub addr: SocketAddr,
    pub secret_key: String,
    /// The merchant's publishable key (the chat widget starts with it).
    pub publishable_key: Option<String>,
    database: Database,
    shutdown: tokio::sync::oneshot::Sender<()>,
    running: tokio::task::JoinHandle<anyhow::Result<()>>,
}

fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{}_{}", std::process::id(), uuid::Uuid::new_v4().simple())
}

/// Makes a fresh schema in the PostgreSQL database at `base_url`.
async fn create_schema(base_url: &str) -> anyhow::Result<String> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(base_url)
        .await
        .with_context(|| format!("PostgreSQL at {} is not reachable", tradewind::config::redact_url(base_url)))?;
    let schema = unique_name("tw_bench");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&pool).await?;
    pool.close().await;
    Ok(schema)
}

async fn drop_schema(base_url: &str, schema: &str) -> anyhow::Result<()> {
    let pool = sqlx::AnyPool::connect(base_url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(&pool).await?;
    pool.close().await;
    Ok(())
}

impl Server {
    /// Starts the server on a fresh database of `backend`.
    pub async fn start(backend: Backend, ledger_postings: bool) -> anyhow::Result<Server> {
        let (database_url, database) = Database::fresh(backend).await?;
        let config = Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url,
            public_url: None,
            fingerprint_key: b"bench fingerprint key, 32 bytes!".to_vec(),
            fx_markup_basis_points: tradewind::config::DEFAULT_FX_MARKUP_BASIS_POINTS,
            credentials_key: tradewind_api::credentials::CredentialsKey::from_bytes(&[7; 32])?,
            realtime_cluster: None,
            translation: None,
            assistant_model: None,
        };
        let mut application = Application::build(&config, Arc::new(SystemClock)).await?;
        application.state.config.ledger_postings = ledger_postings;
        let addr = application.listener.local_addr()?;
        let now = application.state.clock.now();
        let merchant = tradewind_api::keys::create_merchant(&application.state.store, "Bench Shop", now)
            .await
            .map_err(|error| anyhow::anyhow!("creating the merchant: {error:?}"))?;
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(application.run(async move {
            let _ = stopped.await;
        }));
        Ok(Server {
            addr,
            secret_key: merchant.secret_key,
            publishable_key: Some(merchant.publishable_key),
            database,
            shutdown,
            running,
        })
    }

    /// Stops the server (after the workers closed their connections) and removes its data.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(());
        tokio::time::timeout(SHUTDOWN_TIMEOUT, self.running).await.context("the server did not stop in time")???;
        self.database.remove().await
    }
}

impl Database {
    /// A fresh, empty database of `backend`: its URL, and what to remove afterwards.
    pub async fn fresh(backend: Backend) -> anyhow::Result<(String, Database)> {
        Ok(match backend {
            Backend::Sqlite => {
                let directory = std::env::temp_dir().join(unique_name("tradewind_bench"));
                std::fs::create_dir_all(&directory).with_context(|| format!("creating {}", directory.display()))?;
                (format!("sqlite://{}/bench.db", directory.display()), Database::SqliteDirectory(directory))
            }
            Backend::Postgres => {
                let base_url = postgres_base_url();
                let schema = create_schema(&base_url).await?;
                let separator = if base_url.contains('?') { '&' } else { '?' };
                let url = format!("{base_url}{separator}options[search_path]={schema}");
                (url, Database::PostgresSchema { base_url, schema })
            }
        })
    }

    pub async fn remove(self) -> anyhow::Result<()> {
        match self {
            Database::SqliteDirectory(directory) => {
                std::fs::remove_dir_all(&directory).with_context(|| format!("removing {}", directory.display()))?
            }
            Database::PostgresSchema { base_url, schema } => drop_schema(&base_url, &schema).await?,
        }
        Ok(())
    }
}
