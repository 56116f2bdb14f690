//! A circuit breaker per connector account, so a failing provider stops receiving
//! payments at once and is tried again carefully.
//!
//! - **Closed**: payments flow. Outcomes are counted in one-second buckets over a
//!   rolling window (default 30 s). Faults are errors and timeouts; a decline is the
//!   provider working, not a fault. When the window holds at least `failures_min`
//!   faults (default 5) *and* they are at least `failure_ratio_percent` (default 50 %)
//!   of its outcomes, the breaker opens.
//! - **Open** until `now + cooldown` (default 30 s): routing skips the connector.
//! - **Half-open** after the cooldown: one probe at a time ([`CircuitBreaker::admit`]
//!   grants it; a probe that never reports frees its place after
//!   `probe_timeout_seconds`). Any outcome recorded while half-open decides: a success
//!   or decline closes the breaker and resets the cooldown; an error or timeout reopens
//!   it with the cooldown doubled, up to `cooldown_max_seconds` (default 5 min).
//!
//! Open turns half-open by the passing of time alone: every reading takes `now`.

/// The breaker's settings. [`HealthConfig::new`](crate::HealthConfig) checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    /// The rolling window faults are counted over, 1–600 s.
    pub window_seconds: i64,
    /// Faults in the window needed to open, at least 1.
    pub failures_min: u32,
    /// The share of the window's outcomes that must be faults to open, 1–100 %.
    pub failure_ratio_percent: u32,
    /// How long the breaker first stays open.
    pub cooldown_seconds: i64,
    /// The cap of the doubled cooldown.
    pub cooldown_max_seconds: i64,
    /// How long a probe may go unreported before another is admitted.
    pub probe_timeout_seconds: i64,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            window_seconds: 30,
            failures_min: 5,
            failure_ratio_percent: 50,
            cooldown_seconds: 30,
            cooldown_max_seconds: 300,
            probe_timeout_seconds: 30,
        }
    }
}

/// What the breaker says at an instant, for routing and for the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    /// Skipped until `until` (Unix seconds).
    Open {
        until: i64,
    },
    /// Admits one probe; `probe_in_flight` when it has been given out.
    HalfOpen {
        probe_in_flight: bool,
    },
}

impl BreakerState {
    pub fn as_str(&self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open { .. } => "open",
            BreakerState::HalfOpen { .. } => "half_open",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Closed,
    Open { until: i64 },
    HalfOpen { probe_since: Option<i64> },
}

/// Outcomes in one second of the rolling window.
#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    second: i64,
    faults: u32,
    total: u32,
}

/// One connector's breaker; [`Health`](crate::Health) keeps one per connector.
#[derive(Debug, Clone)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    phase: Phase,
    /// The cooldown of the current or next opening.
    cooldown_seconds: i64,
    /// A ring of one bucket per second of the window, indexed by `second mod length`.
    buckets: Vec<Bucket>,
}

impl CircuitBreaker {
    pub fn new(config: BreakerConfig) -> CircuitBreaker {
        let length = usize::try_from(config.window_seconds).unwrap_or(1).max(1);
        CircuitBreaker {
            config,
            phase: Phase::Closed,
            cooldown_seconds: config.cooldown_seconds,
            buckets: vec![Bucket { second: i64::MIN, faults: 0, total: 0 }; length],
        }
    }

    pub fn state(&self, now: i64) -> BreakerState {
        match self.phase_at(now) {
            Phase::Closed => BreakerState::Closed,
            Phase::Open { until } => BreakerState::Open { until },
            Phase::HalfOpen { probe_since } => BreakerState::HalfOpen { probe_in_flight: probe_since.is_some() },
        }
    }

    /// Whether a payment may be sent now: always when closed, never when open, and
    /// when half-open only if no other probe is out (this one then becomes the probe).
    pub fn admit(&mut self, now: i64) -> bool {
        self.phase = self.phase_at(now);
        match self.phase {
            Phase::Closed => true,
            Phase::Open { .. } => false,
            Phase::HalfOpen { .. } => self.try_acquire_probe(now),
        }
    }

