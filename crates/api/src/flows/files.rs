//! Files merchants upload as dispute evidence. What a file is comes from its first bytes
//! (PDF `%PDF-`, PNG's eight-byte signature, JPEG `FF D8 FF`), never from the content
//! type or name the client gave; anything else, an empty file or one over
//! [`FILE_SIZE_MAX_BYTES`] is refused before anything is written. The bytes live in the
//! database (`files.contents`), so a backup holds them and every instance serves them.

use crate::error::{ApiError, ApiResult};
use crate::extract::Authenticated;
use crate::state::AppState;
use axum::extract::Multipart;
use axum::extract::multipart::{Field, MultipartError};
use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use tradewind_payments::id::FileId;
use tradewind_storage::files::{self, FileRow};

/// The largest file accepted (Stripe's limit for dispute evidence is larger; 5 MiB keeps
/// a file in one request's memory and one database row).
pub const FILE_SIZE_MAX_BYTES: usize = 5 * 1024 * 1024;
/// The upload route's body limit: the largest file and room for the form around it.
/// Every other route keeps [`crate::extract::BODY_LIMIT_BYTES`].
pub const UPLOAD_BODY_LIMIT_BYTES: usize = FILE_SIZE_MAX_BYTES + 64 * 1024;
/// The longest file name kept, in characters; longer names are cut.
pub const FILENAME_LENGTH_MAX: usize = 255;
/// The longest `purpose` field considered; longer ones are refused as invalid.
const TEXT_FIELD_BYTES_MAX: usize = 256;

/// Why a file was uploaded; only dispute evidence for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    DisputeEvidence,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::DisputeEvidence => "dispute_evidence",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        (value == "dispute_evidence").then_some(Purpose::DisputeEvidence)
    }
}

/// What the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Jpg,
    Png,
}

impl FileType {
    pub fn as_str(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpg => "jpg",
            FileType::Png => "png",
        }
    }

    /// The type of a stored file (`files.file_type`).
    pub fn parse(value: &str) -> Option<Self> {
        [FileType::Pdf, FileType::Jpg, FileType::Png].into_iter().find(|kind| kind.as_str() == value)
    }

    /// The type the first bytes say, or `None` for anything else.
    pub fn detect(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileType::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpg)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpg => "image/jpeg",
            FileType::Png => "image/png",
        }
    }
}

/// The form as read: the purpose and the file's name and bytes.
struct Upload {
    purpose: Purpose,
    filename: Option<String>,
    bytes: Vec<u8>,
}

fn multipart_error(error: MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::too_large(UPLOAD_BODY_LIMIT_BYTES);
    }
    ApiError::bad_request("parameter_invalid", format!("The multipart/form-data body could not be read: {error}."))
}

fn too_large() -> ApiError {
    let mut error = ApiError::invalid(
        "file",
        "file_too_large",
        format!("The file is larger than {FILE_SIZE_MAX_BYTES} bytes (5 MiB), the most a file may hold."),
    );
    error.status = StatusCode::PAYLOAD_TOO_LARGE;
    error
}

/// Reads one field's bytes, refusing more than `limit` as the chunks arrive.
async fn read_bounded(mut field: Field<'_>, limit: usize, too_long: fn() -> ApiError) -> ApiResult<Vec<u8>> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if bytes.len().saturating_add(chunk.len()) > limit {
            return Err(too_long());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn purpose_invalid() -> ApiError {
    ApiError::invalid("purpose", "parameter_invalid", "`purpose` must be `dispute_evidence`.")
}

/// Reads the form: exactly one `purpose` and one `file`, nothing else. A field in error
/// is still read to its end (the body limit bounds it) and the first error answered once
/// the form is read, so the client hears it instead of a connection cut mid-upload; only
/// a file or body over its limit stops the reading at once.
async fn read_upload(mut multipart: Multipart) -> ApiResult<Upload> {
    let mut purpose = None;
    let mut file = None;
    let mut first_error = None;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        let error = match name.as_str() {
            "purpose" if purpose.is_none() => {
                let bytes = read_bounded(field, UPLOAD_BODY_LIMIT_BYTES, too_large).await?;
                let text = (bytes.len() <= TEXT_FIELD_BYTES_MAX).then(|| String::from_utf8(bytes).ok()).flatten();
                match text.and_then(|text| Purpose::parse(text.trim())) {
                    Some(parsed) => {
                        purpose = Some(parsed);
                        None
                    }
                    None => Some(purpose_invalid()),
                }
            }
            "file" if file.is_none() => {
                let filename = field.file_name().map(str::to_owned);
                file = Some((filename, read_bounded(field, FILE_SIZE_MAX_BYTES, too_large).await?));
                None
            }
            "purpose" | "file" => {
                read_bounded(field, UPLOAD_BODY_LIMIT_BYTES, too_large).await?;
                Some(ApiError::invalid(&name, "parameter_invalid", format!("`{name}` was given twice.")))
            }
            _ => {
                read_bounded(field, UPLOAD_BODY_LIMIT_BYTES, too_large).await?;
                Some(ApiError::invalid(
                    &name,
                    "parameter_unknown",
                    format!("Received unknown parameter: {name}. The form takes `purpose` and `file`."),
                ))
            }
        };
        first_error = first_error.or(error);
    }
    if let Some(error) = first_error {
        return Err(error);
    }
    let purpose =
        purpose.ok_or_else(|| ApiError::invalid("purpose", "parameter_missing", "Missing required param: purpose."))?;
    let (filename, bytes) =
        file.ok_or_else(|| ApiError::invalid("file", "parameter_missing", "Missing required param: file."))?;
    Ok(Upload { purpose, filename, bytes })
}

