//! `/v1/orders`: create, retrieve, update, list. An order's events (`order.created`,
//! `order.updated`) are written in the same transaction as the order.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, SecretAuth};
use crate::flows::{self, order};
use crate::state::AppState;
use crate::wire::list::{ListObject, page_limit};
use crate::wire::order::{CreateOrder, ListOrders, OrderObject, UpdateOrder};
use axum::Json;
use axum::extract::{Path, Query, State};
use tradewind_payments::id::OrderId;
use tradewind_payments::order::normalize_order_number;
use tradewind_storage::{Connection, orders, payment_intents};

/// Links each payment intent (which must be the merchant's and pay no other order).
async fn link_payments(
    connection: &mut Connection,
    state: &AppState,
    merchant_id: &str,
    order_id: &str,
    ids: &[String],
    now: i64,
) -> ApiResult<()> {
    for (index, id) in ids.iter().enumerate() {
        let param = format!("payment_intents[{index}]");
        if payment_intents::get(state.store.pool(), merchant_id, id).await?.is_none() {
            return Err(ApiError::invalid(&param, "resource_missing", format!("No such payment_intent: '{id}'")));
        }
        match orders::order_of_payment(connection, merchant_id, id).await? {
            Some(linked) if linked == order_id => {}
            Some(_) => {
                return Err(ApiError::invalid(
                    &param,
                    "payment_intent_already_linked",
                    format!("The payment intent {id} already pays another order."),
                ));
            }
            None => {
                orders::link_payment(connection, merchant_id, order_id, id, now).await?;
            }
        }
    }
    Ok(())
}

/// Creates an order.
#[utoipa::path(post, path = "/v1/orders", request_body = CreateOrder,
    responses((status = 200, body = OrderObject)), security(("bearer" = [])), tag = "Orders")]
pub async fn create(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    ApiJson(body): ApiJson<CreateOrder>,
) -> ApiResult<Json<OrderObject>> {
    let now = auth.now(&state);
    let merchant_id = auth.merchant_id.as_str();
    let row = order::new_row(merchant_id, &body, now)?;
    let payment_intents = order::payment_intent_ids(&body.payment_intents)?;
    let mut transaction = state.store.begin().await?;
    if !orders::insert(transaction.connection(), &row).await? {
        return Err(ApiError::invalid(
            "number",
            "order_number_taken",
            format!("You already have an order numbered {}.", row.number),
        ));
    }
    link_payments(transaction.connection(), &state, merchant_id, &row.id, &payment_intents, now).await?;
    let object = OrderObject::from_row(&row, payment_intents);
    let event = flows::events::event(merchant_id, "order.created", &row.id, &object.to_value(), now);
    tradewind_storage::events::insert(transaction.connection(), &event).await?;
    transaction.commit().await?;
    Ok(Json(object))
}

/// Retrieves an order.
#[utoipa::path(get, path = "/v1/orders/{id}", params(("id" = String, Path)),
    responses((status = 200, body = OrderObject)), security(("bearer" = [])), tag = "Orders")]
pub async fn retrieve(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderObject>> {
    OrderId::parse(&id).map_err(|_| ApiError::not_found("order", &id))?;
    let merchant_id = auth.merchant_id.as_str();
    let row =
        orders::get(state.store.pool(), merchant_id, &id).await?.ok_or_else(|| ApiError::not_found("order", &id))?;
    let payment_intents = orders::payments(state.store.pool(), merchant_id, &id).await?;
    Ok(Json(OrderObject::from_row(&row, payment_intents)))
}

/// Updates an order: status (forward only), shipment, address, buyer details, metadata,
/// more linked payments.
#[utoipa::path(post, path = "/v1/orders/{id}", params(("id" = String, Path)), request_body = UpdateOrder,
    responses((status = 200, body = OrderObject)), security(("bearer" = [])), tag = "Orders")]
pub async fn update(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateOrder>,
) -> ApiResult<Json<OrderObject>> {
    OrderId::parse(&id).map_err(|_| ApiError::not_found("order", &id))?;
    let now = auth.now(&state);
    let merchant_id = auth.merchant_id.as_str();
    let payment_intents = order::payment_intent_ids(&body.payment_intents)?;
    let mut transaction = state.store.begin().await?;
    let current = orders::get_in(transaction.connection(), merchant_id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("order", &id))?;
    let row = order::updated_row(&current, &body, now)?;
    link_payments(transaction.connection(), &state, merchant_id, &row.id, &payment_intents, now).await?;
    if !orders::update(transaction.connection(), &row).await? {
        return Err(ApiError::conflict("lock_timeout", "The order changed while this request ran; try again."));
    }
    let linked = orders::payments_in(transaction.connection(), merchant_id, &id).await?;
    let object = OrderObject::from_row(&row, linked);
    let event = flows::events::event(merchant_id, "order.updated", &row.id, &object.to_value(), now);
    tradewind_storage::events::insert(transaction.connection(), &event).await?;
    transaction.commit().await?;
    Ok(Json(object))
}

/// Lists orders, newest first; `email` for one buyer's, `number` for one order.
#[utoipa::path(get, path = "/v1/orders", params(ListOrders),
    responses((status = 200, body = ListObject<OrderObject>)), security(("bearer" = [])), tag = "Orders")]
pub async fn list(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<ListOrders>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<OrderObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let limit = page_limit(query.limit)?;
    let merchant_id = auth.merchant_id.as_str();
    let pool = state.store.pool();
    if let Some(number) = &query.number {
        let number = normalize_order_number(number).ok_or_else(|| {
            ApiError::invalid("number", "parameter_invalid", "`number` must be 1 to 40 letters, digits or dashes.")
        })?;
        let mut data = Vec::new();
        if let Some(row) = orders::by_number(pool, merchant_id, &number).await? {
            let linked = orders::payments(pool, merchant_id, &row.id).await?;
            data.push(OrderObject::from_row(&row, linked));
        }
        return Ok(Json(ListObject::new(data, limit, "/v1/orders")));
    }
    if let Some(cursor) = &query.starting_after {
        OrderId::parse(cursor)
            .map_err(|error| ApiError::invalid("starting_after", "parameter_invalid", error.to_string()))?;
    }
    if let Some(status) = &query.status {
        order::status("status", status)?;
    }
    let buyer_email = query.email.as_deref().map(|email| order::email("email", email)).transpose()?;
    let filter = orders::ListFilter {
        starting_after: query.starting_after,
        status: query.status,
        buyer_email,
        limit: limit + 1,
    };
    let rows = orders::list(pool, merchant_id, &filter).await?;
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    let links = orders::payments_of(pool, merchant_id, &ids).await?;
    let data = rows
        .iter()
        .map(|row| {
            let linked = links.iter().filter(|(order, _)| order == &row.id).map(|(_, intent)| intent.clone()).collect();
            OrderObject::from_row(row, linked)
        })
        .collect();
    Ok(Json(ListObject::new(data, limit, "/v1/orders")))
}
