//! Group commit on SQLite's writer thread.
//!
//! Writes decided up front ([`crate::Store::write`], and later the ledger's batches)
//! are jobs for one dedicated OS thread that owns a `rusqlite` connection. The thread
//! takes the writer slot ([`crate::writer::WriterLock`]), runs the queued jobs back to
//! back in *one* transaction, commits them together and only then tells each caller
//! its outcome, so nobody hears "done" for a write that is not durable.
//!
//! A job that fails, or whose conditional update lost its race, must leave nothing
//! behind while the others' writes stay. A savepoint per job would give that, but a
//! savepoint copies every page its job changes into a journal in memory first (the
//! hot pages, again for each job of the group): that was a quarter of the writer's
//! time. So a group starts *optimistic*, without savepoints, and pays only when a job
//! is refused: the transaction is rolled back, begun again, and the group's jobs so
//! far are run again, each in a savepoint of its own (a job's work may run twice,
//! so it is `FnMut` and reads only the database and what it captured); the rest of
//! that group keeps savepoints.
//!
//! Why a thread of its own rather than sqlx: sqlx runs each SQLite connection on a
//! worker thread and every statement is a round trip to it — two thread wake-ups, which
//! on a small machine cost more than the write itself. Here a job's statements run
//! where the connection lives, and the only hops are the job's arrival and its reply.
//! And why groups: a commit writes every page its transaction dirtied to the WAL; the
//! hot tables' pages are shared, so under load one commit for sixteen requests writes
//! a fraction of sixteen commits' pages.

use crate::batch::SqlValue;
use crate::checkpoint::Checkpoints;
use crate::writer::WriterLock;
use crate::{StoreError, StoreResult};
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

/// Jobs waiting for the writer thread; senders wait when it is full.
const JOB_QUEUE_MAX: usize = 4096;
/// Jobs one group commit may hold, so one group never keeps interactive transactions
/// waiting for the writer slot long.
const GROUP_JOBS_MAX: usize = 64;
/// Prepared statements the writer keeps (every hot write path's statements fit).
const STATEMENT_CACHE_CAPACITY: usize = 128;

/// A queued write: its work, which may run twice (see the module's notes), and its caller.
trait Job: Send {
    /// Runs the work; answers whether to keep its writes.
    fn run(&mut self, connection: &Connection) -> bool;
    /// Tells the caller how its group ended: `None` committed, `Some` failed.
    fn finish(self: Box<Self>, failure: Option<&StoreError>);
}

/// A job with its caller's result type.
struct Typed<R, W> {
    work: W,
    /// The last run's keep and result.
    outcome: Option<(bool, StoreResult<R>)>,
    reply: oneshot::Sender<StoreResult<R>>,
}

impl<R, W> Job for Typed<R, W>
where
    R: Send,
    W: FnMut(&Connection) -> (bool, StoreResult<R>) + Send,
{
    fn run(&mut self, connection: &Connection) -> bool {
        let (keep, result) = (self.work)(connection);
        let keep = keep && result.is_ok();
        self.outcome = Some((keep, result));
        keep
    }

    fn finish(self: Box<Self>, failure: Option<&StoreError>) {
        let result = match (self.outcome, failure) {
            (Some((true, _)), Some(error)) => Err(StoreError::GroupFailed(error.to_string())),
            // Refused: nothing of it was to be written, whatever became of the group.
            (Some((_, result)), _) => result,
            (None, _) => Err(StoreError::GroupFailed("the writer dropped the write unrun".to_owned())),
        };
        let _ = self.reply.send(result);
    }
}

enum Message {
    Job(Box<dyn Job>),
    Close(oneshot::Sender<()>),
}

/// The queue in front of the writer thread.
#[derive(Clone)]
pub(crate) struct GroupCommit {
    sender: mpsc::Sender<Message>,
}

impl GroupCommit {
    /// Opens the writer's own connection to `path` and starts its thread.
    pub(crate) fn start(path: &str, pragmas: &str, lock: WriterLock) -> StoreResult<GroupCommit> {
        let connection = Connection::open(path).map_err(sqlite_error)?;
        connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        // `journal_mode` answers with a row, so run the pragmas as queries.
        for pragma in pragmas.split(';').map(str::trim).filter(|pragma| !pragma.is_empty()) {
            let mut statement = connection.prepare(pragma).map_err(sqlite_error)?;
            let mut rows = statement.raw_query();
            while rows.next().map_err(sqlite_error)?.is_some() {}
        }
        // Checkpoints leave the commit path for a thread of their own (`checkpoint`).
        let checkpoints = Checkpoints::start(&connection, path)?;
        let (sender, receiver) = mpsc::channel(JOB_QUEUE_MAX);
        // The runtime the sqlx writer connection lives on: an interactive transaction
        // dropped uncommitted is rolled back from here if its own rollback has not run yet.
        let runtime = tokio::runtime::Handle::try_current().ok();
        std::thread::Builder::new()
            .name("sqlite-writer".to_owned())
            .spawn(move || run(connection, lock, receiver, runtime, checkpoints))
            .map_err(StoreError::Directory)?;
        Ok(GroupCommit { sender })
    }

