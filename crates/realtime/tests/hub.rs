//! The hub's behaviour through its public API: ordering, recovery, presence, limits,
//! slow-consumer eviction, broadcast-once, metadata compare-and-set and merchant isolation.
//! Time is passed in as unix milliseconds; nothing here sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use serde_json::{Value, json};
use tradewind_realtime::hub::{
    Bus, ChannelKey, ChannelOptions, ClientInfo, CloseReason, ConnectionReceiver, Hub, HubError, HubLimits,
    InProcessBus, PresenceMode, RecoverFrom, SLOW_CONSUMER_CLOSE_CODE,
};

const T0: u64 = 1_700_000_000_000;

fn options() -> ChannelOptions {
    ChannelOptions {
        history_size: 10,
        history_ttl_seconds: Some(60),
        presence: true,
        presence_threshold: 3,
        member_cap: 5,
        publish_rate_per_second: None,
    }
}

fn hub_with(limits: HubLimits, options: ChannelOptions) -> Hub {
    Hub::with_epoch_seed(limits, Arc::new(move |_| options.clone()), 7)
}

fn hub() -> Hub {
    hub_with(HubLimits::default(), options())
}

fn client(name: &str) -> ClientInfo {
    ClientInfo { user_id: format!("user_{name}"), name: name.to_owned() }
}

fn key(merchant: &str) -> ChannelKey {
    ChannelKey::new(merchant, "room")
}

fn drain(receiver: &mut ConnectionReceiver) -> Vec<Value> {
    std::iter::from_fn(|| receiver.try_recv()).map(|frame| serde_json::from_str(&frame).unwrap()).collect()
}

fn of_type(frames: &[Value], kind: &str) -> Vec<Value> {
    frames.iter().filter(|frame| frame["type"] == kind).cloned().collect()
}

/// Two subscribers of m1's room, with Bob's join already read from Alice's queue.
fn alice_and_bob(hub: &Hub) -> (ConnectionReceiver, ConnectionReceiver) {
    let mut alice = hub.connect("m1", client("alice")).unwrap();
    let bob = hub.connect("m1", client("bob")).unwrap();
    hub.subscribe(alice.id(), &key("m1"), None, T0).unwrap();
    hub.subscribe(bob.id(), &key("m1"), None, T0).unwrap();
    drain(&mut alice);
    (alice, bob)
}

#[tokio::test]
async fn offsets_increase_and_every_subscriber_sees_the_same_order() {
    let hub = hub();
    let (mut alice, mut bob) = alice_and_bob(&hub);
    for n in 0..5 {
        let sender = if n % 2 == 0 { alice.id() } else { bob.id() };
        let published = hub.publish(sender, &key("m1"), &json!({"n": n}), T0 + n).unwrap();
        assert_eq!(published.publication.offset, n + 1);
    }
    let seen_alice = of_type(&drain(&mut alice), "publication");
    let seen_bob = of_type(&drain(&mut bob), "publication");
    let offsets: Vec<u64> = seen_alice.iter().map(|frame| frame["offset"].as_u64().unwrap()).collect();
    assert_eq!(offsets, vec![1, 2, 3, 4, 5]);
    assert_eq!(seen_alice, seen_bob);
    assert_eq!(seen_alice[4]["data"], json!({"n": 4}));
}

#[tokio::test]
async fn recovery_within_history_returns_what_was_missed() {
    let hub = hub();
    for n in 0..6 {
        hub.publish_server(&key("m1"), &json!(n), T0).unwrap();
    }
    let history = hub.history(&key("m1"), T0);
    let receiver = hub.connect("m1", client("alice")).unwrap();
    let from = RecoverFrom { offset: 3, epoch: history.epoch.clone() };
    let subscribed = hub.subscribe(receiver.id(), &key("m1"), Some(&from), T0).unwrap();
    let recovery = subscribed.recovery.unwrap();
    assert!(recovery.recovered);
    assert_eq!(recovery.publications.iter().map(|p| p.offset).collect::<Vec<_>>(), vec![4, 5, 6]);
    assert_eq!((recovery.epoch.as_str(), recovery.offset), (history.epoch.as_str(), 6));
}

