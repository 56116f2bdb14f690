//! Many nodes: the realtime layer across several server processes, over NATS with JetStream.
//!
//! A [`Cluster`] is one node's handle. Every node connected to the same NATS server (or NATS
//! cluster) with the same prefix sees the same channels:
//!
//! - `publish`: JetStream sequences each channel. A namespace is one stream
//!   (`<prefix>_rt_<namespace>`: file storage when the namespace is persistent, memory
//!   otherwise), one subject per channel, keeping the namespace's history size per subject
//!   and its history TTL as the stream's age limit. A publication carries its offset and
//!   epoch in headers and is stored only if the channel's last stored sequence is still the
//!   one the node read (`Nats-Expected-Last-Subject-Sequence`); a node that lost the race
//!   re-reads the channel's last message and tries again. So offsets are contiguous per
//!   channel and the same on every node, whichever node published.
//! - `listen`: a [`ChannelFeed`] receives what the stream stored, from the server's
//!   re-publication (`<prefix>.out.…`): only stored messages, in the order they were stored.
//!   (A plain subscription to the stream's subjects would also see publications the stream
//!   refused.) The feed drops what it has already delivered and fills gaps from the stream.
//!   Event frames (join, leave, typing, metadata, presence counts) travel over core NATS
//!   (`<prefix>.evt.…`) and are not stored.
//! - `recover` / `history`: read what the channel's subject retains, trimmed to the channel's
//!   history bounds with the caller's clock, as the hub does.
//! - presence: a KV bucket of members keyed by channel, node instance and client, and a KV
//!   bucket of live node instances whose entries expire unless the node heartbeats; members
//!   of an instance that stopped heartbeating are not listed.
//! - metadata: a KV bucket, one key per channel entry, with the hub's per-entry revisions
//!   (1, 2, 3 …) kept in the value and compare-and-set done with the KV's own revision.
//!
//! Epochs: a channel's first publication, and the first after its history expired entirely,
//! starts a new random epoch. A channel with no stored publication reports offset 0 and an
//! epoch derived from its stream's creation time and the channel, the same on every node.
//!
//! Written for NATS server 2.9 (Debian's): it uses stream re-publish, expected last subject
//! sequence, message-id de-duplication, `STREAM.MSG.GET` and pull consumers, all 2.9 features.
//!
//! Time: `now_ms` comes from the caller as in the hub; only expiry is the NATS server's
//! (stream `max_age`, bucket `max_age`).

mod feed;
mod history;
mod metadata;
mod names;
mod presence;
mod publish;
mod store;

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::fmt::Display;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_nats::jetstream::{self, kv, stream};
use sha2::{Digest, Sha256};

pub use feed::{ChannelFeed, FeedItem};
pub use names::{NODE_ID_LENGTH_MAX, PREFIX_LENGTH_MAX};
pub use presence::Present;
pub use publish::PUBLISH_ATTEMPTS_MAX;

use crate::hub::{FRAME_BYTES_MAX, Frame, METADATA_ENTRIES_PER_CHANNEL_MAX, Publication};
use crate::namespace::{Namespace, Namespaces};
use names::Names;

