//! The stored ledger against the reference, two ways:
//!
//! - payment flows: the model of `tradewind_ledger::testing` (random sequences of
//!   payments, partial captures, refunds, disputes — some leaving a negative balance —,
//!   settlements and reserve releases that recover it first, payouts and FX conversions
//!   through the posting recipes) runs on the reference, and
//!   every batch it submits is posted to the store too;
//! - raw batches: random sequences of transfer batches (single, pending, posted in part
//!   or in full, voided, replayed with the same or other content, across guarded and
//!   unguarded accounts and two currencies of exponents 2 and 0) are posted both to the
//!   in-memory `MemoryLedger` and through the storage layer.
//!
//! Both run on SQLite (the writer thread) and PostgreSQL (sqlx). After every batch: the
//! same batch is accepted or refused by the same rule on both, every stored balance
//! equals the reference's, and `verify` finds nothing wrong with the stored books;
//! every third batch PostgreSQL's account deltas are folded into their accounts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, FileFailurePersistence, TestRunner};
use std::sync::Arc;
use tradewind_ledger::testing::{Mirror, World, op};
use tradewind_ledger::{
    AccountId, AccountKind, ConnectorName, MemoryLedger, Transfer, TransferCode, TransferId, TransferKind, verify,
};
use tradewind_money::Currency;
use tradewind_payments::id::MerchantId;
use tradewind_storage::{Store, StoreError, ledger};

/// Cases per backend, and batches per case: enough to reach holds posted twice,
/// replays with other content and overdrafts, small enough for CI.
const CASES: u32 = 32;
const BATCHES_MAX: usize = 16;
const TRANSFERS_PER_BATCH_MAX: usize = 3;
/// Payment-flow steps per case.
const FLOW_STEPS_MAX: usize = 30;

/// One transfer to generate: indices into the account pool and the ids seen so far.
#[derive(Debug, Clone)]
enum Draft {
    Single {
        debit: usize,
        credit: usize,
        amount_minor: i64,
    },
    Hold {
        debit: usize,
        credit: usize,
        amount_minor: i64,
    },
    /// Posts `permille` of a hold (above 1,000: more than it holds, which is refused).
    Post {
        hold: usize,
        permille: i64,
    },
    Void {
        hold: usize,
    },
    Replay {
        earlier: usize,
        change_amount: bool,
    },
}

fn draft() -> impl Strategy<Value = Draft> {
    let account = 0usize..10;
    // Mostly money flowing from the connector (0, 5) into merchants, so guarded
    // accounts have funds to move on; anything else may be refused, as it should.
    let funding = (prop_oneof![Just(0usize), Just(5usize)], account.clone(), 1i64..20_000)
        .prop_map(|(debit, credit, amount_minor)| Draft::Single { debit, credit, amount_minor });
    prop_oneof![
        4 => funding,
        3 => (account.clone(), account.clone(), prop_oneof![9 => 1i64..20_000, 1 => Just(0i64)])
            .prop_map(|(debit, credit, amount_minor)| Draft::Single { debit, credit, amount_minor }),
        3 => (prop_oneof![Just(0usize), Just(5usize)], account, 1i64..20_000)
            .prop_map(|(debit, credit, amount_minor)| Draft::Hold { debit, credit, amount_minor }),
        3 => (0usize..32, 1i64..=1_100).prop_map(|(hold, permille)| Draft::Post { hold, permille }),
        1 => (0usize..32).prop_map(|hold| Draft::Void { hold }),
        1 => (0usize..64, any::<bool>()).prop_map(|(earlier, change_amount)| Draft::Replay { earlier, change_amount }),
    ]
}

fn batches() -> impl Strategy<Value = Vec<Vec<Draft>>> {
    prop::collection::vec(prop::collection::vec(draft(), 1..=TRANSFERS_PER_BATCH_MAX), 1..=BATCHES_MAX)
}

/// Ten accounts: per currency (USD, JPY), the connector's clearing account (debit
/// normal, unguarded), the platform's fee revenue, and two merchants' pending and
/// available (guarded: debits may not exceed credits) — USD first, then JPY.
fn pool() -> Vec<AccountId> {
    let merchants = [MerchantId::generate(), MerchantId::generate()];
    let connector = ConnectorName::parse("sandbox_card").unwrap();
    let mut accounts = Vec::new();
    for code in ["USD", "JPY"] {
        let currency = Currency::parse(code).unwrap();
        accounts.push(AccountId::connector(&connector, AccountKind::ConnectorClearing, currency).unwrap());
        accounts.push(AccountId::merchant(&merchants[0], AccountKind::Pending, currency).unwrap());
        accounts.push(AccountId::merchant(&merchants[0], AccountKind::Available, currency).unwrap());
        accounts.push(AccountId::merchant(&merchants[1], AccountKind::Available, currency).unwrap());
        accounts.push(AccountId::platform(AccountKind::PlatformFeeRevenue, currency).unwrap());
    }
    accounts
}

