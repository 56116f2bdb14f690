//! The subscribers: N WebSocket connections, opened [`CONNECT_CONCURRENCY`] at a time,
//! each with a task that reads frames until it is stopped. On Tradewind a subscriber
//! sends `connect` and `subscribe` and waits for their answers; on the baseline the
//! open connection is the subscription.
//!
//! Per frame a subscriber does no JSON parsing: it finds `"ts":` (the publisher's
//! timestamp, unix µs) and, on Tradewind, `"offset":` and reads their digits, records
//! now − ts into the shared [`Histogram`] and checks that offsets go up by one. Its
//! counts are atomics of its own, read by the coordinator between runs.

use anyhow::Context;
use futures::{SinkExt, StreamExt};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::histogram::Histogram;
use super::servers::Kind;

/// Connections being opened at once.
pub const CONNECT_CONCURRENCY: usize = 200;
/// The longest one subscriber's connect, `connect` and `subscribe` may take.
const SETUP_TIMEOUT: Duration = Duration::from_secs(60);
/// Frames a subscriber may get before its `subscribe` is answered (joins, counts).
const SETUP_FRAMES_MAX: usize = 10_000;
/// The client's read buffer per connection; frames here are under 1 KiB. tungstenite
/// zeroes this much before every read, so a larger one costs the client (which shares
/// the CPUs with the servers) a memset per delivery: 8 KiB was 7% of its CPU.
const READ_BUFFER_BYTES: usize = 2 * 1024;
/// The largest frame a subscriber accepts.
const MESSAGE_BYTES_MAX: usize = 64 * 1024;
/// The channel every subscriber joins on Tradewind.
pub const CHANNEL: &str = "live:bench";
const PROTOCOL_VERSION: &str = "tradewind.realtime.v1";

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One subscriber's counts, written by its task only.
#[derive(Default)]
pub struct SubscriberCounts {
    pub delivered: AtomicU64,
    /// Publications missing between two received offsets (Tradewind).
    pub gaps: AtomicU64,
    /// Publications whose offset was not above the last one (Tradewind).
    pub repeats: AtomicU64,
    /// When the last publication arrived, unix µs.
    pub last_delivery_us: AtomicU64,
    /// Frames without a readable `ts`.
    pub unreadable: AtomicU64,
    /// The connection ended (the server closed it, or a read failed).
    pub closed: AtomicBool,
}

/// The open subscribers of one server.
pub struct Crowd {
    pub counts: Vec<Arc<SubscriberCounts>>,
    pub histogram: Arc<Histogram>,
    /// Subscribers that could not connect or subscribe, and the first reason.
    pub failed: usize,
    pub first_failure: Option<String>,
    tasks: Vec<JoinHandle<()>>,
}

/// Where and how subscribers connect.
#[derive(Clone)]
pub struct Endpoint {
    pub kind: Kind,
    /// `ws://…`
    pub url: String,
    /// The realtime token (Tradewind only).
    pub token: Option<String>,
}

pub fn unix_micros() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_micros() as u64)
}

/// The digits after the first `key` (such as `"ts":`) in `text`.
pub fn number_after(text: &str, key: &str) -> Option<u64> {
    let start = text.find(key)? + key.len();
    let digits = &text.as_bytes()[start..];
    let mut value: u64 = 0;
    let mut length = 0;
    for &byte in digits.iter().take(20) {
        if !byte.is_ascii_digit() {
            break;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(byte - b'0'))?;
        length += 1;
    }
    (length > 0).then_some(value)
}

fn text_of(message: &Message) -> Option<&str> {
    match message {
        Message::Text(text) => Some(text.as_str()),
        _ => None,
    }
}

async fn send_text(socket: &mut Socket, text: String) -> anyhow::Result<()> {
    socket.send(Message::text(text)).await.context("sending")
}

/// Reads until a frame that `wanted` accepts; fails on an `error` frame or a close.
async fn await_frame(socket: &mut Socket, what: &str, wanted: impl Fn(&str) -> bool) -> anyhow::Result<String> {
    for _ in 0..SETUP_FRAMES_MAX {
        let message = socket.next().await.with_context(|| format!("closed while waiting for {what}"))??;
        if let Message::Close(frame) = &message {
            anyhow::bail!("closed while waiting for {what}: {frame:?}");
        }
        let Some(text) = text_of(&message) else { continue };
        if wanted(text) {
            return Ok(text.to_owned());
        }
        if text.contains(r#""type":"error""#) {
            anyhow::bail!("error while waiting for {what}: {text}");
        }
    }
    anyhow::bail!("{what} did not come within {SETUP_FRAMES_MAX} frames")
}

