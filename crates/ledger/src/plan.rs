//! The validator: [`plan()`] checks a batch of transfers against prefetched rows and says
//! exactly what to write, or which transfer broke which rule. It writes nothing itself.
//!
//! A batch is atomic and ordered. Each transfer sees the effects of the ones before it,
//! including holds created earlier in the same batch, and one refused transfer refuses
//! the batch. Ids are idempotency keys: a transfer whose id was already written, or
//! appeared earlier in the batch, with the same content is a no-op (counted as
//! `existed`); with different content it is refused with the matching
//! `ExistsWithDifferent…` rule.
//!
//! Rules are checked in TigerBeetle's order: the transfer's own shape first (amount,
//! accounts, currency), then idempotency, then the accounts and the hold it refers to,
//! then overflows, then balance limits.
//!
//! The plan borrows from the batch rather than copying it, and keeps touched accounts in
//! one map keyed by id, so planning 1,000 transfers costs a few thousand hash lookups and
//! no per-transfer allocation.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::{
    AccountFlags, AccountId, Balances, BatchError, LedgerView, PendingState, Transfer, TransferError, TransferId,
    TransferKind,
};

/// The most transfers one batch may hold, as in TigerBeetle: enough to amortise a
/// round trip, small enough that one batch's plan stays a few megabytes.
pub const BATCH_TRANSFERS_MAX: usize = 8190;

/// A new transfer to insert, with the state its hold has at the end of the batch (a hold
/// posted later in the same batch is inserted as already `Posted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedTransfer<'a> {
    pub transfer: &'a Transfer,
    pub pending_state: Option<PendingState>,
}

/// An account the batch changes, with its balances before and after. The storage layer
/// can write `after` conditionally on `before` (`WHERE debits_posted = $before …`), so a
/// concurrent writer that slipped in between prefetch and commit makes the write fail
/// instead of being overwritten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountChange<'a> {
    pub id: &'a AccountId,
    pub flags: AccountFlags,
    pub negative_limit_minor: i64,
    pub before: Balances,
    pub after: Balances,
    /// Whether the batch lowered the account's headroom under its limit at some point
    /// (a debit of a `debits_must_not_exceed_credits` account not yet covered by the
    /// batch's own credits to it, and the mirror case). Only then did the limit checks
    /// depend on the balances read: otherwise any balance within its limit passes them,
    /// so a storage layer may write the change as an increment without locking the row
    /// from the read to the write.
    pub headroom_lowered: bool,
}

/// A stored hold that this batch posts or voids. Its row changes from `Pending` to
/// `state`; the storage layer should make that update conditional on `Pending` too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingChange<'a> {
    pub pending_id: &'a TransferId,
    pub state: PendingState,
    pub resolved_by: &'a TransferId,
}

/// What a valid batch writes. Accounts are sorted by id, so concurrent writers lock rows
/// in one order and cannot deadlock each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan<'a> {
    transfers: Vec<PlannedTransfer<'a>>,
    accounts: Vec<AccountChange<'a>>,
    pending_changes: Vec<PendingChange<'a>>,
    existed: usize,
}

impl<'a> Plan<'a> {
    /// New transfers to insert, in batch order.
    pub fn transfers(&self) -> &[PlannedTransfer<'a>] {
        &self.transfers
    }

    /// Final balances of every account a new transfer touches, sorted by id.
    pub fn accounts(&self) -> &[AccountChange<'a>] {
        &self.accounts
    }

    /// Stored holds whose state this batch changes.
    pub fn pending_changes(&self) -> &[PendingChange<'a>] {
        &self.pending_changes
    }

    /// How many transfers of the batch are new.
    pub fn created(&self) -> usize {
        self.transfers.len()
    }

    /// How many transfers of the batch were already written (or repeated within it).
    pub fn existed(&self) -> usize {
        self.existed
    }

    /// True when replaying the batch changes nothing.
    pub fn is_noop(&self) -> bool {
        self.transfers.is_empty()
    }
}

