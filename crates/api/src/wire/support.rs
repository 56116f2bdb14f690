//! The support desk's JSON: contacts, conversations, messages, the timeline, agents,
//! teams, settings, canned responses and knowledge-base articles. A conversation and its
//! messages have two views: the agents' (everything) and the buyer's (no notes, tags,
//! priorities or timers; text in the buyer's language).

use crate::wire::json_column;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use tradewind_storage::support::agents::AgentRow;
use tradewind_storage::support::articles::ArticleRow;
use tradewind_storage::support::canned::CannedRow;
use tradewind_storage::support::contacts::ContactRow;
use tradewind_storage::support::conversations::ConversationRow;
use tradewind_storage::support::messages::MessageRow;
use tradewind_storage::support::teams::TeamRow;
use tradewind_storage::support::timeline::TimelineRow;
use utoipa::{IntoParams, ToSchema};

/// Who is looking: agents see everything; the buyer sees what is theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer<'a> {
    /// An agent reading in these languages (first preferred); empty for a secret key.
    Agent(&'a [String]),
    Buyer,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactObject {
    pub id: String,
    pub object: &'static str,
    pub name: Option<String>,
    pub email: Option<String>,
    pub verified: bool,
    pub verified_orders: Vec<String>,
    pub language: Option<String>,
    pub time_zone: Option<String>,
    #[schema(value_type = Object)]
    pub attributes: Value,
    pub created: i64,
}

impl ContactObject {
    pub fn from_row(row: &ContactRow) -> Self {
        ContactObject {
            id: row.id.clone(),
            object: "contact",
            name: row.name.clone(),
            email: row.email.clone(),
            verified: row.verified == 1,
            verified_orders: serde_json::from_str(&row.verified_orders).unwrap_or_default(),
            language: row.language.clone(),
            time_zone: row.time_zone.clone(),
            attributes: json_column("support_contacts.attributes", Some(&row.attributes)),
            created: row.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentRef {
    /// Absent in the buyer's view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueObject {
    pub position: u32,
    /// `null` when no agent is online to estimate from.
    pub estimated_wait_seconds: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlaObject {
    pub first_response_breached: bool,
    pub resolution_breached: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CsatObject {
    pub rating: i64,
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationObject {
    pub id: String,
    pub object: &'static str,
    pub status: String,
    pub language: Option<String>,
    pub channel: String,
    pub subject: Option<String>,
    pub contact: ContactObject,
    pub assignee: Option<AgentRef>,
    pub assistant_active: bool,
    pub queue: Option<QueueObject>,
    pub order: Option<String>,
    pub snoozed_until: Option<i64>,
    pub resolved_at: Option<i64>,
    pub buyer_read_message: Option<String>,
    pub agent_read_message: Option<String>,
    pub csat: Option<CsatObject>,
    pub last_message_at: i64,
    pub last_message_preview: Option<String>,
    pub message_count: i64,
    pub created: i64,
    pub updated: i64,
    // The agents' view only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_response_due_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution_due_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_response_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla: Option<SlaObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread: Option<i64>,
}

/// What a conversation object is built from besides its row.
pub struct ConversationParts<'a> {
    pub contact: &'a ContactRow,
    pub tags: Vec<String>,
    pub assignee_name: Option<String>,
    pub queue: Option<QueueObject>,
    /// Buyer messages after the agents' read marker (agents' view).
    pub unread: i64,
}

impl ConversationObject {
    pub fn new(row: &ConversationRow, parts: ConversationParts<'_>, viewer: Viewer<'_>) -> Self {
        let agent_view = matches!(viewer, Viewer::Agent(_));
        let assignee = match (&row.assignee_id, parts.assignee_name) {
            (Some(id), Some(name)) => Some(AgentRef { id: agent_view.then(|| id.clone()), name }),
            _ => None,
        };
        ConversationObject {
            id: row.id.clone(),
            object: "conversation",
            status: row.status.clone(),
            language: row.language.clone(),
            channel: row.channel.clone(),
            subject: row.subject.clone(),
            contact: ContactObject::from_row(parts.contact),
            assignee,
            assistant_active: row.assistant_active == 1,
            queue: parts.queue,
            order: row.order_id.clone(),
            snoozed_until: row.snoozed_until,
            resolved_at: row.resolved_at,
            buyer_read_message: row.buyer_read_message_id.clone(),
            agent_read_message: row.agent_read_message_id.clone(),
            csat: row.csat_rating.map(|rating| CsatObject { rating, comment: row.csat_comment.clone() }),
            last_message_at: row.last_message_at,
            last_message_preview: row.last_message_preview.clone(),
            message_count: row.message_count,
            created: row.created_at,
            updated: row.updated_at,
            priority: agent_view.then(|| row.priority.clone()),
            tags: agent_view.then_some(parts.tags),
            team: if agent_view { row.team_id.clone() } else { None },
            first_response_due_at: if agent_view { row.first_response_due_at } else { None },
            resolution_due_at: if agent_view { row.resolution_due_at } else { None },
            first_response_at: if agent_view { row.first_response_at } else { None },
            sla: agent_view.then_some(SlaObject {
                first_response_breached: row.sla_first_response_breached == 1,
                resolution_breached: row.sla_resolution_breached == 1,
            }),
            unread: agent_view.then_some(parts.unread),
        }
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentObject {
    pub name: String,
    #[serde(rename = "type")]
    pub content_type: String,
    pub size: i64,
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageObject {
    pub id: String,
    pub object: &'static str,
    pub conversation: String,
    pub sender: String,
    pub agent: Option<AgentRef>,
    pub kind: String,
    /// The text for this viewer: translated into their language when a translation exists.
    pub text: String,
    /// The text as its author wrote it.
    pub original_text: String,
    pub language: Option<String>,
    pub translated: bool,
    pub attachment: Option<AttachmentObject>,
    /// `verify_identity` or `rate`: what the widget should offer next.
    pub action: Option<String>,
    pub created: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub translations: Option<Value>,
}

impl MessageObject {
    /// `agent_name` names the agent who wrote it; `action` is stored in the translations'
    /// `_action` key (see `support::messages`).
    pub fn new(row: &MessageRow, agent_name: Option<String>, viewer: Viewer<'_>, url_base: &str) -> Self {
        let translations: BTreeMap<String, String> = serde_json::from_str(&row.translations).unwrap_or_default();
        let action = translations.get(ACTION_KEY).cloned();
        let readable: BTreeMap<&String, &String> =
            translations.iter().filter(|(language, _)| !language.starts_with('_')).collect();
        let wanted: Vec<String> = match viewer {
            Viewer::Agent(languages) => languages.to_vec(),
            Viewer::Buyer => Vec::new(),
        };
        let buyer_language = translations.get(BUYER_LANGUAGE_KEY).cloned();
        let translated_text = match viewer {
            Viewer::Agent(_) => wanted
                .iter()
                .filter(|language| Some(*language) != row.language.as_ref())
                .find_map(|language| readable.get(language).map(|text| (*text).clone())),
            Viewer::Buyer => buyer_language
                .as_ref()
                .filter(|language| Some(*language) != row.language.as_ref())
                .and_then(|language| readable.get(language).map(|text| (*text).clone())),
        };
        let agent_view = matches!(viewer, Viewer::Agent(_));
        let agent = match (&row.agent_id, agent_name) {
            (Some(id), Some(name)) => Some(AgentRef { id: agent_view.then(|| id.clone()), name }),
            _ => None,
        };
        let attachment = row.attachment_name.as_ref().map(|name| AttachmentObject {
            name: name.clone(),
            content_type: row.attachment_type.clone().unwrap_or_default(),
            size: row.attachment_size.unwrap_or(0),
            url: format!("{url_base}/conversations/{}/messages/{}/attachment", row.conversation_id, row.id),
        });
        MessageObject {
            id: row.id.clone(),
            object: "message",
            conversation: row.conversation_id.clone(),
            sender: row.sender.clone(),
            agent,
            kind: row.kind.clone(),
            translated: translated_text.is_some(),
            text: translated_text.unwrap_or_else(|| row.text.clone()),
            original_text: row.text.clone(),
            language: row.language.clone(),
            attachment,
            action,
            created: row.created_at,
            private: agent_view.then_some(row.private == 1),
            translations: agent_view.then(|| {
                Value::Object(
                    readable
                        .iter()
                        .map(|(language, text)| ((*language).clone(), Value::String((*text).clone())))
                        .collect(),
                )
            }),
        }
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Keys in a message's translations column that are not languages: the widget action
/// the message carries, and the buyer's language a team message was translated for.
pub const ACTION_KEY: &str = "_action";
pub const BUYER_LANGUAGE_KEY: &str = "_buyer_language";

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageResultObject {
    pub object: &'static str,
    pub message: MessageObject,
    /// What the message set off: the assistant's answers, a system notice.
    pub replies: Vec<MessageObject>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineObject {
    pub id: String,
    pub object: &'static str,
    pub kind: String,
    pub actor: String,
    #[schema(value_type = Object)]
    pub data: Value,
    pub created: i64,
}

impl TimelineObject {
    pub fn from_row(row: &TimelineRow) -> Self {
        TimelineObject {
            id: row.id.clone(),
            object: "conversation_event",
            kind: row.kind.clone(),
            actor: row.actor.clone(),
            data: json_column("conversation_events.data", Some(&row.data)),
            created: row.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentObject {
    pub id: String,
    pub object: &'static str,
    pub email: String,
    pub name: String,
    pub role: String,
    pub languages: Vec<String>,
    pub capacity: i64,
    pub presence: String,
    pub team: Option<String>,
    pub refund_limits: BTreeMap<String, i64>,
    pub can_sign_in: bool,
    pub disabled: bool,
    pub created: i64,
}

impl AgentObject {
    pub fn from_row(row: &AgentRow) -> Self {
        AgentObject {
            id: row.id.clone(),
            object: "agent",
            email: row.email.clone(),
            name: row.name.clone(),
            role: row.role.clone(),
            languages: serde_json::from_str(&row.languages).unwrap_or_default(),
            capacity: row.capacity,
            presence: row.presence.clone(),
            team: row.team_id.clone(),
            refund_limits: serde_json::from_str(&row.refund_limits).unwrap_or_default(),
            can_sign_in: row.password_hash.is_some(),
            disabled: row.disabled == 1,
            created: row.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgent {
    pub email: String,
    pub name: String,
    /// agent (default) or admin.
    pub role: Option<String>,
    /// ISO 639-1 codes; the first is the one translations are shown in.
    pub languages: Vec<String>,
    /// Active conversations at once, 1 to 100 (default 5).
    pub capacity: Option<i64>,
    pub team: Option<String>,
    /// Console password (8 to 256 characters); without one the agent cannot sign in.
    pub password: Option<String>,
    /// The largest refund the agent may issue, per lowercase currency.
    pub refund_limits: Option<BTreeMap<String, i64>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgent {
    pub name: Option<String>,
    pub role: Option<String>,
    pub languages: Option<Vec<String>>,
    pub capacity: Option<i64>,
    /// online, away or offline.
    pub presence: Option<String>,
    pub team: Option<String>,
    pub password: Option<String>,
    pub refund_limits: Option<BTreeMap<String, i64>>,
    pub disabled: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgentSession {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentSessionObject {
    pub object: &'static str,
    pub token: String,
    pub expires_at: i64,
    pub agent: AgentObject,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursInterval {
    /// monday … sunday.
    pub day: String,
    /// `HH:MM`, in the team's time zone.
    pub start: String,
    /// `HH:MM`; `24:00` for midnight at the end of the day.
    pub end: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamParams {
    pub name: Option<String>,
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub time_zone: Option<String>,
    pub business_hours: Option<Vec<HoursInterval>>,
    /// `YYYY-MM-DD` dates in the team's time zone.
    pub holidays: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamObject {
    pub id: String,
    pub object: &'static str,
    pub name: String,
    pub time_zone: String,
    #[schema(value_type = Vec<HoursInterval>)]
    pub business_hours: Value,
    pub holidays: Vec<String>,
    /// Within business hours now (the merchant's clock).
    pub open_now: bool,
    /// When the team next opens (now, if open); `null` when never.
    pub next_open_at: Option<i64>,
    pub created: i64,
}

impl TeamObject {
    pub fn new(row: &TeamRow, open_now: bool, next_open_at: Option<i64>) -> Self {
        TeamObject {
            id: row.id.clone(),
            object: "team",
            name: row.name.clone(),
            time_zone: row.time_zone.clone(),
            business_hours: json_column("support_teams.business_hours", Some(&row.business_hours)),
            holidays: serde_json::from_str(&row.holidays).unwrap_or_default(),
            open_now,
            next_open_at,
            created: row.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreChatQuestion {
    /// The answer's key (`email`, `name`, `order_number`, or your own).
    pub name: String,
    /// The question per language code.
    pub label: BTreeMap<String, String>,
    /// `text` or `email`.
    #[serde(rename = "type")]
    pub kind: String,
    pub required: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WidgetLook {
    /// `#rrggbb`.
    pub color: Option<String>,
    /// The greeting per language code.
    pub greeting: Option<BTreeMap<String, String>>,
    pub pre_chat: Option<Vec<PreChatQuestion>>,
    /// How long a reply usually takes while the team is in, in seconds (default 300).
    pub typical_reply_seconds: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaSettings {
    /// Per priority (`none`, `low`, `medium`, `high`, `urgent`), seconds.
    pub first_response_seconds: Option<BTreeMap<String, u32>>,
    pub resolution_seconds: Option<BTreeMap<String, u32>>,
    /// Count only the team's business hours.
    pub business_hours_only: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSupportSettings {
    pub assistant_enabled: Option<bool>,
    /// preferred (any agent, translated) or required (only speakers of the buyer's language).
    pub language_policy: Option<String>,
    pub csat_enabled: Option<bool>,
    /// `team_…`, or an empty string for none.
    pub default_team: Option<String>,
    pub widget: Option<WidgetLook>,
    pub sla: Option<SlaSettings>,
    /// `true` replaces the identity secret with a new one.
    pub roll_identity_secret: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupportSettingsObject {
    pub object: &'static str,
    pub assistant_enabled: bool,
    pub language_policy: String,
    pub csat_enabled: bool,
    pub default_team: Option<String>,
    #[schema(value_type = WidgetLook)]
    pub widget: Value,
    #[schema(value_type = SlaSettings)]
    pub sla: Value,
    /// The key your shop signs a signed-in buyer's email with (HMAC-SHA256, hex):
    /// shown to secret keys only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_secret: Option<String>,
    pub translation: bool,
    pub assistant_engine: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CannedParams {
    /// `/refund-delay`.
    pub shortcut: Option<String>,
    pub title: Option<String>,
    /// With `{{buyer_name}}`, `{{order_number}}`, `{{tracking_link}}` … placeholders.
    pub text: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CannedObject {
    pub id: String,
    pub object: &'static str,
    pub shortcut: String,
    pub title: String,
    pub text: String,
    pub variables: Vec<String>,
    pub created: i64,
}

impl CannedObject {
    pub fn new(row: &CannedRow, variables: Vec<String>) -> Self {
        CannedObject {
            id: row.id.clone(),
            object: "canned_response",
            shortcut: row.shortcut.clone(),
            title: row.title.clone(),
            text: row.text.clone(),
            variables,
            created: row.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleParams {
    pub title: Option<String>,
    pub body: Option<String>,
    /// ISO 639-1.
    pub language: Option<String>,
    pub tags: Option<Vec<String>>,
    pub published: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleObject {
    pub id: String,
    pub object: &'static str,
    pub title: String,
    pub body: String,
    pub language: String,
    pub tags: Vec<String>,
    pub published: bool,
    pub created: i64,
    pub updated: i64,
}

impl ArticleObject {
    pub fn from_row(row: &ArticleRow) -> Self {
        ArticleObject {
            id: row.id.clone(),
            object: "knowledge_article",
            title: row.title.clone(),
            body: row.body.clone(),
            language: row.language.clone(),
            tags: serde_json::from_str(&row.tags).unwrap_or_default(),
            published: row.published == 1,
            created: row.created_at,
            updated: row.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleHitObject {
    pub id: String,
    pub object: &'static str,
    pub title: String,
    pub snippet: String,
    /// Relevance, higher is better (BM25 × 1000, rounded).
    pub score: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchArticles {
    pub q: String,
    pub language: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListConversations {
    /// all (default), mine or unassigned.
    pub view: Option<String>,
    pub status: Option<String>,
    pub tag: Option<String>,
    /// Words in the subject or any message.
    pub q: Option<String>,
    pub contact: Option<String>,
    pub limit: Option<i64>,
    pub starting_after: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListMessages {
    /// Messages after this one (`msg_…`).
    pub after: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConversation {
    pub contact: CreateContact,
    pub text: String,
    pub subject: Option<String>,
    pub priority: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateContact {
    pub email: String,
    pub name: Option<String>,
    pub language: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateConversation {
    pub priority: Option<String>,
    pub subject: Option<String>,
    /// open, pending, snoozed (with `snoozed_until`) or resolved.
    pub status: Option<String>,
    pub snoozed_until: Option<i64>,
    /// `ord_…` the conversation is about.
    pub order: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostMessage {
    pub text: Option<String>,
    /// An internal note (agents only).
    pub private: Option<bool>,
    /// `canned_…`: its text with the conversation's variables filled in.
    pub canned_response: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignConversation {
    /// `agt_…`, `auto`, or `null` to unassign.
    pub agent: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeTags {
    #[serde(default)]
    pub add: Vec<String>,
    #[serde(default)]
    pub remove: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    pub message: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentRefund {
    pub payment_intent: String,
    pub amount: Option<i64>,
    pub reason: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWidgetSession {
    /// A `wvt_…` token from an earlier visit, to resume it.
    pub token: Option<String>,
    pub language: Option<String>,
    pub time_zone: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetSettingsObject {
    pub assistant_enabled: bool,
    #[schema(value_type = Option<Object>)]
    pub greeting: Value,
    pub color: String,
    #[schema(value_type = Vec<PreChatQuestion>)]
    pub pre_chat: Value,
    pub online: bool,
    pub agents_online: i64,
    pub expected_reply: String,
    pub language: String,
    pub languages: Vec<&'static str>,
    pub identity_required_for_orders: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetSessionObject {
    pub object: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub contact: ContactObject,
    pub settings: WidgetSettingsObject,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Identify {
    pub email: String,
    pub name: Option<String>,
    /// HMAC-SHA256 (hex) of the email under the desk's identity secret, from your shop.
    pub identifier_hash: Option<String>,
    /// An order number the buyer has; with the email on that order it proves them.
    pub order_number: Option<String>,
    /// The conversation whose question waited for this: once the buyer is proved, the
    /// assistant answers its last buyer message again.
    pub conversation: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartConversation {
    pub text: Option<String>,
    #[serde(default)]
    pub pre_chat: BTreeMap<String, String>,
    pub language: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitCsat {
    pub rating: i64,
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupportRealtimeTokenObject {
    pub object: &'static str,
    pub token: String,
    pub url: String,
    pub expires_at: i64,
    /// The buyer's channel (widget) or the agents' inbox channel (console).
    pub channel: String,
}
