//! A PostgreSQL transaction whose last statement travels with its `COMMIT`.
//!
//! A payment's ledger postings end with the insert of its accounts' deltas (see
//! [`crate::ledger`]); sent with the `COMMIT` as one simple query (`…; COMMIT`), it costs
//! no round trip of its own. sqlx's `Transaction` cannot commit that way, so this one is
//! kept by hand: `BEGIN` on a pooled connection, and a connection dropped with its
//! transaction open is closed rather than returned to the pool (the server then rolls
//! the transaction back).

use crate::{Connection, StoreResult};
use sqlx::Any;
use sqlx::pool::PoolConnection;

pub(crate) struct FinalCommit {
    connection: PoolConnection<Any>,
    open: bool,
}

impl FinalCommit {
    pub(crate) async fn begin(pool: &sqlx::AnyPool) -> StoreResult<FinalCommit> {
        let connection = pool.acquire().await?;
        let mut transaction = FinalCommit { connection, open: true };
        sqlx::raw_sql("BEGIN").execute(transaction.connection()).await?;
        Ok(transaction)
    }

    pub(crate) fn connection(&mut self) -> &mut Connection {
        &mut self.connection
    }

    /// Runs `last` (statements without parameters, or nothing) and `COMMIT` in one round
    /// trip. If `last` fails, the server skips the `COMMIT` and the transaction is
    /// rolled back when the connection closes.
    pub(crate) async fn commit_after(mut self, last: Option<String>) -> StoreResult<()> {
        let sql = match last {
            Some(last) => format!("{last}; COMMIT"),
            None => "COMMIT".to_owned(),
        };
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(self.connection()).await?;
        self.open = false;
        Ok(())
    }
}

impl Drop for FinalCommit {
    fn drop(&mut self) {
        if self.open {
            self.connection.close_on_drop();
        }
    }
}