#[cfg(test)]
impl<'a> Plan<'a> {
    /// A hand-made plan, for testing the checks a real plan always passes.
    pub(crate) fn from_parts(transfers: Vec<PlannedTransfer<'a>>, accounts: Vec<AccountChange<'a>>) -> Self {
        Plan { transfers, accounts, pending_changes: Vec::new(), existed: 0 }
    }
}

/// Validates `batch` in order against `view` and returns what to write.
pub fn plan<'a>(view: &impl LedgerView, batch: &'a [Transfer]) -> Result<Plan<'a>, BatchError> {
    if batch.len() > BATCH_TRANSFERS_MAX {
        return Err(BatchError::TooLarge { transfers: batch.len(), transfers_max: BATCH_TRANSFERS_MAX });
    }
    let mut planner = Planner::new(view, batch.len());
    for (index, transfer) in batch.iter().enumerate() {
        planner.step(transfer).map_err(|rule| BatchError::Rejected { index, id: transfer.id.clone(), rule })?;
    }
    Ok(planner.finish())
}

/// A transfer id met earlier in this batch: either planned (its index in `transfers`) or
/// found already stored.
struct Seen<'a> {
    transfer: &'a Transfer,
    planned: Option<usize>,
}

/// Where a hold lives: planned earlier in this batch, or stored.
enum HoldLocation {
    Planned(usize),
    Stored,
}

/// Which pair of totals a transfer adds to.
#[derive(Clone, Copy)]
enum Phase {
    Pending,
    Posted,
}

struct Planner<'a, 'v, V> {
    view: &'v V,
    transfers: Vec<PlannedTransfer<'a>>,
    accounts: Vec<AccountChange<'a>>,
    account_slots: HashMap<&'a AccountId, usize>,
    seen: HashMap<&'a TransferId, Seen<'a>>,
    pending_changes: Vec<PendingChange<'a>>,
    pending_change_slots: HashMap<&'a TransferId, usize>,
    existed: usize,
}

impl<'a, 'v, V: LedgerView> Planner<'a, 'v, V> {
    fn new(view: &'v V, transfers: usize) -> Self {
        Planner {
            view,
            transfers: Vec::with_capacity(transfers),
            accounts: Vec::with_capacity(transfers.saturating_mul(2)),
            account_slots: HashMap::with_capacity(transfers.saturating_mul(2)),
            seen: HashMap::with_capacity(transfers),
            pending_changes: Vec::new(),
            pending_change_slots: HashMap::new(),
            existed: 0,
        }
    }

    fn step(&mut self, transfer: &'a Transfer) -> Result<(), TransferError> {
        check_shape(transfer)?;
        if let Some(seen) = self.seen.get(&transfer.id) {
            check_same_content(seen.transfer, transfer)?;
            self.existed += 1;
            return Ok(());
        }
        if let Some(stored) = self.view.transfer(&transfer.id) {
            check_same_content(&stored.transfer, transfer)?;
            self.seen.insert(&transfer.id, Seen { transfer, planned: None });
            self.existed += 1;
            return Ok(());
        }

        let debit = self
            .account_slot(&transfer.debit_account)
            .ok_or_else(|| TransferError::DebitAccountNotFound { account: transfer.debit_account.clone() })?;
        let credit = self
            .account_slot(&transfer.credit_account)
            .ok_or_else(|| TransferError::CreditAccountNotFound { account: transfer.credit_account.clone() })?;

        let pending_state = match &transfer.kind {
            TransferKind::Single => {
                self.add(debit, credit, transfer.amount_minor, Phase::Posted)?;
                None
            }
            TransferKind::Pending => {
                self.add(debit, credit, transfer.amount_minor, Phase::Pending)?;
                Some(PendingState::Pending)
            }
            TransferKind::PostPending { pending_id } => {
                let (hold_minor, location) = self.resolve_hold(pending_id, transfer)?;
                if transfer.amount_minor > hold_minor {
                    return Err(TransferError::ExceedsPendingTransferAmount {
                        pending_minor: hold_minor,
                        requested_minor: transfer.amount_minor,
                    });
                }
                self.release(debit, credit, hold_minor, transfer.amount_minor)?;
                self.set_hold_state(pending_id, location, PendingState::Posted, &transfer.id);
                None
            }
            TransferKind::VoidPending { pending_id } => {
                let (hold_minor, location) = self.resolve_hold(pending_id, transfer)?;
                if transfer.amount_minor != hold_minor {
                    return Err(TransferError::PendingTransferHasDifferentAmount {
                        pending_minor: hold_minor,
                        requested_minor: transfer.amount_minor,
                    });
                }
                self.release(debit, credit, hold_minor, 0)?;
                self.set_hold_state(pending_id, location, PendingState::Voided, &transfer.id);
                None
            }
        };

        self.seen.insert(&transfer.id, Seen { transfer, planned: Some(self.transfers.len()) });
        self.transfers.push(PlannedTransfer { transfer, pending_state });
        Ok(())
    }