#[tokio::test]
async fn recovery_fails_after_eviction_by_size() {
    let hub = hub();
    for n in 0..15 {
        hub.publish_server(&key("m1"), &json!(n), T0).unwrap();
    }
    let history = hub.history(&key("m1"), T0);
    assert_eq!(history.publications.first().unwrap().offset, 6);
    let receiver = hub.connect("m1", client("alice")).unwrap();
    let from = RecoverFrom { offset: 4, epoch: history.epoch.clone() };
    let recovery = hub.subscribe(receiver.id(), &key("m1"), Some(&from), T0).unwrap().recovery.unwrap();
    assert!(!recovery.recovered);
    assert!(recovery.publications.is_empty());
    assert_eq!(recovery.offset, 15);
    // Offset 5 is the last one the client may hold: 6.. are all still kept.
    let from = RecoverFrom { offset: 5, epoch: history.epoch };
    assert!(hub.subscribe(receiver.id(), &key("m1"), Some(&from), T0).unwrap().recovery.unwrap().recovered);
}

#[tokio::test]
async fn recovery_fails_after_eviction_by_ttl() {
    let hub = hub();
    hub.publish_server(&key("m1"), &json!(1), T0).unwrap();
    hub.publish_server(&key("m1"), &json!(2), T0 + 30_000).unwrap();
    let epoch = hub.history(&key("m1"), T0).epoch;
    let receiver = hub.connect("m1", client("alice")).unwrap();
    let from = RecoverFrom { offset: 0, epoch };
    let recovered_at =
        |now_ms| hub.subscribe(receiver.id(), &key("m1"), Some(&from), now_ms).unwrap().recovery.unwrap();
    assert!(recovered_at(T0 + 59_999).recovered);
    let late = recovered_at(T0 + 60_000);
    assert!(!late.recovered);
    assert_eq!(hub.history(&key("m1"), T0 + 60_000).publications.len(), 1);
    assert_eq!(hub.history(&key("m1"), T0 + 90_000).publications.len(), 0);
}

#[tokio::test]
async fn recovery_fails_after_an_epoch_change() {
    let hub = hub();
    hub.publish_server(&key("m1"), &json!(1), T0).unwrap();
    let old_epoch = hub.history(&key("m1"), T0).epoch;
    let new_epoch = hub.reset_channel(&key("m1"));
    assert_ne!(old_epoch, new_epoch);
    let receiver = hub.connect("m1", client("alice")).unwrap();
    let from = RecoverFrom { offset: 1, epoch: old_epoch };
    let recovery = hub.subscribe(receiver.id(), &key("m1"), Some(&from), T0).unwrap().recovery.unwrap();
    assert!(!recovery.recovered);
    assert_eq!((recovery.epoch, recovery.offset), (new_epoch, 0));
}

#[tokio::test]
async fn presence_announces_joins_and_leaves_then_counts_above_the_threshold() {
    let hub = hub();
    let mut receivers: Vec<ConnectionReceiver> =
        ["a", "b", "c", "d"].iter().map(|name| hub.connect("m1", client(name)).unwrap()).collect();
    let ids: Vec<_> = receivers.iter().map(ConnectionReceiver::id).collect();
    for id in &ids[..3] {
        assert_eq!(hub.subscribe(*id, &key("m1"), None, T0).unwrap().presence_mode, PresenceMode::Events);
    }
    let joins = of_type(&drain(&mut receivers[0]), "join");
    assert_eq!(joins.iter().map(|join| join["name"].as_str().unwrap()).collect::<Vec<_>>(), vec!["b", "c"]);
    let members = hub.presence(&key("m1")).unwrap();
    assert_eq!(members.iter().map(|(_, member)| member.name.as_str()).collect::<Vec<_>>(), vec!["a", "b", "c"]);

    // The fourth member crosses the threshold of 3: no join event, counts instead.
    assert_eq!(hub.subscribe(ids[3], &key("m1"), None, T0).unwrap().presence_mode, PresenceMode::Counts);
    assert!(of_type(&drain(&mut receivers[0]), "join").is_empty());
    assert_eq!(hub.broadcast_presence_counts(), vec![key("m1")]);
    let counts = of_type(&drain(&mut receivers[1]), "presence_count");
    assert_eq!(counts, vec![json!({"type": "presence_count", "channel": "room", "count": 4})]);

    // Leaving from above the threshold is silent; below it, leaves are announced again.
    hub.unsubscribe(ids[3], &key("m1")).unwrap();
    assert!(of_type(&drain(&mut receivers[0]), "leave").is_empty());
    assert!(hub.broadcast_presence_counts().is_empty());
    hub.disconnect(ids[2]).unwrap();
    let leaves = of_type(&drain(&mut receivers[0]), "leave");
    assert_eq!(leaves.len(), 1);
    assert_eq!(leaves[0]["user"], "user_c");
    assert_eq!(receivers[2].close_reason(), Some(CloseReason::Normal));
}

