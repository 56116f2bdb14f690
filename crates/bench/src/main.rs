//! `tradewind-bench`: creates and confirms card payments against the real server and
//! prints throughput and latency per backend and concurrency.
//!
//! ```text
//! cargo run --release -p tradewind-bench -- [--backends sqlite,postgres] [--concurrency 1,16,64]
//!     [--seconds 10 | --payments N] [--runs 3] [--warmup-seconds 1] [--quick]
//!     [--compare-postings | --without-postings]
//! cargo run --release -p tradewind-bench -- --ledger [--backends …] [--runs 3] [--quick]
//! cargo run --release -p tradewind-bench -- --webhooks [--backends …] [--runs 3] [--quick]
//! cargo run --release -p tradewind-bench -- --routing [--runs 3] [--quick]
//! cargo run --release -p tradewind-bench -- --support [--backends …] [--conversations 50,200,500]
//!     [--seconds 10] [--runs 3] [--quick]
//! cargo run --release -p tradewind-bench -- --realtime [--subscribers 1000,5000,10000] [--rate auto|N]
//!     [--seconds 5] [--runs 3] [--require-baseline] [--floor] [--quick]
//! ```
//!
//! Every cell (backend × concurrency) gets a fresh server and database, a warm-up,
//! then `--runs` measured runs; the table shows the median of the runs. With
//! `--compare-postings` the two variants' servers run side by side and their runs
//! alternate; `--without-postings` runs the variant without postings alone. The client
//! runs in the same process and on the same CPUs as the server, so its (small) cost
//! is part of the figures. Only 127.0.0.1 is ever contacted.
//!
//! - [`server`]: the in-process server on a fresh SQLite file or PostgreSQL schema.
//! - [`client`]: the workers, one keep-alive connection each; a payment is create + confirm.
//! - [`report`]: percentiles, medians and the table.
//! - [`ledger`]: `--ledger`, the ledger alone: single transfers and batches of 1,000
//!   posted through the storage layer.
//! - [`webhooks`]: `--webhooks`, webhook delivery throughput to a local receiver
//!   (dispatch from the events outbox, signed POSTs, attempts recorded).
//! - [`routing`]: `--routing`, routing decision latency alone (50 rules, 6 connector
//!   accounts, no I/O): p50/p99 per decision and decisions per second.
//! - [`support`]: `--support`, the embedded assistant's answer latency over the
//!   evaluation set, and concurrent widget conversations with agents replying.
//! - [`realtime`]: `--realtime`, WebSocket fan-out of one channel to N subscribers,
//!   Tradewind (in a process of its own) beside a Node.js `ws` broadcast server.

mod client;
mod cpu;
mod ledger;
mod realtime;
mod report;
mod routing;
mod server;
mod support;
mod webhooks;

use anyhow::Context;
use clap::Parser;
use client::Target;
use report::{Cell, RunSummary};
use server::{Backend, Server};
use std::sync::Arc;
use std::time::Duration;

/// mimalloc: the request path allocates many small, short-lived objects, where glibc
/// malloc showed up in profiles.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The longest a run limited by `--payments` may take before it stops by itself.
const RUN_SECONDS_MAX: f64 = 600.0;
const SECONDS_DEFAULT: f64 = 10.0;
/// `--realtime`: the length of each run unless `--seconds` says otherwise.
const REALTIME_SECONDS_DEFAULT: f64 = 5.0;
const QUICK_SECONDS: f64 = 1.0;
const QUICK_WARMUP_SECONDS: f64 = 0.2;
const CONCURRENCY_MAX: usize = 1024;
const RUNS_MAX: usize = 100;
const PAYMENTS_PER_RUN_MAX: u64 = 100_000_000;

