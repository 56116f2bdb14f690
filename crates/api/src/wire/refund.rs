//! Refund requests and the refund object.

use crate::wire::json_column;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use tradewind_storage::refunds::RefundRow;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRefund {
    pub payment_intent: String,
    /// Default: what remains unrefunded.
    pub amount: Option<i64>,
    /// duplicate, fraudulent or requested_by_customer.
    pub reason: Option<String>,
    pub metadata: Option<BTreeMap<String, String>>,
    /// Required for cash on delivery and bank transfer payments, which have no
    /// instrument to refund to.
    pub destination_bank_account: Option<BankAccount>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankAccount {
    pub account_holder_name: String,
    /// An IBAN, or `account_number` for countries without IBANs.
    pub iban: Option<String>,
    pub account_number: Option<String>,
    pub bank_code: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListRefunds {
    pub limit: Option<i64>,
    pub starting_after: Option<String>,
    pub payment_intent: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RefundObject {
    pub id: String,
    pub object: &'static str,
    pub amount: i64,
    pub currency: String,
    pub payment_intent: String,
    /// pending, succeeded or failed.
    pub status: String,
    pub reason: Option<String>,
    pub failure_reason: Option<String>,
    pub destination: Value,
    pub metadata: Value,
    pub created: i64,
}

impl RefundObject {
    pub fn from_row(row: &RefundRow) -> Self {
        RefundObject {
            id: row.id.clone(),
            object: "refund",
            amount: row.amount,
            currency: row.currency.to_ascii_lowercase(),
            payment_intent: row.payment_intent_id.clone(),
            status: row.status.clone(),
            reason: row.reason.clone(),
            failure_reason: row.failure_reason.clone(),
            destination: json_column("destination", row.destination.as_deref()),
            metadata: json_column("metadata", Some(&row.metadata)),
            created: row.created_at,
        }
    }
}
