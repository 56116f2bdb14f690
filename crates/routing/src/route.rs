//! One routing decision: screen, match, order, explain.
//!
//! 1. The first rule whose conditions hold for the payment is the one that decides
//!    (rules are tried in the merchant's order).
//! 2. The rule's connectors are screened ([`Candidate::screen`]): enabled, method,
//!    currency, country, breaker. Candidates the rule does not name are never used —
//!    a merchant who writes "EU cards go to mca_A" means it — so a rule whose
//!    connectors are all unavailable gives an empty decision rather than falling
//!    through to another rule.
//! 3. The rule's strategy orders the eligible ones: its pick first, the others after
//!    it as the failover order.
//! 4. With no matching rule, every eligible candidate is used in the configured order.

use crate::candidate::{Candidate, Skipped, screen_named};
use crate::decision::{Decision, RuleRef, StrategyKind};
use crate::dice::Dice;
use crate::facts::PaymentFacts;
use crate::health::Health;
use crate::rule_set::RuleSet;
use crate::strategy::{self, Choice, Inputs};

/// Decides which of `candidates` (in the merchant's configured order) to try for the
/// payment described by `facts`, at `now` (Unix seconds), drawing from `dice`.
///
/// Reads `health` only: the caller asks [`Health::admit`] just before sending to each
/// connector, which hands out a half-open breaker's single probe.
pub fn route(
    rules: &RuleSet,
    candidates: &[Candidate],
    facts: &PaymentFacts,
    health: &Health,
    now: i64,
    dice: &mut (impl Dice + ?Sized),
) -> Decision {
    let inputs = Inputs { facts, health, now };
    let Some((rule, matcher)) = rules.first_match(facts) else {
        let names: Vec<&str> = candidates.iter().map(|candidate| candidate.id.as_str()).collect();
        let (eligible, skipped) = screen_named(&names, candidates, facts, health, now);
        let head = if rules.is_empty() { "No routing rules are set." } else { "No rule matched." };
        let choice = (!eligible.is_empty()).then(|| Choice::in_order(StrategyKind::DefaultOrder, eligible));
        return decide(head.to_owned(), None, StrategyKind::DefaultOrder, choice, skipped);
    };
    let (eligible, skipped) = screen_named(&rule.strategy.connectors(), candidates, facts, health, now);
    let kind = strategy::kind_of(&rule.strategy);
    let head = format!("Rule \"{}\" ({}) matched: {}.", rule.name, rule.id, matcher.describe(facts));
    let choice = (!eligible.is_empty()).then(|| strategy::choose(&rule.strategy, eligible, &inputs, dice));
    let rule = RuleRef { id: rule.id.clone(), name: rule.name.clone() };
    decide(head, Some(rule), kind, choice, skipped)
}

/// Puts the decision and its explanation together.
fn decide(
    head: String,
    rule: Option<RuleRef>,
    strategy: StrategyKind,
    choice: Option<Choice<'_>>,
    skipped: Vec<Skipped>,
) -> Decision {
    let mut explanation = head;
    let (connectors, explored) = match choice {
        Some(choice) => {
            explanation.push(' ');
            explanation.push_str(&choice.sentence);
            let connectors: Vec<String> = choice.order.iter().map(|candidate| candidate.id.clone()).collect();
            (connectors, choice.explored)
        }
        None if skipped.is_empty() => {
            explanation.push_str(" No connector account is configured.");
            (Vec::new(), false)
        }
        None => {
            explanation.push_str(&format!(" {}: no connector is available.", strategy.title()));
            (Vec::new(), false)
        }
    };
    if let Some(failover) = connectors.get(1..).filter(|rest| !rest.is_empty()) {
        explanation.push_str(&format!(" Failover order: {}.", failover.join(", ")));
    }
    if !skipped.is_empty() {
        let reasons: Vec<String> = skipped.iter().map(|skip| format!("{} ({})", skip.connector, skip.reason)).collect();
        explanation.push_str(&format!(" Skipped: {}.", reasons.join("; ")));
    }
    Decision { connectors, rule, strategy, explored, explanation, skipped }
}
