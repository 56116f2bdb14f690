//! Invariants: the ledger's books checked from first principles.
//!
//! [`verify`] recomputes every account's four totals from the stored transfers and
//! reports each way the stored rows disagree: per-currency debits ≠ credits, a balance
//! that is not the sum of its transfers, a hold whose state does not match the posts
//! and voids that refer to it, an account past its limit. A `tradewind ledger verify`
//! command prints the violations and exits non-zero when there are any.
//!
//! [`check_plan`] is the cheap assertion run on every [`Plan`] before it is committed: the
//! changes it makes balance per currency and no limit is newly broken. Both sums are kept
//! in 128 bits, so checking cannot overflow even where the data is corrupt.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use tradewind_money::Currency;

use crate::{
    Account, AccountFlags, AccountId, Balances, PendingState, Plan, StoredTransfer, Transfer, TransferId, TransferKind,
};

/// The pending or the posted pair of totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BalancePhase {
    Pending,
    Posted,
}

impl fmt::Display for BalancePhase {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            BalancePhase::Pending => "pending",
            BalancePhase::Posted => "posted",
        })
    }
}

/// One of an account's four totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BalanceField {
    DebitsPending,
    DebitsPosted,
    CreditsPending,
    CreditsPosted,
}

impl BalanceField {
    const ALL: [BalanceField; 4] = [
        BalanceField::DebitsPending,
        BalanceField::DebitsPosted,
        BalanceField::CreditsPending,
        BalanceField::CreditsPosted,
    ];

    fn read(self, balances: &Balances) -> i64 {
        match self {
            BalanceField::DebitsPending => balances.debits_pending,
            BalanceField::DebitsPosted => balances.debits_posted,
            BalanceField::CreditsPending => balances.credits_pending,
            BalanceField::CreditsPosted => balances.credits_posted,
        }
    }
}

impl fmt::Display for BalanceField {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            BalanceField::DebitsPending => "debits_pending",
            BalanceField::DebitsPosted => "debits_posted",
            BalanceField::CreditsPending => "credits_pending",
            BalanceField::CreditsPosted => "credits_posted",
        })
    }
}

/// One way the books are wrong. Each prints as a full sentence with the figures involved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error("{currency} {phase} totals do not balance: debits are {debits_minor}, credits are {credits_minor}.")]
    Unbalanced { currency: Currency, phase: BalancePhase, debits_minor: i128, credits_minor: i128 },
    #[error("Account {account} stores {field} = {stored_minor}, but its transfers add up to {recomputed_minor}.")]
    BalanceMismatch { account: AccountId, field: BalanceField, stored_minor: i64, recomputed_minor: i128 },
    #[error(
        "Account {account} reads {balance_minor} on its guarded side, below its negative limit of -{negative_limit_minor}."
    )]
    BelowNegativeLimit { account: AccountId, balance_minor: i128, negative_limit_minor: i64 },
    #[error("Transfer {transfer} names account {account}, which does not exist.")]
    UnknownAccount { transfer: TransferId, account: AccountId },
    #[error("Transfer {transfer} is in {currency}, but its accounts are not both in {currency}.")]
    CurrencyMismatch { transfer: TransferId, currency: Currency },
    #[error("Transfer {transfer} moves {amount_minor}, but amounts must be positive.")]
    NonPositiveAmount { transfer: TransferId, amount_minor: i64 },
    #[error("Transfer {transfer} posts or voids {pending_id}, which is not a stored pending transfer.")]
    PendingTransferMissing { transfer: TransferId, pending_id: TransferId },
    #[error("Transfer {transfer} does not match the hold {pending_id} it resolves (accounts, or amount).")]
    ResolutionMismatch { transfer: TransferId, pending_id: TransferId },
    #[error(
        "Pending transfer {pending_id} is posted or voided by {resolutions} transfers; at most one may resolve it."
    )]
    PendingResolvedTwice { pending_id: TransferId, resolutions: usize },
    #[error(
        "Pending transfer {pending_id} is stored as {stored:?}, but the transfers referring to it make it {implied}."
    )]
    PendingStateMismatch { pending_id: TransferId, stored: Option<PendingState>, implied: PendingState },
}

