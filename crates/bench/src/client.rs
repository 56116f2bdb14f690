//! The load: `concurrency` workers, each with its own HTTP/1.1 keep-alive connection
//! (no pool to contend on), each paying in a loop until the run's budget — a payment
//! count and a deadline — is spent. A payment is `POST /v1/payment_intents` followed by
//! `POST /v1/payment_intents/{id}/confirm` with a test card that succeeds; its latency
//! is the two round trips together. Request bodies and headers are built once, so the
//! client spends as little of the shared CPUs as it can.

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

const CREATE_PATH: &str = "/v1/payment_intents";
const CREATE_BODY: &[u8] = br#"{"amount":2000,"currency":"usd","payment_method_types":["card"]}"#;
const CONFIRM_BODY: &[u8] = concat!(
    r#"{"payment_method_data":{"type":"card","card":"#,
    r#"{"number":"4242424242424242","exp_month":12,"exp_year":2034,"cvc":"123"}}}"#
)
.as_bytes();
/// A request not answered in this time counts as an error and its connection is
/// replaced.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Payment intent responses are about 1 KiB; anything past this is an error.
const RESPONSE_BYTES_MAX: usize = 64 * 1024;
/// Latency samples one worker keeps in a run (4 bytes each); more ends its run.
const SAMPLES_PER_WORKER_MAX: usize = 8 * 1024 * 1024;

/// Where the workers send their payments, and as whom.
pub struct Target {
    addr: SocketAddr,
    host: HeaderValue,
    authorization: HeaderValue,
}

impl Target {
    pub fn new(addr: SocketAddr, secret_key: &str) -> anyhow::Result<Target> {
        Ok(Target {
            addr,
            host: HeaderValue::from_str(&addr.to_string())?,
            authorization: HeaderValue::from_str(&format!("Bearer {secret_key}"))?,
        })
    }
}

/// What one run may spend: payments are handed out one at a time until either the
/// count or the time runs out.
pub struct Budget {
    deadline: Instant,
    payments_left: AtomicU64,
}

impl Budget {
    pub fn new(duration: Duration, payments: u64) -> Budget {
        Budget { deadline: Instant::now() + duration, payments_left: AtomicU64::new(payments) }
    }

    fn take(&self) -> bool {
        Instant::now() < self.deadline
            && self.payments_left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(1)).is_ok()
    }
}

/// What the workers of one run measured.
#[derive(Default)]
pub struct Tally {
    /// Create + confirm round trips of the payments that succeeded, in microseconds.
    pub latencies_us: Vec<u32>,
    pub errors: u64,
    pub first_error: Option<String>,
    pub elapsed: Duration,
}

impl Tally {
    fn absorb(&mut self, other: Tally) {
        self.latencies_us.extend_from_slice(&other.latencies_us);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

struct Failure {
    message: String,
    /// The connection can no longer be trusted (transport error or timeout).
    connection_lost: bool,
}

impl Failure {
    fn lost(message: impl std::fmt::Display) -> Failure {
        Failure { message: message.to_string(), connection_lost: true }
    }

    fn rejected(message: String) -> Failure {
        Failure { message, connection_lost: false }
    }
}

type Sender = SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> Result<Sender, Failure> {
    let stream = TcpStream::connect(addr).await.map_err(Failure::lost)?;
    stream.set_nodelay(true).map_err(Failure::lost)?;
    let (sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(Failure::lost)?;
    // Drives the connection; it ends when the sender is dropped.
    tokio::spawn(connection);
    Ok(sender)
}

#[derive(Deserialize)]
struct IntentSummary {
    id: String,
    status: String,
}

/// One POST; the parsed intent on 200.
async fn post(sender: &mut Sender, target: &Target, path: &str, body: &'static [u8]) -> Result<IntentSummary, Failure> {
    let exchange = async {
        sender.ready().await.map_err(Failure::lost)?;
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(HOST, target.host.clone())
            .header(AUTHORIZATION, target.authorization.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(Full::new(Bytes::from_static(body)))
            .map_err(Failure::lost)?;
        let response = sender.send_request(request).await.map_err(Failure::lost)?;
        let status = response.status();
        let bytes =
            Limited::new(response.into_body(), RESPONSE_BYTES_MAX).collect().await.map_err(Failure::lost)?.to_bytes();
        Ok::<_, Failure>((status, bytes))
    };
    let (status, bytes) = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .map_err(|_| Failure::lost(format!("POST {path}: no answer in {REQUEST_TIMEOUT:?}")))??;
    if status != StatusCode::OK {
        return Err(Failure::rejected(format!("POST {path}: {status} {}", String::from_utf8_lossy(&bytes))));
    }
    serde_json::from_slice(&bytes)
        .map_err(|error| Failure::rejected(format!("POST {path}: unreadable answer: {error}")))
}

async fn pay(slot: &mut Option<Sender>, target: &Target) -> Result<(), Failure> {
    let sender = match slot {
        Some(sender) => sender,
        None => slot.insert(connect(target.addr).await?),
    };
    let created = post(sender, target, CREATE_PATH, CREATE_BODY).await?;
    let confirm_path = format!("{CREATE_PATH}/{}/confirm", created.id);
    let confirmed = post(sender, target, &confirm_path, CONFIRM_BODY).await?;
    if confirmed.status != "succeeded" {
        return Err(Failure::rejected(format!("{} ended {}, not succeeded", confirmed.id, confirmed.status)));
    }
    Ok(())
}

fn microseconds(duration: Duration) -> u32 {
    u32::try_from(duration.as_micros()).unwrap_or(u32::MAX)
}

async fn work(mut slot: Option<Sender>, target: Arc<Target>, budget: Arc<Budget>) -> Tally {
    let mut tally = Tally::default();
    while tally.latencies_us.len() < SAMPLES_PER_WORKER_MAX && budget.take() {
        let started = Instant::now();
        match pay(&mut slot, &target).await {
            Ok(()) => tally.latencies_us.push(microseconds(started.elapsed())),
            Err(failure) => {
                tally.errors += 1;
                if failure.connection_lost {
                    slot = None;
                }
                tally.first_error.get_or_insert(failure.message);
            }
        }
    }
    tally
}

/// Runs `concurrency` workers against `target` for at most `duration` and at most
/// `payments` payments. Connections are opened before the clock starts.
pub async fn run(target: &Arc<Target>, concurrency: usize, duration: Duration, payments: u64) -> anyhow::Result<Tally> {
    let mut senders = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let sender =
            connect(target.addr).await.map_err(|failure| anyhow::anyhow!("connecting: {}", failure.message))?;
        senders.push(sender);
    }
    let budget = Arc::new(Budget::new(duration, payments));
    let started = Instant::now();
    let workers: Vec<_> =
        senders.into_iter().map(|sender| tokio::spawn(work(Some(sender), target.clone(), budget.clone()))).collect();
    let mut tally = Tally::default();
    for worker in workers {
        tally.absorb(worker.await?);
    }
    tally.elapsed = started.elapsed();
    Ok(tally)
}
