//! `/v1/support/canned_responses` and `/v1/support/articles`: the desk's content —
//! canned responses agents insert (with `{{variable}}` placeholders checked when saved)
//! and the knowledge base the assistant and the console search.

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::flows::order::language;
use crate::routes::support_desk::{DESK_LIST_MAX, name};
use crate::state::AppState;
use crate::support::auth::Desk;
use crate::wire::list::ListObject;
use crate::wire::support::{
    ArticleHitObject, ArticleObject, ArticleParams, CannedObject, CannedParams, SearchArticles,
};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde_json::json;
use tradewind_payments::id::{ArticleId, CannedResponseId};
use tradewind_storage::support::articles::{self, ArticleRow};
use tradewind_storage::support::canned::{self, CannedRow};
use tradewind_support::{CannedTemplate, Shortcut};

const CANNED_TEXT_CHARS_MAX: usize = 5_000;
const ARTICLE_BODY_CHARS_MAX: usize = 20_000;
const ARTICLE_TAGS_MAX: usize = 10;

fn canned_row(
    desk: &Desk,
    current: Option<&CannedRow>,
    body: &CannedParams,
    now: i64,
) -> ApiResult<(CannedRow, Vec<String>)> {
    let shortcut = match (&body.shortcut, current) {
        (Some(value), _) => Shortcut::parse(value)
            .map_err(|error| ApiError::invalid("shortcut", "parameter_invalid", error.to_string()))?
            .as_str()
            .to_owned(),
        (None, Some(current)) => current.shortcut.clone(),
        (None, None) => {
            return Err(ApiError::invalid("shortcut", "parameter_missing", "Missing required param: shortcut."));
        }
    };
    let title = match (&body.title, current) {
        (Some(value), _) => name("title", value)?,
        (None, Some(current)) => current.title.clone(),
        (None, None) => shortcut.trim_start_matches('/').to_owned(),
    };
    let text = match (&body.text, current) {
        (Some(value), _) => value.clone(),
        (None, Some(current)) => current.text.clone(),
        (None, None) => return Err(ApiError::invalid("text", "parameter_missing", "Missing required param: text.")),
    };
    if text.trim().is_empty() || text.chars().count() > CANNED_TEXT_CHARS_MAX {
        return Err(ApiError::invalid(
            "text",
            "parameter_invalid",
            format!("`text` must be 1 to {CANNED_TEXT_CHARS_MAX} characters."),
        ));
    }
    let template = CannedTemplate::parse(&text)
        .map_err(|error| ApiError::invalid("text", "canned_template_invalid", error.to_string()))?;
    let variables = template.variables().iter().map(|variable| variable.as_str().to_owned()).collect();
    let row = CannedRow {
        id: current.map_or_else(|| CannedResponseId::generate().to_string(), |row| row.id.clone()),
        merchant_id: desk.merchant().to_owned(),
        shortcut,
        title,
        text,
        created_at: current.map_or(now, |row| row.created_at),
        updated_at: now,
    };
    Ok((row, variables))
}

fn canned_object(row: &CannedRow) -> CannedObject {
    let variables = CannedTemplate::parse(&row.text)
        .map(|template| template.variables().iter().map(|variable| variable.as_str().to_owned()).collect())
        .unwrap_or_default();
    CannedObject::new(row, variables)
}

/// Creates a canned response (`{{buyer_name}}`, `{{order_number}}`, `{{tracking_link}}` …).
#[utoipa::path(post, path = "/v1/support/canned_responses", request_body = CannedParams,
    responses((status = 200, body = CannedObject)), security(("bearer" = [])), tag = "Support")]
pub async fn create_canned(
    State(state): State<AppState>,
    desk: Desk,
    ApiJson(body): ApiJson<CannedParams>,
) -> ApiResult<Json<CannedObject>> {
    desk.require_admin()?;
    let (row, variables) = canned_row(&desk, None, &body, desk.now(&state))?;
    let mut transaction = state.store.begin().await?;
    if !canned::insert(transaction.connection(), &row).await? {
        return Err(ApiError::invalid(
            "shortcut",
            "shortcut_taken",
            format!("The shortcut {} is taken.", row.shortcut),
        ));
    }
    transaction.commit().await?;
    Ok(Json(CannedObject::new(&row, variables)))
}

#[utoipa::path(get, path = "/v1/support/canned_responses", responses((status = 200, body = ListObject<CannedObject>)),
    security(("bearer" = [])), tag = "Support")]
pub async fn list_canned(State(state): State<AppState>, desk: Desk) -> ApiResult<Json<ListObject<CannedObject>>> {
    let rows = canned::list(state.store.pool(), desk.merchant(), DESK_LIST_MAX).await?;
    Ok(Json(ListObject::new(rows.iter().map(canned_object).collect(), DESK_LIST_MAX, "/v1/support/canned_responses")))
}

