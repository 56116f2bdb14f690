//! `verify` finds each kind of damage a stored ledger can suffer, and prints it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use tradewind_ledger::{
    Account, AccountKind, BalanceField, BalancePhase, MemoryLedger, PendingState, StoredTransfer, TransferKind,
    Violation, verify,
};

/// A small healthy ledger, copied out so a test can damage the rows.
fn rows() -> (Vec<Account>, Vec<StoredTransfer>) {
    let mut ledger = MemoryLedger::new();
    let available = merchant_account(&merchant('1'), AccountKind::Available, "USD");
    let clearing = clearing("USD");
    run(&mut ledger, &[single("capture", &clearing, &available, 10_000)]);
    run(&mut ledger, &[single("hold", &available, &clearing, 2_000).with_kind(TransferKind::Pending)]);
    run(&mut ledger, &[single("other_hold", &available, &clearing, 1_000).with_kind(TransferKind::Pending)]);
    let post = single("post", &available, &clearing, 600)
        .with_kind(TransferKind::PostPending { pending_id: transfer_id("other_hold") });
    run(&mut ledger, &[post]);
    let mut accounts: Vec<Account> = ledger.accounts().cloned().collect();
    accounts.sort_by(|left, right| left.id.cmp(&right.id));
    (accounts, ledger.transfers().cloned().collect())
}

#[test]
fn a_healthy_ledger_has_no_violations() {
    let (accounts, transfers) = rows();
    assert_eq!(verify(&accounts, &transfers), vec![]);
}

#[test]
fn a_tampered_balance_is_a_mismatch_and_unbalances_its_currency() {
    let (mut accounts, transfers) = rows();
    accounts[0].balances.credits_posted += 1;
    let violations = verify(&accounts, &transfers);
    assert!(violations.contains(&Violation::BalanceMismatch {
        account: accounts[0].id.clone(),
        field: BalanceField::CreditsPosted,
        stored_minor: 10_001,
        recomputed_minor: 10_000,
    }));
    assert!(violations.contains(&Violation::Unbalanced {
        currency: currency("USD"),
        phase: BalancePhase::Posted,
        debits_minor: 10_600,
        credits_minor: 10_601,
    }));
    let printed: Vec<String> = violations.iter().map(ToString::to_string).collect();
    assert!(printed.iter().any(|line| line.contains("stores credits_posted = 10001")), "{printed:?}");
}

#[test]
fn a_missing_account_or_hold_is_reported() {
    let (mut accounts, mut transfers) = rows();
    accounts.retain(|account| account.kind() != AccountKind::ConnectorClearing);
    transfers.retain(|stored| stored.transfer.id.as_str() != "other_hold");
    let violations = verify(&accounts, &transfers);
    assert!(violations.iter().any(|v| matches!(v, Violation::UnknownAccount { .. })));
    assert!(violations.iter().any(|v| matches!(v, Violation::PendingTransferMissing { .. })));
}

#[test]
fn hold_states_must_follow_their_resolutions() {
    let (accounts, mut transfers) = rows();
    for stored in &mut transfers {
        if stored.transfer.id.as_str() == "hold" {
            stored.pending_state = Some(PendingState::Voided);
        }
    }
    let violations = verify(&accounts, &transfers);
    assert!(violations.contains(&Violation::PendingStateMismatch {
        pending_id: transfer_id("hold"),
        stored: Some(PendingState::Voided),
        implied: PendingState::Pending,
    }));

    let (accounts, mut transfers) = rows();
    let mut again = transfers.iter().find(|stored| stored.transfer.id.as_str() == "post").unwrap().clone();
    again.transfer.id = transfer_id("post_again");
    transfers.push(again);
    let violations = verify(&accounts, &transfers);
    assert!(
        violations.contains(&Violation::PendingResolvedTwice { pending_id: transfer_id("other_hold"), resolutions: 2 })
    );
}

#[test]
fn a_post_beyond_its_hold_and_a_bad_amount_are_reported() {
    let (accounts, mut transfers) = rows();
    for stored in &mut transfers {
        if stored.transfer.id.as_str() == "post" {
            stored.transfer.amount_minor = 5_000;
        }
        if stored.transfer.id.as_str() == "capture" {
            stored.transfer.amount_minor = -1;
        }
    }
    let violations = verify(&accounts, &transfers);
    assert!(violations.contains(&Violation::ResolutionMismatch {
        transfer: transfer_id("post"),
        pending_id: transfer_id("other_hold"),
    }));
    assert!(violations.contains(&Violation::NonPositiveAmount { transfer: transfer_id("capture"), amount_minor: -1 }));
}

#[test]
fn an_account_past_its_limit_is_reported() {
    let (mut accounts, transfers) = rows();
    let available = accounts.iter_mut().find(|account| account.kind() == AccountKind::Available).unwrap();
    // Lowering the overdraft below what is already spent leaves the account past its limit.
    available.balances = tradewind_ledger::Balances { credits_posted: 100, debits_posted: 150, ..available.balances };
    let id = available.id.clone();
    let violations = verify(&accounts, &transfers);
    assert!(
        violations.iter().any(|v| matches!(
            v,
            Violation::BelowNegativeLimit { account, balance_minor: -2_050, negative_limit_minor: 0 } if *account == id
        )),
        "{violations:?}"
    );
}