#[derive(Parser)]
#[command(name = "tradewind-bench", about = "Create + confirm card payments against the in-process server")]
struct Cli {
    /// Backends to measure, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<Backend>,
    /// Concurrent workers (one keep-alive connection each), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    concurrency: Vec<usize>,
    /// Length of each run (default 10).
    #[arg(long, conflicts_with = "payments")]
    seconds: Option<f64>,
    /// Payments per run instead of a fixed time (stops after 600 s regardless).
    #[arg(long)]
    payments: Option<u64>,
    /// Measured runs per cell; the table shows their median.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Unmeasured load before the runs of each cell.
    #[arg(long, default_value_t = 1.0)]
    warmup_seconds: f64,
    /// A smoke run: 1 s per cell, one run, a 0.2 s warm-up.
    #[arg(long, conflicts_with_all = ["seconds", "runs", "warmup_seconds"])]
    quick: bool,
    /// Measure the ledger alone (single transfers and batches of 1,000, no HTTP).
    #[arg(long)]
    ledger: bool,
    /// Measure webhook delivery alone: events per second from the outbox to a local
    /// receiver, with 1 and 8 endpoints.
    #[arg(long, conflicts_with = "ledger")]
    webhooks: bool,
    /// Measure routing decisions alone: 50 rules, 6 connector accounts, in process.
    #[arg(long, conflicts_with_all = ["ledger", "webhooks"])]
    routing: bool,
    /// Measure WebSocket fan-out: N subscribers on one channel, one publisher, Tradewind
    /// beside a Node.js `ws` broadcast server under the same load.
    #[arg(long, conflicts_with_all = ["ledger", "webhooks", "routing"])]
    realtime: bool,
    /// Measure the support desk: the embedded assistant's answer latency, and concurrent
    /// conversations on one node with agents replying.
    #[arg(long, conflicts_with_all = ["ledger", "webhooks", "routing", "realtime"])]
    support: bool,
    /// `--support`: concurrent conversation counts, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "50,200,500")]
    conversations: Vec<usize>,
    /// `--realtime`: subscriber counts, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1000,5000,10000")]
    subscribers: Vec<usize>,
    /// `--realtime`: publications per second, or `auto` for two loads per subscriber
    /// count (100,000 and 400,000 deliveries per second).
    #[arg(long, default_value = "auto")]
    rate: realtime::RateChoice,
    /// `--realtime`: fail when the `ws` baseline cannot run (no node, npm ci failed)
    /// instead of measuring Tradewind alone.
    #[arg(long)]
    require_baseline: bool,
    /// Internal to `--realtime`: serve Tradewind in this process on a fresh SQLite file,
    /// print its address and key as one JSON line, stop when standard input closes.
    #[arg(long, hide = true)]
    realtime_server: bool,
    /// `--realtime`: also measure the machine's floor, a bare broadcaster (a writer
    /// thread per CPU, one `write` per subscriber, nothing else) under the same load.
    #[arg(long)]
    floor: bool,
    /// Internal to `--realtime --floor`: serve the bare broadcaster in this process,
    /// print its port as one JSON line, stop when standard input closes.
    #[arg(long, hide = true)]
    realtime_floor_server: bool,
    /// Measure each backend twice, with ledger postings and without, side by side
    /// (the second row of each pair is labelled `…-nopost`).
    #[arg(long)]
    compare_postings: bool,
    /// Measure each backend without ledger postings only (the `…-nopost` rows alone),
    /// for profiling that variant on its own.
    #[arg(long, conflicts_with = "compare_postings")]
    without_postings: bool,
}

/// `--support`: the length of each conversation run unless `--seconds` says otherwise.
const SUPPORT_SECONDS_DEFAULT: f64 = 10.0;

/// Transfers per run of the ledger benchmark: one at a time, and in batches.
const LEDGER_SINGLES: usize = 5_000;
const LEDGER_BATCHED: usize = 100_000;
const LEDGER_QUICK_SINGLES: usize = 500;
const LEDGER_QUICK_BATCHED: usize = 5_000;

/// `--ledger`: every backend's cells, then the table of medians.
async fn measure_ledger(cli: &Cli) -> anyhow::Result<()> {
    let (runs, singles, batched) = if cli.quick {
        (1, LEDGER_QUICK_SINGLES, LEDGER_QUICK_BATCHED)
    } else {
        anyhow::ensure!((1..=RUNS_MAX).contains(&cli.runs), "--runs must be 1 to {RUNS_MAX}");
        (cli.runs, LEDGER_SINGLES, LEDGER_BATCHED)
    };
    println!("tradewind-bench --ledger: transfers posted through the storage layer (no HTTP), fresh database per cell");
    println!("command   {}", std::env::args().collect::<Vec<_>>().join(" "));
    println!(
        "runs      {runs} per cell; single: {singles} transfers per run; batch: {batched} per run in batches of {}",
        ledger::BATCH_TRANSFERS
    );
    println!();
    let mut cells = Vec::new();
    for &backend in &cli.backends {
        cells.extend(ledger::measure(backend, runs, singles, batched).await?);
    }
    println!();
    println!("{:<9} {:<12} {:>14} {:>5}", "backend", "mode", "transfers/s", "runs");
    for cell in &cells {
        let median = report::median(cell.transfers_per_second.clone());
        println!(
            "{:<9} {:<12} {:>14.0} {:>5}",
            cell.backend.name(),
            cell.mode,
            median,
            cell.transfers_per_second.len()
        );
    }
    Ok(())
}

