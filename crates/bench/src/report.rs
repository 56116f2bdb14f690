//! Figures: one run's throughput and latency percentiles, the median over a cell's
//! runs, and the table.

use crate::client::Tally;
use std::fmt::Write as _;

/// One run, summarised.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub payments: u64,
    pub errors: u64,
    pub payments_per_second: f64,
    pub latency_ms_p50: f64,
    pub latency_ms_p99: f64,
    pub latency_ms_max: f64,
    /// CPU per payment in ms: the bench process (client and server) and, on PostgreSQL,
    /// the database's processes ([`crate::cpu`]).
    pub cpu_ms_per_payment: f64,
}

/// The nearest-rank percentile `quantile` (0 < q ≤ 1) of ascending `sorted`.
pub fn nearest_rank<T: Copy>(sorted: &[T], quantile: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (quantile * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// The nearest-rank percentile of ascending latencies in µs, in ms.
fn percentile_ms(sorted: &[u32], quantile: f64) -> f64 {
    nearest_rank(sorted, quantile).map_or(f64::NAN, |micros| f64::from(micros) / 1000.0)
}

impl RunSummary {
    pub fn from_tally(mut tally: Tally) -> RunSummary {
        tally.latencies_us.sort_unstable();
        let sorted = &tally.latencies_us;
        let seconds = tally.elapsed.as_secs_f64();
        RunSummary {
            payments: sorted.len() as u64,
            errors: tally.errors,
            payments_per_second: if seconds > 0.0 { sorted.len() as f64 / seconds } else { 0.0 },
            latency_ms_p50: percentile_ms(sorted, 0.50),
            latency_ms_p99: percentile_ms(sorted, 0.99),
            latency_ms_max: percentile_ms(sorted, 1.0),
            cpu_ms_per_payment: f64::NAN,
        }
    }

    /// With the CPU the run used, in seconds.
    pub fn with_cpu(mut self, cpu_seconds: f64) -> RunSummary {
        if self.payments > 0 {
            self.cpu_ms_per_payment = cpu_seconds * 1000.0 / self.payments as f64;
        }
        self
    }

    pub fn line(&self) -> String {
        format!(
            "{:>8.0} payments/s  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  cpu {:.3} ms/payment  {} payments  \
             {} errors",
            self.payments_per_second,
            self.latency_ms_p50,
            self.latency_ms_p99,
            self.latency_ms_max,
            self.cpu_ms_per_payment,
            self.payments,
            self.errors
        )
    }
}

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        length if length % 2 == 1 => values[length / 2],
        length => (values[length / 2 - 1] + values[length / 2]) / 2.0,
    }
}

/// One row of the table: a backend at a concurrency, over its runs.
pub struct Cell {
    pub backend: &'static str,
    pub concurrency: usize,
    pub outcome: Result<Vec<RunSummary>, String>,
}

/// Each measured column is the median of the runs taken on its own; errors are the
/// total of all runs, so a single failure is never hidden.
pub fn table(cells: &[Cell]) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "payments/s and latencies: median of the runs; errors: total of the runs");
    let _ = writeln!(
        text,
        "{:<15} {:>11} {:>11} {:>8} {:>8} {:>8} {:>10} {:>6} {:>7}",
        "backend", "concurrency", "payments/s", "p50 ms", "p99 ms", "max ms", "cpu ms/pay", "runs", "errors"
    );
    for cell in cells {
        match &cell.outcome {
            Ok(runs) => {
                let column = |value: fn(&RunSummary) -> f64| median(runs.iter().map(value).collect());
                let _ = writeln!(
                    text,
                    "{:<15} {:>11} {:>11.0} {:>8.2} {:>8.2} {:>8.2} {:>10.3} {:>6} {:>7}",
                    cell.backend,
                    cell.concurrency,
                    column(|run| run.payments_per_second),
                    column(|run| run.latency_ms_p50),
                    column(|run| run.latency_ms_p99),
                    column(|run| run.latency_ms_max),
                    column(|run| run.cpu_ms_per_payment),
                    runs.len(),
                    runs.iter().map(|run| run.errors).sum::<u64>()
                );
            }
            Err(reason) => {
                let _ = writeln!(text, "{:<15} {:>11} failed: {reason}", cell.backend, cell.concurrency);
            }
        }
    }
    text
}

