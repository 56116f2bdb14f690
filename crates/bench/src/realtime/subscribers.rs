//! The subscribers: N WebSocket connections, opened by [`SETUP_THREADS`] threads with
//! blocking sockets, then read by [`READER_THREADS`] threads, each polling its share of
//! the sockets with `mio` (epoll). On Tradewind a subscriber sends `connect` and
//! `subscribe` and waits for their answers; on the baseline the open connection is the
//! subscription.
//!
//! The client shares the machine's two CPUs with the server it measures, so every
//! microsecond it spends per delivery is taken from the server and shows in the
//! latencies. It is therefore a WebSocket client reduced to what a subscriber needs
//! (RFC 6455 as a client: the upgrade, masked frames out, unmasked frames in, pong for
//! ping), reading each socket once per readiness: a read shorter than the buffer has
//! emptied the socket, and epoll's edge-triggered readiness fires again when more
//! arrives. A general client (tokio-tungstenite, in sessions before) read twice per
//! delivery (the second read to learn the socket was empty) and woke a task for each.
//!
//! Per frame a subscriber does no JSON parsing: it finds `"ts":` (the publisher's
//! timestamp, unix µs) and, on Tradewind, `"offset":` and reads their digits, records
//! now − ts into the shared [`Histogram`] and checks that offsets go up by one. Its
//! counts are atomics of its own, read by the coordinator between runs.

use anyhow::Context;
use mio::net::TcpStream as PolledStream;
use mio::{Events, Interest, Poll, Token};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::histogram::Histogram;
use super::servers::Kind;

/// Threads opening connections at once (each waits on the server for most of a setup).
pub const SETUP_THREADS: usize = 16;
/// Threads reading the open connections.
const READER_THREADS: usize = 2;
/// The longest one subscriber's connect, `connect` and `subscribe` may take.
const SETUP_TIMEOUT: Duration = Duration::from_secs(60);
/// Frames a subscriber may get before its `subscribe` is answered (joins, counts).
const SETUP_FRAMES_MAX: usize = 10_000;
/// One read's buffer, shared by the connections of a reader thread. Frames here are
/// under 1 KiB, so a read shorter than this has emptied its socket.
const READ_BYTES: usize = 64 * 1024;
/// The largest frame a subscriber accepts.
const MESSAGE_BYTES_MAX: usize = 64 * 1024;
/// The largest upgrade answer a subscriber reads.
const UPGRADE_ANSWER_BYTES_MAX: usize = 16 * 1024;
/// Readiness events taken per poll.
const EVENTS_PER_POLL: usize = 1024;
/// How long a reader thread pauses when a poll found nothing ready (see
/// [`read_until_stopped`]).
const IDLE_PAUSE: Duration = Duration::from_millis(1);
/// The channel every subscriber joins on Tradewind.
pub const CHANNEL: &str = "live:bench";
const PROTOCOL_VERSION: &str = "tradewind.realtime.v1";
/// Any 16 bytes, base64: the server answers it hashed, which a bench need not check.
const WEBSOCKET_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

const OPCODE_TEXT: u8 = 0x1;
const OPCODE_CLOSE: u8 = 0x8;
const OPCODE_PING: u8 = 0x9;
const OPCODE_PONG: u8 = 0xA;

/// One subscriber's counts, written by its reader thread only.
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
    stop: Arc<AtomicBool>,
    readers: Vec<JoinHandle<()>>,
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

/// One whole frame at the start of a buffer.
#[derive(Debug, PartialEq)]
struct Frame {
    fin: bool,
    opcode: u8,
    /// Where its payload is in the buffer.
    payload: std::ops::Range<usize>,
}

/// The frame at the start of `bytes`: `Ok(None)` while it is incomplete. A server's
/// frames are never masked (RFC 6455, 5.1).
fn parse_frame(bytes: &[u8]) -> anyhow::Result<Option<Frame>> {
    let [first, second, ..] = *bytes else { return Ok(None) };
    anyhow::ensure!(second & 0x80 == 0, "a masked frame from the server");
    let (length, header) = match second & 0x7f {
        126 => match bytes.get(2..4) {
            Some(&[high, low]) => (u64::from(u16::from_be_bytes([high, low])), 4),
            _ => return Ok(None),
        },
        127 => match bytes.get(2..10).and_then(|slice| <[u8; 8]>::try_from(slice).ok()) {
            Some(length) => (u64::from_be_bytes(length), 10),
            None => return Ok(None),
        },
        short => (u64::from(short), 2),
    };
    anyhow::ensure!(length <= MESSAGE_BYTES_MAX as u64, "a frame of {length} bytes");
    let end = header + length as usize;
    if bytes.len() < end {
        return Ok(None);
    }
    Ok(Some(Frame { fin: first & 0x80 != 0, opcode: first & 0x0f, payload: header..end }))
}

