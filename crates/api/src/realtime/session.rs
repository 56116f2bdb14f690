//! One `/v1/realtime` WebSocket connection, from `connect` to close.
//!
//! A session is one task. It waits for `connect` ([`CONNECT_TIMEOUT`]), verifies the token
//! and registers with the hub, then serves three things in one loop: frames the hub queued
//! for it (written in batches, each frame exactly as the hub serialised it), commands from
//! the client (answered on the same socket, so an `ack` always precedes what the command
//! caused), and the token's expiry (close 4002 unless a `refresh` came first).
//!
//! Every failure a client can cause is an `error` frame with a code; those that end the
//! session also close the socket with a documented close code. A session that stops
//! reading is evicted by the hub when its queue fills (4008) and the writer gives up after
//! [`WRITE_TIMEOUT`], so it never holds more than its queue.

use std::collections::HashSet;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::time::{Instant, sleep_until, timeout};

use tradewind_realtime::cluster::ClusterError;
use tradewind_realtime::grants::{MerchantId, Permissions, Right};
use tradewind_realtime::hub::{
    ChannelKey as HubKey, ClientInfo, CloseReason, ConnectionId, ConnectionReceiver, Frame, HubError, Member,
    RecoverFrom, StoredPublication,
};
use tradewind_realtime::namespace::{ChannelName, Namespace};
use tradewind_realtime::protocol::{
    ClientCommand, CloseCode, ErrorCode, FrameError, PROTOCOL_VERSION, ServerFrame, is_supported_protocol,
    parse_client_frame,
};
use tradewind_realtime::token::{self, Claims, TokenError};

use super::engine::{Engine, EngineError, SessionMember};
use super::{BAD_FRAMES_MAX, CONNECT_TIMEOUT, WRITE_TIMEOUT, hub_key};
use crate::state::AppState;

/// Frames written per flush when the hub has queued many.
const WRITE_BATCH_FRAMES: usize = 64;

type Sink = SplitSink<WebSocket, Message>;

/// A command's failure: the code and message of its `error` frame, and the close code
/// when the session cannot go on.
#[derive(Debug)]
struct Failure {
    code: ErrorCode,
    message: String,
    close: Option<CloseCode>,
}

impl Failure {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), close: None }
    }

    fn closing(code: ErrorCode, message: impl Into<String>, close: CloseCode) -> Self {
        Self { code, message: message.into(), close: Some(close) }
    }
}

fn hub_failure(error: HubError) -> Failure {
    let code = match &error {
        HubError::ConnectionLimit { .. } | HubError::MerchantConnectionLimit { .. } => {
            return Failure::closing(ErrorCode::LimitExceeded, error.to_string(), CloseCode::TooManyConnections);
        }
        HubError::UnknownConnection(_) => {
            return Failure::closing(ErrorCode::Internal, error.to_string(), CloseCode::GoingAway);
        }
        HubError::SubscriptionLimit { .. } | HubError::TooManyMetadataEntries { .. } => ErrorCode::LimitExceeded,
        HubError::MemberCap { .. } => ErrorCode::MemberCapReached,
        HubError::RateLimited => ErrorCode::RateLimited,
        HubError::RevisionMismatch { .. } => ErrorCode::RevisionMismatch,
        HubError::FrameTooLarge { .. } => ErrorCode::FrameTooLarge,
        HubError::MerchantMismatch | HubError::PresenceDisabled => ErrorCode::PermissionDenied,
        HubError::NotSubscribed => ErrorCode::NotSubscribed,
    };
    Failure::new(code, error.to_string())
}

fn cluster_failure(error: ClusterError) -> Failure {
    let code = match &error {
        ClusterError::UnknownNamespace { .. } => ErrorCode::ChannelNotFound,
        ClusterError::FrameTooLarge { .. } => ErrorCode::FrameTooLarge,
        ClusterError::RevisionMismatch { .. } => ErrorCode::RevisionMismatch,
        ClusterError::TooManyMetadataEntries { .. } => ErrorCode::LimitExceeded,
        ClusterError::PresenceDisabled => ErrorCode::PermissionDenied,
        ClusterError::InvalidConfig(_)
        | ClusterError::Connect(_)
        | ClusterError::Unavailable(_)
        | ClusterError::Contended { .. }
        | ClusterError::InvalidClientId(_)
        | ClusterError::Corrupt(_) => {
            tracing::error!(%error, "realtime cluster failed");
            return Failure::new(ErrorCode::Internal, "the realtime cluster is unavailable; retry later");
        }
    };
    Failure::new(code, error.to_string())
}

