//! The in-process hub: channels, subscriptions, presence, fan-out and metadata.
//!
//! - `channel`: one channel's epoch, offsets and history ring; recovery.
//! - `presence`: members, the member cap and the events/counts threshold.
//! - `connection`: a connection's bounded outbound queue and close reason (4008 slow consumer).
//! - `rate_limit`: the publish token bucket.
//! - `metadata`: key/value entries with revisions and compare-and-set.
//! - `frame`: the JSON frames, each serialised once per broadcast.
//! - `bus`: the interface between hub instances, with an in-process implementation.
//!
//! Time: every operation that depends on time takes `now_ms`, unix milliseconds, from the
//! caller; the hub never reads a clock, so tests drive TTLs and rate limits directly.
//!
//! Concurrency: all state sits behind one mutex. Nothing under it waits: frames are offered
//! with `try_send`, and a connection whose queue is full is evicted instead of waited for.
//!
//! Many nodes: a hub made with [`Hub::for_node`] serves one node of a cluster
//! (`crate::cluster`). Its client ids carry the node (`conn_<node>_<n>`), so they are unique
//! across nodes; it never announces joins and leaves itself (the cluster carries them to
//! every node), and it takes publications the cluster already sequenced
//! ([`Hub::deliver`]) and event frames from other nodes ([`Hub::broadcast_frame`]).
//!
//! Architecture Invariant: a channel is addressed by [`ChannelKey`], merchant and name
//! together, so two merchants' channels of the same name never share a subscriber, history,
//! presence or metadata.

mod bus;
mod channel;
mod connection;
pub mod frame;
mod metadata;
mod presence;
mod rate_limit;

use std::collections::hash_map::Entry;
use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::Value;

pub use bus::{Bus, BusError, BusSubscription, IN_PROCESS_BUS_CAPACITY_FRAMES, InProcessBus};
pub use channel::{HistoryBounds, Publication, Recovery, StoredPublication};
pub use connection::{CloseReason, ConnectionId, ConnectionReceiver, SLOW_CONSUMER_CLOSE_CODE};
pub use frame::Frame;
pub use metadata::MetadataEntry;
pub use presence::{Member, PresenceMode};

use channel::Channel;
use connection::{Offer, Outbound, outbound_queue};
use metadata::{Metadata, MetadataError};
use presence::{Presence, PresenceError};
use rate_limit::TokenBucket;

/// Default for [`HubLimits::connections_total`].
pub const CONNECTIONS_TOTAL_MAX: usize = 100_000;
/// Default for [`HubLimits::connections_per_merchant`].
pub const CONNECTIONS_PER_MERCHANT_MAX: usize = 10_000;
/// Default for [`HubLimits::subscriptions_per_connection`].
pub const SUBSCRIPTIONS_PER_CONNECTION_MAX: usize = 64;
/// Default for [`HubLimits::outbound_queue_frames`].
pub const OUTBOUND_QUEUE_FRAMES: usize = 256;
/// Default for [`HubLimits::frame_bytes_max`].
pub const FRAME_BYTES_MAX: usize = 64 * 1024;
/// Default for [`HubLimits::metadata_entries_per_channel`].
pub const METADATA_ENTRIES_PER_CHANNEL_MAX: usize = 64;

/// A channel: a merchant's id and the channel's name within that merchant.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelKey {
    pub merchant_id: String,
    pub channel: String,
}

impl ChannelKey {
    pub fn new(merchant_id: impl Into<String>, channel: impl Into<String>) -> Self {
        Self { merchant_id: merchant_id.into(), channel: channel.into() }
    }
}

/// How a channel behaves; resolved once, when the hub first meets the channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelOptions {
    /// Publications kept for recovery; 0 keeps none.
    pub history_size: usize,
    /// How long a kept publication stays recoverable; `None` for no age bound.
    pub history_ttl_seconds: Option<u64>,
    /// Whether join/leave events, counts and the member list are published.
    pub presence: bool,
    /// Above this many members, joins and leaves are counted rather than announced.
    pub presence_threshold: usize,
    /// The most members (subscribers) the channel accepts.
    pub member_cap: usize,
    /// Publications per second one connection may make to the channel; `None` for no limit.
    pub publish_rate_per_second: Option<u32>,
}

