//! `--realtime`: fan-out of one channel to N WebSocket subscribers, Tradewind beside a
//! baseline broadcast server on Node.js's `ws` package, under the same load from the
//! same client.
//!
//! Per subscriber count and server: a fresh server process, its memory read, N
//! subscribers opened, its memory read again (the difference over N is the memory per
//! connection), a warm-up, then `--runs` runs of each load, taken in turns. A load is a
//! publication rate: with `--rate auto`, the rate at which N subscribers get 100,000
//! deliveries per second (latency is what it reports), and the one at which they would
//! get 400,000 (the saturation load: what is delivered per second is what it reports).
//! The table shows the medians of the runs. The client runs in this process, on the same
//! CPUs as the servers: the publisher on the tokio runtime, the subscribers on threads
//! of their own (see [`subscribers`]).
//!
//! - [`servers`]: the server processes and their memory.
//! - [`floor`]: with `--floor`, a third server: the least a broadcast costs here.
//! - [`subscribers`]: the WebSocket subscribers and what they count.
//! - [`publisher`]: the publications, at a fixed rate.
//! - [`histogram`]: the latency histogram the subscribers share.

mod floor;
mod histogram;
mod publisher;
mod servers;
mod subscribers;

pub use floor::serve_for_parent as serve_floor_for_parent;
pub use servers::serve_for_parent;

use anyhow::Context;
use publisher::PublishTarget;
use servers::{Kind, ServerProcess};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use subscribers::{Crowd, Endpoint};

use crate::report::median;

/// Deliveries per second the latency load aims at (N × rate).
const TARGET_DELIVERIES_PER_SECOND: f64 = 100_000.0;
/// Deliveries per second the saturation load offers.
const SATURATION_DELIVERIES_PER_SECOND: f64 = 400_000.0;
/// The highest publication rate, per second.
const RATE_MAX: f64 = 20_000.0;
pub const SUBSCRIBERS_MAX: usize = 50_000;
/// File descriptors kept free beside the subscribers' (publisher, pipes, files).
const SPARE_DESCRIPTORS: u64 = 256;
/// After the last publication, how long deliveries may pause before the run ends.
const DRAIN_QUIET: Duration = Duration::from_secs(2);
/// The longest a run may wait for deliveries after its last publication.
const DRAIN_MAX: Duration = Duration::from_secs(60);
const DRAIN_POLL: Duration = Duration::from_millis(20);
/// Before a run, deliveries left over from the one before (a server that fell behind)
/// must have stopped for this long…
const SETTLE_QUIET: Duration = Duration::from_millis(500);
/// …waiting at most this long.
const SETTLE_MAX: Duration = Duration::from_secs(60);
/// Issue 5's targets.
const TARGET_HELD: usize = 10_000;
const TARGET_SATURATION_DELIVERIES: f64 = 200_000.0;
const TARGET_P99_MS: f64 = 50.0;
const TARGET_RATIO: f64 = 2.0;

/// What `--rate` asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RateChoice {
    /// Two loads per subscriber count: 100,000 and 400,000 deliveries per second.
    Auto,
    /// One load at this many publications per second.
    Fixed(f64),
}

impl std::str::FromStr for RateChoice {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "auto" {
            return Ok(RateChoice::Auto);
        }
        match text.parse::<f64>() {
            Ok(rate) if rate > 0.0 && rate <= RATE_MAX => Ok(RateChoice::Fixed(rate)),
            _ => Err(format!("`auto` or publications per second above 0 and at most {RATE_MAX}")),
        }
    }
}

