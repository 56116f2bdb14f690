//! Real payment providers over HTTPS: Stripe (PaymentIntents, Refunds, signed webhooks)
//! and PayPal (OAuth client credentials, Orders v2, captures, refunds, webhook
//! verification), with timeouts, bounded retries under one idempotency key, and every
//! provider status and error code mapped by an exhaustive `match`.
//!
//! - [`payment`]: what a provider says about a payment, a refund and an event, in
//!   Tradewind's words ([`ProviderPayment`], [`ProviderRefund`], [`ProviderEvent`]).
//! - [`error`]: [`ProviderError`], classified for failover: retriable or not, and
//!   ambiguous (the money may have moved) or not.
//! - [`secret`]: [`Secret`], a string whose `Debug` never prints it.
//! - [`clock`]: the injectable source of "now" (PayPal's token cache reads it).
//! - [`transport`]: one HTTP call with a timeout, a bounded body and bounded retries.
//! - [`stripe`]: [`StripeClient`], its wire models and mapping, and its webhooks
//!   (`Stripe-Signature` verification, event parsing).
//! - [`paypal`]: [`PaypalClient`], its OAuth token cache, wire models and mapping,
//!   and its webhooks (verification through PayPal's API, event parsing).
//! - `fake` (feature `fake`): local Stripe and PayPal servers that answer with the
//!   providers' documented shapes, record every request and inject faults.
//!
//! Nothing here reads a database or knows Tradewind's own ids beyond the attempt id it
//! sends as a reference: the API crate decides what a provider's answer does.

#[macro_use]
mod wire_enum;

mod amount;
pub mod clock;
pub mod error;
pub mod payment;
pub mod paypal;
pub mod secret;
pub mod stripe;
pub mod transport;

#[cfg(feature = "fake")]
pub mod fake;
#[cfg(test)]
mod test_support;

pub use clock::{Clock, SystemClock};
pub use error::{Decline, ProviderError};
pub use payment::{
    CaptureMethod, ProviderDispute, ProviderEvent, ProviderEventKind, ProviderPayment, ProviderPaymentStatus,
    ProviderRefund, ProviderRefundStatus,
};
pub use paypal::{PaypalClient, PaypalConfig};
pub use secret::Secret;
pub use stripe::{StripeClient, StripeConfig};
