//! Typed, prefixed ids. Each id is its prefix, an underscore and 26 characters of
//! Crockford base32 of a UUIDv7, so ids sort by creation time (cursor pagination
//! relies on it) and a payment id can never be passed where a refund id is expected.

use std::fmt;

const ENCODED_LENGTH: usize = 26;
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{value}` is not a valid {kind} id (expected `{prefix}_` and 26 characters)")]
pub struct IdError {
    pub kind: &'static str,
    pub prefix: &'static str,
    pub value: String,
}

fn encode(value: u128) -> String {
    let mut out = [0u8; ENCODED_LENGTH];
    let mut rest = value;
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(rest & 31) as usize];
        rest >>= 5;
    }
    out.iter().map(|&byte| byte as char).collect()
}

fn is_encoded(body: &str) -> bool {
    body.len() == ENCODED_LENGTH && body.bytes().all(|byte| ALPHABET.contains(&byte))
}

/// A fresh time-ordered body for an id.
pub fn new_body() -> String {
    encode(uuid::Uuid::now_v7().as_u128())
}

macro_rules! define_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn generate() -> Self {
                $name(format!("{}_{}", $prefix, new_body()))
            }

            pub fn parse(value: &str) -> Result<Self, IdError> {
                match value.strip_prefix(concat!($prefix, "_")) {
                    Some(body) if is_encoded(body) => Ok($name(value.to_owned())),
                    _ => Err(IdError { kind: $kind, prefix: $prefix, value: value.to_owned() }),
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&self.0)
            }
        }
    };
}

define_id!(/// A merchant account.
    MerchantId, "acct", "merchant");
define_id!(/// An API key record (not the key itself).
    ApiKeyId, "key", "API key");
define_id!(/// A payment intent.
    PaymentIntentId, "pi", "payment intent");
define_id!(/// One confirmation attempt of a payment intent.
    AttemptId, "pa", "payment attempt");
define_id!(/// A refund.
    RefundId, "re", "refund");
define_id!(/// A hosted checkout session.
    CheckoutSessionId, "cs", "checkout session");
define_id!(/// A reusable payment link.
    PaymentLinkId, "plink", "payment link");
define_id!(/// An event recorded with a state change.
    EventId, "evt", "event");
define_id!(/// A balance transaction: one money movement as the merchant sees it.
    BalanceTransactionId, "txn", "balance transaction");
define_id!(/// An exchange rate locked for a while (an FX quote).
    FxQuoteId, "fxq", "FX quote");
define_id!(/// A payout to a merchant's bank account.
    PayoutId, "po", "payout");
define_id!(/// A dispute of a payment by the buyer's bank.
    DisputeId, "dp", "dispute");
define_id!(/// A URL a merchant receives events at (a webhook endpoint).
    WebhookEndpointId, "we", "webhook endpoint");
define_id!(/// One event owed to one webhook endpoint, with its attempts.
    WebhookDeliveryId, "whdl", "webhook delivery");
define_id!(/// An imported provider settlement report and its reconciliation.
    ReconciliationReportId, "recon", "reconciliation report");
define_id!(/// A file a merchant uploaded (dispute evidence).
    FileId, "file", "file");
define_id!(/// An early fraud warning: the card issuer's notice that a payment looks fraudulent.
    EarlyFraudWarningId, "issfr", "early fraud warning");
define_id!(/// A merchant's account with a connector (a sandbox, Stripe or PayPal) and its credentials.
    ConnectorAccountId, "mca", "connector account");
define_id!(/// A merchant's order: what a buyer bought, linked to its payments and shipment.
    OrderId, "ord", "order");
define_id!(/// A support conversation between a buyer and a merchant's team.
    ConversationId, "conv", "conversation");
define_id!(/// One message (or internal note) in a conversation.
    MessageId, "msg", "message");
define_id!(/// An entry of a conversation's timeline.
    ConversationEventId, "cevt", "conversation event");
define_id!(/// A person on a merchant's support team.
    AgentId, "agt", "agent");
define_id!(/// A merchant's support team, with its business hours.
    TeamId, "team", "team");
define_id!(/// A canned response agents insert into replies.
    CannedResponseId, "canned", "canned response");
define_id!(/// A knowledge-base article the assistant answers from.
    ArticleId, "kb", "knowledge-base article");
define_id!(/// A buyer talking to a merchant through the chat widget (a visitor, identified or not).
    ContactId, "cont", "contact");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_sort_by_time() {
        let first = PaymentIntentId::generate();
        let second = PaymentIntentId::generate();
        assert!(first < second);
        assert_eq!(PaymentIntentId::parse(first.as_str()), Ok(first.clone()));
        assert!(RefundId::parse(first.as_str()).is_err());
        assert!(PaymentIntentId::parse("pi_short").is_err());
        assert!(PaymentIntentId::parse("pi_0000000000000000000000000I").is_err());
    }
}