/// A client frame: final, masked with `mask` (RFC 6455, 5.3).
fn client_frame(opcode: u8, payload: &[u8], mask: [u8; 4]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(payload.len() + 14);
    frame.push(0x80 | opcode);
    match payload.len() {
        length @ 0..=125 => frame.push(0x80 | length as u8),
        length @ 126..=0xffff => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(length as u16).to_be_bytes());
        }
        length => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(length as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().zip(mask.iter().cycle()).map(|(byte, mask)| byte ^ mask));
    frame
}

/// `ws://host:port/path` as (`host:port`, `/path`).
fn split_url(url: &str) -> anyhow::Result<(&str, &str)> {
    let rest = url.strip_prefix("ws://").with_context(|| format!("not a ws:// URL: {url}"))?;
    Ok(match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    })
}

/// Reads what `stream` has (blocking) onto the end of `buffer`; an error at the end of
/// the stream.
pub(super) fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> anyhow::Result<()> {
    let mut chunk = [0u8; 4096];
    let read = stream.read(&mut chunk)?;
    anyhow::ensure!(read > 0, "the peer closed the connection");
    buffer.extend_from_slice(&chunk[..read]);
    Ok(())
}

/// A subscriber's connection while it is being set up: blocking, with what was read
/// beyond the last frame handled kept in `buffer`.
struct Setup {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Setup {
    /// Connects and upgrades to a WebSocket.
    fn upgrade(url: &str) -> anyhow::Result<Setup> {
        let (host, path) = split_url(url)?;
        let stream = TcpStream::connect(host).with_context(|| format!("connecting to {host}"))?;
        stream.set_read_timeout(Some(SETUP_TIMEOUT))?;
        stream.set_write_timeout(Some(SETUP_TIMEOUT))?;
        stream.set_nodelay(true)?;
        let mut setup = Setup { stream, buffer: Vec::with_capacity(1024) };
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: {WEBSOCKET_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        setup.stream.write_all(request.as_bytes()).context("sending the upgrade")?;
        let head_end = loop {
            if let Some(end) = setup.buffer.windows(4).position(|window| window == b"\r\n\r\n") {
                break end + 4;
            }
            anyhow::ensure!(setup.buffer.len() < UPGRADE_ANSWER_BYTES_MAX, "an upgrade answer too long");
            setup.fill().context("reading the upgrade answer")?;
        };
        let head = String::from_utf8_lossy(&setup.buffer[..head_end]).into_owned();
        let status = head.lines().next().unwrap_or_default();
        anyhow::ensure!(status.split(' ').nth(1) == Some("101"), "the upgrade was answered {status}");
        setup.buffer.drain(..head_end);
        Ok(setup)
    }

    /// Reads more into `buffer`; an error at the end of the stream.
    fn fill(&mut self) -> anyhow::Result<()> {
        read_more(&mut self.stream, &mut self.buffer)
    }

    fn send_text(&mut self, text: &str) -> anyhow::Result<()> {
        let mask = rand::random::<[u8; 4]>();
        self.stream.write_all(&client_frame(OPCODE_TEXT, text.as_bytes(), mask)).context("sending")
    }

    /// Reads until a text frame that `wanted` accepts; fails on an `error` frame or a close.
    fn await_frame(&mut self, what: &str, wanted: impl Fn(&str) -> bool) -> anyhow::Result<String> {
        let mut frames = 0;
        while frames < SETUP_FRAMES_MAX {
            let Some(frame) = parse_frame(&self.buffer)? else {
                self.fill().with_context(|| format!("waiting for {what}"))?;
                continue;
            };
            frames += 1;
            let payload = self.buffer[frame.payload.clone()].to_vec();
            self.buffer.drain(..frame.payload.end);
            match frame.opcode {
                OPCODE_CLOSE => anyhow::bail!("closed while waiting for {what}"),
                OPCODE_PING => {
                    let pong = client_frame(OPCODE_PONG, &payload, rand::random());
                    self.stream.write_all(&pong).context("answering a ping")?;
                    continue;
                }
                OPCODE_TEXT => {}
                _ => continue,
            }
            let text = String::from_utf8(payload).context("a text frame that is not UTF-8")?;
            if wanted(&text) {
                return Ok(text);
            }
            if text.contains(r#""type":"error""#) {
                anyhow::bail!("error while waiting for {what}: {text}");
            }
        }
        anyhow::bail!("{what} did not come within {SETUP_FRAMES_MAX} frames")
    }
}

/// One open subscriber, as its reader thread keeps it.
struct Subscriber {
    index: usize,
    stream: Option<PolledStream>,
    /// Bytes of a frame not yet whole.
    partial: Vec<u8>,
    /// The channel's last offset seen (Tradewind).
    last_offset: u64,
    counts: Arc<SubscriberCounts>,
}

/// Opens subscriber `index` with blocking reads; on Tradewind it is subscribed.
fn open(endpoint: &Endpoint, index: usize, counts: Arc<SubscriberCounts>) -> anyhow::Result<Subscriber> {
    let mut setup = Setup::upgrade(&endpoint.url)?;
    let mut last_offset = 0;
    if let Some(token) = &endpoint.token {
        let connect =
            serde_json::json!({"type": "connect", "id": 1, "token": token, "protocol_version": PROTOCOL_VERSION});
        setup.send_text(&connect.to_string())?;
        setup.await_frame("connected", |text| text.contains(r#""type":"connected""#))?;
        let subscribe = serde_json::json!({"type": "subscribe", "id": 2, "channel": CHANNEL});
        setup.send_text(&subscribe.to_string())?;
        let ack = setup.await_frame("the subscribe ack", |text| {
            text.contains(r#""type":"ack""#)
                && serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| v["id"] == 2)
        })?;
        let ack: serde_json::Value = serde_json::from_str(&ack)?;
        last_offset = ack["result"]["offset"].as_u64().with_context(|| format!("no offset in {ack}"))?;
    }
    setup.stream.set_nonblocking(true)?;
    let Setup { stream, buffer } = setup;
    Ok(Subscriber { index, stream: Some(PolledStream::from_std(stream)), partial: buffer, last_offset, counts })
}

/// What a reader thread shares with every subscriber it reads.
struct Reading {
    kind: Kind,
    histogram: Arc<Histogram>,
}

impl Reading {
    /// Handles the whole frames at the start of `bytes`; answers how many bytes they
    /// took, or `None` when the connection is to end (a close, a bad frame).
    fn frames(&self, subscriber: &mut Subscriber, bytes: &[u8]) -> Option<usize> {
        let mut consumed = 0;
        loop {
            let frame = match parse_frame(&bytes[consumed..]) {
                Ok(Some(frame)) => frame,
                Ok(None) => return Some(consumed),
                Err(_) => return None,
            };
            let payload = &bytes[consumed + frame.payload.start..consumed + frame.payload.end];
            consumed += frame.payload.end;
            match frame.opcode {
                OPCODE_TEXT if frame.fin => self.text(subscriber, payload),
                OPCODE_CLOSE => return None,
                OPCODE_PING => {
                    let pong = client_frame(OPCODE_PONG, payload, rand::random());
                    if let Some(stream) = subscriber.stream.as_mut() {
                        // A pong is a few bytes into an idle socket's buffer; one lost
                        // to a full buffer only risks the server's keep-alive.
                        let _ = stream.write(&pong);
                    }
                }
                _ => {
                    subscriber.counts.unreadable.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    fn text(&self, subscriber: &mut Subscriber, payload: &[u8]) {
        let counts = &subscriber.counts;
        let Ok(text) = std::str::from_utf8(payload) else {
            counts.unreadable.fetch_add(1, Ordering::Relaxed);
            return;
        };
        if self.kind == Kind::Tradewind {
            if !text.contains(r#""type":"publication""#) {
                return;
            }
            let last = subscriber.last_offset;
            match number_after(text, r#""offset":"#) {
                Some(offset) if offset != last + 1 => {
                    if offset > last {
                        counts.gaps.fetch_add(offset - last - 1, Ordering::Relaxed);
                    } else {
                        counts.repeats.fetch_add(1, Ordering::Relaxed);
                    }
                    subscriber.last_offset = last.max(offset);
                }
                Some(offset) => subscriber.last_offset = offset,
                None => {
                    counts.unreadable.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        let now_us = unix_micros();
        match number_after(text, r#""ts":"#) {
            Some(ts_us) => self.histogram.record(subscriber.index, now_us.saturating_sub(ts_us)),
            None => {
                counts.unreadable.fetch_add(1, Ordering::Relaxed);
            }
        }
        counts.delivered.fetch_add(1, Ordering::Relaxed);
        counts.last_delivery_us.store(now_us, Ordering::Relaxed);
    }

    /// Reads a subscriber that became readable: once, unless the read filled the
    /// buffer (then the socket may hold more).
    fn readable(&self, subscriber: &mut Subscriber, buffer: &mut [u8]) -> bool {
        loop {
            let Some(stream) = subscriber.stream.as_mut() else { return false };
            let read = match stream.read(buffer) {
                Ok(0) => return false,
                Ok(read) => read,
                Err(error) if error.kind() == ErrorKind::WouldBlock => return true,
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                Err(_) => return false,
            };
            if subscriber.partial.is_empty() {
                let Some(consumed) = self.frames(subscriber, &buffer[..read]) else { return false };
                subscriber.partial.extend_from_slice(&buffer[consumed..read]);
            } else {
                let mut partial = std::mem::take(&mut subscriber.partial);
                partial.extend_from_slice(&buffer[..read]);
                let Some(consumed) = self.frames(subscriber, &partial) else { return false };
                partial.drain(..consumed);
                subscriber.partial = partial;
            }
            if read < buffer.len() {
                return true;
            }
        }
    }

    /// Frames that arrived with the subscribe ack, before the thread took the socket.
    fn buffered(&self, subscriber: &mut Subscriber) -> bool {
        let partial = std::mem::take(&mut subscriber.partial);
        let Some(consumed) = self.frames(subscriber, &partial) else { return false };
        subscriber.partial = partial[consumed..].to_vec();
        true
    }
}

/// A reader thread: polls its subscribers until `stop`, then drops (closes) them.
fn read_until_stopped(reading: Reading, mut subscribers: Vec<Subscriber>, mut poll: Poll, stop: Arc<AtomicBool>) {
    let mut events = Events::with_capacity(EVENTS_PER_POLL);
    let mut buffer = vec![0u8; READ_BYTES];
    let close = |subscriber: &mut Subscriber, poll: &Poll| {
        if let Some(mut stream) = subscriber.stream.take() {
            let _ = poll.registry().deregister(&mut stream);
        }
        subscriber.counts.closed.store(true, Ordering::Relaxed);
    };
    for subscriber in &mut subscribers {
        if !reading.buffered(subscriber) {
            close(subscriber, &poll);
        }
    }
    while !stop.load(Ordering::Relaxed) {
        if let Err(error) = poll.poll(&mut events, Some(Duration::ZERO)) {
            if error.kind() == ErrorKind::Interrupted {
                continue;
            }
            eprintln!("  a subscriber thread stopped: {error}");
            break;
        }
        if events.is_empty() {
            std::thread::sleep(IDLE_PAUSE);
            continue;
        }
        for event in &events {
            let Some(subscriber) = subscribers.get_mut(event.token().0) else { continue };
            if !reading.readable(subscriber, &mut buffer) {
                close(subscriber, &poll);
            }
        }
    }
}

impl Crowd {
    /// Opens `subscribers` connections to `endpoint`, [`SETUP_THREADS`] at a time, each
    /// read from the moment it is subscribed.
    pub async fn open(endpoint: &Endpoint, subscribers: usize) -> Crowd {
        let endpoint = endpoint.clone();
        let opening = tokio::task::spawn_blocking(move || Crowd::open_blocking(&endpoint, subscribers));
        opening.await.unwrap_or_else(|error| Crowd::failed_to_start(format!("the setup threads failed: {error}")))
    }

    fn failed_to_start(reason: String) -> Crowd {
        Crowd {
            counts: Vec::new(),
            histogram: Arc::new(Histogram::new()),
            failed: 1,
            first_failure: Some(reason),
            stop: Arc::new(AtomicBool::new(true)),
            readers: Vec::new(),
        }
    }

    fn open_blocking(endpoint: &Endpoint, subscribers: usize) -> Crowd {
        let histogram = Arc::new(Histogram::new());
        let stop = Arc::new(AtomicBool::new(false));
        let mut crowd = Crowd {
            counts: Vec::with_capacity(subscribers),
            histogram: Arc::clone(&histogram),
            failed: 0,
            first_failure: None,
            stop: Arc::clone(&stop),
            readers: Vec::new(),
        };
        let mut polls = Vec::with_capacity(READER_THREADS);
        for _ in 0..READER_THREADS {
            match Poll::new() {
                Ok(poll) => polls.push((poll, Vec::new())),
                Err(error) => return Crowd::failed_to_start(format!("creating a poll: {error}")),
            }
        }
        let next = AtomicU64::new(0);
        let opened: Vec<(usize, anyhow::Result<Subscriber>)> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..SETUP_THREADS.min(subscribers.max(1)))
                .map(|_| {
                    scope.spawn(|| {
                        let mut opened = Vec::new();
                        loop {
                            let index = next.fetch_add(1, Ordering::Relaxed) as usize;
                            if index >= subscribers {
                                return opened;
                            }
                            let counts = Arc::new(SubscriberCounts::default());
                            opened.push((index, open(endpoint, index, counts)));
                        }
                    })
                })
                .collect();
            workers.into_iter().flat_map(|worker| worker.join().unwrap_or_default()).collect()
        });
        for (index, opened) in opened {
            match opened {
                Ok(mut subscriber) => {
                    let (poll, share) = &mut polls[crowd.counts.len() % READER_THREADS];
                    let token = Token(share.len());
                    let registered = subscriber
                        .stream
                        .as_mut()
                        .map(|stream| poll.registry().register(stream, token, Interest::READABLE));
                    if let Some(Err(error)) = registered {
                        crowd.fail(index, format!("registering the socket: {error}"));
                        continue;
                    }
                    crowd.counts.push(Arc::clone(&subscriber.counts));
                    share.push(subscriber);
                }
                Err(error) => crowd.fail(index, format!("{error:#}")),
            }
        }
        for (poll, share) in polls {
            let reading = Reading { kind: endpoint.kind, histogram: Arc::clone(&histogram) };
            let stop = Arc::clone(&stop);
            let spawned = std::thread::Builder::new()
                .name("bench-subscribers".to_owned())
                .spawn(move || read_until_stopped(reading, share, poll, stop));
            match spawned {
                Ok(reader) => crowd.readers.push(reader),
                Err(error) => crowd.fail(0, format!("starting a reader thread: {error}")),
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

    /// Stops the reader threads, which drop (close) their connections.
    pub async fn close(self) {
        self.stop.store(true, Ordering::Relaxed);
        let readers = self.readers;
        let _ = tokio::task::spawn_blocking(move || {
            for reader in readers {
                let _ = reader.join();
            }
        })
        .await;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
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

    #[test]
    fn frames_are_parsed_whole_or_not_at_all() {
        let mut bytes = vec![0x81, 5];
        bytes.extend_from_slice(b"hello");
        assert_eq!(parse_frame(&bytes).unwrap(), Some(Frame { fin: true, opcode: OPCODE_TEXT, payload: 2..7 }));
        assert_eq!(parse_frame(&bytes[..6]).unwrap(), None, "a payload cut short");
        assert_eq!(parse_frame(&bytes[..1]).unwrap(), None, "a header cut short");
        let long = [&[0x01, 126, 0x01, 0x00][..], &[b'x'; 256][..]].concat();
        assert_eq!(parse_frame(&long).unwrap(), Some(Frame { fin: false, opcode: OPCODE_TEXT, payload: 4..260 }));
        assert_eq!(parse_frame(&long[..3]).unwrap(), None);
        assert!(parse_frame(&[0x81, 0x85, 0, 0, 0, 0]).is_err(), "servers do not mask");
        let huge = [0x81, 127, 0, 0, 0, 0, 0, 0x10, 0, 0];
        assert!(parse_frame(&huge).is_err(), "a frame over the limit");
    }

    #[test]
    fn client_frames_are_masked() {
        let frame = client_frame(OPCODE_TEXT, b"abcd", [1, 2, 3, 4]);
        assert_eq!(frame, vec![0x81, 0x84, 1, 2, 3, 4, b'a' ^ 1, b'b' ^ 2, b'c' ^ 3, b'd' ^ 4]);
        let long = client_frame(OPCODE_TEXT, &[0u8; 300], [0; 4]);
        assert_eq!(&long[..4], &[0x81, 0x80 | 126, 0x01, 0x2c]);
        assert_eq!(long.len(), 4 + 4 + 300);
    }

    #[test]
    fn urls_split_into_address_and_path() {
        assert_eq!(split_url("ws://127.0.0.1:9/v1/realtime").unwrap(), ("127.0.0.1:9", "/v1/realtime"));
        assert_eq!(split_url("ws://127.0.0.1:9").unwrap(), ("127.0.0.1:9", "/"));
        assert!(split_url("http://127.0.0.1:9/").is_err());
    }
}
