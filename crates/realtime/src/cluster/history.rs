//! Recovery and history: what a channel's subject retains, read by any node.
//!
//! The stream already bounds each channel by its namespace's history size and TTL; reads
//! trim again with the channel's options and the caller's clock, so the answers are the
//! hub's to the millisecond (`Channel::recover`, `Channel::history`) whichever node asks.

use async_nats::jetstream::consumer::DeliverPolicy;

use super::names::channel_token;
use super::publish::{Head, read_head};
use super::store::{self, Stored};
use super::{Cluster, ClusterError, NamespaceStream};
use crate::hub::{ChannelKey, ChannelOptions, History, RecoverFrom, Recovery, StoredPublication};

impl Cluster {
    /// What a client that last saw `from` missed: `recovered: true` with every publication
    /// after `from.offset`, in order, or `recovered: false` (another epoch, or history no
    /// longer reaches back) with the channel's current epoch and offset.
    pub async fn recover(
        &self,
        key: &ChannelKey,
        options: &ChannelOptions,
        from: &RecoverFrom,
        now_ms: u64,
    ) -> Result<Recovery, ClusterError> {
        let namespace = self.namespace_stream(key)?;
        let token = channel_token(key);
        let subject = self.inner.names.publish_subject(&namespace.namespace.name, &token);
        let head = read_head(namespace, &subject, &token).await?;
        let lost =
            Recovery { recovered: false, publications: Vec::new(), epoch: head.epoch.clone(), offset: head.offset };
        if from.epoch != head.epoch || from.offset > head.offset {
            return Ok(lost);
        }
        if from.offset == head.offset {
            return Ok(Recovery { recovered: true, ..lost });
        }
        if head.offset - from.offset > options.history_size as u64 {
            return Ok(lost);
        }
        let retained = retained(self, namespace, &subject, &head, options, now_ms).await?;
        match retained.first() {
            Some(oldest) if oldest.offset <= from.offset + 1 => {
                let publications: Vec<StoredPublication> =
                    retained.into_iter().filter(|publication| publication.offset > from.offset).collect();
                let offset = publications.last().map_or(head.offset, |last| last.offset.max(head.offset));
                Ok(Recovery { recovered: true, publications, epoch: head.epoch, offset })
            }
            _ => Ok(lost),
        }
    }

    /// The channel's retained publications, oldest first: the first `limit` after
    /// `since_offset`, or the newest `limit` without it.
    pub async fn history(
        &self,
        key: &ChannelKey,
        options: &ChannelOptions,
        since_offset: Option<u64>,
        limit: usize,
        now_ms: u64,
    ) -> Result<History, ClusterError> {
        let namespace = self.namespace_stream(key)?;
        let token = channel_token(key);
        let subject = self.inner.names.publish_subject(&namespace.namespace.name, &token);
        let head = read_head(namespace, &subject, &token).await?;
        let retained = if head.sequence == 0 || options.history_size == 0 {
            Vec::new()
        } else {
            retained(self, namespace, &subject, &head, options, now_ms).await?
        };
        let offset = retained.last().map_or(head.offset, |last| last.offset.max(head.offset));
        let publications = match since_offset {
            Some(since) => retained.into_iter().filter(|publication| publication.offset > since).take(limit).collect(),
            None => {
                let skip = retained.len().saturating_sub(limit);
                retained.into_iter().skip(skip).collect()
            }
        };
        Ok(History { epoch: head.epoch, offset, publications })
    }
}

/// The publications of `head`'s epoch the subject retains, trimmed to the channel's history
/// bounds at `now_ms`, oldest first; empty unless their offsets are contiguous.
async fn retained(
    cluster: &Cluster,
    namespace: &NamespaceStream,
    subject: &str,
    head: &Head,
    options: &ChannelOptions,
    now_ms: u64,
) -> Result<Vec<StoredPublication>, ClusterError> {
    let per_subject = usize::try_from(namespace.stream.cached_info().config.max_messages_per_subject).unwrap_or(1);
    let messages =
        store::read(&namespace.stream, subject, DeliverPolicy::All, cluster.read_bounds(per_subject.max(1))).await?;
    let mut stored = Vec::with_capacity(messages.len());
    for message in messages {
        let publication = Stored::parse(message.sequence, message.headers.as_ref(), &message.payload)
            .ok_or_else(|| ClusterError::Corrupt(format!("{subject} at sequence {}", message.sequence)))?;
        if publication.epoch == head.epoch {
            stored.push(publication);
        }
    }
    Ok(trim(stored, options, now_ms))
}

/// Keeps the newest `history_size` publications younger than the TTL at `now_ms`, as the
/// hub's ring does (expiry from the oldest end, so nodes' clocks that disagree a little never
/// punch a hole); refuses (empty) a run whose offsets are not contiguous.
fn trim(stored: Vec<Stored>, options: &ChannelOptions, now_ms: u64) -> Vec<StoredPublication> {
    let contiguous = stored.windows(2).all(|pair| pair[1].offset == pair[0].offset + 1);
    if !contiguous {
        return Vec::new();
    }
    let skip = stored.len().saturating_sub(options.history_size);
    let ttl_ms = options.history_ttl_seconds.map(|seconds| seconds.saturating_mul(1000));
    stored
        .into_iter()
        .skip(skip)
        .skip_while(|publication| {
            ttl_ms.is_some_and(|ttl_ms| publication.published_at_ms.saturating_add(ttl_ms) <= now_ms)
        })
        .map(|publication| StoredPublication {
            offset: publication.offset,
            published_at_ms: publication.published_at_ms,
            frame: publication.frame,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::hub::Frame;

    fn stored(offset: u64, published_at_ms: u64) -> Stored {
        Stored { sequence: offset * 3, offset, epoch: "e".into(), published_at_ms, frame: Frame::from("{}") }
    }

    #[test]
    fn trimming_matches_the_ring() {
        let options = ChannelOptions { history_size: 3, history_ttl_seconds: Some(10), ..ChannelOptions::default() };
        let kept = trim((1..=5).map(|offset| stored(offset, offset * 1000)).collect(), &options, 13_500);
        assert_eq!(kept.iter().map(|p| p.offset).collect::<Vec<_>>(), [4, 5]);
        let gap = vec![stored(1, 0), stored(3, 0)];
        assert!(trim(gap, &options, 0).is_empty());
    }
}
