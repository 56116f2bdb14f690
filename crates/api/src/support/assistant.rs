//! The assistant's turn on a buyer's message (`tradewind-assistant`): it answers from
//! tool results over this merchant's own data — orders (only a verified buyer's),
//! payments, refunds, shipments, knowledge-base articles — or hands the conversation to
//! people with a summary. Every tool call and answer goes on the conversation's
//! timeline, in the same transaction as the answer.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::support::converse;
use crate::support::store::{self, Change};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use tradewind_assistant::facts::{
    OrderFacts, OrderItemFacts, OrderStatus, PaymentFacts, PaymentStatus, RefundFacts, RefundStatus, ShipmentFacts,
    ShipmentStatus,
};
use tradewind_assistant::knowledge::{Article, KnowledgeIndex};
use tradewind_assistant::{
    Context, Engine, LlmConfig, LlmEngine, RecentTurn, Speaker, ToolCall, ToolError, ToolOutput, Tools, VerifiedBuyer,
};
use tradewind_language::Language;
use tradewind_money::{Currency, Money};
use tradewind_payments::id::ArticleId;
use tradewind_storage::support::conversations::{self, ConversationRow};
use tradewind_storage::support::messages::{self, MessageRow};
use tradewind_storage::support::{articles, contacts};
use tradewind_storage::{orders, payment_intents, refunds};
use tradewind_support::{EventKind, Sender};

/// Orders of one buyer the assistant reads at most.
const BUYER_ORDERS_MAX: i64 = 20;
/// Articles one merchant's knowledge index holds at most.
const ARTICLES_MAX: i64 = 1_000;
/// Earlier messages the assistant sees.
const RECENT_MESSAGES: i64 = 8;
/// Payments read per order and refunds per payment.
const PER_ORDER_MAX: i64 = 20;

/// What the assistant's turn produced.
pub struct Turn {
    pub replies: Vec<MessageRow>,
    pub conversation: ConversationRow,
}

/// The embedded engine (built once) and each merchant's knowledge index (rebuilt when
/// its articles change).
#[derive(Default)]
pub struct AssistantRuntime {
    engine: OnceLock<Option<Arc<Engine>>>,
    /// A chat model answering under the same tools and guardrails (`--assistant-model-url`).
    model: Option<Arc<LlmEngine>>,
    knowledge: Mutex<HashMap<String, Arc<KnowledgeIndex>>>,
}

/// The engine that answers: the embedded one, or a chat model over it.
enum Answerer {
    Embedded(Arc<Engine>),
    Model(Arc<LlmEngine>),
}

impl Answerer {
    async fn respond(
        &self,
        context: &Context,
        message: &str,
        language: Language,
        tools: &DeskTools<'_>,
    ) -> tradewind_assistant::Turn {
        match self {
            Answerer::Embedded(engine) => engine.respond(context, message, language, tools).await,
            Answerer::Model(engine) => engine.respond(context, message, language, tools).await,
        }
    }
}

impl AssistantRuntime {
    /// The embedded engine, with a chat model answering first.
    pub fn with_model(config: LlmConfig) -> Result<AssistantRuntime, String> {
        let embedded = Engine::new().map_err(|error| error.to_string())?;
        let model = LlmEngine::new(config, embedded).map_err(|error| error.to_string())?;
        Ok(AssistantRuntime { model: Some(Arc::new(model)), ..AssistantRuntime::default() })
    }

    pub fn uses_model(&self) -> bool {
        self.model.is_some()
    }

    fn answerer(&self) -> Option<Answerer> {
        match &self.model {
            Some(model) => Some(Answerer::Model(Arc::clone(model))),
            None => self.engine().map(Answerer::Embedded),
        }
    }

    fn engine(&self) -> Option<Arc<Engine>> {
        self.engine
            .get_or_init(|| match Engine::new() {
                Ok(engine) => Some(Arc::new(engine)),
                Err(error) => {
                    tracing::error!(%error, "the assistant's lexicons did not build; every conversation goes to people");
                    None
                }
            })
            .clone()
    }

