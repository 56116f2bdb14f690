//! Connector accounts, their fault settings and provider webhook receipts on the wire.
//! Credentials come in (`CredentialsInput`) but never go out: answers carry masked
//! hints only.

use crate::credentials::CredentialsInput;
use crate::flows::pricing::FeeOverride;
use crate::wire::json_column;
use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use tradewind_connectors::faults::{Faults, Outage};
use tradewind_storage::connector_accounts::ConnectorAccountRow;
use utoipa::{IntoParams, ToSchema};

/// A field that may be absent (keep), `null` (clear) or a value (set).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConnectorAccount {
    /// sandbox, stripe or paypal.
    pub connector: String,
    /// A name for the merchant's own use (default: the connector's name).
    pub label: Option<String>,
    /// The payment method types it processes: stripe takes card, paypal takes paypal,
    /// a sandbox any.
    pub payment_methods: Vec<String>,
    /// ISO 3166-1 alpha-2 buyer countries it serves; absent or null for all.
    pub countries: Option<Vec<String>>,
    /// ISO 4217 currencies it serves; absent or null for all.
    pub currencies: Option<Vec<String>>,
    /// Fee terms per payment method laid over the connector's default schedule (the
    /// fields of the account settings' `fees`); absent for the default schedules.
    pub fees: Option<BTreeMap<String, FeeOverride>>,
    /// The currency the connector pays out in; absent for each payment's own.
    pub settlement_currency: Option<String>,
    /// The connector's spread on conversions, 0 to 2000 basis points (default 0).
    pub fx_spread_basis_points: Option<i64>,
    /// Real connectors: where the provider's API is, http(s) (default: the provider's
    /// own host).
    pub base_url: Option<String>,
    /// test (default) or live; a sandbox is always test.
    pub mode: Option<String>,
    /// stripe: secret_key, webhook_secret; paypal: client_id, client_secret,
    /// webhook_id; sandbox: none. Stored encrypted, never shown again.
    pub credentials: Option<CredentialsInput>,
    /// Sandbox only: the faults it injects.
    #[schema(value_type = Option<FaultsObject>)]
    pub faults: Option<FaultsInput>,
    /// Its place in the merchant's order, 0 to 1000000, lower first (default: last).
    pub position: Option<i64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateConnectorAccount {
    pub label: Option<String>,
    /// enabled or disabled.
    pub status: Option<String>,
    pub payment_methods: Option<Vec<String>>,
    /// A list, or null for every country.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub countries: Option<Option<Vec<String>>>,
    /// A list, or null for every currency.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub currencies: Option<Option<Vec<String>>>,
    /// Fee terms per method; a method set to null goes back to the default schedule.
    #[schema(value_type = Option<BTreeMap<String, FeeOverride>>)]
    pub fees: Option<BTreeMap<String, Option<FeeOverride>>>,
    /// A currency, or null for each payment's own.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub settlement_currency: Option<Option<String>>,
    pub fx_spread_basis_points: Option<i64>,
    /// A URL, or null for the provider's own host.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub base_url: Option<Option<String>>,
    /// Replaces every credential (all the connector's fields are required).
    pub credentials: Option<CredentialsInput>,
    /// Sandbox only: replaces the faults.
    #[schema(value_type = Option<FaultsObject>)]
    pub faults: Option<FaultsInput>,
    pub position: Option<i64>,
}

/// An outage window on the merchant's clock: from `start` (included) to `end`
/// (excluded), Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutageObject {
    pub start: i64,
    pub end: i64,
}

/// What a sandbox connector account gets wrong on purpose. Every field defaults to
/// none, so `{}` injects nothing. Of one random roll in 0–99, the first
/// `error_rate_percent` fail, the next `timeout_rate_percent` time out and the next
/// `soft_decline_rate_percent` are soft-declined (together at most 100); inside an
/// outage window every call fails.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FaultsObject {
    /// Added to every call, 0 to 30000.
    pub latency_ms: u32,
    pub error_rate_percent: u8,
    pub timeout_rate_percent: u8,
    pub soft_decline_rate_percent: u8,
    /// Whether a timeout happens after the charge went through at the provider.
    pub timeout_after_processing: bool,
    /// At most 32.
    pub outages: Vec<OutageObject>,
}

impl FaultsObject {
    pub fn to_faults(&self) -> Faults {
        Faults {
            latency_ms: self.latency_ms,
            error_rate_percent: self.error_rate_percent,
            timeout_rate_percent: self.timeout_rate_percent,
            soft_decline_rate_percent: self.soft_decline_rate_percent,
            timeout_after_processing: self.timeout_after_processing,
            outages: self.outages.iter().map(|outage| Outage { start: outage.start, end: outage.end }).collect(),
        }
    }

