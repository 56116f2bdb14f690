//! Decisions name the rule, the strategy and the reasons; rules are tried in order;
//! candidates outside a matched rule are never used; skipped connectors say why.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::collections::BTreeMap;
use tradewind_money::Currency;
use tradewind_payments::method::PaymentMethodType;
use tradewind_routing::{
    Candidate, Conditions, Decision, Health, Outcome, PaymentFacts, RuleRef, RuleSet, SkipReason, Strategy,
    StrategyKind, route,
};

fn decide(rules: &RuleSet, accounts: &[Candidate], facts: &PaymentFacts, health: &Health) -> Decision {
    route(rules, accounts, facts, health, NOW, &mut StdRng::seed_from_u64(9))
}

#[test]
fn the_explanation_names_the_rule_the_strategy_and_the_failover_order() {
    let accounts = candidates(&["mca_A", "mca_B"]);
    let rules = rule_set(
        vec![rule("rule_2", "EU cards", method_and_currency("card", "EUR"), split(&[("mca_A", 70), ("mca_B", 30)]))],
        &accounts,
    );
    let decision = decide(&rules, &accounts, &card_payment(10_000, "EUR"), &Health::default());
    assert_eq!(decision.rule, Some(RuleRef { id: "rule_2".to_owned(), name: "EU cards".to_owned() }));
    assert_eq!(decision.strategy, StrategyKind::VolumeSplit);
    let (chosen, other) = (&decision.connectors[0], &decision.connectors[1]);
    assert_eq!(
        decision.explanation,
        format!(
            "Rule \"EU cards\" (rule_2) matched: method card, currency EUR. Volume split 70/30 chose {chosen}. \
             Failover order: {other}."
        )
    );
}

#[test]
fn every_strategy_is_named_in_its_explanation() {
    let accounts = candidates(&["mca_A", "mca_B"]);
    let strategies = [
        (Strategy::Single { connector: "mca_B".to_owned() }, "Single connector chose mca_B."),
        (priority(&["mca_B", "mca_A"]), "Priority list chose mca_B."),
        (split(&[("mca_A", 0), ("mca_B", 100)]), "Volume split 0/100 chose mca_B."),
        (least_cost(&["mca_A", "mca_B"]), "Least cost chose mca_A: mca_A 2.90 EUR, mca_B 2.90 EUR for 100.00 EUR."),
        (
            success_rate(&["mca_A", "mca_B"], 0),
            "Success rate chose mca_A: mca_A new (0 of 20 payments in all countries), \
             mca_B new (0 of 20 payments in all countries).",
        ),
    ];
    for (strategy, sentence) in strategies {
        let rules = rule_set(vec![rule("named", "My named rule", Conditions::default(), strategy)], &accounts);
        let decision = decide(&rules, &accounts, &card_payment(10_000, "EUR"), &Health::default());
        let expected = format!("Rule \"My named rule\" (named) matched: every payment. {sentence}");
        assert!(decision.explanation.starts_with(&expected), "{}\nshould start with\n{expected}", decision.explanation);
        assert!(decision.explanation.contains(decision.strategy.title()));
    }
}

#[test]
fn the_first_matching_rule_wins_and_unnamed_candidates_are_not_used() {
    let accounts = candidates(&["mca_A", "mca_B", "mca_C"]);
    let rules = rule_set(
        vec![
            rule(
                "paypal",
                "PayPal",
                Conditions { methods: Some(strings(&["paypal"])), ..Conditions::default() },
                priority(&["mca_C"]),
            ),
            rule(
                "big_eur",
                "Large EUR",
                Conditions { currencies: Some(strings(&["EUR"])), amount_min: Some(100_000), ..Conditions::default() },
                priority(&["mca_B"]),
            ),
            rule("eur", "EUR", method_and_currency("card", "EUR"), priority(&["mca_A", "mca_B"])),
        ],
        &accounts,
    );
    let health = Health::default();
    let large = decide(&rules, &accounts, &card_payment(150_000, "EUR"), &health);
    assert_eq!((large.rule.map(|rule| rule.id), large.connectors), (Some("big_eur".to_owned()), strings(&["mca_B"])));
    assert!(large.explanation.starts_with(
        "Rule \"Large EUR\" (big_eur) matched: currency EUR, amount 1500.00 EUR (at least 1000.00). \
         Priority list chose mca_B."
    ));
    let small = decide(&rules, &accounts, &card_payment(1_000, "EUR"), &health);
    assert_eq!(
        (small.rule.map(|rule| rule.id), small.connectors),
        (Some("eur".to_owned()), strings(&["mca_A", "mca_B"]))
    );
    let paypal = PaymentFacts { method: PaymentMethodType::Paypal, card_brand: None, ..card_payment(1_000, "EUR") };
    assert_eq!(decide(&rules, &accounts, &paypal, &health).connectors, strings(&["mca_C"]));
}

