//! Routing decisions alone (`--routing`): `tradewind_routing::route` in process, no
//! I/O, timed one decision at a time with `Instant`, and printed as p50/p99 per
//! decision and decisions per second.
//!
//! The merchant: 6 connector accounts (Stripe EU and US, a sandbox card account, two
//! PayPal accounts, a Brazilian one; one has an open circuit breaker) and 50 rules
//! using every strategy. 44 of the rules look at campaigns, countries, currencies and
//! brands the measured payments never have, so most decisions walk past them to the
//! last six (VIP single connector, large-EUR least cost, EUR success rate, USD
//! priority, PayPal volume split, GBP least cost), and payments in other currencies
//! fall through to the default order. The `Health` is warmed with 60,000 outcomes over
//! connectors × methods × countries. Payments cycle through 1,024 pre-built facts
//! (card or PayPal; EUR, USD, GBP, BRL, JPY; eight countries; amounts from 1 to
//! 4,900 major units), so building them is not measured. The generator is seeded per run.

use crate::report::{median, nearest_rank};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::collections::BTreeMap;
use std::time::Instant;
use tradewind_money::Currency;
use tradewind_payments::method::PaymentMethodType;
use tradewind_routing::{Candidate, Conditions, Health, Outcome, PaymentFacts, Rule, RuleSet, Split, Strategy, route};
use tradewind_settlement::fees::{FeeSchedule, FeeTerms};

/// The instant every decision is made at (2026-01-01T00:00:00Z).
const NOW: i64 = 1_767_225_600;
pub const RULES: usize = 50;
/// The last rules, the ones the measured payments can match.
const MATCHED_TAIL: usize = 6;
const FACTS_VARIANTS: usize = 1_024;
const WARM_OUTCOMES: usize = 60_000;
pub const WARMUP_DECISIONS: usize = 20_000;
const COUNTRIES: [&str; 8] = ["DE", "FR", "NL", "IT", "ES", "GB", "US", "BR"];

/// One run's figures.
pub struct RoutingRun {
    pub decisions_per_second: f64,
    pub latency_us_p50: f64,
    pub latency_us_p99: f64,
    pub latency_us_max: f64,
}

/// The merchant and the payments the runs route.
struct Fixture {
    candidates: Vec<Candidate>,
    rules: RuleSet,
    health: Health,
    payments: Vec<PaymentFacts>,
}

fn currency(code: &str) -> anyhow::Result<Currency> {
    Ok(Currency::parse(code)?)
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|value| (*value).to_owned()).collect()
}

fn schedule(percent_basis_points: i64, international: i64, conversion: i64) -> anyhow::Result<FeeSchedule> {
    Ok(FeeSchedule::new(FeeTerms {
        international_surcharge_basis_points: international,
        currency_conversion_surcharge_basis_points: conversion,
        ..FeeTerms::percentage(percent_basis_points)
    })?)
}

fn candidates() -> anyhow::Result<Vec<Candidate>> {
    let card = vec![PaymentMethodType::Card];
    let account = |id: &str, kind: &str, methods: Vec<PaymentMethodType>, fees: FeeSchedule| Candidate {
        id: id.to_owned(),
        kind: kind.to_owned(),
        methods,
        countries: None,
        currencies: None,
        fees,
        settlement_currency: None,
        fx_spread_basis_points: 0,
        enabled: true,
    };
    let paypal = vec![PaymentMethodType::Paypal];
    Ok(vec![
        Candidate {
            settlement_currency: Some(currency("EUR")?),
            fx_spread_basis_points: 50,
            ..account("mca_stripe_eu", "stripe", card.clone(), schedule(140, 150, 200)?)
        },
        Candidate {
            settlement_currency: Some(currency("USD")?),
            fx_spread_basis_points: 100,
            ..account("mca_stripe_us", "stripe", card.clone(), schedule(290, 150, 100)?)
        },
        account(
            "mca_sandbox",
            "sandbox",
            vec![PaymentMethodType::Card, PaymentMethodType::Ideal, PaymentMethodType::Sofort],
            schedule(250, 0, 0)?,
        ),
        account("mca_paypal", "paypal", paypal.clone(), schedule(349, 150, 300)?),
        Candidate {
            countries: Some(strings(&["DE", "FR", "NL", "IT", "ES"])),
            ..account("mca_paypal_eu", "paypal", paypal, schedule(290, 0, 300)?)
        },
        Candidate {
            countries: Some(strings(&["BR"])),
            currencies: Some(vec![currency("BRL")?]),
            ..account(
                "mca_stripe_br",
                "stripe",
                vec![PaymentMethodType::Card, PaymentMethodType::Boleto],
                schedule(399, 0, 0)?,
            )
        },
    ])
}