    pub fn of(faults: &Faults) -> FaultsObject {
        FaultsObject {
            latency_ms: faults.latency_ms,
            error_rate_percent: faults.error_rate_percent,
            timeout_rate_percent: faults.timeout_rate_percent,
            soft_decline_rate_percent: faults.soft_decline_rate_percent,
            timeout_after_processing: faults.timeout_after_processing,
            outages: faults
                .outages
                .iter()
                .map(|outage| OutageObject { start: outage.start, end: outage.end })
                .collect(),
        }
    }
}

/// Fault settings as a request gives them: a JSON object only. (Every field of
/// [`FaultsObject`] has a default, so serde alone would also take `[]` for "none".)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultsInput(pub FaultsObject);

impl<'de> Deserialize<'de> for FaultsInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectOnly;

        impl<'de> Visitor<'de> for ObjectOnly {
            type Value = FaultsInput;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("an object of fault settings")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FaultsInput, A::Error> {
                FaultsObject::deserialize(MapAccessDeserializer::new(map)).map(FaultsInput)
            }
        }

        deserializer.deserialize_map(ObjectOnly)
    }
}

/// The faults of one sandbox connector account.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectorFaultsObject {
    pub object: &'static str,
    pub connector_account: String,
    #[serde(flatten)]
    pub faults: FaultsObject,
}

/// A connector account. Its credentials are shown masked; a sandbox account's webhook
/// signing secret only in the answer that created it.
#[derive(Serialize, ToSchema)]
pub struct ConnectorAccountObject {
    pub id: String,
    pub object: &'static str,
    /// sandbox, stripe or paypal.
    pub connector: String,
    pub label: String,
    pub payment_methods: Vec<String>,
    /// null: every country.
    pub countries: Option<Vec<String>>,
    /// Lowercase; null: every currency.
    pub currencies: Option<Vec<String>>,
    /// Fee terms per method over the default schedule; null: the default schedules.
    pub fees: serde_json::Value,
    pub settlement_currency: Option<String>,
    pub fx_spread_basis_points: i64,
    pub base_url: Option<String>,
    /// test or live.
    pub mode: String,
    /// Each credential masked, e.g. `{"secret_key": "sk_test_…4242"}`.
    pub credentials: BTreeMap<String, String>,
    /// Sandbox accounts: the faults injected; null for real connectors.
    pub faults: Option<FaultsObject>,
    /// enabled or disabled.
    pub status: String,
    pub position: i64,
    /// Where the provider sends its webhooks for this account.
    pub webhook_url: String,
    pub created: i64,
    pub updated: i64,
    /// Sandbox accounts, on create only: the `whsec_` secret that signs the sandbox's
    /// webhooks (the `Tradewind-Signature` header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
}

impl ConnectorAccountObject {
    /// The object of `row`; `webhook_url` is where its provider webhooks are received.
    pub fn from_row(row: &ConnectorAccountRow, webhook_url: String) -> Self {
        let list = |column: &str, text: Option<&str>| -> Option<Vec<String>> {
            text.map(|text| serde_json::from_value(json_column(column, Some(text))).unwrap_or_default())
        };
        let faults = row.faults.as_deref().map(|text| {
            serde_json::from_str(text).unwrap_or_else(|error| {
                tracing::error!(%error, "corrupt faults column");
                FaultsObject::default()
            })
        });
        ConnectorAccountObject {
            id: row.id.clone(),
            object: "connector_account",
            connector: row.connector.clone(),
            label: row.label.clone(),
            payment_methods: list("payment_methods", Some(&row.payment_methods)).unwrap_or_default(),
            countries: list("countries", row.countries.as_deref()),
            currencies: list("currencies", row.currencies.as_deref())
                .map(|codes| codes.iter().map(|code| code.to_ascii_lowercase()).collect()),
            fees: json_column("fees", row.fees.as_deref()),
            settlement_currency: row.settlement_currency.as_ref().map(|code| code.to_ascii_lowercase()),
            fx_spread_basis_points: row.fx_spread_basis_points,
            base_url: row.base_url.clone(),
            mode: row.mode.clone(),
            credentials: serde_json::from_value(json_column("credentials_hint", Some(&row.credentials_hint)))
                .unwrap_or_default(),
            faults,
            status: row.status.clone(),
            position: row.position,
            webhook_url,
            created: row.created_at,
            updated: row.updated_at,
            webhook_secret: None,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConnectorAccountListQuery {
    pub limit: Option<i64>,
    pub starting_after: Option<String>,
    /// Only accounts that process this payment method type.
    pub payment_method: Option<String>,
}

/// The answer to a provider webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookReceipt {
    pub received: bool,
    /// true when this event id was received before (nothing changed this time).
    pub duplicate: bool,
    /// What the event did: applied, ignored_stale or ignored_unknown; absent for a
    /// duplicate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'static str>,
}