    /// Runs `work` in the next group. `work` answers whether to keep its writes and its
    /// result; the result reaches the caller after the group commits (or the commit's
    /// error does, if the group failed and `work` had asked to keep its writes). `work`
    /// may run twice, the first run's writes rolled back, when another job of its group
    /// is refused.
    pub(crate) async fn run<R: Send + 'static>(
        &self,
        work: impl FnMut(&Connection) -> (bool, StoreResult<R>) + Send + 'static,
    ) -> StoreResult<R> {
        let (reply, answer) = oneshot::channel::<StoreResult<R>>();
        let job = Box::new(Typed { work, outcome: None, reply });
        self.sender.send(Message::Job(job)).await.map_err(|_| closed())?;
        answer.await.map_err(|_| StoreError::GroupFailed("the writer dropped the write unrun".to_owned()))?
    }

    /// Stops the thread after the jobs queued before this call, and closes its connection.
    pub(crate) async fn close(&self) {
        let (done, closed) = oneshot::channel();
        if self.sender.send(Message::Close(done)).await.is_ok() {
            let _ = closed.await;
        }
    }
}

fn closed() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

pub(crate) fn sqlite_error(error: rusqlite::Error) -> StoreError {
    StoreError::Sqlite(error.to_string())
}

fn execute(connection: &Connection, sql: &str) -> Result<(), rusqlite::Error> {
    // A transaction that begins, or writes rolled back, leave the ledger accounts the
    // writer remembers out of date (see `ledger::on_writer`).
    if sql.starts_with("BEGIN") || sql.starts_with("ROLLBACK") {
        crate::ledger::forget_written_accounts();
    }
    connection.prepare_cached(sql)?.raw_execute().map(|_| ())
}

fn run(
    connection: Connection,
    lock: WriterLock,
    mut receiver: mpsc::Receiver<Message>,
    runtime: Option<tokio::runtime::Handle>,
    mut checkpoints: Checkpoints,
) {
    let mut group = Group { jobs: Vec::with_capacity(GROUP_JOBS_MAX), guarded: false };
    while let Some(message) = receiver.blocking_recv() {
        let first = match message {
            Message::Job(job) => job,
            Message::Close(done) => {
                drop(connection);
                let _ = done.send(());
                return;
            }
        };
        // The writer slot: interactive transactions on the sqlx writer take it too.
        // A job dropped without running drops its reply: its caller hears an error.
        let mut guard = lock.blocking_lock();
        let Some(writer) = guard.as_mut() else {
            // The store was closed under us.
            drop(first);
            continue;
        };
        // An interactive transaction dropped uncommitted releases the slot before its
        // rollback runs (that needs the slot again): end it here, or the sqlx connection
        // would keep SQLite's write lock and this BEGIN would wait for it in vain.
        if writer.may_be_open
            && let Some(runtime) = &runtime
        {
            runtime.block_on(writer.roll_back());
        }
        if let Err(error) = execute(&connection, "BEGIN IMMEDIATE") {
            tracing::error!(%error, "BEGIN on the SQLite writer");
            drop(first);
            continue;
        }
        let mut next = Some(first);
        let mut closing = None;
        let mut lost = false;
        while let Some(job) = next.take() {
            if !group.add(&connection, job) {
                lost = true;
                break;
            }
            if group.jobs.len() < GROUP_JOBS_MAX {
                next = match receiver.try_recv() {
                    Ok(Message::Job(job)) => Some(job),
                    Ok(Message::Close(done)) => {
                        closing = Some(done);
                        None
                    }
                    Err(_) => None,
                };
            }
        }
        if lost {
            // The transaction is gone (see `Group::add`): nothing of the group was written.
            let _ = execute(&connection, "ROLLBACK");
            group.finish(Some(&StoreError::Sqlite("the transaction was lost".into())));
        } else {
            // The ledger keeps the balances its postings changed in memory until here.
            let committed = crate::ledger::write_deferred_balances(&connection)
                .and_then(|()| execute(&connection, "COMMIT").map_err(sqlite_error));
            match committed {
                Ok(()) => {
                    group.finish(None);
                    checkpoints.after_commit();
                }
                Err(error) => {
                    tracing::error!(%error, jobs = group.jobs.len(), "group commit failed");
                    let _ = execute(&connection, "ROLLBACK");
                    group.finish(Some(&error));
                }
            }
        }
        drop(guard);
        if let Some(done) = closing {
            drop(connection);
            let _ = done.send(());
            return;
        }
    }
}