/// Events per run of the webhook benchmark, and endpoints each event goes to.
const WEBHOOK_EVENTS: usize = 2_000;
const WEBHOOK_QUICK_EVENTS: usize = 200;
const WEBHOOK_ENDPOINTS: [usize; 2] = [1, 8];

/// `--webhooks`: every backend's cells, then the table of medians.
async fn measure_webhooks(cli: &Cli) -> anyhow::Result<()> {
    let (runs, events) = if cli.quick {
        (1, WEBHOOK_QUICK_EVENTS)
    } else {
        anyhow::ensure!((1..=RUNS_MAX).contains(&cli.runs), "--runs must be 1 to {RUNS_MAX}");
        (cli.runs, WEBHOOK_EVENTS)
    };
    println!("tradewind-bench --webhooks: events from the outbox to a receiver on 127.0.0.1, fresh database per cell");
    println!("command   {}", std::env::args().collect::<Vec<_>>().join(" "));
    println!(
        "runs      {runs} per cell of {events} events, each to every endpoint; 4 in flight per endpoint; \
         signed, each attempt recorded"
    );
    println!();
    let mut cells = Vec::new();
    for &backend in &cli.backends {
        cells.extend(webhooks::measure(backend, &WEBHOOK_ENDPOINTS, runs, events).await?);
    }
    println!();
    println!(
        "{:<9} {:>9} {:>7} {:>10} {:>13} {:>5}",
        "backend", "endpoints", "events", "events/s", "deliveries/s", "runs"
    );
    for cell in &cells {
        println!(
            "{:<9} {:>9} {:>7} {:>10.0} {:>13.0} {:>5}",
            cell.backend.name(),
            cell.endpoints,
            cell.events,
            report::median(cell.events_per_second.clone()),
            report::median(cell.deliveries_per_second.clone()),
            cell.events_per_second.len()
        );
    }
    Ok(())
}

/// Decisions per run of the routing benchmark.
const ROUTING_DECISIONS: usize = 200_000;
const ROUTING_QUICK_DECISIONS: usize = 20_000;

/// `--routing`: the runs and the table of medians.
fn measure_routing(cli: &Cli) -> anyhow::Result<()> {
    let (runs, decisions) = if cli.quick {
        (1, ROUTING_QUICK_DECISIONS)
    } else {
        anyhow::ensure!((1..=RUNS_MAX).contains(&cli.runs), "--runs must be 1 to {RUNS_MAX}");
        (cli.runs, ROUTING_DECISIONS)
    };
    routing::measure(runs, decisions)
}

/// `--realtime`: the options, then the mode.
async fn measure_realtime(cli: &Cli) -> anyhow::Result<()> {
    let options = realtime::Options {
        subscribers: cli.subscribers.clone(),
        rate: cli.rate,
        seconds: if cli.quick { QUICK_SECONDS } else { cli.seconds.unwrap_or(REALTIME_SECONDS_DEFAULT) },
        warmup_seconds: if cli.quick { QUICK_WARMUP_SECONDS } else { cli.warmup_seconds },
        runs: if cli.quick { 1 } else { cli.runs },
        require_baseline: cli.require_baseline,
        floor: cli.floor,
    };
    realtime::measure(&options).await
}

/// How long and how much one run may go on.
#[derive(Clone, Copy)]
struct RunLimit {
    duration: Duration,
    payments: u64,
}

struct Plan {
    run: RunLimit,
    warmup: Duration,
    runs: usize,
}

