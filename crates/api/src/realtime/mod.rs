//! The real-time messaging layer on the server: the `/v1/realtime` WebSocket sessions,
//! the namespaces channels live in, and the hub they share.
//!
//! - [`session`]: one WebSocket connection, from `connect` to close: token checks,
//!   commands, and the writer that drains the connection's bounded queue.
//! - [`namespaces`]: the configured namespaces and how each maps to hub channel options.
//! - [`persist`]: history of persistent namespaces in the database, and the seeding of a
//!   channel from it after a restart (single node).
//! - [`engine`]: one node, or one of many over NATS (`--nats-url`).
//!
//! The pure parts (protocol, tokens, grants, the hub itself) are the `tradewind-realtime`
//! crate; this module joins them to the HTTP server, its clock and its database.
//!
//! **Architecture Invariant:** every channel a session touches is keyed by the merchant of
//! the session's verified token; nothing a client sends names a merchant.

pub mod engine;
pub mod namespaces;
pub mod persist;
pub mod session;

use std::sync::Arc;
use std::time::Duration;

use tradewind_realtime::cluster::{Cluster, ClusterConfig, ClusterError};
use tradewind_realtime::hub::{ChannelKey as HubKey, Hub, HubLimits};
use tradewind_realtime::namespace::Namespaces;
use tradewind_realtime::token::TokenKey;

/// How long a new socket may take to send `connect`.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Frames that fail to parse before the connection is closed with `bad_frames` (4007).
pub const BAD_FRAMES_MAX: u32 = 10;
/// The longest a write to one socket may take; a peer that stops reading is dropped.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest WebSocket message the socket layer reads at all; messages over the protocol's
/// 64 KiB limit but under this get a `frame_too_large` close (4009) rather than a reset.
pub const SOCKET_MESSAGE_BYTES_MAX: usize = 1024 * 1024;
/// How often channels above their presence threshold get a `presence_count`.
pub const PRESENCE_COUNT_INTERVAL: Duration = Duration::from_secs(5);

/// Connections one merchant may hold on one server.
pub const CONNECTIONS_PER_MERCHANT_MAX: usize = 50_000;

/// The realtime layer's shared state.
pub struct Realtime {
    pub hub: Hub,
    pub namespaces: Arc<Namespaces>,
    pub token_key: TokenKey,
    /// Writes publications of persistent namespaces, and reads them back (single node).
    pub persist: persist::Persist,
    /// One node, or one of many.
    pub engine: engine::Engine,
}

/// How a server joins a cluster of nodes (`--nats-url`, `--node-id`, `--nats-prefix`).
#[derive(Clone, Debug)]
pub struct ClusterSettings {
    /// The NATS server, e.g. `nats://127.0.0.1:4222`.
    pub nats_url: String,
    /// This node's id (`A-Z a-z 0-9 _ -`, starting with a letter, at most
    /// [`NODE_ID_LENGTH_MAX`]); it appears in client ids (`conn_<node>_<n>`).
    pub node_id: String,
    /// The start of every NATS subject, stream and bucket (`a-z 0-9 _ -`); nodes of one
    /// cluster share it.
    pub prefix: String,
}

/// The longest node id: a client id `conn_<node>_<n>` stays within 64 bytes.
pub const NODE_ID_LENGTH_MAX: usize = 32;
/// The default NATS prefix.
pub const DEFAULT_NATS_PREFIX: &str = "tradewind";

impl Realtime {
    pub fn new(namespaces: Namespaces, limits: HubLimits, token_key: TokenKey, persist: persist::Persist) -> Self {
        let namespaces = Arc::new(namespaces);
        let hub = Hub::new(limits, namespaces::resolver(Arc::clone(&namespaces)));
        Self { hub, namespaces, token_key, persist, engine: engine::Engine::Local }
    }

    /// The realtime layer of one node of a cluster: connects to NATS, creates or updates
    /// the namespaces' streams and buckets, and registers the node. Fails when NATS is
    /// unreachable or refuses the configuration.
    pub async fn connect_cluster(
        store: &tradewind_storage::Store,
        config: &crate::ApiConfig,
        clock: Arc<dyn crate::state::Clock>,
        settings: &ClusterSettings,
    ) -> Result<Self, ClusterError> {
        let id_ok = settings.node_id.len() <= NODE_ID_LENGTH_MAX
            && settings.node_id.bytes().next().is_some_and(|first| first.is_ascii_alphabetic())
            && settings.node_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !id_ok {
            return Err(ClusterError::InvalidConfig(format!(
                "the node id must be 1 to {NODE_ID_LENGTH_MAX} of `A-Z a-z 0-9 _ -`, starting with a letter"
            )));
        }
        let local = Self::for_config(store, config);
        let cluster_config = ClusterConfig::new(
            settings.nats_url.clone(),
            settings.node_id.clone(),
            settings.prefix.clone(),
            (*local.namespaces).clone(),
        );
        let cluster = Cluster::connect(cluster_config).await?;
        let hub = Hub::for_node(hub_limits(), namespaces::resolver(Arc::clone(&local.namespaces)), &settings.node_id);
        let engine = engine::Engine::Cluster(engine::ClusterEngine::new(cluster, hub.clone(), clock));
        Ok(Self { hub, engine, ..local })
    }
}

fn hub_limits() -> HubLimits {
    HubLimits { connections_per_merchant: CONNECTIONS_PER_MERCHANT_MAX, ..HubLimits::default() }
}

impl Realtime {
    /// The server's realtime layer: the built-in namespaces, the default limits (with room
    /// for a 50,000-member live room on one merchant), and the token key derived from the
    /// credentials key.
    pub fn for_config(store: &tradewind_storage::Store, config: &crate::ApiConfig) -> Self {
        // The built-in namespaces are valid (a unit test checks it); an empty set would
        // only refuse every channel.
        let namespaces = namespaces::defaults().unwrap_or_default();
        let limits = hub_limits();
        let token_key = TokenKey::from_array(*config.credentials_key.realtime_token_secret());
        Self::new(namespaces, limits, token_key, persist::Persist::new(store.clone()))
    }
}

/// The hub's key of a merchant's channel.
pub fn hub_key(merchant_id: &str, channel: &str) -> HubKey {
    HubKey::new(merchant_id, channel)
}
