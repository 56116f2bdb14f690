//! The ledger's executor on SQLite's writer thread: the four steps of the parent module
//! over rusqlite, inside the caller's group transaction (see `group_commit`), with no
//! thread hop per statement.

use super::{
    AccountRow, DELETE_TRANSFER, INSERT_ACCOUNT, INSERT_TRANSFER, INSERT_TRANSFER_IF_NEW, Loaded, Posted,
    RESOLVE_PENDING_EXECUTE, SELECT_ACCOUNT_BY_ID, SELECT_TRANSFER_BY_ID, SET_BALANCES, TransferRow, account_from_row,
    checked_plan, concurrent_change, insert_account_values, transfer_columns, transfer_from_row,
};
use crate::StoreResult;
use crate::group_commit::{run_statement, sqlite_error};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use tradewind_ledger::{Account, AccountId, Balances, Plan, Transfer, prefetch};

/// Accounts one transaction remembers at most (a group of 64 jobs of a few accounts
/// each stays far below; a batch of 1,000 transfers may name more).
const WRITTEN_ACCOUNTS_MAX: usize = 4_096;

/// The accounts the writer's open transaction has changed, as changed.
#[derive(Default)]
struct Written {
    accounts: HashMap<AccountId, Account>,
    /// Those whose row does not hold their balances yet ([`write_deferred_balances`]).
    unwritten: HashSet<AccountId>,
}

thread_local! {
    /// The accounts the writer's open transaction has changed. Only this module writes
    /// `ledger_accounts` on the writer's connection, and group commit forgets them
    /// ([`forget_written_accounts`]) whenever a transaction begins or writes are rolled
    /// back, so each entry is what the row holds in the open transaction, or will hold
    /// once its balances are written. The jobs of a group then read the accounts they
    /// share (a connector's clearing account, the platform's fee revenue, a busy
    /// merchant's balances) once per group instead of once per job, and write each once
    /// per group: group commit calls [`write_deferred_balances`] before it commits and
    /// before each savepoint, the only points where rows must hold what memory holds.
    static WRITTEN: RefCell<Written> = RefCell::new(Written::default());
}

/// Forgets what [`WRITTEN`] holds; the caller is beginning a transaction or rolling back
/// (which undoes the rows, so balances not written yet are undone with them).
pub(crate) fn forget_written_accounts() {
    WRITTEN.with(|written| {
        let mut written = written.borrow_mut();
        written.accounts.clear();
        written.unwritten.clear();
    });
}

fn written_account(id: &AccountId) -> Option<Account> {
    WRITTEN.with(|written| written.borrow().accounts.get(id).cloned())
}

/// Writes the balances the open transaction's postings changed into their rows, one
/// update per account however many postings of the group changed it.
pub(crate) fn write_deferred_balances(connection: &rusqlite::Connection) -> StoreResult<()> {
    let unwritten: Vec<(AccountId, Balances)> = WRITTEN.with(|written| {
        let mut written = written.borrow_mut();
        let Written { accounts, unwritten } = &mut *written;
        unwritten.drain().filter_map(|id| accounts.get(&id).map(|account| (id, account.balances))).collect()
    });
    if unwritten.is_empty() {
        return Ok(());
    }
    let mut update = connection.prepare_cached(SET_BALANCES).map_err(sqlite_error)?;
    for (id, balances) in unwritten {
        let changed = update
            .execute(rusqlite::params![
                balances.debits_pending,
                balances.debits_posted,
                balances.credits_pending,
                balances.credits_posted,
                id.as_str(),
            ])
            .map_err(sqlite_error)?;
        if changed != 1 {
            return Err(concurrent_change());
        }
    }
    Ok(())
}

