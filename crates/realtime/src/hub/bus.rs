//! The message bus between hub instances, behind one interface.
//!
//! A single server needs no bus: the hub fans out locally. With several servers, a
//! publication on one must reach subscribers connected to the others; the bus carries the
//! already-serialised frame per channel. [`InProcessBus`] is the default (one process, a
//! `tokio::sync::broadcast` per channel); a NATS implementation can follow behind the same
//! trait. `publish` is synchronous and must not block: an implementation that talks to a
//! network hands the frame to its own task.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use tokio::sync::broadcast;

use super::ChannelKey;
use super::frame::Frame;

/// How many frames a bus subscriber may lag before it starts losing the oldest.
pub const IN_PROCESS_BUS_CAPACITY_FRAMES: usize = 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BusError {
    #[error("the bus is unavailable: {0}")]
    Unavailable(String),
}

/// A stream of frames for one channel.
pub type BusSubscription = broadcast::Receiver<Frame>;

pub trait Bus: Send + Sync {
    /// Hands `frame` to every subscriber of `key`; returns how many received it (0 is fine).
    fn publish(&self, key: &ChannelKey, frame: Frame) -> Result<usize, BusError>;
    fn subscribe(&self, key: &ChannelKey) -> Result<BusSubscription, BusError>;
}

/// The in-process bus: a broadcast channel per channel key, created on first subscription.
#[derive(Debug, Default)]
pub struct InProcessBus {
    topics: Mutex<HashMap<ChannelKey, broadcast::Sender<Frame>>>,
}

impl InProcessBus {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Bus for InProcessBus {
    fn publish(&self, key: &ChannelKey, frame: Frame) -> Result<usize, BusError> {
        let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(sender) = topics.get(key) else { return Ok(0) };
        match sender.send(frame) {
            Ok(receivers) => Ok(receivers),
            Err(_) => {
                // Every receiver is gone: forget the topic so the map does not grow forever.
                topics.remove(key);
                Ok(0)
            }
        }
    }

    fn subscribe(&self, key: &ChannelKey) -> Result<BusSubscription, BusError> {
        let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        let sender = topics.entry(key.clone()).or_insert_with(|| broadcast::channel(IN_PROCESS_BUS_CAPACITY_FRAMES).0);
        Ok(sender.subscribe())
    }
}
