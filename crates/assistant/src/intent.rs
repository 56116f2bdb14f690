//! What the buyer wants: cues found by the [`Lexicon`] (language-independent concepts
//! such as "order", "where", "refund", "policy") combined by fixed rules into a score per
//! intent. The rules, not the lexicons, decide between neighbours: "where is my refund"
//! is a refund status, "what is your refund policy" the return policy, "how long does
//! shipping take" a general question for the knowledge base, "when will my package
//! arrive" shipping and tracking.

pub mod expansion;
pub mod lexicon;

use crate::entities::Entities;
pub use lexicon::{Lexicon, LexiconError};

/// Below this confidence the assistant does not answer but hands off.
pub const CONFIDENCE_HANDOFF_BELOW: f32 = 0.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SensitiveTopic {
    Chargeback,
    Fraud,
    Legal,
    Complaint,
}

impl SensitiveTopic {
    pub fn name(self) -> &'static str {
        match self {
            SensitiveTopic::Chargeback => "chargeback",
            SensitiveTopic::Fraud => "fraud",
            SensitiveTopic::Legal => "legal",
            SensitiveTopic::Complaint => "complaint",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intent {
    OrderStatus,
    PaymentStatus,
    RefundStatus,
    ShippingTracking,
    ReturnPolicy,
    /// A general question answered from the knowledge base.
    Knowledge,
    HumanRequest,
    Greeting,
    Thanks,
    Sensitive(SensitiveTopic),
    Unknown,
}

impl Intent {
    /// The intent's name in the evaluation set and logs (`order_status`, `sensitive:fraud`).
    pub fn name(self) -> &'static str {
        match self {
            Intent::OrderStatus => "order_status",
            Intent::PaymentStatus => "payment_status",
            Intent::RefundStatus => "refund_status",
            Intent::ShippingTracking => "shipping_tracking",
            Intent::ReturnPolicy => "return_policy",
            Intent::Knowledge => "knowledge",
            Intent::HumanRequest => "human_request",
            Intent::Greeting => "greeting",
            Intent::Thanks => "thanks",
            Intent::Sensitive(SensitiveTopic::Chargeback) => "sensitive:chargeback",
            Intent::Sensitive(SensitiveTopic::Fraud) => "sensitive:fraud",
            Intent::Sensitive(SensitiveTopic::Legal) => "sensitive:legal",
            Intent::Sensitive(SensitiveTopic::Complaint) => "sensitive:complaint",
            Intent::Unknown => "unknown",
        }
    }

    pub const ALL: [Intent; 14] = [
        Intent::OrderStatus,
        Intent::PaymentStatus,
        Intent::RefundStatus,
        Intent::ShippingTracking,
        Intent::ReturnPolicy,
        Intent::Knowledge,
        Intent::HumanRequest,
        Intent::Greeting,
        Intent::Thanks,
        Intent::Sensitive(SensitiveTopic::Chargeback),
        Intent::Sensitive(SensitiveTopic::Fraud),
        Intent::Sensitive(SensitiveTopic::Legal),
        Intent::Sensitive(SensitiveTopic::Complaint),
        Intent::Unknown,
    ];

    pub fn parse(name: &str) -> Option<Intent> {
        Intent::ALL.into_iter().find(|intent| intent.name() == name)
    }

    /// Whether answering needs the buyer's order data (and so a verified buyer).
    pub fn needs_order(self) -> bool {
        matches!(self, Intent::OrderStatus | Intent::PaymentStatus | Intent::RefundStatus | Intent::ShippingTracking)
    }
}

/// A concept a phrase of some language expresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Cue {
    Order,
    Where,
    Status,
    When,
    Arrive,
    NotReceived,
    Track,
    Ship,
    Package,
    Delivery,
    Late,
    Still,
    Payment,
    Charged,
    PaymentProblem,
    PaymentMethods,
    Refund,
    Return,
    Exchange,
    Cancel,
    Policy,
    How,
    Can,
    Want,
    Mine,
    Time,
    Cost,
    Customs,
    International,
    Human,
    Greeting,
    Thanks,
    Chargeback,
    Fraud,
    Legal,
    Complaint,
    /// The item arrived damaged, broken or faulty (a knowledge-base topic).
    Damaged,
    /// Invoices, receipts and tax documents: nothing the assistant can produce.
    Paperwork,
}