/// Remembers the accounts `plan` changed, with their new balances, to be written by
/// [`write_deferred_balances`] (`loaded` holds them as read).
fn remember_written(connection: &rusqlite::Connection, loaded: &Loaded, plan: &Plan<'_>) -> StoreResult<()> {
    let full = WRITTEN.with(|written| written.borrow().accounts.len() + plan.accounts().len() > WRITTEN_ACCOUNTS_MAX);
    if full {
        write_deferred_balances(connection)?;
        forget_written_accounts();
    }
    WRITTEN.with(|written| {
        let mut written = written.borrow_mut();
        for change in plan.accounts() {
            let account = loaded.accounts.get(change.id).ok_or_else(concurrent_change)?;
            written.accounts.insert(change.id.clone(), Account { balances: change.after, ..account.clone() });
            written.unwritten.insert(change.id.clone());
        }
        Ok(())
    })
}

/// Posts `batch` on SQLite's writer thread, inside the caller's group transaction.
pub(crate) fn post_on_writer(connection: &rusqlite::Connection, batch: &[Transfer], now: i64) -> StoreResult<Posted> {
    if batch.is_empty() {
        return Ok(Posted::default());
    }
    let wanted = prefetch(batch);
    let mut loaded = Loaded::default();
    // One indexed lookup per id, not `id IN (…)`: SQLite fills an ephemeral B-tree with
    // an `IN` list's values on every run (a pager opened and freed per statement), which
    // cost more than the few lookups a posting makes (a payment names five accounts).
    let mut select = connection.prepare_cached(SELECT_ACCOUNT_BY_ID).map_err(sqlite_error)?;
    for id in &wanted.accounts {
        if let Some(account) = written_account(id) {
            loaded.accounts.insert((*id).clone(), account);
            continue;
        }
        let mut rows = select.query([id.as_str()]).map_err(sqlite_error)?;
        if let Some(row) = rows.next().map_err(sqlite_error)? {
            let account = account_from_row(AccountRow {
                id: row.get(0).map_err(sqlite_error)?,
                flags: row.get(1).map_err(sqlite_error)?,
                negative_limit_minor: row.get(2).map_err(sqlite_error)?,
                balances: Balances {
                    debits_pending: row.get(3).map_err(sqlite_error)?,
                    debits_posted: row.get(4).map_err(sqlite_error)?,
                    credits_pending: row.get(5).map_err(sqlite_error)?,
                    credits_posted: row.get(6).map_err(sqlite_error)?,
                },
            })?;
            loaded.accounts.insert(account.id.clone(), account);
        }
    }
    for id in &wanted.accounts {
        if !loaded.accounts.contains_key(*id) {
            let account = Account::open((*id).clone());
            run_statement(connection, INSERT_ACCOUNT, &insert_account_values(&account, now))?;
            loaded.accounts.insert((*id).clone(), account);
        }
    }
    // A batch that resolves no hold (a capture) is planned without reading the stored
    // transfers: its inserts skip ids already written, and if there was one (a replay),
    // what was inserted is deleted again and the batch is planned with them.
    // A refusal is not final either: a replayed transfer is a no-op, not a new debit.
    if batch.iter().all(|transfer| transfer.kind.pending_id().is_none())
        && let Ok(plan) = checked_plan(&loaded, batch)
        && insert_on_writer(connection, &plan, now, true)?
    {
        return resolve_and_remember(connection, &loaded, &plan);
    }
    let mut select = connection.prepare_cached(SELECT_TRANSFER_BY_ID).map_err(sqlite_error)?;
    for id in &wanted.transfers {
        let mut rows = select.query([id.as_str()]).map_err(sqlite_error)?;
        if let Some(row) = rows.next().map_err(sqlite_error)? {
            let stored = transfer_from_row(TransferRow {
                id: row.get(0).map_err(sqlite_error)?,
                debit_account_id: row.get(1).map_err(sqlite_error)?,
                credit_account_id: row.get(2).map_err(sqlite_error)?,
                amount_minor: row.get(3).map_err(sqlite_error)?,
                currency: row.get(4).map_err(sqlite_error)?,
                code: row.get(5).map_err(sqlite_error)?,
                kind: row.get(6).map_err(sqlite_error)?,
                pending_id: row.get(7).map_err(sqlite_error)?,
                pending_state: row.get(8).map_err(sqlite_error)?,
                source_id: row.get(9).map_err(sqlite_error)?,
            })?;
            loaded.transfers.insert(stored.transfer.id.clone(), stored);
        }
    }
    let plan = checked_plan(&loaded, batch)?;
    insert_on_writer(connection, &plan, now, false)?;
    resolve_and_remember(connection, &loaded, &plan)
}

