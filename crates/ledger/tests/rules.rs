//! One test per rule of the validator: each rule can fail, and fails with its own variant.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;

use common::*;
use tradewind_ledger::{
    Account, AccountId, AccountKind, BATCH_TRANSFERS_MAX, Balances, BatchError, LedgerView, MemoryLedger, PendingState,
    StoredTransfer, Transfer, TransferCode, TransferError, TransferId, TransferKind, check_plan, plan, prefetch,
    verify,
};

/// A ledger with a merchant's USD accounts, clearing and revenue opened, and 100.00
/// captured into the merchant's `Available` so debits have something to draw on.
fn funded() -> (MemoryLedger, AccountId, AccountId, AccountId) {
    let mut ledger = MemoryLedger::new();
    let available = merchant_account(&merchant('1'), AccountKind::Available, "USD");
    let clearing = clearing("USD");
    let revenue = platform_account(AccountKind::PlatformFeeRevenue, "USD");
    for id in [&available, &clearing, &revenue] {
        ledger.open(Account::open(id.clone()));
    }
    ledger.execute(&[single("seed", &clearing, &available, 10_000)]).unwrap();
    (ledger, available, clearing, revenue)
}

fn hold(id: &str, debit: &AccountId, credit: &AccountId, amount_minor: i64) -> Transfer {
    single(id, debit, credit, amount_minor).with_kind(TransferKind::Pending)
}

fn post(id: &str, pending_id: &str, debit: &AccountId, credit: &AccountId, amount_minor: i64) -> Transfer {
    single(id, debit, credit, amount_minor).with_kind(TransferKind::PostPending { pending_id: transfer_id(pending_id) })
}

fn void(id: &str, pending_id: &str, debit: &AccountId, credit: &AccountId, amount_minor: i64) -> Transfer {
    single(id, debit, credit, amount_minor).with_kind(TransferKind::VoidPending { pending_id: transfer_id(pending_id) })
}

/// A view over rows written by hand, for states the validator itself would never produce.
#[derive(Default)]
struct RawView {
    accounts: HashMap<AccountId, Account>,
    transfers: HashMap<TransferId, StoredTransfer>,
}

impl LedgerView for RawView {
    fn account(&self, id: &AccountId) -> Option<&Account> {
        self.accounts.get(id)
    }

    fn transfer(&self, id: &TransferId) -> Option<&StoredTransfer> {
        self.transfers.get(id)
    }
}

impl RawView {
    fn with_account(mut self, id: &AccountId, balances: Balances) -> Self {
        let mut account = Account::open(id.clone());
        account.balances = balances;
        self.accounts.insert(id.clone(), account);
        self
    }
}

#[test]
fn amount_must_not_be_zero() {
    let (ledger, available, clearing, _) = funded();
    let (index, rule) = refusal(plan(&ledger, &[single("t", &clearing, &available, 0)]));
    assert_eq!((index, rule), (0, TransferError::AmountMustNotBeZero));
}

#[test]
fn amount_must_not_be_negative() {
    let (ledger, available, clearing, _) = funded();
    let (_, rule) = refusal(plan(&ledger, &[single("t", &clearing, &available, -5)]));
    assert_eq!(rule, TransferError::AmountMustNotBeNegative { amount_minor: -5 });
}

#[test]
fn accounts_must_be_different() {
    let (ledger, available, _, _) = funded();
    let (_, rule) = refusal(plan(&ledger, &[single("t", &available, &available, 5)]));
    assert_eq!(rule, TransferError::AccountsMustBeDifferent);
}

#[test]
fn pending_id_must_be_different() {
    let (ledger, available, clearing, _) = funded();
    let (_, rule) = refusal(plan(&ledger, &[post("t", "t", &clearing, &available, 5)]));
    assert_eq!(rule, TransferError::PendingIdMustBeDifferent);
}