#[tokio::test]
async fn member_cap_and_subscription_limit_are_enforced() {
    let limits = HubLimits { subscriptions_per_connection: 2, ..HubLimits::default() };
    let hub = hub_with(limits, options());
    let receivers: Vec<_> = (0..6).map(|n| hub.connect("m1", client(&n.to_string())).unwrap()).collect();
    for receiver in &receivers[..5] {
        hub.subscribe(receiver.id(), &key("m1"), None, T0).unwrap();
    }
    assert_eq!(hub.subscribe(receivers[5].id(), &key("m1"), None, T0).unwrap_err(), HubError::MemberCap { cap: 5 });
    assert_eq!(hub.member_count(&key("m1")), 5);

    let id = receivers[5].id();
    hub.subscribe(id, &ChannelKey::new("m1", "a"), None, T0).unwrap();
    hub.subscribe(id, &ChannelKey::new("m1", "b"), None, T0).unwrap();
    // Subscribing again to a channel already held does not count twice.
    hub.subscribe(id, &ChannelKey::new("m1", "b"), None, T0).unwrap();
    let refused = hub.subscribe(id, &ChannelKey::new("m1", "c"), None, T0).unwrap_err();
    assert_eq!(refused, HubError::SubscriptionLimit { limit: 2 });
    hub.unsubscribe(id, &ChannelKey::new("m1", "a")).unwrap();
    hub.subscribe(id, &ChannelKey::new("m1", "c"), None, T0).unwrap();
}

#[tokio::test]
async fn connection_limits_are_enforced() {
    let limits = HubLimits { connections_total: 3, connections_per_merchant: 2, ..HubLimits::default() };
    let hub = hub_with(limits, options());
    let first = hub.connect("m1", client("a")).unwrap();
    hub.connect("m1", client("b")).unwrap();
    assert_eq!(hub.connect("m1", client("c")).unwrap_err(), HubError::MerchantConnectionLimit { limit: 2 });
    hub.connect("m2", client("d")).unwrap();
    assert_eq!(hub.connect("m3", client("e")).unwrap_err(), HubError::ConnectionLimit { limit: 3 });
    hub.disconnect(first.id()).unwrap();
    hub.connect("m1", client("c")).unwrap();
}

#[tokio::test]
async fn publish_rate_is_limited_per_connection_with_injected_time() {
    let hub = hub_with(HubLimits::default(), ChannelOptions { publish_rate_per_second: Some(2), ..options() });
    let alice = hub.connect("m1", client("alice")).unwrap();
    let bob = hub.connect("m1", client("bob")).unwrap();
    let publish = |id, now_ms| hub.publish(id, &key("m1"), &json!("hi"), now_ms).map(|_| ());
    assert_eq!(publish(alice.id(), T0), Ok(()));
    assert_eq!(publish(alice.id(), T0), Ok(()));
    assert_eq!(publish(alice.id(), T0 + 100), Err(HubError::RateLimited));
    // Bob has his own bucket.
    assert_eq!(publish(bob.id(), T0 + 100), Ok(()));
    // Half a second at 2 per second refills one token.
    assert_eq!(publish(alice.id(), T0 + 500), Ok(()));
    assert_eq!(publish(alice.id(), T0 + 500), Err(HubError::RateLimited));
    // Server publications are not rate limited.
    for _ in 0..5 {
        hub.publish_server(&key("m1"), &json!("server"), T0 + 500).unwrap();
    }
}

