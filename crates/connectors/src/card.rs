//! The sandbox card acquirer: Stripe's public test card numbers and what happens to
//! each one. Integrations written against Stripe's test mode keep working here, so
//! the numbers, error codes and messages are Stripe's own (stripe.com/docs/testing).
//!
//! Two questions are answered separately: [`scenario`] says what happens at
//! authorisation (approve, decline, or ask for 3-D Secure first), and [`flags`] says
//! what happens later to a payment that went through (a dispute, a refund that fails
//! after it first succeeded). A number in neither table is an ordinary card that
//! approves.

use tradewind_payments::card::CardNumber;

/// What the sandbox acquirer does when a card is authorised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardScenario {
    /// Authorised at once.
    Approve,
    /// Refused at authorisation.
    Decline(CardDecline),
    /// The issuer demands a 3-D Secure challenge; `after` is what happens once the
    /// buyer completes it.
    ThreeDsRequired { after: AfterThreeDs },
    /// The card supports 3-D Secure but the issuer does not ask for it, so the
    /// payment approves without a challenge.
    ThreeDsOptional,
}

/// What the issuer answers after a completed 3-D Secure challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterThreeDs {
    Approve,
    Decline(CardDecline),
}

/// A decline as Stripe reports it: an error `code`, the issuer's `decline_code`, and
/// the message shown to the buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardDecline {
    pub code: &'static str,
    pub decline_code: &'static str,
    pub message: &'static str,
}

impl CardDecline {
    pub const GENERIC_DECLINE: CardDecline =
        CardDecline { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." };
    pub const INSUFFICIENT_FUNDS: CardDecline = CardDecline {
        code: "card_declined",
        decline_code: "insufficient_funds",
        message: "Your card has insufficient funds.",
    };
    pub const LOST_CARD: CardDecline =
        CardDecline { code: "card_declined", decline_code: "lost_card", message: "Your card was declined." };
    pub const STOLEN_CARD: CardDecline =
        CardDecline { code: "card_declined", decline_code: "stolen_card", message: "Your card was declined." };
    pub const EXPIRED_CARD: CardDecline =
        CardDecline { code: "expired_card", decline_code: "expired_card", message: "Your card has expired." };
    pub const INCORRECT_CVC: CardDecline = CardDecline {
        code: "incorrect_cvc",
        decline_code: "incorrect_cvc",
        message: "Your card's security code is incorrect.",
    };
    pub const PROCESSING_ERROR: CardDecline = CardDecline {
        code: "processing_error",
        decline_code: "processing_error",
        message: "An error occurred while processing your card. Try again in a little bit.",
    };
    /// Stripe Radar's highest-risk verdict: the payment is blocked before the issuer
    /// sees it, and the buyer sees an ordinary decline.
    pub const FRAUDULENT: CardDecline =
        CardDecline { code: "card_declined", decline_code: "fraudulent", message: "Your card was declined." };
}

/// The kind of dispute a test card opens after it has been charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisputeScenario {
    /// The cardholder says they did not make the payment.
    Fraudulent,
    /// The cardholder says the goods never arrived.
    ProductNotReceived,
    /// The issuer asks for information before deciding to open a dispute.
    Inquiry,
    /// The issuer warns of likely fraud (an early fraud warning); no dispute is opened.
    EarlyFraudWarning,
}

impl DisputeScenario {
    pub fn as_str(self) -> &'static str {
        match self {
            DisputeScenario::Fraudulent => "fraudulent",
            DisputeScenario::ProductNotReceived => "product_not_received",
            DisputeScenario::Inquiry => "inquiry",
            DisputeScenario::EarlyFraudWarning => "early_fraud_warning",
        }
    }
}

/// What happens to an approved card payment later on. The defaults are an ordinary
/// card: no dispute, refunds that succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CardFlags {
    pub dispute: Option<DisputeScenario>,
    /// Refunds first report success, then fail asynchronously (Stripe's
    /// `4000000000005126`).
    pub refund_fails_async: bool,
}

const THREE_DS_THEN_APPROVE: CardScenario = CardScenario::ThreeDsRequired { after: AfterThreeDs::Approve };

const fn declined(decline: CardDecline) -> CardScenario {
    CardScenario::Decline(decline)
}

const fn disputed(dispute: DisputeScenario) -> CardFlags {
    CardFlags { dispute: Some(dispute), refund_fails_async: false }
}

