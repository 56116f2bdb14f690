//! Property tests: random sequences of payment flows (the model in
//! `tradewind_ledger::testing`), and random raw transfers, applied through `plan` on the
//! in-memory ledger. After every batch the books verify clean, a refused batch leaves
//! everything as it was, and replaying any accepted batch (at once or much later) is a
//! no-op.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use tradewind_ledger::testing::*;
use tradewind_ledger::{Account, AccountId, AccountKind, MemoryLedger, Transfer, TransferKind};

/// A raw transfer over a small set of accounts, for fuzzing the validator directly.
#[derive(Debug, Clone)]
struct RawTransfer {
    debit: usize,
    credit: usize,
    amount_minor: i64,
    kind: u8,
    refers_to: usize,
    /// Whether a post or void copies its hold's accounts and fits its amount, so that
    /// resolutions are mostly valid rather than refused at once.
    matches_hold: bool,
    id: usize,
}

fn raw_transfer() -> impl Strategy<Value = RawTransfer> {
    let amount = prop_oneof![16 => 1i64..400, 1 => -2i64..=0, 1 => (i64::MAX - 10_000)..=i64::MAX];
    // The EUR account (index 5) is rarer, so most transfers pass the currency rule.
    let account = || prop_oneof![10 => 0usize..5, 1 => Just(5usize)];
    let kind = prop_oneof![4 => Just(0u8), 3 => Just(1u8), 3 => Just(2u8), 2 => Just(3u8)];
    (account(), account(), amount, kind, 0usize..32, prop::bool::weighted(0.8), 0usize..32).prop_map(
        |(debit, credit, amount_minor, kind, refers_to, matches_hold, id)| RawTransfer {
            debit,
            credit,
            amount_minor,
            kind,
            refers_to,
            matches_hold,
            id,
        },
    )
}

fn raw_accounts() -> Vec<AccountId> {
    let merchant = merchant('1');
    vec![
        merchant_account(&merchant, AccountKind::Pending, "USD"),
        merchant_account(&merchant, AccountKind::Available, "USD"),
        merchant_account(&merchant, AccountKind::FeesPaid, "USD"),
        clearing("USD"),
        platform_account(AccountKind::PlatformFeeRevenue, "USD"),
        platform_account(AccountKind::FeesPaidControl, "EUR"),
    ]
}

fn build(raw: &RawTransfer, accounts: &[AccountId], ledger: &MemoryLedger, earlier: &[Transfer]) -> Transfer {
    let mut transfer = single(&format!("t{}", raw.id), &accounts[raw.debit], &accounts[raw.credit], raw.amount_minor);
    let holds: Vec<&Transfer> = ledger
        .transfers()
        .map(|stored| &stored.transfer)
        .chain(earlier)
        .filter(|transfer| transfer.kind == TransferKind::Pending)
        .collect();
    // A matching resolution picks a known hold (possibly one already resolved) and copies
    // it; otherwise it names whatever id it drew, which is usually refused.
    let hold = (raw.matches_hold && !holds.is_empty()).then(|| holds[raw.refers_to % holds.len()]);
    let pending_id = hold.map_or_else(|| transfer_id(&format!("t{}", raw.refers_to)), |hold| hold.id.clone());
    transfer.kind = match raw.kind {
        0 => TransferKind::Single,
        1 => TransferKind::Pending,
        2 => TransferKind::PostPending { pending_id },
        _ => TransferKind::VoidPending { pending_id },
    };
    if let (Some(hold), 2 | 3) = (hold, raw.kind) {
        transfer.debit_account = hold.debit_account.clone();
        transfer.credit_account = hold.credit_account.clone();
        transfer.currency = hold.currency;
        transfer.amount_minor =
            if raw.kind == 2 { raw.amount_minor.clamp(1, hold.amount_minor.max(1)) } else { hold.amount_minor };
    }
    transfer
}

proptest! {
    // Failing cases are kept beside this file (integration tests have no lib.rs for
    // proptest's default location to find).
    #![proptest_config(ProptestConfig {
        cases: 200,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/properties.proptest-regressions"
        )))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn payment_flows_keep_the_books_balanced(ops in prop::collection::vec(op(), 1..40)) {
        let mut world = World::new();
        for op in ops {
            world.apply(op)?;
        }
    }

    #[test]
    fn raw_batches_are_atomic_idempotent_and_verified(
        batches in prop::collection::vec(prop::collection::vec(raw_transfer(), 1..4), 1..20),
    ) {
        let accounts = raw_accounts();
        let mut world = World::new();
        world.recipes_only = false;
        for id in &accounts {
            world.ledger.open(Account::open(id.clone()).with_negative_limit(1_000));
        }
        for raw in batches {
            let mut batch: Vec<Transfer> = Vec::with_capacity(raw.len());
            for raw in &raw {
                let transfer = build(raw, &accounts, &world.ledger, &batch);
                batch.push(transfer);
            }
            world.submit(Ok(batch))?;
        }
    }
}