#[test]
fn currency_must_match_both_accounts() {
    let (ledger, available, clearing, _) = funded();
    let mut wrong_currency = single("t", &clearing, &available, 5);
    wrong_currency.currency = currency("EUR");
    assert!(matches!(refusal(plan(&ledger, &[wrong_currency])).1, TransferError::CurrencyMismatch { .. }));
    let euro_revenue = platform_account(AccountKind::PlatformFeeRevenue, "EUR");
    let (_, rule) = refusal(plan(&ledger, &[single("t", &clearing, &euro_revenue, 5)]));
    assert_eq!(
        rule,
        TransferError::CurrencyMismatch {
            transfer_currency: currency("USD"),
            debit_account_currency: currency("USD"),
            credit_account_currency: currency("EUR"),
        }
    );
}

#[test]
fn exists_with_different_fields() {
    let (mut ledger, available, clearing, revenue) = funded();
    let original = single("t", &clearing, &available, 500).with_source(source("pi_1"));
    ledger.execute(std::slice::from_ref(&original)).unwrap();

    let changed_kind = original.clone().with_kind(TransferKind::Pending);
    let changed = |edit: &dyn Fn(&mut Transfer)| {
        let mut transfer = original.clone();
        edit(&mut transfer);
        refusal(plan(&ledger, &[transfer])).1
    };
    assert_eq!(
        changed(&|t| t.amount_minor = 501),
        TransferError::ExistsWithDifferentAmount { existing_minor: 500, requested_minor: 501 }
    );
    assert_eq!(
        changed(&|t| t.debit_account = revenue.clone()),
        TransferError::ExistsWithDifferentDebitAccount { existing: clearing.clone() }
    );
    assert_eq!(
        changed(&|t| t.credit_account = revenue.clone()),
        TransferError::ExistsWithDifferentCreditAccount { existing: available.clone() }
    );
    assert_eq!(
        changed(&|t| t.code = TransferCode::Fee),
        TransferError::ExistsWithDifferentCode { existing: TransferCode::Adjustment, requested: TransferCode::Fee }
    );
    assert_eq!(changed(&|t| t.source = None), TransferError::ExistsWithDifferentSource);
    assert_eq!(refusal(plan(&ledger, &[changed_kind])).1, TransferError::ExistsWithDifferentKind);

    let euro = single(
        "t",
        &platform_account(AccountKind::FxPosition, "EUR"),
        &platform_account(AccountKind::PlatformBank, "EUR"),
        500,
    );
    assert_eq!(
        refusal(plan(&ledger, &[euro])).1,
        TransferError::ExistsWithDifferentCurrency { existing: currency("USD") }
    );
}

#[test]
fn a_replayed_transfer_is_a_no_op() {
    let (mut ledger, available, clearing, _) = funded();
    let batch = [single("t", &clearing, &available, 500)];
    assert_eq!(ledger.execute(&batch).map(|done| done.created), Ok(1));
    let replay = plan(&ledger, &batch).unwrap();
    assert!(replay.is_noop());
    assert_eq!((replay.existed(), replay.accounts().len()), (1, 0));
}

#[test]
fn an_id_repeated_in_one_batch_is_a_no_op_when_identical_and_refused_otherwise() {
    let (ledger, available, clearing, _) = funded();
    let same = single("t", &clearing, &available, 500);
    let twice = [same.clone(), same.clone()];
    let planned = plan(&ledger, &twice).unwrap();
    assert_eq!((planned.created(), planned.existed()), (1, 1));
    let mut different = same.clone();
    different.amount_minor = 600;
    let (index, rule) = refusal(plan(&ledger, &[same, different]));
    assert_eq!(
        (index, rule),
        (1, TransferError::ExistsWithDifferentAmount { existing_minor: 500, requested_minor: 600 })
    );
}

