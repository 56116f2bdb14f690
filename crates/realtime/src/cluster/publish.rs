//! Sequencing: each publication gets the next offset of its channel, the same on every node.
//!
//! JetStream decides. A node remembers, per channel, the head it last saw (the stream
//! sequence of the channel's last message, its offset and epoch) and publishes offset + 1
//! with `Nats-Expected-Last-Subject-Sequence` set to that sequence. If another node stored a
//! publication in between, the stream refuses (`wrong last sequence`), the node re-reads the
//! channel's last message and tries again, at most [`PUBLISH_ATTEMPTS_MAX`] times. Within one
//! node, publications to one channel wait for each other (a per-channel lock), so only
//! publications from different nodes ever race.
//!
//! A publication whose acknowledgement timed out is re-sent unchanged with the same
//! `Nats-Msg-Id`; if the first copy was stored, the stream answers `duplicate` with its
//! sequence and nothing is stored twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_nats::HeaderMap;
use async_nats::jetstream::context::PublishErrorKind;
use serde_json::Value;

use super::names::channel_token;
use super::store::{self, HEADER_EPOCH, HEADER_OFFSET, HEADER_PUBLISHED_AT_MS, Stored};
use super::{Cluster, ClusterError, NamespaceStream, Sequenced, empty_epoch, new_epoch, random_u64};
use crate::hub::frame;
use crate::hub::{ChannelKey, Frame, Member, Publication};

/// How many times a publication is offered before giving up to other nodes' publications.
pub const PUBLISH_ATTEMPTS_MAX: usize = 64;
/// How many times a publication whose acknowledgement timed out is re-sent.
const RESENDS_MAX: usize = 2;
/// Channels whose head this node remembers; beyond this, idle entries are forgotten.
const HEADS_CACHED_MAX: usize = 65_536;

/// Where a channel stands: its last message's stream sequence (0 when it has none), offset
/// and epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Head {
    pub sequence: u64,
    pub offset: u64,
    pub epoch: String,
}

type Slot = Arc<tokio::sync::Mutex<Option<Head>>>;

/// The heads this node remembers, each behind its channel's publish lock.
#[derive(Default)]
pub(super) struct Heads {
    slots: Mutex<HashMap<ChannelKey, Slot>>,
}

impl Heads {
    fn slot(&self, key: &ChannelKey) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = slots.get(key) {
            return Arc::clone(slot);
        }
        if slots.len() >= HEADS_CACHED_MAX {
            // Forget every channel nobody is publishing to right now; a forgotten head is
            // re-read on the next publication.
            slots.retain(|_, slot| Arc::strong_count(slot) > 1);
        }
        Arc::clone(slots.entry(key.clone()).or_default())
    }
}

/// Why one attempt to store a publication failed.
enum Refused {
    /// Another publication was stored first.
    Raced,
    Failed(ClusterError),
}

