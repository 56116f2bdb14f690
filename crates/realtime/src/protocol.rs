//! The `/v1/realtime` wire protocol, version [`PROTOCOL_VERSION`]: one JSON object per
//! WebSocket text message, tagged by `"type"`.
//!
//! A client sends [`ClientFrame`]s: a command and an optional client-chosen `id`; the
//! server answers a command that has an `id` with an `ack` of that id (carrying the
//! command's result, see [`AckResult`]) or an `error` of that id. The first command
//! must be `connect`. Everything else the server sends is a [`ServerFrame`]:
//! publications, `join` / `leave`, `presence_count`, `typing`, `error`, `pong`.
//!
//! ```text
//! → {"type":"connect","id":1,"token":"eyJ…","protocol_version":"tradewind.realtime.v1"}
//! ← {"type":"connected","client_id":"…","user":"u_1","name":"Ada","expires_at":1700000600,"protocol_version":"tradewind.realtime.v1"}
//! → {"type":"subscribe","id":2,"channel":"support:ticket.42","recover":{"offset":17,"epoch":"e1"}}
//! ← {"type":"ack","id":2,"result":{"kind":"subscribed","offset":19,"epoch":"e1","recovered":true,"publications":[…]}}
//! ← {"type":"publication","channel":"support:ticket.42","offset":20,"data":{…},"info":{"user":"u_2","name":"Bo"}}
//! ```
//!
//! Failures carry an [`ErrorCode`] (a stable string and a number); failures that end
//! the connection close the WebSocket with a [`CloseCode`]. [`parse_client_frame`]
//! refuses a frame over [`CLIENT_FRAME_BYTES_MAX`] before parsing it, and a frame that
//! does not parse names the offending field ([`FrameError::InvalidField`]).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::grants::UserId;
use crate::namespace::ChannelName;

/// The protocol version a client must name on `connect`.
pub const PROTOCOL_VERSION: &str = "tradewind.realtime.v1";
/// Largest client frame accepted, in bytes; larger ones are refused unparsed and the
/// connection closed with [`CloseCode::FrameTooLarge`].
pub const CLIENT_FRAME_BYTES_MAX: usize = 64 * 1024;
/// Most publications one `history` command may ask for.
pub const HISTORY_LIMIT_MAX: u32 = 1_000;
/// Longest channel metadata key, in bytes.
pub const METADATA_KEY_LENGTH_MAX: usize = 128;

/// Whether `version` is one this server speaks.
pub fn is_supported_protocol(version: &str) -> bool {
    version == PROTOCOL_VERSION
}

/// Where a reconnecting client left a channel: the last offset it received, in the
/// epoch it received it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoverPosition {
    pub offset: u64,
    pub epoch: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectCommand {
    pub token: String,
    pub protocol_version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribeCommand {
    pub channel: ChannelName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recover: Option<RecoverPosition>,
}

/// A command naming only a channel: `unsubscribe`, `presence`, `typing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelCommand {
    pub channel: ChannelName,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishCommand {
    pub channel: ChannelName,
    pub data: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryCommand {
    pub channel: ChannelName,
    /// Publications after this offset; `None` for the newest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_offset: Option<u64>,
    /// At most this many, at most [`HISTORY_LIMIT_MAX`]; `None` for the namespace's size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataGetCommand {
    pub channel: ChannelName,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetadataSetCommand {
    pub channel: ChannelName,
    pub key: String,
    pub value: Value,
    /// Compare-and-set: the write applies only if the entry's revision is this (0 for
    /// an entry that does not exist yet); `None` writes unconditionally.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_revision: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshCommand {
    pub token: String,
}

/// What a client asks for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientCommand {
    Connect(ConnectCommand),
    Subscribe(SubscribeCommand),
    Unsubscribe(ChannelCommand),
    Publish(PublishCommand),
    History(HistoryCommand),
    Presence(ChannelCommand),
    Typing(ChannelCommand),
    MetadataGet(MetadataGetCommand),
    MetadataSet(MetadataSetCommand),
    Refresh(RefreshCommand),
    Ping,
}

/// One client message: a command and the id its `ack` or `error` will carry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientFrame {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    #[serde(flatten)]
    pub command: ClientCommand,
}

impl ClientFrame {
    /// The frame as JSON text (for clients and tests).
    pub fn to_text(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}

/// Why a client frame was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("the frame is {size} bytes; at most {CLIENT_FRAME_BYTES_MAX} are accepted")]
    TooLarge { size: usize },
    #[error("the frame is not valid JSON: {0}")]
    Syntax(String),
    #[error("the frame is not a JSON object")]
    NotAnObject,
    #[error("the frame has no `type`")]
    MissingType,
    #[error("`{0}` is not a command type")]
    UnknownType(String),
    #[error("`{field}`: {message}")]
    InvalidField { field: String, message: String },
}

impl FrameError {
    /// The error code of the `error` frame answering this.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::TooLarge { .. } => ErrorCode::FrameTooLarge,
            _ => ErrorCode::BadRequest,
        }
    }

    /// The close code, when the connection cannot go on after this.
    pub fn close_code(&self) -> Option<CloseCode> {
        match self {
            Self::TooLarge { .. } => Some(CloseCode::FrameTooLarge),
            _ => None,
        }
    }
}

