//! Routing rules and routing decisions on the wire. Rules travel as the routing crate
//! writes them (a `type`-tagged strategy per rule); the schema shows them as objects.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use tradewind_routing::decision::Decision;
use tradewind_routing::rule::Rule;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceRoutingRules {
    /// The ordered rules; the first whose conditions match decides. Each has an `id`, a
    /// `name`, `conditions` (`methods`, `card_brands`, `card_countries`,
    /// `buyer_countries`, `currencies`, `amount_min`, `amount_max`, `metadata`) and a
    /// `strategy` (`{"type": "single", "connector"}`, `priority` and `least_cost` with
    /// `connectors`, `volume_split` with `splits: [{connector, percent}]`,
    /// `success_rate` with `connectors`, `exploration_percent`,
    /// `min_success_rate_percent`, `min_samples`). An empty list routes every payment
    /// over the enabled accounts in their order.
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<Rule>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingRulesObject {
    /// `routing_rules`.
    pub object: &'static str,
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<Rule>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulatePayment {
    pub payment_method_type: String,
    pub amount: i64,
    pub currency: String,
    /// A card number: its brand and issuing country (sandbox BIN table) are used, then forgotten.
    pub card_number: Option<String>,
    pub buyer_country: Option<String>,
    pub metadata: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SkippedObject {
    pub connector: String,
    pub reason: &'static str,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingDecisionObject {
    /// `routing_decision`.
    pub object: &'static str,
    /// The chosen connector account first, then the failover order.
    pub connectors: Vec<String>,
    /// The matched rule (`id`, `name`); null for the default order.
    #[schema(value_type = Object)]
    pub rule: Value,
    /// single, priority, volume_split, least_cost, success_rate or default_order.
    pub strategy: &'static str,
    /// Whether success-rate routing chose the first connector to explore.
    pub explored: bool,
    /// The decision in words.
    pub explanation: String,
    pub skipped: Vec<SkippedObject>,
}

impl RoutingDecisionObject {
    pub fn from_decision(decision: &Decision) -> Self {
        RoutingDecisionObject {
            object: "routing_decision",
            connectors: decision.connectors.clone(),
            rule: decision
                .rule
                .as_ref()
                .map_or(Value::Null, |rule| serde_json::json!({"id": rule.id, "name": rule.name})),
            strategy: decision.strategy.as_str(),
            explored: decision.explored,
            explanation: decision.explanation.clone(),
            skipped: decision
                .skipped
                .iter()
                .map(|skipped| SkippedObject {
                    connector: skipped.connector.clone(),
                    reason: skipped.reason.code(),
                    message: skipped.reason.to_string(),
                })
                .collect(),
        }
    }
}
