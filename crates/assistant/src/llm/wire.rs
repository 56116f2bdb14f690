//! OpenAI Chat Completions on the wire: the request and answer shapes this client uses,
//! the tools as JSON-schema functions, and the facts as the JSON tool results the model
//! reads. Only this module knows JSON; the domain types are not `Serialize`.

use crate::answers::money;
use crate::facts::{ArticleHit, OrderFacts};
use crate::summary::{order_status, payment_status, refund_status, shipment_status};
use crate::tools::ToolOutput;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, Serialize)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<Message>,
    pub tools: Value,
    pub tool_choice: &'static str,
    pub temperature: f32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Message {
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCallWire>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    pub fn text(role: &str, content: impl Into<String>) -> Message {
        Message { role: role.to_owned(), content: Some(content.into()), tool_calls: Vec::new(), tool_call_id: None }
    }

    pub fn tool_result(tool_call_id: &str, content: String) -> Message {
        Message {
            role: "tool".to_owned(),
            content: Some(content),
            tool_calls: Vec::new(),
            tool_call_id: Some(tool_call_id.to_owned()),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ToolCallWire {
    pub id: String,
    #[serde(rename = "type", default = "function_type")]
    pub kind: String,
    pub function: FunctionCall,
}

fn function_type() -> String {
    "function".to_owned()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FunctionCall {
    pub name: String,
    /// The arguments as a JSON document in a string, as the API sends them.
    #[serde(default)]
    pub arguments: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChatResponse {
    #[serde(default)]
    pub choices: Vec<Choice>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Choice {
    pub message: Message,
}

/// The three tools, as JSON-schema functions.
pub fn tool_definitions() -> Value {
    json!([
        {
            "type": "function",
            "function": {
                "name": "lookup_order",
                "description": "Look up one of the verified buyer's orders by its number: status, items, total, payments, refunds and shipment with tracking.",
                "parameters": {
                    "type": "object",
                    "properties": { "number": { "type": "string", "description": "The order number, e.g. 1001" } },
                    "required": ["number"]
                }
            }
        },
        {
            "type": "function",
            "function": {
                "name": "buyer_orders",
                "description": "List every order of the verified buyer, newest first.",
                "parameters": { "type": "object", "properties": {} }
            }
        },
        {
            "type": "function",
            "function": {
                "name": "search_knowledge",
                "description": "Search the merchant's help articles (returns, refunds, shipping times and costs, customs, payment methods, cancellations).",
                "parameters": {
                    "type": "object",
                    "properties": { "query": { "type": "string", "description": "What to search for" } },
                    "required": ["query"]
                }
            }
        }
    ])
}

fn date(unix_seconds: i64) -> String {
    let day = crate::dates::day_of(unix_seconds);
    format!("{:04}-{:02}-{:02}", day.year, day.month, day.day)
}

fn order_json(order: &OrderFacts) -> Value {
    json!({
        "number": order.number,
        "status": order_status(order.status),
        "placed_on": date(order.placed_at),
        "total": money(order.total),
        "items": order.items.iter().map(|item| json!({ "name": item.name, "quantity": item.quantity })).collect::<Vec<_>>(),
        "payments": order.payments.iter().map(|payment| json!({
            "status": payment_status(payment.status),
            "amount": money(payment.amount),
            "method": payment.method,
            "created_on": date(payment.created_at),
        })).collect::<Vec<_>>(),
        "refunds": order.refunds.iter().map(|refund| json!({
            "status": refund_status(refund.status),
            "amount": money(refund.amount),
            "issued_on": date(refund.created_at),
            "expected_by": refund.expected_by.map(date),
        })).collect::<Vec<_>>(),
        "shipment": order.shipment.as_ref().map(|shipment| json!({
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "tracking_url": shipment.tracking_url,
            "status": shipment_status(shipment.status),
            "shipped_on": date(shipment.shipped_at),
            "estimated_delivery": shipment.estimated_delivery.map(date),
        })),
    })
}

fn article_json(hit: &ArticleHit) -> Value {
    json!({ "title": hit.title, "snippet": hit.snippet })
}

/// A tool's output as the JSON the model reads.
pub fn output_json(output: &ToolOutput) -> String {
    let value = match output {
        ToolOutput::Order(order) => order_json(order),
        ToolOutput::OrderNotFound { number } => json!({ "error": "order_not_found", "number": number }),
        ToolOutput::Orders(orders) => json!({ "orders": orders.iter().map(order_json).collect::<Vec<_>>() }),
        ToolOutput::Articles(hits) => json!({ "articles": hits.iter().map(article_json).collect::<Vec<_>>() }),
    };
    value.to_string()
}

/// A tool result that tells the model why a call was not made and what to do instead.
pub fn refusal_json(reason: &str, instruction: &str) -> String {
    json!({ "error": reason, "instruction": instruction }).to_string()
}

/// A string argument of a tool call's JSON arguments.
pub fn string_argument(arguments: &str, name: &str) -> Option<String> {
    let value: Value = serde_json::from_str(arguments).ok()?;
    value.get(name)?.as_str().map(str::to_owned)
}
