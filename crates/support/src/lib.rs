//! The customer-service desk's rules, pure: conversations between buyers and a
//! merchant's agents, routing, queues, business hours, SLAs, canned responses, CSAT and
//! buyer identity. The API layer stores and serves; everything it decides comes from here.
//!
//! - [`conversation`]: the status machine (open, pending, snoozed, resolved) and priority.
//! - [`message`]: senders, message kinds, internal notes and their length rules.
//! - [`tag`]: tag slugs, tag sets, and the complaint reasons that make a tag sensitive.
//! - [`event`]: the kinds of entry on a conversation's timeline.
//! - [`attachment`]: which uploads are accepted, judged by their first bytes.
//! - [`routing`]: choosing an agent (presence, capacity, language, round-robin),
//!   reassigning an offline agent's conversations and draining the queue.
//! - [`queue`]: the waiting line, positions and wait estimates.
//! - [`hours`]: a team's weekly business hours and holidays in its IANA time zone.
//! - [`away_text`]: when-we're-back and expected-reply sentences in the buyer's language
//!   and time zone.
//! - [`sla`]: first-response and resolution targets, due times (optionally in business
//!   hours) and breaches.
//! - [`canned`]: canned responses with `{{variable}}` placeholders and shortcuts.
//! - [`csat`]: satisfaction ratings.
//! - [`identity`]: buyer emails, order numbers and signed identifier hashes.
//! - [`error`]: [`SupportError`], one variant per rule.
//! - `name` (private): the macro that gives each enum `ALL`, `as_str` and `parse`.
//!
//! Nothing here does I/O or reads a clock: time comes in as Unix seconds (or
//! milliseconds where named so). Domain types are not `Serialize`; each enum crosses the
//! API through `as_str` and `parse`. The IANA time-zone database is compiled in (jiff's
//! bundled copy), so hours and daylight-saving rules behave the same on every machine.

pub(crate) mod name;

pub mod attachment;
pub mod away_text;
pub mod canned;
pub mod conversation;
pub mod csat;
pub mod error;
pub mod event;
pub mod hours;
pub mod identity;
pub mod message;
pub mod queue;
pub mod routing;
pub mod sla;
pub mod tag;

pub use attachment::{ATTACHMENT_BYTES_MAX, AttachmentType, judge as judge_attachment};
pub use away_text::{describe_return, expected_reply_text};
pub use canned::{CannedTemplate, Shortcut, Variable, Variables};
pub use conversation::{Priority, SNOOZE_SECONDS_MAX, Status};
pub use csat::{Csat, Rating, check_rating_window, satisfaction_percent};
pub use error::SupportError;
pub use event::EventKind;
pub use hours::{BusinessHours, Interval};
pub use identity::{Email, OrderNumber, identifier_hash, matches_order, verify_identifier_hash};
pub use message::{MESSAGE_TEXT_CHARS_MAX, Message, MessageKind, NOTE_TEXT_CHARS_MAX, Sender};
pub use queue::{Queue, QueueEntry, estimated_wait_seconds};
pub use routing::{
    AgentAvailability, Assignment, AssignmentReason, AssignmentRequest, LanguagePolicy, Presence, QueueReason,
    RoutedConversation, choose_agent, drain_queue, reassign_on_offline,
};
pub use sla::{Breach, BreachKind, SlaDue, SlaPolicy, SlaState, SlaTargets, breaches, due_times};
pub use tag::{ComplaintReason, TAGS_PER_CONVERSATION_MAX, Tag, TagSet};