fn engine_failure(error: EngineError) -> Failure {
    match error {
        EngineError::Hub(error) => hub_failure(error),
        EngineError::Cluster(error) => cluster_failure(error),
    }
}

fn store_failure(error: &tradewind_storage::StoreError) -> Failure {
    tracing::error!(%error, "realtime history store failed");
    Failure::new(ErrorCode::Internal, "the history store failed; retry later")
}

fn text(frame: &ServerFrame) -> String {
    // Serialising these frames cannot fail (string keys, no maps with other keys).
    frame.to_text().unwrap_or_default()
}

/// How a batch of queued frames fared.
enum Written {
    Done,
    /// The peer is gone or too slow: end without a close frame.
    Failed,
    /// The hub let go of the connection while the write was blocked.
    Released(CloseReason),
}

fn close_code(reason: Option<CloseReason>) -> CloseCode {
    match reason {
        Some(CloseReason::SlowConsumer) => CloseCode::SlowConsumer,
        Some(CloseReason::Normal) => CloseCode::Normal,
        Some(CloseReason::Gone) | None => CloseCode::GoingAway,
    }
}

/// The socket's writing half, every write bounded by [`WRITE_TIMEOUT`].
struct Writer {
    sink: Sink,
}

impl Writer {
    /// Sends one text message; `false` when the peer is gone or too slow.
    async fn send(&mut self, message: String) -> bool {
        matches!(timeout(WRITE_TIMEOUT, self.sink.send(Message::Text(message.into()))).await, Ok(Ok(())))
    }

    /// Writes `first` and whatever else is queued now (up to a batch), then flushes once.
    /// A write still blocked when the hub lets go of the connection (a reader too slow) is
    /// abandoned, so the close can follow at once.
    async fn send_queued(&mut self, first: Frame, receiver: &mut ConnectionReceiver) -> Written {
        let mut batch = Vec::with_capacity(WRITE_BATCH_FRAMES);
        batch.push(first);
        while batch.len() < WRITE_BATCH_FRAMES {
            let Some(frame) = receiver.try_recv() else { break };
            batch.push(frame);
        }
        let sink = &mut self.sink;
        let write = async move {
            for frame in batch {
                sink.feed(Message::Text(Utf8Bytes::from(&*frame))).await?;
            }
            sink.flush().await
        };
        tokio::pin!(write);
        // Almost every write completes at once (the socket has room): it is polled once
        // first, and only a write left waiting arms the timer and the close watch (each
        // a registration per write, paid ten thousand times per broadcast to a big room).
        if let std::task::Poll::Ready(written) = futures::poll!(&mut write) {
            return if written.is_ok() { Written::Done } else { Written::Failed };
        }
        tokio::select! {
            written = timeout(WRITE_TIMEOUT, write) => match written {
                Ok(Ok(())) => Written::Done,
                _ => Written::Failed,
            },
            reason = receiver.released() => Written::Released(reason),
        }
    }

    async fn close(&mut self, code: CloseCode) {
        let frame = CloseFrame { code: code.number(), reason: Utf8Bytes::from_static(code.reason()) };
        let _ = timeout(WRITE_TIMEOUT, self.sink.send(Message::Close(Some(frame)))).await;
    }

    /// An `error` frame, then the close when the failure ends the session; `false` when
    /// the session ends.
    async fn fail(&mut self, id: Option<u64>, failure: Failure) -> bool {
        let sent = self.send(text(&ServerFrame::error(id, failure.code, failure.message))).await;
        match failure.close {
            Some(code) => {
                self.close(code).await;
                false
            }
            None => sent,
        }
    }
}

/// The hub registration of a session, released however the session ends.
struct Registration {
    state: AppState,
    id: ConnectionId,
}

