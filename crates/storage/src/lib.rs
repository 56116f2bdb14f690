//! Storage through sqlx: embedded SQLite (WAL) by default, PostgreSQL when the URL
//! says so. One schema (`migrations/`) serves both: portable SQL, `$N` placeholders,
//! JSON kept as TEXT, times as Unix seconds.
//!
//! - [`Store`]: the pool, the backend, [`Store::begin`] for interactive write
//!   transactions and [`Store::write`] for batches decided up front.
//! - `writer`: on SQLite, writers are serialised in-process (one writer at a time is
//!   all SQLite allows; queuing here avoids `SQLITE_BUSY` instead of retrying on it),
//!   write through one connection kept for them, and batches share commits (group
//!   commit).
//! - One module per table: [`merchants`], [`api_keys`], [`payment_intents`],
//!   [`attempts`], [`refunds`], [`checkout`], [`idempotency`], [`events`],
//!   [`fx_rates`], [`fx_quotes`], [`disputes`], [`files`], [`early_fraud_warnings`],
//!   [`reconciliation`], [`webhook_endpoints`], [`webhook_deliveries`] (with the attempt
//!   log), [`connector_accounts`] (credentials as ciphertexts) and
//!   [`connector_webhook_events`] (provider webhooks received, one per provider event),
//!   [`orders`] (orders and the payment intents that paid them) and [`support`] (the
//!   support desk: agents, teams, contacts, conversations, messages, timeline, canned
//!   responses, knowledge-base articles).
//! - [`batch`]: writes sent together, so a hot write path costs one trip to SQLite's
//!   worker thread instead of one per statement ([`Store::write`],
//!   [`Store::write_if_returned`]).
//! - `final_commit`: on PostgreSQL a batch's transaction sends its ledger increments
//!   with its `COMMIT`, so the rows every payment shares stay locked one round trip.
//!
//! Every state change goes through a conditional update (`WHERE version = …` or
//! `WHERE status = …`), so concurrent requests cannot both win; callers turn a lost
//! race into a 409.

pub mod api_keys;
pub mod attempts;
pub mod balance_transactions;
pub mod batch;
pub mod checkout;
mod checkpoint;
pub mod connector_accounts;
pub mod connector_webhook_events;
pub mod disputes;
pub mod early_fraud_warnings;
pub mod events;
pub mod files;
mod final_commit;
pub mod fx_quotes;
pub mod fx_rates;
mod group_commit;
pub mod idempotency;
pub mod ledger;
pub mod merchants;
pub mod orders;
pub mod payment_intents;
pub mod payouts;
#[cfg(test)]
mod plans;
pub mod realtime_history;
pub mod reconciliation;
pub mod refunds;
pub mod reserves;
pub mod routing_rules;
pub mod support;
pub mod webhook_deliveries;
pub mod webhook_endpoints;
mod writer;

use batch::{Arguments, Batch};
use final_commit::FinalCommit;
use group_commit::GroupCommit;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};
use tradewind_ledger::Transfer;
use writer::{Writer, WriterLock, WriterTransaction};

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
    #[error("the group commit this write was part of failed: {0}")]
    GroupFailed(String),
    #[error("SQLite error on the writer thread: {0}")]
    Sqlite(String),
    /// A ledger batch broke a rule; nothing of it was written.
    #[error("ledger batch refused: {0}")]
    LedgerRejected(tradewind_ledger::BatchError),
    /// A ledger plan failed its own invariants before commit (a bug); nothing written.
    #[error("ledger invariant broken before commit: {0}")]
    LedgerInvariant(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Connection settings of every SQLite connection. WAL lets readers run beside the
/// writer; NORMAL sync is durable across application crashes and fast.
///
/// Reads go through a memory map of the file (no copy through `read`) and a larger
/// page cache per connection. Statement journals (which savepoints and multi-row
/// statements need) stay in memory: on disk each is a file created and deleted per
/// statement, which profiles showed costing more than the writes themselves.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; \
     PRAGMA foreign_keys = ON; PRAGMA mmap_size = 268435456; PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;";
/// [`SQLITE_PRAGMAS`] for the sqlx connections. Their commits (an interactive
/// transaction's, holding the writer slot) would otherwise be followed by SQLite's own
/// checkpoint, inline, whenever the WAL is past 1,000 pages, which under steady writes
/// it always is: two fsyncs and the copy, about 10 ms here, while every queued write
/// waits for the slot. They checkpoint at the writer's backstop instead
/// ([`checkpoint::BACKSTOP_PAGES`]), so the WAL stays bounded even when only they write;
/// below it the checkpoint thread does the work (`checkpoint`). The writer thread's own
/// connection replaces the automatic checkpoint with its hook.
static SQLX_SQLITE_PRAGMAS: LazyLock<String> =
    LazyLock::new(|| format!("{SQLITE_PRAGMAS} PRAGMA wal_autocheckpoint = {};", checkpoint::BACKSTOP_PAGES));

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Present on SQLite: the single writer and the group-commit queue in front of it.
    sqlite: Option<SqliteWriter>,
    known_accounts: ledger::KnownAccounts,
}

