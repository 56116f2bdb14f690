//! Which uploads a conversation accepts, judged by the file's first bytes and never by
//! its name or the browser's declared type (both are the uploader's to choose). Images
//! (JPEG, PNG, GIF, WEBP) show inline; PDFs and plain text are offered as files. Anything
//! else, including HTML and SVG dressed up as text, is refused.

use crate::SupportError;
use crate::message::MessageKind;

/// The largest attachment: 10 MiB, a phone photo with room to spare.
pub const ATTACHMENT_BYTES_MAX: u64 = 10 * 1024 * 1024;
/// How many leading bytes [`judge`] looks at. The caller may pass more; the rest is
/// ignored. Enough to see that a text file is text, short enough to stay cheap.
pub const SNIFF_BYTES_MAX: usize = 1024;

/// An accepted attachment type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttachmentType {
    Jpeg,
    Png,
    Gif,
    Webp,
    Pdf,
    PlainText,
}

impl AttachmentType {
    /// The content type to store and serve it with (with `X-Content-Type-Options: nosniff`).
    pub fn mime_type(self) -> &'static str {
        match self {
            AttachmentType::Jpeg => "image/jpeg",
            AttachmentType::Png => "image/png",
            AttachmentType::Gif => "image/gif",
            AttachmentType::Webp => "image/webp",
            AttachmentType::Pdf => "application/pdf",
            AttachmentType::PlainText => "text/plain; charset=utf-8",
        }
    }

    /// The extension to give a downloaded copy.
    pub fn extension(self) -> &'static str {
        match self {
            AttachmentType::Jpeg => "jpg",
            AttachmentType::Png => "png",
            AttachmentType::Gif => "gif",
            AttachmentType::Webp => "webp",
            AttachmentType::Pdf => "pdf",
            AttachmentType::PlainText => "txt",
        }
    }

    /// The message kind an attachment of this type makes.
    pub fn message_kind(self) -> MessageKind {
        match self {
            AttachmentType::Jpeg | AttachmentType::Png | AttachmentType::Gif | AttachmentType::Webp => {
                MessageKind::Image
            }
            AttachmentType::Pdf | AttachmentType::PlainText => MessageKind::File,
        }
    }
}

/// Judges an upload of `size_bytes` bytes whose first bytes are `head`: its type, or the
/// rule it breaks. `head` should hold at least the first [`SNIFF_BYTES_MAX`] bytes (or the
/// whole file when it is shorter).
pub fn judge(head: &[u8], size_bytes: u64) -> Result<AttachmentType, SupportError> {
    if size_bytes == 0 || head.is_empty() {
        return Err(SupportError::AttachmentEmpty);
    }
    if size_bytes > ATTACHMENT_BYTES_MAX {
        return Err(SupportError::AttachmentTooLarge { size_bytes, bytes_max: ATTACHMENT_BYTES_MAX });
    }
    let head = &head[..head.len().min(SNIFF_BYTES_MAX)];
    if let Some(kind) = binary_type(head) {
        return Ok(kind);
    }
    let whole_file = size_bytes <= head.len() as u64;
    if is_plain_text(head, whole_file) {
        if looks_like_markup(head) {
            return Err(SupportError::AttachmentIsMarkup);
        }
        return Ok(AttachmentType::PlainText);
    }
    Err(SupportError::AttachmentTypeNotAllowed)
}

fn binary_type(head: &[u8]) -> Option<AttachmentType> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if head.starts_with(b"\xFF\xD8\xFF") {
        Some(AttachmentType::Jpeg)
    } else if head.starts_with(PNG) {
        Some(AttachmentType::Png)
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some(AttachmentType::Gif)
    } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        Some(AttachmentType::Webp)
    } else if head.starts_with(b"%PDF-") {
        Some(AttachmentType::Pdf)
    } else {
        None
    }
}

/// UTF-8 without control characters other than tab, line feed, form feed and carriage
/// return. A character cut off at the end of `head` is fine unless `head` is the whole file.
fn is_plain_text(head: &[u8], whole_file: bool) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // `error_len() == None` means the bytes end inside a character: the sniff window
        // cut it, the file itself may be fine.
        Err(error) if error.error_len().is_none() && !whole_file => {
            match std::str::from_utf8(&head[..error.valid_up_to()]) {
                Ok(text) => text,
                Err(_) => return false,
            }
        }
        Err(_) => return false,
    };
    !text.is_empty()
        && text.chars().all(|character| !character.is_control() || matches!(character, '\t' | '\n' | '\r' | '\u{c}'))
}

