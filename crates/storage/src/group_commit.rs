//! Group commit on SQLite's writer thread.
//!
//! Writes decided up front ([`crate::Store::write`], and later the ledger's batches)
//! are jobs for one dedicated OS thread that owns a `rusqlite` connection. The thread
//! takes the writer slot ([`crate::writer::WriterLock`]), runs the queued jobs back to
//! back in *one* transaction, each inside a savepoint of its own (a job that fails, or
//! whose conditional update lost its race, is rolled back alone), commits them
//! together and only then tells each caller its outcome, so nobody hears "done" for a
//! write that is not durable.
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

/// What a job did inside the group: keep its writes (commit) or not (its savepoint is
/// rolled back), and what to tell its caller once the group's fate is known.
pub(crate) struct Ran {
    pub(crate) keep: bool,
    pub(crate) finish: Finish,
}

/// Tells a job's caller how its group ended: `None` committed, `Some` failed.
pub(crate) type Finish = Box<dyn FnOnce(Option<&StoreError>) + Send>;

type Job = Box<dyn FnOnce(&Connection) -> Ran + Send>;

enum Message {
    Job(Job),
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
    /// error does, if the group failed and `work` had asked to keep its writes).
    pub(crate) async fn run<R: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> (bool, StoreResult<R>) + Send + 'static,
    ) -> StoreResult<R> {
        let (reply, answer) = oneshot::channel::<StoreResult<R>>();
        let job: Job = Box::new(move |connection| {
            let (keep, result) = work(connection);
            let keep = keep && result.is_ok();
            Ran {
                keep,
                finish: Box::new(move |failure| {
                    let result = match failure {
                        Some(error) if keep => Err(StoreError::GroupFailed(error.to_string())),
                        _ => result,
                    };
                    let _ = reply.send(result);
                }),
            }
        });
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
    connection.prepare_cached(sql)?.raw_execute().map(|_| ())
}

fn run(
    connection: Connection,
    lock: WriterLock,
    mut receiver: mpsc::Receiver<Message>,
    runtime: Option<tokio::runtime::Handle>,
    mut checkpoints: Checkpoints,
) {
    let mut ran: Vec<Ran> = Vec::with_capacity(GROUP_JOBS_MAX);
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
            if !run_one(&connection, job, &mut ran) {
                lost = true;
                break;
            }
            if ran.len() < GROUP_JOBS_MAX {
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
            // The transaction is gone (see `run_one`): nothing of the group was written.
            let _ = execute(&connection, "ROLLBACK");
            finish_all(&mut ran, Some(&StoreError::Sqlite("the transaction was lost".into())));
        } else {
            match execute(&connection, "COMMIT") {
                Ok(()) => {
                    finish_all(&mut ran, None);
                    checkpoints.after_commit();
                }
                Err(error) => {
                    tracing::error!(%error, jobs = ran.len(), "group commit failed");
                    let _ = execute(&connection, "ROLLBACK");
                    finish_all(&mut ran, Some(&sqlite_error(error)));
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

/// Runs one job in a savepoint of its own. Returns `false` when the group's
/// transaction itself is gone (SQLite rolls the whole transaction back on some errors,
/// such as a full disk); the job is then either in `ran`, to hear the failure, or was
/// dropped unrun, which its caller hears as an error too.
fn run_one(connection: &Connection, job: Job, ran: &mut Vec<Ran>) -> bool {
    if let Err(error) = execute(connection, "SAVEPOINT job") {
        tracing::error!(%error, "savepoint on the SQLite writer");
        drop(job);
        return false;
    }
    let outcome = job(connection);
    if outcome.keep {
        ran.push(outcome);
        return true;
    }
    ran.push(outcome);
    match execute(connection, "ROLLBACK TO job") {
        Ok(()) => true,
        Err(error) => {
            tracing::error!(%error, "rollback to a savepoint on the SQLite writer");
            false
        }
    }
}

fn finish_all(ran: &mut Vec<Ran>, failure: Option<&StoreError>) {
    for job in ran.drain(..) {
        (job.finish)(failure);
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
