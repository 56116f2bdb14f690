//! What the process has seen of each connector account lately: success windows per
//! connector × method × country and a circuit breaker per connector. The caller keeps
//! one `Health` (behind a `Mutex`), records every attempt's outcome and passes it to
//! [`route`](crate::route) by reference.
//!
//! Every outcome goes into two windows: its country's (when the payment's country is
//! known) and the connector × method window for all countries, which success-rate
//! routing falls back to while a country has too few outcomes of its own.
//!
//! Bounded: a window keeps at most `window_outcomes` outcomes; at most `windows_max`
//! windows and `connectors_max` connectors are kept, and adding one beyond the bound
//! forgets the one recorded into longest ago.

use crate::breaker::{BreakerConfig, BreakerState, CircuitBreaker};
use crate::facts::country_key;
use crate::rule_set::MIN_SAMPLES_MAX;
use crate::success_window::{SuccessWindow, WindowStats};
use std::collections::HashMap;
use tradewind_payments::method::PaymentMethodType;

/// How a connector answered an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Success,
    /// The provider refused the payment (insufficient funds, fraud, …): a failure for
    /// the success rate, not a fault for the breaker.
    Decline,
    Error,
    Timeout,
}

impl Outcome {
    pub fn is_success(self) -> bool {
        self == Outcome::Success
    }

    /// Whether the breaker counts it as the provider failing.
    pub fn is_fault(self) -> bool {
        matches!(self, Outcome::Error | Outcome::Timeout)
    }
}

/// Settings; [`HealthConfig::default`] is what the server should use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthConfig {
    /// Outcomes one success window keeps, 100–10,000.
    pub window_outcomes: usize,
    /// Outcomes older than this no longer count, 60 s – 7 days.
    pub window_max_age_seconds: i64,
    /// Success windows kept in all, at least 2.
    pub windows_max: usize,
    /// Connectors (breakers and their windows) kept, at least 1.
    pub connectors_max: usize,
    pub breaker: BreakerConfig,
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig {
            window_outcomes: 100,
            window_max_age_seconds: 3_600,
            windows_max: 100_000,
            connectors_max: 10_000,
            breaker: BreakerConfig::default(),
        }
    }
}

pub const WINDOW_OUTCOMES_MAX: usize = 10_000;
pub const WINDOW_MAX_AGE_SECONDS_MAX: i64 = 7 * 24 * 3_600;
pub const BREAKER_WINDOW_SECONDS_MAX: i64 = 600;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} is out of range: {rule}")]
pub struct HealthConfigError {
    pub field: &'static str,
    pub rule: &'static str,
}

impl HealthConfig {
    /// Checks every setting against its bound.
    pub fn validate(&self) -> Result<(), HealthConfigError> {
        let breaker = &self.breaker;
        let checks = [
            (
                "window_outcomes",
                (MIN_SAMPLES_MAX as usize..=WINDOW_OUTCOMES_MAX).contains(&self.window_outcomes),
                "100 to 10,000, so any rule's min_samples fits",
            ),
            (
                "window_max_age_seconds",
                (60..=WINDOW_MAX_AGE_SECONDS_MAX).contains(&self.window_max_age_seconds),
                "60 s to 7 days",
            ),
            ("windows_max", self.windows_max >= 2, "at least 2 (one outcome fills two windows)"),
            ("connectors_max", self.connectors_max >= 1, "at least 1"),
            (
                "breaker.window_seconds",
                (1..=BREAKER_WINDOW_SECONDS_MAX).contains(&breaker.window_seconds),
                "1 to 600 s",
            ),
            ("breaker.failures_min", breaker.failures_min >= 1, "at least 1"),
            ("breaker.failure_ratio_percent", (1..=100).contains(&breaker.failure_ratio_percent), "1 to 100"),
            ("breaker.cooldown_seconds", breaker.cooldown_seconds >= 1, "at least 1 s"),
            (
                "breaker.cooldown_max_seconds",
                breaker.cooldown_max_seconds >= breaker.cooldown_seconds,
                "at least cooldown_seconds",
            ),
            ("breaker.probe_timeout_seconds", breaker.probe_timeout_seconds >= 1, "at least 1 s"),
        ];
        match checks.into_iter().find(|(_, valid, _)| !valid) {
            Some((field, _, rule)) => Err(HealthConfigError { field, rule }),
            None => Ok(()),
        }
    }
}

