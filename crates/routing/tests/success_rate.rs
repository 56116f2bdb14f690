//! Success-rate routing: traffic leaves a connector whose success rate falls, while
//! exploration keeps measuring it; new connectors are tried; per-country windows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tradewind_payments::method::PaymentMethodType;
use tradewind_routing::{Candidate, Conditions, Decision, Health, Outcome, PaymentFacts, RuleSet, route};

/// A merchant routing every payment by success rate over mca_good and mca_bad.
struct Simulation {
    accounts: Vec<Candidate>,
    rules: RuleSet,
    health: Health,
    routing_dice: StdRng,
    /// Draws outcomes, independent of the routing draws.
    provider_dice: StdRng,
    now: i64,
}

impl Simulation {
    fn new(exploration_percent: i64) -> Simulation {
        let accounts = candidates(&["mca_good", "mca_bad"]);
        let strategy = success_rate(&["mca_good", "mca_bad"], exploration_percent);
        let rules = rule_set(vec![rule("sr", "By success rate", Conditions::default(), strategy)], &accounts);
        Simulation {
            accounts,
            rules,
            health: Health::default(),
            routing_dice: StdRng::seed_from_u64(11),
            provider_dice: StdRng::seed_from_u64(12),
            now: NOW,
        }
    }

    /// Routes one payment a second, draws its outcome at the chosen connector's true
    /// success rate (failures are declines, so no breaker opens) and records it.
    /// Returns the connector chosen.
    fn pay(&mut self, success_percent: impl Fn(&str) -> u32) -> String {
        self.now += 1;
        let facts = card_payment(5_000, "EUR");
        let decision = route(&self.rules, &self.accounts, &facts, &self.health, self.now, &mut self.routing_dice);
        let chosen = decision.connectors[0].clone();
        let succeeded = self.provider_dice.random_range(0..100) < success_percent(&chosen);
        let outcome = if succeeded { Outcome::Success } else { Outcome::Decline };
        self.health.record_outcome(&chosen, facts.method, facts.country(), outcome, self.now);
        chosen
    }

    /// Records `successes` then `declines` card outcomes from `country` through
    /// `connector`, at the current instant.
    fn record(&mut self, connector: &str, country: &str, successes: usize, declines: usize) {
        let outcomes =
            std::iter::repeat_n(Outcome::Success, successes).chain(std::iter::repeat_n(Outcome::Decline, declines));
        for outcome in outcomes {
            self.health.record_outcome(connector, PaymentMethodType::Card, Some(country), outcome, self.now);
        }
    }

    /// Routes `facts` without recording anything.
    fn decide(&mut self, facts: &PaymentFacts) -> Decision {
        route(&self.rules, &self.accounts, facts, &self.health, self.now, &mut self.routing_dice)
    }
}

#[test]
fn traffic_leaves_a_connector_whose_rate_falls_to_twenty_percent_but_exploration_goes_on() {
    let mut simulation = Simulation::new(5);
    let healthy = |_: &str| 95;
    let warm_up: Vec<String> = (0..1_000).map(|_| simulation.pay(healthy)).collect();
    // Both connectors were used while both were healthy.
    assert!(warm_up.iter().filter(|id| *id == "mca_bad").count() >= 50);
    let dropped = |id: &str| if id == "mca_bad" { 20 } else { 95 };
    let after_drop: Vec<String> = (0..500).map(|_| simulation.pay(dropped)).collect();
    let to_bad = after_drop[250..].iter().filter(|id| *id == "mca_bad").count();
    assert!(to_bad <= 25, "{to_bad} of the last 250 payments went to the failing connector");
    assert!(to_bad > 0, "exploration stopped: no payment of the last 250 reached the failing connector");
}

