//! The JavaScript realtime SDK (`/sdk/realtime.js`) in a real browser against the real
//! `/v1/realtime` endpoint: two tabs chat on one channel; one of them reaches the server
//! through a [`Relay`] that the test takes offline while the other publishes. Its pings
//! go unanswered, it drops the dead connection, its reconnects hang until the link is
//! back, and then it recovers exactly the publications it missed, in order. A badly
//! signed token ends in close code 4001 without a reconnect loop.

use super::harness::{self, Tab};
use super::relay::Relay;
use crate::common::{TestApp, spawn_app};
use anyhow::{Context, ensure};
use serde::Deserialize;
use serde_json::{Value, json};

const CHANNEL: &str = "chat:room.1";

/// Imports the SDK into the page, connects with `config.token`, subscribes to
/// `config.channel` and keeps what happens in `window.rt.log`. Resolves with the
/// connected user.
const SETUP: &str = r#"async (config) => {
    const { RealtimeClient } = await import('/sdk/realtime.js');
    const log = { events: [], received: [], subscribed: [], recoveryFailed: 0 };
    const client = new RealtimeClient(config.url, {
        token: config.token,
        minReconnectDelay: 100,
        maxReconnectDelay: 1000,
        timeout: 3000,
        pingInterval: 1000,
        pongTimeout: 1000,
    });
    for (const name of ['connecting', 'connected', 'disconnected', 'error']) {
        client.on(name, (value) => log.events.push({
            name,
            code: value?.code ?? null,
            number: value?.number ?? null,
            reconnect: value?.reconnect ?? null,
        }));
    }
    window.rt = { client, log };
    await client.connect();
    const sub = client.subscribe(config.channel, { recover: true });
    window.rt.sub = sub;
    sub.on('publication', (p) => log.received.push({ offset: p.offset, epoch: p.epoch, data: p.data }));
    sub.on('subscribed', (c) => log.subscribed.push({ recovered: c.recovered, data: c.publications.map((p) => p.data) }));
    sub.on('recovery_failed', () => { log.recoveryFailed += 1; });
    await sub.ready();
    return client.session.user;
}"#;

#[derive(Debug, Deserialize)]
struct Received {
    offset: u64,
    epoch: String,
    data: Value,
}