#[derive(Clone)]
struct SqliteWriter {
    lock: WriterLock,
    group: GroupCommit,
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

/// A store on a fresh SQLite file in a directory of its own under the system's temp
/// directory (`name` and the process id name it), for the crate's tests; the caller
/// removes the directory.
#[cfg(test)]
#[allow(clippy::expect_used)]
pub(crate) async fn temp_sqlite_store(name: &str) -> (std::path::PathBuf, std::path::PathBuf, Store) {
    let directory = std::env::temp_dir().join(format!("tradewind-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    let path = directory.join("db.sqlite");
    let store = Store::connect(&format!("sqlite://{}", path.display())).await.expect("a store on a fresh file");
    (directory, path, store)
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Where PostgreSQL's own migrations (`migrations_postgres/`, run after the shared
/// ones) record themselves.
const POSTGRES_MIGRATIONS_TABLE: &str = "_sqlx_migrations_postgres";

/// The file path of a `sqlite:` URL.
fn sqlite_path(url: &str) -> &str {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    path.split('?').next().unwrap_or_default()
}

fn ensure_sqlite_directory(path: &str) -> StoreResult<()> {
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
        let (pool, sqlite) = match backend {
            Backend::Sqlite => {
                // The writer thread opens the file on its own: an in-memory database
                // would be a different one on each connection.
                let path = sqlite_path(url);
                if path.is_empty() || path.starts_with(":memory:") || url.contains("mode=memory") {
                    return Err(StoreError::UnsupportedUrl);
                }
                ensure_sqlite_directory(path)?;
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
                            connection.execute(SQLX_SQLITE_PRAGMAS.as_str()).await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?;
                let mut connection = <Connection as sqlx::Connection>::connect(&url).await?;
                connection.execute(SQLX_SQLITE_PRAGMAS.as_str()).await?;
                let lock: WriterLock = Arc::new(Mutex::new(Some(Writer { connection, may_be_open: false })));
                let group = GroupCommit::start(path, SQLITE_PRAGMAS, lock.clone())?;
                (pool, Some(SqliteWriter { lock, group }))
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
        Ok(Store { pool, backend, sqlite, known_accounts: ledger::KnownAccounts::default() })
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await?;
        if self.backend == Backend::Postgres {
            // What only PostgreSQL can say (PL/pgSQL), or says at another cost: the
            // tables are the shared migrations', these change how they are checked.
            let mut postgres = sqlx::migrate!("./migrations_postgres");
            postgres.dangerous_set_table_name(POSTGRES_MIGRATIONS_TABLE);
            postgres.run(&self.pool).await?;
        }
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
        let Some(sqlite) = &self.sqlite else {
            return Ok(WriteTransaction { kind: TransactionKind::Pooled(self.pool.begin().await?) });
        };
        let mut writer = OwnedMutexGuard::try_map(sqlite.lock.clone().lock_owned().await, Option::as_mut)
            .map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?;
        if writer.may_be_open {
            writer.roll_back().await;
        }
        writer.may_be_open = true;
        // IMMEDIATE takes SQLite's write lock at once, so a transaction never has to
        // upgrade a stale read snapshot (which fails with SQLITE_BUSY_SNAPSHOT).
        sqlx::query("BEGIN IMMEDIATE").execute(&mut writer.connection).await?;
        let transaction = WriterTransaction { writer, lock: sqlite.lock.clone() };
        Ok(WriteTransaction { kind: TransactionKind::Writer(transaction) })
    }

    /// An empty batch of writes for [`Store::write`] or [`Store::write_if_returned`].
    pub fn batch(&self) -> Batch {
        Batch::new(self.backend)
    }

    /// Writes `batch` atomically and durably (on SQLite through group commit, see
    /// the `writer` module).
    pub async fn write(&self, batch: Batch) -> StoreResult<()> {
        self.write_if_returned(batch, 0).await.map(|_| ())
    }

    /// Writes `batch` atomically if its statements return at least `rows_required`
    /// rows (`RETURNING` on conditional updates): `Ok(true)` when written, `Ok(false)`
    /// when rolled back because a condition did not hold (a lost race), with nothing
    /// of the batch written.
    pub async fn write_if_returned(&self, batch: Batch, rows_required: u64) -> StoreResult<bool> {
        let Batch { statements, last_inserts, transfers, posted_at, .. } = batch;
        if let Some(sqlite) = &self.sqlite {
            let mut values = Vec::with_capacity(statements.len());
            for (sql, arguments) in statements {
                match arguments {
                    Arguments::Sqlite(arguments) => values.push((sql, arguments)),
                    Arguments::Any(_) => return Err(StoreError::BadBatch("sqlx arguments on SQLite".to_owned())),
                }
            }
            return sqlite
                .group
                .run(move |connection| {
                    let mut returned = 0;
                    for (sql, arguments) in &values {
                        match group_commit::run_statement(connection, sql, arguments) {
                            Ok(rows) => returned += rows,
                            Err(error) => return (false, Err(error)),
                        }
                    }
                    if returned < rows_required {
                        return (false, Ok(false));
                    }
                    for (sql, values) in &last_inserts {
                        if let Err(error) = group_commit::run_statement(connection, sql, values) {
                            return (false, Err(error));
                        }
                    }
                    match ledger::post_on_writer(connection, &transfers, posted_at) {
                        Ok(_) => (true, Ok(true)),
                        Err(error) => (false, Err(error)),
                    }
                })
                .await;
        }
        let mut transaction = FinalCommit::begin(&self.pool).await?;
        let mut returned = 0;
        for (sql, arguments) in statements {
            let Arguments::Any(arguments) = arguments else {
                return Err(StoreError::BadBatch("SQLite values on PostgreSQL".to_owned()));
            };
            let rows =
                sqlx::query_with(sqlx::AssertSqlSafe(sql), arguments).fetch_all(transaction.connection()).await?;
            returned += rows.len() as u64;
        }
        if returned < rows_required {
            // Dropping the transaction rolls it back.
            return Ok(false);
        }
        let (_, last) = ledger::post_before_commit(
            transaction.connection(),
            self.backend,
            &transfers,
            &last_inserts,
            posted_at,
            &self.known_accounts,
        )
        .await?;
        transaction.commit_after(last).await?;
        Ok(true)
    }

    /// Posts `transfers` to the ledger as one atomic batch in a transaction of its own
    /// (on SQLite through group commit).
    pub async fn post_transfers(&self, transfers: Vec<Transfer>, now: i64) -> StoreResult<ledger::Posted> {
        if let Some(sqlite) = &self.sqlite {
            return sqlite
                .group
                .run(move |connection| {
                    let result = ledger::post_on_writer(connection, &transfers, now);
                    (result.is_ok(), result)
                })
                .await;
        }
        let mut transaction = FinalCommit::begin(&self.pool).await?;
        let (posted, last) = ledger::post_before_commit(
            transaction.connection(),
            self.backend,
            &transfers,
            &[],
            now,
            &self.known_accounts,
        )
        .await?;
        transaction.commit_after(last).await?;
        Ok(posted)
    }

    /// Checks that the database answers (for `/healthz`).
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(sqlite) = &self.sqlite {
            sqlite.group.close().await;
        }
        if let Some(sqlite) = &self.sqlite
            && let Some(writer) = sqlite.lock.lock().await.take()
            && let Err(error) = sqlx::Connection::close(writer.connection).await
        {
            tracing::warn!(%error, "closing the SQLite writer connection");
        }
        self.pool.close().await;
    }
}
