//! Who is in a channel: members keyed by connection, a member cap, and the threshold above
//! which join/leave events give way to periodic counts.
//!
//! Every subscriber is a member whether or not the channel publishes presence; the cap
//! applies to all of them. Whether an event is worth sending is decided on the larger of the
//! two sizes around the change (after a join, before a leave), so the join that crosses the
//! threshold and the leave that comes back under it are both counted, never announced.

use std::collections::BTreeMap;

use super::connection::ConnectionId;
use super::{ChannelKey, HubError, frame};

/// What the channel shows of a member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub user_id: String,
    pub name: String,
}

/// How a channel reports presence changes at its current size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PresenceMode {
    /// Each join and leave is sent to the other members.
    Events,
    /// The room is above its threshold: joins and leaves are silent and a periodic count is
    /// sent instead (`Hub::broadcast_presence_counts`).
    Counts,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PresenceError {
    #[error("the channel is full ({cap} members)")]
    MemberCap { cap: usize },
}

/// The members of one channel.
#[derive(Debug)]
pub struct Presence {
    members: BTreeMap<ConnectionId, Member>,
    member_cap: usize,
    threshold: usize,
}

impl Presence {
    pub fn new(member_cap: usize, threshold: usize) -> Self {
        Self { members: BTreeMap::new(), member_cap, threshold }
    }

    fn mode_at(&self, members: usize) -> PresenceMode {
        if members > self.threshold { PresenceMode::Counts } else { PresenceMode::Events }
    }

    /// The mode at the current size.
    pub fn mode(&self) -> PresenceMode {
        self.mode_at(self.members.len())
    }

    /// Adds a member; the mode says whether to announce it. Joining twice replaces the entry.
    pub fn join(&mut self, client: ConnectionId, member: Member) -> Result<PresenceMode, PresenceError> {
        if !self.members.contains_key(&client) && self.members.len() >= self.member_cap {
            return Err(PresenceError::MemberCap { cap: self.member_cap });
        }
        self.members.insert(client, member);
        Ok(self.mode())
    }

    /// Removes a member, returning it and whether to announce its leaving.
    pub fn leave(&mut self, client: ConnectionId) -> Option<(Member, PresenceMode)> {
        let mode = self.mode();
        self.members.remove(&client).map(|member| (member, mode))
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Member connections in a stable order (by connection id).
    pub fn clients(&self) -> impl Iterator<Item = ConnectionId> + '_ {
        self.members.keys().copied()
    }

    pub fn members(&self) -> impl Iterator<Item = (ConnectionId, &Member)> + '_ {
        self.members.iter().map(|(client, member)| (*client, member))
    }
}

/// Presence as the hub serves it: the who-is-here list and the periodic counts.
impl super::Hub {
    /// Who is in the channel, by connection.
    pub fn presence(&self, key: &ChannelKey) -> Result<Vec<(ConnectionId, Member)>, HubError> {
        let mut state = self.lock();
        let channel = state.channel(key);
        if !channel.options.presence {
            return Err(HubError::PresenceDisabled);
        }
        Ok(channel.presence.members().map(|(client, member)| (client, member.clone())).collect())
    }

    /// One step of the periodic presence count: every presence channel above its threshold
    /// gets a `presence_count` frame. The caller runs this on its own timer. Returns the
    /// channels counted.
    pub fn broadcast_presence_counts(&self) -> Vec<ChannelKey> {
        let mut state = self.lock();
        let mut counted: Vec<(ChannelKey, usize)> = state
            .channels
            .iter()
            .filter(|(_, channel)| channel.options.presence && channel.presence.mode() == PresenceMode::Counts)
            .map(|(key, channel)| (key.clone(), channel.presence.len()))
            .collect();
        counted.sort();
        for (key, members) in &counted {
            let frame = frame::presence_count(key, *members);
            state.fan_out(key, &frame, None);
        }
        counted.into_iter().map(|(key, _)| key).collect()
    }
}