impl Default for ChannelOptions {
    fn default() -> Self {
        Self {
            history_size: 100,
            history_ttl_seconds: Some(300),
            presence: false,
            presence_threshold: 100,
            member_cap: 10_000,
            publish_rate_per_second: Some(10),
        }
    }
}

/// Maps a channel to its options (the integrator maps namespaces here).
pub type OptionsResolver = Arc<dyn Fn(&ChannelKey) -> ChannelOptions + Send + Sync>;

/// The hub-wide limits, each a named bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubLimits {
    pub connections_total: usize,
    pub connections_per_merchant: usize,
    pub subscriptions_per_connection: usize,
    /// Capacity of each connection's outbound queue; a connection that fills it is evicted.
    pub outbound_queue_frames: usize,
    /// The largest publication frame, in bytes of JSON.
    pub frame_bytes_max: usize,
    pub metadata_entries_per_channel: usize,
}

impl Default for HubLimits {
    fn default() -> Self {
        Self {
            connections_total: CONNECTIONS_TOTAL_MAX,
            connections_per_merchant: CONNECTIONS_PER_MERCHANT_MAX,
            subscriptions_per_connection: SUBSCRIPTIONS_PER_CONNECTION_MAX,
            outbound_queue_frames: OUTBOUND_QUEUE_FRAMES,
            frame_bytes_max: FRAME_BYTES_MAX,
            metadata_entries_per_channel: METADATA_ENTRIES_PER_CHANNEL_MAX,
        }
    }
}

/// One error variant per rule the hub enforces.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HubError {
    #[error("connection limit reached ({limit})")]
    ConnectionLimit { limit: usize },
    #[error("connection limit for this merchant reached ({limit})")]
    MerchantConnectionLimit { limit: usize },
    #[error("subscription limit for this connection reached ({limit})")]
    SubscriptionLimit { limit: usize },
    #[error("the channel is full ({cap} members)")]
    MemberCap { cap: usize },
    #[error("rate_limited: too many publications")]
    RateLimited,
    #[error("revision_mismatch: the entry is at revision {current}")]
    RevisionMismatch { current: u64 },
    #[error("the channel already has {limit} metadata entries")]
    TooManyMetadataEntries { limit: usize },
    #[error("frame of {size_bytes} bytes exceeds {limit_bytes}")]
    FrameTooLarge { size_bytes: usize, limit_bytes: usize },
    #[error("unknown connection {0}")]
    UnknownConnection(ConnectionId),
    #[error("the channel belongs to another merchant")]
    MerchantMismatch,
    #[error("presence is not enabled on this channel")]
    PresenceDisabled,
    #[error("the connection is not subscribed to this channel")]
    NotSubscribed,
}

impl From<PresenceError> for HubError {
    fn from(error: PresenceError) -> Self {
        match error {
            PresenceError::MemberCap { cap } => HubError::MemberCap { cap },
        }
    }
}

impl From<MetadataError> for HubError {
    fn from(error: MetadataError) -> Self {
        match error {
            MetadataError::RevisionMismatch { current } => HubError::RevisionMismatch { current },
            MetadataError::TooManyEntries { limit } => HubError::TooManyMetadataEntries { limit },
        }
    }
}

/// Who a connection is, as presence shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientInfo {
    pub user_id: String,
    pub name: String,
}

/// A client's last known position, sent when it re-subscribes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoverFrom {
    pub offset: u64,
    pub epoch: String,
}

/// The result of a subscription.
#[derive(Clone, Debug)]
pub struct Subscribed {
    pub epoch: String,
    /// The channel's last offset at the moment of subscribing.
    pub offset: u64,
    /// Present when the client asked to recover.
    pub recovery: Option<Recovery>,
    pub presence_mode: PresenceMode,
}

/// The result of a publication.
#[derive(Clone, Debug)]
pub struct Published {
    pub publication: Publication,
    /// The frame as every subscriber received it.
    pub frame: Frame,
    /// Connections evicted as slow consumers during this fan-out.
    pub evicted: Vec<ConnectionId>,
}

/// A channel's recoverable history.
#[derive(Clone, Debug)]
pub struct History {
    pub epoch: String,
    pub offset: u64,
    pub publications: Vec<StoredPublication>,
}

