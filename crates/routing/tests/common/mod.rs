//! Fixtures shared by the routing tests: currencies, connector accounts, payments and
//! rules, built in one line each.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use tradewind_money::{Currency, Money};
use tradewind_payments::method::PaymentMethodType;
use tradewind_routing::{Candidate, Conditions, Decision, PaymentFacts, Rule, RuleSet, Split, Strategy};
use tradewind_settlement::fees::{FeeSchedule, FeeTerms};

/// A fixed instant (2026-01-01T00:00:00Z); tests move it by hand.
pub const NOW: i64 = 1_767_225_600;

pub fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap()
}

pub fn eur(minor: i64) -> Money {
    Money::new(minor, currency("EUR"))
}

/// A percentage-only schedule (prices any currency).
pub fn percentage(basis_points: i64) -> FeeSchedule {
    FeeSchedule::new(FeeTerms::percentage(basis_points)).unwrap()
}

/// A card and PayPal account for every country and currency at 2.9 %, enabled.
pub fn candidate(id: &str) -> Candidate {
    Candidate {
        id: id.to_owned(),
        kind: "sandbox".to_owned(),
        methods: vec![PaymentMethodType::Card, PaymentMethodType::Paypal],
        countries: None,
        currencies: None,
        fees: percentage(290),
        settlement_currency: None,
        fx_spread_basis_points: 0,
        enabled: true,
    }
}

pub fn candidates(ids: &[&str]) -> Vec<Candidate> {
    ids.iter().map(|id| candidate(id)).collect()
}

/// A Visa card payment from Germany to a German merchant.
pub fn card_payment(amount: i64, currency_code: &str) -> PaymentFacts {
    PaymentFacts {
        method: PaymentMethodType::Card,
        card_brand: Some("visa".to_owned()),
        card_country: Some("DE".to_owned()),
        buyer_country: Some("DE".to_owned()),
        merchant_country: Some("DE".to_owned()),
        currency: currency(currency_code),
        amount,
        metadata: BTreeMap::new(),
    }
}

pub fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|value| (*value).to_owned()).collect()
}

pub fn rule(id: &str, name: &str, conditions: Conditions, strategy: Strategy) -> Rule {
    Rule { id: id.to_owned(), name: name.to_owned(), conditions, strategy }
}

/// Conditions on method and currency only.
pub fn method_and_currency(method: &str, currency_code: &str) -> Conditions {
    Conditions {
        methods: Some(strings(&[method])),
        currencies: Some(strings(&[currency_code])),
        ..Conditions::default()
    }
}

pub fn split(shares: &[(&str, i64)]) -> Strategy {
    Strategy::VolumeSplit {
        splits: shares
            .iter()
            .map(|(connector, percent)| Split { connector: (*connector).to_owned(), percent: *percent })
            .collect(),
    }
}

pub fn priority(connectors: &[&str]) -> Strategy {
    Strategy::Priority { connectors: strings(connectors) }
}

pub fn least_cost(connectors: &[&str]) -> Strategy {
    Strategy::LeastCost { connectors: strings(connectors) }
}

pub fn success_rate(connectors: &[&str], exploration_percent: i64) -> Strategy {
    Strategy::SuccessRate {
        connectors: strings(connectors),
        exploration_percent,
        min_success_rate_percent: 50,
        min_samples: 20,
    }
}

/// A valid rule set over `candidates`.
pub fn rule_set(rules: Vec<Rule>, candidates: &[Candidate]) -> RuleSet {
    RuleSet::new(rules, candidates.iter().map(|candidate| candidate.id.as_str())).unwrap()
}

/// Asserts that the decision's explanation contains `text`, showing both if not.
pub fn assert_explains(decision: &Decision, text: &str) {
    assert!(decision.explanation.contains(text), "{}\nshould contain\n{text}", decision.explanation);
}
