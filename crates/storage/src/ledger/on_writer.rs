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
use tradewind_ledger::{Account, Balances, Plan, Transfer, prefetch};

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
        return write_balances_on_writer(connection, &plan);
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
    write_balances_on_writer(connection, &plan)
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

/// Writes `plan`'s balances and resolved holds on the writer thread.
fn write_balances_on_writer(connection: &rusqlite::Connection, plan: &Plan<'_>) -> StoreResult<Posted> {
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
    Ok(Posted { created: plan.created(), existed: plan.existed() })
}
