//! Conversation tags: short slugs agents (and the assistant) attach to a conversation,
//! and the complaint reasons recognised among them. A complaint tag is *sensitive*: the
//! assistant hands such a conversation to a person instead of answering it.

use crate::SupportError;
use crate::name::{echo, named_enum};

/// The longest tag, in characters (a slug is ASCII, so also bytes).
pub const TAG_CHARS_MAX: usize = 40;
/// The most tags one conversation carries; more is noise nobody filters by.
pub const TAGS_PER_CONVERSATION_MAX: usize = 20;

/// A tag: `[a-z0-9][a-z0-9_-]{0,39}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

named_enum! {
    /// Why a buyer complains, as a seller sorts complaints. Each is also a tag.
    pub enum ComplaintReason("complaint reason") {
        /// The parcel never arrived.
        NotReceived => "not_received",
        /// It arrived broken.
        Damaged => "damaged",
        /// Another item than the one ordered arrived.
        WrongItem => "wrong_item",
        /// A refund was promised and has not arrived.
        RefundDelay => "refund_delay",
        /// The buyer was charged but the order failed, or the payment did not go through.
        PaymentFailed => "payment_failed",
        /// It arrived, but later than promised.
        LateDelivery => "late_delivery",
        /// It arrived as ordered but is not as described or not good enough.
        Quality => "quality",
        /// The buyer wants to send it back.
        ReturnRequest => "return_request",
    }
}

impl Tag {
    /// Parses a tag exactly as stored: lowercase ASCII letters, digits, `_` and `-`,
    /// starting with a letter or digit, at most [`TAG_CHARS_MAX`] characters.
    pub fn parse(value: &str) -> Result<Tag, SupportError> {
        let mut bytes = value.bytes();
        let first_is_valid = bytes.next().is_some_and(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit());
        let rest_is_valid =
            bytes.all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_' || byte == b'-');
        if first_is_valid && rest_is_valid && value.len() <= TAG_CHARS_MAX {
            Ok(Tag(value.to_owned()))
        } else {
            Err(SupportError::TagInvalid { value: echo(value) })
        }
    }

    /// Parses what an agent typed in the console: trimmed, lowercased, inner spaces
    /// turned into `-` (`" Refund Delay "` becomes `refund-delay`), then [`Tag::parse`].
    pub fn from_input(input: &str) -> Result<Tag, SupportError> {
        let normalized: String = input.split_whitespace().collect::<Vec<_>>().join("-").to_lowercase();
        Tag::parse(&normalized)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The complaint reason this tag names, if any. Both `_` and `-` spellings count
    /// (`not_received`, `not-received`), since agents type either.
    pub fn complaint_reason(&self) -> Option<ComplaintReason> {
        ComplaintReason::ALL.iter().copied().find(|reason| {
            reason.as_str().bytes().eq(self.0.bytes().map(|byte| if byte == b'-' { b'_' } else { byte }))
        })
    }

    /// Whether the tag marks a complaint, which the assistant must hand to a person.
    pub fn is_sensitive(&self) -> bool {
        self.complaint_reason().is_some()
    }
}

impl ComplaintReason {
    /// The tag that marks this complaint.
    pub fn tag(self) -> Tag {
        Tag(self.as_str().to_owned())
    }
}

impl std::fmt::Display for Tag {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// A conversation's tags: no duplicates, in the order they were added, at most
/// [`TAGS_PER_CONVERSATION_MAX`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagSet {
    tags: Vec<Tag>,
}

impl TagSet {
    pub fn new() -> TagSet {
        TagSet::default()
    }

    /// Rebuilds a conversation's tags as stored, enforcing the same rules as [`TagSet::add`].
    pub fn from_tags(tags: impl IntoIterator<Item = Tag>) -> Result<TagSet, SupportError> {
        let mut set = TagSet::new();
        for tag in tags {
            set.add(tag)?;
        }
        Ok(set)
    }

    /// Adds a tag; `Ok(false)` when it was already there (nothing to record on the
    /// timeline), an error when the conversation already has the most tags allowed.
    pub fn add(&mut self, tag: Tag) -> Result<bool, SupportError> {
        if self.tags.contains(&tag) {
            return Ok(false);
        }
        if self.tags.len() >= TAGS_PER_CONVERSATION_MAX {
            return Err(SupportError::TooManyTags { tags_max: TAGS_PER_CONVERSATION_MAX });
        }
        self.tags.push(tag);
        Ok(true)
    }

