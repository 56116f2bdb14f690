//! Orders: what a buyer bought, for the support desk and the assistant to refer to.

use crate::wire::json_column;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use tradewind_storage::orders::OrderRow;
use utoipa::{IntoParams, ToSchema};

/// One line of an order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderItem {
    pub name: String,
    pub sku: Option<String>,
    pub quantity: i64,
    /// The price of one, in the order currency's minor unit.
    pub unit_amount: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShippingAddress {
    pub name: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

/// The parcel: carrier, tracking and where it is.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentParams {
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    /// label_created, in_transit, out_for_delivery, delivered or exception.
    pub status: Option<String>,
    /// Unix seconds.
    pub shipped_at: Option<i64>,
    pub estimated_delivery_at: Option<i64>,
    pub delivered_at: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuyerParams {
    pub email: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    /// The buyer's language (ISO 639-1), when the shop knows it.
    pub language: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrder {
    /// Your order number, as buyers quote it (letters, digits, dashes; unique).
    pub number: String,
    pub buyer: BuyerParams,
    /// Lowercase ISO 4217.
    pub currency: String,
    pub items: Vec<OrderItem>,
    pub shipping_amount: Option<i64>,
    pub tax_amount: Option<i64>,
    /// pending (default), paid, processing, shipped, delivered, canceled or refunded.
    pub status: Option<String>,
    pub shipping_address: Option<ShippingAddress>,
    pub shipment: Option<ShipmentParams>,
    /// Payment intents (`pi_…`) that paid this order.
    #[serde(default)]
    pub payment_intents: Vec<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

/// Every field optional; what is left out keeps its value. Statuses move forward only.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrder {
    pub status: Option<String>,
    pub buyer_name: Option<String>,
    pub buyer_phone: Option<String>,
    pub buyer_language: Option<String>,
    pub shipping_address: Option<ShippingAddress>,
    pub shipment: Option<ShipmentParams>,
    /// Payment intents to link (added to those already linked).
    #[serde(default)]
    pub payment_intents: Vec<String>,
    pub metadata: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentObject {
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub status: Option<String>,
    pub shipped_at: Option<i64>,
    pub estimated_delivery_at: Option<i64>,
    pub delivered_at: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BuyerObject {
    pub email: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub language: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderObject {
    pub id: String,
    pub object: &'static str,
    pub number: String,
    pub status: String,
    pub buyer: BuyerObject,
    pub currency: String,
    #[schema(value_type = Vec<OrderItem>)]
    pub items: Value,
    pub subtotal_amount: i64,
    pub shipping_amount: i64,
    pub tax_amount: i64,
    pub total_amount: i64,
    #[schema(value_type = Option<ShippingAddress>)]
    pub shipping_address: Value,
    pub shipment: Option<ShipmentObject>,
    pub payment_intents: Vec<String>,
    /// Every status the order passed through: `[{"status", "at"}]`.
    #[schema(value_type = Vec<Object>)]
    pub status_history: Value,
    #[schema(value_type = Object)]
    pub metadata: Value,
    pub created: i64,
    pub updated: i64,
}

impl OrderObject {
    pub fn from_row(row: &OrderRow, payment_intents: Vec<String>) -> Self {
        let shipment =
            (row.carrier.is_some() || row.shipment_status.is_some() || row.shipped_at.is_some()).then(|| {
                ShipmentObject {
                    carrier: row.carrier.clone(),
                    tracking_number: row.tracking_number.clone(),
                    tracking_url: row.tracking_url.clone(),
                    status: row.shipment_status.clone(),
                    shipped_at: row.shipped_at,
                    estimated_delivery_at: row.estimated_delivery_at,
                    delivered_at: row.delivered_at,
                }
            });
        OrderObject {
            id: row.id.clone(),
            object: "order",
            number: row.number.clone(),
            status: row.status.clone(),
            buyer: BuyerObject {
                email: row.buyer_email.clone(),
                name: row.buyer_name.clone(),
                phone: row.buyer_phone.clone(),
                language: row.buyer_language.clone(),
            },
            currency: row.currency.clone(),
            items: json_column("orders.items", Some(&row.items)),
            subtotal_amount: row.subtotal_amount,
            shipping_amount: row.shipping_amount,
            tax_amount: row.tax_amount,
            total_amount: row.total_amount,
            shipping_address: json_column("orders.shipping_address", row.shipping_address.as_deref()),
            shipment,
            payment_intents,
            status_history: json_column("orders.status_history", Some(&row.status_history)),
            metadata: json_column("orders.metadata", Some(&row.metadata)),
            created: row.created_at,
            updated: row.updated_at,
        }
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListOrders {
    pub limit: Option<i64>,
    pub starting_after: Option<String>,
    pub status: Option<String>,
    /// Orders of one buyer.
    pub email: Option<String>,
    /// The order with this number.
    pub number: Option<String>,
}