    /// The index of `id` in `accounts`, loading it from the view the first time.
    fn account_slot(&mut self, id: &'a AccountId) -> Option<usize> {
        match self.account_slots.entry(id) {
            Entry::Occupied(slot) => Some(*slot.get()),
            Entry::Vacant(slot) => {
                let account = self.view.account(id)?;
                let index = self.accounts.len();
                self.accounts.push(AccountChange {
                    id,
                    flags: account.flags,
                    negative_limit_minor: account.negative_limit_minor,
                    before: account.balances,
                    after: account.balances,
                    headroom_lowered: false,
                });
                slot.insert(index);
                Some(index)
            }
        }
    }

    /// Finds the hold a post or void refers to and checks that it can still be resolved
    /// by this transfer. Returns the held amount and where the hold lives.
    fn resolve_hold(&self, pending_id: &TransferId, resolver: &Transfer) -> Result<(i64, HoldLocation), TransferError> {
        let planned = self.seen.get(pending_id).and_then(|seen| seen.planned.map(|index| (seen.transfer, index)));
        let (hold, state, location) = if let Some((hold, index)) = planned {
            (hold, self.transfers[index].pending_state, HoldLocation::Planned(index))
        } else if let Some(stored) = self.view.transfer(pending_id) {
            let changed = self.pending_change_slots.get(pending_id).map(|&slot| self.pending_changes[slot].state);
            // A stored hold without a state has never been resolved: holds are written
            // `Pending` and only a post or void changes that.
            let state = match stored.transfer.kind {
                TransferKind::Pending => changed.or(stored.pending_state).or(Some(PendingState::Pending)),
                _ => None,
            };
            (&stored.transfer, state, HoldLocation::Stored)
        } else {
            return Err(TransferError::PendingTransferNotFound { pending_id: pending_id.clone() });
        };

        match state {
            None => return Err(TransferError::PendingTransferNotPending { pending_id: pending_id.clone() }),
            Some(PendingState::Posted) => {
                return Err(TransferError::PendingTransferAlreadyPosted { pending_id: pending_id.clone() });
            }
            Some(PendingState::Voided) => {
                return Err(TransferError::PendingTransferAlreadyVoided { pending_id: pending_id.clone() });
            }
            Some(PendingState::Pending) => {}
        }
        if hold.debit_account != resolver.debit_account {
            return Err(TransferError::PendingTransferHasDifferentDebitAccount {
                pending_id: pending_id.clone(),
                pending_account: hold.debit_account.clone(),
            });
        }
        if hold.credit_account != resolver.credit_account {
            return Err(TransferError::PendingTransferHasDifferentCreditAccount {
                pending_id: pending_id.clone(),
                pending_account: hold.credit_account.clone(),
            });
        }
        Ok((hold.amount_minor, location))
    }

    fn set_hold_state(
        &mut self,
        pending_id: &'a TransferId,
        location: HoldLocation,
        state: PendingState,
        resolved_by: &'a TransferId,
    ) {
        match location {
            HoldLocation::Planned(index) => self.transfers[index].pending_state = Some(state),
            HoldLocation::Stored => {
                // A stored hold is resolved at most once per batch (the second attempt is
                // refused above), so this never overwrites an earlier change.
                self.pending_change_slots.insert(pending_id, self.pending_changes.len());
                self.pending_changes.push(PendingChange { pending_id, state, resolved_by });
            }
        }
    }

