//! The payments domain: what a payment is, which methods exist where, and the rules
//! every state change obeys. Pure: no I/O, no clock reads (time is passed in), no
//! serialization (the API edge owns the wire format).
//!
//! - [`id`]: typed, prefixed, time-ordered ids (`pi_…`, `re_…`, `acct_…`).
//! - [`method`]: the payment method types and the declarative capability table
//!   (method × countries × currencies × amount range × flows).
//! - [`card`]: card numbers (Luhn, brand detection), expiry and CVC; keyed fingerprints.
//! - [`tax_id`]: Brazilian CPF/CNPJ checksums.
//! - [`intent`]: payment intent statuses, next actions and the transition rules.
//! - [`refund`]: refund statuses and the "never more than captured" rule.
//! - [`dispute`]: dispute statuses, reasons and their transitions.
//! - [`customer`]: buyer details and bounded metadata.
//! - [`order`]: order and shipment statuses, order numbers as buyers quote them.
//! - [`webhook`]: the event-type catalogue, endpoint URLs, `whsec_` secrets, Standard
//!   Webhooks signatures and the retry schedule.

pub mod card;
pub mod customer;
pub mod dispute;
pub mod id;
pub mod intent;
pub mod method;
pub mod order;
pub mod refund;
pub mod tax_id;
pub mod webhook;
