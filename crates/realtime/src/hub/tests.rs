//! The hub's behaviour: connections, channels, fan-out, slow consumers, recovery,
//! presence, metadata and limits.

use super::*;
use serde_json::json;

fn options() -> ChannelOptions {
    ChannelOptions { presence: true, presence_threshold: 10, publish_rate_per_second: Some(1), ..Default::default() }
}

fn node_hub() -> Hub {
    Hub::for_node(HubLimits::default(), Arc::new(|_| options()), "nodeA")
}

fn client(name: &str) -> ClientInfo {
    ClientInfo { user_id: name.to_owned(), name: name.to_owned() }
}

fn drain(receiver: &mut ConnectionReceiver) -> Vec<Value> {
    std::iter::from_fn(|| receiver.try_recv()).map(|frame| serde_json::from_str(&frame).unwrap()).collect()
}

#[test]
fn a_node_hub_names_clients_by_node_and_leaves_presence_to_the_cluster() {
    let hub = node_hub();
    let key = ChannelKey::new("m1", "chat:room");
    let mut alice = hub.connect("m1", client("alice")).unwrap();
    let bob = hub.connect("m1", client("bob")).unwrap();
    assert_eq!(hub.client_id(alice.id()), "conn_nodeA_1");
    assert_eq!(hub.parse_client_id("conn_nodeA_2"), Some(bob.id()));
    assert_eq!(hub.parse_client_id("conn_nodeB_2"), None);
    assert_eq!(hub.parse_client_id("conn_nodeA_"), None);
    hub.subscribe(alice.id(), &key, None, 0).unwrap();
    hub.subscribe(bob.id(), &key, None, 0).unwrap();
    hub.typing(bob.id(), &key).unwrap();
    hub.unsubscribe(bob.id(), &key).unwrap();
    let frames = drain(&mut alice);
    // No join or leave: only the typing frame, naming the node.
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert_eq!(frames[0]["type"], "typing");
    assert_eq!(frames[0]["client"], "conn_nodeA_2");

    // A single-node hub keeps `conn_<n>`.
    let single = Hub::new(HubLimits::default(), Arc::new(|_| options()));
    let first = single.connect("m1", client("c")).unwrap();
    assert_eq!(single.client_id(first.id()), "conn_1");
    assert_eq!(single.parse_client_id("conn_1"), Some(first.id()));
}

#[test]
fn delivered_publications_are_kept_at_their_offsets_and_fanned_out() {
    let hub = node_hub();
    let key = ChannelKey::new("m1", "chat:room");
    let mut alice = hub.connect("m1", client("alice")).unwrap();
    hub.subscribe(alice.id(), &key, None, 0).unwrap();
    let make = |offset: u64, epoch: &str| frame::publication(&key, offset, epoch, &json!(offset), None);
    // The cluster's channel is at offset 7 of epoch "e1" when this node first hears of it.
    assert!(hub.deliver(&key, 7, "e1", &make(7, "e1"), 10).is_empty());
    hub.deliver(&key, 8, "e1", &make(8, "e1"), 11);
    // A repeat is dropped; a gap restarts the kept history.
    hub.deliver(&key, 8, "e1", &make(8, "e1"), 12);
    let offsets: Vec<u64> = drain(&mut alice).iter().map(|f| f["offset"].as_u64().unwrap()).collect();
    assert_eq!(offsets, [7, 8]);
    let history = hub.history(&key, 12);
    assert_eq!((history.epoch.as_str(), history.offset), ("e1", 8));
    assert_eq!(history.publications.iter().map(|p| p.offset).collect::<Vec<_>>(), [7, 8]);
    hub.deliver(&key, 11, "e1", &make(11, "e1"), 13);
    let history = hub.history(&key, 13);
    assert_eq!(history.publications.iter().map(|p| p.offset).collect::<Vec<_>>(), [11]);
    // A new epoch starts over.
    hub.deliver(&key, 1, "e2", &make(1, "e2"), 14);
    let history = hub.history(&key, 14);
    assert_eq!((history.epoch.as_str(), history.offset), ("e2", 1));
    assert_eq!(drain(&mut alice).len(), 2);
}

#[test]
fn broadcast_frames_skip_one_connection_and_publishing_is_admitted_by_rate() {
    let hub = node_hub();
    let key = ChannelKey::new("m1", "chat:room");
    let mut alice = hub.connect("m1", client("alice")).unwrap();
    let mut bob = hub.connect("m1", client("bob")).unwrap();
    hub.subscribe(alice.id(), &key, None, 0).unwrap();
    hub.subscribe(bob.id(), &key, None, 0).unwrap();
    let join = frame::join(&key, "conn_nodeB_4", &Member { user_id: "carl".into(), name: "Carl".into() });
    hub.broadcast_frame(&key, &join, Some(bob.id()));
    assert_eq!(drain(&mut alice).len(), 1);
    assert!(drain(&mut bob).is_empty());

    let member = hub.admit_publish(alice.id(), &key, 1000).unwrap();
    assert_eq!(member.user_id, "alice");
    assert_eq!(hub.admit_publish(alice.id(), &key, 1000).unwrap_err(), HubError::RateLimited);
    assert_eq!(
        hub.admit_publish(alice.id(), &ChannelKey::new("m2", "chat:room"), 5000).unwrap_err(),
        HubError::MerchantMismatch
    );
    // Nothing was published by admitting.
    assert!(drain(&mut bob).is_empty());
    assert_eq!(hub.history(&key, 1000).offset, 0);
}
