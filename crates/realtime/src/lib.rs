//! The pure core of Tradewind's real-time messaging layer: what travels over the
//! `/v1/realtime` WebSocket and who may do what on which channel. Nothing here does
//! I/O or reads a clock; time comes in as unix seconds.
//!
//! - [`protocol`]: the versioned JSON protocol (`tradewind.realtime.v1`): client
//!   commands, server frames, error codes and WebSocket close codes, and a parser that
//!   refuses oversize frames before parsing and names the offending field.
//! - [`token`]: HS256 JWTs minted by `POST /v1/realtime/tokens` and verified on
//!   `connect` / `refresh`, with the claims (user, merchant, expiry, grants).
//! - [`grants`]: rights, channel patterns and the merchant-scoped permission check.
//! - [`namespace`]: channel names (`namespace:name`) and per-namespace options.
//!
//! **Architecture Invariant:** a channel is always addressed by its [`grants::ChannelKey`]
//! (merchant, channel); a token's grants are only ever checked against channels of the
//! token's own merchant.

pub mod grants;
pub mod namespace;
pub mod protocol;
pub mod token;
