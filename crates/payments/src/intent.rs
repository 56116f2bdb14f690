//! Payment intent statuses and the transition rules between them. Storage checks the
//! same rules again with conditional updates (`WHERE status = …`), so two concurrent
//! requests cannot both win.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntentStatus {
    RequiresPaymentMethod,
    RequiresConfirmation,
    RequiresAction,
    Processing,
    RequiresCapture,
    Succeeded,
    Canceled,
}

impl IntentStatus {
    pub const ALL: [IntentStatus; 7] = [
        IntentStatus::RequiresPaymentMethod,
        IntentStatus::RequiresConfirmation,
        IntentStatus::RequiresAction,
        IntentStatus::Processing,
        IntentStatus::RequiresCapture,
        IntentStatus::Succeeded,
        IntentStatus::Canceled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IntentStatus::RequiresPaymentMethod => "requires_payment_method",
            IntentStatus::RequiresConfirmation => "requires_confirmation",
            IntentStatus::RequiresAction => "requires_action",
            IntentStatus::Processing => "processing",
            IntentStatus::RequiresCapture => "requires_capture",
            IntentStatus::Succeeded => "succeeded",
            IntentStatus::Canceled => "canceled",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        IntentStatus::ALL.into_iter().find(|status| status.as_str() == value)
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, IntentStatus::Succeeded | IntentStatus::Canceled)
    }
}

impl fmt::Display for IntentStatus {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureMethod {
    Automatic,
    Manual,
}

impl CaptureMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureMethod::Automatic => "automatic",
            CaptureMethod::Manual => "manual",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "automatic" | "automatic_async" => Some(CaptureMethod::Automatic),
            "manual" => Some(CaptureMethod::Manual),
            _ => None,
        }
    }
}

/// What happens to an intent. Each event is allowed from a fixed set of statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentEvent {
    /// The merchant changes amount, description, metadata …
    Update,
    /// Payment method data is attached without confirming.
    AttachMethod,
    /// The merchant or buyer confirms; the outcome follows as another event.
    Confirm,
    /// The provider authorised (manual capture) or charged (automatic capture).
    Authorized {
        capture: CaptureMethod,
    },
    /// The buyer must act: 3-D Secure, a redirect, a QR code, a voucher, a transfer.
    ActionRequired,
    /// The buyer finished; the provider confirms later.
    Processing,
    /// The attempt was declined or failed; the buyer may try another method.
    Failed,
    /// An unpaid asynchronous attempt ran out of time.
    Expired,
    Capture,
    Cancel,
}

impl IntentEvent {
    fn name(self) -> &'static str {
        match self {
            IntentEvent::Update => "update",
            IntentEvent::AttachMethod => "attach a payment method to",
            IntentEvent::Confirm => "confirm",
            IntentEvent::Authorized { .. } => "authorize",
            IntentEvent::ActionRequired => "require action on",
            IntentEvent::Processing => "process",
            IntentEvent::Failed => "fail",
            IntentEvent::Expired => "expire",
            IntentEvent::Capture => "capture",
            IntentEvent::Cancel => "cancel",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("You cannot {action} this PaymentIntent because it has a status of {status}.")]
pub struct InvalidTransition {
    pub action: &'static str,
    pub status: IntentStatus,
}

impl IntentStatus {
    /// The status after `event`, or why the event is not allowed now.
    pub fn apply(self, event: IntentEvent) -> Result<IntentStatus, InvalidTransition> {
        use IntentStatus as S;
        let next = match (self, event) {
            (S::RequiresPaymentMethod | S::RequiresConfirmation, IntentEvent::Update) => Some(self),
            (S::RequiresPaymentMethod | S::RequiresConfirmation, IntentEvent::AttachMethod) => {
                Some(S::RequiresConfirmation)
            }
            // Confirming again while an action is pending abandons that attempt, as
            // Stripe allows; the outcome event follows within the same transaction.
            (S::RequiresPaymentMethod | S::RequiresConfirmation | S::RequiresAction, IntentEvent::Confirm) => {
                Some(self)
            }
            (
                S::RequiresPaymentMethod | S::RequiresConfirmation | S::RequiresAction | S::Processing,
                IntentEvent::Authorized { capture },
            ) => Some(match capture {
                CaptureMethod::Automatic => S::Succeeded,
                CaptureMethod::Manual => S::RequiresCapture,
            }),
            (S::RequiresPaymentMethod | S::RequiresConfirmation | S::RequiresAction, IntentEvent::ActionRequired) => {
                Some(S::RequiresAction)
            }
            (S::RequiresPaymentMethod | S::RequiresConfirmation | S::RequiresAction, IntentEvent::Processing) => {
                Some(S::Processing)
            }
            (
                S::RequiresPaymentMethod | S::RequiresConfirmation | S::RequiresAction | S::Processing,
                IntentEvent::Failed,
            ) => Some(S::RequiresPaymentMethod),
            (S::RequiresAction, IntentEvent::Expired) => Some(S::RequiresPaymentMethod),
            (S::RequiresCapture, IntentEvent::Capture) => Some(S::Succeeded),
            (
                S::RequiresPaymentMethod | S::RequiresConfirmation | S::RequiresAction | S::RequiresCapture,
                IntentEvent::Cancel,
            ) => Some(S::Canceled),
            _ => None,
        };
        next.ok_or(InvalidTransition { action: event.name(), status: self })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_statuses_accept_nothing() {
        let events = [
            IntentEvent::Update,
            IntentEvent::Confirm,
            IntentEvent::Authorized { capture: CaptureMethod::Automatic },
            IntentEvent::Failed,
            IntentEvent::Capture,
            IntentEvent::Cancel,
            IntentEvent::Expired,
        ];
        for status in [IntentStatus::Succeeded, IntentStatus::Canceled] {
            for event in events {
                assert!(status.apply(event).is_err(), "{status} accepted {event:?}");
            }
        }
    }

    #[test]
    fn card_paths() {
        let start = IntentStatus::RequiresPaymentMethod;
        assert_eq!(
            start.apply(IntentEvent::Authorized { capture: CaptureMethod::Manual }),
            Ok(IntentStatus::RequiresCapture)
        );
        assert_eq!(IntentStatus::RequiresCapture.apply(IntentEvent::Capture), Ok(IntentStatus::Succeeded));
        assert_eq!(start.apply(IntentEvent::Failed), Ok(IntentStatus::RequiresPaymentMethod));
        assert_eq!(
            start.apply(IntentEvent::Capture).map_err(|e| e.to_string()),
            Err("You cannot capture this PaymentIntent because it has a status of requires_payment_method.".to_owned())
        );
        assert!(IntentStatus::Processing.apply(IntentEvent::Cancel).is_err());
        assert_eq!(IntentStatus::RequiresAction.apply(IntentEvent::Expired), Ok(IntentStatus::RequiresPaymentMethod));
    }

    #[test]
    fn names_round_trip() {
        for status in IntentStatus::ALL {
            assert_eq!(IntentStatus::parse(status.as_str()), Some(status));
        }
    }
}
