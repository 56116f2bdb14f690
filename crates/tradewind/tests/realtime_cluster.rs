//! Many nodes: two real `tradewind serve` processes joined over NATS (127.0.0.1:4222, or
//! `TRADEWIND_TEST_NATS_URL`), on one PostgreSQL schema with the same credentials key,
//! with real WebSocket clients on each. What is published on one node reaches the other
//! with the same offsets and epoch; presence, joins and leaves cross nodes; a client that
//! reconnects recovers what the other node published; metadata compare-and-set has one
//! winner across nodes. A node whose NATS server is unreachable refuses to start.
//!
//! Without NATS or PostgreSQL the test prints why and passes, except under `CI=true`,
//! where either missing fails it. Each run has its own NATS prefix, and deletes its
//! streams and buckets when it ends; the server processes are killed by a guard.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tradewind_realtime::protocol::ServerFrame;

/// The bound on every wait: a frame, a start, an answer.
const WAIT: Duration = Duration::from_secs(20);

fn nats_url() -> String {
    std::env::var("TRADEWIND_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|ci| ci == "true")
}

/// A NATS connection for housekeeping, or `None` (skip) when NATS is not running.
async fn nats_or_skip() -> Option<async_nats::Client> {
    match async_nats::ConnectOptions::new().connection_timeout(Duration::from_secs(2)).connect(nats_url()).await {
        Ok(client) => Some(client),
        Err(error) if in_ci() => panic!("CI=true and NATS is not reachable at {}: {error}", nats_url()),
        Err(error) => {
            eprintln!("skipping: NATS is not reachable at {} ({error})", nats_url());
            None
        }
    }
}

/// Deletes every stream (and so every bucket) of a prefix.
async fn delete_streams(client: &async_nats::Client, prefix: &str) -> usize {
    let jetstream = async_nats::jetstream::new(client.clone());
    let names: Vec<String> = jetstream.stream_names().filter_map(|name| async move { name.ok() }).collect().await;
    let mut deleted = 0;
    for name in names {
        if name.starts_with(&format!("{prefix}_rt_")) || name.starts_with(&format!("KV_{prefix}_rt_")) {
            jetstream.delete_stream(&name).await.unwrap();
            deleted += 1;
        }
    }
    deleted
}

/// The run's NATS prefix; its streams and buckets are deleted on drop, even on failure.
struct Streams {
    prefix: String,
}

impl Drop for Streams {
    fn drop(&mut self) {
        let prefix = self.prefix.clone();
        // A fresh runtime on its own thread: drop may run inside the test's runtime.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                if let Ok(client) = async_nats::connect(nats_url()).await {
                    delete_streams(&client, &prefix).await;
                }
            });
        })
        .join();
    }
}

/// One `tradewind serve` process; killed on drop.
struct Node {
    child: Child,
    base_url: String,
    /// Its log lines, for the failure message.
    logs: Arc<Mutex<Vec<String>>>,
    _directory: TempDirectory,
}

struct TempDirectory(std::path::PathBuf);

impl Drop for TempDirectory {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run_directory(name: &str) -> TempDirectory {
    let directory = std::env::temp_dir().join(format!("tradewind_cluster_{name}_{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&directory).unwrap();
    TempDirectory(directory)
}

/// A `tradewind` command with only the given configuration (nothing inherited).
fn tradewind(directory: &TempDirectory, database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tradewind"));
    command
        .current_dir(&directory.0)
        .env("DATABASE_URL", database_url)
        .env("TRADEWIND_CREDENTIALS_KEY", common::TEST_CREDENTIALS_KEY_HEX)
        .env("TRADEWIND_FINGERPRINT_KEY", "746573742066696e6765727072696e74206b65792c20333220627974657321")
        .env("TRADEWIND_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env_remove("TRADEWIND_CONFIG")
        .env_remove("TRADEWIND_ADDR")
        .env_remove("TRADEWIND_PUBLIC_URL")
        .env_remove("TRADEWIND_NATS_URL")
        .env_remove("TRADEWIND_NODE_ID")
        .env_remove("TRADEWIND_NATS_PREFIX");
    command
}

impl Node {
    /// Starts a node and waits for its "listening" log line, which names its address.
    fn start(database_url: &str, node_id: &str, prefix: &str) -> Node {
        let directory = run_directory(node_id);
        let mut child = tradewind(&directory, database_url)
            .args(["serve", "--addr", "127.0.0.1:0", "--nats-url", &nats_url(), "--node-id", node_id])
            .args(["--nats-prefix", prefix])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tradewind serve");
        let stderr = child.stderr.take().unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (found, listening) = std::sync::mpsc::channel();
        let kept = Arc::clone(&logs);
        // Reads every line for the node's whole life, so the pipe never fills.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Ok(entry) = serde_json::from_str::<Value>(&line)
                    && entry["fields"]["message"] == "listening"
                    && let Some(url) = entry["fields"]["url"].as_str()
                {
                    let _ = found.send(url.to_owned());
                }
                kept.lock().unwrap().push(line);
            }
        });
        let mut node = Node { child, base_url: String::new(), logs, _directory: directory };
        match listening.recv_timeout(WAIT) {
            Ok(url) => node.base_url = url,
            Err(_) => {
                let status = node.child.try_wait().ok().flatten();
                panic!("node {node_id} did not start ({status:?}):\n{}", node.logs.lock().unwrap().join("\n"));
            }
        }
        node
    }

