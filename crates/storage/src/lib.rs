//! Storage through sqlx: embedded SQLite (WAL) by default, PostgreSQL when the URL
//! says so. One schema (`migrations/`) serves both: portable SQL, `$N` placeholders,
//! JSON kept as TEXT, times as Unix seconds.
//!
//! - [`Store`]: the pool, the backend, and [`Store::begin`] for write transactions.
//!   On SQLite, writers are serialised in-process (one writer at a time is all SQLite
//!   allows; queuing here avoids `SQLITE_BUSY` instead of retrying on it).
//! - One module per table: [`merchants`], [`api_keys`], [`payment_intents`],
//!   [`attempts`], [`refunds`], [`checkout`], [`idempotency`], [`events`].
//!
//! Every state change goes through a conditional update (`WHERE version = …` or
//! `WHERE status = …`), so concurrent requests cannot both win; callers turn a lost
//! race into a 409.

pub mod api_keys;
pub mod attempts;
pub mod checkout;
pub mod events;
pub mod idempotency;
pub mod merchants;
pub mod payment_intents;
pub mod refunds;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use sqlx::AnyConnection as Connection;

/// Bounds on the pool: SQLite readers share the file, PostgreSQL connections are
/// costly; either way a request waits at most `ACQUIRE_TIMEOUT` for one.
const SQLITE_CONNECTIONS_MAX: u32 = 8;
const POSTGRES_CONNECTIONS_MAX: u32 = 16;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL (expected sqlite: or postgres:)")]
    UnsupportedUrl,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("could not create the database directory: {0}")]
    Directory(#[from] std::io::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Present on SQLite: the single-writer queue.
    write_lock: Option<Arc<Mutex<()>>>,
}

/// A write transaction. On SQLite it also holds the writer slot until commit or drop.
pub struct WriteTransaction {
    transaction: Transaction<'static, Any>,
    _writer: Option<OwnedMutexGuard<()>>,
}

impl WriteTransaction {
    pub fn connection(&mut self) -> &mut Connection {
        &mut self.transaction
    }

    pub async fn commit(self) -> StoreResult<()> {
        self.transaction.commit().await?;
        Ok(())
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

fn ensure_sqlite_directory(url: &str) -> StoreResult<()> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    Ok(())
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`).
    pub async fn connect(url: &str) -> StoreResult<Store> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let pool = match backend {
            Backend::Sqlite => {
                ensure_sqlite_directory(url)?;
                let url = if url.contains("mode=") {
                    url.to_owned()
                } else if url.contains('?') {
                    format!("{url}&mode=rwc")
                } else {
                    format!("{url}?mode=rwc")
                };
                AnyPoolOptions::new()
                    .max_connections(SQLITE_CONNECTIONS_MAX)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .after_connect(|connection, _| {
                        Box::pin(async move {
                            // WAL lets readers run beside the writer; NORMAL sync is
                            // durable across application crashes and fast.
                            connection
                                .execute(
                                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                     PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
                                )
                                .await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(POSTGRES_CONNECTIONS_MAX)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect(url)
                    .await?
            }
        };
        let write_lock = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Store { pool, backend, write_lock })
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for reads outside a transaction.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a write transaction; on SQLite, waits for the writer slot first.
    pub async fn begin(&self) -> StoreResult<WriteTransaction> {
        let writer = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        // IMMEDIATE takes SQLite's write lock at once, so a transaction never has to
        // upgrade a stale read snapshot (which fails with SQLITE_BUSY_SNAPSHOT).
        let transaction = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTransaction { transaction, _writer: writer })
    }

    /// Checks that the database answers (for `/healthz`).
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}
