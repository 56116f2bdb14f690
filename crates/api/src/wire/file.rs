//! Files (Stripe's shape): uploaded as `multipart/form-data`, read back as metadata or
//! as their bytes.

use serde::{Deserialize, Serialize};
use tradewind_storage::files::FileRow;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct FileObject {
    pub id: String,
    pub object: &'static str,
    /// `dispute_evidence`.
    pub purpose: String,
    pub filename: String,
    /// Bytes.
    pub size: i64,
    /// `pdf`, `jpg` or `png`: what the bytes are, whatever the client called them.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub file_type: String,
    pub created: i64,
}

impl FileObject {
    pub fn from_row(row: &FileRow) -> Self {
        FileObject {
            id: row.id.clone(),
            object: "file",
            purpose: row.purpose.clone(),
            filename: row.filename.clone(),
            size: row.size,
            file_type: row.file_type.clone(),
            created: row.created_at,
        }
    }
}

/// The upload form (`multipart/form-data`), for the OpenAPI document; the handler reads
/// the parts as they stream in.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadFile {
    /// `dispute_evidence`.
    pub purpose: String,
    /// The file: a PDF, JPEG or PNG of at most 5 MiB.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListFiles {
    pub limit: Option<i64>,
    pub starting_after: Option<String>,
    /// `dispute_evidence`.
    pub purpose: Option<String>,
}
