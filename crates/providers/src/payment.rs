//! What a provider says about a payment, a refund or an event, in Tradewind's words.
//! Each provider module maps its own statuses onto these with an exhaustive `match`;
//! the API crate then moves its intent or refund to match.

use crate::error::Decline;
use tradewind_money::Money;

/// When the money is taken: at once, or after a separate capture call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureMethod {
    /// Captured as soon as it is authorised (Stripe `automatic`, PayPal `CAPTURE`).
    Automatic,
    /// Authorised only; a later capture takes the money (Stripe `manual`, PayPal
    /// `AUTHORIZE`).
    Manual,
}

/// Where a payment stands at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderPaymentStatus {
    /// The buyer must act first: a 3-D Secure challenge (Stripe) or approval at PayPal.
    /// `redirect_url` is where to send them; `None` is an action that cannot be driven
    /// by a redirect (Stripe's `use_stripe_sdk`), which a server-side flow should fail.
    RequiresAction { redirect_url: Option<String> },
    /// The buyer's part is done and the merchant's next call completes the payment
    /// (PayPal `APPROVED`/`SAVED`: capture or authorise; Stripe `requires_confirmation`).
    Approved,
    /// Nothing was attempted yet (Stripe `requires_payment_method` with no failed
    /// attempt): no money moved and no decline to report.
    Incomplete,
    /// Submitted, and the outcome is not known yet; a webhook or a later retrieve says.
    Processing,
    /// Authorised and waiting for a capture (Stripe `requires_capture`, a PayPal
    /// authorisation `CREATED`).
    Authorized,
    /// The money was taken.
    Succeeded,
    /// The attempt failed; the decline says why and whether failover may retry.
    Failed(Decline),
    /// Canceled (or voided) before any money was taken.
    Canceled,
}

impl ProviderPaymentStatus {
    /// Whether the provider will not change this status on its own any more.
    pub fn is_final(&self) -> bool {
        match self {
            ProviderPaymentStatus::Succeeded | ProviderPaymentStatus::Failed(_) | ProviderPaymentStatus::Canceled => {
                true
            }
            ProviderPaymentStatus::RequiresAction { .. }
            | ProviderPaymentStatus::Approved
            | ProviderPaymentStatus::Incomplete
            | ProviderPaymentStatus::Processing
            | ProviderPaymentStatus::Authorized => false,
        }
    }
}

/// A payment as the provider sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderPayment {
    /// The provider's id: a Stripe PaymentIntent (`pi_…`) or a PayPal order.
    pub provider_id: String,
    pub status: ProviderPaymentStatus,
    /// The amount asked for.
    pub amount: Money,
    /// The amount taken so far.
    pub amount_received: Money,
    /// The amount authorised and not captured yet.
    pub amount_capturable: Money,
    /// The money movement to refund or capture next: Stripe's latest charge (`ch_…`),
    /// a PayPal capture (refunds take it) or authorisation (captures take it).
    pub charge_id: Option<String>,
    /// The reference Tradewind sent (its attempt id): Stripe
    /// `metadata[tradewind_attempt]`, PayPal `custom_id`.
    pub reference: Option<String>,
}

/// Where a refund stands at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderRefundStatus {
    /// Accepted, not settled yet (includes Stripe's `requires_action`).
    Pending,
    Succeeded,
    Failed,
    Canceled,
}

/// A refund as the provider sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRefund {
    /// The provider's id: Stripe `re_…`, PayPal's refund id.
    pub id: String,
    pub status: ProviderRefundStatus,
    pub amount: Money,
    /// The payment refunded, when the provider says (Stripe's PaymentIntent).
    pub payment_id: Option<String>,
    /// The money movement refunded, when the provider says (Stripe's charge, PayPal's
    /// capture).
    pub charge_id: Option<String>,
    /// Why it failed, in the provider's words (Stripe `failure_reason`).
    pub failure_reason: Option<String>,
}

/// A dispute (chargeback) or reversal the provider opened against a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderDispute {
    pub id: String,
    /// The payment disputed, when the provider says (Stripe's PaymentIntent).
    pub payment_id: Option<String>,
    /// The money movement disputed (Stripe's charge, PayPal's capture).
    pub charge_id: Option<String>,
    pub amount: Money,
    /// The provider's reason code, e.g. Stripe `fraudulent`.
    pub reason: String,
}

/// An incoming webhook event, parsed after its signature was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEvent {
    /// The provider's event id (`evt_…`, `WH-…`): the integrator stores it and ignores
    /// a second delivery of the same id.
    pub id: String,
    /// When the provider created the event, in Unix seconds.
    pub created: i64,
    /// The provider's own event type, for logs (`payment_intent.succeeded`).
    pub event_type: String,
    pub kind: ProviderEventKind,
}

/// What an event tells, whichever provider sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderEventKind {
    /// A payment changed; its status says how (Stripe `payment_intent.*`, PayPal
    /// `CHECKOUT.ORDER.APPROVED` and `PAYMENT.CAPTURE.COMPLETED|PENDING|DENIED`).
    Payment(ProviderPayment),
    /// A payment's charge was refunded, in part or in full; `amount_refunded` is the
    /// total so far (Stripe `charge.refunded`).
    Refunded { payment_id: Option<String>, charge_id: String, amount_refunded: Money },
    /// A refund changed (Stripe `refund.*`, `charge.refund.updated`; PayPal
    /// `PAYMENT.CAPTURE.REFUNDED`).
    Refund(ProviderRefund),
    /// A dispute was opened, or PayPal reversed a capture (`PAYMENT.CAPTURE.REVERSED`).
    Dispute(ProviderDispute),
    /// An event type this crate does not act on; acknowledge it and move on.
    Unknown,
}
