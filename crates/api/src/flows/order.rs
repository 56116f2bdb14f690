//! Orders: validating what the shop sends (items, amounts, shipment, linked payments)
//! into rows, and the moves between statuses.

use crate::error::{ApiError, ApiResult};
use crate::flows::validate;
use crate::wire::order::{CreateOrder, OrderItem, ShipmentParams, ShippingAddress, UpdateOrder};
use serde_json::json;
use tradewind_language::Language;
use tradewind_payments::customer::is_plausible_email;
use tradewind_payments::id::{OrderId, PaymentIntentId};
use tradewind_payments::method::is_country_code;
use tradewind_payments::order::{OrderStatus, ShipmentStatus, normalize_order_number};
use tradewind_storage::orders::OrderRow;

/// Lines on one order.
pub const ITEMS_MAX: usize = 100;
/// Payment intents linked to one order.
pub const PAYMENT_INTENTS_MAX: usize = 20;
/// Longest free-text field (names, address lines, carrier, tracking number).
pub const TEXT_LENGTH_MAX: usize = 200;
/// Most of one item on one line.
pub const QUANTITY_MAX: i64 = 100_000;

fn text(param: &str, value: &str, required: bool) -> ApiResult<()> {
    let length = value.trim().chars().count();
    if required && length == 0 {
        return Err(ApiError::invalid(param, "parameter_missing", format!("`{param}` must not be empty.")));
    }
    if value.chars().count() > TEXT_LENGTH_MAX {
        return Err(ApiError::invalid(
            param,
            "parameter_invalid",
            format!("`{param}` is longer than {TEXT_LENGTH_MAX} characters."),
        ));
    }
    Ok(())
}

fn optional_text(param: &str, value: &Option<String>) -> ApiResult<()> {
    value.as_deref().map_or(Ok(()), |value| text(param, value, false))
}

pub fn email(param: &str, value: &str) -> ApiResult<String> {
    let email = value.trim().to_lowercase();
    if !is_plausible_email(&email) {
        return Err(ApiError::invalid(param, "email_invalid", format!("`{param}` is not a valid e-mail address.")));
    }
    Ok(email)
}

pub fn language(param: &str, value: &Option<String>) -> ApiResult<Option<String>> {
    value
        .as_deref()
        .map(|tag| {
            Language::parse(tag)
                .map(|language| language.code().to_owned())
                .map_err(|error| ApiError::invalid(param, "parameter_invalid", format!("`{param}`: {error}.")))
        })
        .transpose()
}

pub fn status(param: &str, value: &str) -> ApiResult<OrderStatus> {
    OrderStatus::parse(value).ok_or_else(|| {
        ApiError::invalid(
            param,
            "parameter_invalid",
            format!("`{param}` must be pending, paid, processing, shipped, delivered, canceled or refunded."),
        )
    })
}

fn items_subtotal(items: &[OrderItem]) -> ApiResult<i64> {
    if items.is_empty() || items.len() > ITEMS_MAX {
        return Err(ApiError::invalid(
            "items",
            "parameter_invalid",
            format!("`items` must hold 1 to {ITEMS_MAX} lines."),
        ));
    }
    let mut subtotal: i64 = 0;
    for (index, item) in items.iter().enumerate() {
        text(&format!("items[{index}][name]"), &item.name, true)?;
        optional_text(&format!("items[{index}][sku]"), &item.sku)?;
        if !(1..=QUANTITY_MAX).contains(&item.quantity) {
            let param = format!("items[{index}][quantity]");
            return Err(ApiError::invalid(
                &param,
                "parameter_invalid",
                format!("`{param}` must be 1 to {QUANTITY_MAX}."),
            ));
        }
        if item.unit_amount < 0 {
            let param = format!("items[{index}][unit_amount]");
            return Err(ApiError::invalid(&param, "parameter_invalid", format!("`{param}` must not be negative.")));
        }
        subtotal = item
            .unit_amount
            .checked_mul(item.quantity)
            .and_then(|line| subtotal.checked_add(line))
            .ok_or_else(|| ApiError::invalid("items", "amount_too_large", "The order's amounts overflow."))?;
    }
    Ok(subtotal)
}