impl Cluster {
    /// Publishes `data` to the channel on every node: the frame (with `info`, the publishing
    /// member, if any) gets the channel's next offset. Returns where it landed.
    pub async fn publish(
        &self,
        key: &ChannelKey,
        data: &Value,
        info: Option<&Member>,
        now_ms: u64,
    ) -> Result<Sequenced, ClusterError> {
        let namespace = self.namespace_stream(key)?;
        let token = channel_token(key);
        let subject = self.inner.names.publish_subject(&namespace.namespace.name, &token);
        let slot = self.inner.heads.slot(key);
        let mut cached = slot.lock().await;
        let message_id = format!("{:016x}{:016x}", random_u64(), random_u64());
        for _ in 0..PUBLISH_ATTEMPTS_MAX {
            let head = match cached.take() {
                Some(head) => head,
                None => read_head(namespace, &subject, &token).await?,
            };
            let (offset, epoch) =
                if head.sequence == 0 { (1, new_epoch()) } else { (head.offset + 1, head.epoch.clone()) };
            let frame = frame::publication(key, offset, &epoch, data, info);
            if frame.len() > self.inner.config.frame_bytes_max {
                *cached = Some(head);
                return Err(ClusterError::FrameTooLarge {
                    size_bytes: frame.len(),
                    limit_bytes: self.inner.config.frame_bytes_max,
                });
            }
            let mut headers = HeaderMap::new();
            headers.insert(HEADER_OFFSET, offset.to_string());
            headers.insert(HEADER_EPOCH, epoch.as_str());
            headers.insert(HEADER_PUBLISHED_AT_MS, now_ms.to_string());
            headers.insert("Nats-Msg-Id", message_id.as_str());
            headers.insert("Nats-Expected-Last-Subject-Sequence", head.sequence.to_string());
            match self.store(&subject, headers, &frame).await {
                Ok((sequence, false)) => {
                    *cached = Some(Head { sequence, offset, epoch: epoch.clone() });
                    return Ok(Sequenced { publication: Publication { offset, epoch }, frame });
                }
                Ok((sequence, true)) => {
                    // An earlier copy of this publication (same message id) was stored.
                    let stored = store::at(&namespace.stream, sequence)
                        .await?
                        .and_then(|message| Stored::parse(message.sequence, message.headers.as_ref(), &message.payload))
                        .ok_or_else(|| ClusterError::Corrupt(format!("the publication at sequence {sequence}")))?;
                    *cached = Some(Head { sequence, offset: stored.offset, epoch: stored.epoch.clone() });
                    let publication = Publication { offset: stored.offset, epoch: stored.epoch };
                    return Ok(Sequenced { publication, frame: stored.frame });
                }
                Err(Refused::Raced) => {}
                Err(Refused::Failed(error)) => return Err(error),
            }
        }
        Err(ClusterError::Contended { attempts: PUBLISH_ATTEMPTS_MAX })
    }

    /// Offers one message to the stream: `(sequence, duplicate)` once stored.
    async fn store(&self, subject: &str, headers: HeaderMap, frame: &Frame) -> Result<(u64, bool), Refused> {
        let payload = bytes::Bytes::copy_from_slice(frame.as_bytes());
        let mut resends = 0;
        loop {
            let sent = self
                .inner
                .jetstream
                .publish_with_headers(subject.to_owned(), headers.clone(), payload.clone())
                .await
                .map_err(|error| Refused::Failed(ClusterError::Unavailable(format!("publish: {error}"))))?;
            match sent.await {
                Ok(ack) => return Ok((ack.sequence, ack.duplicate)),
                Err(error) => match error.kind() {
                    PublishErrorKind::WrongLastSequence => return Err(Refused::Raced),
                    PublishErrorKind::TimedOut if resends < RESENDS_MAX => resends += 1,
                    _ => return Err(Refused::Failed(ClusterError::Unavailable(format!("publish: {error}")))),
                },
            }
        }
    }

    /// The channel's last offset and its epoch, as every node sees them.
    pub async fn position(&self, key: &ChannelKey) -> Result<(u64, String), ClusterError> {
        let namespace = self.namespace_stream(key)?;
        let token = channel_token(key);
        let subject = self.inner.names.publish_subject(&namespace.namespace.name, &token);
        let head = read_head(namespace, &subject, &token).await?;
        Ok((head.offset, head.epoch))
    }
}

/// Reads the channel's head from the stream (a channel without messages is at offset 0 of
/// its empty epoch).
pub(super) async fn read_head(namespace: &NamespaceStream, subject: &str, token: &str) -> Result<Head, ClusterError> {
    match store::last(&namespace.stream, subject).await? {
        Some(message) => {
            let stored = Stored::parse(message.sequence, message.headers.as_ref(), &message.payload)
                .ok_or_else(|| ClusterError::Corrupt(format!("{subject} at sequence {}", message.sequence)))?;
            Ok(Head { sequence: stored.sequence, offset: stored.offset, epoch: stored.epoch })
        }
        None => Ok(Head {
            sequence: 0,
            offset: 0,
            epoch: empty_epoch(&namespace.stream.cached_info().config.name, namespace.created_unix_nanos, token),
        }),
    }
}