/// What postings cost, per backend and concurrency, from the cells of
/// `--compare-postings` (a variant's cell, then its `…-nopost` twin): payments/s with
/// postings ÷ without, run by run (runs are taken in turns, so run i of each saw the same
/// machine), their median, and the ratio of the two medians; then CPU per payment
/// without ÷ with, the share of throughput kept if the machine were CPU-bound. The
/// issue's target is a ratio of at least [`POSTINGS_RATIO_TARGET`].
pub fn postings_cost(cells: &[Cell]) -> String {
    let mut text = String::new();
    let _ = writeln!(text);
    let _ = writeln!(
        text,
        "postings' cost: payments/s with ÷ without, per run (in turns) and median; CPU per payment without ÷ with"
    );
    for cell in cells {
        let Ok(with) = &cell.outcome else { continue };
        let twin = format!("{}-nopost", cell.backend);
        let Some(Ok(without)) = cells
            .iter()
            .find(|other| other.backend == twin && other.concurrency == cell.concurrency)
            .map(|other| &other.outcome)
        else {
            continue;
        };
        let ratios: Vec<f64> = with
            .iter()
            .zip(without)
            .map(|(with, without)| with.payments_per_second / without.payments_per_second)
            .collect();
        let per_run: Vec<String> = ratios.iter().map(|ratio| format!("{ratio:.2}")).collect();
        let median_ratio = median(ratios.clone());
        let of_medians = median(with.iter().map(|run| run.payments_per_second).collect())
            / median(without.iter().map(|run| run.payments_per_second).collect());
        let cpu = median(without.iter().map(|run| run.cpu_ms_per_payment).collect())
            / median(with.iter().map(|run| run.cpu_ms_per_payment).collect());
        let verdict = if median_ratio >= POSTINGS_RATIO_TARGET { "met" } else { "NOT met" };
        let _ = writeln!(
            text,
            "  {:<9} c={:<3} per run {}  median {median_ratio:.3}  of medians {of_medians:.3}  cpu {cpu:.3}  \
             (target {POSTINGS_RATIO_TARGET:.2}: {verdict})",
            cell.backend,
            cell.concurrency,
            per_run.join(" ")
        );
    }
    text
}

/// Payments/s with postings at least this share of the figure without (issue 3).
pub const POSTINGS_RATIO_TARGET: f64 = 0.80;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let sorted: Vec<u32> = (1..=100).map(|value| value * 1000).collect();
        assert_eq!(percentile_ms(&sorted, 0.50), 50.0);
        assert_eq!(percentile_ms(&sorted, 0.99), 99.0);
        assert_eq!(percentile_ms(&sorted, 1.0), 100.0);
        assert_eq!(percentile_ms(&[7000], 0.99), 7.0);
        assert!(percentile_ms(&[], 0.5).is_nan());
    }

    fn run(payments_per_second: f64, cpu_ms_per_payment: f64) -> RunSummary {
        RunSummary {
            payments: 100,
            errors: 0,
            payments_per_second,
            latency_ms_p50: 1.0,
            latency_ms_p99: 2.0,
            latency_ms_max: 3.0,
            cpu_ms_per_payment,
        }
    }

    #[test]
    fn postings_cost_pairs_each_variant_with_its_twin_run_by_run() {
        let cells = [
            Cell {
                backend: "sqlite",
                concurrency: 1,
                outcome: Ok(vec![run(900.0, 1.2), run(700.0, 1.25), run(1000.0, 1.3)]),
            },
            Cell {
                backend: "sqlite-nopost",
                concurrency: 1,
                outcome: Ok(vec![run(1000.0, 1.0), run(1000.0, 1.0), run(1000.0, 1.0)]),
            },
            Cell { backend: "sqlite", concurrency: 16, outcome: Ok(vec![run(500.0, 2.0)]) },
            Cell { backend: "sqlite-nopost", concurrency: 16, outcome: Err("refused".to_owned()) },
        ];
        let text = postings_cost(&cells);
        let line = text.lines().find(|line| line.contains("c=1 ")).unwrap();
        assert!(line.contains("per run 0.90 0.70 1.00"), "{line}");
        assert!(line.contains("median 0.900"), "{line}");
        // Medians 900 and 1000.
        assert!(line.contains("of medians 0.900"), "{line}");
        assert!(line.contains("cpu 0.800"), "{line}");
        assert!(line.ends_with("(target 0.80: met)"), "{line}");
        assert!(!text.contains("c=16"), "a pair with a failed twin is left out: {text}");
        let below = postings_cost(&[
            Cell { backend: "postgres", concurrency: 4, outcome: Ok(vec![run(790.0, 1.0)]) },
            Cell { backend: "postgres-nopost", concurrency: 4, outcome: Ok(vec![run(1000.0, 1.0)]) },
        ]);
        assert!(below.contains("(target 0.80: NOT met)"), "{below}");
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
    }
}
