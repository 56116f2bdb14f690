//! Fault injection for the sandbox connectors: a merchant (or a test, or the demo) makes
//! a sandbox connector account slow, flaky or down, so routing can be seen shifting
//! traffic away from it. Pure: the caller reads the clock and draws the random roll,
//! and passes both in, so a test replays any decision exactly.
//!
//! A decision uses one roll in `0..100` split into bands, in this order of precedence:
//!
//! 1. an outage window containing `now` answers [`FaultDecision::Outage`] whatever the
//!    roll;
//! 2. rolls below `error_rate_percent` answer [`FaultDecision::Error`];
//! 3. the next `timeout_rate_percent` rolls answer [`FaultDecision::Timeout`] (with
//!    `processed` from `timeout_after_processing`);
//! 4. the next `soft_decline_rate_percent` rolls answer [`FaultDecision::SoftDecline`];
//! 5. every other roll answers [`FaultDecision::None`].
//!
//! The three rates together are at most 100, so the bands never overlap and each rate
//! is exactly the share of rolls it takes. Latency applies to every call, whatever the
//! decision; the caller waits it out.

use std::fmt;

/// The longest latency a connector account may be given: a call waits at most this.
pub const LATENCY_MS_MAX: u32 = 30_000;
/// Outage windows one connector account may have.
pub const OUTAGES_MAX: usize = 32;
/// Rates are percentages: each, and all three together, at most this.
pub const RATE_PERCENT_MAX: u16 = 100;

/// An outage from `start` (included) to `end` (excluded), Unix seconds on the
/// merchant's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    pub start: i64,
    pub end: i64,
}

impl Outage {
    pub fn contains(&self, now: i64) -> bool {
        self.start <= now && now < self.end
    }
}

/// What a sandbox connector account is told to get wrong. The default is nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Added to every call.
    pub latency_ms: u32,
    /// Calls that fail with a provider error (a 5xx).
    pub error_rate_percent: u8,
    /// Calls that time out.
    pub timeout_rate_percent: u8,
    /// Calls declined with a soft (retryable) decline.
    pub soft_decline_rate_percent: u8,
    /// Whether a timeout happens after the provider processed the call: the charge
    /// happened though the caller never heard so, the case where retrying elsewhere
    /// would charge twice.
    pub timeout_after_processing: bool,
    pub outages: Vec<Outage>,
}

/// A rule a fault configuration breaks; each names its field as the API does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    #[error("{field} is {value}, more than 100")]
    RateOutOfRange { field: &'static str, value: u8 },
    #[error("the error, timeout and soft decline rates add up to {total}, more than 100")]
    RatesOverHundred { total: u16 },
    #[error("latency_ms is {0}, more than {LATENCY_MS_MAX}")]
    LatencyTooLong(u32),
    #[error("outage {index} starts at {start}, not before its end {end}")]
    OutageNotBeforeEnd { index: usize, start: i64, end: i64 },
    #[error("{0} outages, more than {OUTAGES_MAX}")]
    TooManyOutages(usize),
}

impl FaultError {
    /// The field at fault, as the API names it.
    pub fn field(&self) -> String {
        match self {
            FaultError::RateOutOfRange { field, .. } => (*field).to_owned(),
            FaultError::RatesOverHundred { .. } => "error_rate_percent".to_owned(),
            FaultError::LatencyTooLong(_) => "latency_ms".to_owned(),
            FaultError::OutageNotBeforeEnd { index, .. } => format!("outages[{index}][start]"),
            FaultError::TooManyOutages(_) => "outages".to_owned(),
        }
    }
}

/// What happens to one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultDecision {
    /// The call goes through as it would without faults.
    None,
    /// The connector is down (an outage window): no call reaches it.
    Outage,
    /// The provider answers with an error.
    Error,
    /// No answer in time; `processed` says whether the provider acted on the call anyway.
    Timeout { processed: bool },
    /// A soft decline: the payment may succeed elsewhere or later.
    SoftDecline,
}

impl fmt::Display for FaultDecision {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            FaultDecision::None => "none",
            FaultDecision::Outage => "outage",
            FaultDecision::Error => "error",
            FaultDecision::Timeout { processed: false } => "timeout",
            FaultDecision::Timeout { processed: true } => "timeout_after_processing",
            FaultDecision::SoftDecline => "soft_decline",
        })
    }
}

impl Faults {
    /// Checks every rule: each rate and their sum at most 100, latency at most
    /// [`LATENCY_MS_MAX`], every outage starting before it ends, at most
    /// [`OUTAGES_MAX`] outages.
    pub fn check(&self) -> Result<(), FaultError> {
        let rates = [
            ("error_rate_percent", self.error_rate_percent),
            ("timeout_rate_percent", self.timeout_rate_percent),
            ("soft_decline_rate_percent", self.soft_decline_rate_percent),
        ];
        for (field, value) in rates {
            if u16::from(value) > RATE_PERCENT_MAX {
                return Err(FaultError::RateOutOfRange { field, value });
            }
        }
        let total: u16 = rates.iter().map(|(_, value)| u16::from(*value)).sum();
        if total > RATE_PERCENT_MAX {
            return Err(FaultError::RatesOverHundred { total });
        }
        if self.latency_ms > LATENCY_MS_MAX {
            return Err(FaultError::LatencyTooLong(self.latency_ms));
        }
        if self.outages.len() > OUTAGES_MAX {
            return Err(FaultError::TooManyOutages(self.outages.len()));
        }
        for (index, outage) in self.outages.iter().enumerate() {
            if outage.start >= outage.end {
                return Err(FaultError::OutageNotBeforeEnd { index, start: outage.start, end: outage.end });
            }
        }
        Ok(())
    }

