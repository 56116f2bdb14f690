//! Properties over random merchants, rules, breakers and payments: a decision only
//! ever lists eligible candidates, each at most once; it accounts for every connector
//! it could have used; and the first matching rule decides.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use proptest::prelude::*;
use proptest::sample::subsequence;
use proptest::test_runner::TestCaseError;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::collections::BTreeSet;
use tradewind_payments::method::PaymentMethodType;
use tradewind_routing::Strategy as Routing;
use tradewind_routing::{BreakerState, Candidate, Conditions, Health, Outcome, PaymentFacts, Rule, Split, route};

const METHODS: [&str; 3] = ["card", "paypal", "ideal"];
const CURRENCIES: [&str; 3] = ["EUR", "USD", "JPY"];
const COUNTRIES: [&str; 3] = ["DE", "FR", "US"];

/// One account and what happened to it lately: errors `seconds_ago` and whether its
/// half-open probe (if any) was taken before the decision.
#[derive(Debug, Clone)]
struct Account {
    enabled: bool,
    methods: Vec<&'static str>,
    currencies: Option<Vec<&'static str>>,
    countries: Option<Vec<&'static str>>,
    errors: usize,
    seconds_ago: i64,
    probe_taken: bool,
}

fn account() -> impl Strategy<Value = Account> {
    (
        prop::bool::weighted(0.85),
        subsequence(METHODS.to_vec(), 0..=3),
        prop::option::of(subsequence(CURRENCIES.to_vec(), 0..=3)),
        prop::option::of(subsequence(COUNTRIES.to_vec(), 0..=3)),
        0usize..8,
        0i64..70,
        any::<bool>(),
    )
        .prop_map(|(enabled, methods, currencies, countries, errors, seconds_ago, probe_taken)| Account {
            enabled,
            methods,
            currencies,
            countries,
            errors,
            seconds_ago,
            probe_taken,
        })
}

/// The parts of a rule over some of `count` accounts: method and currency conditions,
/// a strategy kind, its connectors (shuffled) and split weights.
type RuleSpec = (Option<Vec<&'static str>>, Option<Vec<&'static str>>, usize, Vec<usize>, Vec<u32>);

fn rule_over(count: usize) -> impl Strategy<Value = RuleSpec> {
    (
        prop::option::of(subsequence(METHODS.to_vec(), 1..=3)),
        prop::option::of(subsequence(CURRENCIES.to_vec(), 1..=3)),
        0usize..5,
        subsequence((0..count).collect::<Vec<_>>(), 1..=count).prop_shuffle(),
        prop::collection::vec(0u32..10, count),
    )
}

fn id(index: usize) -> String {
    format!("mca_{index}")
}

fn build_rule(index: usize, (methods, currencies, kind, members, weights): RuleSpec) -> Rule {
    let connectors: Vec<String> = members.iter().map(|&member| id(member)).collect();
    let strategy = match kind {
        0 => Routing::Single { connector: connectors[0].clone() },
        1 => Routing::Priority { connectors },
        2 => {
            // Percents from the weights, the rounding remainder to the first share.
            let total: u32 = members.iter().map(|&member| weights[member]).sum::<u32>().max(1);
            let mut percents: Vec<i64> =
                members.iter().map(|&member| i64::from(weights[member] * 100 / total)).collect();
            percents[0] += 100 - percents.iter().sum::<i64>();
            let splits =
                connectors.into_iter().zip(percents).map(|(connector, percent)| Split { connector, percent }).collect();
            Routing::VolumeSplit { splits }
        }
        3 => Routing::LeastCost { connectors },
        _ => Routing::SuccessRate { connectors, exploration_percent: 10, min_success_rate_percent: 50, min_samples: 5 },
    };
    let conditions = Conditions {
        methods: methods.map(|list| list.iter().map(|value| (*value).to_owned()).collect()),
        currencies: currencies.map(|list| list.iter().map(|value| (*value).to_owned()).collect()),
        ..Conditions::default()
    };
    rule(&format!("rule_{index}"), &format!("Rule {index}"), conditions, strategy)
}

fn candidate_of(index: usize, account: &Account) -> Candidate {
    Candidate {
        enabled: account.enabled,
        methods: account.methods.iter().map(|method| PaymentMethodType::parse(method).unwrap()).collect(),
        currencies: account.currencies.as_ref().map(|list| list.iter().map(|code| currency(code)).collect()),
        countries: account.countries.as_ref().map(|list| list.iter().map(|code| (*code).to_owned()).collect()),
        ..candidate(&id(index))
    }
}