#[test]
fn accounts_must_exist() {
    let (ledger, available, clearing, _) = funded();
    let missing = platform_account(AccountKind::FxPosition, "USD");
    assert_eq!(
        refusal(plan(&ledger, &[single("t", &missing, &available, 5)])).1,
        TransferError::DebitAccountNotFound { account: missing.clone() }
    );
    assert_eq!(
        refusal(plan(&ledger, &[single("t", &clearing, &missing, 5)])).1,
        TransferError::CreditAccountNotFound { account: missing }
    );
}

#[test]
fn pending_transfer_must_exist_and_be_pending() {
    let (mut ledger, available, clearing, _) = funded();
    assert_eq!(
        refusal(plan(&ledger, &[post("p", "nowhere", &clearing, &available, 5)])).1,
        TransferError::PendingTransferNotFound { pending_id: transfer_id("nowhere") }
    );
    ledger.execute(&[single("plain", &clearing, &available, 5)]).unwrap();
    assert_eq!(
        refusal(plan(&ledger, &[void("v", "plain", &clearing, &available, 5)])).1,
        TransferError::PendingTransferNotPending { pending_id: transfer_id("plain") }
    );
}

#[test]
fn a_hold_is_resolved_once() {
    let (mut ledger, available, clearing, _) = funded();
    ledger.execute(&[hold("h", &clearing, &available, 500)]).unwrap();
    ledger.execute(&[post("p", "h", &clearing, &available, 500)]).unwrap();
    assert_eq!(
        refusal(plan(&ledger, &[post("p2", "h", &clearing, &available, 500)])).1,
        TransferError::PendingTransferAlreadyPosted { pending_id: transfer_id("h") }
    );

    ledger.execute(&[hold("h2", &clearing, &available, 500)]).unwrap();
    let batch = [void("v", "h2", &clearing, &available, 500), post("p3", "h2", &clearing, &available, 500)];
    let (index, rule) = refusal(plan(&ledger, &batch));
    assert_eq!((index, rule), (1, TransferError::PendingTransferAlreadyVoided { pending_id: transfer_id("h2") }));
}

#[test]
fn a_resolution_must_match_its_hold() {
    let (mut ledger, available, clearing, revenue) = funded();
    ledger.execute(&[hold("h", &clearing, &available, 500)]).unwrap();
    assert_eq!(
        refusal(plan(&ledger, &[post("p", "h", &revenue, &available, 500)])).1,
        TransferError::PendingTransferHasDifferentDebitAccount {
            pending_id: transfer_id("h"),
            pending_account: clearing.clone()
        }
    );
    assert_eq!(
        refusal(plan(&ledger, &[post("p", "h", &clearing, &revenue, 500)])).1,
        TransferError::PendingTransferHasDifferentCreditAccount {
            pending_id: transfer_id("h"),
            pending_account: available.clone()
        }
    );
    assert_eq!(
        refusal(plan(&ledger, &[post("p", "h", &clearing, &available, 501)])).1,
        TransferError::ExceedsPendingTransferAmount { pending_minor: 500, requested_minor: 501 }
    );
    assert_eq!(
        refusal(plan(&ledger, &[void("v", "h", &clearing, &available, 499)])).1,
        TransferError::PendingTransferHasDifferentAmount { pending_minor: 500, requested_minor: 499 }
    );
}

#[test]
fn a_partial_post_releases_the_rest_of_the_hold() {
    let (mut ledger, available, clearing, _) = funded();
    ledger.execute(&[hold("h", &clearing, &available, 500)]).unwrap();
    assert_eq!(ledger.get(&available).map(|a| a.balances.pending_for(AccountKind::Available)), Some(500));
    let batch = [post("p", "h", &clearing, &available, 300)];
    let planned = plan(&ledger, &batch).unwrap();
    assert_eq!(planned.pending_changes().len(), 1);
    assert_eq!(planned.pending_changes()[0].state, PendingState::Posted);
    ledger.apply(&planned);
    let account = ledger.get(&available).unwrap();
    assert_eq!((account.balance_minor(), account.balances.credits_pending), (10_300, 0));
    assert_eq!(ledger.transfer(&transfer_id("h")).and_then(|t| t.pending_state), Some(PendingState::Posted));
}