    /// Forgets a merchant's index (its articles changed).
    pub fn forget_knowledge(&self, merchant_id: &str) {
        self.knowledge.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(merchant_id);
    }

    fn cached_knowledge(&self, merchant_id: &str) -> Option<Arc<KnowledgeIndex>> {
        self.knowledge.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(merchant_id).cloned()
    }

    fn keep_knowledge(&self, merchant_id: &str, index: Arc<KnowledgeIndex>) {
        self.knowledge.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(merchant_id.to_owned(), index);
    }
}

/// The merchant's published articles as a search index.
pub async fn knowledge(state: &AppState, merchant_id: &str) -> ApiResult<Arc<KnowledgeIndex>> {
    if let Some(index) = state.support.assistant.cached_knowledge(merchant_id) {
        return Ok(index);
    }
    let rows = articles::list(state.store.pool(), merchant_id, None, true, ARTICLES_MAX).await?;
    let documents = rows
        .iter()
        .filter_map(|row| {
            Some(Article {
                id: ArticleId::parse(&row.id).ok()?,
                language: Language::parse(&row.language).unwrap_or(Language::English),
                title: row.title.clone(),
                body: row.body.clone(),
            })
        })
        .collect();
    let index = Arc::new(KnowledgeIndex::build(documents).map_err(|error| ApiError::internal(&error))?);
    state.support.assistant.keep_knowledge(merchant_id, Arc::clone(&index));
    Ok(index)
}

fn money(minor: i64, code: &str) -> Option<Money> {
    Currency::parse(code).ok().map(|currency| Money::new(minor, currency))
}

fn order_status(value: &str) -> OrderStatus {
    match value {
        "paid" => OrderStatus::Paid,
        "processing" => OrderStatus::Processing,
        "shipped" => OrderStatus::Shipped,
        "delivered" => OrderStatus::Delivered,
        "canceled" => OrderStatus::Canceled,
        "refunded" => OrderStatus::Refunded,
        _ => OrderStatus::Pending,
    }
}

fn payment_status(value: &str, had_error: bool) -> PaymentStatus {
    match value {
        "succeeded" | "requires_capture" => PaymentStatus::Succeeded,
        "processing" => PaymentStatus::Processing,
        "requires_action" => PaymentStatus::RequiresAction,
        "canceled" => PaymentStatus::Canceled,
        _ if had_error => PaymentStatus::Failed,
        _ => PaymentStatus::RequiresPaymentMethod,
    }
}

fn refund_status(value: &str) -> RefundStatus {
    match value {
        "succeeded" => RefundStatus::Succeeded,
        "failed" => RefundStatus::Failed,
        "canceled" => RefundStatus::Canceled,
        _ => RefundStatus::Pending,
    }
}

fn shipment_status(value: Option<&str>) -> ShipmentStatus {
    match value {
        Some("label_created") => ShipmentStatus::LabelCreated,
        Some("out_for_delivery") => ShipmentStatus::OutForDelivery,
        Some("delivered") => ShipmentStatus::Delivered,
        Some("exception") => ShipmentStatus::Exception,
        _ => ShipmentStatus::InTransit,
    }
}