/// Whether text opens like HTML, XML or SVG, which a browser could be talked into
/// rendering (and running) if it were ever served with the wrong type.
fn looks_like_markup(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let start = text.trim_start_matches('\u{feff}').trim_start();
    let mut characters = start.chars();
    characters.next() == Some('<')
        && characters.next().is_some_and(|next| next.is_ascii_alphabetic() || matches!(next, '!' | '?' | '/'))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_by_magic_bytes() {
        assert_eq!(judge(b"\xFF\xD8\xFF\xE0\x00\x10JFIF", 2_000), Ok(AttachmentType::Jpeg));
        assert_eq!(judge(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 2_000), Ok(AttachmentType::Png));
        assert_eq!(judge(b"GIF89a\x01\x00", 100), Ok(AttachmentType::Gif));
        assert_eq!(judge(b"GIF87a\x01\x00", 100), Ok(AttachmentType::Gif));
        assert_eq!(judge(b"RIFF\x24\x00\x00\x00WEBPVP8 ", 100), Ok(AttachmentType::Webp));
        for image in [AttachmentType::Jpeg, AttachmentType::Png, AttachmentType::Gif, AttachmentType::Webp] {
            assert_eq!(image.message_kind(), MessageKind::Image);
            assert!(image.mime_type().starts_with("image/"));
        }
    }

    #[test]
    fn pdf_and_text_are_files() {
        assert_eq!(judge(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3", 50_000), Ok(AttachmentType::Pdf));
        assert_eq!(judge("Order 1001\r\nTracking: 1Z999\tok\n".as_bytes(), 40), Ok(AttachmentType::PlainText));
        assert_eq!(judge("您好，我的订单还没到。".as_bytes(), 40), Ok(AttachmentType::PlainText));
        assert_eq!(AttachmentType::Pdf.message_kind(), MessageKind::File);
        assert_eq!(AttachmentType::PlainText.message_kind(), MessageKind::File);
        assert_eq!(AttachmentType::PlainText.extension(), "txt");
    }

    #[test]
    fn a_character_cut_by_the_sniff_window_is_still_text() {
        let mut text = "a".repeat(SNIFF_BYTES_MAX - 1).into_bytes();
        text.extend_from_slice("é and more".as_bytes());
        assert_eq!(judge(&text, text.len() as u64), Ok(AttachmentType::PlainText));
        // A short file whose last bytes are half a character is not text.
        let cut = &"é".as_bytes()[..1];
        assert_eq!(judge(cut, 1), Err(SupportError::AttachmentTypeNotAllowed));
    }

    #[test]
    fn everything_else_is_refused() {
        assert_eq!(judge(b"PK\x03\x04zipzip", 100), Err(SupportError::AttachmentTypeNotAllowed));
        assert_eq!(judge(b"MZ\x90\x00", 100), Err(SupportError::AttachmentTypeNotAllowed));
        assert_eq!(judge(b"\x7fELF\x02\x01", 100), Err(SupportError::AttachmentTypeNotAllowed));
        assert_eq!(judge(b"text with a \x00 byte", 100), Err(SupportError::AttachmentTypeNotAllowed));
        assert_eq!(judge(b"\xC3\x28 invalid utf-8", 100), Err(SupportError::AttachmentTypeNotAllowed));
        assert_eq!(judge(b"RIFF\x24\x00\x00\x00WAVEfmt ", 100), Err(SupportError::AttachmentTypeNotAllowed));
        assert_eq!(judge(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>", 100), Err(SupportError::AttachmentIsMarkup));
        assert_eq!(judge("\u{feff}  <!DOCTYPE html>".as_bytes(), 100), Err(SupportError::AttachmentIsMarkup));
        assert_eq!(judge(b"<?xml version=\"1.0\"?>", 100), Err(SupportError::AttachmentIsMarkup));
        assert_eq!(judge(b"<3 thanks for the help", 100), Ok(AttachmentType::PlainText));
    }

    #[test]
    fn size_is_bounded_and_empty_files_refused() {
        assert_eq!(judge(b"", 0), Err(SupportError::AttachmentEmpty));
        assert_eq!(judge(b"hello", 0), Err(SupportError::AttachmentEmpty));
        assert_eq!(judge(b"%PDF-1.4", ATTACHMENT_BYTES_MAX), Ok(AttachmentType::Pdf));
        assert_eq!(
            judge(b"%PDF-1.4", ATTACHMENT_BYTES_MAX + 1),
            Err(SupportError::AttachmentTooLarge {
                size_bytes: ATTACHMENT_BYTES_MAX + 1,
                bytes_max: ATTACHMENT_BYTES_MAX
            })
        );
    }
}
