//! SQLite's one writer slot, and the sqlx connection that interactive write
//! transactions use.
//!
//! SQLite allows one writer at a time. Writers queue here, in-process, on one mutex
//! ([`WriterLock`]) instead of retrying on `SQLITE_BUSY`. Whoever holds it writes: an
//! interactive transaction ([`WriterTransaction`], through [`crate::Store::begin`]) on
//! the sqlx connection kept for writing (outside the readers' pool, so the transaction
//! holding the write lock never waits behind readers for a connection), or a group
//! commit on the writer thread (`group_commit`).

use crate::Connection;
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMappedMutexGuard};

/// The writer connection. `None` in the mutex once the store is closed.
pub(crate) struct Writer {
    pub(crate) connection: Connection,
    /// A transaction may be open on `connection`: set before `BEGIN`, cleared after
    /// `COMMIT` or `ROLLBACK`, so a transaction abandoned at any point (an error, a
    /// cancelled request) is rolled back before the next one begins.
    pub(crate) may_be_open: bool,
}

pub(crate) type WriterLock = Arc<Mutex<Option<Writer>>>;

impl Writer {
    pub(crate) async fn roll_back(&mut self) {
        // SQLite refuses a ROLLBACK when no transaction is open, which is fine here.
        if let Err(error) = sqlx::query("ROLLBACK").execute(&mut self.connection).await {
            tracing::debug!(%error, "rollback on the SQLite writer connection");
        }
        self.may_be_open = false;
    }
}

/// The SQLite writer, held for one interactive transaction; dropped uncommitted, it
/// is rolled back.
pub(crate) struct WriterTransaction {
    pub(crate) writer: OwnedMappedMutexGuard<Option<Writer>, Writer>,
    pub(crate) lock: WriterLock,
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