fn address(value: &ShippingAddress) -> ApiResult<String> {
    optional_text("shipping_address[name]", &value.name)?;
    text("shipping_address[line1]", &value.line1, true)?;
    optional_text("shipping_address[line2]", &value.line2)?;
    text("shipping_address[city]", &value.city, true)?;
    optional_text("shipping_address[state]", &value.state)?;
    optional_text("shipping_address[postal_code]", &value.postal_code)?;
    if !is_country_code(&value.country) {
        return Err(ApiError::invalid(
            "shipping_address[country]",
            "parameter_invalid",
            "`shipping_address[country]` must be an ISO 3166-1 alpha-2 code such as `US`.",
        ));
    }
    let mut value = value.clone();
    value.country = value.country.to_ascii_uppercase();
    serde_json::to_string(&value).map_err(|error| ApiError::internal(&error))
}

/// Lays a shipment update over the row's shipment; a tracking number needs a carrier.
fn apply_shipment(row: &mut OrderRow, shipment: &ShipmentParams) -> ApiResult<()> {
    optional_text("shipment[carrier]", &shipment.carrier)?;
    optional_text("shipment[tracking_number]", &shipment.tracking_number)?;
    validate::url("shipment[tracking_url]", &shipment.tracking_url)?;
    if let Some(status) = &shipment.status {
        let parsed = ShipmentStatus::parse(status).ok_or_else(|| {
            ApiError::invalid(
                "shipment[status]",
                "parameter_invalid",
                "`shipment[status]` must be label_created, in_transit, out_for_delivery, delivered or exception.",
            )
        })?;
        row.shipment_status = Some(parsed.as_str().to_owned());
    }
    for (param, value) in [
        ("shipment[shipped_at]", shipment.shipped_at),
        ("shipment[estimated_delivery_at]", shipment.estimated_delivery_at),
        ("shipment[delivered_at]", shipment.delivered_at),
    ] {
        if value.is_some_and(|at| at < 0) {
            return Err(ApiError::invalid(param, "parameter_invalid", format!("`{param}` must be Unix seconds.")));
        }
    }
    if shipment.carrier.is_some() {
        row.carrier = shipment.carrier.clone();
    }
    if shipment.tracking_number.is_some() {
        row.tracking_number = shipment.tracking_number.clone();
    }
    if shipment.tracking_url.is_some() {
        row.tracking_url = shipment.tracking_url.clone();
    }
    row.shipped_at = shipment.shipped_at.or(row.shipped_at);
    row.estimated_delivery_at = shipment.estimated_delivery_at.or(row.estimated_delivery_at);
    row.delivered_at = shipment.delivered_at.or(row.delivered_at);
    if row.tracking_number.is_some() && row.carrier.is_none() {
        return Err(ApiError::invalid(
            "shipment[carrier]",
            "parameter_missing",
            "A tracking number needs `shipment[carrier]`.",
        ));
    }
    Ok(())
}

/// Moves the order to `next` (recording it in the history) if the move is allowed.
fn move_to(row: &mut OrderRow, next: OrderStatus, now: i64) -> ApiResult<()> {
    let current = OrderStatus::parse(&row.status).ok_or_else(|| {
        ApiError::internal(&tradewind_storage::StoreError::Corrupt(format!("order status {}", row.status)))
    })?;
    if current == next {
        return Ok(());
    }
    if !current.can_become(next) {
        return Err(ApiError::invalid(
            "status",
            "order_status_transition_invalid",
            format!("An order that is {} cannot become {}.", current.as_str(), next.as_str()),
        ));
    }
    let mut history: Vec<serde_json::Value> = serde_json::from_str(&row.status_history).unwrap_or_default();
    history.push(json!({"status": next.as_str(), "at": now}));
    row.status_history = serde_json::Value::Array(history).to_string();
    row.status = next.as_str().to_owned();
    Ok(())
}

/// The payment intent ids a request links, parsed and without repeats.
pub fn payment_intent_ids(ids: &[String]) -> ApiResult<Vec<String>> {
    if ids.len() > PAYMENT_INTENTS_MAX {
        return Err(ApiError::invalid(
            "payment_intents",
            "parameter_invalid",
            format!("At most {PAYMENT_INTENTS_MAX} payment intents per order."),
        ));
    }
    let mut parsed: Vec<String> = Vec::with_capacity(ids.len());
    for (index, id) in ids.iter().enumerate() {
        let param = format!("payment_intents[{index}]");
        PaymentIntentId::parse(id)
            .map_err(|error| ApiError::invalid(&param, "parameter_invalid", format!("`{param}`: {error}.")))?;
        if !parsed.contains(id) {
            parsed.push(id.clone());
        }
    }
    Ok(parsed)
}

