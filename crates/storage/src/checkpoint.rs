//! WAL checkpoints off the request path (SQLite).
//!
//! SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL past 1,000
//! pages: it copies the WAL's pages into the database file and fsyncs it while the
//! group's callers wait for their answer. Ledger postings add WAL pages, so they bring
//! checkpoints sooner: with checkpoints turned off, payments with postings at concurrency
//! 1 went from about 0.82 to 0.90 of the figure without them.
//!
//! Here the writer connection's WAL hook replaces the automatic checkpoint. It records the
//! WAL's size after each commit; once the WAL has grown by [`CHECKPOINT_PAGES`] since
//! the last signal, the writer signals a thread of its own, which runs a PASSIVE checkpoint
//! on its own connection while writes go on. Such a checkpoint copies what it can without
//! waiting for anyone, but writes that land during it keep the WAL from starting over,
//! so under steady writes it could grow for ever. The hook therefore keeps a backstop:
//! past [`BACKSTOP_PAGES`] the committing writer checkpoints inline, as SQLite would, by
//! then copying only what the thread had not. The next write then restarts the WAL.
//!
//! The sqlx connections (an interactive transaction runs on one, holding the writer
//! slot) have no hook: they keep SQLite's automatic checkpoint, at the backstop's size
//! rather than SQLite's 1,000 pages (`SQLX_SQLITE_PRAGMAS`), so the WAL stays bounded
//! when only they write, and an interactive commit does not stop every queued write
//! for a whole checkpoint whenever the WAL is past 1,000 pages, as it was under load.

use std::cell::Cell;
use std::os::raw::c_int;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use rusqlite::Connection;
use rusqlite::hooks::Wal;

use crate::group_commit::sqlite_error;
use crate::{StoreError, StoreResult};

/// WAL growth, in pages, that calls for a checkpoint by the checkpoint thread (SQLite's
/// own automatic checkpoint threshold).
const CHECKPOINT_PAGES: i32 = 1_000;
/// The WAL size at which the committing writer checkpoints inline (32 MiB of 4 KiB pages).
pub(crate) const BACKSTOP_PAGES: i32 = 8 * CHECKPOINT_PAGES;

thread_local! {
    /// The WAL's size in pages after the last commit on this thread. Only the writer
    /// thread's connection has the hook, and each store has a writer thread of its own.
    static WAL_PAGES: Cell<i32> = const { Cell::new(0) };
}

/// Installs the hook on the writer's connection (replacing SQLite's automatic checkpoint).
fn install(connection: &Connection) {
    connection.wal_hook(Some(after_commit));
}

fn after_commit(wal: &Wal, pages: c_int) -> rusqlite::Result<()> {
    WAL_PAGES.with(|cell| cell.set(pages));
    if pages >= BACKSTOP_PAGES
        && let Err(error) = wal.checkpoint()
    {
        // An error here would fail the statement although its commit took place, so
        // it is logged only, as SQLite's own automatic checkpoint ignores it. Busy means
        // the checkpoint thread is copying right now: the next commit tries again.
        if error.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) {
            tracing::debug!(pages, "inline WAL checkpoint: the checkpoint thread is running");
        } else {
            tracing::warn!(%error, pages, "inline WAL checkpoint");
        }
    }
    Ok(())
}

/// The WAL's size after the last commit on this thread.
fn wal_pages() -> i32 {
    WAL_PAGES.with(Cell::get)
}

/// Whether a WAL of `pages` calls for a checkpoint, given the size at the last signal
/// (`signalled_at`, updated). A WAL smaller than at the last signal has started over.
fn due(pages: i32, signalled_at: &mut i32) -> bool {
    if pages < *signalled_at {
        *signalled_at = 0;
    }
    if pages >= signalled_at.saturating_add(CHECKPOINT_PAGES) {
        *signalled_at = pages;
        return true;
    }
    false
}

/// The writer's end: signals the checkpoint thread when [`due`].
pub(crate) struct Checkpoints {
    sender: SyncSender<()>,
    signalled_at: i32,
}

impl Checkpoints {
    /// Installs the WAL hook on `writer` (the connection to `path` that commits), opens a
    /// connection of its own to `path` and starts the checkpoint thread, which ends when
    /// this is dropped (with the writer thread).
    pub(crate) fn start(writer: &Connection, path: &str) -> StoreResult<Checkpoints> {
        install(writer);
        let connection = Connection::open(path).map_err(sqlite_error)?;
        // One signal waiting is enough: the checkpoint it starts covers all that came.
        let (sender, receiver) = sync_channel(1);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".to_owned())
            .spawn(move || run(&connection, &receiver))
            .map_err(StoreError::Directory)?;
        Ok(Checkpoints { sender, signalled_at: 0 })
    }

    /// Called by the writer after each commit.
    pub(crate) fn after_commit(&mut self) {
        if due(wal_pages(), &mut self.signalled_at) {
            // Full: a signal is already waiting.
            let _ = self.sender.try_send(());
        }
    }
}

fn run(connection: &Connection, signals: &Receiver<()>) {
    while signals.recv().is_ok() {
        if let Err(error) = checkpoint(connection) {
            tracing::warn!(%error, "background WAL checkpoint");
        }
    }
}

