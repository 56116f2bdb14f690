//! A conversation's status machine and its priority.
//!
//! ```text
//!            ┌──────── buyer message / reopen ─────────┐
//!            ▼                                         │
//!  open ──mark_pending──► pending ──buyer message──► open
//!   │  ▲                    │
//!   │  └── wake (due) ──┐   │ snooze(until > now)
//!   └─snooze(until>now)─► snoozed ◄┘
//!   any of open, pending, snoozed ──resolve──► resolved ──buyer message / reopen──► open
//! ```
//!
//! `pending` means the team is waiting on the buyer; `snoozed` hides a conversation from
//! the inbox until a time (or until the buyer writes). Storage applies a transition with
//! a conditional update on the status it read, so two agents cannot both resolve.

use crate::SupportError;
use crate::name::named_enum;

/// The longest a conversation may be snoozed: a quarter. Longer than that is forgetting,
/// not snoozing, and an unbounded time would keep the wake-up index full of dead rows.
pub const SNOOZE_SECONDS_MAX: i64 = 90 * 24 * 60 * 60;

named_enum! {
    /// Where a conversation stands.
    pub enum Status("conversation status") {
        /// The team owes the buyer a reply.
        Open => "open",
        /// The team replied and waits on the buyer.
        Pending => "pending",
        /// Hidden from the inbox until a time or until the buyer writes.
        Snoozed => "snoozed",
        /// Done; a buyer message reopens it.
        Resolved => "resolved",
    }
}

named_enum! {
    /// How urgent a conversation is. The order is meaningful: `Urgent > High > ... > None`,
    /// and queues and reassignment serve higher priorities first.
    #[derive(PartialOrd, Ord)]
    pub enum Priority("priority") {
        None => "none",
        Low => "low",
        Medium => "medium",
        High => "high",
        Urgent => "urgent",
    }
}

impl Status {
    /// Whether the conversation still needs the team (it counts against an agent's
    /// capacity and its SLA clock runs).
    pub fn is_active(self) -> bool {
        !matches!(self, Status::Resolved)
    }

    /// Snoozes until `until_unix`, which must be in the future and at most
    /// [`SNOOZE_SECONDS_MAX`] away. Snoozing a snoozed conversation moves its wake-up
    /// time; a resolved one must be reopened first.
    pub fn snooze(self, until_unix: i64, now_unix: i64) -> Result<Status, SupportError> {
        if self == Status::Resolved {
            return Err(SupportError::ConversationResolved { action: "snooze" });
        }
        if until_unix <= now_unix {
            return Err(SupportError::SnoozeNotInFuture { until_unix, now_unix });
        }
        if until_unix.saturating_sub(now_unix) > SNOOZE_SECONDS_MAX {
            return Err(SupportError::SnoozeTooLong { until_unix, now_unix, seconds_max: SNOOZE_SECONDS_MAX });
        }
        Ok(Status::Snoozed)
    }

    /// Ends a snooze whose time has come (the worker's step). Only a snoozed
    /// conversation wakes, and not before its time.
    pub fn wake(self, snoozed_until_unix: i64, now_unix: i64) -> Result<Status, SupportError> {
        if self != Status::Snoozed {
            return Err(SupportError::NotSnoozed { status: self });
        }
        if now_unix < snoozed_until_unix {
            return Err(SupportError::SnoozeNotDue { snoozed_until_unix, now_unix });
        }
        Ok(Status::Open)
    }

    /// The team has answered and now waits on the buyer.
    pub fn mark_pending(self) -> Result<Status, SupportError> {
        match self {
            Status::Resolved => Err(SupportError::ConversationResolved { action: "mark pending" }),
            Status::Pending => Err(SupportError::StatusUnchanged { status: self }),
            Status::Open | Status::Snoozed => Ok(Status::Pending),
        }
    }

    /// Resolves from any status but resolved.
    pub fn resolve(self) -> Result<Status, SupportError> {
        match self {
            Status::Resolved => Err(SupportError::StatusUnchanged { status: self }),
            Status::Open | Status::Pending | Status::Snoozed => Ok(Status::Resolved),
        }
    }

    /// An agent puts the conversation back in the inbox.
    pub fn reopen(self) -> Result<Status, SupportError> {
        match self {
            Status::Open => Err(SupportError::StatusUnchanged { status: self }),
            Status::Pending | Status::Snoozed | Status::Resolved => Ok(Status::Open),
        }
    }