impl Cli {
    fn plan(&self) -> anyhow::Result<Plan> {
        anyhow::ensure!(!self.backends.is_empty(), "--backends names none");
        anyhow::ensure!(
            !self.concurrency.is_empty()
                && self.concurrency.iter().all(|&workers| (1..=CONCURRENCY_MAX).contains(&workers)),
            "--concurrency must list values from 1 to {CONCURRENCY_MAX}"
        );
        let runs = if self.quick { 1 } else { self.runs };
        anyhow::ensure!((1..=RUNS_MAX).contains(&runs), "--runs must be 1 to {RUNS_MAX}");
        let seconds = if self.quick { QUICK_SECONDS } else { self.seconds.unwrap_or(SECONDS_DEFAULT) };
        let warmup_seconds = if self.quick { QUICK_WARMUP_SECONDS } else { self.warmup_seconds };
        anyhow::ensure!(
            seconds > 0.0 && seconds <= RUN_SECONDS_MAX,
            "--seconds must be above 0 and at most {RUN_SECONDS_MAX}"
        );
        anyhow::ensure!(
            (0.0..=RUN_SECONDS_MAX).contains(&warmup_seconds),
            "--warmup-seconds must be 0 to {RUN_SECONDS_MAX}"
        );
        let run = match self.payments {
            Some(payments) => {
                anyhow::ensure!(
                    (1..=PAYMENTS_PER_RUN_MAX).contains(&payments),
                    "--payments must be 1 to {PAYMENTS_PER_RUN_MAX}"
                );
                RunLimit { duration: Duration::from_secs_f64(RUN_SECONDS_MAX), payments }
            }
            None => RunLimit { duration: Duration::from_secs_f64(seconds), payments: PAYMENTS_PER_RUN_MAX },
        };
        Ok(Plan { run, warmup: Duration::from_secs_f64(warmup_seconds), runs })
    }
}

/// The server's logging as `tradewind serve` sets it up by default, so per-request
/// logging costs what it costs in production (`RUST_LOG` overrides).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

pub(crate) fn first_line_with(path: &str, prefix: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|line| line.starts_with(prefix))?;
    Some(line.split_once(':')?.1.trim().to_owned())
}

fn print_header(plan: &Plan) {
    let command: Vec<String> = std::env::args().collect();
    let cpus = std::thread::available_parallelism().map(|count| count.get()).unwrap_or(0);
    let model = first_line_with("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown CPU".to_owned());
    let memory = first_line_with("/proc/meminfo", "MemTotal")
        .and_then(|text| text.trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or_else(|| "unknown".to_owned(), |kibibytes| format!("{:.1} GiB", kibibytes / 1024.0 / 1024.0));
    let load = std::fs::read_to_string("/proc/loadavg").map(|text| text.trim().to_owned()).unwrap_or_default();
    let build = if cfg!(debug_assertions) {
        "debug build (figures are not meaningful; use --release)"
    } else {
        "release build"
    };
    let limit = if plan.run.payments == PAYMENTS_PER_RUN_MAX {
        format!("{:.1} s", plan.run.duration.as_secs_f64())
    } else {
        format!("{} payments", plan.run.payments)
    };
    println!(
        "tradewind-bench: POST /v1/payment_intents, then POST …/{{id}}/confirm with card 4242…; HTTP/1.1 keep-alive"
    );
    println!("command   {}", command.join(" "));
    println!("machine   nproc {cpus}, {model}, memory {memory}, {} {}", std::env::consts::OS, std::env::consts::ARCH);
    println!("load      {load} (/proc/loadavg at start; other work on the machine skews the figures)");
    println!("build     {build}; client and server share one tokio runtime (one worker per CPU) in one process");
    println!(
        "per cell  fresh server and database, {:.1} s warm-up, {} run(s) of {limit}; latency: create + confirm",
        plan.warmup.as_secs_f64(),
        plan.runs
    );
    println!();
}

/// A row's backend label: `sqlite`, or `sqlite-nopost` without ledger postings.
fn label(backend: Backend, ledger_postings: bool) -> &'static str {
    match (backend, ledger_postings) {
        (Backend::Sqlite, true) => "sqlite",
        (Backend::Sqlite, false) => "sqlite-nopost",
        (Backend::Postgres, true) => "postgres",
        (Backend::Postgres, false) => "postgres-nopost",
    }
}

/// The cells of one backend and concurrency, one per variant (with ledger postings or
/// without): fresh servers started together, their warm-ups, then their runs taken in
/// turns (run 1 of each, run 2 of each, …), so a change in the machine's load (other
/// work on it) falls on every variant alike; then the servers stopped.
async fn measure(
    backend: Backend,
    variants: &[bool],
    concurrency: usize,
    plan: &Plan,
) -> anyhow::Result<Vec<Vec<RunSummary>>> {
    let mut servers = Vec::with_capacity(variants.len());
    let mut started = Ok(());
    for &ledger_postings in variants {
        match Server::start(backend, ledger_postings).await {
            Ok(server) => servers.push((ledger_postings, server)),
            Err(error) => {
                started = Err(error);
                break;
            }
        }
    }
    let outcome = match started {
        Ok(()) => run_in_turns(backend, &servers, concurrency, plan).await,
        Err(error) => Err(error),
    };
    let mut stopped = Ok(());
    for (_, server) in servers {
        let stop = server.stop().await.with_context(|| format!("stopping the {} server", backend.name()));
        if stopped.is_ok() {
            stopped = stop;
        }
    }
    let runs = outcome?;
    stopped?;
    Ok(runs)
}