/// Deserializes one command's fields, naming the offending field on failure.
fn fields<T: DeserializeOwned>(rest: Value) -> Result<T, FrameError> {
    serde_path_to_error::deserialize(rest).map_err(|error| {
        let path = error.path().to_string();
        let message = error.inner().to_string();
        // serde reports a missing field at the enclosing object, naming it only in the
        // message (`missing field `name``); put it in the path.
        let missing = message.strip_prefix("missing field `").and_then(|rest| rest.split_once('`'));
        let field = match missing {
            Some((name, _)) if path == "." => name.to_owned(),
            Some((name, _)) => format!("{path}.{name}"),
            None => path,
        };
        FrameError::InvalidField { field, message }
    })
}

fn invalid(field: &str, message: impl Into<String>) -> FrameError {
    FrameError::InvalidField { field: field.to_owned(), message: message.into() }
}

fn check_metadata_key(key: &str) -> Result<(), FrameError> {
    if key.is_empty() || key.len() > METADATA_KEY_LENGTH_MAX || key.chars().any(char::is_control) {
        return Err(invalid("key", format!("1 to {METADATA_KEY_LENGTH_MAX} bytes without control characters")));
    }
    Ok(())
}

/// Parses one client text message; refuses it unparsed when it is over
/// [`CLIENT_FRAME_BYTES_MAX`].
pub fn parse_client_frame(text: &str) -> Result<ClientFrame, FrameError> {
    if text.len() > CLIENT_FRAME_BYTES_MAX {
        return Err(FrameError::TooLarge { size: text.len() });
    }
    let value: Value = serde_json::from_str(text).map_err(|error| FrameError::Syntax(error.to_string()))?;
    let Value::Object(mut object) = value else {
        return Err(FrameError::NotAnObject);
    };
    let kind = match object.remove("type") {
        Some(Value::String(kind)) => kind,
        Some(_) => return Err(invalid("type", "must be a string")),
        None => return Err(FrameError::MissingType),
    };
    let id = match object.remove("id") {
        None | Some(Value::Null) => None,
        Some(id) => Some(id.as_u64().ok_or_else(|| invalid("id", "must be a non-negative integer"))?),
    };
    let rest = Value::Object(object);
    let command = match kind.as_str() {
        "connect" => ClientCommand::Connect(fields(rest)?),
        "subscribe" => ClientCommand::Subscribe(fields(rest)?),
        "unsubscribe" => ClientCommand::Unsubscribe(fields(rest)?),
        "publish" => ClientCommand::Publish(fields(rest)?),
        "history" => {
            let history: HistoryCommand = fields(rest)?;
            if history.limit.is_some_and(|limit| limit == 0 || limit > HISTORY_LIMIT_MAX) {
                return Err(invalid("limit", format!("must be 1 to {HISTORY_LIMIT_MAX}")));
            }
            ClientCommand::History(history)
        }
        "presence" => ClientCommand::Presence(fields(rest)?),
        "typing" => ClientCommand::Typing(fields(rest)?),
        "metadata_get" => {
            let get: MetadataGetCommand = fields(rest)?;
            check_metadata_key(&get.key)?;
            ClientCommand::MetadataGet(get)
        }
        "metadata_set" => {
            let set: MetadataSetCommand = fields(rest)?;
            check_metadata_key(&set.key)?;
            ClientCommand::MetadataSet(set)
        }
        "refresh" => ClientCommand::Refresh(fields(rest)?),
        "ping" => ClientCommand::Ping,
        other => return Err(FrameError::UnknownType(other.chars().take(32).collect())),
    };
    Ok(ClientFrame { id, command })
}

/// Who sent a publication or is present in a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientInfo {
    pub user: UserId,
    pub name: String,
}

/// One message of a channel, at its offset in the channel's epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Publication {
    pub channel: ChannelName,
    pub offset: u64,
    /// Present when the channel keeps history (offsets are only comparable within an epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<String>,
    pub data: Value,
    /// The publishing client; absent for publications made through the server API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<ClientInfo>,
}

