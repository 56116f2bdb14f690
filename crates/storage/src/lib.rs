//! Storage through sqlx: embedded SQLite (WAL) by default, PostgreSQL when the URL
//! says so. One schema (`migrations/`) serves both: portable SQL, `$N` placeholders,
//! JSON kept as TEXT, times as Unix seconds.
//!
//! - [`Store`]: the pool, the backend, and [`Store::begin`] for write transactions.
//!   On SQLite, writers are serialised in-process (one writer at a time is all SQLite
//!   allows; queuing here avoids `SQLITE_BUSY` instead of retrying on it) and write
//!   through one connection kept for them, outside the readers' pool.
//! - One module per table: [`merchants`], [`api_keys`], [`payment_intents`],
//!   [`attempts`], [`refunds`], [`checkout`], [`idempotency`], [`events`].
//! - [`batch`]: writes sent together, so a hot write path costs one trip to SQLite's
//!   worker thread instead of one per statement ([`Store::write`], [`Store::begin_with`]).
//!
//! Every state change goes through a conditional update (`WHERE version = …` or
//! `WHERE status = …`), so concurrent requests cannot both win; callers turn a lost
//! race into a 409.

pub mod api_keys;
pub mod attempts;
pub mod batch;
pub mod checkout;
pub mod events;
pub mod idempotency;
pub mod merchants;
pub mod payment_intents;
pub mod refunds;

use batch::Batch;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};

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
    #[error("write batch refused: {0}")]
    BadBatch(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Connection settings of every SQLite connection. WAL lets readers run beside the
/// writer; NORMAL sync is durable across application crashes and fast.
const SQLITE_PRAGMAS: &str =
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;";

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Present on SQLite: the single-writer queue and the writer's connection
    /// (`None` once the store is closed).
    write_lock: Option<Arc<Mutex<Option<Writer>>>>,
}

/// SQLite's one writer. A connection of its own means the transaction holding the
/// write lock never waits behind readers for a pooled connection, nor for the pool's
/// liveness pings on checkout and return.
struct Writer {
    connection: Connection,
    /// A transaction may be open on `connection`: set before `BEGIN`, cleared after
    /// `COMMIT` or `ROLLBACK`, so a transaction abandoned at any point (an error, a
    /// cancelled request) is rolled back before the next one begins.
    may_be_open: bool,
}

impl Writer {
    async fn roll_back(&mut self) {
        // SQLite refuses a ROLLBACK when no transaction is open, which is fine here.
        if let Err(error) = sqlx::query("ROLLBACK").execute(&mut self.connection).await {
            tracing::debug!(%error, "rollback on the SQLite writer connection");
        }
        self.may_be_open = false;
    }
}

/// A write transaction. On SQLite it holds the writer (and so the writer slot) until
/// commit or drop; dropped uncommitted, it is rolled back.
pub struct WriteTransaction {
    kind: TransactionKind,
}

enum TransactionKind {
    Pooled(Transaction<'static, Any>),
    Writer(WriterTransaction),
}

/// The SQLite writer, held for one transaction.
struct WriterTransaction {
    writer: OwnedMappedMutexGuard<Option<Writer>, Writer>,
    lock: Arc<Mutex<Option<Writer>>>,
}

impl Drop for WriterTransaction {
    fn drop(&mut self) {
        if !self.writer.may_be_open {
            return;
        }
        // Roll back now rather than at the next `begin`, so SQLite's write lock is not
        // kept from other processes meanwhile. Without a runtime, the next `begin` does.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let lock = self.lock.clone();
            runtime.spawn(async move {
                if let Some(writer) = lock.lock().await.as_mut()
                    && writer.may_be_open
                {
                    writer.roll_back().await;
                }
            });
        }
    }
}

impl WriteTransaction {
    pub fn connection(&mut self) -> &mut Connection {
        match &mut self.kind {
            TransactionKind::Pooled(transaction) => transaction,
            TransactionKind::Writer(held) => &mut held.writer.connection,
        }
    }

