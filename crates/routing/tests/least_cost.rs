//! Least-cost routing: the cheaper connector for the amount, international and
//! conversion surcharges, the FX spread, ties and unpriceable schedules.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use tradewind_routing::strategy::least_cost::cost;
use tradewind_routing::{Candidate, Decision, Health, PaymentFacts, StrategyKind, route};
use tradewind_settlement::fees::{FeeSchedule, FeeTerms};

/// mca_fixed: 1 % + 1.00 EUR; mca_percent: 3 %, no fixed part. They cost the same at
/// 50.00 EUR (1.50); below it the percentage is cheaper, above it the fixed fee.
fn accounts() -> Vec<Candidate> {
    let fixed_heavy = FeeSchedule::new(FeeTerms { fixed: Some(eur(100)), ..FeeTerms::percentage(100) }).unwrap();
    vec![
        Candidate { fees: fixed_heavy, ..candidate("mca_fixed") },
        Candidate { fees: percentage(300), ..candidate("mca_percent") },
    ]
}

fn decide(accounts: &[Candidate], order: &[&str], facts: &PaymentFacts) -> Decision {
    let rules = rule_set(
        vec![rule("cheap", "Cheapest EUR cards", method_and_currency("card", "EUR"), least_cost(order))],
        accounts,
    );
    route(&rules, accounts, facts, &Health::default(), NOW, &mut StdRng::seed_from_u64(1))
}

#[test]
fn the_cheaper_connector_for_the_amount_wins() {
    let accounts = accounts();
    let small = decide(&accounts, &["mca_fixed", "mca_percent"], &card_payment(2_000, "EUR"));
    assert_eq!(small.connectors, strings(&["mca_percent", "mca_fixed"]));
    assert_eq!(small.strategy, StrategyKind::LeastCost);
    assert_eq!(
        small.explanation,
        "Rule \"Cheapest EUR cards\" (cheap) matched: method card, currency EUR. \
         Least cost chose mca_percent: mca_percent 0.60 EUR, mca_fixed 1.20 EUR for 20.00 EUR. \
         Failover order: mca_fixed."
    );
    let large = decide(&accounts, &["mca_fixed", "mca_percent"], &card_payment(20_000, "EUR"));
    assert_eq!(large.connectors, strings(&["mca_fixed", "mca_percent"]));
    assert_explains(&large, "mca_fixed 3.00 EUR, mca_percent 6.00 EUR for 200.00 EUR");
}

#[test]
fn equal_costs_keep_the_rule_order() {
    let accounts = accounts();
    let facts = card_payment(5_000, "EUR");
    assert_eq!(
        decide(&accounts, &["mca_percent", "mca_fixed"], &facts).connectors,
        strings(&["mca_percent", "mca_fixed"])
    );
    assert_eq!(
        decide(&accounts, &["mca_fixed", "mca_percent"], &facts).connectors,
        strings(&["mca_fixed", "mca_percent"])
    );
}

#[test]
fn a_converted_payment_adds_the_spread_and_the_conversion_surcharge() {
    // Both 2.9 %; mca_usd pays out in USD with a 1 % conversion surcharge and a 0.5 %
    // FX spread, so a EUR payment through it costs 2.9 + 1 + 0.5 = 4.4 %.
    let converting =
        FeeSchedule::new(FeeTerms { currency_conversion_surcharge_basis_points: 100, ..FeeTerms::percentage(290) })
            .unwrap();
    let usd = Candidate {
        fees: converting,
        settlement_currency: Some(currency("USD")),
        fx_spread_basis_points: 50,
        ..candidate("mca_usd")
    };
    let accounts = vec![usd, candidate("mca_eur")];
    let decision = decide(&accounts, &["mca_usd", "mca_eur"], &card_payment(10_000, "EUR"));
    assert_eq!(decision.connectors, strings(&["mca_eur", "mca_usd"]));
    assert_explains(&decision, "mca_eur 2.90 EUR, mca_usd 4.40 EUR (fee 3.90 + FX spread 0.50) for 100.00 EUR");
    // A USD payment is not converted by the USD account: no surcharge, no spread.
    let in_usd = cost(&accounts[0], &card_payment(10_000, "USD")).unwrap();
    assert_eq!((in_usd.fee.minor(), in_usd.fx_spread.minor(), in_usd.total.minor()), (290, 0, 290));
}

#[test]
fn the_spread_rounds_half_up_at_the_minor_unit() {
    let account = Candidate {
        fees: percentage(0),
        settlement_currency: Some(currency("USD")),
        fx_spread_basis_points: 50,
        ..candidate("mca_usd")
    };
    // 0.5 % of 1.01 EUR = 0.505 cents → 1; of 0.99 EUR = 0.495 → 0.
    assert_eq!(cost(&account, &card_payment(101, "EUR")).unwrap().fx_spread, eur(1));
    assert_eq!(cost(&account, &card_payment(99, "EUR")).unwrap().fx_spread, eur(0));
    // 0.5 % of 301 JPY = 1.505 → 2.
    assert_eq!(cost(&account, &card_payment(301, "JPY")).unwrap().fx_spread.minor(), 2);
}

#[test]
fn an_international_card_pays_the_international_surcharge() {
    let international =
        FeeSchedule::new(FeeTerms { international_surcharge_basis_points: 150, ..FeeTerms::percentage(140) }).unwrap();
    let accounts = vec![
        Candidate { fees: international, ..candidate("mca_intl") },
        Candidate { fees: percentage(250), ..candidate("mca_flat") },
    ];
    let domestic = card_payment(10_000, "EUR");
    assert_eq!(decide(&accounts, &["mca_intl", "mca_flat"], &domestic).chosen(), Some("mca_intl"));
    // A US card at a German merchant: 1.4 + 1.5 = 2.9 % against a flat 2.5 %.
    let foreign = PaymentFacts { card_country: Some("US".to_owned()), ..domestic };
    let decision = decide(&accounts, &["mca_intl", "mca_flat"], &foreign);
    assert_eq!(decision.chosen(), Some("mca_flat"));
    assert_explains(&decision, "mca_flat 2.50 EUR, mca_intl 2.90 EUR");
}

#[test]
fn a_schedule_in_another_currency_cannot_be_priced_and_goes_last() {
    let usd_fixed = FeeSchedule::new(FeeTerms {
        fixed: Some(tradewind_money::Money::new(30, currency("USD"))),
        ..FeeTerms::percentage(0)
    })
    .unwrap();
    let accounts = vec![Candidate { fees: usd_fixed, ..candidate("mca_usd_terms") }, candidate("mca_eur")];
    let decision = decide(&accounts, &["mca_usd_terms", "mca_eur"], &card_payment(10_000, "EUR"));
    assert_eq!(decision.connectors, strings(&["mca_eur", "mca_usd_terms"]));
    assert_explains(&decision, "mca_usd_terms cannot be priced (");
}