/// Default for [`ClusterConfig::node_ttl`].
pub const NODE_TTL: Duration = Duration::from_secs(15);
/// Default for [`ClusterConfig::member_ttl`].
pub const MEMBER_TTL: Duration = Duration::from_secs(3600);
/// Default for [`ClusterConfig::subscription_capacity_messages`] (async-nats's own default).
pub const SUBSCRIPTION_CAPACITY_MESSAGES: usize = 65_536;
/// Default for [`ClusterConfig::request_timeout`].
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a namespace without history keeps a channel's last publication (which holds
/// the channel's offset and epoch); after that the channel starts a new epoch.
pub const NO_HISTORY_POSITION_TTL: Duration = Duration::from_secs(24 * 3600);
/// The KV buckets' de-duplication window (NATS's default for streams).
const KV_DUPLICATE_WINDOW: Duration = Duration::from_secs(120);
/// How long a metadata entry nobody writes is kept.
pub const METADATA_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// How a node joins the cluster.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// The NATS server, e.g. `nats://127.0.0.1:4222`.
    pub url: String,
    /// This node's name (`A-Z a-z 0-9 _ -`); each connection also gets a random instance id,
    /// so a restarted node never inherits the members of its previous life.
    pub node_id: String,
    /// The start of every subject, stream and bucket name (`a-z 0-9 _ -`): `tradewind`, or
    /// one per test.
    pub prefix: String,
    /// The server's namespaces; each gets a stream sized from its history options.
    pub namespaces: Namespaces,
    /// JetStream replicas of every stream and bucket (1 for a single NATS server).
    pub replicas: usize,
    /// How long a node stays listed as live after its last heartbeat.
    pub node_ttl: Duration,
    /// How long a member entry lives without being refreshed (a backstop: members of a
    /// dead node are hidden once the node's liveness expires).
    pub member_ttl: Duration,
    /// The bound on every NATS request.
    pub request_timeout: Duration,
    /// Messages a subscription buffers before NATS drops the next ones for it (a feed then
    /// reads what it missed back from the stream).
    pub subscription_capacity_messages: usize,
    /// The largest publication frame, in bytes of JSON (as the hub's limit).
    pub frame_bytes_max: usize,
    pub metadata_entries_per_channel: usize,
}

impl ClusterConfig {
    /// A configuration with the default limits.
    pub fn new(
        url: impl Into<String>,
        node_id: impl Into<String>,
        prefix: impl Into<String>,
        namespaces: Namespaces,
    ) -> Self {
        Self {
            url: url.into(),
            node_id: node_id.into(),
            prefix: prefix.into(),
            namespaces,
            replicas: 1,
            node_ttl: NODE_TTL,
            member_ttl: MEMBER_TTL,
            request_timeout: REQUEST_TIMEOUT,
            subscription_capacity_messages: SUBSCRIPTION_CAPACITY_MESSAGES,
            frame_bytes_max: FRAME_BYTES_MAX,
            metadata_entries_per_channel: METADATA_ENTRIES_PER_CHANNEL_MAX,
        }
    }
}

/// One variant per way a cluster operation fails.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ClusterError {
    #[error("invalid cluster configuration: {0}")]
    InvalidConfig(String),
    #[error("cannot connect to NATS: {0}")]
    Connect(String),
    /// A NATS or JetStream request failed or timed out; the operation may be retried.
    #[error("NATS is unavailable: {0}")]
    Unavailable(String),
    #[error("the namespace `{namespace}` is not configured")]
    UnknownNamespace { namespace: String },
    #[error("frame of {size_bytes} bytes exceeds {limit_bytes}")]
    FrameTooLarge { size_bytes: usize, limit_bytes: usize },
    /// Other nodes kept publishing to the channel first, `attempts` times in a row.
    #[error("the channel is contended: no offset after {attempts} attempts")]
    Contended { attempts: usize },
    #[error("revision_mismatch: the entry is at revision {current}")]
    RevisionMismatch { current: u64 },
    #[error("the channel already has {limit} metadata entries")]
    TooManyMetadataEntries { limit: usize },
    #[error("presence is not enabled on this channel")]
    PresenceDisabled,
    #[error("`{0}` cannot be a presence client id (`A-Z a-z 0-9 _ -`, at most 64)")]
    InvalidClientId(String),
    /// A message in a stream or bucket is not in the form this module writes.
    #[error("unreadable stored message: {0}")]
    Corrupt(String),
}

impl ClusterError {
    /// Maps a NATS error to [`ClusterError::Unavailable`], naming what was being done.
    fn nats<E: Display>(doing: &'static str) -> impl FnOnce(E) -> ClusterError {
        move |error| ClusterError::Unavailable(format!("{doing}: {error}"))
    }
}

/// A publication as the cluster sequenced it.
#[derive(Clone, Debug)]
pub struct Sequenced {
    pub publication: Publication,
    /// The frame every subscriber on every node receives.
    pub frame: Frame,
}

/// A namespace's stream, as this node found or created it.
struct NamespaceStream {
    namespace: Namespace,
    stream: stream::Stream,
    /// The stream's creation time, which seeds the epoch of channels with no publication.
    created_unix_nanos: i128,
}