impl Drop for Registration {
    fn drop(&mut self) {
        // Already gone when the hub evicted the connection; nothing else can fail here.
        let _ = self.state.realtime.hub.disconnect(self.id);
    }
}

/// Counts unparseable frames; too many end the session.
struct BadFrames(u32);

impl BadFrames {
    /// The failure for one bad frame, closing once there were too many.
    fn failure(&mut self, error: &FrameError) -> Failure {
        if let Some(close) = error.close_code() {
            return Failure::closing(error.code(), error.to_string(), close);
        }
        self.0 += 1;
        if self.0 >= BAD_FRAMES_MAX {
            return Failure::closing(error.code(), error.to_string(), CloseCode::BadFrames);
        }
        Failure::new(error.code(), error.to_string())
    }
}

/// Runs one session to its end.
pub async fn run(state: AppState, socket: WebSocket) {
    let (sink, source) = socket.split();
    // The read half is polled only when its waker fired: the loop below wakes once per
    // queued frame, and each poll of a WebSocket read attempt clears a read buffer (4 KiB
    // of memset per delivery, profiled). `SelectAll` over one stream keeps a waker per
    // stream and polls it again only after that waker fired or an item came.
    let mut source = futures::stream::select_all([source]);
    let mut writer = Writer { sink };
    let mut bad_frames = BadFrames(0);
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    let connected = loop {
        let message = match timeout(deadline.saturating_duration_since(Instant::now()), source.next()).await {
            Err(_) => {
                writer.close(CloseCode::ConnectTimeout).await;
                return;
            }
            Ok(None | Some(Err(_))) => return,
            Ok(Some(Ok(message))) => message,
        };
        let text = match message {
            Message::Text(text) => text,
            Message::Close(_) => return,
            Message::Ping(_) | Message::Pong(_) => continue,
            Message::Binary(_) => {
                let failure = bad_frames.failure(&FrameError::NotAnObject);
                if !writer.fail(None, failure).await {
                    return;
                }
                continue;
            }
        };
        match connect(&state, &text, &mut bad_frames) {
            Ok(connected) => break connected,
            Err((id, failure)) => {
                if !writer.fail(id, failure).await {
                    return;
                }
            }
        }
    };
    let Connected { claims, permissions, mut receiver } = connected;
    let registration = Registration { state: state.clone(), id: receiver.id() };
    let client_id = state.realtime.hub.client_id(receiver.id());
    let who = SessionMember {
        client: client_id.clone(),
        member: Member { user_id: claims.sub.to_string(), name: claims.name.clone() },
    };
    let hello = ServerFrame::Connected {
        client_id,
        user: claims.sub.clone(),
        name: claims.name.clone(),
        expires_at: claims.exp,
        protocol_version: PROTOCOL_VERSION.to_owned(),
    };
    if !writer.send(text(&hello)).await {
        return;
    }
    let expiry = sleep_until(expiry_instant(&state, claims.exp));
    tokio::pin!(expiry);
    let mut session =
        Session { state: state.clone(), id: registration.id, who, claims, permissions, subscriptions: HashSet::new() };
    loop {
        tokio::select! {
            biased;
            frame = receiver.recv() => {
                let Some(frame) = frame else {
                    writer.close(close_code(receiver.close_reason())).await;
                    return;
                };
                if receiver.close_reason() == Some(CloseReason::SlowConsumer) {
                    // Evicted: what is still queued would only delay the close.
                    writer.close(CloseCode::SlowConsumer).await;
                    return;
                }
                match writer.send_queued(frame, &mut receiver).await {
                    Written::Done => {}
                    Written::Failed => return,
                    Written::Released(reason) => {
                        writer.close(close_code(Some(reason))).await;
                        return;
                    }
                }
            }
            message = source.next() => {
                let text = match message {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Binary(_))) => {
                        if !writer.fail(None, bad_frames.failure(&FrameError::NotAnObject)).await {
                            return;
                        }
                        continue;
                    }
                    Some(Ok(Message::Text(text))) => text,
                };
                let frame = match parse_client_frame(&text) {
                    Ok(frame) => frame,
                    Err(error) => {
                        if !writer.fail(id_of(&error, &text), bad_frames.failure(&error)).await {
                            return;
                        }
                        continue;
                    }
                };
                let id = frame.id;
                match session.command(frame.command).await {
                    Ok(Reply::Ack(result)) => {
                        if let Some(id) = id && !writer.send(ack(id, result)).await {
                            return;
                        }
                    }
                    Ok(Reply::Pong) => {
                        if !writer.send(text_of_pong(id)).await {
                            return;
                        }
                    }
                    Ok(Reply::Refreshed(expires_at)) => {
                        expiry.as_mut().reset(expiry_instant(&state, expires_at));
                        if let Some(id) = id
                            && !writer.send(ack(id, Some(json!({"kind": "refreshed", "expires_at": expires_at}).to_string()))).await
                        {
                            return;
                        }
                    }
                    Err(failure) => {
                        if !writer.fail(id, failure).await {
                            return;
                        }
                    }
                }
            }
            () = &mut expiry => {
                let failure = Failure::closing(ErrorCode::TokenExpired, "the token expired; connect with a new one", CloseCode::TokenExpired);
                writer.fail(None, failure).await;
                return;
            }
        }
    }
}

