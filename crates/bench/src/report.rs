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
        }
    }

    pub fn line(&self) -> String {
        format!(
            "{:>8.0} payments/s  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  {} payments  {} errors",
            self.payments_per_second,
            self.latency_ms_p50,
            self.latency_ms_p99,
            self.latency_ms_max,
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
        "{:<15} {:>11} {:>11} {:>8} {:>8} {:>8} {:>6} {:>7}",
        "backend", "concurrency", "payments/s", "p50 ms", "p99 ms", "max ms", "runs", "errors"
    );
    for cell in cells {
        match &cell.outcome {
            Ok(runs) => {
                let column = |value: fn(&RunSummary) -> f64| median(runs.iter().map(value).collect());
                let _ = writeln!(
                    text,
                    "{:<15} {:>11} {:>11.0} {:>8.2} {:>8.2} {:>8.2} {:>6} {:>7}",
                    cell.backend,
                    cell.concurrency,
                    column(|run| run.payments_per_second),
                    column(|run| run.latency_ms_p50),
                    column(|run| run.latency_ms_p99),
                    column(|run| run.latency_ms_max),
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

#[cfg(test)]
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

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
    }
}
