//! An in-memory ledger: the reference [`LedgerView`] for tests and benchmarks, and the
//! model the storage layer's behaviour is compared with. It applies a [`Plan`] exactly as
//! a database transaction would: insert the new transfers, update the touched balances,
//! and change the state of the holds the batch resolved.

use std::collections::HashMap;

use crate::{Account, AccountId, BatchError, LedgerView, Plan, StoredTransfer, Transfer, TransferId, check_plan, plan};

#[derive(Debug, Clone, Default)]
pub struct MemoryLedger {
    accounts: HashMap<AccountId, Account>,
    /// Transfers in insertion order, so iteration is deterministic.
    transfers: Vec<StoredTransfer>,
    transfer_slots: HashMap<TransferId, usize>,
}

/// What one [`MemoryLedger::execute`] call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Executed {
    pub created: usize,
    pub existed: usize,
}

impl MemoryLedger {
    pub fn new() -> Self {
        MemoryLedger::default()
    }

    /// Adds an account; returns false (and changes nothing) if the id already exists.
    pub fn open(&mut self, account: Account) -> bool {
        if self.accounts.contains_key(&account.id) {
            return false;
        }
        self.accounts.insert(account.id.clone(), account);
        true
    }

    /// Opens, with their kinds' defaults, every account `batch` names that does not exist
    /// yet: what a storage layer does when it creates accounts on first use.
    pub fn open_accounts_for(&mut self, batch: &[Transfer]) {
        for transfer in batch {
            for id in [&transfer.debit_account, &transfer.credit_account] {
                if !self.accounts.contains_key(id) {
                    self.accounts.insert(id.clone(), Account::open(id.clone()));
                }
            }
        }
    }

    /// The account with this id, if open; a convenience over [`LedgerView::account`].
    pub fn get(&self, id: &AccountId) -> Option<&Account> {
        self.accounts.get(id)
    }

    /// Changes an open account's overdraft; false if the account does not exist.
    pub fn set_negative_limit(&mut self, id: &AccountId, negative_limit_minor: i64) -> bool {
        match self.accounts.get_mut(id) {
            Some(account) => {
                account.negative_limit_minor = negative_limit_minor;
                true
            }
            None => false,
        }
    }

    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.accounts.values()
    }

    pub fn transfers(&self) -> impl Iterator<Item = &StoredTransfer> {
        self.transfers.iter()
    }

    /// Writes a plan made against this ledger. Applying a plan made against other data
    /// is the caller's mistake; accounts it names that are missing here are opened from
    /// the plan's own figures, so nothing is silently dropped.
    pub fn apply(&mut self, plan: &Plan<'_>) {
        for planned in plan.transfers() {
            let stored = StoredTransfer { transfer: planned.transfer.clone(), pending_state: planned.pending_state };
            self.transfer_slots.insert(stored.transfer.id.clone(), self.transfers.len());
            self.transfers.push(stored);
        }
        for change in plan.pending_changes() {
            if let Some(&slot) = self.transfer_slots.get(change.pending_id) {
                self.transfers[slot].pending_state = Some(change.state);
            }
        }
        for change in plan.accounts() {
            let account = self.accounts.entry(change.id.clone()).or_insert_with(|| Account {
                id: change.id.clone(),
                balances: change.before,
                flags: change.flags,
                negative_limit_minor: change.negative_limit_minor,
            });
            account.balances = change.after;
        }
    }

    /// Plans `batch`, asserts the plan's invariants, and applies it: the whole life of a
    /// batch in one call. A refused batch changes nothing.
    pub fn execute(&mut self, batch: &[Transfer]) -> Result<Executed, BatchError> {
        let plan = plan(&*self, batch)?;
        let checked = check_plan(&plan);
        // A plan that fails its own invariants is a bug in the validator, not bad input.
        assert!(checked.is_ok(), "the validator produced an invalid plan: {checked:?}");
        self.apply(&plan);
        Ok(Executed { created: plan.created(), existed: plan.existed() })
    }
}

impl LedgerView for MemoryLedger {
    fn account(&self, id: &AccountId) -> Option<&Account> {
        self.accounts.get(id)
    }

    fn transfer(&self, id: &TransferId) -> Option<&StoredTransfer> {
        self.transfer_slots.get(id).map(|&slot| &self.transfers[slot])
    }
}