/// Conditions no measured payment meets, varied so every kind of check runs.
fn unmatched_conditions(index: usize) -> Conditions {
    let rare_countries = ["JP", "KR", "SG", "AU", "CA", "MX"];
    let country = rare_countries[index % rare_countries.len()];
    match index % 5 {
        0 => Conditions {
            metadata: BTreeMap::from([("campaign".to_owned(), format!("promo_{index}"))]),
            ..Conditions::default()
        },
        1 => Conditions { buyer_countries: Some(strings(&[country])), ..Conditions::default() },
        2 => Conditions {
            currencies: Some(strings(&["CHF", "SEK"])),
            amount_min: Some(1_000 * index as i64),
            ..Conditions::default()
        },
        3 => Conditions {
            card_brands: Some(strings(&["jcb", "unionpay"])),
            card_countries: Some(strings(&[country])),
            ..Conditions::default()
        },
        _ => Conditions {
            methods: Some(strings(&["ideal", "sofort"])),
            currencies: Some(strings(&["EUR"])),
            metadata: BTreeMap::from([("channel".to_owned(), "kiosk".to_owned())]),
            ..Conditions::default()
        },
    }
}

fn strategy(index: usize) -> Strategy {
    let connectors = |ids: &[&str]| strings(ids);
    match index % 5 {
        0 => Strategy::Single { connector: "mca_sandbox".to_owned() },
        1 => Strategy::Priority { connectors: connectors(&["mca_stripe_eu", "mca_sandbox"]) },
        2 => Strategy::VolumeSplit {
            splits: vec![
                Split { connector: "mca_stripe_eu".to_owned(), percent: 60 },
                Split { connector: "mca_stripe_us".to_owned(), percent: 40 },
            ],
        },
        3 => Strategy::LeastCost { connectors: connectors(&["mca_stripe_eu", "mca_stripe_us", "mca_sandbox"]) },
        _ => success_rate(&["mca_stripe_eu", "mca_sandbox", "mca_stripe_us"]),
    }
}

fn success_rate(connectors: &[&str]) -> Strategy {
    Strategy::SuccessRate {
        connectors: strings(connectors),
        exploration_percent: 5,
        min_success_rate_percent: 50,
        min_samples: 20,
    }
}

fn rule(index: usize, name: &str, conditions: Conditions, strategy: Strategy) -> Rule {
    Rule { id: format!("rule_{index}"), name: name.to_owned(), conditions, strategy }
}

fn card_in(currency_code: &str) -> Conditions {
    Conditions {
        methods: Some(strings(&["card"])),
        currencies: Some(strings(&[currency_code])),
        ..Conditions::default()
    }
}