/// An order with its payments, refunds and shipment, as the assistant's facts.
pub async fn order_facts(state: &AppState, order: &orders::OrderRow) -> ApiResult<Option<OrderFacts>> {
    let pool = state.store.pool();
    let Some(total) = money(order.total_amount, &order.currency) else { return Ok(None) };
    let items: Vec<crate::wire::order::OrderItem> = serde_json::from_str(&order.items).unwrap_or_default();
    let mut payments = Vec::new();
    let mut refund_facts = Vec::new();
    for intent_id in orders::payments(pool, &order.merchant_id, &order.id).await?.iter().take(PER_ORDER_MAX as usize) {
        let Some(intent) = payment_intents::get(pool, &order.merchant_id, intent_id).await? else { continue };
        if let Some(amount) = money(intent.amount, &intent.currency) {
            payments.push(PaymentFacts {
                status: payment_status(&intent.status, intent.last_payment_error.is_some()),
                amount,
                method: intent.payment_method_type.clone().unwrap_or_else(|| "card".to_owned()),
                created_at: intent.created_at,
            });
        }
        for refund in refunds::list(pool, &order.merchant_id, Some(intent_id), None, PER_ORDER_MAX).await? {
            if let Some(amount) = money(refund.amount, &refund.currency) {
                refund_facts.push(RefundFacts {
                    status: refund_status(&refund.status),
                    amount,
                    created_at: refund.created_at,
                    expected_by: refund.scheduled_at,
                });
            }
        }
    }
    let shipment = match (&order.carrier, &order.tracking_number) {
        (Some(carrier), Some(tracking)) => Some(ShipmentFacts {
            carrier: carrier.clone(),
            tracking_number: tracking.clone(),
            tracking_url: order.tracking_url.clone(),
            status: shipment_status(order.shipment_status.as_deref()),
            shipped_at: order.shipped_at.unwrap_or(order.updated_at),
            estimated_delivery: order.estimated_delivery_at,
        }),
        _ => None,
    };
    Ok(Some(OrderFacts {
        number: order.number.clone(),
        status: order_status(&order.status),
        placed_at: order.created_at,
        total,
        items: items
            .iter()
            .map(|item| OrderItemFacts {
                name: item.name.clone(),
                quantity: u32::try_from(item.quantity).unwrap_or(u32::MAX),
            })
            .collect(),
        payments,
        refunds: refund_facts,
        shipment,
    }))
}

/// The assistant's tools over the merchant's database.
struct DeskTools<'a> {
    state: &'a AppState,
    merchant_id: &'a str,
    knowledge: Arc<KnowledgeIndex>,
}

impl DeskTools<'_> {
    async fn answer(&self, call: &ToolCall) -> ApiResult<ToolOutput> {
        let pool = self.state.store.pool();
        match call {
            ToolCall::LookupOrder { number } => {
                let normalized = tradewind_payments::order::normalize_order_number(number).unwrap_or_default();
                let order = orders::by_number(pool, self.merchant_id, &normalized).await?;
                match order {
                    Some(order) => match order_facts(self.state, &order).await? {
                        Some(facts) => Ok(ToolOutput::Order(Box::new(facts))),
                        None => Ok(ToolOutput::OrderNotFound { number: number.clone() }),
                    },
                    None => Ok(ToolOutput::OrderNotFound { number: number.clone() }),
                }
            }
            ToolCall::BuyerOrders { email } => {
                let filter = orders::ListFilter {
                    starting_after: None,
                    status: None,
                    buyer_email: Some(email.to_lowercase()),
                    limit: BUYER_ORDERS_MAX,
                };
                let mut facts = Vec::new();
                for order in orders::list(pool, self.merchant_id, &filter).await? {
                    if let Some(order) = order_facts(self.state, &order).await? {
                        facts.push(order);
                    }
                }
                Ok(ToolOutput::Orders(facts))
            }
            ToolCall::SearchKnowledge { query, language } => {
                Ok(ToolOutput::Articles(self.knowledge.search(query, *language, 3)))
            }
        }
    }
}

impl Tools for DeskTools<'_> {
    async fn call(&self, call: &ToolCall) -> Result<ToolOutput, ToolError> {
        self.answer(call).await.map_err(|error| ToolError::Unavailable(error.body().to_string()))
    }
}