    /// A buyer wrote: whatever the status, the team owes a reply again. This reopens a
    /// resolved conversation, wakes a snoozed one and ends waiting on the buyer.
    pub fn on_buyer_message(self) -> Status {
        Status::Open
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn names_round_trip() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()).unwrap(), *status);
        }
        for priority in Priority::ALL {
            assert_eq!(Priority::parse(priority.as_str()).unwrap(), *priority);
        }
        assert!(matches!(Status::parse("closed"), Err(SupportError::UnknownName { .. })));
        assert!(Priority::parse("URGENT").is_err());
    }

    #[test]
    fn priorities_are_ordered() {
        assert!(Priority::Urgent > Priority::High);
        assert!(Priority::High > Priority::Medium);
        assert!(Priority::Medium > Priority::Low);
        assert!(Priority::Low > Priority::None);
        let mut sorted = Priority::ALL.to_vec();
        sorted.sort();
        assert_eq!(sorted, Priority::ALL.to_vec());
    }

    #[test]
    fn snooze_needs_a_future_time_within_the_bound() {
        assert_eq!(Status::Open.snooze(NOW + 60, NOW), Ok(Status::Snoozed));
        assert_eq!(Status::Pending.snooze(NOW + 60, NOW), Ok(Status::Snoozed));
        assert_eq!(Status::Snoozed.snooze(NOW + 120, NOW), Ok(Status::Snoozed));
        assert_eq!(
            Status::Open.snooze(NOW, NOW),
            Err(SupportError::SnoozeNotInFuture { until_unix: NOW, now_unix: NOW })
        );
        assert!(matches!(Status::Open.snooze(NOW - 1, NOW), Err(SupportError::SnoozeNotInFuture { .. })));
        assert_eq!(Status::Open.snooze(NOW + SNOOZE_SECONDS_MAX, NOW), Ok(Status::Snoozed));
        assert!(matches!(
            Status::Open.snooze(NOW + SNOOZE_SECONDS_MAX + 1, NOW),
            Err(SupportError::SnoozeTooLong { .. })
        ));
        assert!(matches!(Status::Open.snooze(i64::MAX, i64::MIN), Err(SupportError::SnoozeTooLong { .. })));
        assert_eq!(
            Status::Resolved.snooze(NOW + 60, NOW),
            Err(SupportError::ConversationResolved { action: "snooze" })
        );
    }

    #[test]
    fn wake_only_a_snoozed_conversation_when_due() {
        assert_eq!(Status::Snoozed.wake(NOW, NOW), Ok(Status::Open));
        assert_eq!(Status::Snoozed.wake(NOW - 5, NOW), Ok(Status::Open));
        assert!(matches!(Status::Snoozed.wake(NOW + 1, NOW), Err(SupportError::SnoozeNotDue { .. })));
        assert_eq!(Status::Open.wake(NOW, NOW), Err(SupportError::NotSnoozed { status: Status::Open }));
    }

    #[test]
    fn buyer_message_reopens_and_wakes() {
        for status in Status::ALL {
            assert_eq!(status.on_buyer_message(), Status::Open);
        }
    }

    #[test]
    fn resolve_pending_and_reopen_rules() {
        for status in [Status::Open, Status::Pending, Status::Snoozed] {
            assert_eq!(status.resolve(), Ok(Status::Resolved));
            assert!(status.is_active());
        }
        assert!(!Status::Resolved.is_active());
        assert_eq!(Status::Resolved.resolve(), Err(SupportError::StatusUnchanged { status: Status::Resolved }));
        assert_eq!(Status::Open.mark_pending(), Ok(Status::Pending));
        assert_eq!(Status::Snoozed.mark_pending(), Ok(Status::Pending));
        assert!(matches!(Status::Pending.mark_pending(), Err(SupportError::StatusUnchanged { .. })));
        assert!(matches!(Status::Resolved.mark_pending(), Err(SupportError::ConversationResolved { .. })));
        assert_eq!(Status::Resolved.reopen(), Ok(Status::Open));
        assert_eq!(Status::Snoozed.reopen(), Ok(Status::Open));
        assert_eq!(Status::Pending.reopen(), Ok(Status::Open));
        assert!(matches!(Status::Open.reopen(), Err(SupportError::StatusUnchanged { .. })));
    }
}
