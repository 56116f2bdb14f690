//! English answers.

use super::{HandoffTone, Phrases};
use crate::facts::{OrderFacts, OrderStatus, PaymentFacts, PaymentStatus, RefundStatus, ShipmentStatus};
use tradewind_language::Language;

pub struct English;

impl Phrases for English {
    fn language(&self) -> Language {
        Language::English
    }

    fn order_status(&self, status: OrderStatus) -> &'static str {
        match status {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Processing => "being prepared",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Canceled => "canceled",
            OrderStatus::Refunded => "refunded",
        }
    }

    fn payment_status(&self, status: PaymentStatus) -> &'static str {
        match status {
            PaymentStatus::RequiresPaymentMethod => "awaiting a payment method",
            PaymentStatus::RequiresAction => "awaiting your confirmation",
            PaymentStatus::Processing => "processing",
            PaymentStatus::Succeeded => "successful",
            PaymentStatus::Canceled => "canceled",
            PaymentStatus::Failed => "failed",
        }
    }

    fn refund_status(&self, status: RefundStatus) -> &'static str {
        match status {
            RefundStatus::Pending => "pending",
            RefundStatus::Succeeded => "completed",
            RefundStatus::Failed => "failed",
            RefundStatus::Canceled => "canceled",
        }
    }

    fn shipment_status(&self, status: ShipmentStatus) -> &'static str {
        match status {
            ShipmentStatus::LabelCreated => "label created",
            ShipmentStatus::InTransit => "in transit",
            ShipmentStatus::OutForDelivery => "out for delivery",
            ShipmentStatus::Delivered => "delivered",
            ShipmentStatus::Exception => "delivery problem",
        }
    }

    fn greeting(&self, merchant: &str) -> String {
        format!(
            "Hello! I'm the virtual assistant of {merchant}. I can help with your order, payment, refund, shipping or our policies. What can I do for you?"
        )
    }

    fn thanks(&self) -> String {
        "You're welcome! Is there anything else I can help you with?".to_owned()
    }

    fn ask_verification(&self) -> String {
        "I can look that up for you. To protect your privacy, please first confirm your order number and the email address you used for the purchase.".to_owned()
    }

    fn order_not_found(&self, number: &str) -> String {
        format!("I couldn't find order {number} among the orders of your verified email. Could you check the number?")
    }

    fn order_not_listed(&self) -> String {
        "I couldn't find that order among the orders of your verified email. Could you check the number?".to_owned()
    }

    fn no_orders(&self) -> String {
        "I couldn't find any order for your verified email.".to_owned()
    }

    fn orders_overview(&self, listed: &str, count: usize) -> String {
        format!("I found {count} orders for your email: {listed}.")
    }

    fn order_summary(&self, order: &OrderFacts, placed: &str, items: &str) -> String {
        format!(
            "Order {} (placed on {placed}) is {}. Total: {}. Items: {items}.",
            order.number,
            self.order_status(order.status),
            super::money(order.total)
        )
    }

    fn shipped(&self, order: &OrderFacts, carrier: &str, tracking: &str, shipped_on: &str) -> String {
        format!("Order {} was shipped on {shipped_on} with {carrier}, tracking number {tracking}.", order.number)
    }

    fn shipment_state(&self, status: &str) -> String {
        format!("Current shipment status: {status}.")
    }

    fn estimated_delivery(&self, date: &str) -> String {
        format!("Estimated delivery: {date}.")
    }

    fn tracking_link(&self, url: &str) -> String {
        format!("Track it here: {url}")
    }

    fn not_shipped(&self, order: &OrderFacts) -> String {
        format!("Order {} has no shipment yet; its status is: {}.", order.number, self.order_status(order.status))
    }

    fn payment(&self, order: &OrderFacts, payment: &PaymentFacts, amount: &str, date: &str) -> String {
        format!(
            "Payment of {amount} for order {} ({}, {date}): {}.",
            order.number,
            payment.method,
            self.payment_status(payment.status)
        )
    }

    fn no_payment(&self, order: &OrderFacts) -> String {
        format!("There is no payment recorded for order {} yet.", order.number)
    }

    fn refund(&self, order: &OrderFacts, amount: &str, status: &str, date: &str) -> String {
        format!("Your refund of {amount} for order {} was issued on {date}; its status is: {status}.", order.number)
    }

    fn refund_expected(&self, date: &str) -> String {
        format!("It should reach your account by {date}.")
    }

    fn no_refund(&self, order: &OrderFacts) -> String {
        format!("There is no refund on order {}; its status is: {}.", order.number, self.order_status(order.status))
    }

    fn article_intro(&self, title: &str) -> String {
        format!("From our help article “{title}”:")
    }

    fn knowledge_not_found(&self) -> String {
        "I couldn't find an answer to that in our help articles.".to_owned()
    }

    fn handoff(&self, tone: HandoffTone) -> String {
        match tone {
            HandoffTone::Requested => "Of course. I'm passing you to a member of our team; they will reply here as soon as they can.",
            HandoffTone::Escalated => "I'm passing this conversation to a member of our team so they can help you properly; they will reply here as soon as they can.",
        }
        .to_owned()
    }

    fn refund_timing_query(&self) -> &'static str {
        "how long does a refund take to reach my bank account"
    }

    fn return_policy_query(&self) -> &'static str {
        "return policy exchange"
    }
}
