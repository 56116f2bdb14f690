//! Wire models: the JSON the API reads and writes, with their OpenAPI schemas.
//! Domain types stay free of serialization; conversions live here and in `routes`.

pub mod balance;
pub mod checkout;
pub mod connector_account;
pub mod dispute;
pub mod file;
pub mod fx;
pub mod list;
pub mod order;
pub mod payment_intent;
pub mod payment_method_data;
pub mod payout;
pub mod radar;
pub mod realtime;
pub mod reconciliation;
pub mod refund;
pub mod routing;
pub mod support;
pub mod webhook;

/// Stored JSON text back to a value; a corrupt column shows as `null` and is logged.
pub fn json_column(column: &str, text: Option<&str>) -> serde_json::Value {
    match text {
        None => serde_json::Value::Null,
        Some(text) => serde_json::from_str(text).unwrap_or_else(|error| {
            tracing::error!(column, %error, "corrupt JSON column");
            serde_json::Value::Null
        }),
    }
}
