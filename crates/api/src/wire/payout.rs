//! Payouts, the account's payout settings (rolling reserve, schedule, minimum, bank
//! account) and reserves, Stripe-shaped. A bank account number is never shown back:
//! only its last four characters.

use crate::flows::pricing::{FeeOverride, FeeScheduleObject};
use crate::wire::json_column;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use tradewind_storage::balance_transactions::BalanceTransactionRow;
use tradewind_storage::payouts::{PayoutRow, PayoutSettingsRow};
use utoipa::{IntoParams, ToSchema};

/// `POST /v1/account/settings`: every field is optional; what is left out keeps its
/// value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccountSettings {
    /// The share of each settlement held back, 0 to 10000 basis points.
    pub reserve_basis_points: Option<i64>,
    /// How long a reserve is held, 0 to 365 days (at least 1 with a reserve).
    pub reserve_days: Option<i64>,
    /// manual, daily, weekly or monthly.
    pub payout_schedule: Option<String>,
    /// monday … sunday (weekly payouts; default monday).
    pub weekly_anchor: Option<String>,
    /// 1 to 31 (monthly payouts; default 1; the last day in shorter months).
    pub monthly_anchor: Option<i64>,
    /// Automatic payouts below this, in the currency's minor unit, wait.
    pub minimum_amount: Option<i64>,
    /// Where payouts go.
    pub bank_account: Option<crate::wire::refund::BankAccount>,
    /// The merchant's country, ISO 3166-1 alpha-2: payments from cards issued (or
    /// buyers) elsewhere pay the international surcharge. An empty string clears it.
    pub country: Option<String>,
    /// The currency payments settle in (ISO 4217): captures in another currency are
    /// converted at capture. An empty string settles each payment in its own currency.
    pub settlement_currency: Option<String>,
    /// Negotiated fee terms per payment method, laid over the defaults field by field;
    /// `null` for a method goes back to the default.
    #[schema(value_type = Option<BTreeMap<String, FeeOverride>>)]
    pub fees: Option<BTreeMap<String, Option<FeeOverride>>>,
    /// How far below zero each currency's available balance may go (an overdraft for
    /// refunds and payouts), in minor units; 0 removes it.
    pub negative_balance_limits: Option<BTreeMap<String, i64>>,
}

/// The bank account payouts go to, as shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct BankAccountObject {
    pub object: &'static str,
    pub account_holder_name: String,
    /// The last four characters of the account number or IBAN.
    pub last4: String,
    pub bank_code: Option<String>,
    /// From the IBAN, when one was given.
    pub country: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountSettingsObject {
    pub object: &'static str,
    pub reserve_basis_points: i64,
    pub reserve_days: i64,
    pub payout_schedule: String,
    pub weekly_anchor: Option<String>,
    pub monthly_anchor: Option<i64>,
    pub minimum_amount: i64,
    pub bank_account: Option<BankAccountObject>,
    pub country: Option<String>,
    /// Lowercase ISO 4217; absent when each payment settles in its own currency.
    pub settlement_currency: Option<String>,
    /// The fee schedule in force for each payment method.
    pub fees: BTreeMap<String, FeeScheduleObject>,
    /// Overdrafts allowed on the available balance, per lowercase currency.
    pub negative_balance_limits: BTreeMap<String, i64>,
}

/// The last four characters of an account number, never more.
pub fn last4(number: &str) -> String {
    number.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect()
}

impl BankAccountObject {
    pub fn from_settings(row: &PayoutSettingsRow) -> Option<BankAccountObject> {
        let (Some(holder), Some(number)) = (&row.bank_account_holder_name, &row.bank_account_number) else {
            return None;
        };
        Some(BankAccountObject {
            object: "bank_account",
            account_holder_name: holder.clone(),
            last4: last4(number),
            bank_code: row.bank_code.clone(),
            country: row.bank_country.clone(),
        })
    }
}

impl AccountSettingsObject {
    pub fn from_row(
        row: &PayoutSettingsRow,
        fees: BTreeMap<String, FeeScheduleObject>,
        negative_balance_limits: BTreeMap<String, i64>,
    ) -> Self {
        AccountSettingsObject {
            object: "account_settings",
            reserve_basis_points: row.reserve_basis_points,
            reserve_days: row.reserve_days,
            payout_schedule: row.payout_schedule.clone(),
            weekly_anchor: row.weekly_anchor.clone(),
            monthly_anchor: row.monthly_anchor,
            minimum_amount: row.minimum_amount,
            bank_account: BankAccountObject::from_settings(row),
            country: row.country.clone(),
            settlement_currency: row.settlement_currency.as_deref().map(str::to_ascii_lowercase),
            fees,
            negative_balance_limits,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePayout {
    /// Minor units; at most the available balance.
    pub amount: i64,
    pub currency: String,
    pub description: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListPayouts {
    pub limit: Option<i64>,
    pub starting_after: Option<String>,
    /// pending, in_transit, paid, failed or canceled.
    pub status: Option<String>,
    /// Three-letter ISO code, any case.
    pub currency: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PayoutObject {
    pub id: String,
    pub object: &'static str,
    pub amount: i64,
    pub currency: String,
    /// pending, in_transit, paid, failed or canceled.
    pub status: String,
    /// True when the payout schedule created it.
    pub automatic: bool,
    pub description: Option<String>,
    /// The bank account, as shown.
    pub destination: Value,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    /// When the money is expected in the bank account (midnight UTC, Unix seconds).
    pub arrival_date: i64,
    pub method: &'static str,
    pub created: i64,
}

impl PayoutObject {
    pub fn from_row(row: &PayoutRow) -> Self {
        PayoutObject {
            id: row.id.clone(),
            object: "payout",
            amount: row.amount,
            currency: row.currency.to_ascii_lowercase(),
            status: row.status.clone(),
            automatic: row.automatic == 1,
            description: row.description.clone(),
            destination: json_column("destination", Some(&row.destination)),
            failure_code: row.failure_code.clone(),
            failure_message: row.failure_message.clone(),
            arrival_date: row.arrival_date,
            method: "standard",
            created: row.created_at,
        }
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListReserves {
    pub limit: Option<i64>,
    pub starting_after: Option<String>,
    /// held or released.
    pub status: Option<String>,
    /// Three-letter ISO code, any case.
    pub currency: Option<String>,
}

/// One payment's rolling reserve: how much is held and when it is released.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReserveObject {
    /// The balance transaction that releases it.
    pub id: String,
    pub object: &'static str,
    pub amount: i64,
    pub currency: String,
    /// The payment the reserve was held from.
    pub source: String,
    /// held or released.
    pub status: &'static str,
    /// When it is (or was) released (midnight UTC, Unix seconds).
    pub release_on: i64,
    pub created: i64,
}

impl ReserveObject {
    pub fn from_row(row: &BalanceTransactionRow) -> Self {
        ReserveObject {
            id: row.id.clone(),
            object: "reserve",
            amount: row.amount,
            currency: row.currency.to_ascii_lowercase(),
            source: row.source_id.clone(),
            status: if row.status == "pending" { "held" } else { "released" },
            release_on: row.available_on,
            created: row.created_at,
        }
    }
}
