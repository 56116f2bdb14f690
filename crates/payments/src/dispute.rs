//! Disputes, Stripe-shaped: a buyer's bank questions a payment. An *inquiry* (Stripe's
//! `warning_*` statuses) only asks for information and moves no money; a *chargeback*
//! takes the amount and a fee from the merchant until the bank decides.
//!
//! ```text
//! inquiry:     warning_needs_response ──evidence──► warning_under_review ──for merchant──► warning_closed
//!                   │                                       └──for buyer (escalated)──► needs_response, below
//!                   └──────────close / deadline passed─────────────────────────────────► warning_closed
//! chargeback:  needs_response ──evidence──► under_review ──decision──► won | lost
//!                   └──────close (accept) / deadline passed──────────────► lost
//! ```
//!
//! The transition methods return the next status or the rule the change breaks; storage
//! applies them with a conditional update on the status read.

/// Where a dispute stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisputeStatus {
    WarningNeedsResponse,
    WarningUnderReview,
    WarningClosed,
    NeedsResponse,
    UnderReview,
    Won,
    Lost,
}

/// Why a buyer's bank disputes a payment (the sandbox's subset of Stripe's reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisputeReason {
    Fraudulent,
    ProductNotReceived,
    General,
}

/// How the bank decides a dispute under review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// For the merchant: the money comes back (an inquiry simply closes).
    ForMerchant,
    /// For the buyer: the money goes back to the buyer (an inquiry closes too).
    ForBuyer,
}

/// A change the dispute's status does not allow; one variant per rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DisputeError {
    #[error("This dispute is already closed (its status is {}).", .status.as_str())]
    AlreadyClosed { status: DisputeStatus },
    #[error("Evidence for this dispute was already submitted; it is under review.")]
    UnderReview,
    #[error("This dispute is not under review, so there is nothing to decide (its status is {}).", .status.as_str())]
    NotUnderReview { status: DisputeStatus },
}

impl DisputeStatus {
    pub const ALL: [DisputeStatus; 7] = [
        DisputeStatus::WarningNeedsResponse,
        DisputeStatus::WarningUnderReview,
        DisputeStatus::WarningClosed,
        DisputeStatus::NeedsResponse,
        DisputeStatus::UnderReview,
        DisputeStatus::Won,
        DisputeStatus::Lost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DisputeStatus::WarningNeedsResponse => "warning_needs_response",
            DisputeStatus::WarningUnderReview => "warning_under_review",
            DisputeStatus::WarningClosed => "warning_closed",
            DisputeStatus::NeedsResponse => "needs_response",
            DisputeStatus::UnderReview => "under_review",
            DisputeStatus::Won => "won",
            DisputeStatus::Lost => "lost",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        DisputeStatus::ALL.into_iter().find(|status| status.as_str() == value)
    }

    /// An inquiry: no money was taken and none will be.
    pub fn is_inquiry(self) -> bool {
        matches!(
            self,
            DisputeStatus::WarningNeedsResponse | DisputeStatus::WarningUnderReview | DisputeStatus::WarningClosed
        )
    }

    pub fn is_closed(self) -> bool {
        matches!(self, DisputeStatus::WarningClosed | DisputeStatus::Won | DisputeStatus::Lost)
    }

    /// The status a new dispute opens in.
    pub fn opened(inquiry: bool) -> DisputeStatus {
        if inquiry { DisputeStatus::WarningNeedsResponse } else { DisputeStatus::NeedsResponse }
    }

    /// Evidence may be saved (without submitting) while a response is awaited.
    pub fn check_evidence_editable(self) -> Result<(), DisputeError> {
        match self {
            DisputeStatus::WarningNeedsResponse | DisputeStatus::NeedsResponse => Ok(()),
            DisputeStatus::WarningUnderReview | DisputeStatus::UnderReview => Err(DisputeError::UnderReview),
            closed => Err(DisputeError::AlreadyClosed { status: closed }),
        }
    }

    /// Submitting evidence sends the dispute to review.
    pub fn submit_evidence(self) -> Result<DisputeStatus, DisputeError> {
        self.check_evidence_editable()?;
        Ok(if self.is_inquiry() { DisputeStatus::WarningUnderReview } else { DisputeStatus::UnderReview })
    }

    /// Closing accepts the dispute: an inquiry closes, a chargeback is lost.
    pub fn close(self) -> Result<DisputeStatus, DisputeError> {
        self.check_evidence_editable()?;
        Ok(if self.is_inquiry() { DisputeStatus::WarningClosed } else { DisputeStatus::Lost })
    }