    /// Whether nothing is injected at all.
    pub fn is_none(&self) -> bool {
        *self == Faults::default()
    }

    /// The outage window `now` falls in, if any.
    pub fn outage_at(&self, now: i64) -> Option<&Outage> {
        self.outages.iter().find(|outage| outage.contains(now))
    }

    /// What happens to a call at `now` with `roll_percent` (uniform in `0..100`; the
    /// caller draws it). See the module documentation for the bands; a roll of 100 or
    /// more falls in no band.
    pub fn decide(&self, now: i64, roll_percent: u8) -> FaultDecision {
        if self.outage_at(now).is_some() {
            return FaultDecision::Outage;
        }
        let roll = u16::from(roll_percent);
        let error_end = u16::from(self.error_rate_percent);
        let timeout_end = error_end + u16::from(self.timeout_rate_percent);
        let soft_decline_end = timeout_end + u16::from(self.soft_decline_rate_percent);
        if roll < error_end {
            FaultDecision::Error
        } else if roll < timeout_end {
            FaultDecision::Timeout { processed: self.timeout_after_processing }
        } else if roll < soft_decline_end {
            FaultDecision::SoftDecline
        } else {
            FaultDecision::None
        }
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn flaky() -> Faults {
        Faults {
            latency_ms: 250,
            error_rate_percent: 10,
            timeout_rate_percent: 5,
            soft_decline_rate_percent: 20,
            timeout_after_processing: true,
            outages: vec![Outage { start: 1_000, end: 2_000 }],
        }
    }

    #[test]
    fn each_rate_takes_exactly_its_share_of_rolls() {
        let faults = flaky();
        let mut counts = [0_u32; 4];
        for roll in 0..100 {
            match faults.decide(0, roll) {
                FaultDecision::Error => counts[0] += 1,
                FaultDecision::Timeout { processed } => {
                    assert!(processed);
                    counts[1] += 1;
                }
                FaultDecision::SoftDecline => counts[2] += 1,
                FaultDecision::None => counts[3] += 1,
                FaultDecision::Outage => panic!("no outage at 0"),
            }
        }
        assert_eq!(counts, [10, 5, 20, 65]);
    }

    #[test]
    fn bands_follow_the_documented_order() {
        let faults = flaky();
        assert_eq!(faults.decide(0, 0), FaultDecision::Error);
        assert_eq!(faults.decide(0, 9), FaultDecision::Error);
        assert_eq!(faults.decide(0, 10), FaultDecision::Timeout { processed: true });
        assert_eq!(faults.decide(0, 15), FaultDecision::SoftDecline);
        assert_eq!(faults.decide(0, 35), FaultDecision::None);
        assert_eq!(faults.decide(0, 200), FaultDecision::None);
        let plain_timeout = Faults { timeout_after_processing: false, ..flaky() };
        assert_eq!(plain_timeout.decide(0, 10), FaultDecision::Timeout { processed: false });
    }

    #[test]
    fn an_outage_wins_over_every_roll_inside_its_window_only() {
        let faults = flaky();
        for roll in [0, 12, 50, 99] {
            assert_eq!(faults.decide(1_000, roll), FaultDecision::Outage);
            assert_eq!(faults.decide(1_999, roll), FaultDecision::Outage);
        }
        assert_eq!(faults.decide(999, 50), FaultDecision::None);
        assert_eq!(faults.decide(2_000, 50), FaultDecision::None, "the end is excluded");
    }

    #[test]
    fn no_faults_decide_nothing() {
        let none = Faults::default();
        assert!(none.is_none());
        assert!(!flaky().is_none());
        for roll in 0..100 {
            assert_eq!(none.decide(1_500, roll), FaultDecision::None);
        }
        let always = Faults { error_rate_percent: 100, ..Faults::default() };
        assert_eq!(always.check(), Ok(()));
        assert_eq!(always.decide(0, 99), FaultDecision::Error);
    }

    #[test]
    fn rules_name_their_field() {
        assert_eq!(flaky().check(), Ok(()));
        let cases = [
            (Faults { error_rate_percent: 101, ..Faults::default() }, "error_rate_percent"),
            (Faults { timeout_rate_percent: 255, ..Faults::default() }, "timeout_rate_percent"),
            (Faults { soft_decline_rate_percent: 101, ..Faults::default() }, "soft_decline_rate_percent"),
            (Faults { error_rate_percent: 60, timeout_rate_percent: 41, ..Faults::default() }, "error_rate_percent"),
            (Faults { latency_ms: LATENCY_MS_MAX + 1, ..Faults::default() }, "latency_ms"),
            (
                Faults { outages: vec![Outage { start: 1, end: 2 }, Outage { start: 5, end: 5 }], ..Faults::default() },
                "outages[1][start]",
            ),
            (Faults { outages: vec![Outage { start: 1, end: 2 }; OUTAGES_MAX + 1], ..Faults::default() }, "outages"),
        ];
        for (faults, field) in cases {
            let error = faults.check().expect_err(field);
            assert_eq!(error.field(), field, "{error}");
        }
        assert_eq!(Faults { latency_ms: LATENCY_MS_MAX, ..Faults::default() }.check(), Ok(()));
    }
}
