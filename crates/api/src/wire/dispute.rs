//! Dispute requests and the dispute object (Stripe's shape).

use crate::wire::json_column;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use tradewind_storage::disputes::DisputeRow;
use utoipa::{IntoParams, ToSchema};

/// The evidence a merchant can give: text fields, and file fields that each name a file
/// (`file_…`) the merchant uploaded with purpose `dispute_evidence`. Every field is
/// optional and an update changes only the fields it names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub access_activity_log: Option<String>,
    pub billing_address: Option<String>,
    pub cancellation_policy_disclosure: Option<String>,
    pub customer_email_address: Option<String>,
    pub customer_name: Option<String>,
    pub customer_purchase_ip: Option<String>,
    pub product_description: Option<String>,
    pub refund_policy_disclosure: Option<String>,
    pub service_date: Option<String>,
    pub shipping_address: Option<String>,
    pub shipping_carrier: Option<String>,
    pub shipping_date: Option<String>,
    pub shipping_tracking_number: Option<String>,
    /// Anything else. In the sandbox, `losing_evidence` makes the bank decide for the
    /// buyer; any other submitted evidence (say `winning_evidence`) wins.
    pub uncategorized_text: Option<String>,
    /// A file id: the cancellation policy shown to the buyer.
    pub cancellation_policy: Option<String>,
    /// A file id: emails or messages with the buyer.
    pub customer_communication: Option<String>,
    /// A file id: the receipt or invoice.
    pub receipt: Option<String>,
    /// A file id: the refund policy shown to the buyer.
    pub refund_policy: Option<String>,
    /// A file id: proof the service was provided.
    pub service_documentation: Option<String>,
    /// A file id: proof of shipment (label, tracking).
    pub shipping_documentation: Option<String>,
    /// A file id: anything else.
    pub uncategorized_file: Option<String>,
}

/// How many text and file fields evidence has.
const TEXT_FIELDS: usize = 14;
const FILE_FIELDS: usize = 7;