/// The jobs of the open transaction.
struct Group {
    jobs: Vec<Box<dyn Job>>,
    /// Jobs run in savepoints of their own (after a refusal in this group).
    guarded: bool,
}

impl Group {
    /// Runs `job` in the open transaction. Returns `false` when the transaction itself
    /// is gone (SQLite rolls the whole transaction back on some errors, such as a full
    /// disk); every job is then in `jobs`, to hear the failure, or was dropped unrun,
    /// which its caller hears as an error too.
    fn add(&mut self, connection: &Connection, mut job: Box<dyn Job>) -> bool {
        if self.guarded {
            let alive = run_guarded(connection, job.as_mut());
            self.jobs.push(job);
            return alive;
        }
        let keep = job.run(connection);
        self.jobs.push(job);
        if keep {
            return true;
        }
        // Refused, and its writes so far cannot be undone alone: undo the group's and
        // run it again, each job in a savepoint.
        self.guarded = true;
        // The ROLLBACK fails if SQLite has rolled the transaction back itself (a failed
        // statement on a full disk, say): beginning again is what tells.
        let _ = execute(connection, "ROLLBACK");
        if let Err(error) = execute(connection, "BEGIN IMMEDIATE") {
            tracing::error!(%error, "beginning again on the SQLite writer");
            return false;
        }
        self.jobs.iter_mut().all(|job| run_guarded(connection, job.as_mut()))
    }

    fn finish(&mut self, failure: Option<&StoreError>) {
        for job in self.jobs.drain(..) {
            job.finish(failure);
        }
        self.guarded = false;
    }
}

/// Runs `job` in a savepoint of its own, rolled back if the job is refused. Returns
/// `false` when the transaction is gone.
fn run_guarded(connection: &Connection, job: &mut dyn Job) -> bool {
    // Rolling back to the savepoint forgets the ledger's balances kept in memory: those
    // of the jobs before must be in their rows first.
    if let Err(error) = crate::ledger::write_deferred_balances(connection) {
        tracing::error!(%error, "writing balances before a savepoint on the SQLite writer");
        return false;
    }
    if let Err(error) = execute(connection, "SAVEPOINT job") {
        tracing::error!(%error, "savepoint on the SQLite writer");
        return false;
    }
    let ended = if job.run(connection) {
        execute(connection, "RELEASE job")
    } else {
        execute(connection, "ROLLBACK TO job").and_then(|()| execute(connection, "RELEASE job"))
    };
    match ended {
        Ok(()) => true,
        Err(error) => {
            tracing::error!(%error, "ending a savepoint on the SQLite writer");
            false
        }
    }
}

