//! The crate's one error type: one variant per rule, each message a sentence a console
//! user can act on.

use tradewind_payments::id::ConversationId;

use crate::conversation::{Priority, Status};
use crate::message::{MessageKind, Sender};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupportError {
    #[error("`{value}` is not a known {kind}.")]
    UnknownName { kind: &'static str, value: String },

    // Conversation status.
    #[error("The conversation is resolved; reopen it before you {action} it.")]
    ConversationResolved { action: &'static str },
    #[error("The conversation is already {status}.")]
    StatusUnchanged { status: Status },
    #[error("A snooze must end in the future (until {until_unix}, now {now_unix}).")]
    SnoozeNotInFuture { until_unix: i64, now_unix: i64 },
    #[error("A snooze may last at most {seconds_max} seconds (until {until_unix}, now {now_unix}).")]
    SnoozeTooLong { until_unix: i64, now_unix: i64, seconds_max: i64 },
    #[error("Only a snoozed conversation wakes; this one is {status}.")]
    NotSnoozed { status: Status },
    #[error("The snooze ends at {snoozed_until_unix}, not yet (now {now_unix}).")]
    SnoozeNotDue { snoozed_until_unix: i64, now_unix: i64 },

    // Messages.
    #[error("A text message needs some text.")]
    MessageEmpty,
    #[error("A message may have at most {chars_max} characters; this one has {length_chars}.")]
    MessageTooLong { length_chars: usize, chars_max: usize },
    #[error("A caption may have at most {chars_max} characters; this one has {length_chars}.")]
    CaptionTooLong { length_chars: usize, chars_max: usize },
    #[error("An internal note may have at most {chars_max} characters; this one has {length_chars}.")]
    NoteTooLong { length_chars: usize, chars_max: usize },
    #[error("Only an agent writes internal notes, not the {sender}.")]
    NoteNotFromAgent { sender: Sender },
    #[error("An internal note is text only, not {kind}.")]
    NoteWithAttachment { kind: MessageKind },

    // Tags.
    #[error(
        "`{value}` is not a valid tag (lowercase letters, digits, `_` and `-`, at most 40, starting with a letter or digit)."
    )]
    TagInvalid { value: String },
    #[error("A conversation may have at most {tags_max} tags.")]
    TooManyTags { tags_max: usize },

    // Attachments.
    #[error("The file is empty.")]
    AttachmentEmpty,
    #[error("The file has {size_bytes} bytes; at most {bytes_max} are allowed.")]
    AttachmentTooLarge { size_bytes: u64, bytes_max: u64 },
    #[error("Only JPEG, PNG, GIF and WEBP images, PDF documents and plain text files can be attached.")]
    AttachmentTypeNotAllowed,
    #[error("HTML, XML and SVG files cannot be attached.")]
    AttachmentIsMarkup,

    // Queue.
    #[error("The queue is full ({length_max} conversations are waiting).")]
    QueueFull { length_max: usize },
    #[error("Conversation {conversation} is already waiting in the queue.")]
    AlreadyQueued { conversation: ConversationId },

    // Business hours.
    #[error("`{name}` is not a known IANA time zone (such as `America/New_York`).")]
    TimeZoneUnknown { name: String },
    #[error("`{value}` is not a weekday (expected `monday` … `sunday`).")]
    WeekdayUnknown { value: String },
    #[error("`{value}` is not a date (expected `YYYY-MM-DD`).")]
    DateInvalid { value: String },
    #[error(
        "Business hours on {weekday} must start before they end and lie within the day (minutes {start_minute} to {end_minute})."
    )]
    IntervalInvalid { weekday: &'static str, start_minute: u16, end_minute: u16 },
    #[error("Business hours on {weekday} overlap.")]
    IntervalsOverlap { weekday: &'static str },
    #[error("At most {intervals_max} business-hour intervals per day ({weekday} has more).")]
    TooManyIntervalsPerDay { weekday: &'static str, intervals_max: usize },
    #[error("At most {intervals_max} business-hour intervals a week.")]
    TooManyIntervals { intervals_max: usize },
    #[error("At most {holidays_max} holidays.")]
    TooManyHolidays { holidays_max: usize },

    // SLA.
    #[error("The {target} target for {priority} priority must be between 1 and {seconds_max} seconds.")]
    SlaTargetInvalid { priority: Priority, target: &'static str, seconds_max: u32 },

    // Canned responses.
    #[error("A canned response may have at most {chars_max} characters; this one has {length_chars}.")]
    TemplateTooLong { length_chars: usize, chars_max: usize },
    #[error("`{{{{{name}}}}}` at character {position} is not a known variable.")]
    TemplateUnknownVariable { name: String, position: usize },
    #[error("The `{{{{` at character {position} is never closed with `}}}}`.")]
    TemplateUnclosedPlaceholder { position: usize },
    #[error("The `}}}}` at character {position} closes nothing.")]
    TemplateStrayClosingBraces { position: usize },
    #[error("The placeholder at character {position} is empty.")]
    TemplateEmptyPlaceholder { position: usize },
    #[error("This conversation has no value for `{{{{{variable}}}}}`.")]
    MissingVariable { variable: &'static str },
    #[error("`{value}` is not a valid shortcut (a `/` then lowercase letters, digits and `-`, at most 32).")]
    ShortcutInvalid { value: String },

    // CSAT.
    #[error("A rating is a whole number from 1 to 5, not `{value}`.")]
    RatingInvalid { value: String },
    #[error("A rating comment may have at most {chars_max} characters; this one has {length_chars}.")]
    CsatCommentTooLong { length_chars: usize, chars_max: usize },
    #[error("The rating window closed {window_seconds} seconds after the conversation was resolved.")]
    CsatWindowClosed { window_seconds: i64 },
    #[error("Only a resolved conversation can be rated.")]
    CsatNotResolved,

    // Identity.
    #[error("`{value}` is not a valid email address.")]
    EmailInvalid { value: String },
    #[error("`{value}` is not a valid order number (letters, digits and `-`, at most 32).")]
    OrderNumberInvalid { value: String },
}