#[tokio::test]
async fn a_slow_consumer_is_evicted_and_the_others_receive_everything() {
    let limits = HubLimits { outbound_queue_frames: 4, ..HubLimits::default() };
    let hub = hub_with(limits, ChannelOptions { presence: false, ..options() });
    let slow = hub.connect("m1", client("slow")).unwrap();
    let mut fast = hub.connect("m1", client("fast")).unwrap();
    let mut also_fast = hub.connect("m1", client("also_fast")).unwrap();
    for receiver in [&slow, &fast, &also_fast] {
        hub.subscribe(receiver.id(), &key("m1"), None, T0).unwrap();
    }
    let mut evicted = Vec::new();
    let mut seen_fast = Vec::new();
    let mut seen_also_fast = Vec::new();
    for n in 0..20 {
        evicted.extend(hub.publish_server(&key("m1"), &json!(n), T0).unwrap().evicted);
        // The two healthy consumers keep up; the slow one is never read.
        seen_fast.extend(drain(&mut fast));
        seen_also_fast.extend(drain(&mut also_fast));
    }
    assert_eq!(evicted, vec![slow.id()]);
    assert_eq!(slow.close_reason(), Some(CloseReason::SlowConsumer));
    assert_eq!(CloseReason::SlowConsumer.code(), SLOW_CONSUMER_CLOSE_CODE);
    assert_eq!((SLOW_CONSUMER_CLOSE_CODE, CloseReason::SlowConsumer.as_str()), (4008, "slow_consumer"));
    assert_eq!(hub.member_count(&key("m1")), 2);
    assert_eq!(hub.connection_count(), 2);
    let expected: Vec<Value> = (0..20).map(|n| json!(n)).collect();
    assert_eq!(seen_fast.iter().map(|frame| frame["data"].clone()).collect::<Vec<_>>(), expected);
    assert_eq!(seen_also_fast.iter().map(|frame| frame["data"].clone()).collect::<Vec<_>>(), expected);

    // The slow reader gets what was queued before eviction, then the end of the stream.
    let mut slow = slow;
    let mut queued = 0;
    while slow.recv().await.is_some() {
        queued += 1;
    }
    assert_eq!(queued, 4);
}

#[tokio::test]
async fn a_broadcast_is_serialised_once() {
    let hub = hub();
    let (mut alice, mut bob) = alice_and_bob(&hub);
    let published = hub.publish_server(&key("m1"), &json!({"price": 100}), T0).unwrap();
    let to_alice = alice.try_recv().unwrap();
    let to_bob = bob.try_recv().unwrap();
    assert!(Arc::ptr_eq(&to_alice, &to_bob));
    assert!(Arc::ptr_eq(&to_alice, &published.frame));
    assert!(Arc::ptr_eq(&to_alice, &hub.history(&key("m1"), T0).publications[0].frame));
}

#[tokio::test]
async fn metadata_compare_and_set() {
    let hub = hub();
    let mut alice = hub.connect("m1", client("alice")).unwrap();
    hub.subscribe(alice.id(), &key("m1"), None, T0).unwrap();
    assert_eq!(hub.metadata_get(&key("m1"), "stock"), None);
    assert_eq!(hub.metadata_set(&key("m1"), "stock", json!(10), Some(0)), Ok(1));
    assert_eq!(
        hub.metadata_set(&key("m1"), "stock", json!(10), Some(0)),
        Err(HubError::RevisionMismatch { current: 1 })
    );
    assert_eq!(hub.metadata_set(&key("m1"), "stock", json!(9), Some(1)), Ok(2));
    assert_eq!(
        hub.metadata_set(&key("m1"), "stock", json!(8), Some(1)),
        Err(HubError::RevisionMismatch { current: 2 })
    );
    assert_eq!(hub.metadata_set(&key("m1"), "pinned", json!("prod_1"), None), Ok(1));
    let stock = hub.metadata_get(&key("m1"), "stock").unwrap();
    assert_eq!((stock.value, stock.revision), (json!(9), 2));
    assert_eq!(hub.metadata(&key("m1")).len(), 2);
    let updates = of_type(&drain(&mut alice), "metadata");
    assert_eq!(updates.iter().map(|update| update["revision"].as_u64().unwrap()).collect::<Vec<_>>(), vec![1, 2, 1]);

    let limits = HubLimits { metadata_entries_per_channel: 1, ..HubLimits::default() };
    let small = hub_with(limits, options());
    small.metadata_set(&key("m1"), "a", json!(1), None).unwrap();
    assert_eq!(small.metadata_set(&key("m1"), "b", json!(1), None), Err(HubError::TooManyMetadataEntries { limit: 1 }));
}