impl Cue {
    pub const ALL: [Cue; 38] = [
        Cue::Order,
        Cue::Where,
        Cue::Status,
        Cue::When,
        Cue::Arrive,
        Cue::NotReceived,
        Cue::Track,
        Cue::Ship,
        Cue::Package,
        Cue::Delivery,
        Cue::Late,
        Cue::Still,
        Cue::Payment,
        Cue::Charged,
        Cue::PaymentProblem,
        Cue::PaymentMethods,
        Cue::Refund,
        Cue::Return,
        Cue::Exchange,
        Cue::Cancel,
        Cue::Policy,
        Cue::How,
        Cue::Can,
        Cue::Want,
        Cue::Mine,
        Cue::Time,
        Cue::Cost,
        Cue::Customs,
        Cue::International,
        Cue::Human,
        Cue::Greeting,
        Cue::Thanks,
        Cue::Chargeback,
        Cue::Fraud,
        Cue::Legal,
        Cue::Complaint,
        Cue::Damaged,
        Cue::Paperwork,
    ];
}

/// The cues found in one message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CueSet(u64);

impl CueSet {
    pub fn insert(&mut self, cue: Cue) {
        self.0 |= 1 << (cue as u8);
    }

    pub fn contains(self, cue: Cue) -> bool {
        self.0 & (1 << (cue as u8)) != 0
    }

    fn any(self, cues: &[Cue]) -> bool {
        cues.iter().any(|cue| self.contains(*cue))
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The cues in the set, for explanations.
    pub fn to_vec(self) -> Vec<Cue> {
        Cue::ALL.into_iter().filter(|cue| self.contains(*cue)).collect()
    }
}

/// The classifier's verdict before any knowledge search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Classification {
    /// The best intent, or `Unknown` when no rule scored.
    pub intent: Intent,
    pub confidence: f32,
    /// Whether the message reads as a general question (how, can I, how long, how much,
    /// policy, customs) rather than one about the buyer's own order: the engine then
    /// asks the knowledge base.
    pub general_question: bool,
    /// Whether the message names a knowledge-base topic (shipping times, costs, customs,
    /// payment methods, returns, cancellation, damaged items): a weaker knowledge match
    /// is then enough.
    pub faq_topic: bool,
    pub cues: CueSet,
}

fn weight(condition: bool, value: f32) -> f32 {
    if condition { value } else { 0.0 }
}