#[test]
fn a_hold_created_and_posted_in_one_batch_is_inserted_posted() {
    let (ledger, available, clearing, _) = funded();
    let batch = [hold("h", &clearing, &available, 500), post("p", "h", &clearing, &available, 500)];
    let planned = plan(&ledger, &batch).unwrap();
    assert_eq!(planned.transfers()[0].pending_state, Some(PendingState::Posted));
    assert_eq!(planned.transfers()[1].pending_state, None);
    assert!(planned.pending_changes().is_empty());
    assert_eq!(check_plan(&planned), Ok(()));
}

#[test]
fn exceeds_credits_unless_an_overdraft_allows_it() {
    let (mut ledger, available, clearing, _) = funded();
    let batch = [single("t", &available, &clearing, 10_001)];
    assert_eq!(
        refusal(plan(&ledger, &batch)).1,
        TransferError::ExceedsCredits { account: available.clone(), amount_minor: 10_001, debitable_minor: 10_000 }
    );
    ledger.set_negative_limit(&available, 1);
    assert_eq!(ledger.execute(&batch).map(|done| done.created), Ok(1));
    assert_eq!(ledger.get(&available).map(Account::balance_minor), Some(-1));
}

#[test]
fn holds_reserve_against_the_limit() {
    let (mut ledger, available, clearing, _) = funded();
    ledger.execute(&[hold("h", &available, &clearing, 6_000)]).unwrap();
    assert!(matches!(
        refusal(plan(&ledger, &[single("t", &available, &clearing, 4_001)])).1,
        TransferError::ExceedsCredits { debitable_minor: 4_000, .. }
    ));
}

#[test]
fn exceeds_debits() {
    let mut ledger = MemoryLedger::new();
    let fees_paid = merchant_account(&merchant('1'), AccountKind::FeesPaid, "USD");
    let control = platform_account(AccountKind::FeesPaidControl, "USD");
    run(&mut ledger, &[single("fee", &fees_paid, &control, 300)]);
    assert_eq!(
        refusal(plan(&ledger, &[single("refund", &control, &fees_paid, 301)])).1,
        TransferError::ExceedsDebits { account: fees_paid, amount_minor: 301, creditable_minor: 300 }
    );
}

fn overflow_rule(debit: Balances, credit: Balances, transfer_kind: TransferKind) -> TransferError {
    let from = platform_account(AccountKind::FxPosition, "USD");
    let to = platform_account(AccountKind::PlatformBank, "USD");
    let view = RawView::default().with_account(&from, debit).with_account(&to, credit);
    refusal(plan(&view, &[single("t", &from, &to, 10).with_kind(transfer_kind)])).1
}

#[test]
fn overflows_are_refused_per_total() {
    let near = i64::MAX - 5;
    let account = platform_account(AccountKind::FxPosition, "USD");
    let bank = platform_account(AccountKind::PlatformBank, "USD");
    let zero = Balances::default();
    assert_eq!(
        overflow_rule(Balances { debits_posted: near, ..zero }, zero, TransferKind::Single),
        TransferError::OverflowsDebitsPosted { account: account.clone() }
    );
    assert_eq!(
        overflow_rule(zero, Balances { credits_posted: near, ..zero }, TransferKind::Single),
        TransferError::OverflowsCreditsPosted { account: bank.clone() }
    );
    assert_eq!(
        overflow_rule(Balances { debits_pending: near, ..zero }, zero, TransferKind::Pending),
        TransferError::OverflowsDebitsPending { account: account.clone() }
    );
    assert_eq!(
        overflow_rule(zero, Balances { credits_pending: near, ..zero }, TransferKind::Pending),
        TransferError::OverflowsCreditsPending { account: bank.clone() }
    );
    assert_eq!(
        overflow_rule(Balances { debits_posted: near - 100, debits_pending: 100, ..zero }, zero, TransferKind::Single),
        TransferError::OverflowsDebits { account }
    );
    assert_eq!(
        overflow_rule(
            zero,
            Balances { credits_posted: near - 100, credits_pending: 100, ..zero },
            TransferKind::Single
        ),
        TransferError::OverflowsCredits { account: bank }
    );
}

