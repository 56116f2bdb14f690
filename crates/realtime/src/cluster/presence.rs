//! Presence across nodes: who is subscribed to a channel, on any node.
//!
//! Two KV buckets. `<prefix>_rt_presence` holds one key per member,
//! `<channel token>.<node instance>.<client>`, whose value is the member (user and name).
//! `<prefix>_rt_nodes` holds one key per live node instance and expires it after the node
//! TTL; [`Cluster::heartbeat`] rewrites it. A member is listed only while its node instance is
//! live, so a node that crashed stops showing its members one node TTL later, without anyone
//! deleting them; its member keys expire with the presence bucket's own (long) TTL, which
//! the heartbeat also refreshes for this node's members. The heartbeat therefore costs one
//! write per node per beat, not one per member.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, PoisonError};

use async_nats::jetstream::consumer::DeliverPolicy;
use async_nats::jetstream::{kv, stream::Stream};
use serde_json::{Value, json};

use super::names::{channel_token, is_valid_client_id};
use super::store;
use super::{Cluster, ClusterError};
use crate::hub::{ChannelKey, Member};

/// The KV header saying a message deletes or purges its key.
const HEADER_KV_OPERATION: &str = "KV-Operation";
/// Most members one presence read returns (the largest member cap a namespace may have).
const PRESENCE_READ_MAX: usize = crate::namespace::MEMBER_CAP_MAX as usize;
/// Most live node instances one read returns.
const NODES_READ_MAX: usize = 10_000;

/// A member of a channel, on whichever node it is connected to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Present {
    /// The node instance the client is connected to.
    pub instance: String,
    /// The client's id on that node.
    pub client: String,
    pub member: Member,
}

struct LocalMember {
    key: ChannelKey,
    client: String,
    member: Member,
    refreshed_at_ms: u64,
}

pub(super) struct PresenceState {
    members: kv::Store,
    members_stream: Stream,
    nodes: kv::Store,
    nodes_stream: Stream,
    /// This node's members by KV key, rewritten by the heartbeat before they expire.
    local: Mutex<HashMap<String, LocalMember>>,
}

impl PresenceState {
    pub(super) fn new(members: kv::Store, members_stream: Stream, nodes: kv::Store, nodes_stream: Stream) -> Self {
        Self { members, members_stream, nodes, nodes_stream, local: Mutex::new(HashMap::new()) }
    }

    fn local(&self) -> std::sync::MutexGuard<'_, HashMap<String, LocalMember>> {
        self.local.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn member_value(member: &Member) -> bytes::Bytes {
    bytes::Bytes::from(json!({"user": member.user_id, "name": member.name}).to_string())
}

fn parse_member(payload: &[u8]) -> Option<Member> {
    let value: Value = serde_json::from_slice(payload).ok()?;
    Some(Member { user_id: value.get("user")?.as_str()?.to_owned(), name: value.get("name")?.as_str()?.to_owned() })
}

/// The keys under `filter` whose last message is a value (not a delete), with their payloads.
async fn live_keys(
    cluster: &Cluster,
    stream: &Stream,
    bucket: &str,
    filter: &str,
    limit: usize,
) -> Result<Vec<(String, bytes::Bytes)>, ClusterError> {
    let subject_prefix = format!("$KV.{bucket}.");
    let messages = store::read(
        stream,
        &format!("{subject_prefix}{filter}"),
        DeliverPolicy::LastPerSubject,
        cluster.read_bounds(limit),
    )
    .await?;
    Ok(messages
        .into_iter()
        .filter(|message| message.headers.as_ref().and_then(|headers| headers.get(HEADER_KV_OPERATION)).is_none())
        .filter_map(|message| {
            let key = message.subject.strip_prefix(&subject_prefix)?.to_owned();
            Some((key, message.payload))
        })
        .collect())
}

impl Cluster {
    fn member_key(&self, key: &ChannelKey, client: &str) -> Result<String, ClusterError> {
        if !is_valid_client_id(client) {
            return Err(ClusterError::InvalidClientId(client.chars().take(64).collect()));
        }
        Ok(format!("{}.{}.{client}", channel_token(key), self.inner.instance))
    }

    /// Marks this node instance live for another node TTL.
    pub(super) async fn register_node(&self) -> Result<(), ClusterError> {
        let value = bytes::Bytes::from(json!({"node": self.inner.node_id}).to_string());
        self.inner.presence.nodes.put(&self.inner.instance, value).await.map_err(ClusterError::nats("heartbeat"))?;
        Ok(())
    }

