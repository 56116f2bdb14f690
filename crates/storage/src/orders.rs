//! Orders: what a buyer bought, linked to the payment intents that paid it, with its
//! shipment. An order changes only by a conditional update on its `version`.

use crate::{Connection, StoreResult};
use sqlx::AnyPool;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrderRow {
    pub id: String,
    pub merchant_id: String,
    pub number: String,
    pub status: String,
    pub buyer_email: String,
    pub buyer_name: Option<String>,
    pub buyer_phone: Option<String>,
    pub buyer_language: Option<String>,
    pub currency: String,
    /// JSON array of items.
    pub items: String,
    pub subtotal_amount: i64,
    pub shipping_amount: i64,
    pub tax_amount: i64,
    pub total_amount: i64,
    /// JSON object, when the order ships somewhere.
    pub shipping_address: Option<String>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub shipment_status: Option<String>,
    pub shipped_at: Option<i64>,
    pub estimated_delivery_at: Option<i64>,
    pub delivered_at: Option<i64>,
    /// JSON array of `{"status", "at"}`.
    pub status_history: String,
    /// JSON object of strings.
    pub metadata: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, merchant_id, number, status, buyer_email, buyer_name, buyer_phone, buyer_language, \
    currency, items, subtotal_amount, shipping_amount, tax_amount, total_amount, shipping_address, carrier, \
    tracking_number, tracking_url, shipment_status, shipped_at, estimated_delivery_at, delivered_at, \
    status_history, metadata, version, created_at, updated_at";

/// Inserts an order; false when the merchant already has an order with that number.
pub async fn insert(connection: &mut Connection, row: &OrderRow) -> StoreResult<bool> {
    let result = sqlx::query(
        "INSERT INTO orders (id, merchant_id, number, status, buyer_email, buyer_name, buyer_phone, buyer_language, \
         currency, items, subtotal_amount, shipping_amount, tax_amount, total_amount, shipping_address, carrier, \
         tracking_number, tracking_url, shipment_status, shipped_at, estimated_delivery_at, delivered_at, \
         status_history, metadata, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
         $22, $23, $24, $25, $26, $27) ON CONFLICT DO NOTHING",
    )
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(&row.number)
    .bind(&row.status)
    .bind(&row.buyer_email)
    .bind(&row.buyer_name)
    .bind(&row.buyer_phone)
    .bind(&row.buyer_language)
    .bind(&row.currency)
    .bind(&row.items)
    .bind(row.subtotal_amount)
    .bind(row.shipping_amount)
    .bind(row.tax_amount)
    .bind(row.total_amount)
    .bind(&row.shipping_address)
    .bind(&row.carrier)
    .bind(&row.tracking_number)
    .bind(&row.tracking_url)
    .bind(&row.shipment_status)
    .bind(row.shipped_at)
    .bind(row.estimated_delivery_at)
    .bind(row.delivered_at)
    .bind(&row.status_history)
    .bind(&row.metadata)
    .bind(row.version)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Writes `row` over the stored order if it is still at `row.version - 1`; false when
/// another request changed it first.
pub async fn update(connection: &mut Connection, row: &OrderRow) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE orders SET status = $1, buyer_name = $2, buyer_phone = $3, buyer_language = $4, \
         shipping_address = $5, carrier = $6, tracking_number = $7, tracking_url = $8, shipment_status = $9, \
         shipped_at = $10, estimated_delivery_at = $11, delivered_at = $12, status_history = $13, metadata = $14, \
         version = $15, updated_at = $16 WHERE id = $17 AND merchant_id = $18 AND version = $19",
    )
    .bind(&row.status)
    .bind(&row.buyer_name)
    .bind(&row.buyer_phone)
    .bind(&row.buyer_language)
    .bind(&row.shipping_address)
    .bind(&row.carrier)
    .bind(&row.tracking_number)
    .bind(&row.tracking_url)
    .bind(&row.shipment_status)
    .bind(row.shipped_at)
    .bind(row.estimated_delivery_at)
    .bind(row.delivered_at)
    .bind(&row.status_history)
    .bind(&row.metadata)
    .bind(row.version)
    .bind(row.updated_at)
    .bind(&row.id)
    .bind(&row.merchant_id)
    .bind(row.version - 1)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn get(pool: &AnyPool, merchant_id: &str, id: &str) -> StoreResult<Option<OrderRow>> {
    let sql = format!("SELECT {COLUMNS} FROM orders WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(pool).await?)
}

pub async fn get_in(connection: &mut Connection, merchant_id: &str, id: &str) -> StoreResult<Option<OrderRow>> {
    let sql = format!("SELECT {COLUMNS} FROM orders WHERE merchant_id = $1 AND id = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(id).fetch_optional(connection).await?)
}

/// The order a buyer quotes by its number.
pub async fn by_number(pool: &AnyPool, merchant_id: &str, number: &str) -> StoreResult<Option<OrderRow>> {
    let sql = format!("SELECT {COLUMNS} FROM orders WHERE merchant_id = $1 AND number = $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id).bind(number).fetch_optional(pool).await?)
}

/// The list filters; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub starting_after: Option<String>,
    pub status: Option<String>,
    pub buyer_email: Option<String>,
    pub limit: i64,
}

/// Newest first, after the cursor.
pub async fn list(pool: &AnyPool, merchant_id: &str, filter: &ListFilter) -> StoreResult<Vec<OrderRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM orders WHERE merchant_id = $1 \
         AND (CAST($2 AS TEXT) IS NULL OR id < $2) \
         AND (CAST($3 AS TEXT) IS NULL OR status = $3) \
         AND (CAST($4 AS TEXT) IS NULL OR buyer_email = $4) \
         ORDER BY id DESC LIMIT $5"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(merchant_id)
        .bind(&filter.starting_after)
        .bind(&filter.status)
        .bind(&filter.buyer_email)
        .bind(filter.limit)
        .fetch_all(pool)
        .await?)
}