/// Opens one subscriber; returns its socket and, on Tradewind, the channel's offset.
async fn open(endpoint: &Endpoint) -> anyhow::Result<(Socket, u64)> {
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_BYTES)
        .max_message_size(Some(MESSAGE_BYTES_MAX))
        .max_frame_size(Some(MESSAGE_BYTES_MAX));
    let (mut socket, _) = tokio_tungstenite::connect_async_with_config(endpoint.url.as_str(), Some(config), true)
        .await
        .context("opening the WebSocket")?;
    let Some(token) = &endpoint.token else {
        return Ok((socket, 0));
    };
    let connect = serde_json::json!({"type": "connect", "id": 1, "token": token, "protocol_version": PROTOCOL_VERSION});
    send_text(&mut socket, connect.to_string()).await?;
    await_frame(&mut socket, "connected", |text| text.contains(r#""type":"connected""#)).await?;
    let subscribe = serde_json::json!({"type": "subscribe", "id": 2, "channel": CHANNEL});
    send_text(&mut socket, subscribe.to_string()).await?;
    let ack = await_frame(&mut socket, "the subscribe ack", |text| {
        text.contains(r#""type":"ack""#) && serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| v["id"] == 2)
    })
    .await?;
    let ack: serde_json::Value = serde_json::from_str(&ack)?;
    let offset = ack["result"]["offset"].as_u64().with_context(|| format!("no offset in {ack}"))?;
    Ok((socket, offset))
}

/// A subscriber's reading loop, until the server closes or the task is aborted;
/// `subscribed_at` is the channel's offset in the subscribe ack (Tradewind).
async fn read(
    mut socket: Socket,
    kind: Kind,
    index: usize,
    subscribed_at: u64,
    counts: Arc<SubscriberCounts>,
    histogram: Arc<Histogram>,
) {
    let mut last_offset = subscribed_at;
    while let Some(Ok(message)) = socket.next().await {
        let text = match &message {
            Message::Text(text) => text.as_str(),
            Message::Close(_) => break,
            _ => continue,
        };
        if kind == Kind::Tradewind {
            if !text.contains(r#""type":"publication""#) {
                continue;
            }
            match number_after(text, r#""offset":"#) {
                Some(offset) if offset != last_offset + 1 => {
                    if offset > last_offset {
                        counts.gaps.fetch_add(offset - last_offset - 1, Ordering::Relaxed);
                    } else {
                        counts.repeats.fetch_add(1, Ordering::Relaxed);
                    }
                    last_offset = last_offset.max(offset);
                }
                Some(offset) => last_offset = offset,
                None => {
                    counts.unreadable.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        let now_us = unix_micros();
        match number_after(text, r#""ts":"#) {
            Some(ts_us) => histogram.record(index, now_us.saturating_sub(ts_us)),
            None => {
                counts.unreadable.fetch_add(1, Ordering::Relaxed);
            }
        }
        counts.delivered.fetch_add(1, Ordering::Relaxed);
        counts.last_delivery_us.store(now_us, Ordering::Relaxed);
    }
    counts.closed.store(true, Ordering::Relaxed);
}

impl Crowd {
    /// Opens `subscribers` connections to `endpoint`, [`CONNECT_CONCURRENCY`] at a time,
    /// each reading in its own task from the moment it is subscribed.
    pub async fn open(endpoint: &Endpoint, subscribers: usize) -> Crowd {
        let histogram = Arc::new(Histogram::new());
        let mut crowd = Crowd {
            counts: Vec::with_capacity(subscribers),
            histogram: Arc::clone(&histogram),
            failed: 0,
            first_failure: None,
            tasks: Vec::with_capacity(subscribers),
        };
        let mut opened = futures::stream::iter(0..subscribers)
            .map(|index| async move {
                let opened = tokio::time::timeout(SETUP_TIMEOUT, open(endpoint)).await;
                (index, opened)
            })
            .buffer_unordered(CONNECT_CONCURRENCY);
        while let Some((index, opened)) = opened.next().await {
            match opened {
                Ok(Ok((socket, offset))) => {
                    let counts = Arc::new(SubscriberCounts::default());
                    let reading =
                        read(socket, endpoint.kind, index, offset, Arc::clone(&counts), Arc::clone(&histogram));
                    let task = tokio::spawn(reading);
                    crowd.counts.push(counts);
                    crowd.tasks.push(task);
                }
                Ok(Err(error)) => crowd.fail(index, format!("{error:#}")),
                Err(_) => crowd.fail(index, format!("no subscription in {SETUP_TIMEOUT:?}")),
            }
        }
        crowd
    }

    fn fail(&mut self, index: usize, reason: String) {
        self.failed += 1;
        self.first_failure.get_or_insert_with(|| format!("subscriber {index}: {reason}"));
    }

    /// Subscribers whose connection is still open.
    pub fn open_count(&self) -> usize {
        self.counts.iter().filter(|counts| !counts.closed.load(Ordering::Relaxed)).count()
    }

    pub fn delivered(&self) -> u64 {
        self.counts.iter().map(|counts| counts.delivered.load(Ordering::Relaxed)).sum()
    }

    /// Ends every subscriber's task, which drops (closes) its connection.
    pub async fn close(self) {
        for task in &self.tasks {
            task.abort();
        }
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_after_their_key_only() {
        let frame = r#"{"channel":"live:bench","data":{"pad":"xx","seq":7,"ts":1700000000123456},"epoch":"e","offset":42,"type":"publication"}"#;
        assert_eq!(number_after(frame, r#""ts":"#), Some(1_700_000_000_123_456));
        assert_eq!(number_after(frame, r#""offset":"#), Some(42));
        assert_eq!(number_after(frame, r#""seq":"#), Some(7));
        assert_eq!(number_after(frame, r#""missing":"#), None);
        assert_eq!(number_after(r#"{"ts":"soon"}"#, r#""ts":"#), None);
        assert_eq!(number_after(r#"{"ts":99999999999999999999999}"#, r#""ts":"#), None, "overflow is unreadable");
    }
}