    /// Removes a tag; `false` when it was not there.
    pub fn remove(&mut self, tag: &Tag) -> bool {
        let before = self.tags.len();
        self.tags.retain(|existing| existing != tag);
        self.tags.len() != before
    }

    pub fn contains(&self, tag: &Tag) -> bool {
        self.tags.contains(tag)
    }

    pub fn tags(&self) -> &[Tag] {
        &self.tags
    }

    pub fn len(&self) -> usize {
        self.tags.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// The complaint reasons among the tags, in tag order, without repeats.
    pub fn complaint_reasons(&self) -> Vec<ComplaintReason> {
        let mut reasons = Vec::new();
        for reason in self.tags.iter().filter_map(Tag::complaint_reason) {
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
        reasons
    }

    /// Whether any tag is sensitive (the assistant hands the conversation off).
    pub fn is_sensitive(&self) -> bool {
        self.tags.iter().any(Tag::is_sensitive)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_validated() {
        for valid in ["vip", "a", "0day", "refund_delay", "wholesale-2026", &"x".repeat(TAG_CHARS_MAX)] {
            assert_eq!(Tag::parse(valid).unwrap().as_str(), valid);
        }
        for invalid in ["", "-vip", "_vip", "VIP", "vip!", "two words", "café", &"x".repeat(TAG_CHARS_MAX + 1)] {
            assert!(matches!(Tag::parse(invalid), Err(SupportError::TagInvalid { .. })), "{invalid}");
        }
    }

    #[test]
    fn console_input_is_normalised() {
        assert_eq!(Tag::from_input("  Refund   Delay ").unwrap().as_str(), "refund-delay");
        assert_eq!(Tag::from_input("VIP").unwrap().as_str(), "vip");
        assert!(Tag::from_input("   ").is_err());
        assert!(Tag::from_input("a/b").is_err());
    }

    #[test]
    fn complaint_reasons_are_recognised_in_either_spelling() {
        for reason in ComplaintReason::ALL {
            assert_eq!(reason.tag().complaint_reason(), Some(*reason));
            assert_eq!(ComplaintReason::parse(reason.as_str()).unwrap(), *reason);
            assert!(reason.tag().is_sensitive());
        }
        assert_eq!(Tag::parse("not-received").unwrap().complaint_reason(), Some(ComplaintReason::NotReceived));
        assert_eq!(Tag::from_input("Wrong Item").unwrap().complaint_reason(), Some(ComplaintReason::WrongItem));
        assert_eq!(Tag::parse("not_received_yet").unwrap().complaint_reason(), None);
        assert!(!Tag::parse("vip").unwrap().is_sensitive());
    }

    #[test]
    fn tag_sets_deduplicate_and_are_bounded() {
        let mut set = TagSet::new();
        assert!(set.add(Tag::parse("vip").unwrap()).unwrap());
        assert!(!set.add(Tag::parse("vip").unwrap()).unwrap());
        assert!(!set.is_sensitive());
        assert!(set.add(ComplaintReason::Damaged.tag()).unwrap());
        assert!(set.add(Tag::parse("damaged").unwrap()).is_ok());
        assert!(set.add(Tag::parse("refund-delay").unwrap()).unwrap());
        assert!(set.is_sensitive());
        assert_eq!(set.complaint_reasons(), vec![ComplaintReason::Damaged, ComplaintReason::RefundDelay]);
        assert!(set.remove(&Tag::parse("vip").unwrap()));
        assert!(!set.remove(&Tag::parse("vip").unwrap()));
        assert_eq!(set.len(), 2);

        let mut full =
            TagSet::from_tags((0..TAGS_PER_CONVERSATION_MAX).map(|index| Tag::parse(&format!("t{index}")).unwrap()))
                .unwrap();
        assert_eq!(
            full.add(Tag::parse("one-more").unwrap()),
            Err(SupportError::TooManyTags { tags_max: TAGS_PER_CONVERSATION_MAX })
        );
        // An existing tag is still a no-op, not an error, on a full set.
        assert_eq!(full.add(Tag::parse("t0").unwrap()), Ok(false));
    }
}
