//! Refund statuses and the rule that refunds never exceed what was captured.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundStatus {
    Pending,
    Succeeded,
    Failed,
}

impl RefundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Pending => "pending",
            RefundStatus::Succeeded => "succeeded",
            RefundStatus::Failed => "failed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "pending" => Some(RefundStatus::Pending),
            "succeeded" => Some(RefundStatus::Succeeded),
            "failed" => Some(RefundStatus::Failed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefundError {
    #[error("Refund amount ({requested_minor}) is greater than unrefunded amount on charge ({remaining_minor})")]
    ExceedsRemaining { requested_minor: i64, remaining_minor: i64 },
    #[error("the refund amount must be positive")]
    NotPositive,
}

/// Checks a new refund against what was captured and what refunds (pending or
/// succeeded) already hold. Storage enforces the same sum with a conditional update.
pub fn check_refund(captured_minor: i64, refunded_minor: i64, requested_minor: i64) -> Result<(), RefundError> {
    if requested_minor <= 0 {
        return Err(RefundError::NotPositive);
    }
    let remaining_minor = captured_minor.saturating_sub(refunded_minor);
    if requested_minor > remaining_minor {
        return Err(RefundError::ExceedsRemaining { requested_minor, remaining_minor });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn accepted_refunds_never_exceed_capture(captured in 1i64..1_000_000, requests in proptest::collection::vec(1i64..400_000, 1..20)) {
            let mut refunded = 0i64;
            for requested in requests {
                if check_refund(captured, refunded, requested).is_ok() {
                    refunded += requested;
                }
                prop_assert!(refunded <= captured);
            }
        }
    }
}