/// Authorisation behaviour of the numbers that do not simply approve.
#[rustfmt::skip]
const SCENARIOS: &[(&str, CardScenario)] = &[
    ("4000000000000002", declined(CardDecline::GENERIC_DECLINE)),
    ("4000000000009995", declined(CardDecline::INSUFFICIENT_FUNDS)),
    ("4000000000009987", declined(CardDecline::LOST_CARD)),
    ("4000000000009979", declined(CardDecline::STOLEN_CARD)),
    ("4000000000000069", declined(CardDecline::EXPIRED_CARD)),
    ("4000000000000127", declined(CardDecline::INCORRECT_CVC)),
    ("4000000000000119", declined(CardDecline::PROCESSING_ERROR)),
    ("4100000000000019", declined(CardDecline::FRAUDULENT)),
    // Authentication is required on every payment.
    ("4000002760003184", THREE_DS_THEN_APPROVE),
    // Authentication is required unless the card was set up for off-session use.
    ("4000002500003155", THREE_DS_THEN_APPROVE),
    // 3-D Secure 2 authentication must be completed.
    ("4000000000003220", THREE_DS_THEN_APPROVE),
    // Authentication succeeds, then the issuer declines for lack of funds.
    ("4000008260003178", CardScenario::ThreeDsRequired {
        after: AfterThreeDs::Decline(CardDecline::INSUFFICIENT_FUNDS),
    }),
    ("4000000000003055", CardScenario::ThreeDsOptional),
];

/// Later behaviour of numbers that approve at payment time.
#[rustfmt::skip]
const FLAGS: &[(&str, CardFlags)] = &[
    ("4000000000000259", disputed(DisputeScenario::Fraudulent)),
    ("4000000000002685", disputed(DisputeScenario::ProductNotReceived)),
    ("4000000000001976", disputed(DisputeScenario::Inquiry)),
    ("4000000000005423", disputed(DisputeScenario::EarlyFraudWarning)),
    ("4000000000005126", CardFlags { dispute: None, refund_fails_async: true }),
];

/// What the sandbox acquirer does when this card is authorised. Every valid number
/// that is not a special test number approves, as in Stripe's test mode.
pub fn scenario(card: &CardNumber) -> CardScenario {
    SCENARIOS
        .iter()
        .find(|(number, _)| *number == card.digits())
        .map_or(CardScenario::Approve, |(_, scenario)| *scenario)
}

/// What happens to this card's payment after it was approved.
pub fn flags(card: &CardNumber) -> CardFlags {
    FLAGS.iter().find(|(number, _)| *number == card.digits()).map_or(CardFlags::default(), |(_, flags)| *flags)
}

/// Where the sandbox's cards come from, as Stripe's international test cards encode it:
/// a Visa number `400000` followed by the ISO 3166 numeric code of the issuing country
/// (`4000002760000016` is German, `4000000760000002` Brazilian). Every other number,
/// `4242424242424242` included, is issued in the United States.
#[rustfmt::skip]
const ISSUING_COUNTRIES: &[(&str, &str)] = &[
    ("032", "AR"), ("036", "AU"), ("040", "AT"), ("056", "BE"), ("076", "BR"), ("100", "BG"), ("112", "BY"),
    ("124", "CA"), ("152", "CL"), ("156", "CN"), ("158", "TW"), ("170", "CO"), ("188", "CR"), ("191", "HR"),
    ("196", "CY"), ("203", "CZ"), ("208", "DK"), ("218", "EC"), ("233", "EE"), ("246", "FI"), ("250", "FR"),
    ("276", "DE"), ("292", "GI"), ("300", "GR"), ("344", "HK"), ("348", "HU"), ("356", "IN"), ("360", "ID"),
    ("372", "IE"), ("380", "IT"), ("392", "JP"), ("410", "KR"), ("428", "LV"), ("438", "LI"), ("440", "LT"),
    ("442", "LU"), ("458", "MY"), ("470", "MT"), ("484", "MX"), ("528", "NL"), ("554", "NZ"), ("578", "NO"),
    ("591", "PA"), ("600", "PY"), ("604", "PE"), ("608", "PH"), ("616", "PL"), ("620", "PT"), ("642", "RO"),
    ("682", "SA"), ("702", "SG"), ("703", "SK"), ("704", "VN"), ("705", "SI"), ("724", "ES"), ("752", "SE"),
    ("756", "CH"), ("764", "TH"), ("784", "AE"), ("826", "GB"), ("858", "UY"),
];

