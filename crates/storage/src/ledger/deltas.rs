//! PostgreSQL's account deltas: a posting's changes to accounts it does not lock are
//! rows of `ledger_account_deltas` (on SQLite, increments of the rows), and the fold
//! adds them into their accounts in the background (see the parent module).

use super::{INCREMENT_BALANCES, concurrent_change, is_locked, numbered};
use crate::{Backend, Connection, StoreResult};
use tradewind_ledger::{AccountChange, AccountId, Plan};

/// Rows one delta insert carries (5 parameters each).
const DELTA_ROWS_PER_INSERT: usize = 500;
macro_rules! delta_columns {
    () => {
        "(account_id, debits_pending, debits_posted, credits_pending, credits_posted)"
    };
}
/// A delta row's columns, in the order its values are bound.
pub(super) const DELTA_COLUMNS: &str = delta_columns!();
pub(super) const INSERT_DELTAS_HEAD: &str = concat!("INSERT INTO ledger_account_deltas ", delta_columns!());

fn insert_deltas_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows).map(|row| numbered(row * 5, 5)).collect();
    format!("{INSERT_DELTAS_HEAD} VALUES {}", values.join(", "))
}

/// What `change` adds to its account's four totals (debits pending and posted, credits
/// pending and posted).
pub(super) fn delta_of(change: &AccountChange<'_>) -> [i64; 4] {
    let (after, before) = (change.after, change.before);
    [
        after.debits_pending - before.debits_pending,
        after.debits_posted - before.debits_posted,
        after.credits_pending - before.credits_pending,
        after.credits_posted - before.credits_posted,
    ]
}