struct Inner {
    client: async_nats::Client,
    jetstream: jetstream::Context,
    names: Names,
    node_id: String,
    /// `<node_id>-<random>`: this connection's name in presence keys.
    instance: String,
    config: ClusterConfig,
    streams: HashMap<String, NamespaceStream>,
    heads: publish::Heads,
    /// Publications of this node that lost the race for an offset.
    races: AtomicU64,
    /// Bumped whenever this connection may have lost messages (see `feed`).
    losses: Arc<tokio::sync::watch::Sender<u64>>,
    presence: presence::PresenceState,
    metadata: kv::Store,
    metadata_stream: stream::Stream,
}

/// One node's handle on the cluster; cheap to clone.
#[derive(Clone)]
pub struct Cluster {
    inner: Arc<Inner>,
}

/// 64 random bits: std's randomly keyed hasher over a process-wide counter.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

/// A fresh epoch name.
fn new_epoch() -> String {
    format!("{:016x}", random_u64())
}

/// The epoch of a channel with no stored publication: the same on every node, and new
/// whenever the stream is re-created.
fn empty_epoch(stream_name: &str, created_unix_nanos: i128, token: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(stream_name.as_bytes());
    digest.update(created_unix_nanos.to_be_bytes());
    digest.update(token.as_bytes());
    names::hex(&digest.finalize()[..8])
}

/// The window in which a re-sent publication (same message id) is recognised and not stored
/// twice: the first send and every re-send, each waiting up to one request timeout.
fn deduplication_window(request_timeout: Duration) -> Duration {
    request_timeout.saturating_mul(publish::RESENDS_MAX + 1)
}

fn stream_config(names: &Names, namespace: &Namespace, config: &ClusterConfig) -> stream::Config {
    let (per_subject, max_age) = if namespace.has_history() {
        (i64::from(namespace.history_size), Duration::from_secs(namespace.history_ttl_seconds))
    } else {
        // The last publication still holds the channel's position.
        (1, NO_HISTORY_POSITION_TTL)
    };
    stream::Config {
        name: names.stream(&namespace.name),
        subjects: vec![names.stream_subjects(&namespace.name)],
        storage: if namespace.persistent { stream::StorageType::File } else { stream::StorageType::Memory },
        max_messages_per_subject: per_subject,
        max_age,
        duplicate_window: deduplication_window(config.request_timeout).min(max_age),
        discard: stream::DiscardPolicy::Old,
        retention: stream::RetentionPolicy::Limits,
        num_replicas: config.replicas,
        republish: Some(stream::Republish {
            source: names.stream_subjects(&namespace.name),
            destination: names.republish_destination(&namespace.name),
            headers_only: false,
        }),
        description: Some(format!("Tradewind realtime publications of the `{}` namespace", namespace.name)),
        ..Default::default()
    }
}

/// The fields of a stream's configuration this module sets (the server fills in others).
fn same_settings(current: &stream::Config, desired: &stream::Config) -> bool {
    current.subjects == desired.subjects
        && current.max_messages_per_subject == desired.max_messages_per_subject
        && current.max_age == desired.max_age
        && current.duplicate_window == desired.duplicate_window
        && current.republish == desired.republish
        && current.num_replicas == desired.num_replicas
}

/// Finds the namespace's stream, creating it or bringing its limits up to date.
async fn ensure_stream(
    jetstream: &jetstream::Context,
    desired: stream::Config,
) -> Result<stream::Stream, ClusterError> {
    let mut stream =
        jetstream.get_or_create_stream(desired.clone()).await.map_err(ClusterError::nats("create a stream"))?;
    let current = stream.info().await.map_err(ClusterError::nats("read a stream"))?.config.clone();
    if current.storage != desired.storage {
        return Err(ClusterError::InvalidConfig(format!(
            "stream {} exists with {:?} storage; delete it to change the namespace's persistence",
            desired.name, current.storage
        )));
    }
    if !same_settings(&current, &desired) {
        jetstream.update_stream(desired.clone()).await.map_err(ClusterError::nats("update a stream"))?;
        stream = jetstream.get_stream(&desired.name).await.map_err(ClusterError::nats("read a stream"))?;
    }
    Ok(stream)
}