/// The mode's settings, from the command line.
pub struct Options {
    pub subscribers: Vec<usize>,
    pub rate: RateChoice,
    pub seconds: f64,
    pub warmup_seconds: f64,
    pub runs: usize,
    pub require_baseline: bool,
    /// Also measure [`floor`]'s bare broadcaster.
    pub floor: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoadKind {
    /// N × rate = 100,000 deliveries/s: latency.
    Target,
    /// N × rate = 400,000 deliveries/s: throughput.
    Saturation,
    /// `--rate R`.
    Fixed,
}

#[derive(Debug, Clone, Copy)]
struct Load {
    kind: LoadKind,
    rate_per_second: f64,
}

fn loads(choice: RateChoice, subscribers: usize) -> Vec<Load> {
    let rate = |deliveries: f64| (deliveries / subscribers as f64).min(RATE_MAX);
    match choice {
        RateChoice::Auto => vec![
            Load { kind: LoadKind::Target, rate_per_second: rate(TARGET_DELIVERIES_PER_SECOND) },
            Load { kind: LoadKind::Saturation, rate_per_second: rate(SATURATION_DELIVERIES_PER_SECOND) },
        ],
        RateChoice::Fixed(rate_per_second) => vec![Load { kind: LoadKind::Fixed, rate_per_second }],
    }
}

/// One run's figures.
#[derive(Debug, Clone)]
struct RunFigures {
    published: u64,
    publish_errors: u64,
    deliveries: u64,
    deliveries_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    p999_ms: f64,
    /// Deliveries expected (publications × subscribers open at the start) that never came.
    lost: u64,
    /// Of those, missing between two received offsets (Tradewind).
    gaps: u64,
    repeats: u64,
    closed: usize,
    /// The server process's CPU (user and system) per delivery during the run, in µs.
    server_cpu_us_per_delivery: f64,
}

/// One row of the table: a server, a subscriber count and a load, over the runs.
struct Row {
    kind: Kind,
    subscribers: usize,
    load: Load,
    held: usize,
    memory_per_connection_bytes: f64,
    runs: Vec<RunFigures>,
}

/// One server at one subscriber count, or why it could not be measured.
struct Side {
    kind: Kind,
    subscribers: usize,
    outcome: Result<Vec<Row>, String>,
}

fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|line| line.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

impl Options {
    fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            !self.subscribers.is_empty()
                && self.subscribers.iter().all(|&count| (1..=SUBSCRIBERS_MAX).contains(&count)),
            "--subscribers must list counts from 1 to {SUBSCRIBERS_MAX}"
        );
        anyhow::ensure!((1..=crate::RUNS_MAX).contains(&self.runs), "--runs must be 1 to {}", crate::RUNS_MAX);
        anyhow::ensure!(
            self.seconds > 0.0 && self.seconds <= crate::RUN_SECONDS_MAX,
            "--seconds must be above 0 and at most {}",
            crate::RUN_SECONDS_MAX
        );
        anyhow::ensure!(
            (0.0..=crate::RUN_SECONDS_MAX).contains(&self.warmup_seconds),
            "--warmup-seconds must be 0 to {}",
            crate::RUN_SECONDS_MAX
        );
        if let (Some(limit), Some(&largest)) = (open_files_limit(), self.subscribers.iter().max()) {
            anyhow::ensure!(
                largest as u64 + SPARE_DESCRIPTORS <= limit,
                "{largest} subscribers need {} file descriptors; this process may open {limit} (ulimit -n)",
                largest as u64 + SPARE_DESCRIPTORS
            );
        }
        Ok(())
    }
}

/// Mints the token every subscriber connects with (subscribe on [`subscribers::CHANNEL`]).
async fn realtime_endpoint(server: &ServerProcess) -> anyhow::Result<Endpoint> {
    let secret_key = server.secret_key.as_deref().context("the Tradewind server has no secret key")?;
    let body = serde_json::json!({
        "user_id": "bench", "name": "Bench", "expires_in": 86_400,
        "grants": [{"pattern": subscribers::CHANNEL, "rights": ["subscribe"]}],
    });
    let answer = publisher::post_once(server.addr, Some(secret_key), "/v1/realtime/tokens", body.to_string())
        .await
        .context("minting the realtime token")?;
    let answer: serde_json::Value = serde_json::from_slice(&answer)?;
    let token = answer["token"].as_str().with_context(|| format!("no token in {answer}"))?;
    let url = answer["url"].as_str().map_or_else(|| format!("ws://{}/v1/realtime", server.addr), str::to_owned);
    Ok(Endpoint { kind: Kind::Tradewind, url, token: Some(token.to_owned()) })
}

