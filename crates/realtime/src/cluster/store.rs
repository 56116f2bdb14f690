//! How a publication is stored in JetStream, and the reads over what a stream retains.
//!
//! A stored message's payload is the publication frame exactly as subscribers receive it;
//! its headers carry the offset, the epoch and the publishing node's clock, so any node can
//! read a message back without parsing the frame.
//!
//! Reading several messages (a channel's history, the keys of a bucket under a prefix) goes
//! through an ephemeral pull consumer: created with a filter, it reports how many messages
//! match, those are fetched in stream order, and it is deleted. NATS 2.9 has no batched
//! direct get, and one `next_by_subj` request per message would cost a round trip each.

use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull};
use async_nats::jetstream::stream::Stream;
use futures::StreamExt;

use super::ClusterError;
use crate::hub::Frame;

pub(crate) const HEADER_OFFSET: &str = "Tw-Offset";
pub(crate) const HEADER_EPOCH: &str = "Tw-Epoch";
pub(crate) const HEADER_PUBLISHED_AT_MS: &str = "Tw-Published-At-Ms";

/// How long an abandoned reading consumer survives on the server (a node that dies
/// mid-read leaves nothing behind for longer than this).
const READ_CONSUMER_INACTIVE_THRESHOLD: Duration = Duration::from_secs(30);
/// Messages asked for per fetch, at most (and fewer than a subscription buffers, so a
/// fetch never overflows its own subscription).
pub(crate) const READ_BATCH_MESSAGES_MAX: usize = 1_024;

/// One stored publication.
#[derive(Clone, Debug)]
pub(crate) struct Stored {
    /// The stream sequence it was stored at.
    pub sequence: u64,
    pub offset: u64,
    pub epoch: String,
    pub published_at_ms: u64,
    pub frame: Frame,
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name).and_then(|value| value.as_str().parse().ok())
}

impl Stored {
    /// Reads a stored (or re-published) message; `None` when it was not written by
    /// [`super::Cluster::publish`].
    pub(crate) fn parse(sequence: u64, headers: Option<&HeaderMap>, payload: &[u8]) -> Option<Self> {
        let headers = headers?;
        let offset = header_u64(headers, HEADER_OFFSET)?;
        let epoch = headers.get(HEADER_EPOCH)?.as_str().to_owned();
        let published_at_ms = header_u64(headers, HEADER_PUBLISHED_AT_MS)?;
        let frame = Frame::from(std::str::from_utf8(payload).ok()?);
        Some(Self { sequence, offset, epoch, published_at_ms, frame })
    }
}

/// A message read from a stream: its sequence, subject, headers and payload.
pub(crate) struct ReadMessage {
    pub sequence: u64,
    pub subject: String,
    pub headers: Option<HeaderMap>,
    pub payload: bytes::Bytes,
}

/// How a read fetches: at most `limit` messages, `batch` per request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadBounds {
    pub limit: usize,
    pub batch: usize,
}

/// Every message of `stream` matching `filter` from `deliver`, in stream order, within
/// `bounds`.
pub(crate) async fn read(
    stream: &Stream,
    filter: &str,
    deliver: DeliverPolicy,
    bounds: ReadBounds,
) -> Result<Vec<ReadMessage>, ClusterError> {
    let config = pull::Config {
        filter_subject: filter.to_owned(),
        deliver_policy: deliver,
        ack_policy: AckPolicy::None,
        inactive_threshold: READ_CONSUMER_INACTIVE_THRESHOLD,
        memory_storage: true,
        ..Default::default()
    };
    let consumer = stream.create_consumer(config).await.map_err(ClusterError::nats("create a reading consumer"))?;
    let name = consumer.cached_info().name.clone();
    let wanted = usize::try_from(consumer.cached_info().num_pending).unwrap_or(usize::MAX).min(bounds.limit);
    let result = fetch_all(&consumer, wanted, bounds.batch.max(1)).await;
    // Best effort: the inactive threshold removes the consumer anyway.
    let _ = stream.delete_consumer(&name).await;
    result
}

async fn fetch_all(consumer: &PullConsumer, wanted: usize, batch: usize) -> Result<Vec<ReadMessage>, ClusterError> {
    let mut messages = Vec::with_capacity(wanted);
    while messages.len() < wanted {
        let batch_size = (wanted - messages.len()).min(batch);
        let mut batch =
            consumer.fetch().max_messages(batch_size).messages().await.map_err(ClusterError::nats("fetch"))?;
        let before = messages.len();
        let mut caught_up = false;
        while let Some(message) = batch.next().await {
            let message = message.map_err(ClusterError::nats("fetch"))?;
            let info = message.info().map_err(|error| ClusterError::Unavailable(format!("fetch: {error}")))?;
            let (sequence, pending) = (info.stream_sequence, info.pending);
            let message = message.message;
            messages.push(ReadMessage {
                sequence,
                subject: message.subject.to_string(),
                headers: message.headers,
                payload: message.payload,
            });
            if pending == 0 || messages.len() >= wanted {
                caught_up = true;
                break;
            }
        }
        // Messages may have expired since the consumer counted them.
        if caught_up || messages.len() == before {
            break;
        }
    }
    Ok(messages)
}

/// The last message stored under `subject`, `None` when the subject has none.
pub(crate) async fn last(stream: &Stream, subject: &str) -> Result<Option<ReadMessage>, ClusterError> {
    use async_nats::jetstream::stream::LastRawMessageErrorKind;
    match stream.get_last_raw_message_by_subject(subject).await {
        Ok(message) => Ok(Some(ReadMessage {
            sequence: message.sequence,
            subject: message.subject.to_string(),
            headers: Some(message.headers),
            payload: message.payload,
        })),
        Err(error) if error.kind() == LastRawMessageErrorKind::NoMessageFound => Ok(None),
        Err(error) => Err(ClusterError::Unavailable(format!("read the last message of a subject: {error}"))),
    }
}

/// The message stored at `sequence`.
pub(crate) async fn at(stream: &Stream, sequence: u64) -> Result<Option<ReadMessage>, ClusterError> {
    use async_nats::jetstream::stream::RawMessageErrorKind;
    match stream.get_raw_message(sequence).await {
        Ok(message) => Ok(Some(ReadMessage {
            sequence: message.sequence,
            subject: message.subject.to_string(),
            headers: Some(message.headers),
            payload: message.payload,
        })),
        Err(error) if error.kind() == RawMessageErrorKind::NoMessageFound => Ok(None),
        Err(error) => Err(ClusterError::Unavailable(format!("read a message: {error}"))),
    }
}
