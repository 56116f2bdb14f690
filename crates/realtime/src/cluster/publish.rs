//! Sequencing: each publication gets the next offset of its channel, the same on every node.
//!
//! JetStream decides. A node remembers, per channel, the head it last saw (the stream
//! sequence of the channel's last message, its offset and epoch) and publishes offset + 1
//! with `Nats-Expected-Last-Subject-Sequence` set to that sequence. If another node stored a
//! publication in between, the stream refuses (`wrong last sequence: N`) and the node tries
//! again from the new head, at most [`PUBLISH_ATTEMPTS_MAX`] times. Within one node,
//! publications to one channel wait for each other (a per-channel lock), so only
//! publications from different nodes ever race.
//!
//! Fairness: a node that just won knows the new head from its acknowledgement and sends its
//! next publication at once, while a loser that re-read the head would always be one round
//! trip late, and under sustained contention would lose every time. So once a channel sees a
//! race, the node also follows the channel's re-publication (a "follower" subscription) and
//! learns each new head as it is stored, the moment the winner does: after losing it waits
//! for message N there instead of reading it. The follower is dropped after
//! [`FOLLOWER_QUIET_PUBLICATIONS_MAX`] publications in a row without a race, so nodes that
//! do not contend receive nothing extra.
//!
//! A publication whose acknowledgement timed out is re-sent unchanged with the same
//! `Nats-Msg-Id`; if the first copy was stored, the stream answers `duplicate` with its
//! sequence and nothing is stored twice.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_nats::jetstream::context::PublishErrorKind;
use async_nats::{HeaderMap, Subscriber};
use futures::StreamExt;
use serde_json::Value;
use tokio::sync::watch;

use super::names::channel_token;
use super::store::{self, HEADER_EPOCH, HEADER_OFFSET, HEADER_PUBLISHED_AT_MS, Stored};
use super::{Cluster, ClusterError, NamespaceStream, Sequenced, empty_epoch, new_epoch, random_u64};
use crate::hub::frame;
use crate::hub::{ChannelKey, Frame, Member, Publication};

/// How many times a publication is offered before giving up to other nodes' publications.
pub const PUBLISH_ATTEMPTS_MAX: usize = 256;
/// How many times a publication whose acknowledgement timed out is re-sent (the stream's
/// de-duplication window covers the first send and this many re-sends).
pub(super) const RESENDS_MAX: u32 = 1;
/// Channels whose head this node remembers; beyond this, idle entries are forgotten.
const HEADS_CACHED_MAX: usize = 65_536;
/// Publications in a row without a race after which a channel's follower is dropped.
pub const FOLLOWER_QUIET_PUBLICATIONS_MAX: u32 = 16;
/// How long a loser waits for the winning publication on its follower before reading the
/// head instead (the follower may have missed it).
const FOLLOWER_WAIT: Duration = Duration::from_millis(500);

/// Where a channel stands: its last message's stream sequence (0 when it has none), offset
/// and epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Head {
    pub sequence: u64,
    pub offset: u64,
    pub epoch: String,
}

/// A task following a channel's re-publication, keeping the newest head it saw; it stops
/// (and unsubscribes) when dropped.
struct Follower {
    heads: watch::Receiver<Option<Head>>,
    task: tokio::task::JoinHandle<()>,
}