/// Per-account totals recomputed in 128 bits, in [`BalanceField::ALL`] order.
type Totals = [i128; 4];

fn add_posted(totals: &mut HashMap<&AccountId, Totals>, transfer: &Transfer, amount_minor: i64) {
    add_to(totals, &transfer.debit_account, 1, amount_minor);
    add_to(totals, &transfer.credit_account, 3, amount_minor);
}

fn add_pending(totals: &mut HashMap<&AccountId, Totals>, transfer: &Transfer) {
    add_to(totals, &transfer.debit_account, 0, transfer.amount_minor);
    add_to(totals, &transfer.credit_account, 2, transfer.amount_minor);
}

fn add_to(totals: &mut HashMap<&AccountId, Totals>, account: &AccountId, field: usize, amount_minor: i64) {
    // Unknown accounts have no entry and are reported separately.
    if let Some(entry) = totals.get_mut(account) {
        entry[field] += i128::from(amount_minor);
    }
}

/// Recomputes the books from `transfers` and reports every disagreement with `accounts`.
/// Order of the inputs does not matter: a hold's contribution follows from the posts and
/// voids that refer to it, not from when they were written.
pub fn verify<'a>(
    accounts: impl IntoIterator<Item = &'a Account>,
    transfers: impl IntoIterator<Item = &'a StoredTransfer>,
) -> Vec<Violation> {
    let mut violations = Vec::new();
    let mut accounts: Vec<&Account> = accounts.into_iter().collect();
    accounts.sort_unstable_by(|left, right| left.id.cmp(&right.id));
    let mut totals: HashMap<&AccountId, Totals> = accounts.iter().map(|account| (&account.id, [0; 4])).collect();
    let transfers: Vec<&StoredTransfer> = transfers.into_iter().collect();
    let by_id: HashMap<&TransferId, &StoredTransfer> =
        transfers.iter().map(|stored| (&stored.transfer.id, *stored)).collect();
    // Posts and voids per hold, to derive each hold's state.
    let mut resolutions: HashMap<&TransferId, Vec<PendingState>> = HashMap::new();

    for stored in &transfers {
        let transfer = &stored.transfer;
        check_transfer_shape(transfer, &totals, &mut violations);
        match &transfer.kind {
            TransferKind::Single => add_posted(&mut totals, transfer, transfer.amount_minor),
            // A hold counts as pending only while nothing resolved it; see below.
            TransferKind::Pending => {}
            TransferKind::PostPending { pending_id } | TransferKind::VoidPending { pending_id } => {
                let posting = matches!(transfer.kind, TransferKind::PostPending { .. });
                if posting {
                    add_posted(&mut totals, transfer, transfer.amount_minor);
                }
                let hold = by_id.get(pending_id).filter(|hold| hold.transfer.kind == TransferKind::Pending);
                let Some(hold) = hold else {
                    violations.push(Violation::PendingTransferMissing {
                        transfer: transfer.id.clone(),
                        pending_id: pending_id.clone(),
                    });
                    continue;
                };
                let amount_fits = if posting {
                    transfer.amount_minor <= hold.transfer.amount_minor
                } else {
                    transfer.amount_minor == hold.transfer.amount_minor
                };
                if !amount_fits
                    || hold.transfer.debit_account != transfer.debit_account
                    || hold.transfer.credit_account != transfer.credit_account
                {
                    violations.push(Violation::ResolutionMismatch {
                        transfer: transfer.id.clone(),
                        pending_id: pending_id.clone(),
                    });
                }
                let state = if posting { PendingState::Posted } else { PendingState::Voided };
                resolutions.entry(pending_id).or_default().push(state);
            }
        }
    }

    for stored in &transfers {
        if stored.transfer.kind != TransferKind::Pending {
            continue;
        }
        let pending_id = &stored.transfer.id;
        let implied = match resolutions.get(pending_id).map(Vec::as_slice) {
            None | Some([]) => PendingState::Pending,
            Some([state]) => *state,
            Some(many) => {
                violations
                    .push(Violation::PendingResolvedTwice { pending_id: pending_id.clone(), resolutions: many.len() });
                continue;
            }
        };
        if implied == PendingState::Pending {
            add_pending(&mut totals, &stored.transfer);
        }
        if stored.pending_state != Some(implied) {
            violations.push(Violation::PendingStateMismatch {
                pending_id: pending_id.clone(),
                stored: stored.pending_state,
                implied,
            });
        }
    }

    let mut per_currency: BTreeMap<Currency, Totals> = BTreeMap::new();
    for account in &accounts {
        let recomputed = totals.get(&account.id).copied().unwrap_or_default();
        let sums = per_currency.entry(account.currency()).or_default();
        for (index, field) in BalanceField::ALL.into_iter().enumerate() {
            let stored_minor = field.read(&account.balances);
            sums[index] += i128::from(stored_minor);
            if i128::from(stored_minor) != recomputed[index] {
                violations.push(Violation::BalanceMismatch {
                    account: account.id.clone(),
                    field,
                    stored_minor,
                    recomputed_minor: recomputed[index],
                });
            }
        }
        if let Some(violation) =
            limit_violation(account.id.clone(), account.flags, account.negative_limit_minor, &account.balances)
        {
            violations.push(violation);
        }
    }
    for (currency, sums) in per_currency {
        check_balanced(currency, &sums, &mut violations);
    }
    violations
}