/// The result an `ack` carries, by command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AckResult {
    /// `subscribe`: the channel's position, and the missed publications when the client
    /// asked to recover. `recovered: false` means the gap could not be filled (history
    /// too short, or a new epoch): the client must reload its state.
    Subscribed { offset: u64, epoch: String, recovered: bool, publications: Vec<Publication> },
    /// `publish`: where the publication landed.
    Published { offset: u64, epoch: String },
    /// `history`: publications, oldest first.
    History { publications: Vec<Publication>, epoch: String },
    /// `presence`: who is in the channel.
    Presence { members: Vec<ClientInfo> },
    /// `metadata_get` / `metadata_set`: the entry after the command (`value` absent
    /// for a key never set).
    Metadata {
        key: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<Value>,
        revision: u64,
    },
    /// `refresh`: the new expiry.
    Refreshed { expires_at: i64 },
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The answer to `connect`.
    Connected {
        client_id: String,
        user: UserId,
        name: String,
        expires_at: i64,
        protocol_version: String,
    },
    /// A command succeeded; `result` is absent for commands without one
    /// (`unsubscribe`, `typing`).
    Ack {
        id: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result: Option<AckResult>,
    },
    Publication(Publication),
    /// A member joined (`client` tells apart two connections of one user).
    Join {
        channel: ChannelName,
        client: String,
        user: UserId,
        name: String,
    },
    Leave {
        channel: ChannelName,
        client: String,
        user: UserId,
        name: String,
    },
    /// Sent instead of `join` / `leave` above the namespace's presence threshold.
    PresenceCount {
        channel: ChannelName,
        count: u32,
    },
    Typing {
        channel: ChannelName,
        client: String,
        user: UserId,
        name: String,
    },
    /// A channel metadata entry changed.
    Metadata {
        channel: ChannelName,
        key: String,
        value: Value,
        revision: u64,
    },
    /// A command failed (`id` is the command's), or the connection is about to close.
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        code: ErrorCode,
        number: u16,
        message: String,
    },
    Pong {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
    },
}

impl ServerFrame {
    /// An `error` frame; its `number` always matches its `code`.
    pub fn error(id: Option<u64>, code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Error { id, code, number: code.number(), message: message.into() }
    }

    /// The frame as JSON text.
    pub fn to_text(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// Parses a server frame (for clients and tests).
    pub fn from_text(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// Why a command failed: a stable string for programs and a number for logs and
/// metrics. Numbers 4000–4999 are the client's doing, 5000 and up the server's.
///
/// | code | number | meaning |
/// |---|---|---|
/// | `bad_request` | 4000 | the frame does not parse or a field is invalid |
/// | `token_invalid` | 4001 | the token is malformed, badly signed or of another merchant |
/// | `token_expired` | 4002 | the token expired; send `refresh` with a new one |
/// | `permission_denied` | 4003 | no grant gives the right on the channel, or client publishing is off |
/// | `channel_not_found` | 4004 | the channel's namespace is not configured |
/// | `unsupported_protocol` | 4005 | `connect` named a protocol version this server does not speak |
/// | `not_connected` | 4006 | a command came before `connect` succeeded |
/// | `already_subscribed` | 4007 | the client is already subscribed to the channel |
/// | `not_subscribed` | 4008 | the command needs a subscription to the channel |
/// | `frame_too_large` | 4009 | the frame is over the size limit |
/// | `limit_exceeded` | 4010 | too many subscriptions, or another bound was reached |
/// | `member_cap_reached` | 4011 | the channel has its namespace's most members |
/// | `revision_mismatch` | 4012 | `metadata_set`'s `expected_revision` is not the entry's revision |
/// | `history_unavailable` | 4013 | the namespace keeps no history |
/// | `rate_limited` | 4029 | the member published faster than its namespace allows |
/// | `internal` | 5000 | the server failed; retry later |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    TokenInvalid,
    TokenExpired,
    PermissionDenied,
    ChannelNotFound,
    UnsupportedProtocol,
    NotConnected,
    AlreadySubscribed,
    NotSubscribed,
    FrameTooLarge,
    LimitExceeded,
    MemberCapReached,
    RevisionMismatch,
    HistoryUnavailable,
    RateLimited,
    Internal,
}

impl ErrorCode {
    /// Every code, in number order.
    pub const ALL: [Self; 16] = [
        Self::BadRequest,
        Self::TokenInvalid,
        Self::TokenExpired,
        Self::PermissionDenied,
        Self::ChannelNotFound,
        Self::UnsupportedProtocol,
        Self::NotConnected,
        Self::AlreadySubscribed,
        Self::NotSubscribed,
        Self::FrameTooLarge,
        Self::LimitExceeded,
        Self::MemberCapReached,
        Self::RevisionMismatch,
        Self::HistoryUnavailable,
        Self::RateLimited,
        Self::Internal,
    ];

    /// The code's number (see the table on [`ErrorCode`]).
    pub fn number(self) -> u16 {
        match self {
            Self::BadRequest => 4000,
            Self::TokenInvalid => 4001,
            Self::TokenExpired => 4002,
            Self::PermissionDenied => 4003,
            Self::ChannelNotFound => 4004,
            Self::UnsupportedProtocol => 4005,
            Self::NotConnected => 4006,
            Self::AlreadySubscribed => 4007,
            Self::NotSubscribed => 4008,
            Self::FrameTooLarge => 4009,
            Self::LimitExceeded => 4010,
            Self::MemberCapReached => 4011,
            Self::RevisionMismatch => 4012,
            Self::HistoryUnavailable => 4013,
            Self::RateLimited => 4029,
            Self::Internal => 5000,
        }
    }

    /// The code's string, as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::TokenInvalid => "token_invalid",
            Self::TokenExpired => "token_expired",
            Self::PermissionDenied => "permission_denied",
            Self::ChannelNotFound => "channel_not_found",
            Self::UnsupportedProtocol => "unsupported_protocol",
            Self::NotConnected => "not_connected",
            Self::AlreadySubscribed => "already_subscribed",
            Self::NotSubscribed => "not_subscribed",
            Self::FrameTooLarge => "frame_too_large",
            Self::LimitExceeded => "limit_exceeded",
            Self::MemberCapReached => "member_cap_reached",
            Self::RevisionMismatch => "revision_mismatch",
            Self::HistoryUnavailable => "history_unavailable",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
        }
    }
}

