//! The answer of [`route`](crate::route): the connectors to try in order, the rule and
//! strategy that ordered them, and the explanation a merchant reads on the attempt.

use crate::candidate::Skipped;

/// The strategy that ordered a decision; `DefaultOrder` when no rule matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StrategyKind {
    Single,
    Priority,
    VolumeSplit,
    LeastCost,
    SuccessRate,
    DefaultOrder,
}

impl StrategyKind {
    /// The code, as the rules' `type` spells it (`volume_split`; `default_order`).
    pub fn as_str(self) -> &'static str {
        match self {
            StrategyKind::Single => "single",
            StrategyKind::Priority => "priority",
            StrategyKind::VolumeSplit => "volume_split",
            StrategyKind::LeastCost => "least_cost",
            StrategyKind::SuccessRate => "success_rate",
            StrategyKind::DefaultOrder => "default_order",
        }
    }

    /// The name explanations use.
    pub fn title(self) -> &'static str {
        match self {
            StrategyKind::Single => "Single connector",
            StrategyKind::Priority => "Priority list",
            StrategyKind::VolumeSplit => "Volume split",
            StrategyKind::LeastCost => "Least cost",
            StrategyKind::SuccessRate => "Success rate",
            StrategyKind::DefaultOrder => "Default order",
        }
    }
}

/// The rule a decision came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    pub id: String,
    pub name: String,
}

/// Which connectors to try, in order, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The chosen connector first, then the failover order; each at most once, all
    /// eligible when decided. Empty when none is available.
    pub connectors: Vec<String>,
    /// The matched rule; `None` for the default order.
    pub rule: Option<RuleRef>,
    pub strategy: StrategyKind,
    /// Whether the first connector was picked to explore (success-rate routing).
    pub explored: bool,
    /// Sentences for the merchant: the rule and what matched, the strategy and its
    /// reasons, the failover order, and the connectors skipped.
    pub explanation: String,
    /// The connectors the rule (or the default order) could not use, with why.
    pub skipped: Vec<Skipped>,
}

impl Decision {
    pub fn chosen(&self) -> Option<&str> {
        self.connectors.first().map(String::as_str)
    }

    pub fn failover(&self) -> &[String] {
        self.connectors.get(1..).unwrap_or_default()
    }

    /// The reason to record on attempt `index` (0 is the first): the explanation,
    /// preceded for a failover attempt by the connectors that failed before it.
    pub fn attempt_explanation(&self, index: usize) -> Option<String> {
        let connector = self.connectors.get(index)?;
        if index == 0 {
            return Some(self.explanation.clone());
        }
        let failed = self.connectors.get(..index).unwrap_or_default().join(", ");
        Some(format!("Failover to {connector} after {failed} failed. {}", self.explanation))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn failover_attempts_name_the_connectors_that_failed_before() {
        let decision = Decision {
            connectors: vec!["mca_A".to_owned(), "mca_B".to_owned(), "mca_C".to_owned()],
            rule: None,
            strategy: StrategyKind::DefaultOrder,
            explored: false,
            explanation: "No rule matched.".to_owned(),
            skipped: vec![],
        };
        assert_eq!(decision.chosen(), Some("mca_A"));
        assert_eq!(decision.failover(), ["mca_B".to_owned(), "mca_C".to_owned()]);
        assert_eq!(decision.attempt_explanation(0).as_deref(), Some("No rule matched."));
        assert_eq!(
            decision.attempt_explanation(2).as_deref(),
            Some("Failover to mca_C after mca_A, mca_B failed. No rule matched.")
        );
        assert_eq!(decision.attempt_explanation(3), None);
    }
}
