//! Channel metadata across nodes: the hub's entries, revisions and compare-and-set, kept in
//! the KV bucket `<prefix>_rt_metadata`, one key per entry (`<channel token>.<hex of the
//! entry's key>`).
//!
//! The value is `{"value": …, "revision": n}` with the hub's per-entry revision (1 on the
//! first write, one more per write). A write reads the entry, checks the expected revision,
//! and writes revision + 1 only if the KV key is still at the KV revision it read (KV
//! `update`), so of several writers expecting the same revision, on any nodes, exactly one
//! succeeds and the others get `RevisionMismatch` with the winner's revision. Every
//! successful write is broadcast as a `metadata` frame; frames from different nodes may
//! arrive out of order, so a client keeps the highest revision it saw.

use async_nats::jetstream::consumer::DeliverPolicy;
use async_nats::jetstream::kv::{Operation, UpdateErrorKind};
use serde_json::{Value, json};

use super::names::{channel_token, hex};
use super::store;
use super::{Cluster, ClusterError};
use crate::hub::frame;
use crate::hub::{ChannelKey, MetadataEntry};

/// How many times an unconditional write retries after losing a race.
const METADATA_ATTEMPTS_MAX: usize = 64;

fn entry_value(value: &Value, revision: u64) -> bytes::Bytes {
    bytes::Bytes::from(json!({"value": value, "revision": revision}).to_string())
}

fn parse_entry(payload: &[u8]) -> Option<MetadataEntry> {
    let mut stored: Value = serde_json::from_slice(payload).ok()?;
    let revision = stored.get("revision")?.as_u64()?;
    let value = stored.get_mut("value")?.take();
    Some(MetadataEntry { value, revision })
}

fn unhex(text: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> = (0..text.len())
        .step_by(2)
        .map(|index| text.get(index..index + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect();
    String::from_utf8(bytes?).ok()
}

impl Cluster {
    fn metadata_key(key: &ChannelKey, entry: &str) -> String {
        format!("{}.{}", channel_token(key), hex(entry.as_bytes()))
    }

    /// The entry's KV revision (0 when the key has no message) and the entry, if set.
    async fn metadata_read(&self, kv_key: &str) -> Result<(u64, Option<MetadataEntry>), ClusterError> {
        let found = self.inner.metadata.entry(kv_key).await.map_err(ClusterError::nats("read metadata"))?;
        match found {
            None => Ok((0, None)),
            Some(entry) if entry.operation != Operation::Put => Ok((entry.revision, None)),
            Some(entry) => {
                let parsed = parse_entry(&entry.value)
                    .ok_or_else(|| ClusterError::Corrupt(format!("metadata entry {kv_key}")))?;
                Ok((entry.revision, Some(parsed)))
            }
        }
    }

    pub async fn metadata_get(&self, key: &ChannelKey, entry: &str) -> Result<Option<MetadataEntry>, ClusterError> {
        Ok(self.metadata_read(&Self::metadata_key(key, entry)).await?.1)
    }

    /// All metadata entries of a channel, by key.
    pub async fn metadata_all(&self, key: &ChannelKey) -> Result<Vec<(String, MetadataEntry)>, ClusterError> {
        let token = channel_token(key);
        let subject_prefix = format!("$KV.{}.{token}.", self.inner.names.metadata_bucket());
        let limit = self.inner.config.metadata_entries_per_channel.saturating_mul(2).max(1);
        let messages = store::read(
            &self.inner.metadata_stream,
            &format!("{subject_prefix}*"),
            DeliverPolicy::LastPerSubject,
            self.read_bounds(limit),
        )
        .await?;
        let mut entries: Vec<(String, MetadataEntry)> = messages
            .into_iter()
            .filter(|message| message.headers.as_ref().and_then(|headers| headers.get("KV-Operation")).is_none())
            .filter_map(|message| {
                let name = unhex(message.subject.strip_prefix(&subject_prefix)?)?;
                Some((name, parse_entry(&message.payload)?))
            })
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(entries)
    }

    /// Writes a metadata entry on every node (compare-and-set when `expected_revision` is
    /// given; `Some(0)` means "only if absent"), broadcasts the `metadata` frame, and
    /// returns the entry's new revision.
    pub async fn metadata_set(
        &self,
        key: &ChannelKey,
        entry: &str,
        value: Value,
        expected_revision: Option<u64>,
    ) -> Result<u64, ClusterError> {
        self.namespace_stream(key)?;
        let kv_key = Self::metadata_key(key, entry);
        for _ in 0..METADATA_ATTEMPTS_MAX {
            let (kv_revision, current) = self.metadata_read(&kv_key).await?;
            let revision = current.as_ref().map_or(0, |current| current.revision);
            if let Some(expected) = expected_revision
                && expected != revision
            {
                return Err(ClusterError::RevisionMismatch { current: revision });
            }
            if current.is_none() {
                let limit = self.inner.config.metadata_entries_per_channel;
                if self.metadata_all(key).await?.len() >= limit {
                    return Err(ClusterError::TooManyMetadataEntries { limit });
                }
            }
            let next = revision + 1;
            match self.inner.metadata.update(&kv_key, entry_value(&value, next), kv_revision).await {
                Ok(_) => {
                    let frame = frame::metadata(key, entry, &value, next);
                    self.broadcast(key, &frame, None).await?;
                    return Ok(next);
                }
                Err(error) if error.kind() == UpdateErrorKind::WrongLastRevision => {}
                Err(error) => return Err(ClusterError::Unavailable(format!("write metadata: {error}"))),
            }
        }
        Err(ClusterError::Contended { attempts: METADATA_ATTEMPTS_MAX })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn entry_keys_round_trip() {
        let name = "stock: size M / ünïcode";
        assert_eq!(unhex(&hex(name.as_bytes())).unwrap(), name);
        assert_eq!(unhex("zz"), None);
        let parsed = parse_entry(&entry_value(&json!({"left": 3}), 4)).unwrap();
        assert_eq!(parsed, MetadataEntry { value: json!({"left": 3}), revision: 4 });
    }
}
