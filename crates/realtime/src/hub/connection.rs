//! A connection's bounded outbound queue and the reason it was closed.
//!
//! The hub never waits for a socket: it `try_send`s each frame into the connection's bounded
//! queue. A full queue means the consumer has fallen behind; the hub then drops the
//! connection from every channel and records [`CloseReason::SlowConsumer`], whose WebSocket
//! close code is [`SLOW_CONSUMER_CLOSE_CODE`] (4008). Memory per connection is therefore
//! capped at the queue capacity, and one slow reader never delays the others.

use std::fmt;
use std::sync::{Arc, OnceLock};

use tokio::sync::Notify;
use tokio::sync::mpsc::{self, error::TrySendError};

use super::frame::Frame;

/// The WebSocket close code sent to a connection evicted because its queue was full.
pub const SLOW_CONSUMER_CLOSE_CODE: u16 = 4008;

/// A connection's id within one hub, shown as `conn_<n>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnectionId(u64);

impl ConnectionId {
    pub(crate) fn new(value: u64) -> Self {
        Self(value)
    }

    /// The connection's number within its hub.
    pub fn value(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "conn_{}", self.0)
    }
}

/// Why the hub let go of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// The outbound queue was full: close with 4008 `slow_consumer`.
    SlowConsumer,
    /// The connection was closed normally (`Hub::disconnect`): 1000.
    Normal,
    /// The receiving side was dropped; nobody is left to tell: 1001.
    Gone,
}

impl CloseReason {
    /// The WebSocket close code for this reason.
    pub fn code(self) -> u16 {
        match self {
            CloseReason::SlowConsumer => SLOW_CONSUMER_CLOSE_CODE,
            CloseReason::Normal => 1000,
            CloseReason::Gone => 1001,
        }
    }

    /// The close reason text.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::SlowConsumer => "slow_consumer",
            CloseReason::Normal => "normal",
            CloseReason::Gone => "gone",
        }
    }
}

/// The outcome of offering one frame to a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Offer {
    Queued,
    Full,
    Gone,
}

/// The hub's end of a connection's queue.
#[derive(Debug)]
pub(crate) struct Outbound {
    sender: mpsc::Sender<Frame>,
    close_reason: Arc<OnceLock<CloseReason>>,
    closed: Arc<Notify>,
}

impl Outbound {
    pub(crate) fn offer(&self, frame: &Frame) -> Offer {
        match self.sender.try_send(Arc::clone(frame)) {
            Ok(()) => Offer::Queued,
            Err(TrySendError::Full(_)) => Offer::Full,
            Err(TrySendError::Closed(_)) => Offer::Gone,
        }
    }

    /// Records why the connection ends; dropping `self` then closes the queue, so the reader
    /// drains what was already queued and sees the end.
    pub(crate) fn close(self, reason: CloseReason) {
        let _first_reason_wins = self.close_reason.set(reason);
        self.closed.notify_waiters();
    }
}

/// The socket's end of a connection's queue: frames to write, then the close reason.
#[derive(Debug)]
pub struct ConnectionReceiver {
    id: ConnectionId,
    receiver: mpsc::Receiver<Frame>,
    close_reason: Arc<OnceLock<CloseReason>>,
    closed: Arc<Notify>,
}

impl ConnectionReceiver {
    pub fn id(&self) -> ConnectionId {
        self.id
    }

    /// The next frame, or `None` once the hub has let go and the queue is drained.
    pub async fn recv(&mut self) -> Option<Frame> {
        self.receiver.recv().await
    }

    /// The next frame if one is queued now.
    pub fn try_recv(&mut self) -> Option<Frame> {
        self.receiver.try_recv().ok()
    }

    /// Why the hub let go of this connection, once it has.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.close_reason.get().copied()
    }

    /// Resolves once the hub has let go of this connection, queued frames or not: a writer
    /// stuck on a peer that stopped reading races its write against this.
    pub async fn released(&self) -> CloseReason {
        loop {
            let notified = self.closed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(reason) = self.close_reason() {
                return reason;
            }
            notified.await;
        }
    }
}

/// A bounded queue of `capacity_frames` (at least one) frames.
pub(crate) fn outbound_queue(id: ConnectionId, capacity_frames: usize) -> (Outbound, ConnectionReceiver) {
    let (sender, receiver) = mpsc::channel(capacity_frames.max(1));
    let close_reason = Arc::new(OnceLock::new());
    let closed = Arc::new(Notify::new());
    (
        Outbound { sender, close_reason: Arc::clone(&close_reason), closed: Arc::clone(&closed) },
        ConnectionReceiver { id, receiver, close_reason, closed },
    )
}
