//! Where channels are sequenced and fanned out: one process, or many over NATS.
//!
//! [`Engine::Local`] is the single node: the hub assigns offsets, fans out, keeps history
//! and presence, and persistent namespaces are written through to the database
//! ([`super::persist`]). Sessions and the publish route call the hub directly on this path,
//! exactly as before the cluster existed: no extra allocation or await.
//!
//! [`Engine::Cluster`] is one node of many ([`tradewind_realtime::cluster`]):
//!
//! - publications go to JetStream, which gives each its channel's next offset; every node
//!   (this one included) receives what was stored through a feed per channel with local
//!   members and fans it out with [`Hub::deliver`]. Nothing is fanned out at publish time,
//!   which would deliver twice.
//! - a channel's feed starts with its first local member and stops with its last.
//! - subscribing joins the hub first, then reads the position (or recovers) from the
//!   stream, so nothing stored in between is missed; a client drops offsets it already saw.
//! - presence is the cluster's (a KV bucket); joins, leaves, typing and metadata frames are
//!   broadcast over NATS and fanned out by every node's feed ([`Hub::broadcast_frame`]).
//! - history and recovery read the stream; persistent namespaces are JetStream file
//!   streams, so the database keeps no realtime history in this mode.
//! - the hub still enforces connection, subscription, member-cap (per node) and publish
//!   rate limits.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::OnceCell;

use tradewind_realtime::cluster::{ChannelFeed, Cluster, ClusterError, FeedItem, Present};
use tradewind_realtime::hub::{
    ChannelKey, ConnectionId, History, Hub, HubError, Member, MetadataEntry, PresenceMode, Publication, RecoverFrom,
    Recovery, frame,
};
use tradewind_realtime::namespace::Namespace;

use super::namespaces;
use crate::state::Clock;

/// How long a feed waits after a NATS error before reading again.
const FEED_RETRY: Duration = Duration::from_secs(1);

/// The realtime engine of this server.
pub enum Engine {
    /// One node: the hub does everything (see the module docs).
    Local,
    /// One node of many, over NATS.
    Cluster(ClusterEngine),
}

/// A cluster operation's failure: one of the hub's rules, or the cluster's.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Hub(#[from] HubError),
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

/// Where a subscription starts.
pub struct Subscription {
    pub offset: u64,
    pub epoch: String,
    pub recovery: Option<Recovery>,
}

/// Who a session is, as other nodes see it.
#[derive(Clone, Debug)]
pub struct SessionMember {
    /// The connection's client id (`conn_<node>_<n>`).
    pub client: String,
    pub member: Member,
}

/// One channel's feed on this node, shared by its local members.
struct FeedSlot {
    members: usize,
    started: Arc<OnceCell<()>>,
    task: Option<tokio::task::AbortHandle>,
}

/// One node's side of the cluster: the NATS handle, the node's hub and its feeds.
pub struct ClusterEngine {
    cluster: Cluster,
    hub: Hub,
    clock: Arc<dyn Clock>,
    feeds: Arc<Mutex<HashMap<ChannelKey, FeedSlot>>>,
}

/// Whether a presence change at `members` (after a join, before a leave) is announced.
fn announced(namespace: &Namespace, members: usize) -> bool {
    let threshold =
        namespace.presence_threshold.map_or(usize::MAX, |value| usize::try_from(value).unwrap_or(usize::MAX));
    namespace.presence && members <= threshold
}

impl ClusterEngine {
    pub fn new(cluster: Cluster, hub: Hub, clock: Arc<dyn Clock>) -> Self {
        Self { cluster, hub, clock, feeds: Arc::default() }
    }

    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    fn feeds(&self) -> std::sync::MutexGuard<'_, HashMap<ChannelKey, FeedSlot>> {
        self.feeds.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one more local member of `key`, starting the channel's feed if it is the
    /// first; returns once the feed is listening.
    async fn join_feed(&self, key: &ChannelKey) -> Result<(), ClusterError> {
        let started = {
            let mut feeds = self.feeds();
            let slot = feeds.entry(key.clone()).or_insert_with(|| FeedSlot {
                members: 0,
                started: Arc::new(OnceCell::new()),
                task: None,
            });
            slot.members += 1;
            Arc::clone(&slot.started)
        };
        let result = started
            .get_or_try_init(|| async {
                let feed = self.cluster.listen(key).await?;
                let task = tokio::spawn(run_feed(feed, self.hub.clone(), Arc::clone(&self.clock))).abort_handle();
                let mut feeds = self.feeds();
                match feeds.get_mut(key) {
                    Some(slot) if Arc::ptr_eq(&slot.started, &started) => slot.task = Some(task),
                    // Everyone left while the feed started.
                    _ => task.abort(),
                }
                Ok::<(), ClusterError>(())
            })
            .await;
        if let Err(error) = result {
            self.leave_feed(key);
            return Err(error);
        }
        Ok(())
    }