/// Hands the conversation to people with a reason and a summary for the agent, after
/// writing the assistant's last replies.
pub async fn hand_off(
    state: &AppState,
    conversation: &ConversationRow,
    reason: &str,
    summary: &str,
    replies: Vec<MessageRow>,
    now: i64,
) -> ApiResult<Turn> {
    let mut transaction = state.store.begin().await?;
    let row = conversations::get_in(transaction.connection(), &conversation.merchant_id, &conversation.id)
        .await?
        .ok_or_else(|| ApiError::not_found("conversation", &conversation.id))?;
    let mut change = Change::new(row);
    for reply in &replies {
        change.add_message(reply.clone(), None);
    }
    if change.row.assistant_active == 1 {
        change.row.assistant_active = 0;
        change.note(EventKind::Handoff, "assistant", json!({"reason": reason, "summary": summary}));
        change.events.push("conversation.handoff");
    }
    if !change.write(transaction.connection(), now).await? {
        return Err(ApiError::conflict("conversation_changed", "The conversation changed during the handoff."));
    }
    transaction.commit().await?;
    store::broadcast(state, &change).await;
    Ok(Turn { replies, conversation: change.row })
}

/// The buyer's verified identity as the assistant may use it: the email and every order
/// number of that email.
async fn verified_buyer(state: &AppState, contact: &contacts::ContactRow) -> ApiResult<Option<VerifiedBuyer>> {
    let (Some(email), 1) = (&contact.email, contact.verified) else { return Ok(None) };
    let filter = orders::ListFilter {
        starting_after: None,
        status: None,
        buyer_email: Some(email.clone()),
        limit: BUYER_ORDERS_MAX,
    };
    let numbers = orders::list(state.store.pool(), &contact.merchant_id, &filter)
        .await?
        .into_iter()
        .map(|order| order.number)
        .collect();
    Ok(Some(VerifiedBuyer { email: email.clone(), order_numbers: numbers }))
}

/// Proves the buyer from an order number and an email written in the chat (the same
/// check as the widget's form); true when it matched.
async fn verify_from_chat(
    state: &AppState,
    contact: &mut contacts::ContactRow,
    number: &str,
    email: &str,
) -> ApiResult<bool> {
    let Some(normalized) = tradewind_payments::order::normalize_order_number(number) else { return Ok(false) };
    let Some(order) = orders::by_number(state.store.pool(), &contact.merchant_id, &normalized).await? else {
        return Ok(false);
    };
    if contact.failed_verifications >= crate::routes::widget::VERIFICATION_ATTEMPTS_MAX {
        return Ok(false);
    }
    let matched = tradewind_support::matches_order(email, &order.buyer_email);
    if matched {
        contact.email = Some(order.buyer_email.clone());
        contact.verified = 1;
        let mut numbers: Vec<String> = serde_json::from_str(&contact.verified_orders).unwrap_or_default();
        if !numbers.contains(&order.number) {
            numbers.push(order.number.clone());
        }
        contact.verified_orders = serde_json::to_string(&numbers).unwrap_or_else(|_| "[]".to_owned());
    } else {
        contact.failed_verifications += 1;
    }
    let mut transaction = state.store.begin().await?;
    contacts::update(transaction.connection(), contact).await?;
    transaction.commit().await?;
    Ok(matched)
}

async fn context(
    state: &AppState,
    conversation: &ConversationRow,
    contact: &contacts::ContactRow,
) -> ApiResult<Context> {
    let pool = state.store.pool();
    let merchant_name = tradewind_storage::merchants::get(pool, &conversation.merchant_id)
        .await?
        .map(|merchant| merchant.name)
        .unwrap_or_default();
    let recent = messages::latest(pool, &conversation.id, RECENT_MESSAGES + 1).await?;
    // The newest message is the one being answered: the context is what came before it.
    let earlier = &recent[..recent.len().saturating_sub(1)];
    let recent_turns = earlier
        .iter()
        .filter(|message| message.private == 0)
        .map(|message| RecentTurn {
            speaker: match message.sender.as_str() {
                "buyer" => Speaker::Buyer,
                "assistant" => Speaker::Assistant,
                _ => Speaker::Agent,
            },
            text: message.text.clone(),
        })
        .collect();
    Ok(Context {
        merchant_name,
        verified: verified_buyer(state, contact).await?,
        failed_answers: u8::try_from(conversation.assistant_failures).unwrap_or(u8::MAX),
        recent_turns,
        tags: conversations::tags(pool, &conversation.id).await?,
    })
}