#[tokio::test]
async fn merchants_with_the_same_channel_name_never_share() {
    let hub = hub();
    let mut one = hub.connect("m1", client("one")).unwrap();
    let mut two = hub.connect("m2", client("two")).unwrap();
    hub.subscribe(one.id(), &key("m1"), None, T0).unwrap();
    hub.subscribe(two.id(), &key("m2"), None, T0).unwrap();
    assert_eq!(hub.subscribe(one.id(), &key("m2"), None, T0).unwrap_err(), HubError::MerchantMismatch);
    assert_eq!(hub.publish(one.id(), &key("m2"), &json!("x"), T0).unwrap_err(), HubError::MerchantMismatch);
    hub.publish(one.id(), &key("m1"), &json!("for m1"), T0).unwrap();
    hub.publish(two.id(), &key("m2"), &json!("for m2"), T0).unwrap();
    hub.metadata_set(&key("m1"), "pinned", json!("a"), None).unwrap();
    let seen_one = of_type(&drain(&mut one), "publication");
    let seen_two = of_type(&drain(&mut two), "publication");
    assert_eq!(seen_one.iter().map(|frame| frame["data"].clone()).collect::<Vec<_>>(), vec![json!("for m1")]);
    assert_eq!(seen_two.iter().map(|frame| frame["data"].clone()).collect::<Vec<_>>(), vec![json!("for m2")]);
    assert_eq!(hub.history(&key("m2"), T0).publications.len(), 1);
    assert_eq!(hub.presence(&key("m2")).unwrap().len(), 1);
    assert_eq!(hub.metadata_get(&key("m2"), "pinned"), None);
}

#[tokio::test]
async fn oversized_frames_and_disabled_presence_are_refused() {
    let limits = HubLimits { frame_bytes_max: 100, ..HubLimits::default() };
    let hub = hub_with(limits, ChannelOptions { presence: false, ..options() });
    let refused = hub.publish_server(&key("m1"), &json!("x".repeat(200)), T0).unwrap_err();
    assert!(matches!(refused, HubError::FrameTooLarge { limit_bytes: 100, .. }));
    // A refused publication does not use up an offset.
    assert_eq!(hub.publish_server(&key("m1"), &json!("ok"), T0).unwrap().publication.offset, 1);
    assert_eq!(hub.presence(&key("m1")).unwrap_err(), HubError::PresenceDisabled);
}

#[tokio::test]
async fn the_in_process_bus_delivers_per_channel() {
    let bus = InProcessBus::new();
    assert_eq!(bus.publish(&key("m1"), Arc::from("nobody")).unwrap(), 0);
    let mut one = bus.subscribe(&key("m1")).unwrap();
    let mut two = bus.subscribe(&key("m2")).unwrap();
    assert_eq!(bus.publish(&key("m1"), Arc::from("hello")).unwrap(), 1);
    assert_eq!(&*one.recv().await.unwrap(), "hello");
    assert!(two.try_recv().is_err());
}

#[tokio::test]
async fn idle_channels_are_forgotten_once_they_keep_nothing() {
    let hub = hub();
    let alice = hub.connect("m1", client("alice")).unwrap();
    let id = alice.id();
    hub.subscribe(id, &key("m1"), None, T0).unwrap();
    hub.publish_server(&ChannelKey::new("m1", "quiet"), &json!(1), T0).unwrap();
    hub.metadata_set(&ChannelKey::new("m1", "pinned"), "product", json!("p_1"), None).unwrap();
    assert_eq!(hub.channel_count(), 3);
    // Within the TTL everything is kept: a member, a kept publication, metadata.
    assert_eq!(hub.sweep_idle(T0 + 1), 0);
    // Past the TTL the quiet channel keeps nothing and goes; the member's and the
    // metadata's channels stay.
    let ttl_ms = options().history_ttl_seconds.unwrap() * 1000;
    assert_eq!(hub.sweep_idle(T0 + ttl_ms + 1), 1);
    assert_eq!(hub.channel_count(), 2);
    // A forgotten channel starts over in a new epoch.
    let again = hub.publish_server(&ChannelKey::new("m1", "quiet"), &json!(2), T0 + ttl_ms + 2).unwrap();
    assert_eq!(again.publication.offset, 1);
    // Shutdown lets go of every connection with `going_away`.
    assert_eq!(hub.close_all(), 1);
    let mut alice = alice;
    while alice.recv().await.is_some() {}
    assert_eq!(alice.close_reason(), Some(CloseReason::Gone));
    assert_eq!(hub.connection_count(), 0);
    assert_eq!(hub.member_count(&key("m1")), 0);
}
