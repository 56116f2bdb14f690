//! What a message is before it is stored: who sent it, what kind it is, whether it is an
//! internal note, and the length rules its text obeys.

use crate::SupportError;
use crate::name::named_enum;

/// The longest message text, in characters (Unicode scalar values, what a buyer counts).
pub const MESSAGE_TEXT_CHARS_MAX: usize = 5_000;
/// The longest internal note, in characters. Notes carry investigation details (order
/// histories, pasted logs), so they may be longer than a reply.
pub const NOTE_TEXT_CHARS_MAX: usize = 10_000;
/// The longest caption of an image or a file, in characters.
pub const CAPTION_CHARS_MAX: usize = 1_000;

named_enum! {
    /// Who wrote a message.
    pub enum Sender("message sender") {
        /// The buyer, through the chat widget (or email).
        Buyer => "buyer",
        /// A person on the merchant's team.
        Agent => "agent",
        /// The embedded assistant answering from the knowledge base and order tools.
        Assistant => "assistant",
        /// Tradewind itself: auto-replies, offline notices, CSAT requests.
        System => "system",
    }
}

named_enum! {
    /// What a message carries.
    pub enum MessageKind("message kind") {
        Text => "text",
        /// An image attachment (JPEG, PNG, GIF, WEBP), with an optional caption.
        Image => "image",
        /// A file attachment (PDF, plain text), with an optional caption.
        File => "file",
    }
}

impl Sender {
    /// Whether the sender is on the merchant's side (may write internal notes, sees them).
    pub fn is_team(self) -> bool {
        matches!(self, Sender::Agent | Sender::Assistant | Sender::System)
    }
}

/// A validated message, ready to store. `text` is trimmed; for an attachment it is the
/// caption (possibly empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    sender: Sender,
    kind: MessageKind,
    text: String,
    internal_note: bool,
}

impl Message {
    /// Checks a message: text messages need text; captions, replies and notes have their
    /// own length bounds; only an agent writes an internal note (private, never shown to
    /// the buyer), and a note is text only (attachments for agents go in replies).
    pub fn new(sender: Sender, kind: MessageKind, text: &str, internal_note: bool) -> Result<Message, SupportError> {
        let text = text.trim();
        let length_chars = text.chars().count();
        if internal_note {
            if sender != Sender::Agent {
                return Err(SupportError::NoteNotFromAgent { sender });
            }
            if kind != MessageKind::Text {
                return Err(SupportError::NoteWithAttachment { kind });
            }
            if length_chars > NOTE_TEXT_CHARS_MAX {
                return Err(SupportError::NoteTooLong { length_chars, chars_max: NOTE_TEXT_CHARS_MAX });
            }
        }
        match kind {
            MessageKind::Text if text.is_empty() => return Err(SupportError::MessageEmpty),
            MessageKind::Text if length_chars > MESSAGE_TEXT_CHARS_MAX && !internal_note => {
                return Err(SupportError::MessageTooLong { length_chars, chars_max: MESSAGE_TEXT_CHARS_MAX });
            }
            MessageKind::Image | MessageKind::File if length_chars > CAPTION_CHARS_MAX => {
                return Err(SupportError::CaptionTooLong { length_chars, chars_max: CAPTION_CHARS_MAX });
            }
            _ => {}
        }
        Ok(Message { sender, kind, text: text.to_owned(), internal_note })
    }

    pub fn sender(&self) -> Sender {
        self.sender
    }

    pub fn kind(&self) -> MessageKind {
        self.kind
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_internal_note(&self) -> bool {
        self.internal_note
    }

    /// Whether the widget shows the message to the buyer.
    pub fn is_visible_to_buyer(&self) -> bool {
        !self.internal_note
    }

    /// Whether this message is the team's reply to the buyer: it stops the SLA's
    /// first-response clock. The assistant's answers do not count, nor do system notices
    /// (an auto-reply is not a response) or notes.
    pub fn is_agent_reply(&self) -> bool {
        self.sender == Sender::Agent && !self.internal_note
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for sender in Sender::ALL {
            assert_eq!(Sender::parse(sender.as_str()).unwrap(), *sender);
        }
        for kind in MessageKind::ALL {
            assert_eq!(MessageKind::parse(kind.as_str()).unwrap(), *kind);
        }
        assert!(Sender::parse("bot").is_err());
        assert!(Sender::Assistant.is_team());
        assert!(!Sender::Buyer.is_team());
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        let message = Message::new(Sender::Buyer, MessageKind::Text, "  where is my order?\n", false).unwrap();
        assert_eq!(message.text(), "where is my order?");
        assert!(message.is_visible_to_buyer());
        assert!(!message.is_agent_reply());
        assert_eq!(Message::new(Sender::Buyer, MessageKind::Text, " \n\t", false), Err(SupportError::MessageEmpty));
        let longest = "é".repeat(MESSAGE_TEXT_CHARS_MAX);
        assert!(Message::new(Sender::Buyer, MessageKind::Text, &longest, false).is_ok());
        let too_long = "é".repeat(MESSAGE_TEXT_CHARS_MAX + 1);
        assert_eq!(
            Message::new(Sender::Agent, MessageKind::Text, &too_long, false),
            Err(SupportError::MessageTooLong {
                length_chars: MESSAGE_TEXT_CHARS_MAX + 1,
                chars_max: MESSAGE_TEXT_CHARS_MAX
            })
        );
    }

    #[test]
    fn attachments_may_have_an_empty_caption() {
        let image = Message::new(Sender::Buyer, MessageKind::Image, "", false).unwrap();
        assert_eq!(image.text(), "");
        let caption = "x".repeat(CAPTION_CHARS_MAX + 1);
        assert!(matches!(
            Message::new(Sender::Buyer, MessageKind::File, &caption, false),
            Err(SupportError::CaptionTooLong { .. })
        ));
    }

    #[test]
    fn only_agents_write_text_notes() {
        let note = Message::new(Sender::Agent, MessageKind::Text, "refund issued in the PSP", true).unwrap();
        assert!(note.is_internal_note());
        assert!(!note.is_visible_to_buyer());
        assert!(!note.is_agent_reply());
        assert_eq!(
            Message::new(Sender::Buyer, MessageKind::Text, "hi", true),
            Err(SupportError::NoteNotFromAgent { sender: Sender::Buyer })
        );
        assert_eq!(
            Message::new(Sender::Agent, MessageKind::Image, "", true),
            Err(SupportError::NoteWithAttachment { kind: MessageKind::Image })
        );
        let long_note = "n".repeat(NOTE_TEXT_CHARS_MAX);
        assert!(Message::new(Sender::Agent, MessageKind::Text, &long_note, true).is_ok());
        let too_long = "n".repeat(NOTE_TEXT_CHARS_MAX + 1);
        assert!(matches!(
            Message::new(Sender::Agent, MessageKind::Text, &too_long, true),
            Err(SupportError::NoteTooLong { .. })
        ));
    }

    #[test]
    fn agent_replies_stop_the_first_response_clock() {
        assert!(Message::new(Sender::Agent, MessageKind::Text, "on it", false).unwrap().is_agent_reply());
        assert!(
            !Message::new(Sender::Assistant, MessageKind::Text, "here is the status", false).unwrap().is_agent_reply()
        );
        assert!(!Message::new(Sender::System, MessageKind::Text, "we are away", false).unwrap().is_agent_reply());
    }
}
