//! The `/v1/realtime` WebSocket endpoint with real WebSocket clients against a real
//! server: tokens and their errors, grants and merchants, ordering, recovery after a
//! forced disconnect, presence and typing, every limit, a slow consumer evicted while the
//! others keep receiving, metadata compare-and-set, and persistent history across a
//! restart on SQLite and PostgreSQL.
//!
//! The server reads a manual clock, so rate limits and history ages move only when a test
//! says so. Every frame a client receives must parse as the protocol's `ServerFrame`,
//! which keeps the hub's frames and the documented protocol in step.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use common::{
    Backend, ManualClock, TestApp, spawn_app_customized, spawn_app_with_clock, spawn_second_server,
    test_credentials_key,
};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tradewind_api::Clock;
use tradewind_realtime::grants::{MerchantId, UserId};
use tradewind_realtime::protocol::ServerFrame;
use tradewind_realtime::token::{self, Claims, TokenKey};

/// How long any one frame may take to arrive before the test fails.
const FRAME_TIMEOUT: Duration = Duration::from_secs(15);
const START_MS: u64 = 1_800_000_000_000;

async fn spawn_on(backend: Backend) -> Option<(TestApp, Arc<ManualClock>)> {
    let clock = ManualClock::at_ms(START_MS);
    let app = spawn_app_with_clock(backend, clock.clone()).await?;
    Some((app, clock))
}

async fn spawn() -> (TestApp, Arc<ManualClock>) {
    spawn_on(Backend::Sqlite).await.expect("sqlite")
}

