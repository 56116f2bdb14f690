//! Who may do what on which channel.
//!
//! A token carries [`Grant`]s: a [`ChannelPattern`] and the [`Right`]s it gives. A
//! pattern names one namespace literally and then either one channel (`live:room_42`),
//! every channel of the namespace (`support:*`), or every channel under a dotted prefix
//! (`orders.*` in `shop:orders.*` matches `shop:orders.ord_1` and `shop:orders.ord_1.items`).
//! `*` is allowed only as that last whole segment; no pattern spans namespaces.
//!
//! Patterns name no merchant. The channel a client addresses is always turned into a
//! [`ChannelKey`] with the merchant of its own token ([`Permissions::key`]), and
//! [`Permissions::check`] refuses a key of any other merchant before looking at the
//! patterns, so no grant, token or pattern can reach another merchant's channels.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::namespace::{self, ChannelName};
use crate::protocol::ErrorCode;

/// Longest merchant or user id, in bytes.
pub const ID_LENGTH_MAX: usize = 128;
/// Most grants one token may carry.
pub const GRANTS_MAX: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("an id must be 1 to {ID_LENGTH_MAX} printable ASCII characters")]
    InvalidId,
    #[error("the pattern `{0}` is not `namespace:name`, `namespace:*` or `namespace:prefix.*`")]
    InvalidPattern(String),
    #[error("a grant must give at least one right")]
    NoRights,
    #[error("at most {GRANTS_MAX} grants may be given")]
    TooManyGrants,
    #[error("the channel belongs to another merchant")]
    OtherMerchant,
    #[error("no grant gives `{right}` on `{channel}`")]
    Denied { channel: String, right: Right },
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= ID_LENGTH_MAX && id.bytes().all(|byte| byte.is_ascii_graphic())
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Checks the id: 1 to [`ID_LENGTH_MAX`] printable ASCII characters.
            pub fn parse(id: &str) -> Result<Self, GrantError> {
                if is_valid_id(id) { Ok(Self(id.to_owned())) } else { Err(GrantError::InvalidId) }
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = GrantError;

            fn try_from(id: String) -> Result<Self, Self::Error> {
                if is_valid_id(&id) { Ok(Self(id)) } else { Err(GrantError::InvalidId) }
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// The merchant a token, and every channel it reaches, belongs to (the `mer` claim).
    MerchantId
);
string_id!(
    /// The end user a token stands for (the `sub` claim), chosen by the merchant.
    UserId
);

/// One thing a grant allows on a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Right {
    /// Receive publications (and send `typing`).
    Subscribe,
    /// Publish to the channel (when its namespace allows client publishing).
    Publish,
    /// See who is in the channel, and appear in it.
    Presence,
    /// Read the channel's history and recover missed publications.
    History,
}

impl fmt::Display for Right {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Subscribe => "subscribe",
            Self::Publish => "publish",
            Self::Presence => "presence",
            Self::History => "history",
        })
    }
}

/// What a pattern matches after its namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum NameMatch {
    /// Exactly this name.
    Exact(String),
    /// Every name of the namespace.
    Any,
    /// Every name starting with this prefix followed by `.` and at least one segment.
    Under(String),
}

/// A validated channel pattern, see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChannelPattern {
    namespace: String,
    name: NameMatch,
}

impl ChannelPattern {
    /// Parses `namespace:name`, `namespace:*` or `namespace:prefix.*`.
    pub fn parse(text: &str) -> Result<Self, GrantError> {
        let invalid = || GrantError::InvalidPattern(text.chars().take(64).collect());
        let (namespace, name) = text.split_once(':').ok_or_else(invalid)?;
        if !namespace::is_valid_namespace(namespace) {
            return Err(invalid());
        }
        let name = if name == "*" {
            NameMatch::Any
        } else if let Some(prefix) = name.strip_suffix(".*") {
            if !namespace::is_valid_name(prefix) {
                return Err(invalid());
            }
            NameMatch::Under(prefix.to_owned())
        } else {
            if !namespace::is_valid_name(name) {
                return Err(invalid());
            }
            NameMatch::Exact(name.to_owned())
        };
        Ok(Self { namespace: namespace.to_owned(), name })
    }

