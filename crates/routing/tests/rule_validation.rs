//! Rule sets are refused on their first fault, which names its field path and code,
//! whether built in Rust or read from the JSON the API accepts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use tradewind_routing::rule_set::RULES_MAX;
use tradewind_routing::{Conditions, Rule, RuleError, RuleSet, Split, Strategy};

const ACCOUNTS: [&str; 3] = ["mca_A", "mca_B", "mca_C"];

fn fault(rules: Vec<Rule>) -> (String, &'static str) {
    let error: RuleError = RuleSet::new(rules, ACCOUNTS).unwrap_err();
    (error.path.clone(), error.code())
}

fn expect(rules: Vec<Rule>, path: &str, code: &str) {
    assert_eq!(fault(rules), (path.to_owned(), code), "expected {code} at {path}");
}

fn any(id: &str) -> Rule {
    rule(id, "Any", Conditions::default(), priority(&["mca_A"]))
}

fn with_strategy(strategy: Strategy) -> Vec<Rule> {
    vec![any("first"), rule("second", "Second", Conditions::default(), strategy)]
}

#[test]
fn a_valid_set_keeps_the_rules_as_written() {
    let rules = vec![
        any("first"),
        rule("second", "Second", method_and_currency("card", "EUR"), split(&[("mca_A", 60), ("mca_B", 40)])),
    ];
    let set = RuleSet::new(rules.clone(), ACCOUNTS).unwrap();
    assert_eq!(set.rules(), rules.as_slice());
}

#[test]
fn strategies_name_the_faulty_field() {
    expect(with_strategy(priority(&["mca_A", "mca_Z"])), "rules[1][strategy][connectors][1]", "unknown_connector");
    expect(
        with_strategy(Strategy::Single { connector: "mca_Z".to_owned() }),
        "rules[1][strategy][connector]",
        "unknown_connector",
    );
    expect(with_strategy(least_cost(&[])), "rules[1][strategy][connectors]", "empty_connectors");
    expect(
        with_strategy(priority(&["mca_A", "mca_B", "mca_A"])),
        "rules[1][strategy][connectors][2]",
        "duplicate_connector",
    );
    expect(with_strategy(split(&[("mca_A", 70), ("mca_B", 20)])), "rules[1][strategy][splits]", "split_not_100");
    expect(
        with_strategy(split(&[("mca_A", 120), ("mca_B", -20)])),
        "rules[1][strategy][splits][0][percent]",
        "percent_out_of_range",
    );
    expect(
        with_strategy(split(&[("mca_A", 50), ("mca_Q", 50)])),
        "rules[1][strategy][splits][1][connector]",
        "unknown_connector",
    );
    expect(
        with_strategy(Strategy::VolumeSplit { splits: Vec::<Split>::new() }),
        "rules[1][strategy][splits]",
        "empty_connectors",
    );
    let success = |exploration_percent, min_success_rate_percent, min_samples| Strategy::SuccessRate {
        connectors: strings(&["mca_A", "mca_B"]),
        exploration_percent,
        min_success_rate_percent,
        min_samples,
    };
    assert!(RuleSet::new(with_strategy(success(50, 100, 100)), ACCOUNTS).is_ok());
    expect(with_strategy(success(51, 50, 20)), "rules[1][strategy][exploration_percent]", "percent_out_of_range");
    expect(with_strategy(success(5, 101, 20)), "rules[1][strategy][min_success_rate_percent]", "percent_out_of_range");
    expect(with_strategy(success(5, 50, 0)), "rules[1][strategy][min_samples]", "min_samples_out_of_range");
    expect(with_strategy(success(5, 50, 101)), "rules[1][strategy][min_samples]", "min_samples_out_of_range");
}

#[test]
fn ids_names_and_the_number_of_rules_are_checked() {
    expect(vec![any("same"), any("other"), any("same")], "rules[2][id]", "duplicate_rule_id");
    expect(vec![any("has space")], "rules[0][id]", "invalid_rule_id");
    expect(vec![any("")], "rules[0][id]", "invalid_rule_id");
    expect(vec![rule("ok", "  ", Conditions::default(), priority(&["mca_A"]))], "rules[0][name]", "invalid_rule_name");
    let many: Vec<Rule> = (0..=RULES_MAX).map(|index| any(&format!("rule_{index}"))).collect();
    expect(many, "rules", "too_many_rules");
    let most: Vec<Rule> = (0..RULES_MAX).map(|index| any(&format!("rule_{index}"))).collect();
    assert!(RuleSet::new(most, ACCOUNTS).is_ok());
}

#[test]
fn conditions_name_the_faulty_field() {
    let amount = Conditions {
        currencies: Some(strings(&["EUR"])),
        amount_min: Some(500),
        amount_max: Some(100),
        ..Conditions::default()
    };
    expect(
        vec![any("a"), rule("b", "B", amount, priority(&["mca_A"]))],
        "rules[1][conditions][amount_min]",
        "amount_range_invalid",
    );
    let no_currency = Conditions { amount_max: Some(100), ..Conditions::default() };
    expect(
        vec![rule("b", "B", no_currency, priority(&["mca_A"]))],
        "rules[0][conditions][currencies]",
        "amount_requires_currency",
    );
    let brand = Conditions { card_brands: Some(strings(&["visa", "maestro"])), ..Conditions::default() };
    expect(
        vec![rule("b", "B", brand, priority(&["mca_A"]))],
        "rules[0][conditions][card_brands][1]",
        "unknown_card_brand",
    );
}

#[test]
fn rules_read_from_json_are_validated_like_any_other() {
    let body = r#"[
        {"id": "eu", "name": "EU cards", "conditions": {"methods": ["card"], "currencies": ["EUR"]},
         "strategy": {"type": "volume_split",
                      "splits": [{"connector": "mca_A", "percent": 70}, {"connector": "mca_B", "percent": 30}]}},
        {"id": "rest", "name": "The rest", "strategy": {"type": "success_rate", "connectors": ["mca_B", "mca_C"]}}
    ]"#;
    let rules: Vec<Rule> = serde_json::from_str(body).unwrap();
    assert_eq!(RuleSet::new(rules.clone(), ACCOUNTS).map(|set| set.rules().len()), Ok(2));
    let error = RuleSet::new(rules, ["mca_A", "mca_B"]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "rules[1][strategy][connectors][1]: `mca_C` is not one of the merchant's connector accounts"
    );
}