fn rules(candidates: &[Candidate]) -> anyhow::Result<RuleSet> {
    let mut rules: Vec<Rule> = (0..RULES - MATCHED_TAIL)
        .map(|index| rule(index, &format!("Unmatched {index}"), unmatched_conditions(index), strategy(index)))
        .collect();
    let vip = Conditions { metadata: BTreeMap::from([("tier".to_owned(), "vip".to_owned())]), ..Conditions::default() };
    let large_eur = Conditions { amount_min: Some(100_000), ..card_in("EUR") };
    let cheapest = || Strategy::LeastCost { connectors: strings(&["mca_stripe_eu", "mca_stripe_us", "mca_sandbox"]) };
    let paypal = Conditions { methods: Some(strings(&["paypal"])), ..Conditions::default() };
    let splits = vec![
        Split { connector: "mca_paypal".to_owned(), percent: 70 },
        Split { connector: "mca_paypal_eu".to_owned(), percent: 30 },
    ];
    let tail = [
        ("VIP customers", vip, Strategy::Single { connector: "mca_sandbox".to_owned() }),
        ("Large EUR cards", large_eur, cheapest()),
        ("EUR cards", card_in("EUR"), success_rate(&["mca_stripe_eu", "mca_sandbox", "mca_stripe_us"])),
        ("USD cards", card_in("USD"), Strategy::Priority { connectors: strings(&["mca_stripe_us", "mca_stripe_eu"]) }),
        ("PayPal", paypal, Strategy::VolumeSplit { splits }),
        ("GBP cards", card_in("GBP"), cheapest()),
    ];
    for (offset, (name, conditions, strategy)) in tail.into_iter().enumerate() {
        rules.push(rule(RULES - MATCHED_TAIL + offset, name, conditions, strategy));
    }
    Ok(RuleSet::new(rules, candidates.iter().map(|candidate| candidate.id.as_str()))?)
}

/// Outcomes drawn at each connector's own success rate; mca_stripe_us also has a
/// burst of errors just before `NOW`, so its breaker is open while the runs go.
fn health(candidates: &[Candidate], random: &mut StdRng) -> Health {
    let mut health = Health::default();
    let success_percent = [95, 90, 85, 97, 80, 70];
    let methods = [PaymentMethodType::Card, PaymentMethodType::Paypal];
    for number in 0..WARM_OUTCOMES {
        let index = number % candidates.len();
        let method = methods[random.random_range(0..methods.len())];
        let country = COUNTRIES[random.random_range(0..COUNTRIES.len())];
        let outcome =
            if random.random_range(0..100) < success_percent[index] { Outcome::Success } else { Outcome::Decline };
        let at = NOW - 3_000 + (number * 3_000 / WARM_OUTCOMES) as i64;
        health.record_outcome(&candidates[index].id, method, Some(country), outcome, at);
    }
    for second in 0..5 {
        health.record_outcome("mca_stripe_us", PaymentMethodType::Card, Some("US"), Outcome::Error, NOW - 10 + second);
    }
    health
}

fn payment(random: &mut StdRng) -> anyhow::Result<PaymentFacts> {
    let card = random.random_range(0..100) < 80;
    let currency_code = match random.random_range(0..100) {
        0..50 => "EUR",
        50..75 => "USD",
        75..90 => "GBP",
        90..95 => "BRL",
        _ => "JPY",
    };
    let currency = currency(currency_code)?;
    let country = COUNTRIES[random.random_range(0..COUNTRIES.len())];
    let brands = ["visa", "mastercard", "amex"];
    let mut metadata = BTreeMap::from([("channel".to_owned(), "web".to_owned())]);
    if random.random_range(0..100) < 5 {
        metadata.insert("tier".to_owned(), "vip".to_owned());
    }
    if random.random_range(0..100) < 30 {
        metadata.insert("campaign".to_owned(), "spring".to_owned());
    }
    // 1 to 4,900 in the currency's major units, skewed to small amounts.
    let major = random.random_range(1..=70i64).pow(2);
    let amount = major * 10i64.pow(u32::from(currency.exponent()));
    Ok(PaymentFacts {
        method: if card { PaymentMethodType::Card } else { PaymentMethodType::Paypal },
        card_brand: card.then(|| brands[random.random_range(0..brands.len())].to_owned()),
        card_country: card.then(|| country.to_owned()),
        buyer_country: Some(country.to_owned()),
        merchant_country: Some("DE".to_owned()),
        currency,
        amount,
        metadata,
    })
}

fn fixture() -> anyhow::Result<Fixture> {
    let mut random = StdRng::seed_from_u64(2026);
    let candidates = candidates()?;
    let rules = rules(&candidates)?;
    let health = health(&candidates, &mut random);
    let payments = (0..FACTS_VARIANTS).map(|_| payment(&mut random)).collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Fixture { candidates, rules, health, payments })
}