/// A new order's row from the request, validated.
pub fn new_row(merchant_id: &str, body: &CreateOrder, now: i64) -> ApiResult<OrderRow> {
    let number = normalize_order_number(&body.number).ok_or_else(|| {
        ApiError::invalid("number", "parameter_invalid", "`number` must be 1 to 40 letters, digits or dashes.")
    })?;
    let buyer_email = email("buyer[email]", &body.buyer.email)?;
    optional_text("buyer[name]", &body.buyer.name)?;
    optional_text("buyer[phone]", &body.buyer.phone)?;
    let buyer_language = language("buyer[language]", &body.buyer.language)?;
    let currency = validate::currency("currency", &body.currency)?.code().to_ascii_lowercase();
    let subtotal_amount = items_subtotal(&body.items)?;
    let shipping_amount = body.shipping_amount.unwrap_or(0);
    let tax_amount = body.tax_amount.unwrap_or(0);
    for (param, value) in [("shipping_amount", shipping_amount), ("tax_amount", tax_amount)] {
        if value < 0 {
            return Err(ApiError::invalid(param, "parameter_invalid", format!("`{param}` must not be negative.")));
        }
    }
    let total_amount = subtotal_amount
        .checked_add(shipping_amount)
        .and_then(|sum| sum.checked_add(tax_amount))
        .ok_or_else(|| ApiError::invalid("items", "amount_too_large", "The order's amounts overflow."))?;
    validate::metadata(&body.metadata)?;
    let shipping_address = body.shipping_address.as_ref().map(address).transpose()?;
    let items = serde_json::to_string(&body.items).map_err(|error| ApiError::internal(&error))?;
    let metadata = serde_json::to_string(&body.metadata).map_err(|error| ApiError::internal(&error))?;
    let mut row = OrderRow {
        id: OrderId::generate().to_string(),
        merchant_id: merchant_id.to_owned(),
        number,
        status: OrderStatus::Pending.as_str().to_owned(),
        buyer_email,
        buyer_name: body.buyer.name.clone(),
        buyer_phone: body.buyer.phone.clone(),
        buyer_language,
        currency,
        items,
        subtotal_amount,
        shipping_amount,
        tax_amount,
        total_amount,
        shipping_address,
        carrier: None,
        tracking_number: None,
        tracking_url: None,
        shipment_status: None,
        shipped_at: None,
        estimated_delivery_at: None,
        delivered_at: None,
        status_history: json!([{"status": "pending", "at": now}]).to_string(),
        metadata,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    if let Some(shipment) = &body.shipment {
        apply_shipment(&mut row, shipment)?;
    }
    if let Some(requested) = &body.status {
        let next = status("status", requested)?;
        // A new order may start anywhere along its path: the shop may import history.
        if next != OrderStatus::Pending {
            row.status = next.as_str().to_owned();
            row.status_history = json!([{"status": next.as_str(), "at": now}]).to_string();
        }
    }
    Ok(row)
}

/// The stored order with the update laid over it (version bumped), validated.
pub fn updated_row(current: &OrderRow, body: &UpdateOrder, now: i64) -> ApiResult<OrderRow> {
    let mut row = current.clone();
    optional_text("buyer_name", &body.buyer_name)?;
    optional_text("buyer_phone", &body.buyer_phone)?;
    if body.buyer_name.is_some() {
        row.buyer_name = body.buyer_name.clone();
    }
    if body.buyer_phone.is_some() {
        row.buyer_phone = body.buyer_phone.clone();
    }
    if body.buyer_language.is_some() {
        row.buyer_language = language("buyer_language", &body.buyer_language)?;
    }
    if let Some(shipping_address) = &body.shipping_address {
        row.shipping_address = Some(address(shipping_address)?);
    }
    if let Some(shipment) = &body.shipment {
        apply_shipment(&mut row, shipment)?;
    }
    if let Some(metadata) = &body.metadata {
        validate::metadata(metadata)?;
        row.metadata = serde_json::to_string(metadata).map_err(|error| ApiError::internal(&error))?;
    }
    if let Some(requested) = &body.status {
        move_to(&mut row, status("status", requested)?, now)?;
    }
    row.version += 1;
    row.updated_at = now;
    Ok(row)
}
