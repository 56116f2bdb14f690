//! The ledger alone (`--ledger`): posts transfers straight through the storage layer,
//! without HTTP, on a fresh database per cell, and prints transfers per second.
//!
//! Cells, per backend:
//! - `single c=1`: one transfer per batch, one poster — the latency-bound case;
//! - `single c=16`: one transfer per batch, sixteen posters at once (SQLite's group
//!   commit shares commits between them);
//! - `batch 1000`: batches of 1,000 transfers, one poster.
//!
//! Transfers move money from 10 connector clearing accounts to 100 merchants' pending
//! accounts, so a batch of 1,000 touches about 110 accounts, as a busy platform's would.
//! On PostgreSQL the server's fold worker runs beside the posters, as in `serve`.

use crate::server::{Backend, Database};
use anyhow::Context;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tradewind_ledger::{AccountId, AccountKind, ConnectorName, Transfer, TransferCode, TransferId};
use tradewind_money::Currency;
use tradewind_payments::id::MerchantId;
use tradewind_storage::Store;

const MERCHANTS: usize = 100;
const CONNECTORS: usize = 10;
pub const BATCH_TRANSFERS: usize = 1_000;
const SINGLE_CONCURRENCY: usize = 16;

/// One measured cell.
pub struct LedgerCell {
    pub backend: Backend,
    pub mode: &'static str,
    pub transfers_per_second: Vec<f64>,
}

struct Accounts {
    clearing: Vec<AccountId>,
    pending: Vec<AccountId>,
}

impl Accounts {
    fn new() -> anyhow::Result<Accounts> {
        let currency = Currency::parse("USD")?;
        let clearing = (0..CONNECTORS)
            .map(|index| {
                let connector = ConnectorName::parse(&format!("bench_{index}"))?;
                Ok(AccountId::connector(&connector, AccountKind::ConnectorClearing, currency)?)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let pending = (0..MERCHANTS)
            .map(|_| Ok(AccountId::merchant(&MerchantId::generate(), AccountKind::Pending, currency)?))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Accounts { clearing, pending })
    }

    fn transfer(&self, run: usize, number: usize) -> anyhow::Result<Transfer> {
        let id = TransferId::parse(&format!("bench:{run}:{number}"))?;
        Ok(Transfer::single(
            id,
            self.clearing[number % CONNECTORS].clone(),
            self.pending[number % MERCHANTS].clone(),
            1_000 + (number % 997) as i64,
            TransferCode::Adjustment,
        ))
    }
}

async fn open(backend: Backend) -> anyhow::Result<(Store, Database)> {
    let (url, database) = Database::fresh(backend).await?;
    let store = Store::connect(&url).await.with_context(|| format!("connecting to the {} database", backend.name()))?;
    store.migrate().await?;
    Ok((store, database))
}

async fn post(store: &Store, transfers: Vec<Transfer>) -> anyhow::Result<()> {
    let expected = transfers.len();
    let posted = store.post_transfers(transfers, 0).await.map_err(|error| anyhow::anyhow!("{error}"))?;
    anyhow::ensure!(posted.created == expected, "{} of {expected} transfers created", posted.created);
    Ok(())
}

/// Posts `count` transfers one per batch from `concurrency` posters; returns the time.
async fn singles(
    store: &Store,
    accounts: &Arc<Accounts>,
    run: usize,
    count: usize,
    concurrency: usize,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let mut posters = Vec::with_capacity(concurrency);
    for poster in 0..concurrency {
        let (store, accounts) = (store.clone(), accounts.clone());
        posters.push(tokio::spawn(async move {
            for number in (poster..count).step_by(concurrency) {
                post(&store, vec![accounts.transfer(run, number)?]).await?;
            }
            anyhow::Ok(())
        }));
    }
    for poster in posters {
        poster.await??;
    }
    Ok(started.elapsed())
}

/// Posts `count` transfers in batches of [`BATCH_TRANSFERS`]; returns the time.
async fn batches(store: &Store, accounts: &Accounts, run: usize, count: usize) -> anyhow::Result<Duration> {
    let mut prepared = Vec::with_capacity(count.div_ceil(BATCH_TRANSFERS));
    for start in (0..count).step_by(BATCH_TRANSFERS) {
        let end = (start + BATCH_TRANSFERS).min(count);
        prepared.push((start..end).map(|number| accounts.transfer(run, number)).collect::<anyhow::Result<Vec<_>>>()?);
    }
    let started = Instant::now();
    for batch in prepared {
        post(store, batch).await?;
    }
    Ok(started.elapsed())
}

/// Measures every cell of `backend`: `runs` runs each, `singles` transfers per single
/// run and `batched` per batch run.
pub async fn measure(
    backend: Backend,
    runs: usize,
    singles_count: usize,
    batched: usize,
) -> anyhow::Result<Vec<LedgerCell>> {
    let modes: [(&'static str, usize, usize); 3] = [
        ("single c=1", 1, singles_count),
        ("single c=16", SINGLE_CONCURRENCY, singles_count),
        ("batch 1000", 0, batched),
    ];
    let mut cells = Vec::new();
    for (mode, concurrency, count) in modes {
        let (store, database) = open(backend).await?;
        let accounts = Arc::new(Accounts::new()?);
        // Warm-up: open the accounts and the statement caches.
        batches(&store, &accounts, usize::MAX, BATCH_TRANSFERS).await?;
        // The server's fold worker (PostgreSQL's account deltas into their accounts), as
        // `tradewind serve` runs it.
        let (stop_fold, fold_stopped) = tokio::sync::watch::channel(false);
        let fold = tokio::spawn(tradewind_api::worker::run_ledger_fold(store.clone(), fold_stopped));
        let mut rates = Vec::with_capacity(runs);
        for run in 0..runs {
            let elapsed = match concurrency {
                0 => batches(&store, &accounts, run, count).await?,
                concurrency => singles(&store, &accounts, run, count, concurrency).await?,
            };
            let rate = count as f64 / elapsed.as_secs_f64();
            println!(
                "{} {mode} run {}/{runs}: {rate:>10.0} transfers/s ({count} in {:.2} s)",
                backend.name(),
                run + 1,
                elapsed.as_secs_f64()
            );
            rates.push(rate);
        }
        let _ = stop_fold.send(true);
        let _ = fold.await;
        store.close().await;
        database.remove().await?;
        cells.push(LedgerCell { backend, mode, transfers_per_second: rates });
    }
    Ok(cells)
}
