//! A node's feed of one channel: every publication stored by any node, in offset order,
//! and the event frames every node broadcasts.
//!
//! Publications come from the stream's re-publication, which the server sends only for
//! stored messages and in the order it stored them, each with its stream sequence. Core
//! NATS delivers at most once, so the feed checks each against the last one it delivered:
//! already delivered (by sequence) is dropped, the next offset is delivered, and anything
//! else means messages were lost on the way (a slow subscription, a reconnect) and the feed
//! reads them from the stream before going on. What the stream no longer holds is skipped.
//!
//! The last messages of a burst can be lost with nothing after them to reveal the gap; so
//! whenever the connection reports a slow subscription or a reconnection, every feed also
//! reads its channel's last stored message and catches up to it.
//!
//! `next` can be cancelled (used in `select!`) without losing a message: a publication that
//! revealed a gap is held until the gap is filled.

use std::collections::VecDeque;

use async_nats::jetstream::consumer::DeliverPolicy;
use async_nats::{HeaderMap, Subscriber};
use futures::StreamExt;

use super::names::channel_token;
use super::publish::read_head;
use super::store::{self, Stored};
use super::{Cluster, ClusterError};
use crate::hub::{ChannelKey, Frame};

/// Header naming the node instance that broadcast an event.
pub(crate) const HEADER_ORIGIN: &str = "Tw-Origin";
/// Header naming the client an event is about, which should not receive it.
pub(crate) const HEADER_EXCEPT_CLIENT: &str = "Tw-Except-Client";
/// The re-published message's stream sequence (set by the server).
const HEADER_SEQUENCE: &str = "Nats-Sequence";
/// Most missed publications read back for one gap.
const GAP_FILL_MESSAGES_MAX: usize = 10_000;

/// One thing a feed delivers.
#[derive(Clone, Debug, PartialEq)]
pub enum FeedItem {
    /// A stored publication; offsets follow each other within an epoch.
    Publication { offset: u64, epoch: String, frame: Frame },
    /// An event frame (join, leave, typing, metadata, presence count). `except_client` is a
    /// client of this node the event is about, which should not receive it.
    Event { frame: Frame, except_client: Option<String> },
}

/// A node's subscription to one channel; dropping it unsubscribes.
pub struct ChannelFeed {
    cluster: Cluster,
    key: ChannelKey,
    subject: String,
    publications: Subscriber,
    events: Subscriber,
    /// The last publication delivered (or the channel's head when the feed started).
    sequence: u64,
    offset: u64,
    epoch: String,
    /// A publication received after a gap, held until the gap is filled.
    after_gap: Option<Stored>,
    /// Signals that this connection may have lost messages.
    losses: tokio::sync::watch::Receiver<u64>,
    /// Set when the channel's head must be read to check for lost messages.
    catch_up: bool,
    ready: VecDeque<FeedItem>,
}

impl Cluster {
    /// Starts listening to a channel. The feed delivers what is stored after the channel's
    /// position at this call ([`ChannelFeed::position`]), and every event broadcast from now.
    pub async fn listen(&self, key: &ChannelKey) -> Result<ChannelFeed, ClusterError> {
        let namespace = self.namespace_stream(key)?;
        let token = channel_token(key);
        let names = &self.inner.names;
        let client = &self.inner.client;
        let delivery = names.delivery_subject(&namespace.namespace.name, &token);
        let publications = client.subscribe(delivery).await.map_err(ClusterError::nats("subscribe"))?;
        let events = client
            .subscribe(names.event_subject(&namespace.namespace.name, &token))
            .await
            .map_err(ClusterError::nats("subscribe"))?;
        // The server has both subscriptions once it answers the flush's ping, so whatever is
        // stored after the head is read below reaches this feed.
        client.flush().await.map_err(ClusterError::nats("flush"))?;
        let mut losses = self.inner.losses.subscribe();
        losses.mark_unchanged();
        let subject = names.publish_subject(&namespace.namespace.name, &token);
        let head = read_head(namespace, &subject, &token).await?;
        Ok(ChannelFeed {
            cluster: self.clone(),
            key: key.clone(),
            subject,
            publications,
            events,
            sequence: head.sequence,
            offset: head.offset,
            epoch: head.epoch,
            after_gap: None,
            losses,
            catch_up: false,
            ready: VecDeque::new(),
        })
    }

    /// Sends an event frame to every node listening to the channel (this one included);
    /// `except_client` (a client of this node) is told to the listeners so they skip it.
    pub async fn broadcast(
        &self,
        key: &ChannelKey,
        frame: &Frame,
        except_client: Option<&str>,
    ) -> Result<(), ClusterError> {
        let namespace = self.namespace_stream(key)?;
        let subject = self.inner.names.event_subject(&namespace.namespace.name, &channel_token(key));
        let mut headers = HeaderMap::new();
        headers.insert(HEADER_ORIGIN, self.inner.instance.as_str());
        if let Some(client) = except_client {
            headers.insert(HEADER_EXCEPT_CLIENT, client);
        }
        let payload = bytes::Bytes::copy_from_slice(frame.as_bytes());
        self.inner.client.publish_with_headers(subject, headers, payload).await.map_err(ClusterError::nats("broadcast"))
    }
}

