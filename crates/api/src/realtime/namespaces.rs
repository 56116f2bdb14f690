//! The namespaces every merchant's channels live in, and the hub options each implies.
//!
//! The server ships four, chosen for what Tradewind's own pages need:
//!
//! | namespace | history | kept | stored | presence (counts above) | members | clients publish | per second |
//! |---|---|---|---|---|---|---|---|
//! | `chat` | 100 | 1 h | no | yes (100) | 1,000 | yes | 10 |
//! | `support` | 500 | 7 d | yes | yes (always events) | 50 | yes | 5 |
//! | `live` | 50 | 10 min | no | yes (100) | 50,000 | yes | 2 |
//! | `notifications` | 100 | 1 d | yes | no | 100 | no | 1 |

use std::sync::Arc;

use tradewind_realtime::hub::{ChannelKey, ChannelOptions, OptionsResolver};
use tradewind_realtime::namespace::{Namespace, NamespaceError, Namespaces};

/// The built-in namespaces (see the module table).
pub fn defaults() -> Result<Namespaces, NamespaceError> {
    let chat =
        Namespace { history_size: 100, history_ttl_seconds: 3600, client_publish: true, ..Namespace::new("chat") };
    let support = Namespace {
        history_size: 500,
        history_ttl_seconds: 7 * 24 * 3600,
        persistent: true,
        presence_threshold: None,
        member_cap: 50,
        client_publish: true,
        publish_rate_per_second: 5,
        ..Namespace::new("support")
    };
    let live = Namespace {
        history_size: 50,
        history_ttl_seconds: 600,
        member_cap: 50_000,
        client_publish: true,
        publish_rate_per_second: 2,
        ..Namespace::new("live")
    };
    let notifications = Namespace {
        history_size: 100,
        history_ttl_seconds: 24 * 3600,
        persistent: true,
        presence: false,
        presence_threshold: None,
        member_cap: 100,
        client_publish: false,
        publish_rate_per_second: 1,
        ..Namespace::new("notifications")
    };
    Namespaces::new([chat, support, live, notifications])
}

/// The hub options of a namespace's channels.
pub fn options(namespace: &Namespace) -> ChannelOptions {
    let to_usize = |value: u32| usize::try_from(value).unwrap_or(usize::MAX);
    ChannelOptions {
        history_size: to_usize(namespace.history_size),
        history_ttl_seconds: Some(namespace.history_ttl_seconds),
        presence: namespace.presence,
        presence_threshold: namespace.presence_threshold.map_or(usize::MAX, to_usize),
        member_cap: to_usize(namespace.member_cap),
        publish_rate_per_second: Some(namespace.publish_rate_per_second),
    }
}

/// Maps a hub channel to its namespace's options. Sessions only reach the hub with
/// channels whose namespace resolved, so the fallback (no history, no presence, one
/// member) is never used by them.
pub fn resolver(namespaces: Arc<Namespaces>) -> OptionsResolver {
    Arc::new(move |key: &ChannelKey| {
        let namespace = key.channel.split_once(':').and_then(|(namespace, _)| namespaces.get(namespace));
        match namespace {
            Some(namespace) => options(namespace),
            None => ChannelOptions {
                history_size: 0,
                history_ttl_seconds: Some(0),
                presence: false,
                presence_threshold: usize::MAX,
                member_cap: 1,
                publish_rate_per_second: Some(1),
            },
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn the_defaults_are_valid_and_map_to_hub_options() {
        let namespaces = defaults().unwrap();
        let names: Vec<&str> = namespaces.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["chat", "live", "notifications", "support"]);
        let resolve = resolver(Arc::new(namespaces));
        let support = resolve(&ChannelKey::new("mer_1", "support:ticket.1"));
        assert_eq!(support.history_size, 500);
        assert_eq!(support.presence_threshold, usize::MAX);
        assert_eq!(resolve(&ChannelKey::new("mer_1", "live:room")).member_cap, 50_000);
        assert_eq!(resolve(&ChannelKey::new("mer_1", "nope:room")).member_cap, 1);
    }
}
