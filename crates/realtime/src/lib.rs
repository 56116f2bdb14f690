//! Tradewind's real-time messaging layer.
//!
//! - `hub`: the in-process hub — channels with offsets and epochs, history rings, presence,
//!   bounded per-connection queues with slow-consumer eviction, publish rate limits and
//!   channel metadata with compare-and-set.

pub mod hub;