/// Turns drafts into transfers, remembering holds and every transfer written so far.
struct Drafting {
    accounts: Vec<AccountId>,
    holds: Vec<Transfer>,
    written: Vec<Transfer>,
    next_id: usize,
}

impl Drafting {
    fn id(&mut self) -> TransferId {
        self.next_id += 1;
        TransferId::parse(&format!("prop:{}", self.next_id)).unwrap()
    }

    fn transfer(&mut self, draft: &Draft) -> Option<Transfer> {
        let single = |id, debit: &AccountId, credit: &AccountId, amount_minor| {
            Transfer::single(id, debit.clone(), credit.clone(), amount_minor, TransferCode::Adjustment)
        };
        Some(match draft {
            Draft::Single { debit, credit, amount_minor } => {
                let id = self.id();
                single(id, &self.accounts[*debit], &self.accounts[*credit], *amount_minor)
            }
            Draft::Hold { debit, credit, amount_minor } => {
                let id = self.id();
                let hold = single(id, &self.accounts[*debit], &self.accounts[*credit], *amount_minor)
                    .with_kind(TransferKind::Pending);
                self.holds.push(hold.clone());
                hold
            }
            Draft::Post { hold, permille } => {
                let hold = self.holds.get(hold % self.holds.len().max(1))?.clone();
                let id = self.id();
                let amount_minor = (hold.amount_minor * permille / 1_000).max(1);
                single(id, &hold.debit_account, &hold.credit_account, amount_minor)
                    .with_kind(TransferKind::PostPending { pending_id: hold.id })
            }
            Draft::Void { hold } => {
                let hold = self.holds.get(hold % self.holds.len().max(1))?.clone();
                let id = self.id();
                single(id, &hold.debit_account, &hold.credit_account, hold.amount_minor)
                    .with_kind(TransferKind::VoidPending { pending_id: hold.id })
            }
            Draft::Replay { earlier, change_amount } => {
                let mut again = self.written.get(earlier % self.written.len().max(1))?.clone();
                if *change_amount {
                    again.amount_minor += 1;
                }
                again
            }
        })
    }
}

async fn stored_store(url: &str) -> Store {
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    store
}

/// Runs one case against a fresh database at `url`; `Err` describes a divergence.
async fn run_case(url: &str, drafts: &[Vec<Draft>]) -> Result<(), String> {
    let store = stored_store(url).await;
    let mut reference = MemoryLedger::new();
    let mut drafting = Drafting { accounts: pool(), holds: Vec::new(), written: Vec::new(), next_id: 0 };
    for (step, batch_drafts) in drafts.iter().enumerate() {
        let batch: Vec<Transfer> = batch_drafts.iter().filter_map(|draft| drafting.transfer(draft)).collect();
        if batch.is_empty() {
            continue;
        }
        reference.open_accounts_for(&batch);
        let expected = reference.execute(&batch);
        let stored = store.post_transfers(batch.clone(), 1_000 + step as i64).await;
        match (&expected, &stored) {
            (Ok(executed), Ok(posted)) => {
                if (executed.created, executed.existed) != (posted.created, posted.existed) {
                    return Err(format!("step {step}: reference {executed:?}, stored {posted:?}"));
                }
                drafting.written.extend(batch);
            }
            (Err(reference_error), Err(StoreError::LedgerRejected(stored_error)))
                if reference_error == stored_error => {}
            _ => return Err(format!("step {step}: reference {expected:?}, stored {stored:?}, batch {batch:?}")),
        }
        same_books(&store, &reference, step).await?;
        fold_now_and_then(&store, step).await?;
    }
    store.close().await;
    Ok(())
}

/// Every third step, folds PostgreSQL's deltas into their accounts (a no-op on SQLite),
/// so the books are compared with deltas pending, folded, and both at once.
async fn fold_now_and_then(store: &Store, step: usize) -> Result<(), String> {
    if step % 3 == 2 {
        ledger::fold_deltas(store).await.map_err(|error| format!("step {step}: fold: {error}"))?;
    }
    Ok(())
}