    /// A single-phase or pending transfer: grows the debit and credit totals of `phase`.
    fn add(&mut self, debit: usize, credit: usize, amount_minor: i64, phase: Phase) -> Result<(), TransferError> {
        let debit_change = &self.accounts[debit];
        let credit_change = &self.accounts[credit];
        let mut debit_after = debit_change.after;
        let mut credit_after = credit_change.after;
        let overflow_debit = |rule: fn(AccountId) -> TransferError| rule(debit_change.id.clone());
        let overflow_credit = |rule: fn(AccountId) -> TransferError| rule(credit_change.id.clone());

        match phase {
            Phase::Pending => {
                debit_after.debits_pending = debit_after
                    .debits_pending
                    .checked_add(amount_minor)
                    .ok_or_else(|| overflow_debit(|account| TransferError::OverflowsDebitsPending { account }))?;
                credit_after.credits_pending = credit_after
                    .credits_pending
                    .checked_add(amount_minor)
                    .ok_or_else(|| overflow_credit(|account| TransferError::OverflowsCreditsPending { account }))?;
            }
            Phase::Posted => {
                debit_after.debits_posted = debit_after
                    .debits_posted
                    .checked_add(amount_minor)
                    .ok_or_else(|| overflow_debit(|account| TransferError::OverflowsDebitsPosted { account }))?;
                credit_after.credits_posted = credit_after
                    .credits_posted
                    .checked_add(amount_minor)
                    .ok_or_else(|| overflow_credit(|account| TransferError::OverflowsCreditsPosted { account }))?;
            }
        }
        // Pending and posted totals must also fit together, so every sum a reader or a
        // database computes over one account stays within 64 bits.
        if debit_after.debits_pending.checked_add(debit_after.debits_posted).is_none() {
            return Err(overflow_debit(|account| TransferError::OverflowsDebits { account }));
        }
        if credit_after.credits_pending.checked_add(credit_after.credits_posted).is_none() {
            return Err(overflow_credit(|account| TransferError::OverflowsCredits { account }));
        }

        // Limits are checked only on the side that grows, as TigerBeetle does: a hold
        // reserves against the limit at once, so posting it later cannot break it.
        if debit_change.flags.contains(AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS) {
            let ceiling = i128::from(debit_after.credits_posted) + i128::from(debit_change.negative_limit_minor);
            if debit_after.debit_exposure() > ceiling {
                return Err(TransferError::ExceedsCredits {
                    account: debit_change.id.clone(),
                    amount_minor,
                    debitable_minor: ceiling - debit_change.after.debit_exposure(),
                });
            }
        }
        if credit_change.flags.contains(AccountFlags::CREDITS_MUST_NOT_EXCEED_DEBITS) {
            let ceiling = i128::from(credit_after.debits_posted) + i128::from(credit_change.negative_limit_minor);
            if credit_after.credit_exposure() > ceiling {
                return Err(TransferError::ExceedsDebits {
                    account: credit_change.id.clone(),
                    amount_minor,
                    creditable_minor: ceiling - credit_change.after.credit_exposure(),
                });
            }
        }

        let debit_lowered = debit_change.flags.contains(AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS)
            && debit_headroom(&debit_after) < debit_headroom(&debit_change.before);
        let credit_lowered = credit_change.flags.contains(AccountFlags::CREDITS_MUST_NOT_EXCEED_DEBITS)
            && credit_headroom(&credit_after) < credit_headroom(&credit_change.before);
        self.accounts[debit].after = debit_after;
        self.accounts[debit].headroom_lowered |= debit_lowered;
        self.accounts[credit].after = credit_after;
        self.accounts[credit].headroom_lowered |= credit_lowered;
        Ok(())
    }

