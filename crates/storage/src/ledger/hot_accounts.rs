//! The platform's and connectors' ledger accounts, kept in memory for the length of
//! one group commit on SQLite's writer thread.
//!
//! Every capture moves a connector's clearing account, the platform's fee revenue and
//! the fees-paid control account: a handful of rows that every payment of every
//! merchant updates. Within one group commit of sixteen payments that is sixteen
//! `UPDATE`s of the same row. Here those accounts are read once per group, their
//! balances advanced in memory job by job, and written once, just before the group's
//! `COMMIT`. Nothing outside the group can see the difference: the writer thread holds
//! SQLite's only write lock for the whole group, readers see only committed data, and
//! the rows are written before the commit.
//!
//! Each job's changes are staged apart from the group's: a job whose savepoint is rolled
//! back drops its staged balances with the rest of its writes. A group that fails drops
//! everything. Merchants' accounts are not kept: statements in batches may change them
//! (a negative-balance limit), and their limit checks must read the stored row.
//!
//! The state is the writer thread's own (a thread-local); on any other thread, or
//! outside a group, [`is_active`] is false and the ledger writes rows directly.

use super::SET_BALANCES;
use crate::StoreResult;
use crate::group_commit::sqlite_error;
use std::cell::RefCell;
use std::collections::HashMap;
use tradewind_ledger::{Account, AccountId, AccountScope};

#[derive(Default)]
struct Group {
    /// Balances as of the jobs kept so far; `true` when they differ from the row.
    kept: HashMap<AccountId, (Account, bool)>,
    /// The running job's changes, kept or dropped when it ends.
    staged: HashMap<AccountId, Account>,
}

thread_local! {
    static GROUP: RefCell<Option<Group>> = const { RefCell::new(None) };
}

/// Whether `id` is an account this module keeps: one of the platform's or a
/// connector's, shared by every merchant's payments.
pub(crate) fn is_hot(id: &AccountId) -> bool {
    id.kind().scope() != AccountScope::Merchant
}

/// Whether a group is open on this thread.
pub(crate) fn is_active() -> bool {
    GROUP.with(|group| group.borrow().is_some())
}

/// Opens a group: called after `BEGIN`.
pub(crate) fn begin_group() {
    GROUP.with(|group| *group.borrow_mut() = Some(Group::default()));
}

/// Ends the running job: its staged balances join the group's when `keep`.
pub(crate) fn end_job(keep: bool) {
    GROUP.with(|group| {
        if let Some(group) = group.borrow_mut().as_mut() {
            let staged = std::mem::take(&mut group.staged);
            if keep {
                for (id, account) in staged {
                    group.kept.insert(id, (account, true));
                }
            }
        }
    });
}

/// The account as the group knows it: the running job's balances, else the kept ones.
pub(crate) fn get(id: &AccountId) -> Option<Account> {
    GROUP.with(|group| {
        let group = group.borrow();
        let group = group.as_ref()?;
        group.staged.get(id).or_else(|| group.kept.get(id).map(|(account, _)| account)).cloned()
    })
}

/// Records `account` as read from its row (unchanged), so later jobs skip the read.
pub(crate) fn remember(account: &Account) {
    GROUP.with(|group| {
        if let Some(group) = group.borrow_mut().as_mut() {
            group.kept.entry(account.id.clone()).or_insert_with(|| (account.clone(), false));
        }
    });
}

/// Stages the running job's new balances of `account`.
pub(crate) fn stage(account: Account) {
    GROUP.with(|group| {
        if let Some(group) = group.borrow_mut().as_mut() {
            group.staged.insert(account.id.clone(), account);
        }
    });
}

