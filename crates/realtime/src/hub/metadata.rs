//! Channel metadata: key/value entries, each with its own revision, set with optional
//! compare-and-set.
//!
//! A revision starts at 1 when an entry is first written and grows by one per write. A write
//! may name the revision it expects: `Some(0)` means "only if absent", `Some(n)` "only if
//! still at n"; a mismatch reports the current revision so the writer can re-read and retry
//! (a live stock counter decrements this way without a lock of its own).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{ChannelKey, HubError, frame};

/// One metadata entry.
#[derive(Clone, Debug, PartialEq)]
pub struct MetadataEntry {
    pub value: Value,
    pub revision: u64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MetadataError {
    /// The entry is not at the expected revision; `current` is 0 when it does not exist.
    #[error("revision mismatch: the entry is at revision {current}")]
    RevisionMismatch { current: u64 },
    #[error("the channel already has {limit} metadata entries")]
    TooManyEntries { limit: usize },
}

#[derive(Debug, Default)]
pub struct Metadata {
    entries: BTreeMap<String, MetadataEntry>,
}

impl Metadata {
    pub fn get(&self, key: &str) -> Option<&MetadataEntry> {
        self.entries.get(key)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> impl Iterator<Item = (&str, &MetadataEntry)> + '_ {
        self.entries.iter().map(|(key, entry)| (key.as_str(), entry))
    }

    /// Writes `value` and returns the entry's new revision.
    pub fn set(
        &mut self,
        key: &str,
        value: Value,
        expected_revision: Option<u64>,
        entries_max: usize,
    ) -> Result<u64, MetadataError> {
        let current = self.entries.get(key).map_or(0, |entry| entry.revision);
        if let Some(expected) = expected_revision
            && expected != current
        {
            return Err(MetadataError::RevisionMismatch { current });
        }
        if current == 0 && self.entries.len() >= entries_max {
            return Err(MetadataError::TooManyEntries { limit: entries_max });
        }
        let revision = current + 1;
        self.entries.insert(key.to_owned(), MetadataEntry { value, revision });
        Ok(revision)
    }
}

/// Channel metadata as the hub serves it: reads, and compare-and-set writes told to
/// subscribers.
impl super::Hub {
    pub fn metadata_get(&self, key: &ChannelKey, entry: &str) -> Option<MetadataEntry> {
        let state = self.lock();
        state.channels.get(key).and_then(|channel| channel.metadata.get(entry).cloned())
    }

    /// All metadata entries of a channel, by key.
    pub fn metadata(&self, key: &ChannelKey) -> Vec<(String, MetadataEntry)> {
        let state = self.lock();
        state
            .channels
            .get(key)
            .map(|channel| channel.metadata.entries().map(|(name, entry)| (name.to_owned(), entry.clone())).collect())
            .unwrap_or_default()
    }

    /// Writes a metadata entry (compare-and-set when `expected_revision` is given; `Some(0)`
    /// means "only if absent") and tells subscribers. Returns the new revision.
    pub fn metadata_set(
        &self,
        key: &ChannelKey,
        entry: &str,
        value: Value,
        expected_revision: Option<u64>,
    ) -> Result<u64, HubError> {
        let mut state = self.lock();
        let entries_max = state.limits.metadata_entries_per_channel;
        let channel = state.channel(key);
        let frame_value = value.clone();
        let revision = channel.metadata.set(entry, value, expected_revision, entries_max)?;
        let frame = frame::metadata(key, entry, &frame_value, revision);
        state.fan_out(key, &frame, None);
        Ok(revision)
    }
}