    /// The response deadline passed without evidence: the same as closing.
    pub fn deadline_passed(self) -> Result<DisputeStatus, DisputeError> {
        self.close()
    }

    /// The bank decides a dispute under review. An inquiry decided for the buyer
    /// escalates to a chargeback awaiting the merchant's response.
    pub fn decide(self, decision: Decision) -> Result<DisputeStatus, DisputeError> {
        match (self, decision) {
            (DisputeStatus::WarningUnderReview, Decision::ForMerchant) => Ok(DisputeStatus::WarningClosed),
            (DisputeStatus::WarningUnderReview, Decision::ForBuyer) => Ok(DisputeStatus::NeedsResponse),
            (DisputeStatus::UnderReview, Decision::ForMerchant) => Ok(DisputeStatus::Won),
            (DisputeStatus::UnderReview, Decision::ForBuyer) => Ok(DisputeStatus::Lost),
            (status, _) => Err(DisputeError::NotUnderReview { status }),
        }
    }
}

impl DisputeReason {
    pub const ALL: [DisputeReason; 3] =
        [DisputeReason::Fraudulent, DisputeReason::ProductNotReceived, DisputeReason::General];

    pub fn as_str(self) -> &'static str {
        match self {
            DisputeReason::Fraudulent => "fraudulent",
            DisputeReason::ProductNotReceived => "product_not_received",
            DisputeReason::General => "general",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        DisputeReason::ALL.into_iter().find(|reason| reason.as_str() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in DisputeStatus::ALL {
            assert_eq!(DisputeStatus::parse(status.as_str()), Some(status));
        }
        for reason in DisputeReason::ALL {
            assert_eq!(DisputeReason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(DisputeStatus::parse("Won"), None);
    }

    #[test]
    fn a_chargeback_is_won_or_lost_after_review_or_lost_when_accepted() {
        let opened = DisputeStatus::opened(false);
        assert_eq!(opened, DisputeStatus::NeedsResponse);
        assert_eq!(opened.submit_evidence(), Ok(DisputeStatus::UnderReview));
        assert_eq!(DisputeStatus::UnderReview.decide(Decision::ForMerchant), Ok(DisputeStatus::Won));
        assert_eq!(DisputeStatus::UnderReview.decide(Decision::ForBuyer), Ok(DisputeStatus::Lost));
        assert_eq!(opened.close(), Ok(DisputeStatus::Lost));
        assert_eq!(opened.deadline_passed(), Ok(DisputeStatus::Lost));
        assert_eq!(DisputeStatus::UnderReview.close(), Err(DisputeError::UnderReview));
        assert_eq!(DisputeStatus::UnderReview.submit_evidence(), Err(DisputeError::UnderReview));
    }

    #[test]
    fn an_inquiry_closes_or_escalates_to_a_chargeback() {
        let opened = DisputeStatus::opened(true);
        assert!(opened.is_inquiry() && !opened.is_closed());
        assert_eq!(opened.submit_evidence(), Ok(DisputeStatus::WarningUnderReview));
        let review = DisputeStatus::WarningUnderReview;
        assert_eq!(review.decide(Decision::ForMerchant), Ok(DisputeStatus::WarningClosed));
        assert_eq!(opened.close(), Ok(DisputeStatus::WarningClosed));
        // Escalated, it is a chargeback: evidence is submitted once more, then won or lost.
        let escalated = review.decide(Decision::ForBuyer);
        assert_eq!(escalated, Ok(DisputeStatus::NeedsResponse));
        assert!(escalated.is_ok_and(|status| !status.is_inquiry()));
        assert_eq!(DisputeStatus::NeedsResponse.submit_evidence(), Ok(DisputeStatus::UnderReview));
        assert!(DisputeStatus::WarningClosed.decide(Decision::ForBuyer).is_err());
    }

    #[test]
    fn closed_disputes_refuse_every_change() {
        for status in [DisputeStatus::Won, DisputeStatus::Lost, DisputeStatus::WarningClosed] {
            assert!(status.is_closed());
            assert_eq!(status.submit_evidence(), Err(DisputeError::AlreadyClosed { status }));
            assert_eq!(status.close(), Err(DisputeError::AlreadyClosed { status }));
            assert_eq!(status.decide(Decision::ForMerchant), Err(DisputeError::NotUnderReview { status }));
        }
        let status = DisputeStatus::NeedsResponse;
        assert_eq!(status.decide(Decision::ForBuyer), Err(DisputeError::NotUnderReview { status }));
    }
}