/// Waits until no delivery has come for [`SETTLE_QUIET`] (at most [`SETTLE_MAX`]), so
/// that a run never counts the tail of the one before.
async fn settle(crowd: &Crowd) {
    let started = Instant::now();
    let mut delivered = crowd.delivered();
    let mut quiet_since = Instant::now();
    while quiet_since.elapsed() < SETTLE_QUIET && started.elapsed() < SETTLE_MAX {
        tokio::time::sleep(DRAIN_POLL).await;
        let now_delivered = crowd.delivered();
        if now_delivered != delivered {
            delivered = now_delivered;
            quiet_since = Instant::now();
        }
    }
}

/// Publishes `load` for `seconds` and waits for the deliveries.
async fn run_once(crowd: &Crowd, target: &Arc<PublishTarget>, load: Load, seconds: f64, first_seq: u64) -> RunFigures {
    let sum = |field: fn(&subscribers::SubscriberCounts) -> u64| -> u64 {
        crowd.counts.iter().map(|counts| field(counts)).sum()
    };
    settle(crowd).await;
    let _ = crowd.histogram.take();
    let delivered_before = crowd.delivered();
    let gaps_before = sum(|counts| counts.gaps.load(Ordering::Relaxed));
    let repeats_before = sum(|counts| counts.repeats.load(Ordering::Relaxed));
    let open_before = crowd.open_count();
    let count = (load.rate_per_second * seconds).ceil().max(1.0) as u64;
    let published = publisher::run(target, load.rate_per_second, count, first_seq).await;
    if let Some(error) = &published.first_error {
        eprintln!("  {} publish errors, first: {error}", published.errors);
    }
    let expected = published.published * open_before as u64;
    let drain_started = Instant::now();
    let mut delivered = crowd.delivered() - delivered_before;
    let mut last_progress = Instant::now();
    while delivered < expected && last_progress.elapsed() < DRAIN_QUIET && drain_started.elapsed() < DRAIN_MAX {
        tokio::time::sleep(DRAIN_POLL).await;
        let now_delivered = crowd.delivered() - delivered_before;
        if now_delivered > delivered {
            last_progress = Instant::now();
        }
        delivered = now_delivered;
    }
    let last_delivery_us =
        crowd.counts.iter().map(|counts| counts.last_delivery_us.load(Ordering::Relaxed)).max().unwrap_or(0);
    // From the first due time to the last delivery, and never shorter than the time the
    // publications were spread over (count / rate), so a run that kept up reports the
    // offered rate rather than a little more.
    let spread_seconds = count as f64 / load.rate_per_second;
    let window_seconds = if last_delivery_us > published.started_us {
        ((last_delivery_us - published.started_us) as f64 / 1e6).max(spread_seconds)
    } else {
        published.elapsed.as_secs_f64().max(spread_seconds)
    };
    let latencies = crowd.histogram.take();
    RunFigures {
        published: published.published,
        publish_errors: published.errors,
        deliveries: delivered,
        deliveries_per_second: if window_seconds > 0.0 { delivered as f64 / window_seconds } else { 0.0 },
        p50_ms: latencies.percentile_ms(0.50),
        p99_ms: latencies.percentile_ms(0.99),
        p999_ms: latencies.percentile_ms(0.999),
        lost: expected.saturating_sub(delivered),
        gaps: sum(|counts| counts.gaps.load(Ordering::Relaxed)) - gaps_before,
        repeats: sum(|counts| counts.repeats.load(Ordering::Relaxed)) - repeats_before,
        closed: open_before - crowd.open_count(),
        server_cpu_us_per_delivery: f64::NAN,
    }
}

fn run_line(figures: &RunFigures) -> String {
    let mut line = format!(
        "{:>9.0} deliveries/s  p50 {:>7.2} ms  p99 {:>7.2} ms  p999 {:>7.2} ms  server {:.2} µs/delivery  \
         {} published, {} delivered, {} lost",
        figures.deliveries_per_second,
        figures.p50_ms,
        figures.p99_ms,
        figures.p999_ms,
        figures.server_cpu_us_per_delivery,
        figures.published,
        figures.deliveries,
        figures.lost
    );
    if figures.gaps + figures.repeats > 0 {
        let _ = write!(line, " ({} in offset gaps, {} repeated offsets)", figures.gaps, figures.repeats);
    }
    if figures.closed > 0 {
        let _ = write!(line, "; {} subscribers closed by the server", figures.closed);
    }
    if figures.publish_errors > 0 {
        let _ = write!(line, "; {} publish errors", figures.publish_errors);
    }
    line
}