/// A KV bucket's settings: what `async_nats`'s bucket creation would send, written out here
/// because that call first reads the account info in a shape NATS 2.9 does not send.
struct BucketSettings<'a> {
    bucket: String,
    description: &'a str,
    max_age: Duration,
    storage: stream::StorageType,
    replicas: usize,
}

/// Finds the bucket, creating it or bringing its limits up to date; returns it with its
/// stream (read directly when listing keys under a prefix).
async fn ensure_bucket(
    jetstream: &jetstream::Context,
    settings: BucketSettings<'_>,
) -> Result<(kv::Store, stream::Stream), ClusterError> {
    let desired = stream::Config {
        name: format!("KV_{}", settings.bucket),
        description: Some(settings.description.to_owned()),
        subjects: vec![format!("$KV.{}.>", settings.bucket)],
        max_messages_per_subject: 1,
        max_age: settings.max_age,
        duplicate_window: KV_DUPLICATE_WINDOW.min(settings.max_age),
        storage: settings.storage,
        num_replicas: settings.replicas,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: stream::DiscardPolicy::New,
        ..Default::default()
    };
    let stream = ensure_stream(jetstream, desired).await?;
    let store = jetstream.get_key_value(&settings.bucket).await.map_err(ClusterError::nats("open a KV bucket"))?;
    Ok((store, stream))
}

impl Cluster {
    /// Connects to NATS, creates or updates the namespaces' streams and the buckets, and
    /// registers this node as live.
    pub async fn connect(config: ClusterConfig) -> Result<Self, ClusterError> {
        let names = Names::new(&config.prefix)?;
        Names::validate_node_id(&config.node_id)?;
        if config.replicas == 0
            || config.node_ttl.is_zero()
            || config.member_ttl.is_zero()
            || config.subscription_capacity_messages < 2
        {
            return Err(ClusterError::InvalidConfig(
                "replicas and TTLs must be above zero, the subscription capacity at least 2".to_owned(),
            ));
        }
        let losses = Arc::new(tokio::sync::watch::Sender::new(0u64));
        let counted = Arc::clone(&losses);
        let client = async_nats::ConnectOptions::new()
            .name(format!("tradewind {}", config.node_id))
            .event_callback(move |event| {
                // A subscription that overflowed, or a connection re-established, may have
                // missed messages: feeds then compare themselves with their channel's head.
                if matches!(event, async_nats::Event::SlowConsumer(_) | async_nats::Event::Connected) {
                    counted.send_modify(|generation| *generation += 1);
                }
                std::future::ready(())
            })
            .connection_timeout(config.request_timeout)
            .request_timeout(Some(config.request_timeout))
            .subscription_capacity(config.subscription_capacity_messages)
            .connect(config.url.as_str())
            .await
            .map_err(|error| ClusterError::Connect(format!("{}: {error}", config.url)))?;
        let mut jetstream = jetstream::new(client.clone());
        jetstream.set_timeout(config.request_timeout);

        let mut streams = HashMap::new();
        for namespace in config.namespaces.iter() {
            let desired = stream_config(&names, namespace, &config);
            let mut stream = ensure_stream(&jetstream, desired).await?;
            let created_unix_nanos =
                stream.info().await.map_err(ClusterError::nats("read a stream"))?.created.unix_timestamp_nanos();
            streams.insert(
                namespace.name.clone(),
                NamespaceStream { namespace: namespace.clone(), stream, created_unix_nanos },
            );
        }

        let (members, members_stream) = ensure_bucket(
            &jetstream,
            BucketSettings {
                bucket: names.presence_bucket(),
                description: "Tradewind realtime presence: members by channel, node and client",
                max_age: config.member_ttl,
                storage: stream::StorageType::Memory,
                replicas: config.replicas,
            },
        )
        .await?;
        let (nodes, nodes_stream) = ensure_bucket(
            &jetstream,
            BucketSettings {
                bucket: names.nodes_bucket(),
                description: "Tradewind realtime nodes: one key per live node instance",
                max_age: config.node_ttl,
                storage: stream::StorageType::Memory,
                replicas: config.replicas,
            },
        )
        .await?;
        let (metadata, metadata_stream) = ensure_bucket(
            &jetstream,
            BucketSettings {
                bucket: names.metadata_bucket(),
                description: "Tradewind realtime channel metadata",
                max_age: METADATA_TTL,
                storage: stream::StorageType::File,
                replicas: config.replicas,
            },
        )
        .await?;

        let instance = format!("{}-{:08x}", config.node_id, random_u64() as u32);
        let inner = Inner {
            client,
            jetstream,
            names,
            node_id: config.node_id.clone(),
            instance,
            heads: publish::Heads::default(),
            races: AtomicU64::new(0),
            losses,
            presence: presence::PresenceState::new(members, members_stream, nodes, nodes_stream),
            metadata,
            metadata_stream,
            streams,
            config,
        };
        let cluster = Self { inner: Arc::new(inner) };
        cluster.register_node().await?;
        Ok(cluster)
    }

