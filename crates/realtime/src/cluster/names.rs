//! Names on the NATS side: subjects, stream names, bucket names and keys.
//!
//! Every name starts with the configured prefix (`tradewind` in production, one prefix per
//! test), so several deployments or test runs share one NATS server without meeting. A
//! channel appears in subjects and keys as a token: the lowercase hex of
//! `merchant_id \0 channel`. Channel names contain `.`, which NATS reads as a subject
//! separator; hex contains no separator, no wildcard and no character a KV key refuses, and
//! keeps two merchants' channels of the same name apart.
//!
//! | what | name |
//! |---|---|
//! | a namespace's publications (stream `<prefix>_rt_<namespace>`) | `<prefix>.pub.<namespace>.<token>` |
//! | the same, re-published by the server once stored | `<prefix>.out.<namespace>.<token>` |
//! | event frames (join, leave, typing, metadata) | `<prefix>.evt.<namespace>.<token>` |
//! | presence (bucket `<prefix>_rt_presence`) | key `<token>.<instance>.<client>` |
//! | live nodes (bucket `<prefix>_rt_nodes`) | key `<instance>` |
//! | metadata (bucket `<prefix>_rt_metadata`) | key `<token>.<hex of the entry's key>` |

use super::ClusterError;
use crate::hub::ChannelKey;

/// Longest prefix, in bytes.
pub const PREFIX_LENGTH_MAX: usize = 32;
/// Longest node id, in bytes.
pub const NODE_ID_LENGTH_MAX: usize = 64;

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// The channel's token: hex of `merchant_id \0 channel`.
pub(crate) fn channel_token(key: &ChannelKey) -> String {
    let mut bytes = Vec::with_capacity(key.merchant_id.len() + 1 + key.channel.len());
    bytes.extend_from_slice(key.merchant_id.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(key.channel.as_bytes());
    hex(&bytes)
}

/// The namespace of a channel (the part before the `:`).
pub(crate) fn namespace_of(key: &ChannelKey) -> Result<&str, ClusterError> {
    key.channel
        .split_once(':')
        .map(|(namespace, _)| namespace)
        .ok_or_else(|| ClusterError::UnknownNamespace { namespace: key.channel.chars().take(64).collect() })
}

/// True for 1 to `max` bytes of `a-z 0-9 _ -` starting with a letter, or of
/// `A-Z a-z 0-9 _ -` when `upper` is allowed.
fn is_name(text: &str, max: usize, upper: bool) -> bool {
    let starts_with_letter = text.bytes().next().is_some_and(|first| first.is_ascii_alphabetic());
    starts_with_letter
        && text.len() <= max
        && text.bytes().all(|byte| {
            byte.is_ascii_lowercase()
                || (upper && byte.is_ascii_uppercase())
                || byte.is_ascii_digit()
                || byte == b'_'
                || byte == b'-'
        })
}

/// True when `client` can be the last token of a presence key.
pub(crate) fn is_valid_client_id(client: &str) -> bool {
    !client.is_empty()
        && client.len() <= 64
        && client.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The names one cluster uses, all under one prefix.
#[derive(Clone, Debug)]
pub(crate) struct Names {
    prefix: String,
}

impl Names {
    pub(crate) fn new(prefix: &str) -> Result<Self, ClusterError> {
        if !is_name(prefix, PREFIX_LENGTH_MAX, false) {
            return Err(ClusterError::InvalidConfig(format!(
                "the prefix must be 1 to {PREFIX_LENGTH_MAX} of `a-z 0-9 _ -`, starting with a letter"
            )));
        }
        Ok(Self { prefix: prefix.to_owned() })
    }

    pub(crate) fn validate_node_id(node_id: &str) -> Result<(), ClusterError> {
        if is_name(node_id, NODE_ID_LENGTH_MAX, true) {
            Ok(())
        } else {
            Err(ClusterError::InvalidConfig(format!(
                "the node id must be 1 to {NODE_ID_LENGTH_MAX} of `A-Z a-z 0-9 _ -`, starting with a letter"
            )))
        }
    }

    pub(crate) fn stream(&self, namespace: &str) -> String {
        format!("{}_rt_{namespace}", self.prefix)
    }

    /// The subjects a namespace's stream stores.
    pub(crate) fn stream_subjects(&self, namespace: &str) -> String {
        format!("{}.pub.{namespace}.*", self.prefix)
    }

    /// Where the server re-publishes what the stream stored, by channel token.
    pub(crate) fn republish_destination(&self, namespace: &str) -> String {
        format!("{}.out.{namespace}.{{{{wildcard(1)}}}}", self.prefix)
    }

    pub(crate) fn publish_subject(&self, namespace: &str, token: &str) -> String {
        format!("{}.pub.{namespace}.{token}", self.prefix)
    }

    pub(crate) fn delivery_subject(&self, namespace: &str, token: &str) -> String {
        format!("{}.out.{namespace}.{token}", self.prefix)
    }

    pub(crate) fn event_subject(&self, namespace: &str, token: &str) -> String {
        format!("{}.evt.{namespace}.{token}", self.prefix)
    }

    pub(crate) fn presence_bucket(&self) -> String {
        format!("{}_rt_presence", self.prefix)
    }

    pub(crate) fn nodes_bucket(&self) -> String {
        format!("{}_rt_nodes", self.prefix)
    }

    pub(crate) fn metadata_bucket(&self) -> String {
        format!("{}_rt_metadata", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn tokens_are_subject_safe_and_keep_merchants_apart() {
        let a = channel_token(&ChannelKey::new("acct_1", "chat:room.1"));
        let b = channel_token(&ChannelKey::new("acct_1c", "hat:room.1"));
        assert_ne!(a, b);
        assert!(a.bytes().all(|byte| byte.is_ascii_hexdigit() && !byte.is_ascii_uppercase()));
        assert_eq!(channel_token(&ChannelKey::new("m", "a:b")), "6d00613a62");
    }

    #[test]
    fn prefixes_and_node_ids_are_checked() {
        assert!(Names::new("tradewind").is_ok());
        assert!(Names::new("Tradewind").is_err());
        assert!(Names::new("trade.wind").is_err());
        assert!(Names::new("").is_err());
        assert!(Names::validate_node_id("node-A_1").is_ok());
        assert!(Names::validate_node_id("node.1").is_err());
        assert!(Names::validate_node_id("1node").is_err());
        let names = Names::new("tw").unwrap();
        assert_eq!(names.republish_destination("chat"), "tw.out.chat.{{wildcard(1)}}");
        assert_eq!(namespace_of(&ChannelKey::new("m", "chat:x")).unwrap(), "chat");
        assert!(namespace_of(&ChannelKey::new("m", "nocolon")).is_err());
    }
}
