//! Delivery latencies of one run, in microseconds, as a log-linear histogram: exact below
//! 128 µs, then 64 buckets per power of two (each at most 1/64 wide, so a percentile is
//! off by less than 1.6 %), up to [`LATENCY_US_MAX`]. Counters are atomics in a few
//! shards, so every subscriber task records without a lock and the two client threads
//! seldom share a cache line; [`Histogram::take`] sums and clears them between runs.

use std::sync::atomic::{AtomicU64, Ordering};

/// Latencies above this (60 s) are recorded as this.
pub const LATENCY_US_MAX: u64 = 60_000_000;
/// Linear steps per power of two (2^6).
const SUB_BUCKET_BITS: u32 = 6;
const SUB_BUCKETS: usize = 1 << SUB_BUCKET_BITS;
/// Values below this get a bucket each.
const EXACT_BELOW: u64 = 2 * SUB_BUCKETS as u64;
/// Shards the counters are spread over; a subscriber always records into the same one.
const SHARDS: usize = 16;

/// The bucket of `value_us` (clamped to [`LATENCY_US_MAX`]).
fn bucket_index(value_us: u64) -> usize {
    let value_us = value_us.min(LATENCY_US_MAX);
    if value_us < EXACT_BELOW {
        return value_us as usize;
    }
    let highest_bit = 63 - value_us.leading_zeros();
    let shift = highest_bit - SUB_BUCKET_BITS;
    let mantissa = (value_us >> shift) as usize;
    shift as usize * SUB_BUCKETS + mantissa
}

/// The largest value that falls in bucket `index`.
fn bucket_upper_us(index: usize) -> u64 {
    if (index as u64) < EXACT_BELOW {
        return index as u64;
    }
    let shift = index / SUB_BUCKETS - 1;
    let mantissa = (index % SUB_BUCKETS + SUB_BUCKETS) as u64;
    ((mantissa + 1) << shift) - 1
}

fn bucket_count() -> usize {
    bucket_index(LATENCY_US_MAX) + 1
}

/// The shared, sharded counters.
pub struct Histogram {
    shards: Vec<Vec<AtomicU64>>,
}

impl Histogram {
    pub fn new() -> Histogram {
        let shards = (0..SHARDS).map(|_| (0..bucket_count()).map(|_| AtomicU64::new(0)).collect()).collect();
        Histogram { shards }
    }

    /// Records one latency; `shard` is any number fixed per recorder (its index).
    pub fn record(&self, shard: usize, latency_us: u64) {
        if let Some(counter) = self.shards[shard % SHARDS].get(bucket_index(latency_us)) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Sums the shards into one set of counts and clears them.
    pub fn take(&self) -> Counts {
        let mut counts = vec![0u64; bucket_count()];
        for shard in &self.shards {
            for (total, counter) in counts.iter_mut().zip(shard) {
                *total += counter.swap(0, Ordering::Relaxed);
            }
        }
        Counts { counts }
    }
}

/// One run's latencies, summed over the shards.
pub struct Counts {
    counts: Vec<u64>,
}

impl Counts {
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The nearest-rank percentile `quantile` (0 < q ≤ 1) in ms, as its bucket's upper
    /// bound; NaN when nothing was recorded.
    pub fn percentile_ms(&self, quantile: f64) -> f64 {
        let total = self.total();
        if total == 0 {
            return f64::NAN;
        }
        let rank = ((quantile * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (index, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return bucket_upper_us(index) as f64 / 1000.0;
            }
        }
        f64::NAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_narrow() {
        let mut previous_upper = None;
        for index in 0..bucket_count() {
            let upper = bucket_upper_us(index);
            if let Some(previous) = previous_upper {
                assert!(upper > previous, "bucket {index} upper {upper} after {previous}");
                // At most 1/64 of the value wide.
                assert!((upper - previous) as f64 <= (upper as f64 / 64.0).max(1.0), "bucket {index} too wide");
            }
            assert_eq!(bucket_index(upper), index, "upper bound of bucket {index}");
            if upper >= LATENCY_US_MAX {
                assert_eq!(index, bucket_count() - 1, "the maximum's bucket is the last");
                break;
            }
            assert_eq!(bucket_index(upper + 1), index + 1, "value after bucket {index}");
            previous_upper = Some(upper);
        }
    }

    #[test]
    fn percentiles_of_a_known_spread() {
        let histogram = Histogram::new();
        // 1 ms to 100 ms, one each, across shards.
        for value in 1..=100u64 {
            histogram.record(value as usize, value * 1000);
        }
        let counts = histogram.take();
        assert_eq!(counts.total(), 100);
        let p50 = counts.percentile_ms(0.50);
        let p99 = counts.percentile_ms(0.99);
        assert!((50.0..50.0 * 1.016).contains(&p50), "p50 {p50}");
        assert!((99.0..99.0 * 1.016).contains(&p99), "p99 {p99}");
        assert_eq!(histogram.take().total(), 0, "take clears");
        assert!(histogram.take().percentile_ms(0.5).is_nan());
    }

    #[test]
    fn exact_below_128_us_and_clamped_above_the_maximum() {
        let histogram = Histogram::new();
        histogram.record(0, 7);
        histogram.record(0, u64::MAX);
        let counts = histogram.take();
        assert_eq!(counts.percentile_ms(0.5), 0.007);
        assert!(counts.percentile_ms(1.0) >= LATENCY_US_MAX as f64 / 1000.0);
    }
}