/// The name kept for a file: its last path segment, without control characters, cut to
/// [`FILENAME_LENGTH_MAX`]; `file.<type>` when nothing is left.
pub fn clean_filename(given: Option<&str>, file_type: FileType) -> String {
    let base = given.unwrap_or_default().rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(FILENAME_LENGTH_MAX).collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() { format!("file.{}", file_type.as_str()) } else { cleaned.to_owned() }
}

/// `POST /v1/files`: checks and stores an uploaded file.
pub async fn upload(state: &AppState, auth: &Authenticated, multipart: Multipart) -> ApiResult<FileRow> {
    let upload = read_upload(multipart).await?;
    if upload.bytes.is_empty() {
        return Err(ApiError::invalid("file", "file_empty", "The file is empty."));
    }
    let file_type = FileType::detect(&upload.bytes).ok_or_else(|| {
        ApiError::invalid(
            "file",
            "file_type_unsupported",
            "The file is not a PDF, JPEG or PNG (judged by its contents, not its name or content type).",
        )
    })?;
    let size = i64::try_from(upload.bytes.len()).map_err(|_| too_large())?;
    let row = FileRow {
        id: FileId::generate().to_string(),
        merchant_id: auth.merchant_id.to_string(),
        purpose: upload.purpose.as_str().to_owned(),
        filename: clean_filename(upload.filename.as_deref(), file_type),
        file_type: file_type.as_str().to_owned(),
        size,
        sha256: hex::encode(Sha256::digest(&upload.bytes)),
        created_at: auth.now(state),
    };
    let mut transaction = state.store.begin().await?;
    files::insert(transaction.connection(), &row, upload.bytes).await?;
    transaction.commit().await?;
    Ok(row)
}

/// Checks that `id`, given as `param`, names a file of this merchant uploaded as
/// dispute evidence. Files are never changed or deleted, so a check before the
/// transaction that uses the id stays true.
pub async fn check_evidence_file(state: &AppState, merchant_id: &str, param: &str, id: &str) -> ApiResult<()> {
    let missing = || ApiError::invalid(param, "resource_missing", format!("No such file upload: '{id}'"));
    FileId::parse(id).map_err(|_| missing())?;
    let file = files::get(state.store.pool(), merchant_id, id).await?.ok_or_else(missing)?;
    if Purpose::parse(&file.purpose) != Some(Purpose::DisputeEvidence) {
        return Err(ApiError::invalid(
            param,
            "parameter_invalid",
            format!("The file '{id}' was uploaded with purpose `{}`, not `dispute_evidence`.", file.purpose),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bytes_say_what_a_file_is() {
        assert_eq!(FileType::detect(b"%PDF-1.7\n..."), Some(FileType::Pdf));
        assert_eq!(FileType::detect(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(FileType::Png));
        assert_eq!(FileType::detect(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(FileType::Jpg));
        for other in [&b""[..], b"%PDF", b"GIF89a", b"\x89PNG\r\n", b"<html>", &[0xFF, 0xD8]] {
            assert_eq!(FileType::detect(other), None, "{other:?}");
        }
        for kind in [FileType::Pdf, FileType::Jpg, FileType::Png] {
            assert_eq!(FileType::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn file_names_keep_their_last_segment_without_control_characters() {
        assert_eq!(clean_filename(Some("../../etc/receipt.pdf"), FileType::Pdf), "receipt.pdf");
        assert_eq!(clean_filename(Some("C:\\scans\\photo.png"), FileType::Png), "photo.png");
        assert_eq!(clean_filename(Some("a\nb\u{0}.jpg"), FileType::Jpg), "ab.jpg");
        assert_eq!(clean_filename(None, FileType::Png), "file.png");
        assert_eq!(clean_filename(Some("dir/"), FileType::Pdf), "file.pdf");
        assert_eq!(clean_filename(Some(&"x".repeat(300)), FileType::Pdf).chars().count(), FILENAME_LENGTH_MAX);
        assert_eq!(Purpose::parse("dispute_evidence"), Some(Purpose::DisputeEvidence));
        assert_eq!(Purpose::parse("identity_document"), None);
    }
}