    pub async fn commit(self) -> StoreResult<()> {
        match self.kind {
            TransactionKind::Pooled(transaction) => transaction.commit().await?,
            TransactionKind::Writer(mut held) => {
                sqlx::query("COMMIT").execute(&mut held.writer.connection).await?;
                held.writer.may_be_open = false;
            }
        }
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
        let (pool, write_lock) = match backend {
            Backend::Sqlite => {
                ensure_sqlite_directory(url)?;
                let url = if url.contains("mode=") {
                    url.to_owned()
                } else if url.contains('?') {
                    format!("{url}&mode=rwc")
                } else {
                    format!("{url}?mode=rwc")
                };
                let pool = AnyPoolOptions::new()
                    .max_connections(SQLITE_CONNECTIONS_MAX)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    // A ping on checkout looks for a server that went away; an embedded
                    // file has none, and the ping costs a trip to the connection's thread.
                    .test_before_acquire(false)
                    .after_connect(|connection, _| {
                        Box::pin(async move {
                            connection.execute(SQLITE_PRAGMAS).await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?;
                let mut connection = <Connection as sqlx::Connection>::connect(&url).await?;
                connection.execute(SQLITE_PRAGMAS).await?;
                let writer = Writer { connection, may_be_open: false };
                (pool, Some(Arc::new(Mutex::new(Some(writer)))))
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(POSTGRES_CONNECTIONS_MAX)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect(url)
                    .await?;
                (pool, None)
            }
        };
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
        let Some(lock) = &self.write_lock else {
            return Ok(WriteTransaction { kind: TransactionKind::Pooled(self.pool.begin().await?) });
        };
        let mut writer = OwnedMutexGuard::try_map(lock.clone().lock_owned().await, Option::as_mut)
            .map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?;
        if writer.may_be_open {
            writer.roll_back().await;
        }
        writer.may_be_open = true;
        // IMMEDIATE takes SQLite's write lock at once, so a transaction never has to
        // upgrade a stale read snapshot (which fails with SQLITE_BUSY_SNAPSHOT).
        sqlx::query("BEGIN IMMEDIATE").execute(&mut writer.connection).await?;
        Ok(WriteTransaction { kind: TransactionKind::Writer(WriterTransaction { writer, lock: lock.clone() }) })
    }

    /// An empty batch of writes for [`Store::write`] or [`Store::begin_with`].
    pub fn batch(&self) -> Batch {
        Batch::new(self.backend)
    }

    /// Runs `batch` in a transaction of its own and commits it; on SQLite `BEGIN`, the
    /// statements and `COMMIT` go to the writer in one trip.
    pub async fn write(&self, batch: Batch) -> StoreResult<()> {
        match &self.write_lock {
            Some(lock) => {
                let (_committed, _) = Store::run_on_writer(lock, batch, true).await?;
                Ok(())
            }
            None => {
                let (transaction, _) = self.begin_with(batch).await?;
                transaction.commit().await
            }
        }
    }

    /// Begins a write transaction whose first statements are `batch` (on SQLite in the
    /// same trip as `BEGIN`); returns it, open, with the count of rows the statements
    /// returned (`RETURNING`), for the caller to decide whether to commit.
    pub async fn begin_with(&self, batch: Batch) -> StoreResult<(WriteTransaction, u64)> {
        let Some(lock) = &self.write_lock else {
            let mut transaction = self.begin().await?;
            let mut returned = 0;
            for (sql, arguments) in batch.queries {
                let rows =
                    sqlx::query_with(sqlx::AssertSqlSafe(sql), arguments).fetch_all(transaction.connection()).await?;
                returned += rows.len() as u64;
            }
            return Ok((transaction, returned));
        };
        let (writer, returned) = Store::run_on_writer(lock, batch, false).await?;
        let transaction = WriterTransaction { writer, lock: lock.clone() };
        Ok((WriteTransaction { kind: TransactionKind::Writer(transaction) }, returned))
    }

    /// Runs `BEGIN IMMEDIATE`, `batch` and, if `commit`, `COMMIT` on the SQLite writer
    /// as one query; returns the writer (still in the transaction unless committed) and
    /// the count of rows returned.
    async fn run_on_writer(
        lock: &Arc<Mutex<Option<Writer>>>,
        batch: Batch,
        commit: bool,
    ) -> StoreResult<(OwnedMappedMutexGuard<Option<Writer>, Writer>, u64)> {
        let mut queries = batch.queries.into_iter();
        let (statements, arguments) = queries.next().unwrap_or_default();
        if queries.next().is_some() {
            return Err(StoreError::BadBatch("a SQLite batch is one query".to_owned()));
        }
        let mut sql = String::with_capacity(statements.len() + 32);
        sql.push_str("BEGIN IMMEDIATE");
        if !statements.is_empty() {
            sql.push_str(";\n");
            sql.push_str(&statements);
        }
        if commit {
            sql.push_str(";\nCOMMIT");
        }
        let mut writer = OwnedMutexGuard::try_map(lock.clone().lock_owned().await, Option::as_mut)
            .map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?;
        if writer.may_be_open {
            writer.roll_back().await;
        }
        writer.may_be_open = true;
        // A statement that fails stops the query before `COMMIT`: roll back here.
        let query = sqlx::query_with(sqlx::AssertSqlSafe(sql), arguments);
        let returned = match query.fetch_all(&mut writer.connection).await {
            Ok(rows) => rows.len() as u64,
            Err(error) => {
                writer.roll_back().await;
                return Err(error.into());
            }
        };
        if commit {
            writer.may_be_open = false;
        }
        Ok((writer, returned))
    }

    /// Checks that the database answers (for `/healthz`).
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(lock) = &self.write_lock
            && let Some(writer) = lock.lock().await.take()
            && let Err(error) = sqlx::Connection::close(writer.connection).await
        {
            tracing::warn!(%error, "closing the SQLite writer connection");
        }
        self.pool.close().await;
    }
}