/// The id of a frame that is JSON but not a valid command, so its error can name it.
fn id_of(error: &FrameError, text: &str) -> Option<u64> {
    match error {
        FrameError::InvalidField { .. } | FrameError::UnknownType(_) | FrameError::MissingType => {
            serde_json::from_str::<Value>(text).ok()?.get("id")?.as_u64()
        }
        _ => None,
    }
}

fn text_of_pong(id: Option<u64>) -> String {
    text(&ServerFrame::Pong { id })
}

/// An `ack` with a result written as raw JSON (publications go in exactly as stored).
fn ack(id: u64, result: Option<String>) -> String {
    match result {
        Some(result) => format!(r#"{{"type":"ack","id":{id},"result":{result}}}"#),
        None => format!(r#"{{"type":"ack","id":{id}}}"#),
    }
}

/// When a token expiring at `expires_at` (unix seconds, on the server's clock) runs out.
fn expiry_instant(state: &AppState, expires_at: i64) -> Instant {
    let left = u64::try_from(expires_at.saturating_sub(state.clock.now())).unwrap_or(0);
    Instant::now() + Duration::from_secs(left)
}

struct Connected {
    claims: Claims,
    permissions: Permissions,
    receiver: ConnectionReceiver,
}

/// Handles a frame that came before a successful `connect`.
fn connect(state: &AppState, text: &str, bad_frames: &mut BadFrames) -> Result<Connected, (Option<u64>, Failure)> {
    let frame = parse_client_frame(text).map_err(|error| (None, bad_frames.failure(&error)))?;
    let id = frame.id;
    let ClientCommand::Connect(command) = frame.command else {
        return Err((id, Failure::new(ErrorCode::NotConnected, "send `connect` first")));
    };
    if !is_supported_protocol(&command.protocol_version) {
        let message = format!("this server speaks {PROTOCOL_VERSION}");
        return Err((id, Failure::closing(ErrorCode::UnsupportedProtocol, message, CloseCode::UnsupportedProtocol)));
    }
    let realtime = &state.realtime;
    let claims = token::verify(&realtime.token_key, &command.token, state.clock.now())
        .map_err(|error| (id, token_failure(&error)))?;
    let permissions = claims
        .permissions()
        .map_err(|error| (id, Failure::closing(ErrorCode::TokenInvalid, error.to_string(), CloseCode::TokenInvalid)))?;
    let client = ClientInfo { user_id: claims.sub.to_string(), name: claims.name.clone() };
    let receiver = realtime.hub.connect(claims.mer.as_str(), client).map_err(|error| (id, hub_failure(error)))?;
    Ok(Connected { claims, permissions, receiver })
}

fn token_failure(error: &TokenError) -> Failure {
    Failure::closing(error.code(), error.to_string(), error.close_code())
}

/// A command's answer.
enum Reply {
    /// An `ack` with this result (raw JSON), sent when the command had an id.
    Ack(Option<String>),
    Pong,
    /// The token was replaced; it now expires at this time.
    Refreshed(i64),
}

/// A connected session's state.
struct Session {
    state: AppState,
    id: ConnectionId,
    /// The client id and member other sessions see.
    who: SessionMember,
    claims: Claims,
    permissions: Permissions,
    subscriptions: HashSet<ChannelName>,
}

impl Drop for Session {
    /// On a cluster, the session leaves its channels on every node (the hub registration
    /// only covers this node).
    fn drop(&mut self) {
        let Engine::Cluster(engine) = &self.state.realtime.engine else { return };
        let merchant = self.permissions.merchant().as_str().to_owned();
        let namespaces = &self.state.realtime.namespaces;
        let channels = self
            .subscriptions
            .drain()
            .filter_map(|channel| {
                let namespace = namespaces.get(channel.namespace())?.clone();
                Some((hub_key(&merchant, channel.as_str()), namespace))
            })
            .collect();
        engine.disconnect(self.id, self.who.clone(), channels);
    }
}

fn publications_json(publications: &[StoredPublication]) -> String {
    let mut out = String::from("[");
    for (index, publication) in publications.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(&publication.frame);
    }
    out.push(']');
    out
}

impl Session {
    fn merchant(&self) -> &MerchantId {
        self.permissions.merchant()
    }

    fn now_ms(&self) -> u64 {
        self.state.clock.now_ms()
    }

    /// The channel's namespace and hub key, after checking `right` on it.
    fn authorize(&self, channel: &ChannelName, right: Right) -> Result<(Namespace, HubKey), Failure> {
        let namespace = self.state.realtime.namespaces.get(channel.namespace()).cloned().ok_or_else(|| {
            Failure::new(
                ErrorCode::ChannelNotFound,
                format!("the namespace `{}` is not configured", channel.namespace()),
            )
        })?;
        let key = self.permissions.key(channel.clone());
        self.permissions.check(&key, right).map_err(|error| Failure::new(error.code(), error.to_string()))?;
        Ok((namespace, hub_key(self.merchant().as_str(), channel.as_str())))
    }

    async fn ensure_loaded(&self, key: &HubKey, namespace: &Namespace) -> Result<(), Failure> {
        let realtime = &self.state.realtime;
        realtime
            .persist
            .ensure_loaded(&realtime.hub, key, namespace, self.now_ms())
            .await
            .map_err(|e| store_failure(&e))
    }

    /// Leaves one channel (already removed from `subscriptions`).
    async fn leave(&self, channel: &ChannelName, key: &HubKey) -> Result<(), Failure> {
        match &self.state.realtime.engine {
            Engine::Local => self.state.realtime.hub.unsubscribe(self.id, key).map_err(hub_failure),
            Engine::Cluster(engine) => {
                let Some(namespace) = self.state.realtime.namespaces.get(channel.namespace()) else {
                    return self.state.realtime.hub.unsubscribe(self.id, key).map_err(hub_failure);
                };
                engine.unsubscribe(self.id, &self.who, key, namespace).await.map_err(engine_failure)
            }
        }
    }

    async fn command(&mut self, command: ClientCommand) -> Result<Reply, Failure> {
        let hub = self.state.realtime.hub.clone();
        match command {
            ClientCommand::Connect(_) => Err(Failure::new(ErrorCode::BadRequest, "already connected")),
            ClientCommand::Ping => Ok(Reply::Pong),
            ClientCommand::Subscribe(command) => {
                let (namespace, key) = self.authorize(&command.channel, Right::Subscribe)?;
                if self.subscriptions.contains(&command.channel) {
                    return Err(Failure::new(ErrorCode::AlreadySubscribed, "already subscribed to this channel"));
                }
                let recover =
                    command.recover.map(|position| RecoverFrom { offset: position.offset, epoch: position.epoch });
                let (offset, epoch, recovery) = match &self.state.realtime.engine {
                    Engine::Local => {
                        self.ensure_loaded(&key, &namespace).await?;
                        let subscribed =
                            hub.subscribe(self.id, &key, recover.as_ref(), self.now_ms()).map_err(hub_failure)?;
                        (subscribed.offset, subscribed.epoch, subscribed.recovery)
                    }
                    Engine::Cluster(engine) => {
                        let subscription = engine
                            .subscribe(self.id, &self.who, &key, &namespace, recover.as_ref(), self.now_ms())
                            .await
                            .map_err(engine_failure)?;
                        (subscription.offset, subscription.epoch, subscription.recovery)
                    }
                };
                self.subscriptions.insert(command.channel);
                let (recovered, publications) = match &recovery {
                    Some(recovery) => (recovery.recovered, publications_json(&recovery.publications)),
                    None => (false, "[]".to_owned()),
                };
                let head = json!({"kind": "subscribed", "offset": offset, "epoch": epoch, "recovered": recovered});
                Ok(Reply::Ack(Some(with_publications(&head, &publications))))
            }
            ClientCommand::Unsubscribe(command) => {
                let key = hub_key(self.merchant().as_str(), command.channel.as_str());
                if self.subscriptions.remove(&command.channel) {
                    self.leave(&command.channel, &key).await?;
                }
                Ok(Reply::Ack(None))
            }
            ClientCommand::Publish(command) => {
                let (namespace, key) = self.authorize(&command.channel, Right::Publish)?;
                if !namespace.client_publish {
                    let message = format!("clients may not publish in the namespace `{}`", namespace.name);
                    return Err(Failure::new(ErrorCode::PermissionDenied, message));
                }
                let now_ms = self.now_ms();
                if let Engine::Cluster(engine) = &self.state.realtime.engine {
                    let publication =
                        engine.publish(self.id, &key, &command.data, now_ms).await.map_err(engine_failure)?;
                    return Ok(Reply::Ack(Some(
                        json!({"kind": "published", "offset": publication.offset, "epoch": publication.epoch})
                            .to_string(),
                    )));
                }
                self.ensure_loaded(&key, &namespace).await?;
                let published = hub.publish(self.id, &key, &command.data, now_ms).map_err(hub_failure)?;
                let realtime = &self.state.realtime;
                realtime.persist.append(&key, &namespace, &published, now_ms).await.map_err(|e| store_failure(&e))?;
                let publication = &published.publication;
                Ok(Reply::Ack(Some(
                    json!({"kind": "published", "offset": publication.offset, "epoch": publication.epoch}).to_string(),
                )))
            }
            ClientCommand::History(command) => {
                let (namespace, key) = self.authorize(&command.channel, Right::History)?;
                if !namespace.has_history() {
                    let message = format!("the namespace `{}` keeps no history", namespace.name);
                    return Err(Failure::new(ErrorCode::HistoryUnavailable, message));
                }
                let limit = command.limit.map_or(usize::MAX, |limit| usize::try_from(limit).unwrap_or(usize::MAX));
                if let Engine::Cluster(engine) = &self.state.realtime.engine {
                    let history = engine
                        .history(&key, &namespace, command.since_offset, limit, self.now_ms())
                        .await
                        .map_err(cluster_failure)?;
                    let head = json!({"kind": "history", "epoch": history.epoch, "offset": history.offset});
                    return Ok(Reply::Ack(Some(with_publications(&head, &publications_json(&history.publications)))));
                }
                self.ensure_loaded(&key, &namespace).await?;
                let history = hub.history(&key, self.now_ms());
                let selected: Vec<StoredPublication> = match command.since_offset {
                    Some(since) => history.publications.into_iter().filter(|p| p.offset > since).take(limit).collect(),
                    None => {
                        let skip = history.publications.len().saturating_sub(limit);
                        history.publications.into_iter().skip(skip).collect()
                    }
                };
                let head = json!({"kind": "history", "epoch": history.epoch, "offset": history.offset});
                Ok(Reply::Ack(Some(with_publications(&head, &publications_json(&selected)))))
            }
            ClientCommand::Presence(command) => {
                let (namespace, key) = self.authorize(&command.channel, Right::Presence)?;
                if !namespace.presence {
                    let message = format!("the namespace `{}` has no presence", namespace.name);
                    return Err(Failure::new(ErrorCode::PermissionDenied, message));
                }
                if let Engine::Cluster(engine) = &self.state.realtime.engine {
                    let members: Vec<Value> = engine
                        .presence(&key)
                        .await
                        .map_err(cluster_failure)?
                        .into_iter()
                        .map(|present| {
                            json!({"client": present.client, "user": present.member.user_id, "name": present.member.name})
                        })
                        .collect();
                    return Ok(Reply::Ack(Some(json!({"kind": "presence", "members": members}).to_string())));
                }
                let members: Vec<Value> = hub
                    .presence(&key)
                    .map_err(hub_failure)?
                    .into_iter()
                    .map(|(client, member)| json!({"client": client.to_string(), "user": member.user_id, "name": member.name}))
                    .collect();
                Ok(Reply::Ack(Some(json!({"kind": "presence", "members": members}).to_string())))
            }
            ClientCommand::Typing(command) => {
                let (_, key) = self.authorize(&command.channel, Right::Subscribe)?;
                if !self.subscriptions.contains(&command.channel) {
                    return Err(Failure::new(ErrorCode::NotSubscribed, "subscribe to the channel first"));
                }
                match &self.state.realtime.engine {
                    Engine::Local => hub.typing(self.id, &key).map_err(hub_failure)?,
                    Engine::Cluster(engine) => engine.typing(&self.who, &key).await.map_err(cluster_failure)?,
                }
                Ok(Reply::Ack(None))
            }
            ClientCommand::MetadataGet(command) => {
                let (_, key) = self.authorize(&command.channel, Right::Subscribe)?;
                let entry = match &self.state.realtime.engine {
                    Engine::Local => hub.metadata_get(&key, &command.key),
                    Engine::Cluster(engine) => {
                        engine.metadata_get(&key, &command.key).await.map_err(cluster_failure)?
                    }
                };
                let result = match entry {
                    Some(entry) => {
                        json!({"kind": "metadata", "key": command.key, "value": entry.value, "revision": entry.revision})
                    }
                    None => json!({"kind": "metadata", "key": command.key, "revision": 0}),
                };
                Ok(Reply::Ack(Some(result.to_string())))
            }
            ClientCommand::MetadataSet(command) => {
                let (_, key) = self.authorize(&command.channel, Right::Publish)?;
                let value = command.value;
                let revision = match &self.state.realtime.engine {
                    Engine::Local => hub
                        .metadata_set(&key, &command.key, value.clone(), command.expected_revision)
                        .map_err(hub_failure)?,
                    Engine::Cluster(engine) => engine
                        .metadata_set(&key, &command.key, value.clone(), command.expected_revision)
                        .await
                        .map_err(cluster_failure)?,
                };
                let result = json!({"kind": "metadata", "key": command.key, "value": value, "revision": revision});
                Ok(Reply::Ack(Some(result.to_string())))
            }
            ClientCommand::Refresh(command) => {
                let realtime = &self.state.realtime;
                let claims = token::verify_for_merchant(
                    &realtime.token_key,
                    &command.token,
                    self.merchant(),
                    self.state.clock.now(),
                )
                .map_err(|error| Failure::new(error.code(), error.to_string()))?;
                claims
                    .ensure_refresh_of(&self.claims)
                    .map_err(|error| Failure::new(error.code(), error.to_string()))?;
                let permissions =
                    claims.permissions().map_err(|error| Failure::new(ErrorCode::TokenInvalid, error.to_string()))?;
                // Subscriptions the new grants no longer cover end now.
                let dropped: Vec<ChannelName> = self
                    .subscriptions
                    .iter()
                    .filter(|channel| {
                        permissions.check(&permissions.key((*channel).clone()), Right::Subscribe).is_err()
                    })
                    .cloned()
                    .collect();
                for channel in dropped {
                    self.subscriptions.remove(&channel);
                    let key = hub_key(self.merchant().as_str(), channel.as_str());
                    self.leave(&channel, &key).await?;
                }
                let expires_at = claims.exp;
                self.claims = claims;
                self.permissions = permissions;
                Ok(Reply::Refreshed(expires_at))
            }
        }
    }
}

/// `head` (a JSON object) with a `publications` array appended as raw JSON.
fn with_publications(head: &Value, publications: &str) -> String {
    let mut text = head.to_string();
    text.pop();
    text.push_str(r#","publications":"#);
    text.push_str(publications);
    text.push('}');
    text
}