/// One server at one subscriber count: start, subscribe, memory, warm-up, runs, stop.
async fn side(
    kind: Kind,
    subscribers: usize,
    baseline: Option<&PathBuf>,
    options: &Options,
) -> anyhow::Result<Vec<Row>> {
    let server = match (kind, baseline) {
        (Kind::Tradewind, _) => ServerProcess::start_tradewind().await?,
        (Kind::Ws, Some(directory)) => ServerProcess::start_ws(directory).await?,
        (Kind::Ws, None) => anyhow::bail!("the baseline is not prepared"),
        (Kind::Floor, _) => ServerProcess::start_floor().await?,
    };
    let measured = measure_side(&server, subscribers, options).await;
    let stopped = server.stop().await;
    let rows = measured?;
    stopped?;
    Ok(rows)
}

async fn measure_side(server: &ServerProcess, subscribers: usize, options: &Options) -> anyhow::Result<Vec<Row>> {
    let kind = server.kind;
    let endpoint = match kind {
        Kind::Tradewind => realtime_endpoint(server).await?,
        Kind::Ws | Kind::Floor => Endpoint { kind, url: format!("ws://{}/", server.addr), token: None },
    };
    let target = Arc::new(PublishTarget::new(kind, server.addr, server.secret_key.as_deref())?);
    let rss_before = server.rss_bytes()?;
    let opening = Instant::now();
    let crowd = Crowd::open(&endpoint, subscribers).await;
    let held = crowd.counts.len();
    let rss_after = server.rss_bytes()?;
    eprintln!(
        "{} n={subscribers} (server pid {}): {held} subscribed in {:.1} s; RSS {:.1} MiB before, {:.1} MiB after",
        kind.name(),
        server.pid(),
        opening.elapsed().as_secs_f64(),
        rss_before as f64 / 1048576.0,
        rss_after as f64 / 1048576.0
    );
    if let Some(failure) = &crowd.first_failure {
        eprintln!("  {} subscribers failed; first: {failure}", crowd.failed);
    }
    if held == 0 {
        let reason = crowd.first_failure.clone().unwrap_or_default();
        crowd.close().await;
        anyhow::bail!("no subscriber could subscribe: {reason}");
    }
    let memory_per_connection_bytes = rss_after.saturating_sub(rss_before) as f64 / held as f64;
    let loads = loads(options.rate, subscribers);
    let mut seq = 0;
    if options.warmup_seconds > 0.0 {
        let warmup = run_once(&crowd, &target, loads[0], options.warmup_seconds, seq).await;
        seq += warmup.published + warmup.publish_errors;
    }
    let mut rows: Vec<Row> = loads
        .iter()
        .map(|&load| Row {
            kind,
            subscribers,
            load,
            held,
            memory_per_connection_bytes,
            runs: Vec::with_capacity(options.runs),
        })
        .collect();
    for run in 1..=options.runs {
        for row in &mut rows {
            let cpu_before = crate::cpu::process_seconds(server.pid());
            let mut figures = run_once(&crowd, &target, row.load, options.seconds, seq).await;
            if let (Some(before), Some(after)) = (cpu_before, crate::cpu::process_seconds(server.pid()))
                && figures.deliveries > 0
            {
                figures.server_cpu_us_per_delivery = (after - before) * 1e6 / figures.deliveries as f64;
            }
            seq += figures.published + figures.publish_errors;
            eprintln!(
                "{} n={subscribers} {:.0}/s run {run}/{}: {}",
                kind.name(),
                row.load.rate_per_second,
                options.runs,
                run_line(&figures)
            );
            row.runs.push(figures);
        }
    }
    crowd.close().await;
    Ok(rows)
}