    /// Adds a client of this node to the channel's members on every node.
    pub async fn presence_add(
        &self,
        key: &ChannelKey,
        client: &str,
        member: &Member,
        now_ms: u64,
    ) -> Result<(), ClusterError> {
        let kv_key = self.member_key(key, client)?;
        self.inner
            .presence
            .members
            .put(&kv_key, member_value(member))
            .await
            .map_err(ClusterError::nats("add a member"))?;
        let local = LocalMember {
            key: key.clone(),
            client: client.to_owned(),
            member: member.clone(),
            refreshed_at_ms: now_ms,
        };
        self.inner.presence.local().insert(kv_key, local);
        Ok(())
    }

    /// Removes a client of this node from the channel's members.
    pub async fn presence_remove(&self, key: &ChannelKey, client: &str) -> Result<(), ClusterError> {
        let kv_key = self.member_key(key, client)?;
        self.inner.presence.local().remove(&kv_key);
        self.inner.presence.members.delete(&kv_key).await.map_err(ClusterError::nats("remove a member"))
    }

    /// Everyone in the channel on live nodes, ordered by node instance and client.
    pub async fn presence(&self, key: &ChannelKey) -> Result<Vec<Present>, ClusterError> {
        let names = &self.inner.names;
        let presence = &self.inner.presence;
        let mut live: BTreeSet<String> =
            live_keys(self, &presence.nodes_stream, &names.nodes_bucket(), ">", NODES_READ_MAX)
                .await?
                .into_iter()
                .map(|(instance, _)| instance)
                .collect();
        live.insert(self.inner.instance.clone());
        let token = channel_token(key);
        let entries = live_keys(
            self,
            &presence.members_stream,
            &names.presence_bucket(),
            &format!("{token}.>"),
            PRESENCE_READ_MAX,
        )
        .await?;
        let mut present: Vec<Present> = entries
            .into_iter()
            .filter_map(|(kv_key, payload)| {
                let rest = kv_key.strip_prefix(&token)?.strip_prefix('.')?;
                let (instance, client) = rest.split_once('.')?;
                if !live.contains(instance) {
                    return None;
                }
                let member = parse_member(&payload)?;
                Some(Present { instance: instance.to_owned(), client: client.to_owned(), member })
            })
            .collect();
        present.sort_by(|a, b| (&a.instance, &a.client).cmp(&(&b.instance, &b.client)));
        Ok(present)
    }

    /// One heartbeat: keeps this node listed as live, and rewrites this node's members that
    /// were last written more than a quarter of the member TTL before `now_ms`. The caller
    /// runs it on a timer, well within the node TTL (a third of it, say). Returns how many
    /// members were rewritten.
    pub async fn heartbeat(&self, now_ms: u64) -> Result<usize, ClusterError> {
        self.register_node().await?;
        let refresh_ms = u64::try_from(self.inner.config.member_ttl.as_millis() / 4).unwrap_or(u64::MAX);
        let due: Vec<(String, Member)> = self
            .inner
            .presence
            .local()
            .iter()
            .filter(|(_, local)| local.refreshed_at_ms.saturating_add(refresh_ms) <= now_ms)
            .map(|(kv_key, local)| (kv_key.clone(), local.member.clone()))
            .collect();
        for (kv_key, member) in &due {
            self.inner
                .presence
                .members
                .put(kv_key, member_value(member))
                .await
                .map_err(ClusterError::nats("refresh a member"))?;
            if let Some(local) = self.inner.presence.local().get_mut(kv_key) {
                local.refreshed_at_ms = now_ms;
            }
        }
        Ok(due.len())
    }

    /// This node's members of a channel, by client (what the node itself added).
    pub fn local_members(&self, key: &ChannelKey) -> Vec<(String, Member)> {
        let mut members: Vec<(String, Member)> = self
            .inner
            .presence
            .local()
            .values()
            .filter(|local| &local.key == key)
            .map(|local| (local.client.clone(), local.member.clone()))
            .collect();
        members.sort_by(|a, b| a.0.cmp(&b.0));
        members
    }

    /// Removes every member of this node and its liveness.
    pub(super) async fn remove_all_members(&self) -> Result<(), ClusterError> {
        let keys: Vec<String> = self.inner.presence.local().drain().map(|(kv_key, _)| kv_key).collect();
        for kv_key in keys {
            self.inner.presence.members.delete(&kv_key).await.map_err(ClusterError::nats("remove a member"))?;
        }
        self.inner.presence.nodes.delete(&self.inner.instance).await.map_err(ClusterError::nats("leave the cluster"))
    }
}
