//! Channel names and namespaces.
//!
//! A channel is named `namespace:name`. The namespace must be configured; it carries
//! the options every channel in it shares (history, persistence, presence, member cap,
//! client publishing, publish rate). Names are short and use a fixed character set so
//! they can appear in keys, logs and metrics without escaping:
//!
//! - namespace: 1 to [`NAMESPACE_LENGTH_MAX`] of `a-z 0-9 _ -`, starting with a letter;
//! - name: 1 to [`CHANNEL_NAME_LENGTH_MAX`] of `A-Z a-z 0-9 _ - . @ =`, `.` separating
//!   segments (a pattern may end in a `*` segment, see [`crate::grants`]).
//!
//! A channel name carries no merchant: the merchant always comes from the token, and
//! the pair is a [`crate::grants::ChannelKey`].

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest namespace, in bytes.
pub const NAMESPACE_LENGTH_MAX: usize = 32;
/// Longest channel name after the `:`, in bytes.
pub const CHANNEL_NAME_LENGTH_MAX: usize = 128;
/// Most publications one channel's history may keep.
pub const HISTORY_SIZE_MAX: u32 = 10_000;
/// Longest time a publication may stay in history: 7 days.
pub const HISTORY_TTL_SECONDS_MAX: u64 = 7 * 24 * 3600;
/// Most members one channel may be capped at.
pub const MEMBER_CAP_MAX: u32 = 100_000;
/// Highest per-member publish rate a namespace may allow.
pub const PUBLISH_RATE_PER_SECOND_MAX: u32 = 1_000;
/// Most namespaces one server may configure.
pub const NAMESPACES_MAX: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelNameError {
    #[error("a channel is named `namespace:name`; `{0}` has no `:`")]
    MissingSeparator(String),
    #[error("the namespace must be 1 to {NAMESPACE_LENGTH_MAX} of `a-z 0-9 _ -`, starting with a letter")]
    InvalidNamespace,
    #[error(
        "the channel name must be 1 to {CHANNEL_NAME_LENGTH_MAX} of `A-Z a-z 0-9 _ - . @ =`, with no empty segment"
    )]
    InvalidName,
    #[error("the namespace `{0}` is not configured")]
    UnknownNamespace(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NamespaceError {
    #[error("the namespace name must be 1 to {NAMESPACE_LENGTH_MAX} of `a-z 0-9 _ -`, starting with a letter")]
    InvalidName,
    #[error("history_size must be at most {HISTORY_SIZE_MAX}")]
    HistorySizeTooLarge,
    #[error("history_ttl_seconds must be at most {HISTORY_TTL_SECONDS_MAX}")]
    HistoryTtlTooLong,
    #[error("history needs both a size and a time to live, or neither")]
    HistoryHalfConfigured,
    #[error("persistence needs history (history_size and history_ttl_seconds above zero)")]
    PersistentWithoutHistory,
    #[error("presence_threshold needs presence on")]
    ThresholdWithoutPresence,
    #[error("member_cap must be 1 to {MEMBER_CAP_MAX}")]
    MemberCapOutOfRange,
    #[error("publish_rate_per_second must be 1 to {PUBLISH_RATE_PER_SECOND_MAX}")]
    PublishRateOutOfRange,
    #[error("the namespace `{0}` is configured twice")]
    Duplicate(String),
    #[error("at most {NAMESPACES_MAX} namespaces may be configured")]
    TooMany,
}

/// True when `namespace` is a valid namespace name.
pub(crate) fn is_valid_namespace(namespace: &str) -> bool {
    let mut bytes = namespace.bytes();
    let starts_with_letter = bytes.next().is_some_and(|first| first.is_ascii_lowercase());
    starts_with_letter
        && namespace.len() <= NAMESPACE_LENGTH_MAX
        && bytes.all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_' || byte == b'-')
}

/// True when `name` (after the `:`) is a valid channel name.
pub(crate) fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= CHANNEL_NAME_LENGTH_MAX
        && name.split('.').all(|segment| !segment.is_empty())
        && name.bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.' | b'@' | b'='))
}

/// A validated channel name, `namespace:name`, of no particular merchant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChannelName {
    /// The whole `namespace:name`.
    full: String,
    /// Where the `:` is in `full`.
    separator: usize,
}