/// The issuing country of a sandbox card, ISO 3166 alpha-2 (see [`ISSUING_COUNTRIES`]).
pub fn issuing_country(card: &CardNumber) -> &'static str {
    card.digits()
        .strip_prefix("400000")
        .and_then(|rest| rest.get(..3))
        .and_then(|numeric| ISSUING_COUNTRIES.iter().find(|(code, _)| *code == numeric))
        .map_or("US", |(_, country)| country)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tradewind_payments::card::CardError;

    fn scenario_of(number: &str) -> Result<CardScenario, CardError> {
        CardNumber::parse(number).map(|card| scenario(&card))
    }

    fn flags_of(number: &str) -> Result<CardFlags, CardError> {
        CardNumber::parse(number).map(|card| flags(&card))
    }

    #[test]
    fn every_table_number_is_a_valid_card() {
        for (number, _) in SCENARIOS {
            assert!(CardNumber::parse(number).is_ok(), "{number}");
        }
        for (number, _) in FLAGS {
            assert!(CardNumber::parse(number).is_ok(), "{number}");
        }
    }

    #[test]
    fn a_number_is_in_at_most_one_table_once() {
        let mut numbers: Vec<&str> = SCENARIOS.iter().map(|(n, _)| *n).chain(FLAGS.iter().map(|(n, _)| *n)).collect();
        let total = numbers.len();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), total);
    }

    #[test]
    fn ordinary_test_cards_approve() -> Result<(), CardError> {
        for number in [
            "4242424242424242",
            "4000056655665556",
            "5555555555554444",
            "2223003122003222",
            "5200828282828210",
            "378282246310005",
            "371449635398431",
            "6011111111111117",
            "3566002020360505",
            // A valid number outside the table, as any real card would be.
            "4012888888881881",
        ] {
            assert_eq!(scenario_of(number)?, CardScenario::Approve, "{number}");
            assert_eq!(flags_of(number)?, CardFlags::default(), "{number}");
        }
        Ok(())
    }

    #[test]
    fn spaces_in_the_typed_number_do_not_matter() -> Result<(), CardError> {
        assert_eq!(scenario_of("4000 0000 0000 0002")?, CardScenario::Decline(CardDecline::GENERIC_DECLINE));
        Ok(())
    }

    #[test]
    fn declines_carry_stripe_codes_and_messages() -> Result<(), CardError> {
        let decline = |number: &str| match scenario_of(number) {
            Ok(CardScenario::Decline(decline)) => Some((decline.code, decline.decline_code, decline.message)),
            _ => None,
        };
        assert_eq!(decline("4000000000000002"), Some(("card_declined", "generic_decline", "Your card was declined.")));
        assert_eq!(
            decline("4000000000009995"),
            Some(("card_declined", "insufficient_funds", "Your card has insufficient funds."))
        );
        assert_eq!(decline("4000000000009987"), Some(("card_declined", "lost_card", "Your card was declined.")));
        assert_eq!(decline("4000000000009979"), Some(("card_declined", "stolen_card", "Your card was declined.")));
        assert_eq!(decline("4000000000000069"), Some(("expired_card", "expired_card", "Your card has expired.")));
        assert_eq!(
            decline("4000000000000127"),
            Some(("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."))
        );
        assert_eq!(
            decline("4000000000000119"),
            Some((
                "processing_error",
                "processing_error",
                "An error occurred while processing your card. Try again in a little bit."
            ))
        );
        assert_eq!(decline("4100000000000019"), Some(("card_declined", "fraudulent", "Your card was declined.")));
        Ok(())
    }

    #[test]
    fn three_d_secure_cards() -> Result<(), CardError> {
        let approve_after = CardScenario::ThreeDsRequired { after: AfterThreeDs::Approve };
        assert_eq!(scenario_of("4000002760003184")?, approve_after);
        assert_eq!(scenario_of("4000002500003155")?, approve_after);
        assert_eq!(scenario_of("4000000000003220")?, approve_after);
        assert_eq!(
            scenario_of("4000008260003178")?,
            CardScenario::ThreeDsRequired { after: AfterThreeDs::Decline(CardDecline::INSUFFICIENT_FUNDS) }
        );
        assert_eq!(scenario_of("4000000000003055")?, CardScenario::ThreeDsOptional);
        Ok(())
    }

    #[test]
    fn dispute_cards_approve_and_remember_the_dispute() -> Result<(), CardError> {
        for (number, dispute, name) in [
            ("4000000000000259", DisputeScenario::Fraudulent, "fraudulent"),
            ("4000000000002685", DisputeScenario::ProductNotReceived, "product_not_received"),
            ("4000000000001976", DisputeScenario::Inquiry, "inquiry"),
            ("4000000000005423", DisputeScenario::EarlyFraudWarning, "early_fraud_warning"),
        ] {
            assert_eq!(scenario_of(number)?, CardScenario::Approve, "{number}");
            assert_eq!(flags_of(number)?, CardFlags { dispute: Some(dispute), refund_fails_async: false });
            assert_eq!(dispute.as_str(), name);
        }
        Ok(())
    }

    #[test]
    fn asynchronous_refund_failure_card_approves() -> Result<(), CardError> {
        assert_eq!(scenario_of("4000000000005126")?, CardScenario::Approve);
        assert_eq!(flags_of("4000000000005126")?, CardFlags { dispute: None, refund_fails_async: true });
        Ok(())
    }

    #[test]
    fn international_test_cards_carry_their_issuing_country() -> Result<(), CardError> {
        for (number, country) in [
            ("4242424242424242", "US"),
            ("4000000000000259", "US"),
            ("4000002760000016", "DE"),
            ("4000000760000002", "BR"),
            ("4000003920000003", "JP"),
            ("4000008260003178", "GB"),
            ("4000007020000003", "SG"),
            ("5555555555554444", "US"),
        ] {
            assert_eq!(issuing_country(&CardNumber::parse(number)?), country, "{number}");
        }
        Ok(())
    }

    #[test]
    fn a_number_failing_luhn_never_reaches_the_acquirer() {
        assert_eq!(scenario_of("4242424242424241"), Err(CardError::InvalidNumber));
    }
}