struct ConnectionState {
    merchant_id: String,
    member: Member,
    outbound: Outbound,
    subscriptions: HashSet<ChannelKey>,
    buckets: HashMap<ChannelKey, TokenBucket>,
}

struct ChannelState {
    options: ChannelOptions,
    stream: Channel,
    presence: Presence,
    metadata: Metadata,
}

struct State {
    limits: HubLimits,
    resolver: OptionsResolver,
    /// `conn_<node>_` for a node of a cluster, `conn_` on a single node.
    client_prefix: String,
    /// Whether joins and leaves are fanned out here (a single node) or by the cluster.
    announce_presence: bool,
    epoch_seed: u64,
    epochs_issued: u64,
    connections_issued: u64,
    connections: HashMap<ConnectionId, ConnectionState>,
    connections_per_merchant: HashMap<String, usize>,
    channels: HashMap<ChannelKey, ChannelState>,
    stats: HubStats,
}

/// Counts since the hub started, and its current size, for metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HubStats {
    pub connections: usize,
    pub channels: usize,
    /// Publications sequenced.
    pub publications: u64,
    /// Frames queued to connections (a publication to 1,000 members is 1,000).
    pub deliveries: u64,
    /// Connections evicted because their queue was full.
    pub slow_consumers: u64,
}

/// The hub; cheap to clone, all clones share one state.
#[derive(Clone)]
pub struct Hub {
    state: Arc<Mutex<State>>,
}

/// SplitMix64: spreads a counter over 64 bits so consecutive epochs look unrelated.
fn mix(mut value: u64) -> u64 {
    value = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    value ^ (value >> 31)
}

fn epoch_name(seed: u64, issued: u64) -> String {
    format!("{:016x}", mix(seed ^ mix(issued)))
}

impl State {
    /// The id clients see for a connection.
    fn client_name(&self, id: ConnectionId) -> String {
        format!("{}{}", self.client_prefix, id.value())
    }

    fn new_epoch(&mut self) -> String {
        self.epochs_issued += 1;
        epoch_name(self.epoch_seed, self.epochs_issued)
    }