/// Why the server closed the WebSocket: the close frame's code (4000–4999 are the
/// application's range in RFC 6455) and a short reason. A client reconnects after
/// any of them except `token_invalid`, `forbidden` and `unsupported_protocol`, which
/// need a new token or client first.
///
/// | code | number | meaning |
/// |---|---|---|
/// | `normal` | 1000 | the client or server ended the session |
/// | `going_away` | 1001 | the server is shutting down; reconnect elsewhere or later |
/// | `token_invalid` | 4001 | the `connect` token is invalid |
/// | `token_expired` | 4002 | the token expired and no `refresh` came in time |
/// | `forbidden` | 4003 | the token no longer allows this connection |
/// | `unsupported_protocol` | 4005 | the protocol version is not spoken here |
/// | `connect_timeout` | 4006 | no `connect` came in time after the upgrade |
/// | `bad_frames` | 4007 | too many frames failed to parse |
/// | `slow_consumer` | 4008 | the client read too slowly and its send queue filled |
/// | `frame_too_large` | 4009 | a frame was over the size limit |
/// | `too_many_connections` | 4010 | the user or merchant has the most connections allowed |
/// | `policy` | 4011 | the connection broke another policy (rate, abuse) |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseCode {
    Normal,
    GoingAway,
    TokenInvalid,
    TokenExpired,
    Forbidden,
    UnsupportedProtocol,
    ConnectTimeout,
    BadFrames,
    SlowConsumer,
    FrameTooLarge,
    TooManyConnections,
    Policy,
}

impl CloseCode {
    /// Every close code, in number order.
    pub const ALL: [Self; 12] = [
        Self::Normal,
        Self::GoingAway,
        Self::TokenInvalid,
        Self::TokenExpired,
        Self::Forbidden,
        Self::UnsupportedProtocol,
        Self::ConnectTimeout,
        Self::BadFrames,
        Self::SlowConsumer,
        Self::FrameTooLarge,
        Self::TooManyConnections,
        Self::Policy,
    ];

    /// The number in the close frame.
    pub fn number(self) -> u16 {
        match self {
            Self::Normal => 1000,
            Self::GoingAway => 1001,
            Self::TokenInvalid => 4001,
            Self::TokenExpired => 4002,
            Self::Forbidden => 4003,
            Self::UnsupportedProtocol => 4005,
            Self::ConnectTimeout => 4006,
            Self::BadFrames => 4007,
            Self::SlowConsumer => 4008,
            Self::FrameTooLarge => 4009,
            Self::TooManyConnections => 4010,
            Self::Policy => 4011,
        }
    }

    /// The reason in the close frame (short: a close reason is at most 123 bytes).
    pub fn reason(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::GoingAway => "going_away",
            Self::TokenInvalid => "token_invalid",
            Self::TokenExpired => "token_expired",
            Self::Forbidden => "forbidden",
            Self::UnsupportedProtocol => "unsupported_protocol",
            Self::ConnectTimeout => "connect_timeout",
            Self::BadFrames => "bad_frames",
            Self::SlowConsumer => "slow_consumer",
            Self::FrameTooLarge => "frame_too_large",
            Self::TooManyConnections => "too_many_connections",
            Self::Policy => "policy",
        }
    }

    /// The close code of `number`, if it is one of ours.
    pub fn from_number(number: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.number() == number)
    }
}
