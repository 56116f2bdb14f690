//! The kinds of entry on a conversation's timeline. Every change to a conversation is
//! recorded as one event (`cevt_…`), so the console can show its history and the
//! realtime layer can fan each one out.

use crate::name::named_enum;

named_enum! {
    /// What happened on a conversation.
    pub enum EventKind("conversation event kind") {
        /// The conversation was started (by the buyer in the widget, or an agent).
        Created => "created",
        /// A message visible to the buyer.
        Message => "message",
        /// An internal note, for agents only.
        Note => "note",
        /// An agent was assigned (by routing or by hand).
        Assigned => "assigned",
        /// The assignee was removed (by hand, or because they went offline with nobody
        /// to take over).
        Unassigned => "unassigned",
        /// Routing found no agent; the conversation waits in the queue.
        Queued => "queued",
        /// The status changed (open, pending, resolved, reopened).
        StatusChanged => "status_changed",
        /// Snoozed until a time.
        Snoozed => "snoozed",
        /// A snooze ended because its time came.
        Woken => "woken",
        PriorityChanged => "priority_changed",
        TagAdded => "tag_added",
        TagRemoved => "tag_removed",
        /// The assistant called a tool (order lookup, tracking) while answering.
        AssistantToolCall => "assistant_tool_call",
        /// The assistant answered the buyer.
        AssistantAnswer => "assistant_answer",
        /// The assistant (or the buyer) asked for a person.
        Handoff => "handoff",
        /// A message was translated between the buyer's and the agent's languages.
        Translated => "translated",
        /// A first-response or resolution target passed unmet.
        SlaBreached => "sla_breached",
        /// The buyer was asked to rate the conversation.
        CsatRequested => "csat_requested",
        /// The buyer rated the conversation.
        CsatSubmitted => "csat_submitted",
        /// The buyer gave an email or an order number (claimed, not proven).
        Identified => "identified",
        /// The buyer's identity was proven by the shop's signed identifier hash.
        Verified => "verified",
        /// The buyer wrote while the team was away.
        OfflineMessage => "offline_message",
        /// Tradewind replied on the team's behalf (greeting, away notice).
        AutoReply => "auto_reply",
    }
}

impl EventKind {
    /// Whether the buyer's widget shows this event. Everything else (assignment, tags,
    /// notes, SLA, the assistant's tool calls) is for the team.
    pub fn is_visible_to_buyer(self) -> bool {
        matches!(
            self,
            EventKind::Message
                | EventKind::AssistantAnswer
                | EventKind::AutoReply
                | EventKind::OfflineMessage
                | EventKind::CsatRequested
                | EventKind::CsatSubmitted
                | EventKind::Handoff
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::SupportError;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut names: Vec<&str> = EventKind::ALL.iter().map(|kind| kind.as_str()).collect();
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()).unwrap(), *kind);
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EventKind::ALL.len());
        assert!(matches!(
            EventKind::parse("deleted"),
            Err(SupportError::UnknownName { kind: "conversation event kind", .. })
        ));
    }

    #[test]
    fn notes_and_tool_calls_stay_with_the_team() {
        assert!(EventKind::Message.is_visible_to_buyer());
        assert!(EventKind::AutoReply.is_visible_to_buyer());
        assert!(!EventKind::Note.is_visible_to_buyer());
        assert!(!EventKind::AssistantToolCall.is_visible_to_buyer());
        assert!(!EventKind::SlaBreached.is_visible_to_buyer());
    }
}