    /// Whether the pattern matches `channel` (of whichever merchant is checking).
    pub fn matches(&self, channel: &ChannelName) -> bool {
        if channel.namespace() != self.namespace {
            return false;
        }
        match &self.name {
            NameMatch::Exact(name) => channel.name() == name,
            NameMatch::Any => true,
            NameMatch::Under(prefix) => channel
                .name()
                .strip_prefix(prefix.as_str())
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|rest| !rest.is_empty()),
        }
    }

    /// The namespace the pattern is confined to.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }
}

impl TryFrom<String> for ChannelPattern {
    type Error = GrantError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<ChannelPattern> for String {
    fn from(pattern: ChannelPattern) -> Self {
        pattern.to_string()
    }
}

impl fmt::Display for ChannelPattern {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            NameMatch::Exact(name) => write!(formatter, "{}:{name}", self.namespace),
            NameMatch::Any => write!(formatter, "{}:*", self.namespace),
            NameMatch::Under(prefix) => write!(formatter, "{}:{prefix}.*", self.namespace),
        }
    }
}

/// Rights on every channel a pattern matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub pattern: ChannelPattern,
    pub rights: Vec<Right>,
}

impl Grant {
    /// A grant of `rights` on `pattern`; at least one right.
    pub fn new(pattern: ChannelPattern, rights: &[Right]) -> Result<Self, GrantError> {
        let grant = Self { pattern, rights: rights.to_vec() };
        grant.validate()?;
        Ok(grant)
    }

    /// Refuses a grant without rights.
    pub fn validate(&self) -> Result<(), GrantError> {
        if self.rights.is_empty() { Err(GrantError::NoRights) } else { Ok(()) }
    }

    /// Whether this grant gives `right` on `channel`.
    pub fn allows(&self, channel: &ChannelName, right: Right) -> bool {
        self.rights.contains(&right) && self.pattern.matches(channel)
    }
}

/// The address of one channel: its merchant and its name. Hubs key every channel
/// by this, so equal names of two merchants are two channels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChannelKey {
    pub merchant: MerchantId,
    pub channel: ChannelName,
}

/// What one verified token allows: its merchant and its grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    merchant: MerchantId,
    grants: Vec<Grant>,
}

impl Permissions {
    /// Checks the grants (each with a right, at most [`GRANTS_MAX`]).
    pub fn new(merchant: MerchantId, grants: Vec<Grant>) -> Result<Self, GrantError> {
        if grants.len() > GRANTS_MAX {
            return Err(GrantError::TooManyGrants);
        }
        grants.iter().try_for_each(Grant::validate)?;
        Ok(Self { merchant, grants })
    }

    /// The merchant every channel of this token belongs to.
    pub fn merchant(&self) -> &MerchantId {
        &self.merchant
    }

    /// The grants, in token order.
    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    /// The key of `channel` for this token: always the token's own merchant.
    pub fn key(&self, channel: ChannelName) -> ChannelKey {
        ChannelKey { merchant: self.merchant.clone(), channel }
    }

    /// Whether `right` is granted on `key`: never for another merchant's channel,
    /// whatever the patterns say.
    pub fn check(&self, key: &ChannelKey, right: Right) -> Result<(), GrantError> {
        if key.merchant != self.merchant {
            return Err(GrantError::OtherMerchant);
        }
        if self.grants.iter().any(|grant| grant.allows(&key.channel, right)) {
            Ok(())
        } else {
            Err(GrantError::Denied { channel: key.channel.to_string(), right })
        }
    }
}

impl GrantError {
    /// The error code of the `error` frame answering a command refused for this.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::OtherMerchant | Self::Denied { .. } => ErrorCode::PermissionDenied,
            _ => ErrorCode::BadRequest,
        }
    }
}
