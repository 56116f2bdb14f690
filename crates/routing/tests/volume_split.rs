//! Volume split: shares within ±3 percentage points over 10,000 decisions, the other
//! connectors as failover, and the draw among the available ones when some are not.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::collections::BTreeMap;
use tradewind_routing::{Conditions, Health, StrategyKind, route};

const DECISIONS: usize = 10_000;

/// How often each connector came first over `DECISIONS` decisions, in percent.
fn shares(shares_configured: &[(&str, i64)], seed: u64) -> BTreeMap<String, f64> {
    let ids: Vec<&str> = shares_configured.iter().map(|(id, _)| *id).collect();
    let accounts = candidates(&ids);
    let rules = rule_set(vec![rule("split", "Split", Conditions::default(), split(shares_configured))], &accounts);
    let health = Health::default();
    let mut dice = StdRng::seed_from_u64(seed);
    let mut counts = BTreeMap::new();
    for _ in 0..DECISIONS {
        let decision = route(&rules, &accounts, &card_payment(5_000, "EUR"), &health, NOW, &mut dice);
        assert_eq!(decision.strategy, StrategyKind::VolumeSplit);
        // Every connector of the split is in the decision once: the pick, then failover.
        assert_eq!(decision.connectors.len(), ids.len());
        *counts.entry(decision.connectors[0].clone()).or_insert(0usize) += 1;
    }
    counts.into_iter().map(|(id, count)| (id, count as f64 * 100.0 / DECISIONS as f64)).collect()
}

fn assert_within_three_points(measured: &BTreeMap<String, f64>, expected: &[(&str, f64)]) {
    for (id, percent) in expected {
        let share = measured.get(*id).copied().unwrap_or(0.0);
        assert!((share - percent).abs() <= 3.0, "{id}: {share:.2}% for an expected {percent}%");
    }
}

#[test]
fn seventy_thirty_lands_within_three_points() {
    for seed in [1, 2, 3] {
        let measured = shares(&[("mca_A", 70), ("mca_B", 30)], seed);
        assert_within_three_points(&measured, &[("mca_A", 70.0), ("mca_B", 30.0)]);
    }
}

#[test]
fn a_three_way_split_lands_within_three_points() {
    let measured = shares(&[("mca_A", 50), ("mca_B", 30), ("mca_C", 20)], 4);
    assert_within_three_points(&measured, &[("mca_A", 50.0), ("mca_B", 30.0), ("mca_C", 20.0)]);
}

#[test]
fn a_zero_share_is_failover_only() {
    let measured = shares(&[("mca_A", 100), ("mca_B", 0)], 5);
    assert_eq!(measured.get("mca_A"), Some(&100.0));
    assert_eq!(measured.get("mca_B"), None);
}

#[test]
fn an_unavailable_connector_leaves_the_others_their_own_weights() {
    let mut accounts = candidates(&["mca_A", "mca_B", "mca_C"]);
    let strategy = split(&[("mca_A", 70), ("mca_B", 20), ("mca_C", 10)]);
    let rules = rule_set(vec![rule("split", "Split", Conditions::default(), strategy)], &accounts);
    accounts[0].enabled = false;
    let health = Health::default();
    let mut dice = StdRng::seed_from_u64(6);
    let mut to_b = 0;
    for _ in 0..DECISIONS {
        let decision = route(&rules, &accounts, &card_payment(5_000, "EUR"), &health, NOW, &mut dice);
        assert_eq!(decision.connectors.len(), 2);
        assert!(!decision.connectors.contains(&"mca_A".to_owned()));
        to_b += usize::from(decision.connectors[0] == "mca_B");
    }
    // 20:10 → two thirds.
    let share = to_b as f64 * 100.0 / DECISIONS as f64;
    assert!((share - 200.0 / 3.0).abs() <= 3.0, "mca_B got {share:.2}%");
}