/// The changes of `plan`'s accounts written by increments, in id order, as four deltas.
pub(super) fn increments<'p, 'a>(plan: &'p Plan<'a>) -> impl Iterator<Item = (&'a AccountId, [i64; 4])> + 'p {
    plan.accounts().iter().filter(|change| !is_locked(plan, change)).map(|change| (change.id, delta_of(change)))
}

/// `plan`'s increments as one PostgreSQL delta insert with its values written in (no
/// parameters: it travels with the `COMMIT` in one simple query, see
/// [`crate::final_commit`]).
pub(super) fn closing_increments_sql(plan: &Plan<'_>) -> Option<String> {
    let rows: Vec<String> = increments(plan)
        .map(|(id, delta)| {
            // Account ids are parsed (letters, digits, `_` and `:`); quotes are doubled anyway.
            let id = id.as_str().replace('\'', "''");
            let [debits_pending, debits_posted, credits_pending, credits_posted] = delta;
            format!(
                "('{id}', ({debits_pending})::BIGINT, ({debits_posted})::BIGINT, ({credits_pending})::BIGINT, \
                 ({credits_posted})::BIGINT)"
            )
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    Some(format!("{INSERT_DELTAS_HEAD} VALUES {}", rows.join(", ")))
}

/// Writes the changes of `plan`'s unlocked accounts: on PostgreSQL as delta rows (one
/// statement per 500 accounts; no row lock), on SQLite as increments of the rows, which
/// its one writer holds anyway.
pub(super) async fn increment_accounts(
    connection: &mut Connection,
    backend: Backend,
    plan: &Plan<'_>,
) -> StoreResult<()> {
    let changes: Vec<(&AccountId, [i64; 4])> = increments(plan).collect();
    if backend == Backend::Postgres {
        for chunk in changes.chunks(DELTA_ROWS_PER_INSERT) {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(insert_deltas_sql(chunk.len())));
            for (id, delta) in chunk {
                query = query.bind(id.as_str());
                for value in delta {
                    query = query.bind(*value);
                }
            }
            query.execute(&mut *connection).await?;
        }
        return Ok(());
    }
    for (id, [debits_pending, debits_posted, credits_pending, credits_posted]) in changes {
        let rows = sqlx::query(INCREMENT_BALANCES)
            .bind(debits_pending)
            .bind(debits_posted)
            .bind(credits_pending)
            .bind(credits_posted)
            .bind(id.as_str())
            .fetch_all(&mut *connection)
            .await?;
        if rows.len() != 1 {
            return Err(concurrent_change());
        }
    }
    Ok(())
}

/// The fold: the accounts with deltas are locked in id order (the order every writer
/// locks in), then the deltas visible now are deleted and their sums added to their
/// accounts, in one statement. Deltas committed meanwhile stay for the next fold.
const FOLD_DELTAS: &str = "WITH locked AS MATERIALIZED (SELECT id FROM ledger_accounts \
    WHERE id IN (SELECT account_id FROM ledger_account_deltas) ORDER BY id FOR UPDATE), \
    folded AS (DELETE FROM ledger_account_deltas WHERE account_id IN (SELECT id FROM locked) \
    RETURNING account_id, debits_pending, debits_posted, credits_pending, credits_posted), \
    sums AS (SELECT account_id, SUM(debits_pending) AS debits_pending, SUM(debits_posted) AS debits_posted, \
    SUM(credits_pending) AS credits_pending, SUM(credits_posted) AS credits_posted FROM folded GROUP BY account_id), \
    updated AS (UPDATE ledger_accounts SET debits_pending = ledger_accounts.debits_pending + sums.debits_pending, \
    debits_posted = ledger_accounts.debits_posted + sums.debits_posted, \
    credits_pending = ledger_accounts.credits_pending + sums.credits_pending, \
    credits_posted = ledger_accounts.credits_posted + sums.credits_posted \
    FROM sums WHERE ledger_accounts.id = sums.account_id RETURNING ledger_accounts.id) \
    SELECT CAST(COUNT(*) AS BIGINT) FROM folded";

/// Adds the unfolded deltas (PostgreSQL) into their accounts; answers how many were
/// folded. Balances read the same before and after: the fold only keeps the delta table
/// short, so reads stay cheap. Nothing to do on SQLite.
pub async fn fold_deltas(store: &crate::Store) -> StoreResult<u64> {
    if store.backend() != Backend::Postgres {
        return Ok(0);
    }
    let folded: i64 = sqlx::query_scalar(FOLD_DELTAS).fetch_one(store.pool()).await?;
    Ok(u64::try_from(folded).unwrap_or(0))
}

/// Folded delta rows between two [`vacuum_deltas`] (PostgreSQL).
pub const DELTAS_VACUUM_AFTER_ROWS: u64 = 20_000;

/// Reclaims the space of the delta rows folds deleted (PostgreSQL; nothing on SQLite).
/// Every capture inserts a handful and the fold deletes them a quarter of a second
/// later, so the table is all dead rows but for the last fold's worth; autovacuum
/// reclaims them where it runs, and this keeps the table small where it does not (a
/// server with `autovacuum = off`: the fold, which scans the table, would otherwise
/// scan every row ever folded). A plain `VACUUM`: it takes no lock that writers wait
/// on, and gives the file's empty tail back to the system.
pub async fn vacuum_deltas(store: &crate::Store) -> StoreResult<()> {
    if store.backend() != Backend::Postgres {
        return Ok(());
    }
    // Outside any transaction (VACUUM cannot run in one), in the simple protocol.
    sqlx::raw_sql("VACUUM ledger_account_deltas").execute(store.pool()).await?;
    Ok(())
}

/// Counts folded rows and tells when the next [`vacuum_deltas`] is due: after
/// [`DELTAS_VACUUM_AFTER_ROWS`] folded rows since the last.
#[derive(Debug, Default)]
pub struct VacuumDue {
    folded_since: u64,
}

impl VacuumDue {
    /// Adds `folded` rows; answers whether to vacuum now (and starts counting again).
    pub fn after_fold(&mut self, folded: u64) -> bool {
        self.folded_since = self.folded_since.saturating_add(folded);
        if self.folded_since < DELTAS_VACUUM_AFTER_ROWS {
            return false;
        }
        self.folded_since = 0;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vacuum_is_due_once_enough_rows_were_folded_since_the_last() {
        let mut due = VacuumDue::default();
        assert!(!due.after_fold(0));
        assert!(!due.after_fold(DELTAS_VACUUM_AFTER_ROWS - 1));
        assert!(due.after_fold(1));
        // Counting starts again.
        assert!(!due.after_fold(DELTAS_VACUUM_AFTER_ROWS / 2));
        assert!(due.after_fold(DELTAS_VACUUM_AFTER_ROWS));
        assert!(!due.after_fold(0));
    }
}