/// The screen, written out from the definition.
fn eligible(candidate: &Candidate, facts: &PaymentFacts, health: &Health) -> bool {
    let country = facts.card_country.as_deref().or(facts.buyer_country.as_deref());
    candidate.enabled
        && candidate.methods.contains(&facts.method)
        && candidate.currencies.as_ref().is_none_or(|list| list.contains(&facts.currency))
        && candidate
            .countries
            .as_ref()
            .is_none_or(|list| country.is_some_and(|code| list.iter().any(|served| served == code)))
        && !matches!(
            health.breaker_state(&candidate.id, NOW),
            BreakerState::Open { .. } | BreakerState::HalfOpen { probe_in_flight: true }
        )
}

fn matches(rule: &Rule, facts: &PaymentFacts) -> bool {
    let holds = |list: &Option<Vec<String>>, value: &str| {
        list.as_ref().is_none_or(|values| values.iter().any(|item| item == value))
    };
    holds(&rule.conditions.methods, facts.method.as_str()) && holds(&rule.conditions.currencies, facts.currency.code())
}

fn merchant() -> impl Strategy<Value = (Vec<Account>, Vec<Rule>)> {
    prop::collection::vec(account(), 1..=6).prop_flat_map(|accounts| {
        let count = accounts.len();
        let rules = prop::collection::vec(rule_over(count), 0..5).prop_map(|specs| {
            specs.into_iter().enumerate().map(|(index, spec)| build_rule(index, spec)).collect::<Vec<_>>()
        });
        (Just(accounts), rules)
    })
}

fn payment() -> impl Strategy<Value = PaymentFacts> {
    (0usize..3, 0usize..3, prop::option::of(0usize..3), 1i64..1_000_000).prop_map(
        |(method, currency_index, country, amount)| PaymentFacts {
            method: PaymentMethodType::parse(METHODS[method]).unwrap(),
            card_country: country.map(|index| COUNTRIES[index].to_owned()),
            buyer_country: None,
            ..card_payment(amount, CURRENCIES[currency_index])
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decisions_list_only_eligible_candidates_once_each(
        (accounts, rules) in merchant(),
        facts in payment(),
        seed in any::<u64>(),
    ) {
        check_decision(&accounts, &rules, &facts, seed)?;
    }
}

fn check_decision(accounts: &[Account], rules: &[Rule], facts: &PaymentFacts, seed: u64) -> Result<(), TestCaseError> {
    let candidates: Vec<Candidate> =
        accounts.iter().enumerate().map(|(index, account)| candidate_of(index, account)).collect();
    let mut health = Health::default();
    for (index, account) in accounts.iter().enumerate() {
        for _ in 0..account.errors {
            health.record_outcome(&id(index), facts.method, Some("DE"), Outcome::Error, NOW - account.seconds_ago);
        }
        if account.probe_taken {
            health.admit(&id(index), NOW);
        }
    }
    let set = rule_set(rules.to_vec(), &candidates);
    let decision = route(&set, &candidates, facts, &health, NOW, &mut StdRng::seed_from_u64(seed));

    let unique: BTreeSet<&String> = decision.connectors.iter().collect();
    prop_assert_eq!(unique.len(), decision.connectors.len(), "listed twice: {:?}", decision.connectors);
    let is_eligible = |name: &str| {
        let candidate = candidates.iter().find(|candidate| candidate.id == name);
        candidate.is_some_and(|candidate| eligible(candidate, facts, &health))
    };
    for connector in &decision.connectors {
        prop_assert!(is_eligible(connector), "{} is not eligible", connector);
    }
    for skip in &decision.skipped {
        prop_assert!(!is_eligible(&skip.connector), "{} skipped but eligible", skip.connector);
    }

    // The first matching rule decides; its connectors are all accounted for, once.
    let first = rules.iter().find(|rule| matches(rule, facts));
    prop_assert_eq!(decision.rule.as_ref().map(|rule| rule.id.as_str()), first.map(|rule| rule.id.as_str()));
    let accounted: BTreeSet<&str> = decision
        .connectors
        .iter()
        .map(String::as_str)
        .chain(decision.skipped.iter().map(|skip| skip.connector.as_str()))
        .collect();
    let expected: BTreeSet<&str> = match first {
        Some(rule) => rule.strategy.connectors().into_iter().collect(),
        None => candidates.iter().map(|candidate| candidate.id.as_str()).collect(),
    };
    prop_assert_eq!(decision.connectors.len() + decision.skipped.len(), expected.len());
    prop_assert_eq!(accounted, expected);
    if let Some(rule) = first {
        prop_assert!(decision.explanation.contains(&rule.name));
        prop_assert!(decision.explanation.contains(decision.strategy.title()));
    } else {
        // The default order is the configured order.
        let configured: Vec<&String> =
            candidates.iter().map(|candidate| &candidate.id).filter(|id| decision.connectors.contains(id)).collect();
        prop_assert_eq!(configured, decision.connectors.iter().collect::<Vec<_>>());
    }
    Ok(())
}