/// What a checkpoint found and did, in WAL pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Checkpointed {
    in_wal: i64,
    copied: i64,
}

/// Runs a PASSIVE checkpoint on `connection`: copies every page no reader still needs
/// into the database file, waiting for no one.
fn checkpoint(connection: &Connection) -> StoreResult<Checkpointed> {
    connection
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            Ok(Checkpointed { in_wal: row.get(1)?, copied: row.get(2)? })
        })
        .map_err(sqlite_error)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn sqlx_connections_checkpoint_at_the_backstop() {
        let pragma = format!("PRAGMA wal_autocheckpoint = {BACKSTOP_PAGES};");
        assert!(crate::SQLX_SQLITE_PRAGMAS.ends_with(&pragma), "{}", *crate::SQLX_SQLITE_PRAGMAS);
    }

    #[tokio::test]
    async fn an_interactive_commit_leaves_the_checkpoint_to_the_thread() {
        let (directory, path, store) = crate::temp_sqlite_store("checkpoint-interactive").await;
        let mut transaction = store.begin().await.unwrap();
        let connection = transaction.connection();
        sqlx::query("CREATE TABLE pages (body BLOB NOT NULL)").execute(&mut *connection).await.unwrap();
        for _ in 0..1_200 {
            sqlx::query("INSERT INTO pages (body) VALUES (zeroblob(4000))").execute(&mut *connection).await.unwrap();
        }
        transaction.commit().await.unwrap();
        // Past SQLite's own threshold: its automatic checkpoint would have copied the
        // 1,200 pages into the file before the commit returned, holding the writer slot.
        let file_bytes = std::fs::metadata(&path).unwrap().len();
        assert!(file_bytes < 1_000_000, "the interactive commit checkpointed: {file_bytes} bytes");
        drop(store);
        let _ = std::fs::remove_dir_all(&directory);
    }

    #[test]
    fn signals_once_per_thousand_pages_and_again_after_the_wal_starts_over() {
        let mut at = 0;
        assert!(!due(0, &mut at));
        assert!(!due(999, &mut at));
        assert!(due(1_000, &mut at));
        assert_eq!(at, 1_000);
        assert!(!due(1_500, &mut at), "signalled already for this thousand");
        assert!(!due(1_999, &mut at));
        assert!(due(2_400, &mut at), "the WAL kept growing: signal again");
        assert!(!due(12, &mut at), "the WAL started over");
        assert_eq!(at, 0);
        assert!(due(1_003, &mut at));
    }

    fn database(name: &str) -> (std::path::PathBuf, Connection) {
        let directory = std::env::temp_dir().join(format!("tradewind-checkpoint-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&directory);
        std::fs::create_dir_all(&directory).unwrap();
        let path = directory.join("db.sqlite");
        let connection = Connection::open(&path).unwrap();
        connection.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())).unwrap();
        connection.execute_batch("PRAGMA synchronous = NORMAL; CREATE TABLE pages (body BLOB NOT NULL);").unwrap();
        install(&connection);
        (path, connection)
    }

    /// Writes about `pages` WAL pages in one transaction.
    fn write_pages(connection: &Connection, pages: usize) {
        connection.execute_batch("BEGIN").unwrap();
        for _ in 0..pages {
            connection.execute("INSERT INTO pages (body) VALUES (zeroblob(4000))", []).unwrap();
        }
        connection.execute_batch("COMMIT").unwrap();
    }

    #[test]
    fn the_writer_leaves_the_wal_to_the_checkpoint_thread_until_the_backstop() {
        let (path, writer) = database("thread");
        // Past SQLite's own threshold, nothing was checkpointed inline.
        write_pages(&writer, 1_200);
        let pages = wal_pages();
        assert!((CHECKPOINT_PAGES..BACKSTOP_PAGES).contains(&pages), "{pages} pages");
        let file_bytes = || std::fs::metadata(&path).unwrap().len();
        assert!(file_bytes() < 100_000, "the commit copied pages into the file: {} bytes", file_bytes());
        let mut at = 0;
        assert!(due(pages, &mut at));
        // The checkpoint thread's connection copies every page.
        let other = Connection::open(&path).unwrap();
        let done = checkpoint(&other).unwrap();
        assert_eq!(done.in_wal, i64::from(pages));
        assert_eq!(done.copied, done.in_wal);
        assert!(file_bytes() > 4_000_000, "{} bytes", file_bytes());
        // So the next write starts the WAL over.
        write_pages(&writer, 1);
        assert!(wal_pages() < 10, "{} pages", wal_pages());
        assert!(!due(wal_pages(), &mut at));
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn past_the_backstop_the_writer_checkpoints_inline() {
        let (path, writer) = database("backstop");
        write_pages(&writer, 8_200);
        assert!(wal_pages() >= BACKSTOP_PAGES, "{} pages", wal_pages());
        // The inline checkpoint copied everything, so the next write starts over
        // without any other connection's help.
        write_pages(&writer, 1);
        assert!(wal_pages() < 10, "{} pages", wal_pages());
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
