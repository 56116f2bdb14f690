//! The publisher: one publication per tick at a set rate for a set time, each an HTTP
//! POST on one of [`PUBLISHER_CONNECTIONS`] keep-alive connections. Send times are
//! computed from the start (message i is due at start + i / rate), never from the
//! previous send, so the rate does not drift; a message whose connection is busy waits
//! in a bounded queue and still carries its due time as `ts`, so a server that is slow
//! to take publications shows it in the latencies instead of lowering the offered rate
//! unseen.
//!
//! Every message is [`MESSAGE_BYTES`] of JSON: `{"ts":<unix µs>,"seq":<n>,"pad":"x…"}`.
//! Tradewind gets it as `data` in `POST /v1/realtime/publish`, the baseline as the body of
//! `POST /publish`.

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, mpsc};

use super::servers::Kind;
use super::subscribers::{CHANNEL, unix_micros};

/// The size of each message (the publication's `data`), in bytes of JSON.
pub const MESSAGE_BYTES: usize = 256;
/// Publications in flight at once, each on its own connection.
pub const PUBLISHER_CONNECTIONS: usize = 4;
/// Due messages waiting for a free connection; past this the ticker waits too.
const QUEUE_MESSAGES: usize = 4096;
/// A publication not answered in this time counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const RESPONSE_BYTES_MAX: usize = 64 * 1024;

/// Where publications go.
pub struct PublishTarget {
    kind: Kind,
    addr: SocketAddr,
    host: HeaderValue,
    authorization: Option<HeaderValue>,
}

impl PublishTarget {
    pub fn new(kind: Kind, addr: SocketAddr, secret_key: Option<&str>) -> anyhow::Result<PublishTarget> {
        let authorization = match secret_key {
            Some(key) => Some(HeaderValue::from_str(&format!("Bearer {key}"))?),
            None => None,
        };
        Ok(PublishTarget { kind, addr, host: HeaderValue::from_str(&addr.to_string())?, authorization })
    }

    fn path(&self) -> &'static str {
        match self.kind {
            Kind::Tradewind => "/v1/realtime/publish",
            Kind::Ws | Kind::Floor => "/publish",
        }
    }

    fn body(&self, message: &str) -> String {
        match self.kind {
            Kind::Tradewind => format!(r#"{{"channel":"{CHANNEL}","data":{message}}}"#),
            Kind::Ws | Kind::Floor => message.to_owned(),
        }
    }
}