    /// A post or void: releases the whole hold and posts `posted_minor` of it (zero for a
    /// void). Exposure only shrinks, so no limit can be broken here.
    fn release(
        &mut self,
        debit: usize,
        credit: usize,
        hold_minor: i64,
        posted_minor: i64,
    ) -> Result<(), TransferError> {
        let debit_change = &self.accounts[debit];
        let credit_change = &self.accounts[credit];
        let mut debit_after = debit_change.after;
        let mut credit_after = credit_change.after;

        debit_after.debits_pending = debit_after
            .debits_pending
            .checked_sub(hold_minor)
            .filter(|pending| *pending >= 0)
            .ok_or_else(|| TransferError::InconsistentPendingBalance { account: debit_change.id.clone() })?;
        credit_after.credits_pending = credit_after
            .credits_pending
            .checked_sub(hold_minor)
            .filter(|pending| *pending >= 0)
            .ok_or_else(|| TransferError::InconsistentPendingBalance { account: credit_change.id.clone() })?;
        debit_after.debits_posted = debit_after
            .debits_posted
            .checked_add(posted_minor)
            .ok_or_else(|| TransferError::OverflowsDebitsPosted { account: debit_change.id.clone() })?;
        credit_after.credits_posted = credit_after
            .credits_posted
            .checked_add(posted_minor)
            .ok_or_else(|| TransferError::OverflowsCreditsPosted { account: credit_change.id.clone() })?;

        self.accounts[debit].after = debit_after;
        self.accounts[credit].after = credit_after;
        Ok(())
    }

    fn finish(self) -> Plan<'a> {
        let mut accounts = self.accounts;
        accounts.sort_unstable_by(|left, right| left.id.cmp(right.id));
        Plan { transfers: self.transfers, accounts, pending_changes: self.pending_changes, existed: self.existed }
    }
}

/// What a `debits_must_not_exceed_credits` account may still be debited, before its limit.
fn debit_headroom(balances: &Balances) -> i128 {
    i128::from(balances.credits_posted) - balances.debit_exposure()
}

/// What a `credits_must_not_exceed_debits` account may still be credited, before its limit.
fn credit_headroom(balances: &Balances) -> i128 {
    i128::from(balances.debits_posted) - balances.credit_exposure()
}

/// Rules a transfer must obey on its own, before anything is looked up.
fn check_shape(transfer: &Transfer) -> Result<(), TransferError> {
    if transfer.amount_minor == 0 {
        return Err(TransferError::AmountMustNotBeZero);
    }
    if transfer.amount_minor < 0 {
        return Err(TransferError::AmountMustNotBeNegative { amount_minor: transfer.amount_minor });
    }
    if transfer.debit_account == transfer.credit_account {
        return Err(TransferError::AccountsMustBeDifferent);
    }
    if transfer.kind.pending_id() == Some(&transfer.id) {
        return Err(TransferError::PendingIdMustBeDifferent);
    }
    let debit_account_currency = transfer.debit_account.currency();
    let credit_account_currency = transfer.credit_account.currency();
    if debit_account_currency != transfer.currency || credit_account_currency != transfer.currency {
        return Err(TransferError::CurrencyMismatch {
            transfer_currency: transfer.currency,
            debit_account_currency,
            credit_account_currency,
        });
    }
    Ok(())
}

/// Idempotency: a reused id must carry exactly the same transfer.
fn check_same_content(existing: &Transfer, requested: &Transfer) -> Result<(), TransferError> {
    if existing.kind != requested.kind {
        return Err(TransferError::ExistsWithDifferentKind);
    }
    // Currency before accounts: an account id carries its currency, so a different
    // currency also means different accounts, and naming the currency says more.
    if existing.currency != requested.currency {
        return Err(TransferError::ExistsWithDifferentCurrency { existing: existing.currency });
    }
    if existing.debit_account != requested.debit_account {
        return Err(TransferError::ExistsWithDifferentDebitAccount { existing: existing.debit_account.clone() });
    }
    if existing.credit_account != requested.credit_account {
        return Err(TransferError::ExistsWithDifferentCreditAccount { existing: existing.credit_account.clone() });
    }
    if existing.amount_minor != requested.amount_minor {
        return Err(TransferError::ExistsWithDifferentAmount {
            existing_minor: existing.amount_minor,
            requested_minor: requested.amount_minor,
        });
    }
    if existing.code != requested.code {
        return Err(TransferError::ExistsWithDifferentCode { existing: existing.code, requested: requested.code });
    }
    if existing.source != requested.source {
        return Err(TransferError::ExistsWithDifferentSource);
    }
    Ok(())
}
