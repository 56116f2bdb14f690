//! The real-time messaging layer on the server: the `/v1/realtime` WebSocket sessions,
//! the namespaces channels live in, and the hub they share.
//!
//! - [`session`]: one WebSocket connection, from `connect` to close: token checks,
//!   commands, and the writer that drains the connection's bounded queue.
//! - [`namespaces`]: the configured namespaces and how each maps to hub channel options.
//! - [`persist`]: history of persistent namespaces in the database, and the seeding of a
//!   channel from it after a restart.
//!
//! The pure parts (protocol, tokens, grants, the hub itself) are the `tradewind-realtime`
//! crate; this module joins them to the HTTP server, its clock and its database.
//!
//! **Architecture Invariant:** every channel a session touches is keyed by the merchant of
//! the session's verified token; nothing a client sends names a merchant.

pub mod namespaces;
pub mod persist;
pub mod session;

use std::sync::Arc;
use std::time::Duration;

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
    /// Writes publications of persistent namespaces, and reads them back.
    pub persist: persist::Persist,
}

impl Realtime {
    pub fn new(namespaces: Namespaces, limits: HubLimits, token_key: TokenKey, persist: persist::Persist) -> Self {
        let namespaces = Arc::new(namespaces);
        let hub = Hub::new(limits, namespaces::resolver(Arc::clone(&namespaces)));
        Self { hub, namespaces, token_key, persist }
    }
}

impl Realtime {
    /// The server's realtime layer: the built-in namespaces, the default limits (with room
    /// for a 50,000-member live room on one merchant), and the token key derived from the
    /// credentials key.
    pub fn for_config(store: &tradewind_storage::Store, config: &crate::ApiConfig) -> Self {
        // The built-in namespaces are valid (a unit test checks it); an empty set would
        // only refuse every channel.
        let namespaces = namespaces::defaults().unwrap_or_default();
        let limits = HubLimits { connections_per_merchant: CONNECTIONS_PER_MERCHANT_MAX, ..HubLimits::default() };
        let token_key = TokenKey::from_array(*config.credentials_key.realtime_token_secret());
        Self::new(namespaces, limits, token_key, persist::Persist::new(store.clone()))
    }
}

/// The hub's key of a merchant's channel.
pub fn hub_key(merchant_id: &str, channel: &str) -> HubKey {
    HubKey::new(merchant_id, channel)
}