    /// The channel's state, created with its resolved options and a new epoch on first use.
    fn channel(&mut self, key: &ChannelKey) -> &mut ChannelState {
        match self.channels.entry(key.clone()) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                self.epochs_issued += 1;
                let epoch = epoch_name(self.epoch_seed, self.epochs_issued);
                let options = (self.resolver)(key);
                let bounds = HistoryBounds { size: options.history_size, ttl_seconds: options.history_ttl_seconds };
                entry.insert(ChannelState {
                    stream: Channel::new(epoch, bounds),
                    presence: Presence::new(options.member_cap, options.presence_threshold),
                    metadata: Metadata::default(),
                    options,
                })
            }
        }
    }

    fn connection(&mut self, id: ConnectionId) -> Result<&mut ConnectionState, HubError> {
        self.connections.get_mut(&id).ok_or(HubError::UnknownConnection(id))
    }

    /// Offers `frame` to every member of `key`, except `skip`, then evicts the slow ones.
    fn fan_out(&mut self, key: &ChannelKey, frame: &Frame, skip: Option<ConnectionId>) -> Vec<ConnectionId> {
        let mut slow = Vec::new();
        let mut gone = Vec::new();
        if let Some(channel) = self.channels.get(key) {
            for client in channel.presence.clients().filter(|client| Some(*client) != skip) {
                let Some(connection) = self.connections.get(&client) else { continue };
                match connection.outbound.offer(frame) {
                    Offer::Queued => self.stats.deliveries += 1,
                    Offer::Full => slow.push(client),
                    Offer::Gone => gone.push(client),
                }
            }
        }
        self.stats.slow_consumers += slow.len() as u64;
        let mut evicted = slow.clone();
        let mut pending: Vec<(ConnectionId, CloseReason)> = slow
            .into_iter()
            .map(|id| (id, CloseReason::SlowConsumer))
            .chain(gone.into_iter().map(|id| (id, CloseReason::Gone)))
            .collect();
        // Each removal may announce a leave, which may find more full queues; every connection
        // is removed at most once, so this ends.
        while let Some((id, reason)) = pending.pop() {
            for (next, next_reason) in self.remove_connection(id, reason) {
                if next_reason == CloseReason::SlowConsumer {
                    self.stats.slow_consumers += 1;
                    evicted.push(next);
                }
                pending.push((next, next_reason));
            }
        }
        evicted
    }

    /// Drops one member from a channel, announcing it if presence asks for events. Returns
    /// connections found slow or gone while announcing, not yet removed.
    fn leave_channel(&mut self, id: ConnectionId, key: &ChannelKey) -> Vec<(ConnectionId, CloseReason)> {
        let Some(channel) = self.channels.get_mut(key) else { return Vec::new() };
        let Some((member, mode)) = channel.presence.leave(id) else { return Vec::new() };
        if !channel.options.presence || mode == PresenceMode::Counts || !self.announce_presence {
            return Vec::new();
        }
        let frame = frame::leave(key, &format!("{}{}", self.client_prefix, id.value()), &member);
        let mut found = Vec::new();
        for client in channel.presence.clients() {
            let Some(connection) = self.connections.get(&client) else { continue };
            match connection.outbound.offer(&frame) {
                Offer::Queued => {}
                Offer::Full => found.push((client, CloseReason::SlowConsumer)),
                Offer::Gone => found.push((client, CloseReason::Gone)),
            }
        }
        found
    }

    /// Removes each pending connection, and those found slow or gone while announcing its
    /// leaves, until none is left (each connection is removed at most once, so this ends).
    fn remove_all(&mut self, mut pending: Vec<(ConnectionId, CloseReason)>) {
        while let Some((next, reason)) = pending.pop() {
            pending.extend(self.remove_connection(next, reason));
        }
    }

    /// Removes a connection from the hub and every channel.
    fn remove_connection(&mut self, id: ConnectionId, reason: CloseReason) -> Vec<(ConnectionId, CloseReason)> {
        let Some(connection) = self.connections.remove(&id) else { return Vec::new() };
        if let Some(count) = self.connections_per_merchant.get_mut(&connection.merchant_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.connections_per_merchant.remove(&connection.merchant_id);
            }
        }
        connection.outbound.close(reason);
        let mut found = Vec::new();
        for key in &connection.subscriptions {
            found.extend(self.leave_channel(id, key));
        }
        found
    }
}

impl Hub {
    /// A hub whose epochs are seeded randomly, so epochs never repeat across restarts.
    pub fn new(limits: HubLimits, resolver: OptionsResolver) -> Self {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(0);
        Self::with_epoch_seed(limits, resolver, hasher.finish())
    }

    /// A hub with a given epoch seed (tests, or a caller with its own randomness).
    pub fn with_epoch_seed(limits: HubLimits, resolver: OptionsResolver, epoch_seed: u64) -> Self {
        let state = State {
            limits,
            resolver,
            client_prefix: "conn_".to_owned(),
            announce_presence: true,
            epoch_seed,
            epochs_issued: 0,
            connections_issued: 0,
            connections: HashMap::new(),
            connections_per_merchant: HashMap::new(),
            channels: HashMap::new(),
            stats: HubStats::default(),
        };
        Self { state: Arc::new(Mutex::new(state)) }
    }

    /// A hub serving one node of a cluster: client ids are `conn_<node>_<n>`, and joins and
    /// leaves are left to the cluster. `node` is the node's id (`A-Z a-z 0-9 _ -`).
    pub fn for_node(limits: HubLimits, resolver: OptionsResolver, node: &str) -> Self {
        let hub = Self::new(limits, resolver);
        {
            let mut state = hub.lock();
            state.client_prefix = format!("conn_{node}_");
            state.announce_presence = false;
        }
        hub
    }

    /// The id clients see for a connection: `conn_<n>`, or `conn_<node>_<n>` on a node of a
    /// cluster.
    pub fn client_id(&self, id: ConnectionId) -> String {
        self.lock().client_name(id)
    }