/// Writes every changed account's balances and closes the group: called before
/// `COMMIT`. On an error the caller rolls the group back.
pub(crate) fn flush(connection: &rusqlite::Connection) -> StoreResult<()> {
    let Some(group) = GROUP.with(|group| group.borrow_mut().take()) else {
        return Ok(());
    };
    let mut update = connection.prepare_cached(SET_BALANCES).map_err(sqlite_error)?;
    for (account, changed) in group.kept.values() {
        if !changed {
            continue;
        }
        let balances = account.balances;
        let updated = update
            .execute(rusqlite::params![
                balances.debits_pending,
                balances.debits_posted,
                balances.credits_pending,
                balances.credits_posted,
                account.id.as_str(),
            ])
            .map_err(sqlite_error)?;
        if updated != 1 {
            return Err(super::concurrent_change());
        }
    }
    Ok(())
}

/// Drops the group's state without writing it: the group is rolled back.
pub(crate) fn abandon() {
    GROUP.with(|group| *group.borrow_mut() = None);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use tradewind_ledger::{AccountKind, Balances};
    use tradewind_money::Currency;

    fn revenue() -> Account {
        Account::open(AccountId::platform(AccountKind::PlatformFeeRevenue, Currency::parse("USD").unwrap()).unwrap())
    }

    fn with_credits(mut account: Account, credits_posted: i64) -> Account {
        account.balances = Balances { credits_posted, ..Balances::default() };
        account
    }

    fn stored_credits(connection: &rusqlite::Connection, id: &AccountId) -> i64 {
        connection
            .query_row("SELECT credits_posted FROM ledger_accounts WHERE id = ?1", [id.as_str()], |row| row.get(0))
            .unwrap()
    }

    fn connection_with(account: &Account) -> rusqlite::Connection {
        let connection = rusqlite::Connection::open_in_memory().unwrap();
        connection
            .execute_batch(
                "CREATE TABLE ledger_accounts (id TEXT PRIMARY KEY, debits_pending BIGINT NOT NULL DEFAULT 0, \
                 debits_posted BIGINT NOT NULL DEFAULT 0, credits_pending BIGINT NOT NULL DEFAULT 0, \
                 credits_posted BIGINT NOT NULL DEFAULT 0)",
            )
            .unwrap();
        connection.execute("INSERT INTO ledger_accounts (id) VALUES (?1)", [account.id.as_str()]).unwrap();
        connection
    }

    #[test]
    fn a_dropped_job_leaves_the_kept_balances_and_the_flush_writes_them_once() {
        let account = revenue();
        let connection = connection_with(&account);
        assert!(!is_active());
        begin_group();
        remember(&account);
        stage(with_credits(account.clone(), 100));
        end_job(true);
        stage(with_credits(account.clone(), 250));
        // The running job sees its own balances; a rolled-back job's are gone.
        assert_eq!(get(&account.id).unwrap().balances.credits_posted, 250);
        end_job(false);
        assert_eq!(get(&account.id).unwrap().balances.credits_posted, 100);
        stage(with_credits(account.clone(), 130));
        end_job(true);
        assert_eq!(stored_credits(&connection, &account.id), 0, "nothing is written before the flush");
        flush(&connection).unwrap();
        assert_eq!(stored_credits(&connection, &account.id), 130);
        assert!(!is_active(), "the flush closes the group");
    }

    #[test]
    fn an_abandoned_group_writes_nothing_and_a_missing_row_fails_the_flush() {
        let account = revenue();
        let connection = connection_with(&account);
        begin_group();
        stage(with_credits(account.clone(), 100));
        end_job(true);
        abandon();
        assert!(get(&account.id).is_none());
        flush(&connection).unwrap();
        assert_eq!(stored_credits(&connection, &account.id), 0);

        begin_group();
        let other =
            Account::open(AccountId::platform(AccountKind::FxPosition, Currency::parse("USD").unwrap()).unwrap());
        stage(with_credits(other, 5));
        end_job(true);
        assert!(flush(&connection).is_err(), "a row that vanished is a concurrent change");
    }

    #[test]
    fn only_the_platforms_and_connectors_accounts_are_kept() {
        assert!(is_hot(&revenue().id));
        let merchant = AccountId::parse("acct_0000000000000000000000000a:available:USD").unwrap();
        assert!(!is_hot(&merchant));
    }
}
