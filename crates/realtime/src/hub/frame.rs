//! The frames the hub sends to connections, each serialised exactly once.
//!
//! A frame is an `Arc<str>` of JSON: a broadcast builds it once and every subscriber's queue
//! gets a clone of the same `Arc`, so a room of ten thousand costs one serialisation and ten
//! thousand reference-count increments. The shapes are the wire protocol's server frames
//! (`crate::protocol::ServerFrame`); a test keeps the two in step.

use std::sync::Arc;

use serde_json::{Value, json};

use super::ChannelKey;
use super::presence::Member;

/// One serialised outbound frame, shared between every queue it was sent to.
pub type Frame = Arc<str>;

fn frame(value: &Value) -> Frame {
    Frame::from(value.to_string())
}

/// A publication; `info` names the publishing member (absent for server publications).
pub fn publication(key: &ChannelKey, offset: u64, epoch: &str, data: &Value, info: Option<&Member>) -> Frame {
    match info {
        Some(member) => frame(&json!({
            "type": "publication", "channel": key.channel, "offset": offset, "epoch": epoch, "data": data,
            "info": {"user": member.user_id, "name": member.name},
        })),
        None => frame(
            &json!({"type": "publication", "channel": key.channel, "offset": offset, "epoch": epoch, "data": data}),
        ),
    }
}

pub fn join(key: &ChannelKey, client: &str, member: &Member) -> Frame {
    frame(&json!({
        "type": "join", "channel": key.channel, "client": client,
        "user": member.user_id, "name": member.name,
    }))
}

pub fn leave(key: &ChannelKey, client: &str, member: &Member) -> Frame {
    frame(&json!({
        "type": "leave", "channel": key.channel, "client": client,
        "user": member.user_id, "name": member.name,
    }))
}

pub fn presence_count(key: &ChannelKey, members: usize) -> Frame {
    frame(&json!({"type": "presence_count", "channel": key.channel, "count": members}))
}

pub fn typing(key: &ChannelKey, client: &str, member: &Member) -> Frame {
    frame(&json!({
        "type": "typing", "channel": key.channel, "client": client,
        "user": member.user_id, "name": member.name,
    }))
}

pub fn metadata(key: &ChannelKey, entry: &str, value: &Value, revision: u64) -> Frame {
    frame(&json!({"type": "metadata", "channel": key.channel, "key": entry, "value": value, "revision": revision}))
}
