//! `tradewind ledger verify`: recomputes every balance from the transfers and checks
//! every invariant of the ledger (per currency debits equal credits, each stored
//! balance equals the sum of its entries, no guarded account below its limit, every
//! hold resolved at most once).

use tradewind_ledger::{Violation, verify};
use tradewind_storage::{Store, ledger};

/// What a verification looked at, and what it found.
pub struct Verification {
    pub accounts: usize,
    pub transfers: usize,
    pub violations: Vec<Violation>,
}

pub async fn verify_ledger(store: &Store) -> anyhow::Result<Verification> {
    let accounts = ledger::all_accounts(store.pool()).await?;
    let transfers = ledger::all_transfers(store.pool()).await?;
    let violations = verify(&accounts, &transfers);
    Ok(Verification { accounts: accounts.len(), transfers: transfers.len(), violations })
}