fn print_header(options: &Options, baseline: &Result<(PathBuf, String), String>) {
    let cpus = std::thread::available_parallelism().map(|count| count.get()).unwrap_or(0);
    let model = crate::first_line_with("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown CPU".to_owned());
    let load = std::fs::read_to_string("/proc/loadavg").map(|text| text.trim().to_owned()).unwrap_or_default();
    let build = if cfg!(debug_assertions) {
        "debug build (figures are not meaningful; use --release)"
    } else {
        "release build"
    };
    println!(
        "tradewind-bench --realtime: one channel, N WebSocket subscribers, one publisher ({} connections), \
         {}-byte messages",
        publisher::PUBLISHER_CONNECTIONS,
        publisher::MESSAGE_BYTES
    );
    println!("command   {}", std::env::args().collect::<Vec<_>>().join(" "));
    println!("machine   nproc {cpus}, {model}; load {load} at start; {build}");
    match baseline {
        Ok((directory, version)) => {
            println!(
                "baseline  node {version}, ws {} ({})",
                ws_version(directory),
                directory.join("server.js").display()
            )
        }
        Err(reason) => println!("baseline  skipped: {reason}"),
    }
    println!(
        "per cell  a fresh server process; memory per connection = (server RSS after N subscribed − before) / N; \
         {:.1} s warm-up, {} run(s) of {:.1} s per load, in turns",
        options.warmup_seconds, options.runs, options.seconds
    );
    println!(
        "latency   receive time − the publication's due time (carried in the message), so a server slow to take \
         publications shows in it; client and servers share the CPUs"
    );
    println!();
}

fn ws_version(directory: &std::path::Path) -> String {
    std::fs::read_to_string(directory.join("node_modules/ws/package.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|package| package["version"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn column(runs: &[RunFigures], value: fn(&RunFigures) -> f64) -> f64 {
    median(runs.iter().map(value).collect())
}

fn load_name(load: Load) -> &'static str {
    match load.kind {
        LoadKind::Target => "100k",
        LoadKind::Saturation => "sat",
        LoadKind::Fixed => "fixed",
    }
}

/// The median deliveries/s of the row for `kind`, `subscribers` and `load_kind`.
fn median_deliveries(sides: &[Side], kind: Kind, subscribers: usize, load_kind: LoadKind) -> Option<f64> {
    sides
        .iter()
        .filter(|side| side.kind == kind && side.subscribers == subscribers)
        .filter_map(|side| side.outcome.as_ref().ok())
        .flatten()
        .find(|row| row.load.kind == load_kind)
        .map(|row| column(&row.runs, |run| run.deliveries_per_second))
}

fn table(sides: &[Side]) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "load: 100k = N × rate is 100,000 deliveries/s, sat = 400,000 offered; figures: median of the runs; \
         lost: total of the runs"
    );
    let _ = writeln!(
        text,
        "{:>11} {:<9} {:<5} {:>8} {:>10} {:>12} {:>8} {:>8} {:>8} {:>8} {:>6} {:>9} {:>10} {:>4}",
        "subscribers",
        "server",
        "load",
        "rate/s",
        "offered/s",
        "deliveries/s",
        "p50 ms",
        "p99 ms",
        "p999 ms",
        "lost",
        "held",
        "KiB/conn",
        "cpu µs/del",
        "runs"
    );
    for side in sides {
        match &side.outcome {
            Ok(rows) => {
                for row in rows {
                    let _ = writeln!(
                        text,
                        "{:>11} {:<9} {:<5} {:>8.0} {:>10.0} {:>12.0} {:>8.2} {:>8.2} {:>8.2} {:>8} {:>6} {:>9.1} {:>10.2} \
                         {:>4}",
                        row.subscribers,
                        row.kind.name(),
                        load_name(row.load),
                        row.load.rate_per_second,
                        row.load.rate_per_second * row.subscribers as f64,
                        column(&row.runs, |run| run.deliveries_per_second),
                        column(&row.runs, |run| run.p50_ms),
                        column(&row.runs, |run| run.p99_ms),
                        column(&row.runs, |run| run.p999_ms),
                        row.runs.iter().map(|run| run.lost).sum::<u64>(),
                        row.held,
                        row.memory_per_connection_bytes / 1024.0,
                        column(&row.runs, |run| run.server_cpu_us_per_delivery),
                        row.runs.len()
                    );
                }
            }
            Err(reason) => {
                let _ = writeln!(text, "{:>11} {:<9} failed: {reason}", side.subscribers, side.kind.name());
            }
        }
    }
    let mut counts: Vec<usize> = sides.iter().map(|side| side.subscribers).collect();
    counts.dedup();
    for load_kind in [LoadKind::Saturation, LoadKind::Fixed] {
        let ratios: Vec<String> = counts
            .iter()
            .filter_map(|&count| {
                let tradewind = median_deliveries(sides, Kind::Tradewind, count, load_kind)?;
                let ws = median_deliveries(sides, Kind::Ws, count, load_kind)?;
                Some(format!("{count}: {:.2}", tradewind / ws))
            })
            .collect();
        if !ratios.is_empty() {
            let _ = writeln!(text, "deliveries/s tradewind / ws ({}): {}", load_name_of(load_kind), ratios.join(", "));
        }
    }
    text
}