async fn canned_of(state: &AppState, desk: &Desk, id: &str) -> ApiResult<CannedRow> {
    CannedResponseId::parse(id).map_err(|_| ApiError::not_found("canned_response", id))?;
    canned::get(state.store.pool(), desk.merchant(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("canned_response", id))
}

#[utoipa::path(get, path = "/v1/support/canned_responses/{id}", params(("id" = String, Path)),
    responses((status = 200, body = CannedObject)), security(("bearer" = [])), tag = "Support")]
pub async fn retrieve_canned(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
) -> ApiResult<Json<CannedObject>> {
    Ok(Json(canned_object(&canned_of(&state, &desk, &id).await?)))
}

#[utoipa::path(post, path = "/v1/support/canned_responses/{id}", params(("id" = String, Path)), request_body = CannedParams,
    responses((status = 200, body = CannedObject)), security(("bearer" = [])), tag = "Support")]
pub async fn update_canned(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CannedParams>,
) -> ApiResult<Json<CannedObject>> {
    desk.require_admin()?;
    let current = canned_of(&state, &desk, &id).await?;
    let (row, variables) = canned_row(&desk, Some(&current), &body, desk.now(&state))?;
    let mut transaction = state.store.begin().await?;
    if !canned::update(transaction.connection(), &row).await? {
        return Err(ApiError::not_found("canned_response", &id));
    }
    transaction.commit().await?;
    Ok(Json(CannedObject::new(&row, variables)))
}

#[utoipa::path(delete, path = "/v1/support/canned_responses/{id}", params(("id" = String, Path)),
    responses((status = 200)), security(("bearer" = [])), tag = "Support")]
pub async fn delete_canned(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    desk.require_admin()?;
    canned_of(&state, &desk, &id).await?;
    let mut transaction = state.store.begin().await?;
    canned::delete(transaction.connection(), desk.merchant(), &id).await?;
    transaction.commit().await?;
    Ok(Json(json!({"id": id, "object": "canned_response", "deleted": true})))
}

fn article_row(desk: &Desk, current: Option<&ArticleRow>, body: &ArticleParams, now: i64) -> ApiResult<ArticleRow> {
    let title = match (&body.title, current) {
        (Some(value), _) => name("title", value)?,
        (None, Some(current)) => current.title.clone(),
        (None, None) => return Err(ApiError::invalid("title", "parameter_missing", "Missing required param: title.")),
    };
    let text = match (&body.body, current) {
        (Some(value), _) => value.clone(),
        (None, Some(current)) => current.body.clone(),
        (None, None) => return Err(ApiError::invalid("body", "parameter_missing", "Missing required param: body.")),
    };
    if text.trim().is_empty() || text.chars().count() > ARTICLE_BODY_CHARS_MAX {
        return Err(ApiError::invalid(
            "body",
            "parameter_invalid",
            format!("`body` must be 1 to {ARTICLE_BODY_CHARS_MAX} characters."),
        ));
    }
    let article_language = match (&body.language, current) {
        (Some(_), _) => language("language", &body.language)?.unwrap_or_default(),
        (None, Some(current)) => current.language.clone(),
        (None, None) => "en".to_owned(),
    };
    let tags = match (&body.tags, current) {
        (Some(tags), _) => {
            if tags.len() > ARTICLE_TAGS_MAX {
                return Err(ApiError::invalid(
                    "tags",
                    "parameter_invalid",
                    format!("At most {ARTICLE_TAGS_MAX} tags."),
                ));
            }
            let mut parsed = Vec::with_capacity(tags.len());
            for (index, tag) in tags.iter().enumerate() {
                let tag = tradewind_support::Tag::from_input(tag).map_err(|error| {
                    ApiError::invalid(format!("tags[{index}]"), "parameter_invalid", error.to_string())
                })?;
                parsed.push(tag.as_str().to_owned());
            }
            serde_json::to_string(&parsed).map_err(|error| ApiError::internal(&error))?
        }
        (None, Some(current)) => current.tags.clone(),
        (None, None) => "[]".to_owned(),
    };
    Ok(ArticleRow {
        id: current.map_or_else(|| ArticleId::generate().to_string(), |row| row.id.clone()),
        merchant_id: desk.merchant().to_owned(),
        title,
        body: text,
        language: article_language,
        tags,
        published: body.published.map_or_else(|| current.map_or(1, |row| row.published), i64::from),
        created_at: current.map_or(now, |row| row.created_at),
        updated_at: now,
    })
}

/// Creates a knowledge-base article.
#[utoipa::path(post, path = "/v1/support/articles", request_body = ArticleParams,
    responses((status = 200, body = ArticleObject)), security(("bearer" = [])), tag = "Support")]