async fn run_in_turns(
    backend: Backend,
    servers: &[(bool, Server)],
    concurrency: usize,
    plan: &Plan,
) -> anyhow::Result<Vec<Vec<RunSummary>>> {
    let mut targets = Vec::with_capacity(servers.len());
    for (ledger_postings, server) in servers {
        let label = format!("{} c={concurrency}", label(backend, *ledger_postings));
        targets.push((label, Arc::new(Target::new(server.addr, &server.secret_key)?)));
    }
    if !plan.warmup.is_zero() {
        for (label, target) in &targets {
            let warmup = client::run(target, concurrency, plan.warmup, PAYMENTS_PER_RUN_MAX).await?;
            if let Some(error) = &warmup.first_error {
                eprintln!("{label} warm-up: {} errors, first: {error}", warmup.errors);
            }
        }
    }
    let mut runs: Vec<Vec<RunSummary>> = targets.iter().map(|_| Vec::with_capacity(plan.runs)).collect();
    for index in 1..=plan.runs {
        for ((label, target), runs) in targets.iter().zip(&mut runs) {
            let cpu_before = cpu::seconds(backend);
            let tally = client::run(target, concurrency, plan.run.duration, plan.run.payments).await?;
            let cpu_seconds = cpu::seconds(backend) - cpu_before;
            if let Some(error) = &tally.first_error {
                eprintln!("{label} run {index}: first error: {error}");
            }
            let summary = RunSummary::from_tally(tally).with_cpu(cpu_seconds);
            eprintln!("{label} run {index}/{}: {}", plan.runs, summary.line());
            runs.push(summary);
        }
    }
    Ok(runs)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if cli.realtime_server {
        init_logging();
        return realtime::serve_for_parent().await;
    }
    if cli.realtime_floor_server {
        return realtime::serve_floor_for_parent();
    }
    if cli.realtime {
        return measure_realtime(&cli).await;
    }
    if cli.routing {
        return measure_routing(&cli);
    }
    if cli.support {
        init_logging();
        let (runs, seconds, conversations) = if cli.quick {
            (1, QUICK_SECONDS, vec![20])
        } else {
            anyhow::ensure!((1..=RUNS_MAX).contains(&cli.runs), "--runs must be 1 to {RUNS_MAX}");
            (cli.runs, cli.seconds.unwrap_or(SUPPORT_SECONDS_DEFAULT), cli.conversations.clone())
        };
        return support::measure(&cli.backends, &conversations, seconds, runs).await;
    }
    if cli.ledger {
        init_logging();
        return measure_ledger(&cli).await;
    }
    if cli.webhooks {
        init_logging();
        return measure_webhooks(&cli).await;
    }
    let plan = cli.plan()?;
    init_logging();
    print_header(&plan);
    let variants: &[bool] = match (cli.compare_postings, cli.without_postings) {
        (true, _) => &[true, false],
        (false, true) => &[false],
        (false, false) => &[true],
    };
    let mut cells = Vec::new();
    for &backend in &cli.backends {
        for &concurrency in &cli.concurrency {
            // With and without postings in turns, so both see the same machine.
            match measure(backend, variants, concurrency, &plan).await {
                Ok(runs) => {
                    for (&ledger_postings, runs) in variants.iter().zip(runs) {
                        cells.push(Cell { backend: label(backend, ledger_postings), concurrency, outcome: Ok(runs) });
                    }
                }
                Err(error) => {
                    let reason = format!("{error:#}");
                    for &ledger_postings in variants {
                        let name = label(backend, ledger_postings);
                        eprintln!("{name} c={concurrency}: {reason}");
                        cells.push(Cell { backend: name, concurrency, outcome: Err(reason.clone()) });
                    }
                }
            }
        }
    }
    print!("{}", report::table(&cells));
    if cli.compare_postings {
        print!("{}", report::postings_cost(&cells));
    }
    let failed = cells.iter().filter(|cell| cell.outcome.is_err()).count();
    anyhow::ensure!(failed == 0, "{failed} cell(s) could not be measured");
    Ok(())
}
