//! The waiting line of conversations routing could not assign. Higher priority goes
//! first; within a priority, whoever waited longest (then the older conversation id, so
//! the order is total and every replica computes the same one).
//!
//! The queue is a value the caller rebuilds from storage ([`Queue::from_entries`]) and
//! keeps in order as entries come and go; [`crate::routing::drain_queue`] takes from it
//! when agents free up.

use tradewind_language::Language;
use tradewind_payments::id::{ConversationId, TeamId};

use crate::SupportError;
use crate::conversation::Priority;

/// The most conversations one queue holds. A merchant with more people waiting than
/// this has a staffing problem no ordering fixes; the widget offers an offline message.
pub const QUEUE_LENGTH_MAX: usize = 10_000;
/// The longest wait [`estimated_wait_seconds`] announces: 24 hours. Beyond it the widget
/// says "we'll reply later" rather than a number.
pub const ESTIMATED_WAIT_SECONDS_MAX: u32 = 24 * 60 * 60;

/// One waiting conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueEntry {
    pub conversation: ConversationId,
    pub priority: Priority,
    /// The buyer's language, which routing matches agents against.
    pub language: Option<Language>,
    /// The team the conversation is for; `None` means any of the merchant's agents.
    pub team: Option<TeamId>,
    /// When it entered the queue, Unix seconds.
    pub enqueued_at: i64,
}

impl QueueEntry {
    /// The queue's order: priority descending, then enqueued ascending, then id.
    fn sort_key(&self) -> (std::cmp::Reverse<Priority>, i64, &ConversationId) {
        (std::cmp::Reverse(self.priority), self.enqueued_at, &self.conversation)
    }
}

/// Conversations waiting for an agent, in serving order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Queue {
    entries: Vec<QueueEntry>,
}

impl Queue {
    pub fn new() -> Queue {
        Queue::default()
    }