    /// Counts one local member of `key` less, stopping the feed after the last.
    fn leave_feed(&self, key: &ChannelKey) {
        let mut feeds = self.feeds();
        let Entry::Occupied(mut slot) = feeds.entry(key.clone()) else { return };
        slot.get_mut().members = slot.get().members.saturating_sub(1);
        if slot.get().members == 0
            && let Some(task) = slot.remove().task
        {
            task.abort();
        }
    }

    /// How many channels this node follows.
    pub fn feed_count(&self) -> usize {
        self.feeds().len()
    }

    /// Subscribes connection `id` to `key`: the feed, the local member, the cluster's
    /// member and join, then the channel's position or the recovery from `recover`.
    pub async fn subscribe(
        &self,
        id: ConnectionId,
        who: &SessionMember,
        key: &ChannelKey,
        namespace: &Namespace,
        recover: Option<&RecoverFrom>,
        now_ms: u64,
    ) -> Result<Subscription, EngineError> {
        self.join_feed(key).await?;
        let subscribed = match self.hub.subscribe(id, key, None, now_ms) {
            Ok(subscribed) => subscribed,
            Err(error) => {
                self.leave_feed(key);
                return Err(error.into());
            }
        };
        let result: Result<Subscription, ClusterError> = async {
            if namespace.presence {
                self.cluster.presence_add(key, &who.client, &who.member, now_ms).await?;
                if subscribed.presence_mode == PresenceMode::Events {
                    let join = frame::join(key, &who.client, &who.member);
                    self.cluster.broadcast(key, &join, Some(who.client.as_str())).await?;
                }
            }
            match recover {
                Some(from) => {
                    let options = namespaces::options(namespace);
                    let recovery = self.cluster.recover(key, &options, from, now_ms).await?;
                    Ok(Subscription {
                        offset: recovery.offset,
                        epoch: recovery.epoch.clone(),
                        recovery: Some(recovery),
                    })
                }
                None => {
                    let (offset, epoch) = self.cluster.position(key).await?;
                    Ok(Subscription { offset, epoch, recovery: None })
                }
            }
        }
        .await;
        if result.is_err() {
            let _ = self.hub.unsubscribe(id, key);
            self.leave_feed(key);
            if namespace.presence {
                let _ = self.cluster.presence_remove(key, &who.client).await;
            }
        }
        result.map_err(EngineError::from)
    }

    /// Unsubscribes connection `id` from `key`, with a leave on every node.
    pub async fn unsubscribe(
        &self,
        id: ConnectionId,
        who: &SessionMember,
        key: &ChannelKey,
        namespace: &Namespace,
    ) -> Result<(), EngineError> {
        let members = self.hub.member_count(key);
        let result = self.hub.unsubscribe(id, key);
        self.leave_feed(key);
        result?;
        leave_cluster(&self.cluster, who, key, namespace, members).await?;
        Ok(())
    }

    /// A closed session: it leaves every channel in `channels` on this node now, and on
    /// the other nodes (member removed, leave broadcast) in a task of its own.
    pub fn disconnect(&self, id: ConnectionId, who: SessionMember, channels: Vec<(ChannelKey, Namespace)>) {
        let mut leaving = Vec::with_capacity(channels.len());
        for (key, namespace) in channels {
            let members = self.hub.member_count(&key);
            let _ = self.hub.unsubscribe(id, &key);
            self.leave_feed(&key);
            leaving.push((key, namespace, members));
        }
        if leaving.is_empty() {
            return;
        }
        // No runtime left (the process is ending): the cluster forgets this node's members
        // when its liveness expires.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let cluster = self.cluster.clone();
        runtime.spawn(async move {
            for (key, namespace, members) in leaving {
                if let Err(error) = leave_cluster(&cluster, &who, &key, &namespace, members).await {
                    tracing::warn!(%error, client = %who.client, "realtime: a member could not leave the cluster");
                }
            }
        });
    }

