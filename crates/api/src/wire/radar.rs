//! Radar objects (Stripe's shape): early fraud warnings.

use serde::{Deserialize, Serialize};
use tradewind_storage::early_fraud_warnings::EarlyFraudWarningView;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct EarlyFraudWarningObject {
    pub id: String,
    /// `radar.early_fraud_warning`.
    pub object: &'static str,
    /// True while the payment is neither fully refunded nor disputed: refunding it now
    /// may avoid a dispute.
    pub actionable: bool,
    /// `made_with_stolen_card`.
    pub fraud_type: String,
    pub payment_intent: String,
    pub created: i64,
}

impl EarlyFraudWarningObject {
    pub const OBJECT: &'static str = "radar.early_fraud_warning";

    pub fn from_view(view: &EarlyFraudWarningView) -> Self {
        EarlyFraudWarningObject {
            id: view.id.clone(),
            object: Self::OBJECT,
            actionable: view.actionable != 0,
            fraud_type: view.fraud_type.clone(),
            payment_intent: view.payment_intent_id.clone(),
            created: view.created_at,
        }
    }

    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListEarlyFraudWarnings {
    pub limit: Option<i64>,
    pub starting_after: Option<String>,
    pub payment_intent: Option<String>,
}