#[test]
fn without_exploration_an_eliminated_connector_gets_nothing() {
    let mut simulation = Simulation::new(0);
    simulation.record("mca_bad", "DE", 0, 30);
    simulation.record("mca_good", "DE", 30, 0);
    let chosen: Vec<String> = (0..200).map(|_| simulation.pay(|_| 95)).collect();
    assert!(chosen.iter().all(|id| id == "mca_good"));
    let decision = simulation.decide(&card_payment(5_000, "EUR"));
    // The eliminated connector stays in the failover order.
    assert_eq!(decision.connectors, strings(&["mca_good", "mca_bad"]));
    assert_explains(&decision, "mca_bad eliminated at 0% < 50% (30 payments in DE)");
}

#[test]
fn when_every_connector_is_eliminated_the_best_is_used_and_the_explanation_says_so() {
    let mut simulation = Simulation::new(0);
    simulation.record("mca_good", "DE", 16, 24);
    simulation.record("mca_bad", "DE", 8, 32);
    let decision = simulation.decide(&card_payment(5_000, "EUR"));
    assert_eq!(decision.connectors, strings(&["mca_good", "mca_bad"]));
    assert_explains(
        &decision,
        "Success rate: every connector is below 50%; chose the best of them, mca_good: \
         mca_good eliminated at 40% < 50% (40 payments in DE), mca_bad eliminated at 20% < 50% (40 payments in DE).",
    );
}

#[test]
fn a_new_connector_is_tried_until_it_has_enough_samples() {
    let mut simulation = Simulation::new(0);
    // mca_good at 96 %; a new connector counts as 100 %, so it goes first.
    simulation.record("mca_good", "DE", 48, 2);
    simulation.record("mca_bad", "DE", 0, 19);
    let facts = card_payment(5_000, "EUR");
    let decision = simulation.decide(&facts);
    // 19 outcomes of the 20 needed: still new.
    assert_eq!(decision.chosen(), Some("mca_bad"));
    assert_explains(&decision, "mca_bad new (19 of 20 payments in all countries), mca_good 96% (50 payments in DE)");
    simulation.record("mca_bad", "DE", 0, 1);
    assert_eq!(simulation.decide(&facts).chosen(), Some("mca_good"));
}

#[test]
fn a_thin_country_window_falls_back_to_all_countries() {
    let mut simulation = Simulation::new(0);
    // Plenty of French history: mca_good fails there, mca_bad succeeds.
    simulation.record("mca_good", "FR", 0, 30);
    simulation.record("mca_bad", "FR", 30, 0);
    // German history is thin but says the opposite.
    simulation.record("mca_good", "DE", 5, 0);
    simulation.record("mca_bad", "DE", 0, 5);
    let german = card_payment(5_000, "EUR");
    let decision = simulation.decide(&german);
    // 5 German outcomes are too few: the 35 of all countries decide (30/35 vs 5/35).
    assert_eq!(decision.chosen(), Some("mca_bad"));
    assert_explains(&decision, "mca_bad 85% (35 payments in all countries)");
    let french = PaymentFacts { card_country: Some("FR".to_owned()), ..german };
    let decision = simulation.decide(&french);
    assert_eq!(decision.chosen(), Some("mca_bad"));
    assert_explains(&decision, "mca_good eliminated at 0% < 50% (30 payments in FR)");
}

#[test]
fn an_exploring_pick_is_marked_and_explained() {
    let mut simulation = Simulation::new(50);
    simulation.record("mca_good", "DE", 30, 0);
    simulation.record("mca_bad", "DE", 0, 30);
    let facts = card_payment(5_000, "EUR");
    let decisions: Vec<Decision> = (0..200).map(|_| simulation.decide(&facts)).collect();
    let explored: Vec<&Decision> = decisions.iter().filter(|decision| decision.explored).collect();
    assert!((60..=140).contains(&explored.len()), "{} of 200 explored at 50 %", explored.len());
    for decision in &explored {
        assert_eq!(decision.connectors, strings(&["mca_bad", "mca_good"]));
        assert_explains(
            decision,
            "Success rate explored mca_bad (50% of payments go to a connector other than the best)",
        );
    }
    let exploited = decisions.iter().filter(|decision| !decision.explored);
    assert!(exploited.map(Decision::chosen).all(|chosen| chosen == Some("mca_good")));
}