    /// A client's publication: the hub's rate limit, then the cluster's sequencing.
    pub async fn publish(
        &self,
        id: ConnectionId,
        key: &ChannelKey,
        data: &Value,
        now_ms: u64,
    ) -> Result<Publication, EngineError> {
        let member = self.hub.admit_publish(id, key, now_ms)?;
        Ok(self.cluster.publish(key, data, Some(&member), now_ms).await?.publication)
    }

    /// A server publication: no rate limit, no publisher.
    pub async fn publish_server(
        &self,
        key: &ChannelKey,
        data: &Value,
        now_ms: u64,
    ) -> Result<Publication, ClusterError> {
        Ok(self.cluster.publish(key, data, None, now_ms).await?.publication)
    }

    pub async fn history(
        &self,
        key: &ChannelKey,
        namespace: &Namespace,
        since_offset: Option<u64>,
        limit: usize,
        now_ms: u64,
    ) -> Result<History, ClusterError> {
        self.cluster.history(key, &namespaces::options(namespace), since_offset, limit, now_ms).await
    }

    /// Everyone in the channel, on every live node.
    pub async fn presence(&self, key: &ChannelKey) -> Result<Vec<Present>, ClusterError> {
        self.cluster.presence(key).await
    }

    /// Tells every node's members of `key`, except this session, that it is typing.
    pub async fn typing(&self, who: &SessionMember, key: &ChannelKey) -> Result<(), ClusterError> {
        let typing = frame::typing(key, &who.client, &who.member);
        self.cluster.broadcast(key, &typing, Some(who.client.as_str())).await
    }

    pub async fn metadata_get(&self, key: &ChannelKey, entry: &str) -> Result<Option<MetadataEntry>, ClusterError> {
        self.cluster.metadata_get(key, entry).await
    }

    /// Writes an entry on every node (the cluster broadcasts the `metadata` frame).
    pub async fn metadata_set(
        &self,
        key: &ChannelKey,
        entry: &str,
        value: Value,
        expected_revision: Option<u64>,
    ) -> Result<u64, ClusterError> {
        self.cluster.metadata_set(key, entry, value, expected_revision).await
    }

    /// One step of the periodic count: each channel above its threshold on this node gets
    /// its member count across the cluster.
    pub async fn broadcast_presence_counts(&self) -> Result<usize, ClusterError> {
        let counted = self.hub.counted_channels();
        for key in &counted {
            let members = self.cluster.presence(key).await?.len();
            self.hub.broadcast_frame(key, &frame::presence_count(key, members), None);
        }
        Ok(counted.len())
    }

    /// Keeps this node listed as live (see `Cluster::heartbeat`).
    pub async fn heartbeat(&self) -> Result<usize, ClusterError> {
        self.cluster.heartbeat(self.clock.now_ms()).await
    }

    /// Leaves the cluster: this node's members and liveness are removed now, feeds stop.
    pub async fn shutdown(&self) -> Result<(), ClusterError> {
        for (_, slot) in self.feeds().drain() {
            if let Some(task) = slot.task {
                task.abort();
            }
        }
        self.cluster.shutdown().await
    }
}

/// Removes a member from the cluster's presence and announces its leave (when the channel
/// had `members` local members before it left and announces at that size).
async fn leave_cluster(
    cluster: &Cluster,
    who: &SessionMember,
    key: &ChannelKey,
    namespace: &Namespace,
    members: usize,
) -> Result<(), ClusterError> {
    if !namespace.presence {
        return Ok(());
    }
    cluster.presence_remove(key, &who.client).await?;
    if announced(namespace, members) {
        cluster.broadcast(key, &frame::leave(key, &who.client, &who.member), None).await?;
    }
    Ok(())
}

/// Moves a channel's feed into the hub until the NATS connection closes for good.
async fn run_feed(mut feed: ChannelFeed, hub: Hub, clock: Arc<dyn Clock>) {
    let key = feed.key().clone();
    while let Some(item) = feed.next().await {
        match item {
            Ok(FeedItem::Publication { offset, epoch, frame }) => {
                hub.deliver(&key, offset, &epoch, &frame, clock.now_ms());
            }
            Ok(FeedItem::Event { frame, except_client }) => {
                let skip = except_client.and_then(|client| hub.parse_client_id(&client));
                hub.broadcast_frame(&key, &frame, skip);
            }
            Err(error) => {
                tracing::warn!(%error, channel = %key.channel, "realtime feed failed; retrying");
                tokio::time::sleep(FEED_RETRY).await;
            }
        }
    }
}