/// Links a payment intent to an order; false when the intent already pays an order.
pub async fn link_payment(
    connection: &mut Connection,
    merchant_id: &str,
    order_id: &str,
    payment_intent_id: &str,
    now: i64,
) -> StoreResult<bool> {
    let result = sqlx::query(
        "INSERT INTO order_payments (order_id, payment_intent_id, merchant_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(order_id)
    .bind(payment_intent_id)
    .bind(merchant_id)
    .bind(now)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// The order a payment intent pays, if any.
pub async fn order_of_payment(
    connection: &mut Connection,
    merchant_id: &str,
    payment_intent_id: &str,
) -> StoreResult<Option<String>> {
    Ok(sqlx::query_scalar("SELECT order_id FROM order_payments WHERE merchant_id = $1 AND payment_intent_id = $2")
        .bind(merchant_id)
        .bind(payment_intent_id)
        .fetch_optional(connection)
        .await?)
}

/// The payment intents of an order, oldest first.
pub async fn payments(pool: &AnyPool, merchant_id: &str, order_id: &str) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT payment_intent_id FROM order_payments WHERE merchant_id = $1 AND order_id = $2 \
         ORDER BY payment_intent_id",
    )
    .bind(merchant_id)
    .bind(order_id)
    .fetch_all(pool)
    .await?)
}

/// The payment intents of several orders at once: (order id, payment intent id).
pub async fn payments_of(
    pool: &AnyPool,
    merchant_id: &str,
    order_ids: &[String],
) -> StoreResult<Vec<(String, String)>> {
    if order_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (0..order_ids.len()).map(|index| format!("${}", index + 2)).collect();
    let sql = format!(
        "SELECT order_id, payment_intent_id FROM order_payments WHERE merchant_id = $1 AND order_id IN ({}) \
         ORDER BY payment_intent_id",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(merchant_id);
    for id in order_ids {
        query = query.bind(id);
    }
    Ok(query.fetch_all(pool).await?)
}

/// [`payments`], inside a transaction.
pub async fn payments_in(connection: &mut Connection, merchant_id: &str, order_id: &str) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT payment_intent_id FROM order_payments WHERE merchant_id = $1 AND order_id = $2 \
         ORDER BY payment_intent_id",
    )
    .bind(merchant_id)
    .bind(order_id)
    .fetch_all(connection)
    .await?)
}