/// The assistant answers a buyer's message, or hands the conversation to people.
pub async fn respond(
    state: &AppState,
    conversation: &ConversationRow,
    message: &MessageRow,
    now: i64,
) -> ApiResult<Turn> {
    let Some(engine) = state.support.assistant.answerer() else {
        return hand_off(
            state,
            conversation,
            "assistant_unavailable",
            "The assistant is unavailable.",
            Vec::new(),
            now,
        )
        .await;
    };
    let pool = state.store.pool();
    let mut contact = contacts::get(pool, &conversation.merchant_id, &conversation.contact_id)
        .await?
        .ok_or_else(|| ApiError::not_found("contact", &conversation.contact_id))?;
    let language = message
        .language
        .as_deref()
        .or(conversation.language.as_deref())
        .and_then(|code| Language::parse(code).ok())
        .unwrap_or(Language::English);
    let tools = DeskTools {
        state,
        merchant_id: &conversation.merchant_id,
        knowledge: knowledge(state, &conversation.merchant_id).await?,
    };
    let mut context = context(state, conversation, &contact).await?;
    let mut turn = engine.respond(&context, &message.text, language, &tools).await;
    let mut verified_now = false;
    if turn.needs_verification
        && let (Some(number), Some(email)) = (turn.entities.order_number.clone(), turn.entities.email.clone())
        && verify_from_chat(state, &mut contact, &number, &email).await?
    {
        verified_now = true;
        context.verified = verified_buyer(state, &contact).await?;
        turn = engine.respond(&context, &message.text, language, &tools).await;
    }
    let mut transaction = state.store.begin().await?;
    let row = conversations::get_in(transaction.connection(), &conversation.merchant_id, &conversation.id)
        .await?
        .ok_or_else(|| ApiError::not_found("conversation", &conversation.id))?;
    let mut change = Change::new(row);
    if verified_now {
        change.note(
            EventKind::Verified,
            "assistant",
            json!({"email": contact.email, "method": "order_number_in_chat"}),
        );
    }
    for record in &turn.tool_log {
        change.note(
            EventKind::AssistantToolCall,
            "assistant",
            json!({"tool": record.call.name(), "summary": record.summary()}),
        );
    }
    let mut replies = Vec::new();
    if let Some(text) = &turn.reply {
        let action = turn.needs_verification.then_some("verify_identity");
        let reply = converse::bot_message(&change.row, Sender::Assistant, text, Some(turn.language), action, now)?;
        change.note(
            EventKind::AssistantAnswer,
            "assistant",
            json!({"message": reply.id, "intent": turn.intent.name(), "confidence": turn.confidence, "source": format!("{:?}", turn.source)}),
        );
        change.add_message(reply.clone(), None);
        if change.row.first_response_at.is_none() {
            change.row.first_response_at = Some(now);
        }
        replies.push(reply);
    }
    if turn.failed {
        change.row.assistant_failures += 1;
    }
    if let Some(handoff) = &turn.handoff {
        change.row.assistant_active = 0;
        change.note(
            EventKind::Handoff,
            "assistant",
            json!({"reason": handoff.reason.name(), "summary": handoff.summary}),
        );
        change.events.push("conversation.handoff");
    }
    if !change.write(transaction.connection(), now).await? {
        return Err(ApiError::conflict(
            "conversation_changed",
            "The conversation changed while the assistant answered.",
        ));
    }
    transaction.commit().await?;
    store::broadcast(state, &change).await;
    Ok(Turn { replies, conversation: change.row })
}
