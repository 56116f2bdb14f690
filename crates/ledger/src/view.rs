//! What the validator reads: the storage layer prefetches the accounts a batch touches and
//! any stored transfers whose ids the batch uses (its own ids and the pending ids it posts
//! or voids), then hands them over through [`LedgerView`]. The validator never asks for
//! anything else, so one round trip before and one write after are enough.

use std::fmt;

use crate::{Account, AccountId, Transfer, TransferId, TransferKind};

/// Read access to prefetched rows. Returning references keeps the validator from copying
/// rows it only inspects; an implementation answers `None` for rows that do not exist.
pub trait LedgerView {
    fn account(&self, id: &AccountId) -> Option<&Account>;
    fn transfer(&self, id: &TransferId) -> Option<&StoredTransfer>;
}

/// The life of a pending (two-phase) transfer. Only `Pending` can change, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PendingState {
    Pending,
    Posted,
    Voided,
}

impl PendingState {
    pub fn as_str(self) -> &'static str {
        match self {
            PendingState::Pending => "pending",
            PendingState::Posted => "posted",
            PendingState::Voided => "voided",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "pending" => Some(PendingState::Pending),
            "posted" => Some(PendingState::Posted),
            "voided" => Some(PendingState::Voided),
            _ => None,
        }
    }
}

impl fmt::Display for PendingState {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A transfer as stored, with the state of the hold when it is a pending transfer
/// (`None` for every other kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTransfer {
    pub transfer: Transfer,
    pub pending_state: Option<PendingState>,
}

impl StoredTransfer {
    /// A freshly written transfer: a hold starts `Pending`, anything else has no state.
    pub fn new(transfer: Transfer) -> Self {
        let pending_state = matches!(transfer.kind, TransferKind::Pending).then_some(PendingState::Pending);
        StoredTransfer { transfer, pending_state }
    }
}

/// The rows [`crate::plan()`] may read for a batch, sorted and without repeats: the
/// accounts its transfers name, and the transfer ids it uses or refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefetch<'a> {
    pub accounts: Vec<&'a AccountId>,
    pub transfers: Vec<&'a TransferId>,
}

/// Lists what the storage layer must load before calling [`crate::plan()`] on `batch`.
pub fn prefetch(batch: &[Transfer]) -> Prefetch<'_> {
    let mut accounts = Vec::with_capacity(batch.len().saturating_mul(2));
    let mut transfers = Vec::with_capacity(batch.len());
    for transfer in batch {
        accounts.push(&transfer.debit_account);
        accounts.push(&transfer.credit_account);
        transfers.push(&transfer.id);
        transfers.extend(transfer.kind.pending_id());
    }
    accounts.sort_unstable();
    accounts.dedup();
    transfers.sort_unstable();
    transfers.dedup();
    Prefetch { accounts, transfers }
}
