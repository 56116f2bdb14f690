//! The sandbox payment providers: what each simulated acquirer, bank and wallet does,
//! as pure functions. Nothing here does I/O or reads a clock; time comes in as a
//! `time::OffsetDateTime` and ids come in as seeds, so the storage and HTTP layers
//! decide when things happen and tests replay them exactly.
//!
//! - [`card`]: Stripe's public test cards and what the sandbox acquirer does with
//!   each (approve, decline, 3-D Secure, later disputes and refund failures).
//! - [`boleto`]: Brazilian Boleto vouchers: FEBRABAN barcode and digitable line, due
//!   date and expiry in São Paulo time, next-business-day confirmation.
//! - [`bank_transfer`]: check-digited transfer references, the sandbox receiving
//!   accounts per currency, and partial, exact and over-payment.
//! - [`iban`]: IBAN check digits, for receiving accounts and refund accounts.
//! - [`qr`]: QR codes rendered as SVG documents.
//! - [`emv`]: EMVCo merchant-presented QR payloads (QRIS and its neighbours) with
//!   their CRC-16.
//! - [`wallet`]: the choices on the sandbox wallet and bank pages, decline errors per
//!   method, and the payload a buyer scans.
//! - [`sofort`]: SOFORT's days in `processing` and the test accounts that fail.
//! - [`paypal`]: PayPal-shaped order ids.
//! - [`payout`]: the sandbox payout bank and its failing test accounts.
//! - [`faults`]: fault injection (latency, errors, timeouts, soft declines, outage
//!   windows) for sandbox connector accounts, decided from a roll the caller draws.
//! - [`webhook_signature`]: the sandbox webhooks' `Tradewind-Signature` (HMAC-SHA256
//!   over the timestamp and the raw body, as Stripe signs).
//!
//! Architecture invariant: this crate knows no HTTP, no database and no clock.

pub mod bank_transfer;
pub mod boleto;
pub mod card;
pub mod emv;
pub mod faults;
pub mod iban;
pub mod payout;
pub mod paypal;
mod permutation;
pub mod qr;
pub mod sofort;
pub mod wallet;
pub mod webhook_signature;

pub use bank_transfer::{BankAccountDetails, Funding};
pub use boleto::{BoletoError, DigitableLineError, Voucher};
pub use card::{AfterThreeDs, CardDecline, CardFlags, CardScenario, DisputeScenario};
pub use faults::{FaultDecision, Faults, Outage};
pub use qr::{QrError, qr_svg};
pub use sofort::SofortOutcome;
pub use wallet::RedirectChoice;
