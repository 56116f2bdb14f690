//! What the engine knows about the conversation besides the message: the merchant, the
//! buyer's verification, earlier failures, recent turns and the conversation's tags.

/// Recent turns kept for the handoff summary.
pub const RECENT_TURNS_MAX: usize = 8;
/// Tags that make a conversation sensitive (matched case-insensitively; `complaint`
/// also matches `complaint:damaged` and the like).
pub const SENSITIVE_TAGS: &[&str] = &["complaint", "chargeback", "fraud", "legal", "dispute"];

/// A buyer who proved who they are (an order number and its email, checked by the
/// server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBuyer {
    pub email: String,
    /// Every order number of this email: the only orders the assistant may disclose.
    pub order_numbers: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Buyer,
    Assistant,
    Agent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentTurn {
    pub speaker: Speaker,
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    pub merchant_name: String,
    pub verified: Option<VerifiedBuyer>,
    /// The assistant's failed answers so far in this conversation (not counting this turn).
    pub failed_answers: u8,
    /// The last turns, oldest first (at most [`RECENT_TURNS_MAX`] are read).
    pub recent_turns: Vec<RecentTurn>,
    pub tags: Vec<String>,
}

impl Context {
    pub fn new(merchant_name: impl Into<String>) -> Context {
        Context { merchant_name: merchant_name.into(), ..Context::default() }
    }

    /// Whether a tag marks the conversation as sensitive, and which one.
    pub fn sensitive_tag(&self) -> Option<&str> {
        self.tags.iter().map(String::as_str).find(|tag| {
            let tag = tag.to_ascii_lowercase();
            SENSITIVE_TAGS.iter().any(|sensitive| tag == *sensitive || tag.starts_with(&format!("{sensitive}:")))
        })
    }

    /// Whether order `number` belongs to the verified buyer.
    pub fn may_disclose(&self, number: &str) -> bool {
        self.verified
            .as_ref()
            .is_some_and(|buyer| buyer.order_numbers.iter().any(|owned| crate::tools::same_order_number(owned, number)))
    }
}
