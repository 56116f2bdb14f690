//! The facts the tools return: an order with its items, payments, refunds and shipment,
//! and knowledge-base hits. Every sentence the assistant states about an order is filled
//! from these and nothing else.

use tradewind_money::Money;
use tradewind_payments::id::ArticleId;

/// An order's state as the buyer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    Pending,
    Paid,
    Processing,
    Shipped,
    Delivered,
    Canceled,
    Refunded,
}

/// A payment attempt's state (the payment intent statuses buyers can run into).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    RequiresPaymentMethod,
    RequiresAction,
    Processing,
    Succeeded,
    Canceled,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundStatus {
    Pending,
    Succeeded,
    Failed,
    Canceled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShipmentStatus {
    LabelCreated,
    InTransit,
    OutForDelivery,
    Delivered,
    Exception,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderItemFacts {
    pub name: String,
    pub quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentFacts {
    pub status: PaymentStatus,
    pub amount: Money,
    /// How the buyer paid, as the buyer would name it (`card`, `pix`, `boleto`).
    pub method: String,
    /// Unix seconds.
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundFacts {
    pub status: RefundStatus,
    pub amount: Money,
    /// Unix seconds: when the refund was issued.
    pub created_at: i64,
    /// Unix seconds: when the provider expects the money on the buyer's account, if it says.
    pub expected_by: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentFacts {
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: Option<String>,
    pub status: ShipmentStatus,
    /// Unix seconds.
    pub shipped_at: i64,
    /// Unix seconds, if the carrier gave an estimate.
    pub estimated_delivery: Option<i64>,
}

/// An order as the assistant may describe it to its verified buyer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    /// The number the buyer knows (`1001`), not the internal `ord_…` id.
    pub number: String,
    pub status: OrderStatus,
    /// Unix seconds.
    pub placed_at: i64,
    pub total: Money,
    pub items: Vec<OrderItemFacts>,
    pub payments: Vec<PaymentFacts>,
    pub refunds: Vec<RefundFacts>,
    pub shipment: Option<ShipmentFacts>,
}

impl OrderFacts {
    /// The payment that matters to the buyer: the newest one (a failed attempt followed
    /// by a successful one is a success).
    pub fn latest_payment(&self) -> Option<&PaymentFacts> {
        self.payments.iter().max_by_key(|payment| payment.created_at)
    }
}

/// One knowledge-base article found by a search.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleHit {
    pub id: ArticleId,
    pub title: String,
    /// The article's sentences that best match the query, at most
    /// [`crate::knowledge::SNIPPET_CHARS_MAX`] characters.
    pub snippet: String,
    /// The BM25 score (higher is better; comparable only within one search).
    pub score: f32,
    /// The share of the query's distinct terms the article contains, 0 to 1: how much of
    /// the question the article speaks to, comparable across searches.
    pub coverage: f32,
}