    /// This node's configured id.
    pub fn node_id(&self) -> &str {
        &self.inner.node_id
    }

    /// This connection's instance id (`<node_id>-<random>`), as presence keys name it.
    pub fn instance(&self) -> &str {
        &self.inner.instance
    }

    /// Reading at most `limit` messages, in batches the subscription can hold.
    fn read_bounds(&self, limit: usize) -> store::ReadBounds {
        let capacity = self.inner.config.subscription_capacity_messages;
        // One slot stays free for the status message that ends a fetch.
        let batch = store::READ_BATCH_MESSAGES_MAX.min(capacity.saturating_sub(1)).max(1);
        store::ReadBounds { limit, batch }
    }

    /// The namespace stream serving `key`'s channel.
    fn namespace_stream(&self, key: &crate::hub::ChannelKey) -> Result<&NamespaceStream, ClusterError> {
        let namespace = names::namespace_of(key)?;
        self.inner
            .streams
            .get(namespace)
            .ok_or_else(|| ClusterError::UnknownNamespace { namespace: namespace.chars().take(64).collect() })
    }

    /// Leaves the cluster cleanly: this node's members and liveness are removed now rather
    /// than when they expire. Pending publishes are flushed.
    pub async fn shutdown(&self) -> Result<(), ClusterError> {
        self.remove_all_members().await?;
        self.inner.client.flush().await.map_err(ClusterError::nats("flush"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn epochs_are_random_and_empty_epochs_deterministic() {
        assert_ne!(new_epoch(), new_epoch());
        assert_eq!(new_epoch().len(), 16);
        assert_eq!(empty_epoch("s", 7, "ab"), empty_epoch("s", 7, "ab"));
        assert_ne!(empty_epoch("s", 7, "ab"), empty_epoch("s", 8, "ab"));
        assert_ne!(empty_epoch("s", 7, "ab"), empty_epoch("s", 7, "ac"));
    }

    #[test]
    fn streams_follow_the_namespace() {
        let names = Names::new("tw").unwrap();
        let config = ClusterConfig::new("nats://127.0.0.1:4222", "a", "tw", Namespaces::default());
        let mut support = Namespace::new("support");
        support.history_size = 500;
        support.history_ttl_seconds = 7 * 24 * 3600;
        support.persistent = true;
        let config_support = stream_config(&names, &support, &config);
        assert_eq!(config_support.name, "tw_rt_support");
        assert_eq!(config_support.subjects, vec!["tw.pub.support.*".to_owned()]);
        assert_eq!(config_support.max_messages_per_subject, 500);
        assert_eq!(config_support.storage, stream::StorageType::File);
        assert_eq!(config_support.duplicate_window, Duration::from_secs(10));
        let mut live = Namespace::new("live");
        live.history_size = 0;
        live.history_ttl_seconds = 0;
        let config_live = stream_config(&names, &live, &config);
        assert_eq!(config_live.max_messages_per_subject, 1);
        assert_eq!(config_live.max_age, NO_HISTORY_POSITION_TTL);
        assert_eq!(config_live.storage, stream::StorageType::Memory);
    }
}