    /// Takes the half-open breaker's one probe; false when closed, open, or the probe
    /// is already out.
    pub fn try_acquire_probe(&mut self, now: i64) -> bool {
        self.phase = self.phase_at(now);
        match self.phase {
            Phase::HalfOpen { probe_since: None } => {
                self.phase = Phase::HalfOpen { probe_since: Some(now) };
                true
            }
            _ => false,
        }
    }

    /// Counts an outcome; `fault` for errors and timeouts.
    pub fn record(&mut self, fault: bool, now: i64) {
        self.phase = self.phase_at(now);
        match self.phase {
            Phase::Closed => {
                self.count(fault, now);
                if self.tripped(now) {
                    self.open(now, self.config.cooldown_seconds);
                }
            }
            // Answers to payments sent before the breaker opened change nothing.
            Phase::Open { .. } => {}
            Phase::HalfOpen { .. } if fault => {
                let doubled = self.cooldown_seconds.saturating_mul(2).min(self.config.cooldown_max_seconds);
                self.open(now, doubled);
            }
            Phase::HalfOpen { .. } => {
                self.phase = Phase::Closed;
                self.cooldown_seconds = self.config.cooldown_seconds;
            }
        }
    }

    /// The phase at `now`: an expired opening is half-open, an overdue probe is freed.
    fn phase_at(&self, now: i64) -> Phase {
        match self.phase {
            Phase::Open { until } if now >= until => Phase::HalfOpen { probe_since: None },
            Phase::HalfOpen { probe_since: Some(since) }
                if now.saturating_sub(since) >= self.config.probe_timeout_seconds =>
            {
                Phase::HalfOpen { probe_since: None }
            }
            phase => phase,
        }
    }

    fn open(&mut self, now: i64, cooldown_seconds: i64) {
        self.cooldown_seconds = cooldown_seconds;
        self.phase = Phase::Open { until: now.saturating_add(cooldown_seconds) };
        // A closed breaker starts counting afresh.
        self.buckets.fill(Bucket { second: i64::MIN, faults: 0, total: 0 });
    }

    fn count(&mut self, fault: bool, now: i64) {
        let length = self.buckets.len() as i64;
        let index = usize::try_from(now.rem_euclid(length)).unwrap_or(0);
        let Some(bucket) = self.buckets.get_mut(index) else { return };
        if bucket.second != now {
            *bucket = Bucket { second: now, faults: 0, total: 0 };
        }
        bucket.faults += u32::from(fault);
        bucket.total += 1;
    }

    fn tripped(&self, now: i64) -> bool {
        let oldest = now.saturating_sub(self.buckets.len() as i64);
        let live = self.buckets.iter().filter(|bucket| bucket.second > oldest && bucket.second <= now);
        let (faults, total) = live.fold((0u64, 0u64), |(faults, total), bucket| {
            (faults + u64::from(bucket.faults), total + u64::from(bucket.total))
        });
        faults >= u64::from(self.config.failures_min)
            && faults * 100 >= u64::from(self.config.failure_ratio_percent) * total
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn faults_spread_beyond_the_window_do_not_open() {
        let mut breaker = CircuitBreaker::new(BreakerConfig::default());
        // One error every 10 s: never 5 within 30 s.
        for second in 0..10 {
            breaker.record(true, 1_000 + second * 10);
        }
        assert_eq!(breaker.state(1_100), BreakerState::Closed);
    }

    #[test]
    fn many_successes_dilute_a_burst_below_the_ratio() {
        let mut breaker = CircuitBreaker::new(BreakerConfig::default());
        for _ in 0..6 {
            breaker.record(false, 1_000);
        }
        for _ in 0..5 {
            breaker.record(true, 1_001);
        }
        // 5 faults of 11 outcomes: 45 % < 50 %.
        assert_eq!(breaker.state(1_001), BreakerState::Closed);
        breaker.record(true, 1_002);
        // 6 of 12: 50 %.
        assert_eq!(breaker.state(1_002), BreakerState::Open { until: 1_032 });
    }
}
