//! One channel's ordered stream: an epoch, the next offset and a history ring.
//!
//! Offsets start at 1 and grow by one per publication, so a client that remembers the last
//! offset it saw can ask for exactly what it missed. The epoch names one lineage of offsets:
//! when a channel is created or reset it gets a new epoch, and an offset from another epoch
//! means nothing here. The ring is bounded by a count and by an age; both are enforced on
//! push and on read, using the `now_ms` the caller passes (the hub never reads a clock).

use std::collections::VecDeque;

use super::frame::Frame;

/// One publication kept in the history ring: its offset, when it was published and the frame
/// exactly as it was sent to subscribers.
#[derive(Clone, Debug)]
pub struct StoredPublication {
    pub offset: u64,
    pub published_at_ms: u64,
    pub frame: Frame,
}

/// Where a publication landed in its channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publication {
    pub offset: u64,
    pub epoch: String,
}

/// The answer to "I last saw offset N of epoch E".
///
/// When `recovered` is true, `publications` holds every publication after N, in order. When it
/// is false, the client's position cannot be continued (another epoch, or history no longer
/// reaches back) and it should reload state, then follow from `epoch`/`offset`.
#[derive(Clone, Debug)]
pub struct Recovery {
    pub recovered: bool,
    pub publications: Vec<StoredPublication>,
    /// The channel's current epoch.
    pub epoch: String,
    /// The channel's last offset (0 when nothing was ever published in this epoch).
    pub offset: u64,
}

/// The history settings a channel is created with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistoryBounds {
    /// How many publications are kept; 0 keeps none.
    pub size: usize,
    /// How long a publication is kept; `None` keeps it until the size bound pushes it out.
    pub ttl_seconds: Option<u64>,
}

/// A channel's ordered stream.
#[derive(Debug)]
pub struct Channel {
    epoch: String,
    next_offset: u64,
    bounds: HistoryBounds,
    history: VecDeque<StoredPublication>,
}

impl Channel {
    pub fn new(epoch: String, bounds: HistoryBounds) -> Self {
        Self { epoch, next_offset: 1, bounds, history: VecDeque::new() }
    }

    /// A channel continuing a stored stream: `history` oldest first, all of `epoch`, none
    /// after `last_offset`.
    pub fn restore(epoch: String, last_offset: u64, bounds: HistoryBounds, history: Vec<StoredPublication>) -> Self {
        let history = history.into_iter().filter(|p| p.offset <= last_offset).collect();
        Self { epoch, next_offset: last_offset + 1, bounds, history }
    }

    pub fn bounds(&self) -> HistoryBounds {
        self.bounds
    }

    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// The offset the next publication will get.
    pub fn next_offset(&self) -> u64 {
        self.next_offset
    }

    /// The last offset published in this epoch, 0 when none.
    pub fn last_offset(&self) -> u64 {
        self.next_offset - 1
    }

    /// Starts a new epoch: offsets restart at 1 and the history is dropped, so every client
    /// holding an old position is told `recovered: false`.
    pub fn reset(&mut self, epoch: String) {
        self.epoch = epoch;
        self.next_offset = 1;
        self.history.clear();
    }

    /// Records a publication whose frame was built for `next_offset()` and the current epoch.
    pub fn publish(&mut self, frame: Frame, now_ms: u64) -> Publication {
        let offset = self.next_offset;
        self.next_offset += 1;
        if self.bounds.size > 0 {
            self.history.push_back(StoredPublication { offset, published_at_ms: now_ms, frame });
        }
        self.evict(now_ms);
        Publication { offset, epoch: self.epoch.clone() }
    }

    /// Whether nothing is kept at `now_ms` (so forgetting the channel loses nothing a
    /// client could still recover).
    pub fn keeps_nothing(&mut self, now_ms: u64) -> bool {
        self.evict(now_ms);
        self.history.is_empty()
    }

    /// The publications still kept, oldest first.
    pub fn history(&mut self, now_ms: u64) -> Vec<StoredPublication> {
        self.evict(now_ms);
        self.history.iter().cloned().collect()
    }

    /// What a client that last saw `since_offset` of `epoch` missed, if history still has it.
    pub fn recover(&mut self, since_offset: u64, epoch: &str, now_ms: u64) -> Recovery {
        self.evict(now_ms);
        let last = self.last_offset();
        let lost = Recovery { recovered: false, publications: Vec::new(), epoch: self.epoch.clone(), offset: last };
        if epoch != self.epoch || since_offset > last {
            return lost;
        }
        if since_offset == last {
            return Recovery { recovered: true, ..lost };
        }
        match self.history.front() {
            Some(oldest) if oldest.offset <= since_offset + 1 => {
                let publications = self.history.iter().filter(|p| p.offset > since_offset).cloned().collect();
                Recovery { recovered: true, publications, ..lost }
            }
            _ => lost,
        }
    }

    fn evict(&mut self, now_ms: u64) {
        while self.history.len() > self.bounds.size {
            self.history.pop_front();
        }
        if let Some(ttl_seconds) = self.bounds.ttl_seconds {
            let ttl_ms = ttl_seconds.saturating_mul(1000);
            while self.history.front().is_some_and(|p| p.published_at_ms.saturating_add(ttl_ms) <= now_ms) {
                self.history.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever is published and whenever, a successful recovery returns exactly the
        /// offsets after the client's position, in order, and a failed one returns nothing.
        #[test]
        fn recovery_is_exact_or_refused(count in 0u64..40, size in 0usize..10, since in 0u64..45) {
            let mut channel = Channel::new("e1".to_owned(), HistoryBounds { size, ttl_seconds: None });
            for step in 0..count {
                channel.publish(Frame::from(step.to_string()), step);
            }
            let recovery = channel.recover(since, "e1", count);
            let offsets: Vec<u64> = recovery.publications.iter().map(|p| p.offset).collect();
            if recovery.recovered {
                let expected: Vec<u64> = (since + 1..=count).collect();
                prop_assert_eq!(offsets, expected);
            } else {
                prop_assert!(offsets.is_empty());
                prop_assert!(since > count || count - since > size as u64);
            }
        }
    }
}