/// Inserts `plan`'s new transfers on the writer thread; `optimistic` as in
/// [`insert_transfers`]: answers `false`, with nothing inserted, when an id was written.
fn insert_on_writer(
    connection: &rusqlite::Connection,
    plan: &Plan<'_>,
    now: i64,
    optimistic: bool,
) -> StoreResult<bool> {
    let sql = if optimistic { INSERT_TRANSFER_IF_NEW } else { INSERT_TRANSFER };
    let mut insert = connection.prepare_cached(sql).map_err(sqlite_error)?;
    for (index, planned) in plan.transfers().iter().enumerate() {
        let row = transfer_columns(planned);
        let inserted = insert
            .execute(rusqlite::params![
                row.id,
                row.debit_account_id,
                row.credit_account_id,
                row.amount_minor,
                row.currency,
                row.code,
                row.kind,
                row.pending_id,
                row.pending_state,
                row.source_id,
                now,
            ])
            .map_err(sqlite_error)?;
        if inserted == 0 {
            let mut delete = connection.prepare_cached(DELETE_TRANSFER).map_err(sqlite_error)?;
            for earlier in &plan.transfers()[..index] {
                delete.execute([earlier.transfer.id.as_str()]).map_err(sqlite_error)?;
            }
            return Ok(false);
        }
    }
    Ok(true)
}