/// Scores the specific intents from the cues and entities.
pub fn classify(cues: CueSet, entities: &Entities) -> Classification {
    use Cue::*;
    let has = |cue: Cue| cues.contains(cue);
    let number = entities.order_number.is_some();
    let mine = has(Mine) || number;
    let asks_state = cues.any(&[Where, Status, When, Arrive, NotReceived, Late, Still]);
    let asks_how = cues.any(&[How, Can, Policy]);
    let general_topic = cues.any(&[Time, Cost, Customs, International, PaymentMethods, Policy, Damaged]);
    let general_question = (asks_how || general_topic) && !number && !has(NotReceived);
    let faq_topic = general_topic || cues.any(&[Return, Exchange, Cancel, Damaged]);
    let damaged = has(Damaged);
    let paperwork = has(Paperwork);

    let sensitive = [
        (Chargeback, SensitiveTopic::Chargeback),
        (Fraud, SensitiveTopic::Fraud),
        (Legal, SensitiveTopic::Legal),
        (Complaint, SensitiveTopic::Complaint),
    ];
    for (cue, topic) in sensitive {
        if has(cue) {
            return Classification {
                intent: Intent::Sensitive(topic),
                confidence: 0.95,
                general_question,
                faq_topic,
                cues,
            };
        }
    }
    if has(Human) {
        return Classification { intent: Intent::HumanRequest, confidence: 0.95, general_question, faq_topic, cues };
    }
    // "收到了，谢谢" ("got it, thanks"): thanks without a question is thanks.
    let asks_something = cues.any(&[Where, Status, When, NotReceived, How, Can, Track, Want]) || number;
    if has(Thanks) && !asks_something {
        return Classification { intent: Intent::Thanks, confidence: 0.8, general_question, faq_topic, cues };
    }

    let refund_status = weight(has(Refund), 0.55 + weight(asks_state, 0.25) + weight(mine, 0.15))
        - weight(has(Refund) && (has(Policy) || (asks_how && !mine && !asks_state)), 0.45)
        - weight(has(Refund) && has(Want) && !asks_state, 0.3);
    let return_policy = (weight(has(Return) || has(Exchange), 0.6 + weight(asks_how || has(Want), 0.2))
        - weight(has(Return) && has(Refund) && asks_state, 0.2))
    .max(weight(has(Refund) && (has(Policy) || has(Want) || (asks_how && !mine)), 0.7));
    let about_payment = cues.any(&[Payment, Charged, PaymentProblem]);
    let payment_status = weight(
        about_payment,
        0.5 + weight(asks_state || has(PaymentProblem) || has(Charged), 0.25) + weight(mine, 0.15),
    ) - weight(has(PaymentMethods), 0.5)
        - weight(about_payment && general_question && !has(PaymentProblem) && !has(Charged), 0.3)
        - weight(has(Refund), 0.3);
    let about_shipping = cues.any(&[Ship, Package, Delivery, Arrive, NotReceived]);
    let shipping_tracking = if has(Track) {
        0.75 + weight(mine, 0.15)
    } else {
        weight(about_shipping, 0.45 + weight(asks_state, 0.25) + weight(mine, 0.15))
            - weight(general_question && !mine, 0.4)
            - weight(cues.any(&[Return, Exchange, Refund, Cancel]), 0.3)
            - weight(damaged, 0.4)
    };
    let order_status =
        weight(
            has(Order) || number,
            0.45 + weight(cues.any(&[Where, Status, Still]), 0.3) + weight(number, 0.15) + weight(has(Mine), 0.1),
        ) - weight(cues.any(&[Refund, Payment, Charged, PaymentProblem, Track, Return, Exchange, Cancel]), 0.35)
            - weight(about_shipping, 0.2)
            - weight(general_question && !mine, 0.3)
            - weight(damaged, 0.3);

    let scored = [
        (Intent::RefundStatus, refund_status),
        (Intent::ReturnPolicy, return_policy),
        (Intent::PaymentStatus, payment_status),
        (Intent::ShippingTracking, shipping_tracking),
        (Intent::OrderStatus, order_status),
    ];
    let (intent, score) = scored
        .into_iter()
        .fold((Intent::Unknown, 0.0f32), |best, candidate| if candidate.1 > best.1 { candidate } else { best });
    // Invoices and receipts are nothing the tools hold: no order intent stands.
    let score = if paperwork { score - 0.5 } else { score };
    if score >= CONFIDENCE_HANDOFF_BELOW {
        return Classification { intent, confidence: score.min(1.0), general_question, faq_topic, cues };
    }
    // Small talk counts only when nothing specific was asked.
    if has(Thanks) {
        return Classification { intent: Intent::Thanks, confidence: 0.8, general_question, faq_topic, cues };
    }
    if has(Greeting) && !general_question {
        return Classification { intent: Intent::Greeting, confidence: 0.8, general_question, faq_topic, cues };
    }
    Classification { intent: Intent::Unknown, confidence: score.max(0.0), general_question, faq_topic, cues }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for intent in Intent::ALL {
            assert_eq!(Intent::parse(intent.name()), Some(intent));
        }
    }

    #[test]
    fn cue_sets_hold_every_cue() {
        let mut set = CueSet::default();
        set.insert(Cue::Complaint);
        set.insert(Cue::Order);
        assert!(set.contains(Cue::Complaint) && set.contains(Cue::Order) && !set.contains(Cue::Refund));
    }
}