/// Routes `decisions` payments; returns the latencies in ns (ascending), the seconds
/// the whole loop took, and how many decisions each strategy made.
fn run(fixture: &Fixture, decisions: usize, seed: u64) -> (Vec<u64>, f64, BTreeMap<&'static str, usize>) {
    let mut dice = StdRng::seed_from_u64(seed);
    let mut latencies_ns = Vec::with_capacity(decisions);
    let mut strategies = BTreeMap::new();
    let started = Instant::now();
    for number in 0..decisions {
        let facts = &fixture.payments[number % fixture.payments.len()];
        let before = Instant::now();
        let decision = route(&fixture.rules, &fixture.candidates, facts, &fixture.health, NOW, &mut dice);
        let elapsed = before.elapsed();
        latencies_ns.push(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
        let kind = std::hint::black_box(decision).strategy;
        *strategies.entry(kind.as_str()).or_insert(0) += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies_ns.sort_unstable();
    (latencies_ns, seconds, strategies)
}

fn micros(sorted_ns: &[u64], quantile: f64) -> f64 {
    nearest_rank(sorted_ns, quantile).map_or(f64::NAN, |nanos| nanos as f64 / 1_000.0)
}

/// The whole `--routing` measurement: warm-up, `runs` runs of `decisions`, the table.
pub fn measure(runs: usize, decisions: usize) -> anyhow::Result<()> {
    let fixture = fixture()?;
    let build = if cfg!(debug_assertions) { "debug build (not meaningful; use --release)" } else { "release build" };
    println!("tradewind-bench --routing: tradewind_routing::route in process, no I/O, one thread");
    println!("command   {}", std::env::args().collect::<Vec<_>>().join(" "));
    println!("build     {build}");
    println!(
        "setup     {RULES} rules ({} never match), {} candidates (1 breaker open), health warmed with \
         {WARM_OUTCOMES} outcomes, {FACTS_VARIANTS} payment variants",
        RULES - MATCHED_TAIL,
        fixture.candidates.len()
    );
    println!(
        "runs      {runs} of {decisions} decisions after {WARMUP_DECISIONS} unmeasured; \
         each decision timed with Instant"
    );
    let (_, _, mix) = run(&fixture, WARMUP_DECISIONS, 0);
    let mix: Vec<String> = mix
        .iter()
        .map(|(strategy, count)| format!("{strategy} {:.1}%", *count as f64 * 100.0 / WARMUP_DECISIONS as f64))
        .collect();
    println!("mix       {}", mix.join(", "));
    println!();
    let mut results = Vec::with_capacity(runs);
    for index in 0..runs {
        let (sorted_ns, seconds, _) = run(&fixture, decisions, index as u64 + 1);
        let result = RoutingRun {
            decisions_per_second: decisions as f64 / seconds,
            latency_us_p50: micros(&sorted_ns, 0.50),
            latency_us_p99: micros(&sorted_ns, 0.99),
            latency_us_max: micros(&sorted_ns, 1.0),
        };
        println!(
            "run {}/{runs}: {:>10.0} decisions/s  p50 {:>6.2} µs  p99 {:>6.2} µs  max {:>8.2} µs",
            index + 1,
            result.decisions_per_second,
            result.latency_us_p50,
            result.latency_us_p99,
            result.latency_us_max
        );
        results.push(result);
    }
    let column = |value: fn(&RoutingRun) -> f64| median(results.iter().map(value).collect());
    println!();
    println!("median of the runs");
    println!(
        "{:>6} {:>11} {:>13} {:>8} {:>8} {:>9} {:>5}",
        "rules", "candidates", "decisions/s", "p50 µs", "p99 µs", "max µs", "runs"
    );
    println!(
        "{:>6} {:>11} {:>13.0} {:>8.2} {:>8.2} {:>9.2} {:>5}",
        RULES,
        fixture.candidates.len(),
        column(|run| run.decisions_per_second),
        column(|run| run.latency_us_p50),
        column(|run| run.latency_us_p99),
        column(|run| run.latency_us_max),
        results.len()
    );
    Ok(())
}