/// Writes `plan`'s resolved holds on the writer thread and remembers its accounts'
/// balances, written before the group commits (`loaded` holds them as read).
fn resolve_and_remember(connection: &rusqlite::Connection, loaded: &Loaded, plan: &Plan<'_>) -> StoreResult<Posted> {
    let mut resolve = connection.prepare_cached(RESOLVE_PENDING_EXECUTE).map_err(sqlite_error)?;
    for change in plan.pending_changes() {
        let changed = resolve
            .execute(rusqlite::params![change.state.as_str(), change.pending_id.as_str()])
            .map_err(sqlite_error)?;
        if changed != 1 {
            return Err(concurrent_change());
        }
    }
    // One writer: every account is current, so its balances are kept as planned and
    // written once per group.
    remember_written(connection, loaded, plan)?;
    Ok(Posted { created: plan.created(), existed: plan.existed() })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use tradewind_ledger::{TransferCode, TransferId};

    const CLEARING: &str = "connector:sandbox_card:clearing:USD";
    const REVENUE: &str = "platform:fee_revenue:USD";

    fn transfer(id: &str, amount_minor: i64) -> Transfer {
        Transfer::single(
            TransferId::parse(id).unwrap(),
            AccountId::parse(CLEARING).unwrap(),
            AccountId::parse(REVENUE).unwrap(),
            amount_minor,
            TransferCode::Adjustment,
        )
    }

    /// Queues a job posting `transfer` that keeps its writes or not, as `keep` says.
    async fn queue(
        store: &crate::Store,
        transfer: Transfer,
        keep: bool,
    ) -> tokio::task::JoinHandle<StoreResult<Posted>> {
        let group = store.sqlite.as_ref().unwrap().group.clone();
        let task = tokio::spawn(async move {
            group
                .run(move |connection| match post_on_writer(connection, std::slice::from_ref(&transfer), 1) {
                    Ok(posted) => (keep, Ok(posted)),
                    Err(error) => (false, Err(error)),
                })
                .await
        });
        // On this test's single thread the task runs to its send, and waits for its answer.
        tokio::task::yield_now().await;
        task
    }

    /// Posts each of `jobs` (a transfer, and whether its job keeps its writes) in one
    /// group: holding the writer slot keeps the thread at the group's first job while the
    /// rest queue. Answers each job's outcome, in order.
    async fn one_group(store: &crate::Store, jobs: [(Transfer, bool); 3]) -> Vec<StoreResult<Posted>> {
        let slot = store.sqlite.as_ref().unwrap().lock.lock().await;
        let mut tasks = Vec::new();
        for (transfer, keep) in jobs {
            tasks.push(queue(store, transfer, keep).await);
        }
        drop(slot);
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.unwrap());
        }
        outcomes
    }

    /// An account's balances as stored.
    async fn stored_balances(store: &crate::Store, id: &str) -> Balances {
        let accounts = super::super::all_accounts(store.pool()).await.unwrap();
        accounts.into_iter().find(|account| account.id.as_str() == id).unwrap().balances
    }

    /// Rows the writer's connection has inserted, updated or deleted since it opened.
    async fn rows_changed(store: &crate::Store) -> u64 {
        let group = store.sqlite.as_ref().unwrap().group.clone();
        group.run(|connection| (true, Ok(connection.total_changes()))).await.unwrap()
    }

    /// A group whose jobs all post to the same two accounts writes each account's row
    /// once, with the group's last balances, when it commits.
    #[tokio::test]
    async fn a_group_writes_each_account_it_changed_once() {
        let (directory, _, store) = crate::temp_sqlite_store("accounts-written-once").await;
        store.migrate().await.unwrap();
        let before = rows_changed(&store).await;
        let jobs = [(transfer("t1", 100), true), (transfer("t2", 50), true), (transfer("t3", 25), true)];
        for outcome in one_group(&store, jobs).await {
            assert_eq!(outcome.unwrap().created, 1);
        }
        // Three transfers, two accounts opened, and one update of each account (not three).
        assert_eq!(rows_changed(&store).await - before, 3 + 2 + 2);
        assert_eq!(stored_balances(&store, CLEARING).await.debits_posted, 175);
        assert_eq!(stored_balances(&store, REVENUE).await.credits_posted, 175);
        store.close().await;
        let _ = std::fs::remove_dir_all(&directory);
    }

    /// Jobs of one group read the accounts an earlier job wrote from memory. A refused
    /// job rolls the group back and its jobs run again, each in a savepoint: were what
    /// the first run wrote still remembered, the second run would add to it again.
    #[tokio::test]
    async fn remembered_accounts_do_not_outlive_a_rollback() {
        let (directory, _, store) = crate::temp_sqlite_store("written-accounts").await;
        store.migrate().await.unwrap();
        // The second job posts, then is refused (as when a later statement of its job fails).
        let jobs = [(transfer("t1", 100), true), (transfer("t2", 50), false), (transfer("t3", 25), true)];
        let outcomes = one_group(&store, jobs).await;
        assert_eq!(outcomes[0].as_ref().unwrap().created, 1);
        assert!(outcomes[1].is_ok(), "refused by its job, not by the ledger");
        assert_eq!(outcomes[2].as_ref().unwrap().created, 1);
        assert_eq!(stored_balances(&store, CLEARING).await.debits_posted, 125, "t1 and t3 only");
        assert_eq!(stored_balances(&store, REVENUE).await.credits_posted, 125);
        let transfers = super::super::all_transfers(store.pool()).await.unwrap();
        let mut ids: Vec<&str> = transfers.iter().map(|stored| stored.transfer.id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["t1", "t3"]);
        // A later group reads the rows again and adds to them.
        queue(&store, transfer("t4", 5), true).await.await.unwrap().unwrap();
        assert_eq!(stored_balances(&store, CLEARING).await.debits_posted, 130);
        store.close().await;
        let _ = std::fs::remove_dir_all(&directory);
    }
}
