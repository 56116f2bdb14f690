//! The balance, balance transactions and the cash-flow forecast, Stripe-shaped.

use crate::wire::json_column;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tradewind_storage::balance_transactions::BalanceTransactionRow;
use utoipa::{IntoParams, ToSchema};

/// An amount in one currency.
#[derive(Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct BalanceAmount {
    pub amount: i64,
    pub currency: String,
}

/// What the platform holds for the merchant, per currency: `pending` (captured, not
/// yet settled), `available` (can be paid out), `reserved` (the rolling reserve),
/// `in_transit` (payouts on their way) and `disputed` (held for open disputes).
#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceObject {
    pub object: &'static str,
    pub available: Vec<BalanceAmount>,
    pub pending: Vec<BalanceAmount>,
    pub reserved: Vec<BalanceAmount>,
    pub in_transit: Vec<BalanceAmount>,
    pub disputed: Vec<BalanceAmount>,
    /// Fees paid so far, net of fees returned.
    pub fees_paid: Vec<BalanceAmount>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListBalanceTransactions {
    pub limit: Option<i64>,
    pub starting_after: Option<String>,
    /// charge, refund, refund_failure, dispute, adjustment…
    pub r#type: Option<String>,
    /// Three-letter ISO code, any case.
    pub currency: Option<String>,
    /// The object that caused it: a payment intent or refund id.
    pub source: Option<String>,
    pub payment_intent: Option<String>,
    /// pending or available.
    pub status: Option<String>,
    #[serde(rename = "created[gte]")]
    #[param(rename = "created[gte]")]
    pub created_gte: Option<i64>,
    #[serde(rename = "created[lte]")]
    #[param(rename = "created[lte]")]
    pub created_lte: Option<i64>,
    #[serde(rename = "available_on[gte]")]
    #[param(rename = "available_on[gte]")]
    pub available_on_gte: Option<i64>,
    #[serde(rename = "available_on[lte]")]
    #[param(rename = "available_on[lte]")]
    pub available_on_lte: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceTransactionObject {
    pub id: String,
    pub object: &'static str,
    /// Gross, signed: negative takes from the balance.
    pub amount: i64,
    pub fee: i64,
    /// `amount - fee`.
    pub net: i64,
    pub currency: String,
    /// [{type, description, amount}]
    pub fee_details: Value,
    pub r#type: String,
    pub reporting_category: String,
    /// The payment intent or refund it came from.
    pub source: String,
    pub payment_intent: Option<String>,
    pub connector: Option<String>,
    pub description: Option<String>,
    /// pending or available.
    pub status: String,
    /// When the funds become available (midnight UTC, Unix seconds).
    pub available_on: i64,
    pub created: i64,
    /// Set when the payment was converted into the settlement currency: units of
    /// `currency` per unit of the payment's currency, a decimal string (Stripe sends a
    /// number; a string keeps it exact).
    pub exchange_rate: Option<String>,
}

impl BalanceTransactionObject {
    pub fn from_row(row: &BalanceTransactionRow) -> Self {
        BalanceTransactionObject {
            id: row.id.clone(),
            object: "balance_transaction",
            amount: row.amount,
            fee: row.fee,
            net: row.net,
            currency: row.currency.to_ascii_lowercase(),
            fee_details: json_column("fee_details", Some(&row.fee_details)),
            r#type: row.r#type.clone(),
            reporting_category: row.reporting_category.clone(),
            source: row.source_id.clone(),
            payment_intent: row.payment_intent_id.clone(),
            connector: row.connector.clone(),
            description: row.description.clone(),
            status: row.status.clone(),
            available_on: row.available_on,
            created: row.created_at,
            exchange_rate: row.exchange_rate.clone(),
        }
    }
}
