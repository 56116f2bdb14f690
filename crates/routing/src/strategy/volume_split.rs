//! Volume split: each payment goes to a connector drawn with the weights the merchant
//! set (70/30 sends about 70 % of payments to the first). When some connectors are
//! unavailable the draw is among the available ones, with their own weights (70/20/10
//! with the first unavailable is 20:10). The other available connectors follow in the
//! rule's order as failover; a 0 % connector is used only as failover.

use super::Choice;
use crate::candidate::Candidate;
use crate::decision::StrategyKind;
use crate::dice::Dice;
use crate::rule::Split;

pub(crate) fn choose<'a>(
    splits: &[Split],
    eligible: Vec<&'a Candidate>,
    dice: &mut (impl Dice + ?Sized),
) -> Choice<'a> {
    let weight = |candidate: &Candidate| -> u32 {
        let split = splits.iter().find(|split| split.connector == candidate.id);
        split.and_then(|split| u32::try_from(split.percent).ok()).unwrap_or(0)
    };
    let weights: Vec<u32> = eligible.iter().map(|candidate| weight(candidate)).collect();
    let total: u32 = weights.iter().sum();
    let shares = splits.iter().map(|split| split.percent.to_string()).collect::<Vec<_>>().join("/");
    let title = StrategyKind::VolumeSplit.title();
    if total == 0 {
        let mut choice = Choice::in_order(StrategyKind::VolumeSplit, eligible);
        let first = choice.order.first().map_or("", |candidate| candidate.id.as_str());
        choice.sentence = format!("{title} {shares}: no connector with a share is available; chose {first}.");
        return choice;
    }
    let picked = pick(&weights, dice.below(total));
    let mut order = eligible.clone();
    let chosen = order.remove(picked);
    order.insert(0, chosen);
    let sentence = if total == 100 {
        format!("{title} {shares} chose {}.", chosen.id)
    } else {
        let available: Vec<String> = eligible
            .iter()
            .zip(&weights)
            .filter(|(_, weight)| **weight > 0)
            .map(|(candidate, weight)| format!("{} {weight}%", candidate.id))
            .collect();
        format!("{title} {shares} chose {} among the available {}.", chosen.id, available.join(", "))
    };
    Choice { order, sentence, explored: false }
}

/// The index whose cumulative weight first exceeds `roll` (`roll < sum of weights`).
fn pick(weights: &[u32], roll: u32) -> usize {
    let mut cumulative = 0;
    for (index, weight) in weights.iter().enumerate() {
        cumulative += weight;
        if roll < cumulative {
            return index;
        }
    }
    weights.len().saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolls_map_onto_cumulative_weights() {
        let weights = [70, 0, 30];
        assert_eq!(pick(&weights, 0), 0);
        assert_eq!(pick(&weights, 69), 0);
        assert_eq!(pick(&weights, 70), 2);
        assert_eq!(pick(&weights, 99), 2);
    }
}
