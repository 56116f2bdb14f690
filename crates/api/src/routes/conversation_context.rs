//! `/v1/conversations/{id}/context` and `/refunds`: beside a conversation, the buyer's
//! orders with their payments, refunds, disputes, shipment and one timeline each; and a
//! refund an agent issues from there, within their limit.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Authenticated, KeyKind};
use crate::routes::conversations::conversation_of;
use crate::state::AppState;
use crate::support::auth::Desk;
use crate::wire::order::OrderObject;
use crate::wire::refund::{CreateRefund, RefundObject};
use crate::wire::support::{AgentRefund, ContactObject};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tradewind_storage::support::contacts;
use tradewind_storage::{disputes, orders, payment_intents, refunds};
use utoipa::ToSchema;

/// Orders shown beside a conversation, newest first.
const CONTEXT_ORDERS_MAX: i64 = 10;
/// Refunds and disputes read per payment.
const PER_PAYMENT_MAX: i64 = 20;

#[derive(Debug, Serialize, ToSchema)]
pub struct ContextOrder {
    #[serde(flatten)]
    pub order: OrderObject,
    #[schema(value_type = Vec<Object>)]
    pub payments: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub refunds: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub disputes: Vec<Value>,
    /// Everything that happened to the order, oldest first: `{"at", "what"}`.
    #[schema(value_type = Vec<Object>)]
    pub timeline: Vec<Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationContextObject {
    pub object: &'static str,
    pub contact: ContactObject,
    pub orders: Vec<ContextOrder>,
}

async fn context_order(state: &AppState, merchant_id: &str, order: &orders::OrderRow) -> ApiResult<ContextOrder> {
    let pool = state.store.pool();
    let intent_ids = orders::payments(pool, merchant_id, &order.id).await?;
    let mut payments = Vec::new();
    let mut refund_objects = Vec::new();
    let mut dispute_objects = Vec::new();
    let mut timeline: Vec<(i64, String)> = Vec::new();
    let history: Vec<Value> = serde_json::from_str(&order.status_history).unwrap_or_default();
    for entry in &history {
        if let (Some(status), Some(at)) = (entry["status"].as_str(), entry["at"].as_i64()) {
            timeline.push((at, format!("Order {status}")));
        }
    }
    if let Some(shipped) = order.shipped_at {
        let carrier = order.carrier.clone().unwrap_or_default();
        let tracking = order.tracking_number.clone().unwrap_or_default();
        timeline.push((shipped, format!("Shipped with {carrier} {tracking}").trim().to_owned()));
    }
    if let Some(delivered) = order.delivered_at {
        timeline.push((delivered, "Delivered".to_owned()));
    }
    for intent_id in &intent_ids {
        let Some(intent) = payment_intents::get(pool, merchant_id, intent_id).await? else { continue };
        timeline.push((intent.created_at, format!("Payment {} {} {}", intent.id, intent.amount, intent.currency)));
        payments.push(json!({
            "id": intent.id, "status": intent.status, "amount": intent.amount,
            "amount_received": intent.amount_received, "amount_refunded": intent.amount_refunded,
            "currency": intent.currency.to_ascii_lowercase(), "method": intent.payment_method_type,
            "created": intent.created_at,
        }));
        for refund in refunds::list(pool, merchant_id, Some(intent_id), None, PER_PAYMENT_MAX).await? {
            timeline.push((
                refund.created_at,
                format!("Refund {} {} {} {}", refund.id, refund.amount, refund.currency, refund.status),
            ));
            refund_objects.push(json!({
                "id": refund.id, "payment_intent": refund.payment_intent_id, "status": refund.status,
                "amount": refund.amount, "currency": refund.currency.to_ascii_lowercase(), "created": refund.created_at,
            }));
        }
        let filter = disputes::ListFilter {
            payment_intent_id: Some(intent_id.clone()),
            status: None,
            starting_after: None,
            limit: PER_PAYMENT_MAX,
        };
        for dispute in disputes::list(pool, merchant_id, &filter).await? {
            timeline
                .push((dispute.created_at, format!("Dispute {} ({}) {}", dispute.id, dispute.reason, dispute.status)));
            dispute_objects.push(json!({
                "id": dispute.id, "payment_intent": dispute.payment_intent_id, "status": dispute.status,
                "reason": dispute.reason, "amount": dispute.amount, "currency": dispute.currency.to_ascii_lowercase(),
                "evidence_due_by": dispute.due_by, "created": dispute.created_at,
            }));
        }
    }
    timeline.sort_by_key(|(at, _)| *at);
    Ok(ContextOrder {
        order: OrderObject::from_row(order, intent_ids),
        payments,
        refunds: refund_objects,
        disputes: dispute_objects,
        timeline: timeline.into_iter().map(|(at, what)| json!({"at": at, "what": what})).collect(),
    })
}

/// The buyer's orders (by their email, and the order the conversation is about) with
/// payments, refunds, disputes, shipment and a timeline each.
#[utoipa::path(get, path = "/v1/conversations/{id}/context", params(("id" = String, Path)),
    responses((status = 200, body = ConversationContextObject)), security(("bearer" = [])), tag = "Conversations")]
