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
use std::collections::HashMap;
use tradewind_ledger::{Account, AccountId, Balances, Plan, Transfer, prefetch};

/// Accounts one transaction remembers at most (a group of 64 jobs of a few accounts
/// each stays far below; a batch of 1,000 transfers may name more).
const WRITTEN_ACCOUNTS_MAX: usize = 4_096;

thread_local! {
    /// The accounts the writer's open transaction has written, as written. Only this
    /// module writes `ledger_accounts` on the writer's connection, and group commit
    /// forgets them ([`forget_written_accounts`]) whenever a transaction begins or writes
    /// are rolled back, so each entry is what the row holds in the open transaction. The
    /// jobs of a group then read the accounts they share (a connector's clearing
    /// account, the platform's fee revenue, a busy merchant's balances) once per group
    /// instead of once per job.
    static WRITTEN: RefCell<HashMap<AccountId, Account>> = RefCell::new(HashMap::new());
}

/// Forgets what [`WRITTEN`] holds; the caller is beginning a transaction or rolling back.
pub(crate) fn forget_written_accounts() {
    WRITTEN.with(|written| written.borrow_mut().clear());
}

fn written_account(id: &AccountId) -> Option<Account> {
    WRITTEN.with(|written| written.borrow().get(id).cloned())
}

/// Remembers the accounts `plan` wrote, with the balances it wrote.
fn remember_written(loaded: &Loaded, plan: &Plan<'_>) {
    WRITTEN.with(|written| {
        let mut written = written.borrow_mut();
        if written.len() + plan.accounts().len() > WRITTEN_ACCOUNTS_MAX {
            written.clear();
        }
        for change in plan.accounts() {
            if let Some(account) = loaded.accounts.get(change.id) {
                written.insert(change.id.clone(), Account { balances: change.after, ..account.clone() });
            }
        }
    });
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
        return write_balances_on_writer(connection, &loaded, &plan);
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
    write_balances_on_writer(connection, &loaded, &plan)
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

/// Writes `plan`'s balances and resolved holds on the writer thread, then remembers the
/// accounts written (`loaded` holds them as read).
fn write_balances_on_writer(
    connection: &rusqlite::Connection,
    loaded: &Loaded,
    plan: &Plan<'_>,
) -> StoreResult<Posted> {
    // One writer: every account is current, so balances are written as they were
    // planned, by id, with the statement bound in place.
    let mut update = connection.prepare_cached(SET_BALANCES).map_err(sqlite_error)?;
    for change in plan.accounts() {
        let after = change.after;
        let changed = update
            .execute(rusqlite::params![
                after.debits_pending,
                after.debits_posted,
                after.credits_pending,
                after.credits_posted,
                change.id.as_str(),
            ])
            .map_err(sqlite_error)?;
        if changed != 1 {
            return Err(concurrent_change());
        }
    }
    let mut resolve = connection.prepare_cached(RESOLVE_PENDING_EXECUTE).map_err(sqlite_error)?;
    for change in plan.pending_changes() {
        let changed = resolve
            .execute(rusqlite::params![change.state.as_str(), change.pending_id.as_str()])
            .map_err(sqlite_error)?;
        if changed != 1 {
            return Err(concurrent_change());
        }
    }
    remember_written(loaded, plan);
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

    /// Jobs of one group read the accounts an earlier job wrote from memory. A refused
    /// job rolls the group back and its jobs run again, each in a savepoint: were what
    /// the first run wrote still remembered, the second run would add to it again.
    #[tokio::test]
    async fn remembered_accounts_do_not_outlive_a_rollback() {
        let (directory, _, store) = crate::temp_sqlite_store("written-accounts").await;
        store.migrate().await.unwrap();
        // Holding the writer slot keeps the thread at the group's first job while the rest queue.
        let slot = store.sqlite.as_ref().unwrap().lock.lock().await;
        let tasks = [
            queue(&store, transfer("t1", 100), true).await,
            // Posts, then is refused (as when a later statement of its job fails).
            queue(&store, transfer("t2", 50), false).await,
            queue(&store, transfer("t3", 25), true).await,
        ];
        drop(slot);
        let [first, second, third] = tasks;
        assert_eq!(first.await.unwrap().unwrap().created, 1);
        assert!(second.await.unwrap().is_ok(), "refused by its job, not by the ledger");
        assert_eq!(third.await.unwrap().unwrap().created, 1);
        let accounts = super::super::all_accounts(store.pool()).await.unwrap();
        let clearing = accounts.iter().find(|account| account.id.as_str() == CLEARING).unwrap();
        let revenue = accounts.iter().find(|account| account.id.as_str() == REVENUE).unwrap();
        assert_eq!(clearing.balances.debits_posted, 125, "t1 and t3 only");
        assert_eq!(revenue.balances.credits_posted, 125);
        let transfers = super::super::all_transfers(store.pool()).await.unwrap();
        let mut ids: Vec<&str> = transfers.iter().map(|stored| stored.transfer.id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["t1", "t3"]);
        // A later group reads the rows again and adds to them.
        queue(&store, transfer("t4", 5), true).await.await.unwrap().unwrap();
        let accounts = super::super::all_accounts(store.pool()).await.unwrap();
        let clearing = accounts.iter().find(|account| account.id.as_str() == CLEARING).unwrap();
        assert_eq!(clearing.balances.debits_posted, 130);
        store.close().await;
        let _ = std::fs::remove_dir_all(&directory);
    }
}