pub async fn create_article(
    State(state): State<AppState>,
    desk: Desk,
    ApiJson(body): ApiJson<ArticleParams>,
) -> ApiResult<Json<ArticleObject>> {
    desk.require_admin()?;
    let row = article_row(&desk, None, &body, desk.now(&state))?;
    let mut transaction = state.store.begin().await?;
    articles::insert(transaction.connection(), &row).await?;
    transaction.commit().await?;
    state.support.assistant.forget_knowledge(desk.merchant());
    Ok(Json(ArticleObject::from_row(&row)))
}

#[utoipa::path(get, path = "/v1/support/articles", responses((status = 200, body = ListObject<ArticleObject>)),
    security(("bearer" = [])), tag = "Support")]
pub async fn list_articles(State(state): State<AppState>, desk: Desk) -> ApiResult<Json<ListObject<ArticleObject>>> {
    let rows = articles::list(state.store.pool(), desk.merchant(), None, false, DESK_LIST_MAX + 1).await?;
    Ok(Json(ListObject::new(rows.iter().map(ArticleObject::from_row).collect(), DESK_LIST_MAX, "/v1/support/articles")))
}

async fn article_of(state: &AppState, desk: &Desk, id: &str) -> ApiResult<ArticleRow> {
    ArticleId::parse(id).map_err(|_| ApiError::not_found("knowledge_article", id))?;
    articles::get(state.store.pool(), desk.merchant(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("knowledge_article", id))
}

#[utoipa::path(get, path = "/v1/support/articles/{id}", params(("id" = String, Path)),
    responses((status = 200, body = ArticleObject)), security(("bearer" = [])), tag = "Support")]
pub async fn retrieve_article(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
) -> ApiResult<Json<ArticleObject>> {
    Ok(Json(ArticleObject::from_row(&article_of(&state, &desk, &id).await?)))
}

#[utoipa::path(post, path = "/v1/support/articles/{id}", params(("id" = String, Path)), request_body = ArticleParams,
    responses((status = 200, body = ArticleObject)), security(("bearer" = [])), tag = "Support")]
pub async fn update_article(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ArticleParams>,
) -> ApiResult<Json<ArticleObject>> {
    desk.require_admin()?;
    let current = article_of(&state, &desk, &id).await?;
    let row = article_row(&desk, Some(&current), &body, desk.now(&state))?;
    let mut transaction = state.store.begin().await?;
    articles::update(transaction.connection(), &row).await?;
    transaction.commit().await?;
    state.support.assistant.forget_knowledge(desk.merchant());
    Ok(Json(ArticleObject::from_row(&row)))
}

#[utoipa::path(delete, path = "/v1/support/articles/{id}", params(("id" = String, Path)),
    responses((status = 200)), security(("bearer" = [])), tag = "Support")]
pub async fn delete_article(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    desk.require_admin()?;
    article_of(&state, &desk, &id).await?;
    let mut transaction = state.store.begin().await?;
    articles::delete(transaction.connection(), desk.merchant(), &id).await?;
    transaction.commit().await?;
    state.support.assistant.forget_knowledge(desk.merchant());
    Ok(Json(json!({"id": id, "object": "knowledge_article", "deleted": true})))
}

/// Searches the published articles (BM25 over title and body; the query's language first).
#[utoipa::path(get, path = "/v1/support/articles/search", params(SearchArticles),
    responses((status = 200, body = ListObject<ArticleHitObject>)), security(("bearer" = [])), tag = "Support")]
pub async fn search_articles(
    State(state): State<AppState>,
    desk: Desk,
    query: Result<Query<SearchArticles>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ListObject<ArticleHitObject>>> {
    let Query(query) = query.map_err(crate::extract::query_error)?;
    let limit = crate::wire::list::page_limit(query.limit)?;
    if query.q.trim().is_empty() || query.q.chars().count() > 500 {
        return Err(ApiError::invalid("q", "parameter_invalid", "`q` must be 1 to 500 characters."));
    }
    let wanted = query
        .language
        .as_deref()
        .map(tradewind_language::Language::parse)
        .transpose()
        .map_err(|error| ApiError::invalid("language", "parameter_invalid", error.to_string()))?;
    let index = crate::support::assistant::knowledge(&state, desk.merchant()).await?;
    let hits = index.search(&query.q, wanted, usize::try_from(limit).unwrap_or(10));
    let data = hits
        .into_iter()
        .map(|hit| ArticleHitObject {
            id: hit.id.to_string(),
            object: "knowledge_article_hit",
            title: hit.title,
            snippet: hit.snippet,
            score: (f64::from(hit.score) * 1000.0).round() as i64,
        })
        .collect();
    Ok(Json(ListObject::new(data, limit, "/v1/support/articles/search")))
}
