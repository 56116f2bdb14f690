//! The strategies that order a matched rule's eligible connectors. Each returns the
//! order (the pick first, then the failover order) and one sentence saying why, which
//! starts with the strategy's name.
//!
//! - single connector and priority list: here, they only keep the rule's order;
//! - [`volume_split`]: a weighted random pick;
//! - [`least_cost`]: fees plus FX spread for this payment;
//! - [`success_rate`]: recent success rates, exploration and elimination.

pub mod least_cost;
pub mod success_rate;
pub mod volume_split;

use crate::candidate::Candidate;
use crate::decision::StrategyKind;
use crate::dice::Dice;
use crate::facts::PaymentFacts;
use crate::health::Health;
use crate::rule::Strategy;

/// A strategy's answer for non-empty `eligible` connectors.
#[derive(Debug)]
pub(crate) struct Choice<'a> {
    /// Every eligible connector once: the pick, then the failover order.
    pub order: Vec<&'a Candidate>,
    /// Why, in the merchant's words, starting with the strategy's name.
    pub sentence: String,
    /// Whether the pick was a success-rate exploration.
    pub explored: bool,
}

impl<'a> Choice<'a> {
    /// A choice that keeps `order` and says `{title} chose {first}.`
    pub(crate) fn in_order(kind: StrategyKind, order: Vec<&'a Candidate>) -> Choice<'a> {
        let first = order.first().map_or("", |candidate| candidate.id.as_str());
        Choice { sentence: format!("{} chose {first}.", kind.title()), order, explored: false }
    }
}

/// Context a strategy may read besides its connectors.
pub(crate) struct Inputs<'a> {
    pub facts: &'a PaymentFacts,
    pub health: &'a Health,
    pub now: i64,
}

/// Orders the `eligible` connectors of a rule (in the rule's order) by its strategy.
pub(crate) fn choose<'a>(
    strategy: &Strategy,
    eligible: Vec<&'a Candidate>,
    inputs: &Inputs<'_>,
    dice: &mut (impl Dice + ?Sized),
) -> Choice<'a> {
    match strategy {
        Strategy::Single { .. } => Choice::in_order(StrategyKind::Single, eligible),
        Strategy::Priority { .. } => Choice::in_order(StrategyKind::Priority, eligible),
        Strategy::VolumeSplit { splits } => volume_split::choose(splits, eligible, dice),
        Strategy::LeastCost { .. } => least_cost::choose(eligible, inputs.facts),
        Strategy::SuccessRate { exploration_percent, min_success_rate_percent, min_samples, .. } => {
            let settings = success_rate::Settings {
                exploration_percent: u32::try_from(*exploration_percent).unwrap_or(0),
                min_success_rate_basis_points: u32::try_from(*min_success_rate_percent).unwrap_or(0) * 100,
                min_samples: u32::try_from(*min_samples).unwrap_or(1),
            };
            success_rate::choose(&settings, eligible, inputs, dice)
        }
    }
}

/// The kind of a rule's strategy.
pub(crate) fn kind_of(strategy: &Strategy) -> StrategyKind {
    match strategy {
        Strategy::Single { .. } => StrategyKind::Single,
        Strategy::Priority { .. } => StrategyKind::Priority,
        Strategy::VolumeSplit { .. } => StrategyKind::VolumeSplit,
        Strategy::LeastCost { .. } => StrategyKind::LeastCost,
        Strategy::SuccessRate { .. } => StrategyKind::SuccessRate,
    }
}

/// Whole percent from basis points, rounded down (so a rate below a threshold never
/// prints as the threshold).
pub(crate) fn percent_text(basis_points: u32) -> String {
    format!("{}%", basis_points / 100)
}