impl Follower {
    fn start(mut subscriber: Subscriber) -> Self {
        let (sender, heads) = watch::channel(None::<Head>);
        let task = tokio::spawn(async move {
            while let Some(message) = subscriber.next().await {
                let Some(head) = head_of(&message) else { continue };
                sender.send_if_modified(|newest| {
                    let newer = newest.as_ref().is_none_or(|known| head.sequence > known.sequence);
                    if newer {
                        *newest = Some(head);
                    }
                    newer
                });
            }
        });
        Self { heads, task }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What this node knows of a channel it publishes to.
#[derive(Default)]
struct Channel {
    head: Option<Head>,
    /// The channel's re-publication, while the channel is contended.
    follower: Option<Follower>,
    /// Publications since the last race.
    quiet: u32,
}

type Slot = Arc<tokio::sync::Mutex<Channel>>;

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
    /// Another publication was stored first, at this sequence if the server said so.
    Raced(Option<u64>),
    Failed(ClusterError),
}

/// The sequence in a `wrong last sequence: N` refusal.
fn raced_at(error: &async_nats::jetstream::context::PublishError) -> Option<u64> {
    let source = std::error::Error::source(error)?.to_string();
    let rest = &source[source.find("wrong last sequence: ")? + "wrong last sequence: ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn head_of(message: &async_nats::Message) -> Option<Head> {
    let headers = message.headers.as_ref()?;
    let sequence = headers.get("Nats-Sequence")?.as_str().parse().ok()?;
    let stored = Stored::parse(sequence, Some(headers), &message.payload)?;
    Some(Head { sequence, offset: stored.offset, epoch: stored.epoch })
}

impl Channel {
    /// Takes the follower's newest head if it is newer than the one known.
    fn catch_up(&mut self) {
        let Some(follower) = self.follower.as_ref() else { return };
        let newest = follower.heads.borrow().clone();
        if let Some(newest) = newest
            && self.head.as_ref().is_some_and(|known| newest.sequence > known.sequence)
        {
            self.head = Some(newest);
        }
    }

    /// Waits (at most [`FOLLOWER_WAIT`]) for the follower to show a head at `sequence` or
    /// later and takes it; leaves the head unknown when it does not.
    async fn follow_to(&mut self, sequence: u64) {
        let Some(follower) = self.follower.as_mut() else { return };
        let reached = |head: &Option<Head>| head.as_ref().is_some_and(|head| head.sequence >= sequence);
        if let Ok(Ok(head)) = tokio::time::timeout(FOLLOWER_WAIT, follower.heads.wait_for(reached)).await {
            self.head = head.clone();
        }
    }
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
        let mut channel = slot.lock().await;
        let message_id = format!("{:016x}{:016x}", random_u64(), random_u64());
        let mut raced = false;
        for _ in 0..PUBLISH_ATTEMPTS_MAX {
            channel.catch_up();
            let head = match channel.head.take() {
                Some(head) => head,
                None => read_head(namespace, &subject, &token).await?,
            };
            let (offset, epoch) =
                if head.sequence == 0 { (1, new_epoch()) } else { (head.offset + 1, head.epoch.clone()) };
            let frame = frame::publication(key, offset, &epoch, data, info);
            if frame.len() > self.inner.config.frame_bytes_max {
                channel.head = Some(head);
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
            let stored = match self.store(&subject, headers, &frame).await {
                Ok((sequence, false)) => {
                    channel.head = Some(Head { sequence, offset, epoch: epoch.clone() });
                    Sequenced { publication: Publication { offset, epoch }, frame }
                }
                Ok((sequence, true)) => {
                    // An earlier copy of this publication (same message id) was stored.
                    let stored = store::at(&namespace.stream, sequence)
                        .await?
                        .and_then(|message| Stored::parse(message.sequence, message.headers.as_ref(), &message.payload))
                        .ok_or_else(|| ClusterError::Corrupt(format!("the publication at sequence {sequence}")))?;
                    channel.head = Some(Head { sequence, offset: stored.offset, epoch: stored.epoch.clone() });
                    let publication = Publication { offset: stored.offset, epoch: stored.epoch };
                    Sequenced { publication, frame: stored.frame }
                }
                Err(Refused::Raced(at)) => {
                    self.inner.races.fetch_add(1, Ordering::Relaxed);
                    raced = true;
                    channel.quiet = 0;
                    if channel.follower.is_some() {
                        // `channel.head` stays empty (re-read) unless the follower shows it.
                        channel.follow_to(at.unwrap_or(head.sequence + 1)).await;
                    } else {
                        let delivery = self.inner.names.delivery_subject(&namespace.namespace.name, &token);
                        let client = &self.inner.client;
                        let subscriber = client.subscribe(delivery).await.map_err(ClusterError::nats("follow"))?;
                        channel.follower = Some(Follower::start(subscriber));
                        client.flush().await.map_err(ClusterError::nats("flush"))?;
                    }
                    continue;
                }
                Err(Refused::Failed(error)) => return Err(error),
            };
            if !raced {
                channel.quiet = channel.quiet.saturating_add(1);
                if channel.quiet >= FOLLOWER_QUIET_PUBLICATIONS_MAX {
                    channel.follower = None;
                }
            }
            return Ok(stored);
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
                    PublishErrorKind::WrongLastSequence => return Err(Refused::Raced(raced_at(&error))),
                    PublishErrorKind::TimedOut if resends < RESENDS_MAX => resends += 1,
                    _ => return Err(Refused::Failed(ClusterError::Unavailable(format!("publish: {error}")))),
                },
            }
        }
    }

    /// How many times this node's publications lost the race for an offset to another
    /// node's (each cost a re-read and a retry).
    pub fn publish_races(&self) -> u64 {
        self.inner.races.load(Ordering::Relaxed)
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