fn load_name_of(kind: LoadKind) -> &'static str {
    load_name(Load { kind, rate_per_second: 0.0 })
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// Issue 5's targets against what was measured; a target the configuration did not
/// measure says so.
fn targets(sides: &[Side]) -> String {
    let mut text = String::from("targets (issue 5, Tradewind on this machine)\n");
    let tradewind_rows: Vec<&Row> = sides
        .iter()
        .filter(|side| side.kind == Kind::Tradewind)
        .filter_map(|side| side.outcome.as_ref().ok())
        .flatten()
        .collect();
    let at_target = sides.iter().any(|side| side.kind == Kind::Tradewind && side.subscribers >= TARGET_HELD);
    let held = tradewind_rows.iter().filter(|row| row.subscribers >= TARGET_HELD).map(|row| row.held).max();
    let _ = match (at_target, held) {
        (false, _) => {
            writeln!(text, "  {TARGET_HELD} subscribers held: not measured (no count of {TARGET_HELD} or more)")
        }
        (true, None) => writeln!(text, "  {TARGET_HELD} subscribers held: NOT met (the cell failed)"),
        (true, Some(held)) => {
            writeln!(text, "  {TARGET_HELD} subscribers held: {held} subscribed: {}", verdict(held >= TARGET_HELD))
        }
    };
    let best = tradewind_rows
        .iter()
        .filter(|row| row.load.kind == LoadKind::Saturation)
        .map(|row| column(&row.runs, |run| run.deliveries_per_second))
        .max_by(f64::total_cmp);
    let _ = match best {
        Some(best) => writeln!(
            text,
            "  at least {TARGET_SATURATION_DELIVERIES:.0} deliveries/s: best saturation median {best:.0}: {}",
            verdict(best >= TARGET_SATURATION_DELIVERIES)
        ),
        None => writeln!(text, "  at least {TARGET_SATURATION_DELIVERIES:.0} deliveries/s: not measured (--rate auto)"),
    };
    let latency: Vec<(usize, f64, u64, f64)> = tradewind_rows
        .iter()
        .filter(|row| row.load.kind == LoadKind::Target)
        .map(|row| {
            (
                row.subscribers,
                column(&row.runs, |run| run.p99_ms),
                row.runs.iter().map(|run| run.lost).sum::<u64>(),
                column(&row.runs, |run| run.deliveries_per_second),
            )
        })
        .collect();
    if latency.is_empty() {
        let _ = writeln!(text, "  p99 under {TARGET_P99_MS} ms at 100,000 deliveries/s: not measured (--rate auto)");
    } else {
        let met = latency.iter().all(|&(_, p99, lost, delivered)| {
            p99 < TARGET_P99_MS && lost == 0 && delivered >= 0.95 * TARGET_DELIVERIES_PER_SECOND
        });
        let each: Vec<String> = latency
            .iter()
            .map(|(count, p99, lost, delivered)| format!("{count}: {p99:.2} ms at {delivered:.0}/s, {lost} lost"))
            .collect();
        let _ = writeln!(
            text,
            "  p99 under {TARGET_P99_MS} ms at 100,000 deliveries/s, none lost: {}: {}",
            each.join("; "),
            verdict(met)
        );
    }
    let floors: Vec<String> = sides
        .iter()
        .filter(|side| side.kind == Kind::Floor)
        .filter_map(|side| side.outcome.as_ref().ok())
        .flatten()
        .filter(|row| row.load.kind == LoadKind::Target)
        .map(|row| format!("{}: {:.2} ms", row.subscribers, column(&row.runs, |run| run.p99_ms)))
        .collect();
    if !floors.is_empty() {
        let _ = writeln!(
            text,
            "    the floor's p99 at 100,000 deliveries/s (the least a broadcast takes here): {}",
            floors.join("; ")
        );
    }
    let mut counts: Vec<usize> = sides.iter().map(|side| side.subscribers).collect();
    counts.dedup();
    let ratios: Vec<(usize, f64)> = counts
        .iter()
        .filter_map(|&count| {
            let tradewind = median_deliveries(sides, Kind::Tradewind, count, LoadKind::Saturation)?;
            let ws = median_deliveries(sides, Kind::Ws, count, LoadKind::Saturation)?;
            Some((count, tradewind / ws))
        })
        .collect();
    if ratios.is_empty() {
        let _ = writeln!(text, "  at least {TARGET_RATIO}× the ws baseline's deliveries/s: not measured");
    } else {
        let each: Vec<String> = ratios.iter().map(|(count, ratio)| format!("{count}: {ratio:.2}×")).collect();
        let met = ratios.iter().all(|&(_, ratio)| ratio >= TARGET_RATIO);
        let _ = writeln!(
            text,
            "  at least {TARGET_RATIO}× the ws baseline's deliveries/s: {}: {}",
            each.join(", "),
            verdict(met)
        );
    }
    text
}