fn check_transfer_shape(transfer: &Transfer, totals: &HashMap<&AccountId, Totals>, violations: &mut Vec<Violation>) {
    if transfer.amount_minor <= 0 {
        violations
            .push(Violation::NonPositiveAmount { transfer: transfer.id.clone(), amount_minor: transfer.amount_minor });
    }
    if transfer.debit_account.currency() != transfer.currency || transfer.credit_account.currency() != transfer.currency
    {
        violations.push(Violation::CurrencyMismatch { transfer: transfer.id.clone(), currency: transfer.currency });
    }
    for account in [&transfer.debit_account, &transfer.credit_account] {
        if !totals.contains_key(account) {
            violations.push(Violation::UnknownAccount { transfer: transfer.id.clone(), account: account.clone() });
        }
    }
}

/// Debits equal credits, pending and posted separately. `sums` is in [`BalanceField::ALL`] order.
fn check_balanced(currency: Currency, sums: &Totals, violations: &mut Vec<Violation>) {
    for (phase, debits_minor, credits_minor) in
        [(BalancePhase::Pending, sums[0], sums[2]), (BalancePhase::Posted, sums[1], sums[3])]
    {
        if debits_minor != credits_minor {
            violations.push(Violation::Unbalanced { currency, phase, debits_minor, credits_minor });
        }
    }
}

/// The guarded side's reading and whether it is past the limit, for whichever flag is set.
fn limit_breach(flags: AccountFlags, negative_limit_minor: i64, balances: &Balances) -> Option<i128> {
    let limit = i128::from(negative_limit_minor);
    if flags.contains(AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS) {
        let balance = i128::from(balances.credits_posted) - balances.debit_exposure();
        if balance < -limit {
            return Some(balance);
        }
    }
    if flags.contains(AccountFlags::CREDITS_MUST_NOT_EXCEED_DEBITS) {
        let balance = i128::from(balances.debits_posted) - balances.credit_exposure();
        if balance < -limit {
            return Some(balance);
        }
    }
    None
}

fn limit_violation(
    account: AccountId,
    flags: AccountFlags,
    negative_limit_minor: i64,
    balances: &Balances,
) -> Option<Violation> {
    limit_breach(flags, negative_limit_minor, balances).map(|balance_minor| Violation::BelowNegativeLimit {
        account,
        balance_minor,
        negative_limit_minor,
    })
}