/// A token from the API for `user` with `grants`.
async fn token(app: &TestApp, user: &str, grants: Value) -> String {
    let (status, body) = app
        .post("/v1/realtime/tokens", json!({"user_id": user, "name": format!("{user} name"), "grants": grants}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["url"].as_str().unwrap().ends_with("/v1/realtime"), "{body}");
    body["token"].as_str().unwrap().to_owned()
}

fn all_rights(pattern: &str) -> Value {
    json!([{"pattern": pattern, "rights": ["subscribe", "publish", "presence", "history"]}])
}

/// A token minted outside the API with the server's key (for expired ones).
fn minted(app: &TestApp, user: &str, iat: i64, exp: i64) -> String {
    let key = TokenKey::from_array(*test_credentials_key().realtime_token_secret());
    let claims = Claims {
        sub: UserId::parse(user).unwrap(),
        name: user.to_owned(),
        mer: MerchantId::parse(&app.merchant_id).unwrap(),
        exp,
        iat,
        grants: Vec::new(),
    };
    token::mint(&key, &claims).unwrap()
}

/// What a client reads: a frame, or the close code the server ended with.
#[derive(Debug)]
enum Incoming {
    Frame(Value),
    Closed(Option<u16>),
}

struct Client {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pending: VecDeque<Value>,
    next_id: u64,
}

impl Client {
    async fn open(app: &TestApp) -> Client {
        let url = format!("{}/v1/realtime", app.base_url.replacen("http://", "ws://", 1));
        let (socket, _) = tokio_tungstenite::connect_async(url).await.expect("websocket upgrade");
        Client { socket, pending: VecDeque::new(), next_id: 100 }
    }

    /// Opens and connects with `token`; panics unless `connected` comes back.
    async fn connect(app: &TestApp, token: &str) -> Client {
        let mut client = Client::open(app).await;
        client.send(json!({"type": "connect", "token": token, "protocol_version": "tradewind.realtime.v1"})).await;
        let hello = client.frame().await;
        assert_eq!(hello["type"], "connected", "{hello}");
        client
    }

    async fn send(&mut self, value: Value) {
        self.socket.send(Message::Text(value.to_string().into())).await.expect("send");
    }

    async fn send_text(&mut self, text: String) {
        self.socket.send(Message::Text(text.into())).await.expect("send");
    }

    /// The next thing the server sent, from the socket.
    async fn incoming(&mut self) -> Incoming {
        loop {
            let message = tokio::time::timeout(FRAME_TIMEOUT, self.socket.next()).await.expect("a frame in time");
            match message {
                Some(Ok(Message::Text(text))) => {
                    ServerFrame::from_text(&text)
                        .unwrap_or_else(|error| panic!("not a protocol frame: {error}: {text}"));
                    return Incoming::Frame(serde_json::from_str(&text).unwrap());
                }
                Some(Ok(Message::Close(frame))) => return Incoming::Closed(frame.map(|frame| u16::from(frame.code))),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Incoming::Closed(None),
            }
        }
    }

    /// The next frame, buffered ones first; panics on a close.
    async fn frame(&mut self) -> Value {
        if let Some(frame) = self.pending.pop_front() {
            return frame;
        }
        match self.incoming().await {
            Incoming::Frame(frame) => frame,
            Incoming::Closed(code) => panic!("closed ({code:?}) while a frame was expected"),
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

    /// Sends a command with an id and returns its `ack` or `error`; frames in between are
    /// kept for later reads.
    async fn command(&mut self, mut command: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        command["id"] = json!(id);
        self.send(command).await;
        let mut skipped = VecDeque::new();
        loop {
            let frame = match self.incoming().await {
                Incoming::Frame(frame) => frame,
                Incoming::Closed(code) => panic!("closed ({code:?}) while waiting for the answer to {id}"),
            };
            if frame["id"] == json!(id)
                && ["ack", "error", "pong"].contains(&frame["type"].as_str().unwrap_or_default())
            {
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

    /// Waits for the server's close and returns its code, skipping frames.
    async fn closed(&mut self) -> Option<u16> {
        loop {
            if let Incoming::Closed(code) = self.incoming().await {
                return code;
            }
        }
    }
}

fn assert_error(answer: &Value, code: &str, number: u64) {
    assert_eq!(answer["type"], "error", "{answer}");
    assert_eq!(answer["code"], code, "{answer}");
    assert_eq!(answer["number"], number, "{answer}");
}

async fn publish_api(app: &TestApp, channel: &str, data: Value) -> Value {
    let (status, body) = app.post("/v1/realtime/publish", json!({"channel": channel, "data": data})).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_verified_and_their_errors_are_typed() {
    let (app, clock) = spawn().await;

    // A malformed token: an error frame, then close 4001.
    let mut client = Client::open(&app).await;
    client
        .send(json!({"type": "connect", "id": 1, "token": "nope", "protocol_version": "tradewind.realtime.v1"}))
        .await;
    let Incoming::Frame(error) = client.incoming().await else { panic!("expected an error frame") };
    assert_error(&error, "token_invalid", 4001);
    assert_eq!(error["id"], 1);
    assert_eq!(client.closed().await, Some(4001));

    // Signed with another key.
    let foreign = TokenKey::new(&[7_u8; 32]).unwrap();
    let claims = Claims {
        sub: UserId::parse("u").unwrap(),
        name: "u".into(),
        mer: MerchantId::parse(&app.merchant_id).unwrap(),
        exp: clock.now() + 60,
        iat: clock.now(),
        grants: Vec::new(),
    };
    let mut client = Client::open(&app).await;
    let forged = token::mint(&foreign, &claims).unwrap();
    client.send(json!({"type": "connect", "token": forged, "protocol_version": "tradewind.realtime.v1"})).await;
    assert_error(&client.frame().await, "token_invalid", 4001);
    assert_eq!(client.closed().await, Some(4001));

    // Expired.
    let expired = minted(&app, "late", clock.now() - 120, clock.now() - 60);
    let mut client = Client::open(&app).await;
    client.send(json!({"type": "connect", "token": expired, "protocol_version": "tradewind.realtime.v1"})).await;
    assert_error(&client.frame().await, "token_expired", 4002);
    assert_eq!(client.closed().await, Some(4002));

    // Another protocol version.
    let valid = token(&app, "ada", all_rights("chat:*")).await;
    let mut client = Client::open(&app).await;
    client.send(json!({"type": "connect", "token": valid, "protocol_version": "tradewind.realtime.v0"})).await;
    assert_error(&client.frame().await, "unsupported_protocol", 4005);
    assert_eq!(client.closed().await, Some(4005));

    // A command before connect is refused without ending the session.
    let mut client = Client::open(&app).await;
    client.send(json!({"type": "subscribe", "id": 5, "channel": "chat:room.1"})).await;
    let refused = client.frame().await;
    assert_error(&refused, "not_connected", 4006);
    assert_eq!(refused["id"], 5);
    client.send(json!({"type": "connect", "token": valid, "protocol_version": "tradewind.realtime.v1"})).await;
    let hello = client.frame().await;
    assert_eq!(hello["type"], "connected");
    assert_eq!(hello["user"], "ada");
    assert_eq!(hello["name"], "ada name");

    // Refresh: the same user's new token moves the expiry; another user's is refused.
    let fresh = minted(&app, "ada", clock.now(), clock.now() + 7200);
    let refreshed = client.ok(json!({"type": "refresh", "token": fresh})).await;
    assert_eq!(refreshed, json!({"kind": "refreshed", "expires_at": clock.now() + 7200}));
    let other = minted(&app, "bob", clock.now(), clock.now() + 60);
    assert_error(&client.command(json!({"type": "refresh", "token": other})).await, "permission_denied", 4003);
    let pong = client.command(json!({"type": "ping"})).await;
    assert_eq!(pong["type"], "pong");

    // A token that runs out during the session ends it with 4002.
    let short = minted(&app, "brief", clock.now(), clock.now() + 1);
    let mut client = Client::connect(&app, &short).await;
    assert_eq!(client.closed().await, Some(4002));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_requests_with_bad_input_get_typed_400s() {
    let (app, _clock) = spawn().await;
    let cases = [
        (json!({"user_id": "", "grants": []}), "user_id"),
        (json!({"user_id": "has space"}), "user_id"),
        (json!({"user_id": "u", "expires_in": 0}), "expires_in"),
        (json!({"user_id": "u", "expires_in": 86_401}), "expires_in"),
        (json!({"user_id": "u", "grants": [{"pattern": "nocolon", "rights": ["subscribe"]}]}), "grants[0][pattern]"),
        (json!({"user_id": "u", "grants": [{"pattern": "unknown:x", "rights": ["subscribe"]}]}), "grants[0][pattern]"),
        (json!({"user_id": "u", "grants": [{"pattern": "chat:x", "rights": ["fly"]}]}), "grants[0][rights]"),
        (json!({"user_id": "u", "grants": [{"pattern": "chat:x", "rights": []}]}), "grants[0][rights]"),
        (json!({"user_id": "u", "name": "a\u{7}b"}), "name"),
    ];
    for (body, param) in cases {
        let (status, answer) = app.post("/v1/realtime/tokens", body.clone()).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert_eq!(answer["error"]["param"], param, "{body} → {answer}");
    }
    let (status, answer) =
        app.post_with_key(&app.publishable_key, "/v1/realtime/tokens", json!({"user_id": "u"})).await;
    assert!(status == 401 || status == 403, "{status} {answer}");
    let (status, answer) = app.post("/v1/realtime/publish", json!({"channel": "nope:x", "data": 1})).await;
    assert_eq!((status, answer["error"]["param"].as_str()), (400, Some("channel")), "{answer}");
    // A body over the API's 64 KiB, and a body under it whose frame would be over.
    let big = "x".repeat(70 * 1024);
    let (status, answer) = app.post("/v1/realtime/publish", json!({"channel": "chat:x", "data": big})).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (413, Some("request_too_large")), "{answer}");
    let near = "x".repeat(65_500);
    let (status, answer) = app.post("/v1/realtime/publish", json!({"channel": "chat:x", "data": near})).await;
    assert_eq!((status, answer["error"]["param"].as_str()), (400, Some("data")), "{answer}");
    let (status, namespaces) = app.get("/v1/realtime/namespaces").await;
    assert_eq!(status, 200);
    let names: Vec<&str> = namespaces["data"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["chat", "live", "notifications", "support"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_decide_and_merchants_never_meet() {
    let (app, _clock) = spawn().await;
    let narrow = token(&app, "ada", json!([{"pattern": "chat:room.*", "rights": ["subscribe"]}])).await;
    let mut ada = Client::connect(&app, &narrow).await;
    ada.ok(json!({"type": "subscribe", "channel": "chat:room.1"})).await;
    let denied = ada.command(json!({"type": "subscribe", "channel": "chat:lobby"})).await;
    assert_error(&denied, "permission_denied", 4003);
    assert_error(
        &ada.command(json!({"type": "publish", "channel": "chat:room.1", "data": 1})).await,
        "permission_denied",
        4003,
    );
    assert_error(&ada.command(json!({"type": "history", "channel": "chat:room.1"})).await, "permission_denied", 4003);
    assert_error(&ada.command(json!({"type": "presence", "channel": "chat:room.1"})).await, "permission_denied", 4003);
    assert_error(&ada.command(json!({"type": "subscribe", "channel": "nope:room"})).await, "channel_not_found", 4004);
    assert_error(
        &ada.command(json!({"type": "subscribe", "channel": "chat:room.1"})).await,
        "already_subscribed",
        4007,
    );
    assert_error(&ada.command(json!({"type": "typing", "channel": "chat:room.2"})).await, "not_subscribed", 4008);

    // Clients never publish in `notifications`, whatever the grant.
    let wide = token(&app, "bob", all_rights("notifications:*")).await;
    let mut bob = Client::connect(&app, &wide).await;
    let refused = bob.command(json!({"type": "publish", "channel": "notifications:n.1", "data": 1})).await;
    assert_error(&refused, "permission_denied", 4003);

    // Another merchant's token on the same channel name reaches its own channel only.
    let other = app.second_merchant().await;
    let (status, body) = app
        .post_with_key(&other.0, "/v1/realtime/tokens", json!({"user_id": "eve", "grants": all_rights("chat:*")}))
        .await;
    assert_eq!(status, 200, "{body}");
    let mut eve = Client::connect(&app, body["token"].as_str().unwrap()).await;
    eve.ok(json!({"type": "subscribe", "channel": "chat:room.1"})).await;
    publish_api(&app, "chat:room.1", json!({"for": "first merchant"})).await;
    let (status, _) = app
        .post_with_key(&other.0, "/v1/realtime/publish", json!({"channel": "chat:room.1", "data": {"for": "second"}}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(ada.next_of("publication").await["data"], json!({"for": "first merchant"}));
    let seen = eve.next_of("publication").await;
    assert_eq!(seen["data"], json!({"for": "second"}), "the second merchant saw the first's publication");
    assert_eq!(seen["offset"], 1);
    // The first merchant's token cannot be refreshed into the second's.
    let (_, foreign) = app
        .post_with_key(&other.0, "/v1/realtime/tokens", json!({"user_id": "ada", "grants": all_rights("chat:*")}))
        .await;
    let refused = ada.command(json!({"type": "refresh", "token": foreign["token"]})).await;
    assert_error(&refused, "token_invalid", 4001);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publications_arrive_in_order_and_a_reconnect_recovers_what_it_missed() {
    let (app, clock) = spawn().await;
    let grants = all_rights("chat:*");
    let mut reader = Client::connect(&app, &token(&app, "reader", grants.clone()).await).await;
    let mut writer = Client::connect(&app, &token(&app, "writer", grants).await).await;
    let subscribed = reader.ok(json!({"type": "subscribe", "channel": "chat:room.1"})).await;
    assert_eq!(subscribed["offset"], 0);
    let epoch = subscribed["epoch"].as_str().unwrap().to_owned();
    for step in 1..=20_u64 {
        if step % 2 == 0 {
            publish_api(&app, "chat:room.1", json!({"step": step})).await;
        } else {
            let published =
                writer.ok(json!({"type": "publish", "channel": "chat:room.1", "data": {"step": step}})).await;
            assert_eq!(published["offset"], step);
            clock.advance_ms(200);
        }
    }
    for step in 1..=20_u64 {
        let publication = reader.next_of("publication").await;
        assert_eq!((publication["offset"].as_u64(), publication["data"]["step"].as_u64()), (Some(step), Some(step)));
        assert_eq!(publication["epoch"], epoch.as_str());
        if step % 2 == 1 {
            assert_eq!(publication["info"], json!({"user": "writer", "name": "writer name"}));
        } else {
            assert!(publication.get("info").is_none(), "{publication}");
        }
    }

    // A forced disconnect: the socket goes away without a close handshake.
    drop(reader);
    for step in 21..=25 {
        publish_api(&app, "chat:room.1", json!({"step": step})).await;
    }
    let mut reader = Client::connect(&app, &token(&app, "reader", all_rights("chat:*")).await).await;
    let recovered = reader
        .ok(json!({"type": "subscribe", "channel": "chat:room.1", "recover": {"offset": 20, "epoch": epoch}}))
        .await;
    assert_eq!(recovered["recovered"], true);
    assert_eq!(recovered["offset"], 25);
    let offsets: Vec<u64> =
        recovered["publications"].as_array().unwrap().iter().map(|p| p["offset"].as_u64().unwrap()).collect();
    assert_eq!(offsets, [21, 22, 23, 24, 25]);
    // Live publications continue right after the recovered ones.
    publish_api(&app, "chat:room.1", json!({"step": 26})).await;
    assert_eq!(reader.next_of("publication").await["offset"], 26);

    // History no longer reaching back (100 kept in `chat`): recovered false, current epoch.
    drop(reader);
    for step in 27..=140 {
        publish_api(&app, "chat:room.1", json!({"step": step})).await;
    }
    let mut reader = Client::connect(&app, &token(&app, "reader", all_rights("chat:*")).await).await;
    let lost = reader
        .ok(json!({"type": "subscribe", "channel": "chat:room.1", "recover": {"offset": 26, "epoch": epoch}}))
        .await;
    assert_eq!((lost["recovered"].as_bool(), lost["offset"].as_u64()), (Some(false), Some(140)));
    assert_eq!(lost["publications"], json!([]));
    let history = reader.ok(json!({"type": "history", "channel": "chat:room.1", "limit": 3})).await;
    let offsets: Vec<u64> =
        history["publications"].as_array().unwrap().iter().map(|p| p["offset"].as_u64().unwrap()).collect();
    assert_eq!(offsets, [138, 139, 140]);
    let since = reader.ok(json!({"type": "history", "channel": "chat:room.1", "since_offset": 135, "limit": 2})).await;
    assert_eq!(since["publications"].as_array().unwrap().len(), 2);
    assert_eq!(since["publications"][0]["offset"], 136);

    // An unknown epoch cannot recover either.
    let mut other = Client::connect(&app, &token(&app, "other", all_rights("chat:*")).await).await;
    let wrong = other
        .ok(json!({"type": "subscribe", "channel": "chat:room.1", "recover": {"offset": 139, "epoch": "not-it"}}))
        .await;
    assert_eq!((wrong["recovered"].as_bool(), wrong["epoch"].as_str()), (Some(false), Some(epoch.as_str())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_joins_leaves_and_typing_reach_the_other_members() {
    let (app, _clock) = spawn().await;
    let mut ada = Client::connect(&app, &token(&app, "ada", all_rights("chat:*")).await).await;
    let mut bob = Client::connect(&app, &token(&app, "bob", all_rights("chat:*")).await).await;
    ada.ok(json!({"type": "subscribe", "channel": "chat:room.1"})).await;
    bob.ok(json!({"type": "subscribe", "channel": "chat:room.1"})).await;
    let join = ada.next_of("join").await;
    assert_eq!((join["user"].as_str(), join["name"].as_str()), (Some("bob"), Some("bob name")));
    let members = ada.ok(json!({"type": "presence", "channel": "chat:room.1"})).await;
    let mut users: Vec<&str> =
        members["members"].as_array().unwrap().iter().map(|m| m["user"].as_str().unwrap()).collect();
    users.sort_unstable();
    assert_eq!(users, ["ada", "bob"]);

    bob.ok(json!({"type": "typing", "channel": "chat:room.1"})).await;
    let typing = ada.next_of("typing").await;
    assert_eq!(typing["user"], "bob");

    bob.ok(json!({"type": "unsubscribe", "channel": "chat:room.1"})).await;
    let leave = ada.next_of("leave").await;
    assert_eq!(leave["user"], "bob");
    assert_eq!(leave["client"], join["client"]);
    // A closed socket leaves too.
    bob.ok(json!({"type": "subscribe", "channel": "chat:room.1"})).await;
    assert_eq!(ada.next_of("join").await["user"], "bob");
    drop(bob);
    assert_eq!(ada.next_of("leave").await["user"], "bob");
    let members = ada.ok(json!({"type": "presence", "channel": "chat:room.1"})).await;
    assert_eq!(members["members"].as_array().unwrap().len(), 1);

    // `notifications` keeps no presence.
    let mut carl = Client::connect(&app, &token(&app, "carl", all_rights("notifications:*")).await).await;
    let refused = carl.command(json!({"type": "presence", "channel": "notifications:n"})).await;
    assert_error(&refused, "permission_denied", 4003);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_limit_is_enforced_with_its_code() {
    let (app, clock) = spawn().await;
    let grants = json!([
        {"pattern": "chat:*", "rights": ["subscribe", "publish", "presence", "history"]},
        {"pattern": "live:*", "rights": ["subscribe", "publish"]},
        {"pattern": "support:*", "rights": ["subscribe"]},
    ]);
    let access = token(&app, "ada", grants).await;
    let mut client = Client::connect(&app, &access).await;

    // Publish rate: `live` allows 2 per second per member.
    for _ in 0..2 {
        client.ok(json!({"type": "publish", "channel": "live:show", "data": 1})).await;
    }
    let limited = client.command(json!({"type": "publish", "channel": "live:show", "data": 1})).await;
    assert_error(&limited, "rate_limited", 4029);
    clock.advance_ms(1000);
    client.ok(json!({"type": "publish", "channel": "live:show", "data": 1})).await;

    // Subscriptions per connection: 64.
    for index in 0..64 {
        client.ok(json!({"type": "subscribe", "channel": format!("chat:s.{index}")})).await;
    }
    let refused = client.command(json!({"type": "subscribe", "channel": "chat:s.64"})).await;
    assert_error(&refused, "limit_exceeded", 4010);

    // A publication whose frame would pass 64 KiB.
    // The command fits in 64 KiB; the publication frame (epoch, publisher) does not.
    let near = "x".repeat(64 * 1024 - 70);
    let refused = client.command(json!({"type": "publish", "channel": "chat:s.1", "data": near})).await;
    assert_error(&refused, "frame_too_large", 4009);

    // Member cap: `support` channels take 50 members.
    let mut members = Vec::new();
    for _ in 0..50 {
        let mut member = Client::connect(&app, &access).await;
        member.ok(json!({"type": "subscribe", "channel": "support:ticket.1"})).await;
        members.push(member);
    }
    let mut late = Client::connect(&app, &access).await;
    let refused = late.command(json!({"type": "subscribe", "channel": "support:ticket.1"})).await;
    assert_error(&refused, "member_cap_reached", 4011);
    drop(members);

    // Bad frames: each is an error; the tenth closes with 4007.
    let mut sloppy = Client::connect(&app, &access).await;
    for round in 1..=10 {
        sloppy.send_text("{not json".to_owned()).await;
        match sloppy.incoming().await {
            Incoming::Frame(frame) => assert_error(&frame, "bad_request", 4000),
            Incoming::Closed(code) => panic!("closed ({code:?}) after {round} bad frames"),
        }
    }
    assert_eq!(sloppy.closed().await, Some(4007));
    // A frame naming a bad field says which.
    let answer = client.command(json!({"type": "history", "channel": "chat:s.1", "limit": 0})).await;
    assert_error(&answer, "bad_request", 4000);

    // A frame over 64 KiB: an error, then close 4009.
    let mut large = Client::connect(&app, &access).await;
    large.send_text(format!(r#"{{"type":"ping","pad":"{}"}}"#, "y".repeat(70 * 1024))).await;
    assert_error(&large.frame().await, "frame_too_large", 4009);
    assert_eq!(large.closed().await, Some(4009));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_limits_close_with_4010() {
    let clock = ManualClock::at_ms(START_MS);
    let app = spawn_app_customized(Backend::Sqlite, clock, |state| {
        let limits = tradewind_realtime::hub::HubLimits { connections_per_merchant: 2, ..Default::default() };
        let realtime = tradewind_api::realtime::Realtime::new(
            tradewind_api::realtime::namespaces::defaults().unwrap(),
            limits,
            TokenKey::from_array(*test_credentials_key().realtime_token_secret()),
            tradewind_api::realtime::persist::Persist::new(state.store.clone()),
        );
        state.realtime = Arc::new(realtime);
    })
    .await
    .unwrap();
    let access = token(&app, "ada", all_rights("chat:*")).await;
    let first = Client::connect(&app, &access).await;
    let _second = Client::connect(&app, &access).await;
    let mut third = Client::open(&app).await;
    third.send(json!({"type": "connect", "token": access, "protocol_version": "tradewind.realtime.v1"})).await;
    assert_error(&third.frame().await, "limit_exceeded", 4010);
    assert_eq!(third.closed().await, Some(4010));
    // A closed connection frees its place.
    drop(first);
    let mut retried = None;
    for _ in 0..50 {
        let mut next = Client::open(&app).await;
        next.send(json!({"type": "connect", "token": access, "protocol_version": "tradewind.realtime.v1"})).await;
        if next.frame().await["type"] == "connected" {
            retried = Some(next);
            break;
        }
    }
    assert!(retried.is_some(), "the place of a closed connection was never freed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_room_gets_counts_instead_of_joins() {
    let (app, _clock) = spawn().await;
    let access = token(&app, "viewer", json!([{"pattern": "live:*", "rights": ["subscribe"]}])).await;
    let mut first = Client::connect(&app, &access).await;
    first.ok(json!({"type": "subscribe", "channel": "live:big"})).await;
    let mut others = Vec::new();
    for _ in 0..101 {
        let mut viewer = Client::connect(&app, &access).await;
        viewer.ok(json!({"type": "subscribe", "channel": "live:big"})).await;
        others.push(viewer);
    }
    // Up to the threshold of 100 members each join is announced; above it, the worker's
    // periodic count replaces them.
    let mut joins = 0;
    let count = loop {
        let frame = first.frame().await;
        match frame["type"].as_str() {
            Some("join") => joins += 1,
            Some("presence_count") => break frame["count"].as_u64().unwrap(),
            _ => {}
        }
    };
    assert_eq!(joins, 99);
    assert_eq!(count, 102);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_is_disconnected_while_the_others_keep_receiving() {
    let (app, _clock) = spawn().await;
    let grants = json!([{"pattern": "live:*", "rights": ["subscribe"]}]);
    let mut fast = Client::connect(&app, &token(&app, "fast", grants.clone()).await).await;
    let mut slow = Client::connect(&app, &token(&app, "slow", grants).await).await;
    fast.ok(json!({"type": "subscribe", "channel": "live:sale"})).await;
    slow.ok(json!({"type": "subscribe", "channel": "live:sale"})).await;

    // `slow` stops reading. 1,000 publications of 16 KiB (16 MB) overflow the socket
    // buffers and then its 256-frame queue; `fast` reads every one, in order.
    let payload = "z".repeat(16 * 1024);
    let count = 1000_u64;
    let reading = tokio::spawn(async move {
        for offset in 1..=count {
            let publication = fast.next_of("publication").await;
            assert_eq!(publication["offset"], offset);
        }
        fast
    });
    for step in 0..count {
        publish_api(&app, "live:sale", json!({"step": step, "pad": payload})).await;
    }
    let _fast = reading.await.expect("the fast reader received everything");

    // When `slow` reads again it finds some publications, then the 4008 close.
    let mut received = 0_u64;
    let code = loop {
        match slow.incoming().await {
            Incoming::Frame(frame) => {
                assert_eq!(frame["type"], "publication");
                received += 1;
            }
            Incoming::Closed(code) => break code,
        }
    };
    assert_eq!(code, Some(4008), "after {received} publications");
    assert!(received < count, "the slow consumer was never cut off");
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("tradewind_realtime_slow_consumers 1\n"), "{metrics}");
    assert!(metrics.contains(&format!("tradewind_realtime_publications {count}\n")), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_compare_and_set_has_one_winner() {
    let (app, _clock) = spawn().await;
    let grants = json!([{"pattern": "live:*", "rights": ["subscribe", "publish"]}]);
    let mut host = Client::connect(&app, &token(&app, "host", grants.clone()).await).await;
    let mut viewer = Client::connect(&app, &token(&app, "viewer", grants).await).await;
    viewer.ok(json!({"type": "subscribe", "channel": "live:show"})).await;
    let absent = viewer.ok(json!({"type": "metadata_get", "channel": "live:show", "key": "stock"})).await;
    assert_eq!(absent, json!({"kind": "metadata", "key": "stock", "revision": 0}));

    let set = host
        .ok(json!({"type": "metadata_set", "channel": "live:show", "key": "stock", "value": 10, "expected_revision": 0}))
        .await;
    assert_eq!(set["revision"], 1);
    let lost = viewer
        .command(json!({"type": "metadata_set", "channel": "live:show", "key": "stock", "value": 99, "expected_revision": 0}))
        .await;
    assert_error(&lost, "revision_mismatch", 4012);
    let won = viewer
        .ok(json!({"type": "metadata_set", "channel": "live:show", "key": "stock", "value": 9, "expected_revision": 1}))
        .await;
    assert_eq!(won["revision"], 2);
    let stale = host
        .command(
            json!({"type": "metadata_set", "channel": "live:show", "key": "stock", "value": 8, "expected_revision": 1}),
        )
        .await;
    assert_error(&stale, "revision_mismatch", 4012);
    let change = viewer.next_of("metadata").await;
    assert_eq!((change["value"].as_i64(), change["revision"].as_u64()), (Some(10), Some(1)));
    let change = viewer.next_of("metadata").await;
    assert_eq!((change["value"].as_i64(), change["revision"].as_u64()), (Some(9), Some(2)));
    let current = host.ok(json!({"type": "metadata_get", "channel": "live:show", "key": "stock"})).await;
    assert_eq!(current, json!({"kind": "metadata", "key": "stock", "value": 9, "revision": 2}));
}

/// `support` keeps its history in the database: a restarted server continues the same
/// epoch and offsets and recovers from them.
async fn persistent_history_survives_a_restart(app: TestApp) {
    let mut epoch = String::new();
    for step in 1..=3_u64 {
        let published = publish_api(&app, "support:ticket.7", json!({"step": step})).await;
        assert_eq!(published["offset"], step);
        epoch = published["epoch"].as_str().unwrap().to_owned();
    }
    let restarted = spawn_second_server(&app, Arc::new(tradewind_api::SystemClock)).await;
    let mut agent = Client::connect(&restarted, &token(&restarted, "agent", all_rights("support:*")).await).await;
    let recovered = agent
        .ok(json!({"type": "subscribe", "channel": "support:ticket.7", "recover": {"offset": 1, "epoch": epoch}}))
        .await;
    assert_eq!((recovered["recovered"].as_bool(), recovered["epoch"].as_str()), (Some(true), Some(epoch.as_str())));
    let steps: Vec<u64> =
        recovered["publications"].as_array().unwrap().iter().map(|p| p["data"]["step"].as_u64().unwrap()).collect();
    assert_eq!(steps, [2, 3]);
    let next = publish_api(&restarted, "support:ticket.7", json!({"step": 4})).await;
    assert_eq!((next["offset"].as_u64(), next["epoch"].as_str()), (Some(4), Some(epoch.as_str())));
    assert_eq!(agent.next_of("publication").await["data"]["step"], 4);
    let history = agent.ok(json!({"type": "history", "channel": "support:ticket.7"})).await;
    assert_eq!(history["publications"].as_array().unwrap().len(), 4);
}

on_both_backends!(persistent_history_survives_a_restart);