/// `--realtime`: every subscriber count on each server, then the table.
pub async fn measure(options: &Options) -> anyhow::Result<()> {
    options.check()?;
    let baseline = servers::prepare_baseline().await.map_err(|error| format!("{error:#}"));
    if let Err(reason) = &baseline {
        anyhow::ensure!(!options.require_baseline, "--require-baseline: the ws baseline cannot run: {reason}");
        eprintln!("the ws baseline is skipped: {reason}");
    }
    print_header(options, &baseline);
    let directory = baseline.as_ref().ok().map(|(directory, _)| directory.clone());
    let mut kinds = vec![Kind::Tradewind];
    if directory.is_some() {
        kinds.push(Kind::Ws);
    }
    if options.floor {
        kinds.push(Kind::Floor);
    }
    let mut sides = Vec::new();
    for &subscribers in &options.subscribers {
        for &kind in &kinds {
            let outcome =
                side(kind, subscribers, directory.as_ref(), options).await.map_err(|error| format!("{error:#}"));
            if let Err(reason) = &outcome {
                eprintln!("{} n={subscribers}: {reason}", kind.name());
            }
            sides.push(Side { kind, subscribers, outcome });
        }
    }
    println!();
    print!("{}", table(&sides));
    println!();
    print!("{}", targets(&sides));
    let failed = sides.iter().filter(|side| side.outcome.is_err()).count();
    anyhow::ensure!(failed == 0, "{failed} server/subscriber-count cell(s) could not be measured");
    let silent = sides
        .iter()
        .filter_map(|side| side.outcome.as_ref().ok())
        .flatten()
        .filter(|row| row.runs.iter().any(|run| run.deliveries == 0))
        .count();
    anyhow::ensure!(silent == 0, "{silent} row(s) had a run with no deliveries at all");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_rates_aim_at_100k_and_400k_deliveries_per_second() {
        let at = |subscribers| -> Vec<f64> {
            loads(RateChoice::Auto, subscribers).iter().map(|load| load.rate_per_second).collect()
        };
        assert_eq!(at(1_000), vec![100.0, 400.0]);
        assert_eq!(at(5_000), vec![20.0, 80.0]);
        assert_eq!(at(10_000), vec![10.0, 40.0]);
        assert_eq!(at(1), vec![RATE_MAX, RATE_MAX], "capped");
        assert_eq!("auto".parse::<RateChoice>(), Ok(RateChoice::Auto));
        assert_eq!("25".parse::<RateChoice>(), Ok(RateChoice::Fixed(25.0)));
        assert!("0".parse::<RateChoice>().is_err());
        assert!("1e9".parse::<RateChoice>().is_err());
    }
}
