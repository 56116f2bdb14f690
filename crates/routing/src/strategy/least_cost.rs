//! Least cost: what each connector would charge for this very payment, cheapest first.
//!
//! The cost is the fee from the connector's schedule (`fee_for(amount, international,
//! converted)`) plus, for a converted payment, the provider's FX spread on the amount.
//! *International*: the payment's country (card, else buyer) differs from the
//! merchant's, both known. *Converted*: the account settles in a currency other than
//! the payment's. The spread is `amount × fx_spread_basis_points / 10,000` rounded half
//! up at the payment currency's minor unit, as fee percentages are. Ties keep the
//! rule's order; a connector that cannot be priced (its schedule's money terms are in
//! another currency, or the amount is not positive) comes last.

use super::Choice;
use crate::candidate::Candidate;
use crate::decision::StrategyKind;
use crate::facts::PaymentFacts;
use tradewind_money::{Money, format_minor_units};
use tradewind_settlement::fees::FeeError;

/// What a payment costs through one connector, in the payment's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub fee: Money,
    /// Zero unless the payment is converted.
    pub fx_spread: Money,
    pub total: Money,
}

/// The cost of `facts`' payment through `candidate`.
pub fn cost(candidate: &Candidate, facts: &PaymentFacts) -> Result<Cost, FeeError> {
    let amount = facts.money();
    let converted = candidate.settlement_currency.is_some_and(|currency| currency != facts.currency);
    let fee = candidate.fees.fee_for(amount, facts.is_international(), converted)?.fee;
    let fx_spread = if converted {
        // Half away from zero, which is half up for the positive amount fee_for accepted.
        amount.checked_basis_points(candidate.fx_spread_basis_points)?
    } else {
        Money::zero(facts.currency)
    };
    Ok(Cost { fee, fx_spread, total: fee.checked_add(fx_spread)? })
}

pub(crate) fn choose<'a>(eligible: Vec<&'a Candidate>, facts: &PaymentFacts) -> Choice<'a> {
    let mut priced: Vec<(&Candidate, Result<Cost, FeeError>)> =
        eligible.into_iter().map(|candidate| (candidate, cost(candidate, facts))).collect();
    // Stable: equal costs keep the rule's order.
    priced.sort_by_key(|(_, cost)| match cost {
        Ok(cost) => (false, cost.total.minor()),
        Err(_) => (true, 0),
    });
    let first = priced.first().map_or("", |(candidate, _)| candidate.id.as_str());
    let costs: Vec<String> = priced.iter().map(|(candidate, cost)| describe(candidate, cost)).collect();
    let sentence = format!(
        "{} chose {first}: {} for {} {}.",
        StrategyKind::LeastCost.title(),
        costs.join(", "),
        format_minor_units(facts.money()),
        facts.currency
    );
    Choice { order: priced.into_iter().map(|(candidate, _)| candidate).collect(), sentence, explored: false }
}

/// `mca_A 3.20 EUR`, `mca_B 3.45 EUR (fee 2.95 + FX spread 0.50)`, or why no price.
fn describe(candidate: &Candidate, cost: &Result<Cost, FeeError>) -> String {
    match cost {
        Ok(cost) if cost.fx_spread.is_zero() => {
            format!("{} {} {}", candidate.id, format_minor_units(cost.total), cost.total.currency())
        }
        Ok(cost) => format!(
            "{} {} {} (fee {} + FX spread {})",
            candidate.id,
            format_minor_units(cost.total),
            cost.total.currency(),
            format_minor_units(cost.fee),
            format_minor_units(cost.fx_spread)
        ),
        Err(error) => format!("{} cannot be priced ({error})", candidate.id),
    }
}