/// The assertion run before a plan is committed: per currency, the plan's changes to
/// debits and credits are equal (pending and posted separately), every new transfer
/// moves a positive amount, and no flagged account is newly pushed past its limit (an
/// account already past a lowered limit may still receive money). Cost: one pass over
/// the plan's accounts and transfers, no allocation beyond one entry per currency.
pub fn check_plan(plan: &Plan<'_>) -> Result<(), Violation> {
    for planned in plan.transfers() {
        if planned.transfer.amount_minor <= 0 {
            return Err(Violation::NonPositiveAmount {
                transfer: planned.transfer.id.clone(),
                amount_minor: planned.transfer.amount_minor,
            });
        }
    }
    // A batch rarely touches more than a few currencies, so a short list beats a map.
    let mut per_currency: Vec<(Currency, Totals)> = Vec::new();
    for change in plan.accounts() {
        let currency = change.id.currency();
        let index = match per_currency.iter().position(|(known, _)| *known == currency) {
            Some(index) => index,
            None => {
                per_currency.push((currency, [0; 4]));
                per_currency.len() - 1
            }
        };
        for (slot, field) in BalanceField::ALL.into_iter().enumerate() {
            per_currency[index].1[slot] +=
                i128::from(field.read(&change.after)) - i128::from(field.read(&change.before));
        }
        let breach_after = limit_breach(change.flags, change.negative_limit_minor, &change.after);
        let breach_before = limit_breach(change.flags, change.negative_limit_minor, &change.before);
        if let Some(balance_minor) = breach_after
            && breach_before.is_none_or(|before| balance_minor < before)
        {
            return Err(Violation::BelowNegativeLimit {
                account: change.id.clone(),
                balance_minor,
                negative_limit_minor: change.negative_limit_minor,
            });
        }
    }
    let mut violations = Vec::new();
    for (currency, sums) in &per_currency {
        check_balanced(*currency, sums, &mut violations);
    }
    violations.into_iter().next().map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::{AccountChange, AccountKind, PlannedTransfer, TransferCode};

    fn account(kind: AccountKind) -> AccountId {
        AccountId::platform(kind, Currency::parse("USD").unwrap()).unwrap()
    }

    fn change(id: &AccountId, flags: AccountFlags, after: Balances) -> AccountChange<'_> {
        AccountChange {
            id,
            flags,
            negative_limit_minor: 0,
            before: Balances::default(),
            after,
            headroom_lowered: false,
        }
    }

    #[test]
    fn check_plan_refuses_unbalanced_changes() {
        let bank = account(AccountKind::PlatformBank);
        let revenue = account(AccountKind::PlatformFeeRevenue);
        let accounts = vec![
            change(&bank, AccountFlags::NONE, Balances { debits_posted: 10, ..Balances::default() }),
            change(&revenue, AccountFlags::NONE, Balances { credits_posted: 9, ..Balances::default() }),
        ];
        let violation = check_plan(&Plan::from_parts(Vec::new(), accounts)).unwrap_err();
        assert_eq!(
            violation,
            Violation::Unbalanced {
                currency: bank.currency(),
                phase: BalancePhase::Posted,
                debits_minor: 10,
                credits_minor: 9
            }
        );
        assert_eq!(violation.to_string(), "USD posted totals do not balance: debits are 10, credits are 9.");
    }

    #[test]
    fn check_plan_refuses_a_newly_broken_limit_and_a_bad_amount() {
        let bank = account(AccountKind::PlatformBank);
        let revenue = account(AccountKind::PlatformFeeRevenue);
        let accounts = vec![
            change(&bank, AccountFlags::NONE, Balances { credits_posted: 10, ..Balances::default() }),
            change(
                &revenue,
                AccountFlags::DEBITS_MUST_NOT_EXCEED_CREDITS,
                Balances { debits_posted: 10, ..Balances::default() },
            ),
        ];
        assert!(matches!(
            check_plan(&Plan::from_parts(Vec::new(), accounts)),
            Err(Violation::BelowNegativeLimit { balance_minor: -10, .. })
        ));

        let zero =
            Transfer::single(TransferId::parse("t").unwrap(), bank.clone(), revenue.clone(), 0, TransferCode::Fee);
        let planned = vec![PlannedTransfer { transfer: &zero, pending_state: None }];
        assert!(matches!(
            check_plan(&Plan::from_parts(planned, Vec::new())),
            Err(Violation::NonPositiveAmount { amount_minor: 0, .. })
        ));
    }
}