/// The message with sequence number `seq`, due at `ts_us`, padded to [`MESSAGE_BYTES`].
pub fn message(ts_us: u64, seq: u64) -> String {
    let head = format!(r#"{{"ts":{ts_us},"seq":{seq},"pad":""#);
    let pad = MESSAGE_BYTES.saturating_sub(head.len() + 2);
    let mut text = String::with_capacity(MESSAGE_BYTES);
    text.push_str(&head);
    text.extend(std::iter::repeat_n('x', pad));
    text.push_str(r#""}"#);
    text
}

/// What one publishing run did.
#[derive(Debug, Default)]
pub struct Published {
    /// Publications the server answered 200 to.
    pub published: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    /// When the first message was due, unix µs.
    pub started_us: u64,
    /// From the first due time to the last answer.
    pub elapsed: Duration,
}

type Sender = SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> anyhow::Result<Sender> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

async fn post(sender: &mut Sender, target: &PublishTarget, body: String) -> anyhow::Result<()> {
    let exchange = async {
        sender.ready().await?;
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(target.path())
            .header(HOST, target.host.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(authorization) = &target.authorization {
            request = request.header(AUTHORIZATION, authorization.clone());
        }
        let response = sender.send_request(request.body(Full::new(Bytes::from(body)))?).await?;
        let status = response.status();
        let bytes = Limited::new(response.into_body(), RESPONSE_BYTES_MAX)
            .collect()
            .await
            .map_err(|error| anyhow::anyhow!("reading the answer: {error}"))?
            .to_bytes();
        anyhow::ensure!(
            status == StatusCode::OK,
            "POST {}: {status} {}",
            target.path(),
            String::from_utf8_lossy(&bytes)
        );
        Ok(())
    };
    tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .map_err(|_| anyhow::anyhow!("POST {}: no answer in {REQUEST_TIMEOUT:?}", target.path()))?
}

/// One POST on a connection of its own (set-up calls such as minting a token); the
/// answer's body on 200.
pub async fn post_once(addr: SocketAddr, secret_key: Option<&str>, path: &str, body: String) -> anyhow::Result<Bytes> {
    let host = HeaderValue::from_str(&addr.to_string())?;
    let mut sender = connect(addr).await?;
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(HOST, host)
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(key) = secret_key {
        request = request.header(AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {key}"))?);
    }
    let exchange = async {
        let response = sender.send_request(request.body(Full::new(Bytes::from(body)))?).await?;
        let status = response.status();
        let bytes = Limited::new(response.into_body(), RESPONSE_BYTES_MAX)
            .collect()
            .await
            .map_err(|error| anyhow::anyhow!("reading the answer: {error}"))?
            .to_bytes();
        anyhow::ensure!(status == StatusCode::OK, "POST {path}: {status} {}", String::from_utf8_lossy(&bytes));
        Ok(bytes)
    };
    tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .map_err(|_| anyhow::anyhow!("POST {path}: no answer in {REQUEST_TIMEOUT:?}"))?
}

/// One connection's loop: takes due messages until the queue closes.
async fn work(target: Arc<PublishTarget>, queue: Arc<Mutex<mpsc::Receiver<String>>>) -> Published {
    let mut outcome = Published::default();
    let mut slot: Option<Sender> = None;
    loop {
        let Some(body) = queue.lock().await.recv().await else { break };
        let sent = async {
            let sender = match &mut slot {
                Some(sender) => sender,
                None => slot.insert(connect(target.addr).await?),
            };
            post(sender, &target, body).await
        };
        match sent.await {
            Ok(()) => outcome.published += 1,
            Err(error) => {
                outcome.errors += 1;
                outcome.first_error.get_or_insert_with(|| format!("{error:#}"));
                slot = None;
            }
        }
    }
    outcome
}

/// Publishes `count` messages at `rate_per_second`, sequence numbers from `first_seq`.
pub async fn run(target: &Arc<PublishTarget>, rate_per_second: f64, count: u64, first_seq: u64) -> Published {
    let (sender, receiver) = mpsc::channel::<String>(QUEUE_MESSAGES);
    let receiver = Arc::new(Mutex::new(receiver));
    let workers: Vec<_> =
        (0..PUBLISHER_CONNECTIONS).map(|_| tokio::spawn(work(Arc::clone(target), Arc::clone(&receiver)))).collect();
    let started = Instant::now();
    let started_us = unix_micros();
    let interval_us = 1e6 / rate_per_second;
    for index in 0..count {
        let offset_us = (index as f64 * interval_us) as u64;
        tokio::time::sleep_until((started + Duration::from_micros(offset_us)).into()).await;
        let body = target.body(&message(started_us + offset_us, first_seq + index));
        if sender.send(body).await.is_err() {
            break;
        }
    }
    drop(sender);
    let mut outcome = Published { started_us, ..Published::default() };
    for worker in workers {
        match worker.await {
            Ok(done) => {
                outcome.published += done.published;
                outcome.errors += done.errors;
                if outcome.first_error.is_none() {
                    outcome.first_error = done.first_error;
                }
            }
            Err(error) => {
                outcome.errors += 1;
                outcome.first_error.get_or_insert_with(|| format!("publisher task: {error}"));
            }
        }
    }
    outcome.elapsed = started.elapsed();
    outcome
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::realtime::subscribers::number_after;

    #[test]
    fn messages_are_256_bytes_of_json_with_their_timestamp() {
        for (ts_us, seq) in [(1_700_000_000_000_000, 0), (1_800_000_000_123_456, 123_456_789), (0, u64::MAX)] {
            let text = message(ts_us, seq);
            assert_eq!(text.len(), MESSAGE_BYTES, "{text}");
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(value["ts"], ts_us);
            assert_eq!(number_after(&text, r#""ts":"#), Some(ts_us));
            assert_eq!(number_after(&text, r#""seq":"#), Some(seq));
        }
    }

    #[test]
    fn tradewind_bodies_wrap_the_message_as_data() {
        let target = PublishTarget::new(Kind::Tradewind, SocketAddr::from(([127, 0, 0, 1], 1)), Some("sk_x")).unwrap();
        let body: serde_json::Value = serde_json::from_str(&target.body(&message(5, 6))).unwrap();
        assert_eq!(body["channel"], CHANNEL);
        assert_eq!(body["data"]["ts"], 5);
        let baseline = PublishTarget::new(Kind::Ws, SocketAddr::from(([127, 0, 0, 1], 1)), None).unwrap();
        assert_eq!(baseline.body(&message(5, 6)), message(5, 6));
    }
}