impl ChannelName {
    /// Parses `namespace:name`, checking the syntax only (not that the namespace exists).
    pub fn parse(text: &str) -> Result<Self, ChannelNameError> {
        let Some(separator) = text.find(':') else {
            return Err(ChannelNameError::MissingSeparator(text.chars().take(64).collect()));
        };
        let (namespace, name) = (&text[..separator], &text[separator + 1..]);
        if !is_valid_namespace(namespace) {
            return Err(ChannelNameError::InvalidNamespace);
        }
        if !is_valid_name(name) {
            return Err(ChannelNameError::InvalidName);
        }
        Ok(Self { full: text.to_owned(), separator })
    }

    /// The namespace part, before the `:`.
    pub fn namespace(&self) -> &str {
        &self.full[..self.separator]
    }

    /// The name part, after the `:`.
    pub fn name(&self) -> &str {
        &self.full[self.separator + 1..]
    }

    /// The whole `namespace:name`.
    pub fn as_str(&self) -> &str {
        &self.full
    }
}

impl TryFrom<String> for ChannelName {
    type Error = ChannelNameError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<ChannelName> for String {
    fn from(channel: ChannelName) -> Self {
        channel.full
    }
}

impl fmt::Display for ChannelName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.full)
    }
}

/// The options every channel of one namespace shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    /// The part before the `:` in channel names.
    pub name: String,
    /// Publications kept per channel for history and recovery; 0 keeps none.
    pub history_size: u32,
    /// How long a publication stays in history; 0 keeps none.
    pub history_ttl_seconds: u64,
    /// Whether history survives a restart (stored, not only in memory).
    pub persistent: bool,
    /// Whether members are tracked and `join` / `leave` sent.
    pub presence: bool,
    /// Above this many members, subscribers receive `presence_count` instead of each
    /// `join` / `leave`; `None` always sends them.
    pub presence_threshold: Option<u32>,
    /// Most members one channel may have at once.
    pub member_cap: u32,
    /// Whether clients may publish (otherwise only the server API publishes).
    pub client_publish: bool,
    /// Publications per second one member may send to one channel.
    pub publish_rate_per_second: u32,
}

impl Namespace {
    /// A namespace with the defaults: 100 publications of history kept 5 minutes, in
    /// memory only, presence on (counts above 100 members), 1,000 members, client
    /// publishing off, 10 publications per second per member.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            history_size: 100,
            history_ttl_seconds: 300,
            persistent: false,
            presence: true,
            presence_threshold: Some(100),
            member_cap: 1_000,
            client_publish: false,
            publish_rate_per_second: 10,
        }
    }

    /// Whether channels of this namespace keep history (and so can recover).
    pub fn has_history(&self) -> bool {
        self.history_size > 0 && self.history_ttl_seconds > 0
    }

    /// Checks every option against its bound and the options against each other.
    pub fn validate(&self) -> Result<(), NamespaceError> {
        if !is_valid_namespace(&self.name) {
            return Err(NamespaceError::InvalidName);
        }
        if self.history_size > HISTORY_SIZE_MAX {
            return Err(NamespaceError::HistorySizeTooLarge);
        }
        if self.history_ttl_seconds > HISTORY_TTL_SECONDS_MAX {
            return Err(NamespaceError::HistoryTtlTooLong);
        }
        if (self.history_size == 0) != (self.history_ttl_seconds == 0) {
            return Err(NamespaceError::HistoryHalfConfigured);
        }
        if self.persistent && !self.has_history() {
            return Err(NamespaceError::PersistentWithoutHistory);
        }
        if self.presence_threshold.is_some() && !self.presence {
            return Err(NamespaceError::ThresholdWithoutPresence);
        }
        if self.member_cap == 0 || self.member_cap > MEMBER_CAP_MAX {
            return Err(NamespaceError::MemberCapOutOfRange);
        }
        if self.publish_rate_per_second == 0 || self.publish_rate_per_second > PUBLISH_RATE_PER_SECOND_MAX {
            return Err(NamespaceError::PublishRateOutOfRange);
        }
        Ok(())
    }
}

/// The configured namespaces, each validated, names unique.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Namespaces {
    by_name: BTreeMap<String, Namespace>,
}

