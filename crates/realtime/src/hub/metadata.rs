//! Channel metadata: key/value entries, each with its own revision, set with optional
//! compare-and-set.
//!
//! A revision starts at 1 when an entry is first written and grows by one per write. A write
//! may name the revision it expects: `Some(0)` means "only if absent", `Some(n)` "only if
//! still at n"; a mismatch reports the current revision so the writer can re-read and retry
//! (a live stock counter decrements this way without a lock of its own).

use std::collections::BTreeMap;

use serde_json::Value;

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