    /// The connection a client id names, if it is one of this hub's ids (open or not).
    pub fn parse_client_id(&self, client: &str) -> Option<ConnectionId> {
        let state = self.lock();
        let number = client.strip_prefix(state.client_prefix.as_str())?;
        if number.is_empty() || !number.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        number.parse().ok().map(ConnectionId::new)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing under the lock panics by design; if something did, the state is still
        // consistent per operation, so continuing beats failing every later call.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens a connection for `merchant_id`; the receiver is the socket's queue.
    pub fn connect(&self, merchant_id: &str, client: ClientInfo) -> Result<ConnectionReceiver, HubError> {
        let mut state = self.lock();
        if state.connections.len() >= state.limits.connections_total {
            return Err(HubError::ConnectionLimit { limit: state.limits.connections_total });
        }
        let per_merchant = state.connections_per_merchant.get(merchant_id).copied().unwrap_or(0);
        if per_merchant >= state.limits.connections_per_merchant {
            return Err(HubError::MerchantConnectionLimit { limit: state.limits.connections_per_merchant });
        }
        state.connections_issued += 1;
        let id = ConnectionId::new(state.connections_issued);
        let (outbound, receiver) = outbound_queue(id, state.limits.outbound_queue_frames);
        let member = Member { user_id: client.user_id, name: client.name };
        let connection = ConnectionState {
            merchant_id: merchant_id.to_owned(),
            member,
            outbound,
            subscriptions: HashSet::new(),
            buckets: HashMap::new(),
        };
        state.connections.insert(id, connection);
        *state.connections_per_merchant.entry(merchant_id.to_owned()).or_insert(0) += 1;
        Ok(receiver)
    }

    /// Closes a connection normally: it leaves every channel (with leave events).
    pub fn disconnect(&self, id: ConnectionId) -> Result<(), HubError> {
        let mut state = self.lock();
        if !state.connections.contains_key(&id) {
            return Err(HubError::UnknownConnection(id));
        }
        let pending = state.remove_connection(id, CloseReason::Normal);
        state.remove_all(pending);
        Ok(())
    }

    /// Subscribes a connection to a channel of its own merchant, recovering from `recover`.
    ///
    /// Recovery and joining happen under one lock, so nothing published in between is
    /// missed or delivered twice.
    pub fn subscribe(
        &self,
        id: ConnectionId,
        key: &ChannelKey,
        recover: Option<&RecoverFrom>,
        now_ms: u64,
    ) -> Result<Subscribed, HubError> {
        let mut state = self.lock();
        let limit = state.limits.subscriptions_per_connection;
        let connection = state.connection(id)?;
        if connection.merchant_id != key.merchant_id {
            return Err(HubError::MerchantMismatch);
        }
        let already = connection.subscriptions.contains(key);
        if !already && connection.subscriptions.len() >= limit {
            return Err(HubError::SubscriptionLimit { limit });
        }
        let member = connection.member.clone();
        let channel = state.channel(key);
        let mode = channel.presence.join(id, member.clone())?;
        let recovery = recover.map(|from| channel.stream.recover(from.offset, &from.epoch, now_ms));
        let subscribed = Subscribed {
            epoch: channel.stream.epoch().to_owned(),
            offset: channel.stream.last_offset(),
            recovery,
            presence_mode: mode,
        };
        let announce = channel.options.presence && mode == PresenceMode::Events && !already;
        state.connection(id)?.subscriptions.insert(key.clone());
        if announce && state.announce_presence {
            let frame = frame::join(key, &state.client_name(id), &member);
            state.fan_out(key, &frame, Some(id));
        }
        Ok(subscribed)
    }

    /// Unsubscribes a connection from a channel (a leave event if presence asks for it).
    pub fn unsubscribe(&self, id: ConnectionId, key: &ChannelKey) -> Result<(), HubError> {
        let mut state = self.lock();
        if !state.connection(id)?.subscriptions.remove(key) {
            return Ok(());
        }
        state.connection(id)?.buckets.remove(key);
        let pending = state.leave_channel(id, key);
        state.remove_all(pending);
        Ok(())
    }

    /// A client's publication, subject to the channel's publish rate for that connection.
    pub fn publish(
        &self,
        id: ConnectionId,
        key: &ChannelKey,
        data: &Value,
        now_ms: u64,
    ) -> Result<Published, HubError> {
        let mut state = self.lock();
        let rate = state.channel(key).options.publish_rate_per_second;
        let connection = state.connection(id)?;
        if connection.merchant_id != key.merchant_id {
            return Err(HubError::MerchantMismatch);
        }
        if let Some(rate) = rate {
            let bucket = connection.buckets.entry(key.clone()).or_insert_with(|| TokenBucket::new(rate, now_ms));
            if !bucket.try_take(now_ms) {
                return Err(HubError::RateLimited);
            }
        }
        let member = connection.member.clone();
        Self::publish_locked(&mut state, key, data, Some(&member), now_ms)
    }

    /// The checks of [`Hub::publish`] without publishing: the merchant and the channel's
    /// publish rate for this connection (a token is taken). Returns the publishing member,
    /// for a publication the cluster sequences.
    pub fn admit_publish(&self, id: ConnectionId, key: &ChannelKey, now_ms: u64) -> Result<Member, HubError> {
        let mut state = self.lock();
        let rate = state.channel(key).options.publish_rate_per_second;
        let connection = state.connection(id)?;
        if connection.merchant_id != key.merchant_id {
            return Err(HubError::MerchantMismatch);
        }
        if let Some(rate) = rate {
            let bucket = connection.buckets.entry(key.clone()).or_insert_with(|| TokenBucket::new(rate, now_ms));
            if !bucket.try_take(now_ms) {
                return Err(HubError::RateLimited);
            }
        }
        Ok(connection.member.clone())
    }

    /// Fans out a publication another component already sequenced (the cluster): it is
    /// kept in the channel's history at `offset` of `epoch` and offered to every member.
    /// A publication that does not follow the channel's last one (another epoch, or a gap)
    /// restarts the kept history from it. Returns the connections evicted as slow.
    pub fn deliver(&self, key: &ChannelKey, offset: u64, epoch: &str, frame: &Frame, now_ms: u64) -> Vec<ConnectionId> {
        let mut state = self.lock();
        let channel = state.channel(key);
        if offset == 0 {
            return Vec::new();
        }
        if channel.stream.epoch() != epoch || channel.stream.next_offset() != offset {
            if channel.stream.epoch() == epoch && offset < channel.stream.next_offset() {
                // Already delivered.
                return Vec::new();
            }
            let bounds = channel.stream.bounds();
            channel.stream = Channel::restore(epoch.to_owned(), offset - 1, bounds, Vec::new());
        }
        channel.stream.publish(Frame::clone(frame), now_ms);
        state.fan_out(key, frame, None)
    }

    /// Offers an event frame (join, leave, typing, metadata, a count) to every member of
    /// the channel except `skip`; nothing is kept. Returns the connections evicted as slow.
    pub fn broadcast_frame(&self, key: &ChannelKey, frame: &Frame, skip: Option<ConnectionId>) -> Vec<ConnectionId> {
        self.lock().fan_out(key, frame, skip)
    }

    /// The channels whose local membership is above their presence threshold, which get
    /// periodic counts rather than join and leave events.
    pub fn counted_channels(&self) -> Vec<ChannelKey> {
        let state = self.lock();
        let mut keys: Vec<ChannelKey> = state
            .channels
            .iter()
            .filter(|(_, channel)| channel.options.presence && channel.presence.mode() == PresenceMode::Counts)
            .map(|(key, _)| key.clone())
            .collect();
        keys.sort();
        keys
    }

    /// A server-side publication (an API handler, a stock change): no rate limit.
    pub fn publish_server(&self, key: &ChannelKey, data: &Value, now_ms: u64) -> Result<Published, HubError> {
        let mut state = self.lock();
        Self::publish_locked(&mut state, key, data, None, now_ms)
    }

    fn publish_locked(
        state: &mut State,
        key: &ChannelKey,
        data: &Value,
        info: Option<&Member>,
        now_ms: u64,
    ) -> Result<Published, HubError> {
        let limit_bytes = state.limits.frame_bytes_max;
        let channel = state.channel(key);
        // The frame is built once, here, and the same `Arc` goes to history and every queue.
        let frame = frame::publication(key, channel.stream.next_offset(), channel.stream.epoch(), data, info);
        if frame.len() > limit_bytes {
            return Err(HubError::FrameTooLarge { size_bytes: frame.len(), limit_bytes });
        }
        let publication = channel.stream.publish(Frame::clone(&frame), now_ms);
        state.stats.publications += 1;
        let evicted = state.fan_out(key, &frame, None);
        Ok(Published { publication, frame, evicted })
    }

    /// Tells the channel's other members that this connection's user is typing; nothing is
    /// kept. The connection must be subscribed.
    pub fn typing(&self, id: ConnectionId, key: &ChannelKey) -> Result<(), HubError> {
        let mut state = self.lock();
        let connection = state.connection(id)?;
        if !connection.subscriptions.contains(key) {
            return Err(HubError::NotSubscribed);
        }
        let member = connection.member.clone();
        let frame = frame::typing(key, &state.client_name(id), &member);
        state.fan_out(key, &frame, Some(id));
        Ok(())
    }

    /// Whether the hub holds the channel's stream already (a persistent channel is seeded
    /// from the database before its first use).
    pub fn has_channel(&self, key: &ChannelKey) -> bool {
        self.lock().channels.contains_key(key)
    }

    /// Creates a channel from a stored position and history (oldest first), unless the hub
    /// already has it; returns whether it was created. Later publications continue from
    /// `last_offset` in `epoch`, so offsets survive a restart.
    pub fn seed_channel(
        &self,
        key: &ChannelKey,
        epoch: String,
        last_offset: u64,
        history: Vec<StoredPublication>,
    ) -> bool {
        let mut state = self.lock();
        if state.channels.contains_key(key) {
            return false;
        }
        let channel = state.channel(key);
        channel.stream = Channel::restore(epoch, last_offset, channel.stream.bounds(), history);
        true
    }

    /// The channel's recoverable history, oldest first.
    pub fn history(&self, key: &ChannelKey, now_ms: u64) -> History {
        let mut state = self.lock();
        let stream = &mut state.channel(key).stream;
        History { publications: stream.history(now_ms), epoch: stream.epoch().to_owned(), offset: stream.last_offset() }
    }

    /// Starts a new epoch on a channel; clients recovering from the old one get
    /// `recovered: false`. Returns the new epoch.
    pub fn reset_channel(&self, key: &ChannelKey) -> String {
        let mut state = self.lock();
        let epoch = state.new_epoch();
        state.channel(key).stream.reset(epoch.clone());
        epoch
    }

    /// Forgets every channel without members, metadata or kept history at `now_ms`, so
    /// channels used once do not hold memory forever; returns how many. A forgotten channel
    /// starts a new epoch when used again (a persistent one is reloaded from the database).
    pub fn sweep_idle(&self, now_ms: u64) -> usize {
        let mut state = self.lock();
        let before = state.channels.len();
        state.channels.retain(|_, channel| {
            channel.presence.len() > 0 || !channel.metadata.is_empty() || !channel.stream.keeps_nothing(now_ms)
        });
        before - state.channels.len()
    }

    /// Lets go of every connection, as on shutdown: each session closes with 1001
    /// (`going_away`), without leave events. Returns how many were open.
    pub fn close_all(&self) -> usize {
        let mut state = self.lock();
        let connections: Vec<ConnectionState> = state.connections.drain().map(|(_, connection)| connection).collect();
        state.connections_per_merchant.clear();
        for channel in state.channels.values_mut() {
            let members: Vec<ConnectionId> = channel.presence.clients().collect();
            for member in members {
                channel.presence.leave(member);
            }
        }
        let count = connections.len();
        for connection in connections {
            connection.outbound.close(CloseReason::Gone);
        }
        count
    }

    /// The hub's counters and size.
    pub fn stats(&self) -> HubStats {
        let state = self.lock();
        HubStats { connections: state.connections.len(), channels: state.channels.len(), ..state.stats }
    }

    /// How many channels the hub holds.
    pub fn channel_count(&self) -> usize {
        self.lock().channels.len()
    }

    /// How many connections are open.
    pub fn connection_count(&self) -> usize {
        self.lock().connections.len()
    }

    /// How many members a channel has.
    pub fn member_count(&self, key: &ChannelKey) -> usize {
        self.lock().channels.get(key).map_or(0, |channel| channel.presence.len())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
