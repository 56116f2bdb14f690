//! Realtime tokens, server publications and namespaces on the wire.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// One grant of a token: rights on every channel a pattern matches.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    /// `namespace:name`, `namespace:*` or `namespace:prefix.*`; the namespace must exist.
    pub pattern: String,
    /// Any of `subscribe`, `publish`, `presence`, `history`.
    pub rights: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRealtimeToken {
    /// The end user the token stands for (1 to 128 printable ASCII characters), chosen by you.
    pub user_id: String,
    /// The name other members see; defaults to `user_id`.
    pub name: Option<String>,
    /// Seconds until the token expires: 1 to 86,400, default 3,600.
    pub expires_in: Option<i64>,
    /// What the token allows; channels are always this account's.
    #[serde(default)]
    pub grants: Vec<GrantInput>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RealtimeTokenObject {
    /// `realtime_token`.
    pub object: &'static str,
    /// The JWT to send in `connect` (and `refresh`).
    pub token: String,
    pub user_id: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// The WebSocket URL to connect to.
    pub url: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRealtimePublication {
    /// `namespace:name`.
    pub channel: String,
    /// Any JSON; the whole publication frame must fit in 64 KiB.
    #[schema(value_type = Object)]
    pub data: Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RealtimePublicationObject {
    /// `realtime_publication`.
    pub object: &'static str,
    pub channel: String,
    pub offset: u64,
    pub epoch: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RealtimeNamespaceObject {
    /// `realtime_namespace`.
    pub object: &'static str,
    pub name: String,
    pub history_size: u32,
    pub history_ttl_seconds: u64,
    pub persistent: bool,
    pub presence: bool,
    pub presence_threshold: Option<u32>,
    pub member_cap: u32,
    pub client_publish: bool,
    pub publish_rate_per_second: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RealtimeNamespaceList {
    /// `list`.
    pub object: &'static str,
    pub data: Vec<RealtimeNamespaceObject>,
}