pub async fn context(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
) -> ApiResult<Json<ConversationContextObject>> {
    let row = conversation_of(&state, &desk, &id).await?;
    let pool = state.store.pool();
    let contact = contacts::get(pool, desk.merchant(), &row.contact_id)
        .await?
        .ok_or_else(|| ApiError::not_found("contact", &row.contact_id))?;
    let mut rows = Vec::new();
    if let Some(order_id) = &row.order_id
        && let Some(order) = orders::get(pool, desk.merchant(), order_id).await?
    {
        rows.push(order);
    }
    if let Some(email) = &contact.email {
        let filter = orders::ListFilter {
            starting_after: None,
            status: None,
            buyer_email: Some(email.clone()),
            limit: CONTEXT_ORDERS_MAX,
        };
        for order in orders::list(pool, desk.merchant(), &filter).await? {
            if !rows.iter().any(|known| known.id == order.id) {
                rows.push(order);
            }
        }
    }
    let mut context_orders = Vec::with_capacity(rows.len());
    for order in &rows {
        context_orders.push(context_order(&state, desk.merchant(), order).await?);
    }
    Ok(Json(ConversationContextObject {
        object: "conversation_context",
        contact: ContactObject::from_row(&contact),
        orders: context_orders,
    }))
}

/// An agent refunds a payment from the conversation, within their refund limit for
/// the currency (admins and secret keys have none). Recorded on the conversation.
#[utoipa::path(post, path = "/v1/conversations/{id}/refunds", params(("id" = String, Path)), request_body = AgentRefund,
    responses((status = 200, body = RefundObject)), security(("bearer" = [])), tag = "Conversations")]
pub async fn refund(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AgentRefund>,
) -> ApiResult<Json<RefundObject>> {
    let row = conversation_of(&state, &desk, &id).await?;
    let intent = payment_intents::get(state.store.pool(), desk.merchant(), &body.payment_intent)
        .await?
        .ok_or_else(|| ApiError::not_found("payment_intent", &body.payment_intent).with_param("payment_intent"))?;
    let amount = body.amount.unwrap_or(intent.amount_received - intent.amount_refunded);
    if let Some(agent) = desk.agent.as_ref().filter(|agent| agent.role != "admin") {
        let limits: BTreeMap<String, i64> = serde_json::from_str(&agent.refund_limits).unwrap_or_default();
        let limit = limits.get(&intent.currency.to_ascii_lowercase()).copied().unwrap_or(0);
        if amount > limit {
            let mut error = ApiError::invalid(
                "amount",
                "refund_limit_exceeded",
                format!(
                    "A refund of {amount} {} is above your limit of {limit}; ask an admin.",
                    intent.currency.to_ascii_lowercase()
                ),
            );
            error.status = axum::http::StatusCode::FORBIDDEN;
            return Err(error);
        }
    }
    let merchant = tradewind_storage::merchants::get(state.store.pool(), desk.merchant())
        .await?
        .ok_or_else(|| ApiError::not_found("account", desk.merchant()))?;
    let auth = Authenticated {
        merchant_id: desk.merchant_id.clone(),
        merchant_name: merchant.name,
        kind: KeyKind::Secret,
        clock_offset_seconds: desk.clock_offset_seconds,
    };
    let request = CreateRefund {
        payment_intent: body.payment_intent.clone(),
        amount: Some(amount),
        reason: body.reason.clone().or_else(|| Some("requested_by_customer".to_owned())),
        metadata: Some(BTreeMap::from([("conversation".to_owned(), row.id.clone())])),
        destination_bank_account: None,
    };
    let refund = crate::flows::refund::create(&state, &auth, request, None).await?;
    let now = desk.now(&state);
    let mut change = crate::support::store::Change::new(row);
    change.note(
        tradewind_support::EventKind::Note,
        &desk.actor(),
        json!({"refund": refund.id, "payment_intent": body.payment_intent, "amount": amount}),
    );
    crate::support::store::commit(&state, &mut change, now).await?;
    Ok(Json(refund))
}

/// An attachment's bytes (agents: any message of the conversation).
pub async fn attachment(
    State(state): State<AppState>,
    desk: Desk,
    Path((id, message)): Path<(String, String)>,
) -> ApiResult<Response> {
    let row = conversation_of(&state, &desk, &id).await?;
    crate::routes::widget::attachment_response(&state, desk.merchant(), &row.id, &message).await
}
