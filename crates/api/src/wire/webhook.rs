//! Webhook endpoints, events and the delivery-attempt log on the wire.

use crate::wire::json_column;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tradewind_storage::events::EventRow;
use tradewind_storage::webhook_deliveries::{AttemptRow, DeliveryRow};
use tradewind_storage::webhook_endpoints::EndpointRow;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookEndpoint {
    /// http:// or https://, at most 2048 characters.
    pub url: String,
    /// Event types to receive, or `["*"]` for all.
    pub enabled_events: Vec<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookEndpoint {
    pub url: Option<String>,
    pub enabled_events: Option<Vec<String>>,
    pub description: Option<String>,
    pub metadata: Option<BTreeMap<String, String>>,
    /// true stops deliveries; false enables the endpoint again (also after it was
    /// disabled for failing).
    pub disabled: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateSecret {
    /// Seconds the old secret keeps signing beside the new one: 0 to 604800 (7 days),
    /// default 86400.
    pub expires_in: Option<i64>,
}

/// No `Debug`: the create and rotate answers carry the secret.
#[derive(Serialize, ToSchema)]
pub struct WebhookEndpointObject {
    pub id: String,
    pub object: &'static str,
    pub url: String,
    pub enabled_events: Vec<String>,
    pub description: Option<String>,
    pub metadata: serde_json::Value,
    /// enabled or disabled.
    pub status: String,
    /// merchant or failing, when disabled.
    pub disabled_reason: Option<String>,
    pub created: i64,
    /// The signing secret (`whsec_…`): shown on create and rotate only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookEndpointObject {
    pub fn from_row(row: &EndpointRow) -> Self {
        let enabled_events = serde_json::from_str(&row.enabled_events).unwrap_or_else(|error| {
            tracing::error!(%error, "corrupt enabled_events column");
            Vec::new()
        });
        WebhookEndpointObject {
            id: row.id.clone(),
            object: "webhook_endpoint",
            url: row.url.clone(),
            enabled_events,
            description: row.description.clone(),
            metadata: json_column("metadata", Some(&row.metadata)),
            status: row.status.clone(),
            disabled_reason: row.disabled_reason.clone(),
            created: row.created_at,
            secret: None,
        }
    }

    /// The object with its secret, for the create and rotate answers only.
    pub fn with_secret(row: &EndpointRow) -> Self {
        WebhookEndpointObject { secret: Some(row.secret.clone()), ..WebhookEndpointObject::from_row(row) }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedObject {
    pub id: String,
    pub object: &'static str,
    pub deleted: bool,
}

/// An event as the API lists it and as a webhook delivers it (the body signed).
#[derive(Debug, Serialize, ToSchema)]
pub struct EventObject {
    pub id: String,
    pub object: &'static str,
    /// e.g. payment_intent.succeeded, payment_intent.payment_failed, refund.created.
    #[serde(rename = "type")]
    pub event_type: String,
    pub created: i64,
    /// `{"object": …}`: the object as it was after the change.
    pub data: serde_json::Value,
}

impl EventObject {
    pub fn new(id: &str, event_type: &str, created: i64, data: &str) -> Self {
        EventObject {
            id: id.to_owned(),
            object: "event",
            event_type: event_type.to_owned(),
            created,
            data: serde_json::json!({"object": json_column("data", Some(data))}),
        }
    }

    pub fn from_row(row: &EventRow) -> Self {
        EventObject::new(&row.id, &row.event_type, row.created_at, &row.data)
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResendEvent {
    /// Only to this endpoint (which must be enabled); default every enabled endpoint
    /// listening to the event's type.
    pub endpoint: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryAttemptObject {
    /// 1 for the first attempt.
    pub attempt: i64,
    /// When it was made (the merchant's clock), Unix seconds.
    pub created: i64,
    /// The HTTP status the endpoint answered, if it answered.
    pub http_status: Option<i64>,
    /// timeout, connection_failed, request_failed or http_status, when it failed.
    pub error: Option<String>,
    pub duration_ms: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDeliveryObject {
    pub id: String,
    pub object: &'static str,
    pub event: String,
    pub endpoint: String,
    /// pending, succeeded or failed.
    pub status: String,
    pub attempt_count: i64,
    /// When the next attempt is due (merchant clock), while pending.
    pub next_attempt_at: Option<i64>,
    pub created: i64,
    pub attempts: Vec<DeliveryAttemptObject>,
}

impl WebhookDeliveryObject {
    pub fn from_rows(row: &DeliveryRow, attempts: &[AttemptRow]) -> Self {
        WebhookDeliveryObject {
            id: row.id.clone(),
            object: "webhook_delivery",
            event: row.event_id.clone(),
            endpoint: row.endpoint_id.clone(),
            status: row.status.clone(),
            attempt_count: row.attempts,
            next_attempt_at: (row.status == "pending").then_some(row.next_attempt_at),
            created: row.created_at,
            attempts: attempts
                .iter()
                .filter(|attempt| attempt.delivery_id == row.id)
                .map(|attempt| DeliveryAttemptObject {
                    attempt: attempt.attempt,
                    created: attempt.attempted_at,
                    http_status: attempt.http_status,
                    error: attempt.error.clone(),
                    duration_ms: attempt.duration_ms,
                })
                .collect(),
        }
    }
}