/// The stored books verify, and every stored account reads what the reference's does.
async fn same_books(store: &Store, reference: &MemoryLedger, step: usize) -> Result<(), String> {
    let accounts = ledger::all_accounts(store.pool()).await.map_err(|error| error.to_string())?;
    let transfers = ledger::all_transfers(store.pool()).await.map_err(|error| error.to_string())?;
    let violations = verify(&accounts, &transfers);
    if !violations.is_empty() {
        return Err(format!("step {step}: the stored books do not verify: {violations:?}"));
    }
    for account in &accounts {
        let expected = reference.get(&account.id).map(|account| account.balances).unwrap_or_default();
        if account.balances != expected {
            return Err(format!("step {step}: {} stored {:?}, reference {expected:?}", account.id, account.balances));
        }
    }
    Ok(())
}

/// Runs the payment-flow model on the reference with every batch mirrored to the store.
fn run_flows(
    runtime: &Arc<tokio::runtime::Runtime>,
    url: &str,
    ops: Vec<tradewind_ledger::testing::Op>,
) -> Result<(), TestCaseError> {
    let store = runtime.block_on(stored_store(url));
    let mut world = World::new();
    // The model's accounts opened with settings (an overdraft) exist in the store alike.
    for account in world.ledger.accounts() {
        runtime
            .block_on(ledger::open_account(&store, account, 0))
            .map_err(|error| TestCaseError::fail(error.to_string()))?;
    }
    let (mirror_store, mirror_runtime) = (store.clone(), runtime.clone());
    let mut posted = 0_i64;
    let mirror: Mirror = Box::new(move |batch, expected| {
        posted += 1;
        let stored = mirror_runtime.block_on(mirror_store.post_transfers(batch.to_vec(), posted));
        match (expected, &stored) {
            (Ok(executed), Ok(done)) if (executed.created, executed.existed) == (done.created, done.existed) => Ok(()),
            (Err(reference_error), Err(StoreError::LedgerRejected(stored_error)))
                if reference_error == stored_error =>
            {
                Ok(())
            }
            _ => Err(format!("reference {expected:?}, stored {stored:?}, batch {batch:?}")),
        }
    });
    world.mirror = Some(mirror);
    for (step, op) in ops.into_iter().enumerate() {
        world.apply(op)?;
        runtime.block_on(same_books(&store, &world.ledger, step)).map_err(TestCaseError::fail)?;
        runtime.block_on(fold_now_and_then(&store, step)).map_err(TestCaseError::fail)?;
    }
    runtime.block_on(store.close());
    Ok(())
}

fn check_flows(make_url: impl Fn() -> Option<String>) {
    let runtime = Arc::new(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap());
    let config = ProptestConfig {
        cases: CASES,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&prop::collection::vec(op(), 1..FLOW_STEPS_MAX), |ops| {
        let Some(url) = make_url() else { return Ok(()) };
        run_flows(&runtime, &url, ops)
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}

fn check_backend(make_url: impl Fn() -> Option<String>) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let config = ProptestConfig {
        cases: CASES,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..ProptestConfig::default()
    };
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&batches(), |drafts| {
        let Some(url) = make_url() else { return Ok(()) };
        runtime.block_on(run_case(&url, &drafts)).map_err(TestCaseError::fail)
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}

#[test]
fn stored_ledger_matches_the_reference_on_sqlite() {
    let (directory, urls) = sqlite_urls();
    check_backend(urls);
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn stored_ledger_matches_the_reference_on_postgres() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    check_backend(|| runtime.block_on(common::postgres_schema_url()));
}

/// A fresh SQLite file per case, in one directory removed at the end.
fn sqlite_urls() -> (std::path::PathBuf, impl Fn() -> Option<String>) {
    let directory = std::env::temp_dir().join(format!("tradewind_ledger_props_{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&directory).unwrap();
    let counter = std::sync::atomic::AtomicUsize::new(0);
    let base = directory.clone();
    (directory, move || {
        let case = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some(format!("sqlite://{}/case{case}.db", base.display()))
    })
}

#[test]
fn stored_payment_flows_match_the_reference_on_sqlite() {
    let (directory, urls) = sqlite_urls();
    check_flows(urls);
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn stored_payment_flows_match_the_reference_on_postgres() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    check_flows(|| runtime.block_on(common::postgres_schema_url()));
}