/// A window's key within a connector: the method and the country (`None`: all).
type WindowKey = (PaymentMethodType, Option<[u8; 2]>);

#[derive(Debug, Clone)]
struct ConnectorHealth {
    breaker: CircuitBreaker,
    windows: HashMap<WindowKey, SuccessWindow>,
    last_recorded_at: i64,
}

/// Outcome windows and breakers of every connector the process has sent payments to.
/// `Health::default()` uses [`HealthConfig::default`].
#[derive(Debug, Clone, Default)]
pub struct Health {
    config: HealthConfig,
    connectors: HashMap<String, ConnectorHealth>,
    window_count: usize,
}

impl Health {
    pub fn new(config: HealthConfig) -> Result<Health, HealthConfigError> {
        config.validate()?;
        Ok(Health { config, connectors: HashMap::new(), window_count: 0 })
    }

    pub fn config(&self) -> &HealthConfig {
        &self.config
    }

    /// Records how `connector` answered a `method` payment from `country` (the card's
    /// country, else the buyer's; `None` or a malformed code counts for all countries
    /// only).
    pub fn record_outcome(
        &mut self,
        connector: &str,
        method: PaymentMethodType,
        country: Option<&str>,
        outcome: Outcome,
        now: i64,
    ) {
        let country = country.and_then(country_key);
        let config = self.config;
        if !self.connectors.contains_key(connector) {
            if self.connectors.len() >= config.connectors_max {
                self.forget_idlest_connector();
            }
            let health = ConnectorHealth {
                breaker: CircuitBreaker::new(config.breaker),
                windows: HashMap::new(),
                last_recorded_at: now,
            };
            self.connectors.insert(connector.to_owned(), health);
        }
        let Some(health) = self.connectors.get_mut(connector) else { return };
        health.last_recorded_at = health.last_recorded_at.max(now);
        health.breaker.record(outcome.is_fault(), now);
        let keys: Vec<WindowKey> =
            [Some((method, None)), country.map(|code| (method, Some(code)))].into_iter().flatten().collect();
        for key in &keys {
            let window = health.windows.entry(*key).or_insert_with(|| {
                self.window_count += 1;
                SuccessWindow::new(config.window_outcomes)
            });
            window.record(outcome.is_success(), now);
        }
        self.trim_windows(connector, &keys);
    }

    /// The counts of `connector`'s window for `method` and `country` (`None`: all
    /// countries) at `now`.
    pub fn success_stats(
        &self,
        connector: &str,
        method: PaymentMethodType,
        country: Option<&str>,
        now: i64,
    ) -> WindowStats {
        let key = match country {
            Some(code) => match country_key(code) {
                Some(code) => (method, Some(code)),
                None => return WindowStats::default(),
            },
            None => (method, None),
        };
        self.connectors
            .get(connector)
            .and_then(|health| health.windows.get(&key))
            .map(|window| window.stats(now, self.config.window_max_age_seconds))
            .unwrap_or_default()
    }

    /// The breaker of `connector` at `now`; closed for a connector never recorded.
    pub fn breaker_state(&self, connector: &str, now: i64) -> BreakerState {
        self.connectors.get(connector).map_or(BreakerState::Closed, |health| health.breaker.state(now))
    }

    /// Call just before sending a payment to `connector`: false when its breaker is
    /// open or its half-open probe is already out (try the next connector), true
    /// otherwise (when half-open, this attempt is the probe).
    pub fn admit(&mut self, connector: &str, now: i64) -> bool {
        self.connectors.get_mut(connector).is_none_or(|health| health.breaker.admit(now))
    }

    /// Keeps the number of windows within `windows_max` by forgetting those recorded
    /// into longest ago, never the ones of the outcome just recorded.
    fn trim_windows(&mut self, connector: &str, keys: &[WindowKey]) {
        while self.window_count > self.config.windows_max {
            let idlest = self
                .connectors
                .iter()
                .flat_map(|(name, health)| health.windows.iter().map(move |(key, window)| (name, *key, window)))
                .filter(|(name, key, _)| name.as_str() != connector || !keys.contains(key))
                .min_by_key(|(_, _, window)| window.last_recorded_at())
                .map(|(name, key, _)| (name.clone(), key));
            let Some((name, key)) = idlest else { return };
            if let Some(health) = self.connectors.get_mut(&name)
                && health.windows.remove(&key).is_some()
            {
                self.window_count -= 1;
            }
        }
    }