    /// Builds a queue from stored entries in any order. A conversation may wait only
    /// once, and the queue holds at most [`QUEUE_LENGTH_MAX`].
    pub fn from_entries(entries: Vec<QueueEntry>) -> Result<Queue, SupportError> {
        if entries.len() > QUEUE_LENGTH_MAX {
            return Err(SupportError::QueueFull { length_max: QUEUE_LENGTH_MAX });
        }
        let mut queue = Queue { entries };
        queue.entries.sort_by(|left, right| left.sort_key().cmp(&right.sort_key()));
        if let Some(pair) = queue.entries_by_id().windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(SupportError::AlreadyQueued { conversation: pair[0].clone() });
        }
        Ok(queue)
    }

    fn entries_by_id(&self) -> Vec<&ConversationId> {
        let mut ids: Vec<&ConversationId> = self.entries.iter().map(|entry| &entry.conversation).collect();
        ids.sort_unstable();
        ids
    }

    /// Adds a conversation in its place and returns its 1-based position.
    pub fn push(&mut self, entry: QueueEntry) -> Result<u32, SupportError> {
        if self.contains(&entry.conversation) {
            return Err(SupportError::AlreadyQueued { conversation: entry.conversation });
        }
        if self.entries.len() >= QUEUE_LENGTH_MAX {
            return Err(SupportError::QueueFull { length_max: QUEUE_LENGTH_MAX });
        }
        let index = self.entries.partition_point(|existing| existing.sort_key() < entry.sort_key());
        self.entries.insert(index, entry);
        Ok(position_of_index(index))
    }

    /// Takes a conversation out (assigned, resolved, or the buyer left).
    pub fn remove(&mut self, conversation: &ConversationId) -> Option<QueueEntry> {
        let index = self.entries.iter().position(|entry| &entry.conversation == conversation)?;
        Some(self.entries.remove(index))
    }

    /// Changes a waiting conversation's priority and moves it to its new place; `false`
    /// when it is not in the queue. It keeps its enqueue time, so it does not lose the
    /// time it already waited.
    pub fn reprioritize(&mut self, conversation: &ConversationId, priority: Priority) -> bool {
        match self.remove(conversation) {
            Some(mut entry) => {
                entry.priority = priority;
                let index = self.entries.partition_point(|existing| existing.sort_key() < entry.sort_key());
                self.entries.insert(index, entry);
                true
            }
            None => false,
        }
    }

    pub fn contains(&self, conversation: &ConversationId) -> bool {
        self.entries.iter().any(|entry| &entry.conversation == conversation)
    }

    /// The conversation's 1-based place in line (1 is served next), if it is waiting.
    pub fn position(&self, conversation: &ConversationId) -> Option<u32> {
        self.entries.iter().position(|entry| &entry.conversation == conversation).map(position_of_index)
    }

    /// The entries in serving order.
    pub fn entries(&self) -> &[QueueEntry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn position_of_index(index: usize) -> u32 {
    // The queue never holds more than QUEUE_LENGTH_MAX entries, far below u32::MAX.
    u32::try_from(index).unwrap_or(u32::MAX).saturating_add(1)
}

/// About how long the buyer at `position` (1-based) waits, in seconds, or `None` when no
/// agent who could take the conversation is online (the widget then offers an offline
/// message instead of a number).
///
/// The formula: each of the `online_agents` finishes a conversation every
/// `average_handle_seconds`, so the line moves `online_agents` places per handle time;
/// the buyer waits `ceil(position × average_handle_seconds / online_agents)`, capped at
/// [`ESTIMATED_WAIT_SECONDS_MAX`]. Position 3, one agent, 80 s per conversation gives
/// 240 s: "you are number 3, about 4 minutes". Integer arithmetic in `u64`, so it cannot
/// overflow.
pub fn estimated_wait_seconds(position: u32, online_agents: u32, average_handle_seconds: u32) -> Option<u32> {
    if online_agents == 0 {
        return None;
    }
    let total = u64::from(position) * u64::from(average_handle_seconds);
    let wait = total.div_ceil(u64::from(online_agents));
    Some(u32::try_from(wait).unwrap_or(u32::MAX).min(ESTIMATED_WAIT_SECONDS_MAX))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn conversation(index: u8) -> ConversationId {
        ConversationId::parse(&format!("conv_{:0>26}", index)).unwrap()
    }

    fn entry(index: u8, priority: Priority, enqueued_at: i64) -> QueueEntry {
        QueueEntry { conversation: conversation(index), priority, language: None, team: None, enqueued_at }
    }

    #[test]
    fn serves_priority_then_age() {
        let mut queue = Queue::new();
        assert_eq!(queue.push(entry(1, Priority::Low, 100)), Ok(1));
        assert_eq!(queue.push(entry(2, Priority::Low, 50)), Ok(1));
        assert_eq!(queue.push(entry(3, Priority::Urgent, 300)), Ok(1));
        assert_eq!(queue.push(entry(4, Priority::None, 10)), Ok(4));
        assert_eq!(queue.push(entry(5, Priority::Low, 100)), Ok(4));
        let order: Vec<_> = queue.entries().iter().map(|entry| entry.conversation.clone()).collect();
        assert_eq!(order, vec![conversation(3), conversation(2), conversation(1), conversation(5), conversation(4)]);
        assert_eq!(queue.position(&conversation(3)), Some(1));
        assert_eq!(queue.position(&conversation(4)), Some(5));
        assert_eq!(queue.position(&conversation(9)), None);
    }

    #[test]
    fn from_entries_sorts_and_refuses_duplicates() {
        let queue = Queue::from_entries(vec![entry(1, Priority::Low, 5), entry(2, Priority::High, 9)]).unwrap();
        assert_eq!(queue.position(&conversation(2)), Some(1));
        assert_eq!(
            Queue::from_entries(vec![entry(1, Priority::Low, 5), entry(1, Priority::High, 9)]),
            Err(SupportError::AlreadyQueued { conversation: conversation(1) })
        );
        let mut queue = queue;
        assert!(matches!(queue.push(entry(2, Priority::Low, 1)), Err(SupportError::AlreadyQueued { .. })));
    }

    #[test]
    fn remove_and_reprioritize_keep_the_order() {
        let mut queue = Queue::from_entries(vec![
            entry(1, Priority::Low, 1),
            entry(2, Priority::Low, 2),
            entry(3, Priority::Low, 3),
        ])
        .unwrap();
        assert!(queue.reprioritize(&conversation(3), Priority::High));
        assert_eq!(queue.position(&conversation(3)), Some(1));
        assert_eq!(queue.entries()[0].enqueued_at, 3);
        assert!(!queue.reprioritize(&conversation(7), Priority::High));
        assert_eq!(queue.remove(&conversation(1)).map(|entry| entry.enqueued_at), Some(1));
        assert_eq!(queue.remove(&conversation(1)), None);
        assert_eq!(queue.position(&conversation(2)), Some(2));
        assert_eq!(queue.len(), 2);
    }

    #[test]
    fn the_queue_is_bounded() {
        let entries: Vec<QueueEntry> = (0..QUEUE_LENGTH_MAX)
            .map(|index| QueueEntry {
                conversation: ConversationId::parse(&format!("conv_{index:0>26}")).unwrap(),
                priority: Priority::None,
                language: None,
                team: None,
                enqueued_at: index as i64,
            })
            .collect();
        let mut queue = Queue::from_entries(entries).unwrap();
        let newcomer = QueueEntry {
            conversation: ConversationId::parse(&format!("conv_{}", "z".repeat(26))).unwrap(),
            ..entry(0, Priority::Urgent, 0)
        };
        assert_eq!(queue.push(newcomer), Err(SupportError::QueueFull { length_max: QUEUE_LENGTH_MAX }));
    }

    #[test]
    fn wait_estimates_follow_the_formula() {
        assert_eq!(estimated_wait_seconds(3, 1, 80), Some(240));
        assert_eq!(estimated_wait_seconds(3, 2, 80), Some(120));
        assert_eq!(estimated_wait_seconds(1, 3, 100), Some(34));
        assert_eq!(estimated_wait_seconds(1, 1, 0), Some(0));
        assert_eq!(estimated_wait_seconds(5, 0, 80), None);
        assert_eq!(estimated_wait_seconds(u32::MAX, 1, u32::MAX), Some(ESTIMATED_WAIT_SECONDS_MAX));
    }
}