#[test]
fn without_a_matching_rule_every_eligible_candidate_goes_in_configured_order() {
    let mut accounts = candidates(&["mca_A", "mca_B", "mca_C"]);
    accounts[1].currencies = Some(vec![Currency::parse("USD").unwrap()]);
    let rules =
        rule_set(vec![rule("usd", "USD only", method_and_currency("card", "USD"), priority(&["mca_B"]))], &accounts);
    let decision = decide(&rules, &accounts, &card_payment(1_000, "EUR"), &Health::default());
    assert_eq!(decision.rule, None);
    assert_eq!(decision.strategy, StrategyKind::DefaultOrder);
    assert_eq!(decision.connectors, strings(&["mca_A", "mca_C"]));
    assert_eq!(
        decision.explanation,
        "No rule matched. Default order chose mca_A. Failover order: mca_C. Skipped: mca_B (does not take EUR)."
    );
    let without_rules = decide(&RuleSet::empty(), &accounts, &card_payment(1_000, "EUR"), &Health::default());
    assert!(without_rules.explanation.starts_with("No routing rules are set. Default order chose mca_A."));
}

#[test]
fn each_skipped_connector_says_why() {
    let mut accounts = candidates(&["mca_off", "mca_ideal", "mca_br", "mca_broken", "mca_ok"]);
    accounts[0].enabled = false;
    accounts[1].methods = vec![PaymentMethodType::Ideal];
    accounts[2].countries = Some(strings(&["BR"]));
    let mut health = Health::default();
    for second in 0..5 {
        health.record_outcome("mca_broken", PaymentMethodType::Card, Some("DE"), Outcome::Error, NOW - 10 + second);
    }
    let rules = rule_set(
        vec![rule(
            "all",
            "All accounts",
            Conditions::default(),
            priority(&["mca_off", "mca_ideal", "mca_br", "mca_broken", "mca_ok"]),
        )],
        &accounts,
    );
    let decision = decide(&rules, &accounts, &card_payment(1_000, "EUR"), &health);
    assert_eq!(decision.connectors, strings(&["mca_ok"]));
    let reasons: Vec<(&str, &str)> =
        decision.skipped.iter().map(|skip| (skip.connector.as_str(), skip.reason.code())).collect();
    assert_eq!(
        reasons,
        [
            ("mca_off", "disabled"),
            ("mca_ideal", "method_not_supported"),
            ("mca_br", "country_not_served"),
            ("mca_broken", "circuit_open")
        ]
    );
    assert!(
        decision.explanation.ends_with(
            "Priority list chose mca_ok. Skipped: mca_off (disabled); mca_ideal (does not take card); \
         mca_br (does not serve DE); mca_broken (paused after repeated errors, for another 24 s)."
        ),
        "{}",
        decision.explanation
    );
    // A country-restricted account does not take a payment of unknown country.
    let unknown = PaymentFacts { card_country: None, buyer_country: None, ..card_payment(1_000, "EUR") };
    let decision = decide(&rules, &accounts, &unknown, &health);
    assert!(
        decision.skipped.iter().any(|skip| skip.connector == "mca_br" && skip.reason == SkipReason::CountryUnknown)
    );
}

#[test]
fn a_rule_without_available_connectors_decides_nothing_and_says_why() {
    let mut accounts = candidates(&["mca_A", "mca_B"]);
    accounts[0].enabled = false;
    let rules = rule_set(
        vec![rule("only_a", "Only A", Conditions::default(), Strategy::Single { connector: "mca_A".to_owned() })],
        &accounts,
    );
    let decision = decide(&rules, &accounts, &card_payment(1_000, "EUR"), &Health::default());
    assert_eq!(decision.connectors, Vec::<String>::new());
    assert_eq!(decision.chosen(), None);
    assert_eq!(
        decision.explanation,
        "Rule \"Only A\" (only_a) matched: every payment. Single connector: no connector is available. \
         Skipped: mca_A (disabled)."
    );
    // An account deleted after the rules were saved is skipped as not configured.
    let decision = decide(&rules, &accounts[1..], &card_payment(1_000, "EUR"), &Health::default());
    assert_eq!(decision.skipped[0].reason, SkipReason::NotConfigured);
    let nothing = decide(&RuleSet::empty(), &[], &card_payment(1_000, "EUR"), &Health::default());
    assert_eq!(nothing.explanation, "No routing rules are set. No connector account is configured.");
}

#[test]
fn conditions_on_brand_countries_and_metadata_are_described_with_the_payment_values() {
    let accounts = candidates(&["mca_A"]);
    let conditions = Conditions {
        card_brands: Some(strings(&["visa", "mastercard"])),
        card_countries: Some(strings(&["DE"])),
        buyer_countries: Some(strings(&["DE", "AT"])),
        metadata: BTreeMap::from([("channel".to_owned(), "web".to_owned())]),
        ..Conditions::default()
    };
    let rules = rule_set(vec![rule("web_de", "German web Visa", conditions, priority(&["mca_A"]))], &accounts);
    let mut facts = card_payment(1_000, "EUR");
    assert_eq!(decide(&rules, &accounts, &facts, &Health::default()).rule, None);
    facts.metadata.insert("channel".to_owned(), "web".to_owned());
    let decision = decide(&rules, &accounts, &facts, &Health::default());
    assert!(
        decision.explanation.starts_with(
            "Rule \"German web Visa\" (web_de) matched: card brand visa, card country DE, buyer country DE, \
         metadata channel = web."
        ),
        "{}",
        decision.explanation
    );
}