impl Namespaces {
    /// Validates each namespace and refuses duplicates.
    pub fn new(namespaces: impl IntoIterator<Item = Namespace>) -> Result<Self, NamespaceError> {
        let mut by_name = BTreeMap::new();
        for namespace in namespaces {
            namespace.validate()?;
            if by_name.len() >= NAMESPACES_MAX {
                return Err(NamespaceError::TooMany);
            }
            if by_name.contains_key(&namespace.name) {
                return Err(NamespaceError::Duplicate(namespace.name));
            }
            by_name.insert(namespace.name.clone(), namespace);
        }
        Ok(Self { by_name })
    }

    /// The namespace called `name`, if configured.
    pub fn get(&self, name: &str) -> Option<&Namespace> {
        self.by_name.get(name)
    }

    /// Parses `text` as a channel name whose namespace is configured, and returns it
    /// with its namespace.
    pub fn resolve(&self, text: &str) -> Result<(ChannelName, &Namespace), ChannelNameError> {
        let channel = ChannelName::parse(text)?;
        match self.by_name.get(channel.namespace()) {
            Some(namespace) => Ok((channel, namespace)),
            None => Err(ChannelNameError::UnknownNamespace(channel.namespace().to_owned())),
        }
    }

    /// The configured namespaces, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Namespace> {
        self.by_name.values()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        let namespace = Namespace::new("support");
        assert_eq!(namespace.validate(), Ok(()));
        assert!(namespace.has_history());
        assert!(!namespace.client_publish);
    }

    /// A change to the defaults and the error it must cause.
    type Case = (fn(&mut Namespace), NamespaceError);

    #[test]
    fn each_option_is_bounded() {
        let cases: Vec<Case> = vec![
            (|n| n.name = "Support".into(), NamespaceError::InvalidName),
            (|n| n.name = String::new(), NamespaceError::InvalidName),
            (|n| n.name = "a".repeat(NAMESPACE_LENGTH_MAX + 1), NamespaceError::InvalidName),
            (|n| n.name = "with:colon".into(), NamespaceError::InvalidName),
            (|n| n.history_size = HISTORY_SIZE_MAX + 1, NamespaceError::HistorySizeTooLarge),
            (|n| n.history_ttl_seconds = HISTORY_TTL_SECONDS_MAX + 1, NamespaceError::HistoryTtlTooLong),
            (|n| n.history_size = 0, NamespaceError::HistoryHalfConfigured),
            (|n| n.history_ttl_seconds = 0, NamespaceError::HistoryHalfConfigured),
            (
                |n| {
                    n.history_size = 0;
                    n.history_ttl_seconds = 0;
                    n.persistent = true;
                },
                NamespaceError::PersistentWithoutHistory,
            ),
            (|n| n.presence = false, NamespaceError::ThresholdWithoutPresence),
            (|n| n.member_cap = 0, NamespaceError::MemberCapOutOfRange),
            (|n| n.member_cap = MEMBER_CAP_MAX + 1, NamespaceError::MemberCapOutOfRange),
            (|n| n.publish_rate_per_second = 0, NamespaceError::PublishRateOutOfRange),
            (|n| n.publish_rate_per_second = PUBLISH_RATE_PER_SECOND_MAX + 1, NamespaceError::PublishRateOutOfRange),
        ];
        for (change, expected) in cases {
            let mut namespace = Namespace::new("support");
            change(&mut namespace);
            assert_eq!(namespace.validate(), Err(expected.clone()), "{namespace:?}");
        }
        let mut no_history = Namespace::new("live");
        no_history.history_size = 0;
        no_history.history_ttl_seconds = 0;
        no_history.presence = false;
        no_history.presence_threshold = None;
        assert_eq!(no_history.validate(), Ok(()));
        assert!(!no_history.has_history());
    }

    #[test]
    fn namespaces_are_unique_and_valid() {
        assert_eq!(
            Namespaces::new([Namespace::new("a"), Namespace::new("a")]),
            Err(NamespaceError::Duplicate("a".into()))
        );
        assert_eq!(Namespaces::new([Namespace::new("A")]), Err(NamespaceError::InvalidName));
        let namespaces = Namespaces::new([Namespace::new("b"), Namespace::new("a")]).unwrap();
        assert_eq!(namespaces.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert!(namespaces.get("a").is_some());
        assert_eq!(namespaces.resolve("c:x"), Err(ChannelNameError::UnknownNamespace("c".into())));
    }
}