#[test]
fn a_corrupt_pending_total_is_reported_not_wrapped() {
    let from = platform_account(AccountKind::FxPosition, "USD");
    let to = platform_account(AccountKind::PlatformBank, "USD");
    let mut view = RawView::default().with_account(&from, Balances::default()).with_account(&to, Balances::default());
    let stored_hold = single("h", &from, &to, 10).with_kind(TransferKind::Pending);
    view.transfers.insert(transfer_id("h"), StoredTransfer::new(stored_hold));
    let (_, rule) = refusal(plan(&view, &[void("v", "h", &from, &to, 10)]));
    assert_eq!(rule, TransferError::InconsistentPendingBalance { account: from });
}

#[test]
fn batches_are_bounded() {
    let (ledger, available, clearing, _) = funded();
    let batch: Vec<Transfer> =
        (0..=BATCH_TRANSFERS_MAX).map(|n| single(&format!("t{n}"), &clearing, &available, 1)).collect();
    assert_eq!(
        plan(&ledger, &batch).map(|planned| planned.created()),
        Err(BatchError::TooLarge { transfers: BATCH_TRANSFERS_MAX + 1, transfers_max: BATCH_TRANSFERS_MAX })
    );
    assert_eq!(plan(&ledger, &batch[..BATCH_TRANSFERS_MAX]).map(|planned| planned.created()), Ok(BATCH_TRANSFERS_MAX));
}

#[test]
fn a_refused_batch_changes_nothing() {
    let (mut ledger, available, clearing, _) = funded();
    let transfers_before = ledger.transfers().count();
    let batch = [single("ok", &clearing, &available, 5), single("bad", &available, &clearing, 1_000_000)];
    let error = ledger.execute(&batch).unwrap_err();
    assert!(matches!(&error, BatchError::Rejected { index: 1, id, .. } if id.as_str() == "bad"));
    assert!(error.to_string().starts_with("Transfer 1 (`bad`) was refused. Debiting 1000000"), "{error}");
    assert_eq!(ledger.transfers().count(), transfers_before);
    assert_eq!(ledger.get(&available).map(Account::balance_minor), Some(10_000));
    assert!(verify(ledger.accounts(), ledger.transfers()).is_empty());
}

#[test]
fn plans_list_accounts_in_id_order_with_before_and_after() {
    let (ledger, available, clearing, revenue) = funded();
    let batch = [single("fee", &available, &revenue, 320), single("more", &clearing, &available, 100)];
    let planned = plan(&ledger, &batch).unwrap();
    let ids: Vec<&str> = planned.accounts().iter().map(|change| change.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);
    let change = planned.accounts().iter().find(|change| *change.id == available).unwrap();
    assert_eq!((change.before.debits_posted, change.after.debits_posted), (0, 320));
    assert_eq!(change.after.credits_posted, 10_100);
}

#[test]
fn prefetch_lists_every_row_plan_may_read() {
    let (_, available, clearing, _) = funded();
    let batch = [
        hold("h", &clearing, &available, 5),
        post("p", "h", &clearing, &available, 5),
        post("q", "elsewhere", &clearing, &available, 5),
    ];
    let rows = prefetch(&batch);
    assert_eq!(rows.accounts, vec![&available, &clearing]);
    let ids: Vec<&str> = rows.transfers.iter().map(|id| id.as_str()).collect();
    assert_eq!(ids, ["elsewhere", "h", "p", "q"]);
}