/// Runs one statement with `$N` placeholders bound from `values`; returns the count of
/// rows it returned (`RETURNING`; 0 for a statement without).
pub(crate) fn run_statement(connection: &Connection, sql: &str, values: &[SqlValue]) -> Result<u64, StoreError> {
    let mut statement = connection.prepare_cached(sql).map_err(sqlite_error)?;
    // `$N` are named parameters to SQLite, numbered by first appearance: bind by name.
    for index in 1..=statement.parameter_count() {
        let number = statement
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|digits| digits.parse::<usize>().ok())
            .ok_or_else(|| StoreError::BadBatch(format!("parameter {index} is not `$N` in: {sql}")))?;
        let value = values
            .get(number.wrapping_sub(1))
            .ok_or_else(|| StoreError::BadBatch(format!("no value for ${number} in: {sql}")))?;
        let bound = match value {
            SqlValue::NullInteger | SqlValue::NullText => statement.raw_bind_parameter(index, rusqlite::types::Null),
            SqlValue::Integer(integer) => statement.raw_bind_parameter(index, integer),
            SqlValue::Text(text) => statement.raw_bind_parameter(index, text),
        };
        bound.map_err(sqlite_error)?;
    }
    if statement.column_count() == 0 {
        return statement.raw_execute().map(|_| 0).map_err(sqlite_error);
    }
    let mut rows = statement.raw_query();
    let mut returned = 0;
    while rows.next().map_err(sqlite_error)?.is_some() {
        returned += 1;
    }
    Ok(returned)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::writer::Writer;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::sync::Mutex;
    use tokio::task::JoinHandle;

    /// A database with one table of unique values, its writer slot and group commit.
    async fn open(name: &str) -> (String, WriterLock, GroupCommit) {
        sqlx::any::install_default_drivers();
        let directory = std::env::temp_dir().join(format!("tradewind-group-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&directory);
        std::fs::create_dir_all(&directory).unwrap();
        let path = directory.join("db.sqlite").to_string_lossy().into_owned();
        let setup = Connection::open(&path).unwrap();
        setup.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())).unwrap();
        setup.execute_batch("CREATE TABLE items (value TEXT NOT NULL UNIQUE)").unwrap();
        drop(setup);
        let url = format!("sqlite://{path}?mode=rwc");
        let connection = <crate::Connection as sqlx::Connection>::connect(&url).await.unwrap();
        let lock: WriterLock = Arc::new(Mutex::new(Some(Writer { connection, may_be_open: false })));
        let group = GroupCommit::start(&path, "PRAGMA journal_mode = WAL;", lock.clone()).unwrap();
        (path, lock, group)
    }

    /// Queues a job inserting `values` in turn, counting its runs in `runs`.
    async fn queue(
        group: &GroupCommit,
        values: &'static [&'static str],
        runs: &Arc<AtomicUsize>,
    ) -> JoinHandle<StoreResult<()>> {
        let group = group.clone();
        let runs = Arc::clone(runs);
        let task = tokio::spawn(async move {
            group
                .run(move |connection| {
                    runs.fetch_add(1, Ordering::SeqCst);
                    for value in values {
                        if let Err(error) = connection.execute("INSERT INTO items (value) VALUES (?1)", [value]) {
                            return (true, Err(sqlite_error(error)));
                        }
                    }
                    (true, Ok(()))
                })
                .await
        });
        // On this test's single thread the task runs to its send, and waits for its answer.
        tokio::task::yield_now().await;
        task
    }

    fn run_counts(runs: &[Arc<AtomicUsize>]) -> Vec<usize> {
        runs.iter().map(|runs| runs.load(Ordering::SeqCst)).collect()
    }

    fn stored(path: &str) -> Vec<String> {
        let connection = Connection::open(path).unwrap();
        let mut statement = connection.prepare("SELECT value FROM items ORDER BY value").unwrap();
        statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect()
    }

    #[tokio::test]
    async fn a_group_without_refusals_runs_each_job_once_in_one_commit() {
        let (path, lock, group) = open("clean").await;
        let runs: Vec<Arc<AtomicUsize>> = (0..3).map(|_| Arc::default()).collect();
        // Holding the writer slot keeps the thread at the group's first job while the rest queue.
        let slot = lock.lock().await;
        let tasks = [
            queue(&group, &["a"], &runs[0]).await,
            queue(&group, &["b"], &runs[1]).await,
            queue(&group, &["c"], &runs[2]).await,
        ];
        drop(slot);
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(stored(&path), ["a", "b", "c"]);
        assert_eq!(run_counts(&runs), [1, 1, 1]);
        group.close().await;
    }

    #[tokio::test]
    async fn a_refused_job_leaves_nothing_and_the_rest_of_its_group_commits() {
        let (path, lock, group) = open("refused").await;
        let runs: Vec<Arc<AtomicUsize>> = (0..4).map(|_| Arc::default()).collect();
        let slot = lock.lock().await;
        let tasks = [
            queue(&group, &["a"], &runs[0]).await,
            // Writes `b`, then fails on a value the first job wrote: `b` must not stay.
            queue(&group, &["b", "a"], &runs[1]).await,
            queue(&group, &["c"], &runs[2]).await,
            // Fails on its first statement, in a group already running in savepoints.
            queue(&group, &["c"], &runs[3]).await,
        ];
        drop(slot);
        let [first, second, third, fourth] = tasks;
        first.await.unwrap().unwrap();
        assert!(second.await.unwrap().is_err(), "the duplicate is refused");
        third.await.unwrap().unwrap();
        assert!(fourth.await.unwrap().is_err());
        assert_eq!(stored(&path), ["a", "c"]);
        // The first two ran optimistically, then again in savepoints once the second was refused.
        assert_eq!(run_counts(&runs), [2, 2, 1, 1]);
        // The next group starts optimistic again.
        let again = Arc::default();
        queue(&group, &["d"], &again).await.await.unwrap().unwrap();
        assert_eq!(again.load(Ordering::SeqCst), 1);
        assert_eq!(stored(&path), ["a", "c", "d"]);
        group.close().await;
    }
}