impl Evidence {
    /// The text fields with their names, for checks that treat them alike.
    pub fn text_fields(&self) -> [(&'static str, &Option<String>); TEXT_FIELDS] {
        [
            ("access_activity_log", &self.access_activity_log),
            ("billing_address", &self.billing_address),
            ("cancellation_policy_disclosure", &self.cancellation_policy_disclosure),
            ("customer_email_address", &self.customer_email_address),
            ("customer_name", &self.customer_name),
            ("customer_purchase_ip", &self.customer_purchase_ip),
            ("product_description", &self.product_description),
            ("refund_policy_disclosure", &self.refund_policy_disclosure),
            ("service_date", &self.service_date),
            ("shipping_address", &self.shipping_address),
            ("shipping_carrier", &self.shipping_carrier),
            ("shipping_date", &self.shipping_date),
            ("shipping_tracking_number", &self.shipping_tracking_number),
            ("uncategorized_text", &self.uncategorized_text),
        ]
    }

    /// The file fields (file ids) with their names.
    pub fn file_fields(&self) -> [(&'static str, &Option<String>); FILE_FIELDS] {
        [
            ("cancellation_policy", &self.cancellation_policy),
            ("customer_communication", &self.customer_communication),
            ("receipt", &self.receipt),
            ("refund_policy", &self.refund_policy),
            ("service_documentation", &self.service_documentation),
            ("shipping_documentation", &self.shipping_documentation),
            ("uncategorized_file", &self.uncategorized_file),
        ]
    }

    /// Every field, text then files.
    fn fields(&self) -> impl Iterator<Item = &Option<String>> {
        self.text_fields().into_iter().chain(self.file_fields()).map(|(_, value)| value)
    }

    fn fields_mut(&mut self) -> [&mut Option<String>; TEXT_FIELDS + FILE_FIELDS] {
        [
            &mut self.access_activity_log,
            &mut self.billing_address,
            &mut self.cancellation_policy_disclosure,
            &mut self.customer_email_address,
            &mut self.customer_name,
            &mut self.customer_purchase_ip,
            &mut self.product_description,
            &mut self.refund_policy_disclosure,
            &mut self.service_date,
            &mut self.shipping_address,
            &mut self.shipping_carrier,
            &mut self.shipping_date,
            &mut self.shipping_tracking_number,
            &mut self.uncategorized_text,
            &mut self.cancellation_policy,
            &mut self.customer_communication,
            &mut self.receipt,
            &mut self.refund_policy,
            &mut self.service_documentation,
            &mut self.shipping_documentation,
            &mut self.uncategorized_file,
        ]
    }

    /// This evidence with the fields `newer` names replaced.
    pub fn merged(mut self, newer: Evidence) -> Evidence {
        let newer_fields: Vec<Option<String>> = newer.fields().cloned().collect();
        for (field, value) in self.fields_mut().into_iter().zip(newer_fields) {
            if value.is_some() {
                *field = value;
            }
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.fields().all(Option::is_none)
    }

    /// The stored column back; a corrupt one reads as no evidence (and is logged).
    pub fn from_column(text: &str) -> Evidence {
        serde_json::from_value(json_column("evidence", Some(text))).unwrap_or_default()
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDispute {
    pub evidence: Option<Evidence>,
    pub metadata: Option<BTreeMap<String, String>>,
    /// Send the evidence to the bank now (the default when `evidence` is given); false
    /// only saves it. A request with neither `evidence` nor `submit` updates metadata.
    pub submit: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListDisputes {
    pub limit: Option<i64>,
    pub starting_after: Option<String>,
    pub payment_intent: Option<String>,
    /// One of the dispute statuses.
    pub status: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EvidenceDetails {
    /// When evidence is due (Unix seconds); past it, an unanswered dispute is lost.
    pub due_by: i64,
    pub has_evidence: bool,
    pub past_due: bool,
    /// Evidence submissions in the current phase (at most one): an inquiry that
    /// escalates to a chargeback starts again at 0.
    pub submission_count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct DisputeObject {
    pub id: String,
    pub object: &'static str,
    /// What the bank disputes (taken from the merchant unless an inquiry).
    pub amount: i64,
    pub currency: String,
    pub payment_intent: String,
    /// warning_needs_response, warning_under_review, warning_closed (inquiries);
    /// needs_response, under_review, won, lost.
    pub status: String,
    /// fraudulent, product_not_received or general.
    pub reason: String,
    /// The dispute fee charged (0 for an inquiry); returned if the dispute is won.
    pub fee: i64,
    /// An inquiry's payment may still be refunded; a chargeback's may not.
    pub is_charge_refundable: bool,
    pub evidence: Evidence,
    pub evidence_details: EvidenceDetails,
    pub metadata: Value,
    pub created: i64,
}

impl DisputeObject {
    pub fn from_row(row: &DisputeRow, now: i64) -> Self {
        let evidence = Evidence::from_column(&row.evidence);
        let awaiting_response = matches!(row.status.as_str(), "needs_response" | "warning_needs_response");
        DisputeObject {
            id: row.id.clone(),
            object: "dispute",
            amount: row.amount,
            currency: row.currency.to_ascii_lowercase(),
            payment_intent: row.payment_intent_id.clone(),
            status: row.status.clone(),
            reason: row.reason.clone(),
            fee: row.fee,
            is_charge_refundable: row.status.starts_with("warning_"),
            evidence_details: EvidenceDetails {
                due_by: row.due_by,
                has_evidence: !evidence.is_empty(),
                past_due: awaiting_response && now > row.due_by,
                submission_count: row.submission_count,
            },
            evidence,
            metadata: json_column("metadata", Some(&row.metadata)),
            created: row.created_at,
        }
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_replaces_only_the_fields_it_names() {
        let stored = Evidence {
            customer_name: Some("Ana".to_owned()),
            uncategorized_text: Some("first".to_owned()),
            ..Evidence::default()
        };
        let newer = Evidence {
            uncategorized_text: Some("second".to_owned()),
            receipt: Some("file_1".to_owned()),
            ..Evidence::default()
        };
        let merged = stored.merged(newer);
        assert_eq!(merged.customer_name.as_deref(), Some("Ana"));
        assert_eq!(merged.uncategorized_text.as_deref(), Some("second"));
        assert_eq!(merged.receipt.as_deref(), Some("file_1"));
        assert!(!merged.is_empty());
        let only_a_file = Evidence { uncategorized_file: Some("file_2".to_owned()), ..Evidence::default() };
        assert!(!only_a_file.is_empty());
        assert_eq!(Evidence::default().merged(only_a_file.clone()), only_a_file);
        assert!(Evidence::default().is_empty());
        assert_eq!(Evidence::from_column("not json"), Evidence::default());
    }
}