    fn ws_url(&self) -> String {
        format!("{}/v1/realtime", self.base_url.replacen("http://", "ws://", 1))
    }
}

/// The merchant both nodes serve, created in the shared database.
struct Merchant {
    secret_key: String,
}

fn create_merchant(database_url: &str) -> Merchant {
    let directory = run_directory("merchant");
    let output = tradewind(&directory, database_url)
        .args(["merchant", "create", "--name", "Cluster Shop"])
        .output()
        .expect("run tradewind merchant create");
    assert!(output.status.success(), "merchant create: {}", String::from_utf8_lossy(&output.stderr));
    let created: Value = serde_json::from_slice(&output.stdout).expect("merchant JSON");
    Merchant { secret_key: created["secret_key"].as_str().unwrap().to_owned() }
}

struct Api {
    http: reqwest::Client,
    secret_key: String,
}

impl Api {
    async fn post(&self, node: &Node, path: &str, body: Value) -> Value {
        let response = tokio::time::timeout(
            WAIT,
            self.http.post(format!("{}{path}", node.base_url)).bearer_auth(&self.secret_key).json(&body).send(),
        )
        .await
        .expect("an answer in time")
        .expect("request");
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    async fn token(&self, node: &Node, user: &str) -> String {
        let grants = json!([
            {"pattern": "chat:*", "rights": ["subscribe", "publish", "presence", "history"]},
            {"pattern": "live:*", "rights": ["subscribe", "publish"]},
        ]);
        let body = json!({"user_id": user, "name": format!("{user} name"), "grants": grants});
        self.post(node, "/v1/realtime/tokens", body).await["token"].as_str().unwrap().to_owned()
    }

    async fn publish(&self, node: &Node, channel: &str, data: Value) -> Value {
        self.post(node, "/v1/realtime/publish", json!({"channel": channel, "data": data})).await
    }
}

struct Client {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pending: VecDeque<Value>,
    next_id: u64,
    client_id: String,
}

impl Client {
    async fn connect(node: &Node, token: &str) -> Client {
        let (socket, _) = tokio_tungstenite::connect_async(node.ws_url()).await.expect("websocket upgrade");
        let mut client = Client { socket, pending: VecDeque::new(), next_id: 100, client_id: String::new() };
        client.send(json!({"type": "connect", "token": token, "protocol_version": "tradewind.realtime.v1"})).await;
        let hello = client.frame().await;
        assert_eq!(hello["type"], "connected", "{hello}");
        client.client_id = hello["client_id"].as_str().unwrap().to_owned();
        client
    }

    async fn send(&mut self, value: Value) {
        self.socket.send(Message::Text(value.to_string().into())).await.expect("send");
    }

    /// The next frame from the socket; panics on a close.
    async fn incoming(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(WAIT, self.socket.next()).await.expect("a frame in time");
            match message {
                Some(Ok(Message::Text(text))) => {
                    ServerFrame::from_text(&text)
                        .unwrap_or_else(|error| panic!("not a protocol frame: {error}: {text}"));
                    return serde_json::from_str(&text).unwrap();
                }
                Some(Ok(Message::Close(frame))) => panic!("closed ({frame:?}) while a frame was expected"),
                Some(Ok(_)) => continue,
                Some(Err(error)) => panic!("socket failed: {error}"),
                None => panic!("socket ended while a frame was expected"),
            }
        }
    }

    async fn frame(&mut self) -> Value {
        match self.pending.pop_front() {
            Some(frame) => frame,
            None => self.incoming().await,
        }
    }

    /// The next frame of `kind`, skipping others.
    async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let frame = self.frame().await;
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    /// Sends a command and returns its `ack` or `error`; frames in between are kept.
    async fn command(&mut self, mut command: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        command["id"] = json!(id);
        self.send(command).await;
        let mut skipped = VecDeque::new();
        loop {
            let frame = self.incoming().await;
            if frame["id"] == json!(id) && ["ack", "error"].contains(&frame["type"].as_str().unwrap_or_default()) {
                self.pending.extend(skipped);
                return frame;
            }
            skipped.push_back(frame);
        }
    }

