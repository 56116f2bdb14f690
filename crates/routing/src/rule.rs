//! Routing rules as a merchant writes them: the JSON stored for the merchant and
//! accepted by `PUT/POST /v1/routing/rules`, kept exactly as sent so reading the rules
//! back gives what was written. Values are plain strings and integers here;
//! [`RuleSet::new`](crate::RuleSet::new) checks them and names the field at fault.
//!
//! ```json
//! {"id": "eu_cards", "name": "EU cards",
//!  "conditions": {"methods": ["card"], "currencies": ["EUR"], "amount_min": 1000},
//!  "strategy": {"type": "volume_split",
//!               "splits": [{"connector": "mca_A", "percent": 70}, {"connector": "mca_B", "percent": 30}]}}
//! ```

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One rule: when its conditions match, its strategy picks among its connectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The merchant's id for the rule, unique in the set (`[A-Za-z0-9_-]`, 1–64).
    pub id: String,
    /// A name for people; explanations quote it.
    pub name: String,
    /// Absent or empty: the rule matches every payment.
    #[serde(default)]
    pub conditions: Conditions,
    pub strategy: Strategy,
}

/// What a payment must have for a rule to match. Every condition given must hold; a
/// list holds when the payment's value is in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Conditions {
    /// Payment method types (`"card"`, `"paypal"`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub methods: Option<Vec<String>>,
    /// Card brands (`"visa"`, `"mastercard"`, `"amex"`, …); a payment without a card
    /// brand does not match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_brands: Option<Vec<String>>,
    /// ISO alpha-2 countries that issued the card; unknown does not match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_countries: Option<Vec<String>>,
    /// ISO alpha-2 countries of the buyer; unknown does not match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer_countries: Option<Vec<String>>,
    /// ISO 4217 codes of the payment's currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currencies: Option<Vec<String>>,
    /// The smallest amount that matches, inclusive, in minor units of the payment's
    /// currency. Needs `currencies`, all with the same number of decimals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_min: Option<i64>,
    /// The largest amount that matches, inclusive, in minor units; as `amount_min`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_max: Option<i64>,
    /// Every key must be present in the payment's metadata with exactly this value.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

/// How a matched rule orders its connectors. Only the connectors named here are used;
/// after the strategy's pick, its other eligible connectors are the failover order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Strategy {
    /// Always this connector; no failover.
    Single { connector: String },
    /// The first eligible connector of the list, the rest in list order as failover.
    Priority { connectors: Vec<String> },
    /// A random pick weighted by percent (the percents add up to 100); the rest in list
    /// order as failover.
    VolumeSplit { splits: Vec<Split> },
    /// The connector whose fees plus FX spread cost least for this payment; the rest
    /// from cheapest to dearest.
    LeastCost { connectors: Vec<String> },
    /// The best recent success rate, with some exploration of the others. See
    /// [`strategy::success_rate`](crate::strategy::success_rate).
    SuccessRate {
        connectors: Vec<String>,
        /// The share of payments, 0–50 %, sent to a connector other than the best so
        /// their rates stay current.
        #[serde(default = "default_exploration_percent")]
        exploration_percent: i64,
        /// Below this rate (0–100 %) a connector with enough samples is eliminated.
        #[serde(default = "default_min_success_rate_percent")]
        min_success_rate_percent: i64,
        /// Outcomes (1–100) a connector needs before its rate is trusted.
        #[serde(default = "default_min_samples")]
        min_samples: i64,
    },
}

/// One share of a volume split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Split {
    pub connector: String,
    /// Whole percent, 0–100.
    pub percent: i64,
}

pub const EXPLORATION_PERCENT_DEFAULT: i64 = 5;
pub const MIN_SUCCESS_RATE_PERCENT_DEFAULT: i64 = 50;
pub const MIN_SAMPLES_DEFAULT: i64 = 20;

fn default_exploration_percent() -> i64 {
    EXPLORATION_PERCENT_DEFAULT
}

fn default_min_success_rate_percent() -> i64 {
    MIN_SUCCESS_RATE_PERCENT_DEFAULT
}

fn default_min_samples() -> i64 {
    MIN_SAMPLES_DEFAULT
}

impl Strategy {
    /// The connectors the strategy may use, in the order the merchant listed them.
    pub fn connectors(&self) -> Vec<&str> {
        match self {
            Strategy::Single { connector } => vec![connector.as_str()],
            Strategy::Priority { connectors }
            | Strategy::LeastCost { connectors }
            | Strategy::SuccessRate { connectors, .. } => connectors.iter().map(String::as_str).collect(),
            Strategy::VolumeSplit { splits } => splits.iter().map(|split| split.connector.as_str()).collect(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn strategies_are_tagged_by_type_in_snake_case() {
        let json = r#"{"id": "eu", "name": "EU cards", "conditions": {"methods": ["card"], "currencies": ["EUR"]},
            "strategy": {"type": "volume_split", "splits": [{"connector": "mca_A", "percent": 70},
                                                            {"connector": "mca_B", "percent": 30}]}}"#;
        let rule: Rule = serde_json::from_str(json).unwrap();
        assert_eq!(rule.conditions.methods, Some(vec!["card".to_owned()]));
        assert_eq!(rule.strategy.connectors(), vec!["mca_A", "mca_B"]);
        let written = serde_json::to_value(&rule).unwrap();
        assert_eq!(written["strategy"]["type"], "volume_split");
        assert_eq!(written["strategy"]["splits"][1]["percent"], 30);
        // Absent conditions stay absent when written back.
        assert!(written["conditions"].get("card_brands").is_none());
        assert_eq!(serde_json::from_value::<Rule>(written).unwrap(), rule);
    }

    #[test]
    fn success_rate_settings_have_defaults_and_conditions_may_be_left_out() {
        let json = r#"{"id": "all", "name": "Everything",
            "strategy": {"type": "success_rate", "connectors": ["mca_A", "mca_B"]}}"#;
        let rule: Rule = serde_json::from_str(json).unwrap();
        assert_eq!(rule.conditions, Conditions::default());
        assert_eq!(
            rule.strategy,
            Strategy::SuccessRate {
                connectors: vec!["mca_A".to_owned(), "mca_B".to_owned()],
                exploration_percent: EXPLORATION_PERCENT_DEFAULT,
                min_success_rate_percent: MIN_SUCCESS_RATE_PERCENT_DEFAULT,
                min_samples: MIN_SAMPLES_DEFAULT,
            }
        );
    }

    #[test]
    fn misspelt_fields_are_refused() {
        let json = r#"{"id": "x", "name": "x", "conditions": {"method": ["card"]},
            "strategy": {"type": "single", "connector": "mca_A"}}"#;
        assert!(serde_json::from_str::<Rule>(json).is_err());
        let json = r#"{"id": "x", "name": "x", "strategy": {"type": "cheapest", "connectors": []}}"#;
        assert!(serde_json::from_str::<Rule>(json).is_err());
    }
}
