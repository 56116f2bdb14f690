//! The handoff summary an agent reads before replying, in English whatever the buyer's
//! language: what the buyer asked, what the assistant understood, which order, what the
//! tools returned, why it handed off, and the last turns.

use crate::answers::money;
use crate::context::{Context, Speaker};
use crate::entities::Entities;
use crate::facts::{OrderFacts, OrderStatus, PaymentStatus, RefundStatus, ShipmentStatus};
use crate::intent::Intent;
use crate::text::truncate_chars;
use crate::tools::ToolRecord;
use crate::turn::HandoffReason;
use tradewind_language::Language;

/// The buyer's message is quoted up to this many characters.
const QUOTE_CHARS_MAX: usize = 300;
/// Earlier turns quoted at most, and each up to this many characters.
const EARLIER_TURNS_MAX: usize = 4;
const EARLIER_TURN_CHARS_MAX: usize = 160;

/// What the assistant understood and did in the turn that hands off.
pub struct SummaryInput<'a> {
    pub context: &'a Context,
    pub message: &'a str,
    pub language: Language,
    pub intent: Intent,
    pub confidence: f32,
    pub entities: &'a Entities,
    pub tool_log: &'a [ToolRecord],
    pub reason: HandoffReason,
}

pub fn handoff_summary(input: &SummaryInput<'_>) -> String {
    let mut lines = Vec::new();
    let who = match &input.context.verified {
        Some(buyer) => format!("verified as {}", buyer.email),
        None => "not verified".to_owned(),
    };
    lines.push(format!(
        "Buyer ({}, {who}) wrote: \"{}\"",
        input.language.english_name(),
        truncate_chars(input.message.trim(), QUOTE_CHARS_MAX)
    ));
    let mut understood = format!("Understood: {} (confidence {:.2})", input.intent.name(), input.confidence);
    if let Some(number) = &input.entities.order_number {
        understood.push_str(&format!("; order {number}"));
    }
    if let Some(email) = &input.entities.email {
        understood.push_str(&format!("; email given {email}"));
    }
    for amount in &input.entities.amounts {
        understood.push_str(&format!("; amount mentioned {}", amount.text));
    }
    lines.push(understood);
    if !input.tool_log.is_empty() {
        let calls: Vec<String> = input.tool_log.iter().map(ToolRecord::summary).collect();
        lines.push(format!("Tools: {}", calls.join("; ")));
    }
    lines.push(format!("Handoff: {}.", describe_reason(input.reason, input.context.failed_answers)));
    let earlier: Vec<String> = input
        .context
        .recent_turns
        .iter()
        .rev()
        .take(EARLIER_TURNS_MAX)
        .rev()
        .map(|turn| {
            let speaker = match turn.speaker {
                Speaker::Buyer => "buyer",
                Speaker::Assistant => "assistant",
                Speaker::Agent => "agent",
            };
            format!("{speaker}: \"{}\"", truncate_chars(turn.text.trim(), EARLIER_TURN_CHARS_MAX))
        })
        .collect();
    if !earlier.is_empty() {
        lines.push(format!("Earlier: {}", earlier.join(" | ")));
    }
    lines.join("\n")
}

fn describe_reason(reason: HandoffReason, failed_before: u8) -> String {
    match reason {
        HandoffReason::Requested => "the buyer asked for a person".to_owned(),
        HandoffReason::LowConfidence => "the assistant did not understand the question well enough".to_owned(),
        HandoffReason::Sensitive(topic) => format!("sensitive topic ({})", topic.name()),
        HandoffReason::RepeatedFailure => {
            format!("the assistant could not answer {} times in a row", u32::from(failed_before) + 1)
        }
        HandoffReason::ToolFailure => "a tool the assistant needed failed".to_owned(),
    }
}

/// An order in one line of English, for the agent.
pub fn describe_order(order: &OrderFacts) -> String {
    let mut parts =
        vec![format!("order {}: {}, total {}", order.number, order_status(order.status), money(order.total))];
    for payment in &order.payments {
        parts.push(format!(
            "payment {} {} ({})",
            payment_status(payment.status),
            money(payment.amount),
            payment.method
        ));
    }
    for refund in &order.refunds {
        parts.push(format!("refund {} {}", refund_status(refund.status), money(refund.amount)));
    }
    if let Some(shipment) = &order.shipment {
        parts.push(format!(
            "shipment {} {} {}",
            shipment.carrier,
            shipment.tracking_number,
            shipment_status(shipment.status)
        ));
    }
    parts.join(", ")
}

/// The status's wire name (also used in the chat model's tool results).
pub fn order_status(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Pending => "pending",
        OrderStatus::Paid => "paid",
        OrderStatus::Processing => "processing",
        OrderStatus::Shipped => "shipped",
        OrderStatus::Delivered => "delivered",
        OrderStatus::Canceled => "canceled",
        OrderStatus::Refunded => "refunded",
    }
}

/// The status's wire name (also used in the chat model's tool results).
pub fn payment_status(status: PaymentStatus) -> &'static str {
    match status {
        PaymentStatus::RequiresPaymentMethod => "requires_payment_method",
        PaymentStatus::RequiresAction => "requires_action",
        PaymentStatus::Processing => "processing",
        PaymentStatus::Succeeded => "succeeded",
        PaymentStatus::Canceled => "canceled",
        PaymentStatus::Failed => "failed",
    }
}

/// The status's wire name (also used in the chat model's tool results).
pub fn refund_status(status: RefundStatus) -> &'static str {
    match status {
        RefundStatus::Pending => "pending",
        RefundStatus::Succeeded => "succeeded",
        RefundStatus::Failed => "failed",
        RefundStatus::Canceled => "canceled",
    }
}

/// The status's wire name (also used in the chat model's tool results).
pub fn shipment_status(status: ShipmentStatus) -> &'static str {
    match status {
        ShipmentStatus::LabelCreated => "label_created",
        ShipmentStatus::InTransit => "in_transit",
        ShipmentStatus::OutForDelivery => "out_for_delivery",
        ShipmentStatus::Delivered => "delivered",
        ShipmentStatus::Exception => "exception",
    }
}
