//! Circuit breakers: open on a burst of errors, stay open for the cooldown, half-open
//! to exactly one probe, close on its success, reopen with a doubled cooldown on its
//! failure; routing skips an open connector. Time is injected, nothing sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use tradewind_payments::method::PaymentMethodType;
use tradewind_routing::{BreakerConfig, BreakerState, Conditions, Health, HealthConfig, Outcome, SkipReason, route};

const CARD: PaymentMethodType = PaymentMethodType::Card;

fn record(health: &mut Health, outcome: Outcome, at: i64) {
    health.record_outcome("mca_A", CARD, Some("DE"), outcome, at);
}

/// A burst of five errors, one a second from `start`; the breaker opens on the fifth.
fn open_with_a_burst(health: &mut Health, start: i64) -> i64 {
    for second in 0..4 {
        record(health, Outcome::Error, start + second);
        assert_eq!(health.breaker_state("mca_A", start + second), BreakerState::Closed);
    }
    record(health, Outcome::Timeout, start + 4);
    start + 4
}

#[test]
fn a_burst_of_errors_opens_the_breaker_for_the_cooldown() {
    let mut health = Health::default();
    let opened_at = open_with_a_burst(&mut health, NOW);
    let until = opened_at + 30;
    assert_eq!(health.breaker_state("mca_A", opened_at), BreakerState::Open { until });
    assert_eq!(health.breaker_state("mca_A", until - 1), BreakerState::Open { until });
    assert!(!health.admit("mca_A", until - 1));
    // Routing skips it meanwhile and says for how long.
    let accounts = candidates(&["mca_A", "mca_B"]);
    let rules = rule_set(vec![rule("p", "Priority", Conditions::default(), priority(&["mca_A", "mca_B"]))], &accounts);
    let decision =
        route(&rules, &accounts, &card_payment(1_000, "EUR"), &health, until - 10, &mut StdRng::seed_from_u64(1));
    assert_eq!(decision.connectors, strings(&["mca_B"]));
    assert_eq!(decision.skipped[0].reason, SkipReason::CircuitOpen { until, remaining_seconds: 10 });
    // The other connector's breaker is its own.
    assert_eq!(health.breaker_state("mca_B", opened_at), BreakerState::Closed);
}

#[test]
fn declines_are_not_faults() {
    let mut health = Health::default();
    for second in 0..20 {
        record(&mut health, Outcome::Decline, NOW + second);
    }
    assert_eq!(health.breaker_state("mca_A", NOW + 20), BreakerState::Closed);
}

#[test]
fn after_the_cooldown_exactly_one_probe_goes_and_its_success_closes_the_breaker() {
    let mut health = Health::default();
    let until = open_with_a_burst(&mut health, NOW) + 30;
    assert_eq!(health.breaker_state("mca_A", until), BreakerState::HalfOpen { probe_in_flight: false });
    let accounts = candidates(&["mca_A", "mca_B"]);
    let rules = rule_set(vec![rule("p", "Priority", Conditions::default(), priority(&["mca_A", "mca_B"]))], &accounts);
    let mut dice = StdRng::seed_from_u64(1);
    // Half-open with the probe free: routing may choose it.
    let decision = route(&rules, &accounts, &card_payment(1_000, "EUR"), &health, until, &mut dice);
    assert_eq!(decision.chosen(), Some("mca_A"));
    assert!(health.admit("mca_A", until));
    assert!(!health.admit("mca_A", until));
    assert!(!health.admit("mca_A", until + 5));
    assert_eq!(health.breaker_state("mca_A", until + 1), BreakerState::HalfOpen { probe_in_flight: true });
    // While the probe is out, other payments skip the connector.
    let decision = route(&rules, &accounts, &card_payment(1_000, "EUR"), &health, until + 1, &mut dice);
    assert_eq!(decision.connectors, strings(&["mca_B"]));
    assert_eq!(decision.skipped[0].reason, SkipReason::ProbeInFlight);
    record(&mut health, Outcome::Success, until + 2);
    assert_eq!(health.breaker_state("mca_A", until + 2), BreakerState::Closed);
    assert!(health.admit("mca_A", until + 2));
    assert!(health.admit("mca_A", until + 2));
}

#[test]
fn a_failed_probe_reopens_with_the_cooldown_doubled_up_to_the_cap() {
    let mut health = Health::default();
    let mut now = open_with_a_burst(&mut health, NOW);
    let mut expected_cooldowns = Vec::new();
    let mut cooldown = 30;
    for _ in 0..6 {
        let BreakerState::Open { until } = health.breaker_state("mca_A", now) else { panic!("not open at {now}") };
        expected_cooldowns.push(until - now);
        now = until;
        assert!(health.admit("mca_A", now));
        record(&mut health, Outcome::Error, now);
        cooldown = (cooldown * 2).min(300);
        assert_eq!(health.breaker_state("mca_A", now), BreakerState::Open { until: now + cooldown });
    }
    assert_eq!(expected_cooldowns, [30, 60, 120, 240, 300, 300]);
    // A success after all that closes it and the next opening is back to 30 s.
    let until = now + 300;
    assert!(health.admit("mca_A", until));
    record(&mut health, Outcome::Success, until);
    let opened_at = open_with_a_burst(&mut health, until + 100);
    assert_eq!(health.breaker_state("mca_A", opened_at), BreakerState::Open { until: opened_at + 30 });
}

#[test]
fn a_probe_that_never_reports_frees_its_place_after_the_timeout() {
    let mut health = Health::default();
    let until = open_with_a_burst(&mut health, NOW) + 30;
    assert!(health.admit("mca_A", until));
    assert!(!health.admit("mca_A", until + 29));
    assert!(health.admit("mca_A", until + 30));
}

#[test]
fn the_thresholds_are_configurable() {
    let breaker = BreakerConfig { failures_min: 2, cooldown_seconds: 10, ..BreakerConfig::default() };
    let mut health = Health::new(HealthConfig { breaker, ..HealthConfig::default() }).unwrap();
    record(&mut health, Outcome::Error, NOW);
    record(&mut health, Outcome::Error, NOW);
    assert_eq!(health.breaker_state("mca_A", NOW), BreakerState::Open { until: NOW + 10 });
    let invalid = HealthConfig {
        breaker: BreakerConfig { failure_ratio_percent: 0, ..BreakerConfig::default() },
        ..HealthConfig::default()
    };
    assert_eq!(Health::new(invalid).map(|_| ()).unwrap_err().field, "breaker.failure_ratio_percent");
    let small_window = HealthConfig { window_outcomes: 50, ..HealthConfig::default() };
    assert_eq!(Health::new(small_window).map(|_| ()).unwrap_err().field, "window_outcomes");
}