    async fn ok(&mut self, command: Value) -> Value {
        let answer = self.command(command.clone()).await;
        assert_eq!(answer["type"], "ack", "{command} → {answer}");
        answer["result"].clone()
    }

    /// The next publication, skipping other frames and any offset already seen (as the
    /// protocol asks of clients).
    async fn publication_after(&mut self, seen: u64) -> Value {
        loop {
            let publication = self.next_of("publication").await;
            if publication["offset"].as_u64().unwrap() > seen {
                return publication;
            }
        }
    }
}

fn users(presence: &Value) -> Vec<(String, String)> {
    let mut members: Vec<(String, String)> = presence["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| (member["user"].as_str().unwrap().to_owned(), member["client"].as_str().unwrap().to_owned()))
        .collect();
    members.sort();
    members
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_channels_presence_history_and_metadata() {
    let Some(nats) = nats_or_skip().await else { return };
    let Some(database_url) = common::postgres_schema_url().await else { return };
    let prefix = format!("twc{}x{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let streams = Streams { prefix: prefix.clone() };

    // Node A migrates the schema; the merchant is created; node B joins.
    let a = Node::start(&database_url, "nodeA", &prefix);
    let merchant = create_merchant(&database_url);
    let b = Node::start(&database_url, "nodeB", &prefix);
    let api = Api { http: reqwest::Client::new(), secret_key: merchant.secret_key };
    let jetstream = async_nats::jetstream::new(nats.clone());
    assert!(jetstream.get_stream(format!("{prefix}_rt_chat")).await.is_ok(), "the nodes created the chat stream");

    // Ada on A, Bob on B; Bob's join reaches Ada, and presence lists both nodes.
    let mut ada = Client::connect(&a, &api.token(&a, "ada").await).await;
    let mut bob = Client::connect(&b, &api.token(&a, "bob").await).await;
    assert!(ada.client_id.starts_with("conn_nodeA_"), "{}", ada.client_id);
    assert!(bob.client_id.starts_with("conn_nodeB_"), "{}", bob.client_id);
    let room = "chat:room.1";
    let subscribed = ada.ok(json!({"type": "subscribe", "channel": room})).await;
    assert_eq!(subscribed["offset"], 0);
    let empty_epoch = subscribed["epoch"].as_str().unwrap().to_owned();
    let subscribed_b = bob.ok(json!({"type": "subscribe", "channel": room})).await;
    assert_eq!(
        (subscribed_b["offset"].as_u64(), subscribed_b["epoch"].as_str()),
        (Some(0), Some(empty_epoch.as_str()))
    );
    let join = ada.next_of("join").await;
    assert_eq!((join["user"].as_str(), join["client"].as_str()), (Some("bob"), Some(bob.client_id.as_str())));
    let expected = vec![("ada".to_owned(), ada.client_id.clone()), ("bob".to_owned(), bob.client_id.clone())];
    assert_eq!(users(&ada.ok(json!({"type": "presence", "channel": room})).await), expected);
    assert_eq!(users(&bob.ok(json!({"type": "presence", "channel": room})).await), expected);

    // Bob publishes on B; the API publishes on B and on A: one sequence, seen by both.
    let first = bob.ok(json!({"type": "publish", "channel": room, "data": {"step": 1}})).await;
    assert_eq!(first["offset"], 1);
    let epoch = first["epoch"].as_str().unwrap().to_owned();
    let second = api.publish(&b, room, json!({"step": 2})).await;
    let third = api.publish(&a, room, json!({"step": 3})).await;
    assert_eq!((second["offset"].as_u64(), second["epoch"].as_str()), (Some(2), Some(epoch.as_str())));
    assert_eq!((third["offset"].as_u64(), third["epoch"].as_str()), (Some(3), Some(epoch.as_str())));
    for client in [&mut ada, &mut bob] {
        for step in 1..=3_u64 {
            let publication = client.publication_after(step - 1).await;
            assert_eq!(publication["offset"], step, "{publication}");
            assert_eq!(publication["epoch"], epoch.as_str());
            assert_eq!(publication["data"]["step"], step);
            if step == 1 {
                assert_eq!(publication["info"], json!({"user": "bob", "name": "bob name"}));
            } else {
                assert!(publication.get("info").is_none(), "{publication}");
            }
        }
    }

    // Typing crosses nodes and does not come back to the typist.
    bob.ok(json!({"type": "typing", "channel": room})).await;
    let typing = ada.next_of("typing").await;
    assert_eq!((typing["user"].as_str(), typing["client"].as_str()), (Some("bob"), Some(bob.client_id.as_str())));

    // A forced disconnect on A: Bob sees Ada leave; B publishes while she is away; back on
    // A she recovers exactly what she missed, then follows live.
    let ada_client = ada.client_id.clone();
    drop(ada);
    let leave = bob.next_of("leave").await;
    assert_eq!((leave["user"].as_str(), leave["client"].as_str()), (Some("ada"), Some(ada_client.as_str())));
    for step in 4..=6_u64 {
        api.publish(&b, room, json!({"step": step})).await;
        assert_eq!(bob.publication_after(step - 1).await["offset"], step);
    }
    let mut ada = Client::connect(&a, &api.token(&b, "ada").await).await;
    let recovered =
        ada.ok(json!({"type": "subscribe", "channel": room, "recover": {"offset": 3, "epoch": epoch}})).await;
    assert_eq!((recovered["recovered"].as_bool(), recovered["epoch"].as_str()), (Some(true), Some(epoch.as_str())));
    assert_eq!(recovered["offset"], 6);
    let steps: Vec<u64> =
        recovered["publications"].as_array().unwrap().iter().map(|p| p["data"]["step"].as_u64().unwrap()).collect();
    assert_eq!(steps, [4, 5, 6]);
    let offsets: Vec<u64> =
        recovered["publications"].as_array().unwrap().iter().map(|p| p["offset"].as_u64().unwrap()).collect();
    assert_eq!(offsets, [4, 5, 6]);
    assert_eq!(bob.next_of("join").await["user"], "ada");
    let seventh = bob.ok(json!({"type": "publish", "channel": room, "data": {"step": 7}})).await;
    assert_eq!(seventh["offset"], 7);
    assert_eq!(ada.publication_after(6).await["data"]["step"], 7);
    assert_eq!(bob.publication_after(6).await["offset"], 7);
    // History read on A holds what B stored.
    let history = ada.ok(json!({"type": "history", "channel": room, "limit": 3})).await;
    let offsets: Vec<u64> =
        history["publications"].as_array().unwrap().iter().map(|p| p["offset"].as_u64().unwrap()).collect();
    assert_eq!((offsets, history["epoch"].as_str()), (vec![5, 6, 7], Some(epoch.as_str())));

    // Metadata compare-and-set from both nodes at once: one winner.
    let show = "live:show";
    ada.ok(json!({"type": "subscribe", "channel": show})).await;
    bob.ok(json!({"type": "subscribe", "channel": show})).await;
    let set = |value: i64| json!({"type": "metadata_set", "channel": show, "key": "stock", "value": value, "expected_revision": 0});
    let (from_a, from_b) = tokio::join!(ada.command(set(10)), bob.command(set(20)));
    let (winner, loser) = if from_a["type"] == "ack" { (&from_a, &from_b) } else { (&from_b, &from_a) };
    assert_eq!(winner["type"], "ack", "{from_a} {from_b}");
    assert_eq!(winner["result"]["revision"], 1);
    assert_eq!((loser["code"].as_str(), loser["number"].as_u64()), (Some("revision_mismatch"), Some(4012)), "{loser}");
    let value = winner["result"]["value"].clone();
    for client in [&mut ada, &mut bob] {
        let change = client.next_of("metadata").await;
        assert_eq!((change["value"].clone(), change["revision"].as_u64()), (value.clone(), Some(1)));
        let current = client.ok(json!({"type": "metadata_get", "channel": show, "key": "stock"})).await;
        assert_eq!(current, json!({"kind": "metadata", "key": "stock", "value": value, "revision": 1}));
    }

    // Bob leaves the room on B: Ada on A sees it, and presence is Ada alone.
    bob.ok(json!({"type": "unsubscribe", "channel": room})).await;
    let leave = ada.next_of("leave").await;
    assert_eq!((leave["user"].as_str(), leave["client"].as_str()), (Some("bob"), Some(bob.client_id.as_str())));
    let alone = users(&ada.ok(json!({"type": "presence", "channel": room})).await);
    assert_eq!(alone, vec![("ada".to_owned(), ada.client_id.clone())]);

    drop((ada, bob, a, b));
    drop(streams);
    let jetstream = async_nats::jetstream::new(nats.clone());
    assert!(jetstream.get_stream(format!("{prefix}_rt_chat")).await.is_err(), "the run's streams were deleted");
}

/// A node configured for NATS that cannot reach it refuses to start, and says why.
#[test]
fn a_node_without_its_nats_server_refuses_to_start() {
    let directory = run_directory("unreachable");
    let database_url = format!("sqlite://{}/node.db", directory.0.display());
    // Port 1 on the loopback: nothing listens there.
    let mut child = tradewind(&directory, &database_url)
        .args(["serve", "--addr", "127.0.0.1:0", "--nats-url", "nats://127.0.0.1:1", "--node-id", "lonely"])
        .env("TRADEWIND_LOG_FORMAT", "text")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tradewind serve");
    let deadline = std::time::Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("tradewind serve kept running without its NATS server");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains("joining the realtime cluster at nats://127.0.0.1:1 as node lonely"), "{stderr}");
    assert!(stderr.contains("cannot connect to NATS"), "{stderr}");
}
