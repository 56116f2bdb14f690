//! The double-entry core of Tradewind's multi-currency ledger, in TigerBeetle's style.
//! Pure: no I/O, no clock, no serialization. A storage layer prefetches the rows a batch
//! touches ([`prefetch`]), calls [`plan()`] over them through [`LedgerView`], asserts
//! [`check_plan`], and writes the [`Plan`] in one transaction.
//!
//! - [`account`]: account kinds, their normal sides and flags, the `Account` row.
//! - [`account_id`]: the structured, parseable account key (`acct_…:available:USD`).
//! - [`balances`]: the four running totals of an account and how they read.
//! - [`transfer`]: transfers, their kinds (single, pending, post, void) and codes, ids.
//! - [`view`]: what the validator reads ([`LedgerView`], [`StoredTransfer`]).
//! - [`plan`](mod@plan): the validator, one batch at a time, atomic and idempotent.
//! - [`invariants`]: [`verify`] (recompute the books from the transfers) and
//!   [`check_plan`] (the assertion before commit).
//! - [`postings`]: the recipes the payment flows call, and the accounting model.
//! - [`memory`]: [`MemoryLedger`], the in-memory reference ledger for tests and benchmarks.
//! - [`error`]: one error variant per rule.
//!
//! Architecture invariants: amounts are integer minor units with checked arithmetic;
//! per currency, total debits equal total credits, pending and posted alike; a written
//! transfer never changes (corrections are reversing transfers).

pub mod account;
pub mod account_id;
pub mod balances;
pub mod error;
pub mod invariants;
pub mod memory;
pub mod plan;
pub mod postings;
#[cfg(feature = "testing")]
pub mod testing;
pub mod transfer;
pub mod view;

pub use account::{Account, AccountFlags, AccountKind, AccountScope, NormalSide};
pub use account_id::{AccountId, AccountOwner, CONNECTOR_NAME_LENGTH_MAX, ConnectorName};
pub use balances::Balances;
pub use error::{AccountIdError, BatchError, IdTextError, PostingError, TransferError};
pub use invariants::{BalanceField, BalancePhase, Violation, check_plan, verify};
pub use memory::{Executed, MemoryLedger};
pub use plan::{AccountChange, BATCH_TRANSFERS_MAX, PendingChange, Plan, PlannedTransfer, plan};
pub use transfer::{
    SOURCE_ID_LENGTH_MAX, SourceId, TRANSFER_ID_LENGTH_MAX, Transfer, TransferCode, TransferId, TransferKind,
    reversal_of,
};
pub use view::{LedgerView, PendingState, Prefetch, StoredTransfer, prefetch};