impl ChannelFeed {
    pub fn key(&self) -> &ChannelKey {
        &self.key
    }

    /// The last offset delivered (or the channel's offset when the feed started) and its epoch.
    pub fn position(&self) -> (u64, &str) {
        (self.offset, &self.epoch)
    }

    /// The next publication or event; `None` once the NATS connection is closed for good.
    pub async fn next(&mut self) -> Option<Result<FeedItem, ClusterError>> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(Ok(item));
            }
            if let Some(after_gap) = self.after_gap.clone() {
                if let Err(error) = self.fill_gap(after_gap).await {
                    return Some(Err(error));
                }
                continue;
            }
            if self.catch_up {
                match self.read_last().await {
                    Ok(last) => {
                        self.catch_up = false;
                        if let Some(last) = last {
                            self.accept(last);
                        }
                    }
                    Err(error) => return Some(Err(error)),
                }
                continue;
            }
            tokio::select! {
                changed = self.losses.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                    self.catch_up = true;
                }
                message = self.publications.next() => {
                    let message = message?;
                    let sequence = message.headers.as_ref().and_then(|headers| {
                        headers.get(HEADER_SEQUENCE).and_then(|value| value.as_str().parse().ok())
                    });
                    let stored = sequence
                        .and_then(|sequence| Stored::parse(sequence, message.headers.as_ref(), &message.payload));
                    let Some(stored) = stored else {
                        return Some(Err(ClusterError::Corrupt(format!("a publication on {}", message.subject))));
                    };
                    self.accept(stored);
                }
                message = self.events.next() => {
                    let message = message?;
                    let Ok(text) = std::str::from_utf8(&message.payload) else { continue };
                    let header = |name: &str| message.headers.as_ref().and_then(|h| h.get(name)).map(|v| v.as_str().to_owned());
                    let local = header(HEADER_ORIGIN).is_some_and(|origin| origin == self.cluster.inner.instance);
                    let except_client = if local { header(HEADER_EXCEPT_CLIENT) } else { None };
                    self.ready.push_back(FeedItem::Event { frame: Frame::from(text), except_client });
                }
            }
        }
    }

    /// The channel's last stored publication.
    async fn read_last(&self) -> Result<Option<Stored>, ClusterError> {
        let namespace = self.cluster.namespace_stream(&self.key)?;
        let Some(message) = store::last(&namespace.stream, &self.subject).await? else { return Ok(None) };
        Stored::parse(message.sequence, message.headers.as_ref(), &message.payload)
            .map(Some)
            .ok_or_else(|| ClusterError::Corrupt(format!("{} at sequence {}", self.subject, message.sequence)))
    }

    /// Delivers, drops or holds one received publication.
    fn accept(&mut self, stored: Stored) {
        if stored.sequence <= self.sequence {
            return;
        }
        let follows = if stored.epoch == self.epoch { stored.offset == self.offset + 1 } else { stored.offset == 1 };
        if follows {
            self.deliver(stored);
        } else {
            self.after_gap = Some(stored);
        }
    }

    fn deliver(&mut self, stored: Stored) {
        self.sequence = stored.sequence;
        self.offset = stored.offset;
        self.epoch.clone_from(&stored.epoch);
        self.ready.push_back(FeedItem::Publication { offset: stored.offset, epoch: stored.epoch, frame: stored.frame });
    }

    /// Reads what was stored between the last delivered publication and `after_gap`, then
    /// delivers those and `after_gap`, in order.
    async fn fill_gap(&mut self, after_gap: Stored) -> Result<(), ClusterError> {
        let namespace = self.cluster.namespace_stream(&self.key)?;
        let missed = usize::try_from(after_gap.sequence - self.sequence).unwrap_or(usize::MAX);
        let messages = store::read(
            &namespace.stream,
            &self.subject,
            DeliverPolicy::ByStartSequence { start_sequence: self.sequence + 1 },
            self.cluster.read_bounds(missed.min(GAP_FILL_MESSAGES_MAX)),
        )
        .await?;
        // Nothing awaits below: a cancelled call leaves `after_gap` held and retries.
        self.after_gap = None;
        for message in messages {
            if message.sequence >= after_gap.sequence {
                break;
            }
            if let Some(stored) = Stored::parse(message.sequence, message.headers.as_ref(), &message.payload) {
                self.deliver(stored);
            }
        }
        self.deliver(after_gap);
        Ok(())
    }
}