    fn forget_idlest_connector(&mut self) {
        let idlest = self.connectors.iter().min_by_key(|(_, health)| health.last_recorded_at);
        if let Some(name) = idlest.map(|(name, _)| name.clone())
            && let Some(health) = self.connectors.remove(&name)
        {
            self.window_count -= health.windows.len();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const CARD: PaymentMethodType = PaymentMethodType::Card;

    #[test]
    fn an_outcome_counts_for_its_country_and_for_all_countries() {
        let mut health = Health::default();
        health.record_outcome("mca_A", CARD, Some("de"), Outcome::Success, 10);
        health.record_outcome("mca_A", CARD, Some("FR"), Outcome::Decline, 11);
        health.record_outcome("mca_A", CARD, None, Outcome::Timeout, 12);
        health.record_outcome("mca_A", CARD, Some("Germany"), Outcome::Success, 13);
        let stats = |country| health.success_stats("mca_A", CARD, country, 20);
        assert_eq!(stats(Some("DE")), WindowStats { successes: 1, total: 1 });
        assert_eq!(stats(Some("FR")), WindowStats { successes: 0, total: 1 });
        assert_eq!(stats(None), WindowStats { successes: 2, total: 4 });
        assert_eq!(stats(Some("Germany")), WindowStats::default());
        assert_eq!(health.success_stats("mca_A", PaymentMethodType::Paypal, None, 20), WindowStats::default());
        assert_eq!(health.success_stats("mca_B", CARD, None, 20), WindowStats::default());
    }

    #[test]
    fn windows_beyond_the_bound_forget_the_idlest() {
        let config = HealthConfig { windows_max: 4, ..HealthConfig::default() };
        let mut health = Health::new(config).unwrap();
        health.record_outcome("mca_A", CARD, Some("DE"), Outcome::Success, 10);
        health.record_outcome("mca_B", CARD, Some("DE"), Outcome::Success, 20);
        assert_eq!(health.window_count, 4);
        // A third connector's two windows push out mca_A's two, recorded longest ago.
        health.record_outcome("mca_C", CARD, Some("DE"), Outcome::Success, 30);
        assert_eq!(health.window_count, 4);
        assert_eq!(health.success_stats("mca_A", CARD, None, 30).total, 0);
        assert_eq!(health.success_stats("mca_B", CARD, None, 30).total, 1);
        assert_eq!(health.success_stats("mca_C", CARD, Some("DE"), 30).total, 1);
    }

    #[test]
    fn connectors_beyond_the_bound_forget_the_idlest() {
        let config = HealthConfig { connectors_max: 2, ..HealthConfig::default() };
        let mut health = Health::new(config).unwrap();
        for (connector, at) in [("mca_A", 10), ("mca_B", 20), ("mca_A", 30), ("mca_C", 40)] {
            health.record_outcome(connector, CARD, None, Outcome::Error, at);
        }
        assert_eq!(health.connectors.len(), 2);
        assert!(!health.connectors.contains_key("mca_B"));
        assert_eq!(health.window_count, 2);
    }

    #[test]
    fn settings_out_of_range_are_named() {
        assert_eq!(Health::new(HealthConfig::default()).map(|_| ()), Ok(()));
        let field = |config: HealthConfig| Health::new(config).map(|_| ()).unwrap_err().field;
        assert_eq!(
            field(HealthConfig { window_max_age_seconds: 10, ..HealthConfig::default() }),
            "window_max_age_seconds"
        );
        assert_eq!(field(HealthConfig { windows_max: 1, ..HealthConfig::default() }), "windows_max");
        let breaker = BreakerConfig { cooldown_max_seconds: 10, ..BreakerConfig::default() };
        assert_eq!(field(HealthConfig { breaker, ..HealthConfig::default() }), "breaker.cooldown_max_seconds");
    }
}
