//! `/v1/files`: upload (`multipart/form-data`), retrieve, list, and the bytes back.
//! The upload route has its own body limit ([`UPLOAD_BODY_LIMIT_BYTES`]) and its own
//! idempotency layer sized to it (see `crate::router`).

use crate::error::{ApiError, ApiResult};
use crate::extract::SecretAuth;
use crate::flows;
use crate::flows::files::{FileType, Purpose, UPLOAD_BODY_LIMIT_BYTES};
use crate::state::AppState;
use crate::wire::file::{FileObject, ListFiles, UploadFile};
use crate::wire::list::{ListObject, page_limit};
use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use tradewind_payments::id::FileId;
use tradewind_storage::files::{self, ListFilter};

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("file", id)
}

/// Uploads a file: the form fields `purpose` (`dispute_evidence`) and `file` (a PDF,
/// JPEG or PNG, judged by its bytes, of at most 5 MiB).
#[utoipa::path(post, path = "/v1/files", request_body(content = UploadFile, content_type = "multipart/form-data"),
    responses((status = 200, body = FileObject)), security(("bearer" = [])), tag = "Files")]
pub async fn upload(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<FileObject>> {
    let multipart = multipart.map_err(|rejection| {
        ApiError::bad_request(
            "parameter_invalid",
            format!(
                "Upload a file as multipart/form-data with the fields `purpose` and `file` (at most \
                 {UPLOAD_BODY_LIMIT_BYTES} bytes in all): {rejection}"
            ),
        )
    })?;
    let row = flows::files::upload(&state, &auth, multipart).await?;
    Ok(Json(FileObject::from_row(&row)))
}

async fn find(state: &AppState, merchant_id: &str, id: &str) -> ApiResult<files::FileRow> {
    FileId::parse(id).map_err(|_| not_found(id))?;
    files::get(state.store.pool(), merchant_id, id).await?.ok_or_else(|| not_found(id))
}

/// Retrieves a file's description.
#[utoipa::path(get, path = "/v1/files/{id}", params(("id" = String, Path)),
    responses((status = 200, body = FileObject)), security(("bearer" = [])), tag = "Files")]
pub async fn retrieve(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<FileObject>> {
    let row = find(&state, auth.merchant_id.as_str(), &id).await?;
    Ok(Json(FileObject::from_row(&row)))
}

/// The file's bytes, exactly as uploaded, with the content type of what they are.
#[utoipa::path(get, path = "/v1/files/{id}/contents", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)),
    security(("bearer" = [])), tag = "Files")]
pub async fn contents(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let row = find(&state, auth.merchant_id.as_str(), &id).await?;
    let file_type = FileType::parse(&row.file_type).ok_or_else(|| {
        ApiError::internal(&std::io::Error::other(format!("file {} has type {}", row.id, row.file_type)))
    })?;
    let bytes =
        files::contents(state.store.pool(), auth.merchant_id.as_str(), &id).await?.ok_or_else(|| not_found(&id))?;
    Ok(([(header::CONTENT_TYPE, file_type.content_type()), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")], bytes)
        .into_response())
}

/// Lists files, newest first.
#[utoipa::path(get, path = "/v1/files", params(ListFiles),
    responses((status = 200, body = ListObject<FileObject>)), security(("bearer" = [])), tag = "Files")]
pub async fn list(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    query: Result<Query<ListFiles>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<FileObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let limit = page_limit(query.limit)?;
    if let Some(cursor) = &query.starting_after {
        FileId::parse(cursor)
            .map_err(|error| ApiError::invalid("starting_after", "parameter_invalid", error.to_string()))?;
    }
    if let Some(purpose) = &query.purpose
        && Purpose::parse(purpose).is_none()
    {
        return Err(ApiError::invalid("purpose", "parameter_invalid", "`purpose` must be `dispute_evidence`."));
    }
    let filter = ListFilter { purpose: query.purpose, starting_after: query.starting_after, limit: limit + 1 };
    let rows = files::list(state.store.pool(), auth.merchant_id.as_str(), &filter).await?;
    let data = rows.iter().map(FileObject::from_row).collect();
    Ok(Json(ListObject::new(data, limit, "/v1/files")))
}