#[derive(Debug, Deserialize)]
struct Subscribed {
    recovered: bool,
    data: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct Event {
    name: String,
    code: Option<Value>,
    number: Option<u64>,
    reconnect: Option<bool>,
}

/// A token for `user_id` that may use `chat:room.1`, and the WebSocket URL to use it on.
async fn realtime_token(app: &TestApp, user_id: &str, name: &str) -> anyhow::Result<(String, String)> {
    let body = json!({
        "user_id": user_id,
        "name": name,
        "expires_in": 600,
        "grants": [{ "pattern": CHANNEL, "rights": ["subscribe", "publish", "presence", "history"] }],
    });
    let (status, answer) = app.post("/v1/realtime/tokens", body).await;
    ensure!(status == 200, "creating a realtime token answered {status}: {answer}");
    let token = answer.get("token").and_then(Value::as_str).context("the answer has no token")?;
    let url = answer.get("url").and_then(Value::as_str).context("the answer has no url")?;
    Ok((token.to_owned(), url.to_owned()))
}

/// Opens a same-origin page, connects the SDK in it and subscribes to [`CHANNEL`].
async fn open_client(chromium: &harness::Chromium, app: &TestApp, token: &str, url: &str) -> anyhow::Result<Tab> {
    let tab = chromium.open(&app.url("/healthz")).await?;
    let config = json!({ "url": url, "token": token, "channel": CHANNEL });
    let _user: String = tab.eval(&format!("({SETUP})({config})")).await.context("connecting the SDK")?;
    Ok(tab)
}

async fn publish(tab: &Tab, number: u64) -> anyhow::Result<u64> {
    let result: Value = tab.eval(&format!("window.rt.sub.publish({{ n: {number} }})")).await?;
    result.get("offset").and_then(Value::as_u64).with_context(|| format!("publish answered {result}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_loses_its_network_recovers_the_missed_publications_in_order() -> anyhow::Result<()> {
    let Some(chromium) = harness::launch().await? else {
        return Ok(());
    };
    let app = spawn_app().await;
    let (token_a, url) = realtime_token(&app, "buyer_a", "Ada").await?;
    let (token_b, _) = realtime_token(&app, "buyer_b", "Bo").await?;
    let server: std::net::SocketAddr = app.base_url.trim_start_matches("http://").trim_end_matches('/').parse()?;
    let relay = Relay::start(server).await?;
    let relayed_url = format!("ws://{}/v1/realtime", relay.address);
    let tab_a = open_client(&chromium, &app, &token_a, &url).await?;
    let tab_b = open_client(&chromium, &app, &token_b, &relayed_url).await?;

    let first = publish(&tab_a, 1).await?;
    tab_b.wait_until("window.rt.log.received.length === 1", "B to receive A's first publication").await?;

    // B's link goes silent; A publishes into the gap, and B's missing pong tells it the
    // connection is dead.
    relay.set_online(false);
    let mut missed = Vec::new();
    for number in 2..=5 {
        missed.push(publish(&tab_a, number).await?);
    }
    tab_b
        .wait_until(
            "window.rt.log.events.some((e) => e.name === 'disconnected') && window.rt.client.state !== 'connected'",
            "B to notice it lost its connection",
        )
        .await?;
    ensure!(
        missed.iter().zip(first + 1..).all(|(offset, expected)| *offset == expected),
        "A's publications landed at offsets {first} then {missed:?}"
    );
    let while_offline: usize = tab_b.eval("window.rt.log.received.length").await?;
    ensure!(while_offline == 1, "B received {while_offline} publications while offline");

    relay.set_online(true);
    tab_b
        .wait_until(
            "window.rt.log.subscribed.length === 2 && window.rt.log.received.length >= 5",
            "B to reconnect and recover what it missed",
        )
        .await?;
    // A publication after the recovery arrives live, after the recovered ones.
    publish(&tab_a, 6).await?;
    tab_b.wait_until("window.rt.log.received.length >= 6", "B to receive the publication after recovery").await?;

    let received: Vec<Received> = tab_b.eval("window.rt.log.received").await?;
    let numbers: Vec<Value> = received.iter().map(|publication| publication.data["n"].clone()).collect();
    ensure!(numbers == (1..=6).map(Value::from).collect::<Vec<_>>(), "B received {numbers:?}");
    let offsets: Vec<u64> = received.iter().map(|publication| publication.offset).collect();
    ensure!(offsets == (first..first + 6).collect::<Vec<_>>(), "B's offsets {offsets:?}");
    ensure!(received.iter().all(|publication| publication.epoch == received[0].epoch), "one epoch");

    let subscribed: Vec<Subscribed> = tab_b.eval("window.rt.log.subscribed").await?;
    ensure!(subscribed[1].recovered, "the resubscribe did not recover: {subscribed:?}");
    let recovered: Vec<Value> = subscribed[1].data.iter().map(|data| data["n"].clone()).collect();
    ensure!(recovered == (2..=5).map(Value::from).collect::<Vec<_>>(), "recovered {recovered:?}");
    let recovery_failed: u64 = tab_b.eval("window.rt.log.recoveryFailed").await?;
    ensure!(recovery_failed == 0, "recovery_failed fired {recovery_failed} times");

    let events: Vec<Event> = tab_b.eval("window.rt.log.events").await?;
    let connected = events.iter().filter(|event| event.name == "connected").count();
    ensure!(connected == 2, "B connected {connected} times: {events:?}");
    ensure!(
        events.iter().any(|event| event.name == "disconnected" && event.reconnect == Some(true)),
        "B's disconnect did not plan a reconnect: {events:?}"
    );
    let a_received: usize = tab_a.eval("window.rt.log.received.length").await?;
    ensure!(a_received == 6, "A received {a_received} of its own publications");
    for tab in [&tab_a, &tab_b] {
        let state: String = tab.eval("(window.rt.client.disconnect(), window.rt.client.state)").await?;
        ensure!(state == "disconnected", "after disconnect() the client is {state}");
    }
    chromium.close().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_badly_signed_token_is_refused_with_4001_and_no_reconnect() -> anyhow::Result<()> {
    let Some(chromium) = harness::launch().await? else {
        return Ok(());
    };
    let app = spawn_app().await;
    let (token, url) = realtime_token(&app, "buyer_a", "Ada").await?;
    // Change one character in the middle of the signature.
    let (unsigned, signature) = token.rsplit_once('.').context("the token is not a JWT")?;
    let mut signature: Vec<char> = signature.chars().collect();
    ensure!(signature.len() > 10, "a short signature: {token}");
    signature[10] = if signature[10] == 'A' { 'B' } else { 'A' };
    let tampered = format!("{unsigned}.{}", signature.into_iter().collect::<String>());

    let tab = chromium.open(&app.url("/healthz")).await?;
    let config = json!({ "url": url, "token": tampered, "channel": CHANNEL });
    // The reconnect delay is at most 1 ms, so a reconnect loop would show at once.
    let _: bool = tab
        .eval(&format!(
            r#"(async (config) => {{
                const {{ RealtimeClient }} = await import('/sdk/realtime.js');
                const log = {{ events: [], refusal: null }};
                const client = new RealtimeClient(config.url, {{
                    token: config.token, minReconnectDelay: 1, maxReconnectDelay: 1,
                }});
                for (const name of ['connecting', 'connected', 'disconnected', 'error']) {{
                    client.on(name, (value) => log.events.push({{
                        name, code: value?.code ?? null, number: value?.number ?? null,
                        reconnect: value?.reconnect ?? null,
                    }}));
                }}
                window.rt = {{ client, log }};
                const closed = new Promise((resolve) => client.on('disconnected', resolve));
                client.connect().then(
                    () => {{ log.refusal = {{ connected: true }}; }},
                    (error) => {{ log.refusal = {{ code: error.code, number: error.number ?? null }}; }},
                );
                await closed;
                return true;
            }})({config})"#
        ))
        .await?;
    tab.wait_until("window.rt.log.refusal !== null", "connect() to settle").await?;
    let refusal: Value = tab.eval("window.rt.log.refusal").await?;
    ensure!(refusal["number"] == 4001 && refusal["code"] == "token_invalid", "connect() settled with {refusal}");

    // A round trip to the server gives a 1 ms reconnect timer time to fire, if any.
    let _: u16 = tab.eval("fetch('/healthz').then((response) => response.status)").await?;
    let events: Vec<Event> = tab.eval("window.rt.log.events").await?;
    let error = events.iter().find(|event| event.name == "error").context("no error event")?;
    ensure!(error.number == Some(4001), "the error event: {events:?}");
    let disconnected: Vec<&Event> = events.iter().filter(|event| event.name == "disconnected").collect();
    ensure!(disconnected.len() == 1, "disconnected events: {events:?}");
    ensure!(disconnected[0].code == Some(Value::from(4001)), "closed with {events:?}");
    ensure!(disconnected[0].reconnect == Some(false), "a reconnect was planned: {events:?}");
    let connecting = events.iter().filter(|event| event.name == "connecting").count();
    ensure!(connecting == 1, "the client tried {connecting} times: {events:?}");
    let idle: bool =
        tab.eval("window.rt.client.state === 'disconnected' && window.rt.client._reconnectTimer === null").await?;
    ensure!(idle, "the client is not idle after the refusal");
    chromium.close().await
}
