//! Tradewind's real-time messaging layer: what travels over the `/v1/realtime`
//! WebSocket, who may do what on which channel, and the in-process hub that fans
//! publications out. Nothing here reads a clock; time comes in as unix seconds
//! (tokens) or milliseconds (the hub).
//!
//! - [`protocol`]: the versioned JSON protocol (`tradewind.realtime.v1`): client
//!   commands, server frames, error codes and WebSocket close codes, and a parser that
//!   refuses oversize frames before parsing and names the offending field.
//! - [`token`]: HS256 JWTs minted by `POST /v1/realtime/tokens` and verified on
//!   `connect` / `refresh`, with the claims (user, merchant, expiry, grants).
//! - [`grants`]: rights, channel patterns and the merchant-scoped permission check.
//! - [`namespace`]: channel names (`namespace:name`) and per-namespace options.
//! - [`hub`]: channels with offsets and epochs, history rings, presence, bounded
//!   per-connection queues with slow-consumer eviction, publish rate limits, channel
//!   metadata with compare-and-set, and the `Bus` a second node will listen on.
//! - [`cluster`]: the same channels across several server processes over NATS with
//!   JetStream: offsets sequenced by the stream, feeds in offset order on every node,
//!   cluster-wide recovery, history, presence and metadata.
//!
//! Not wired into the server yet: the WebSocket endpoint, the token route, NATS and
//! persistent history come next (issue 5).
//!
//! **Architecture Invariant:** a channel is always addressed by its merchant and name;
//! a token's grants are only ever checked against channels of the token's own merchant.

pub mod cluster;
pub mod grants;
pub mod hub;
pub mod namespace;
pub mod protocol;
pub mod token;
