//! `/v1/support/…`: the desk's people and settings — console sign-in, agents, teams with
//! business hours, desk settings, and the console's realtime token (canned responses and
//! articles are `support_content`).

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::flows::order::{email, language};
use crate::state::AppState;
use crate::support::auth::{
    AGENT_SESSION_PREFIX, AGENT_SESSION_SECONDS, Desk, PASSWORD_LENGTH_MAX, PASSWORD_LENGTH_MIN, hash_password,
    new_token, token_hash, verify_password,
};
use crate::support::settings;
use crate::wire::list::ListObject;
use crate::wire::support::{
    AgentObject, AgentSessionObject, CreateAgent, CreateAgentSession, SupportRealtimeTokenObject,
    SupportSettingsObject, TeamObject, TeamParams, UpdateAgent, UpdateSupportSettings,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::json;
use std::collections::BTreeMap;
use tradewind_payments::id::{AgentId, TeamId};
use tradewind_storage::support::agents::{self, AgentRow, SessionRow};
use tradewind_storage::support::settings as stored_settings;
use tradewind_storage::support::teams::{self, TeamRow};
use tradewind_support::Presence;

/// Agents, teams, canned responses listed at once (a desk has tens, not thousands).
pub(crate) const DESK_LIST_MAX: i64 = 500;
const NAME_CHARS_MAX: usize = 100;
const LANGUAGES_MAX: usize = 10;

pub(crate) fn name(param: &str, value: &str) -> ApiResult<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > NAME_CHARS_MAX {
        return Err(ApiError::invalid(
            param,
            "parameter_invalid",
            format!("`{param}` must be 1 to {NAME_CHARS_MAX} characters."),
        ));
    }
    Ok(trimmed.to_owned())
}

fn languages(param: &str, values: &[String]) -> ApiResult<String> {
    if values.is_empty() || values.len() > LANGUAGES_MAX {
        return Err(ApiError::invalid(
            param,
            "parameter_invalid",
            format!("`{param}` must list 1 to {LANGUAGES_MAX} languages."),
        ));
    }
    let mut codes: Vec<String> = Vec::with_capacity(values.len());
    for (index, value) in values.iter().enumerate() {
        let code = language(&format!("{param}[{index}]"), &Some(value.clone()))?.unwrap_or_default();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    serde_json::to_string(&codes).map_err(|error| ApiError::internal(&error))
}

fn capacity(value: i64) -> ApiResult<i64> {
    if !(1..=100).contains(&value) {
        return Err(ApiError::invalid("capacity", "parameter_invalid", "`capacity` must be 1 to 100."));
    }
    Ok(value)
}

fn role(value: &str) -> ApiResult<String> {
    match value {
        "agent" | "admin" => Ok(value.to_owned()),
        _ => Err(ApiError::invalid("role", "parameter_invalid", "`role` must be agent or admin.")),
    }
}

fn password(value: &str) -> ApiResult<String> {
    let length = value.chars().count();
    if !(PASSWORD_LENGTH_MIN..=PASSWORD_LENGTH_MAX).contains(&length) {
        return Err(ApiError::invalid(
            "password",
            "parameter_invalid",
            format!("`password` must be {PASSWORD_LENGTH_MIN} to {PASSWORD_LENGTH_MAX} characters."),
        ));
    }
    hash_password(value)
}

fn refund_limits(values: &BTreeMap<String, i64>) -> ApiResult<String> {
    let mut limits = BTreeMap::new();
    for (code, amount) in values {
        let param = format!("refund_limits[{code}]");
        let currency = crate::flows::validate::currency(&param, code)?;
        if *amount < 0 {
            return Err(ApiError::invalid(&param, "parameter_invalid", format!("`{param}` must not be negative.")));
        }
        limits.insert(currency.code().to_ascii_lowercase(), *amount);
    }
    serde_json::to_string(&limits).map_err(|error| ApiError::internal(&error))
}

async fn team_reference(state: &AppState, desk: &Desk, team: &Option<String>) -> ApiResult<Option<String>> {
    match team.as_deref() {
        None | Some("") => Ok(None),
        Some(id) => {
            TeamId::parse(id).map_err(|error| ApiError::invalid("team", "parameter_invalid", error.to_string()))?;
            teams::get(state.store.pool(), desk.merchant(), id)
                .await?
                .map(|team| Some(team.id))
                .ok_or_else(|| ApiError::invalid("team", "resource_missing", format!("No such team: '{id}'")))
        }
    }
}

/// Signs an agent in to the console.
#[utoipa::path(post, path = "/v1/support/sessions", request_body = CreateAgentSession,
    responses((status = 200, body = AgentSessionObject)), tag = "Support")]
pub async fn create_session(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CreateAgentSession>,
) -> ApiResult<Json<AgentSessionObject>> {
    let address = email("email", &body.email)?;
    let refused = || ApiError::unauthorized("The email or password is wrong.");
    let candidates = agents::by_email(state.store.pool(), &address).await?;
    let agent = candidates
        .into_iter()
        .find(|agent| agent.password_hash.as_deref().is_some_and(|stored| verify_password(&body.password, stored)))
        .ok_or_else(refused)?;
    let token = new_token(AGENT_SESSION_PREFIX);
    let now = state.clock.now();
    let session = SessionRow {
        token_hash: token_hash(&token),
        agent_id: agent.id.clone(),
        merchant_id: agent.merchant_id.clone(),
        expires_at: now + AGENT_SESSION_SECONDS,
        created_at: now,
    };
    let mut transaction = state.store.begin().await?;
    agents::insert_session(transaction.connection(), &session).await?;
    transaction.commit().await?;
    Ok(Json(AgentSessionObject {
        object: "agent_session",
        token,
        expires_at: session.expires_at,
        agent: AgentObject::from_row(&agent),
    }))
}

/// Signs the calling agent out.
#[utoipa::path(delete, path = "/v1/support/sessions/current", responses((status = 200)), tag = "Support")]
pub async fn delete_session(
    desk: Desk,
    headers: HeaderMap,
    State(state): State<AppState>,
) -> ApiResult<Json<serde_json::Value>> {
    desk.agent.as_ref().ok_or_else(|| ApiError::bad_request("no_session", "Only a console session can sign out."))?;
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' ').map(|(_, token)| token.trim().to_owned()))
        .unwrap_or_default();
    let mut transaction = state.store.begin().await?;
    agents::delete_session(transaction.connection(), &token_hash(&token)).await?;
    transaction.commit().await?;
    Ok(Json(json!({"object": "agent_session", "deleted": true})))
}

/// The signed-in agent.
#[utoipa::path(get, path = "/v1/support/me", responses((status = 200, body = AgentObject)), tag = "Support")]
pub async fn me(desk: Desk) -> ApiResult<Json<AgentObject>> {
    let agent = desk.agent.as_ref().ok_or_else(|| ApiError::bad_request("no_session", "A secret key has no agent."))?;
    Ok(Json(AgentObject::from_row(agent)))
}

/// The signed-in agent changes their presence (or name, languages).
#[utoipa::path(post, path = "/v1/support/me", request_body = UpdateAgent,
    responses((status = 200, body = AgentObject)), tag = "Support")]
pub async fn update_me(
    State(state): State<AppState>,
    desk: Desk,
    ApiJson(body): ApiJson<UpdateAgent>,
) -> ApiResult<Json<AgentObject>> {
    let agent = desk.agent.clone().ok_or_else(|| ApiError::bad_request("no_session", "A secret key has no agent."))?;
    if body.role.is_some()
        || body.capacity.is_some()
        || body.refund_limits.is_some()
        || body.disabled.is_some()
        || body.team.is_some()
    {
        desk.require_admin()?;
    }
    let updated = apply_agent_update(&state, &desk, agent, &body).await?;
    Ok(Json(AgentObject::from_row(&updated)))
}

async fn apply_agent_update(
    state: &AppState,
    desk: &Desk,
    current: AgentRow,
    body: &UpdateAgent,
) -> ApiResult<AgentRow> {
    let mut row = current.clone();
    if let Some(value) = &body.name {
        row.name = name("name", value)?;
    }
    if let Some(value) = &body.role {
        row.role = role(value)?;
    }
    if let Some(value) = &body.languages {
        row.languages = languages("languages", value)?;
    }
    if let Some(value) = body.capacity {
        row.capacity = capacity(value)?;
    }
    if let Some(value) = &body.presence {
        let presence = Presence::parse(value).map_err(|_| {
            ApiError::invalid("presence", "parameter_invalid", "`presence` must be online, away or offline.")
        })?;
        row.presence = presence.as_str().to_owned();
    }
    if body.team.is_some() {
        row.team_id = team_reference(state, desk, &body.team).await?;
    }
    if let Some(value) = &body.password {
        row.password_hash = Some(password(value)?);
    }
    if let Some(value) = &body.refund_limits {
        row.refund_limits = refund_limits(value)?;
    }
    if let Some(value) = body.disabled {
        row.disabled = i64::from(value);
    }
    let now = desk.now(state);
    row.updated_at = now;
    let mut transaction = state.store.begin().await?;
    agents::update(transaction.connection(), &row).await?;
    transaction.commit().await?;
    // Away keeps the agent's conversations (no new ones); offline or disabled hands them on.
    let left =
        current.presence != "offline" && current.disabled == 0 && (row.presence == "offline" || row.disabled == 1);
    let joined = row.presence == "online"
        && row.disabled == 0
        && (current.presence != "online" || row.capacity > current.capacity);
    if left {
        crate::support::assign::reassign_from(state, desk.merchant(), &row.id, now).await?;
    }
    if joined || left || current.presence != row.presence {
        crate::support::assign::drain(state, desk.merchant(), now).await?;
    }
    Ok(row)
}

/// Adds an agent to the desk.
#[utoipa::path(post, path = "/v1/support/agents", request_body = CreateAgent,
    responses((status = 200, body = AgentObject)), security(("bearer" = [])), tag = "Support")]
pub async fn create_agent(
    State(state): State<AppState>,
    desk: Desk,
    ApiJson(body): ApiJson<CreateAgent>,
) -> ApiResult<Json<AgentObject>> {
    desk.require_admin()?;
    let now = desk.now(&state);
    let row = AgentRow {
        id: AgentId::generate().to_string(),
        merchant_id: desk.merchant().to_owned(),
        email: email("email", &body.email)?,
        name: name("name", &body.name)?,
        role: role(body.role.as_deref().unwrap_or("agent"))?,
        languages: languages("languages", &body.languages)?,
        capacity: capacity(body.capacity.unwrap_or(5))?,
        presence: Presence::Offline.as_str().to_owned(),
        team_id: team_reference(&state, &desk, &body.team).await?,
        refund_limits: refund_limits(&body.refund_limits.clone().unwrap_or_default())?,
        password_hash: body.password.as_deref().map(password).transpose()?,
        last_assigned_at_ms: None,
        disabled: 0,
        created_at: now,
        updated_at: now,
    };
    let mut transaction = state.store.begin().await?;
    if !agents::insert(transaction.connection(), &row).await? {
        return Err(ApiError::invalid(
            "email",
            "agent_exists",
            format!("An agent with the email {} exists.", row.email),
        ));
    }
    transaction.commit().await?;
    Ok(Json(AgentObject::from_row(&row)))
}

/// The desk's agents.
#[utoipa::path(get, path = "/v1/support/agents", responses((status = 200, body = ListObject<AgentObject>)),
    security(("bearer" = [])), tag = "Support")]
pub async fn list_agents(State(state): State<AppState>, desk: Desk) -> ApiResult<Json<ListObject<AgentObject>>> {
    let rows = agents::list(state.store.pool(), desk.merchant(), DESK_LIST_MAX).await?;
    let data = rows.iter().map(AgentObject::from_row).collect();
    Ok(Json(ListObject::new(data, DESK_LIST_MAX, "/v1/support/agents")))
}

async fn agent_of(state: &AppState, desk: &Desk, id: &str) -> ApiResult<AgentRow> {
    AgentId::parse(id).map_err(|_| ApiError::not_found("agent", id))?;
    agents::get(state.store.pool(), desk.merchant(), id).await?.ok_or_else(|| ApiError::not_found("agent", id))
}

#[utoipa::path(get, path = "/v1/support/agents/{id}", params(("id" = String, Path)),
    responses((status = 200, body = AgentObject)), security(("bearer" = [])), tag = "Support")]
pub async fn retrieve_agent(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
) -> ApiResult<Json<AgentObject>> {
    Ok(Json(AgentObject::from_row(&agent_of(&state, &desk, &id).await?)))
}

/// Updates an agent (admins; an agent may change their own presence through `/v1/support/me`).
#[utoipa::path(post, path = "/v1/support/agents/{id}", params(("id" = String, Path)), request_body = UpdateAgent,
    responses((status = 200, body = AgentObject)), security(("bearer" = [])), tag = "Support")]
pub async fn update_agent(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateAgent>,
) -> ApiResult<Json<AgentObject>> {
    desk.require_admin()?;
    let current = agent_of(&state, &desk, &id).await?;
    Ok(Json(AgentObject::from_row(&apply_agent_update(&state, &desk, current, &body).await?)))
}

fn team_row(desk: &Desk, current: Option<&TeamRow>, body: &TeamParams, now: i64) -> ApiResult<TeamRow> {
    let team_name = match (&body.name, current) {
        (Some(value), _) => name("name", value)?,
        (None, Some(current)) => current.name.clone(),
        (None, None) => return Err(ApiError::invalid("name", "parameter_missing", "Missing required param: name.")),
    };
    let time_zone = body
        .time_zone
        .clone()
        .or_else(|| current.map(|team| team.time_zone.clone()))
        .unwrap_or_else(|| "UTC".to_owned());
    let intervals = match (&body.business_hours, current) {
        (Some(intervals), _) => intervals.clone(),
        (None, Some(current)) => serde_json::from_str(&current.business_hours).unwrap_or_default(),
        (None, None) => Vec::new(),
    };
    let holidays = match (&body.holidays, current) {
        (Some(holidays), _) => holidays.clone(),
        (None, Some(current)) => serde_json::from_str(&current.holidays).unwrap_or_default(),
        (None, None) => Vec::new(),
    };
    crate::support::views::business_hours(&time_zone, &intervals, &holidays).map_err(|message| {
        let param = if message.contains("holidays") {
            "holidays"
        } else if message.contains("business_hours") {
            "business_hours"
        } else {
            "time_zone"
        };
        ApiError::invalid(param, "parameter_invalid", message)
    })?;
    Ok(TeamRow {
        id: current.map_or_else(|| TeamId::generate().to_string(), |team| team.id.clone()),
        merchant_id: desk.merchant().to_owned(),
        name: team_name,
        time_zone,
        business_hours: serde_json::to_string(&intervals).map_err(|error| ApiError::internal(&error))?,
        holidays: serde_json::to_string(&holidays).map_err(|error| ApiError::internal(&error))?,
        created_at: current.map_or(now, |team| team.created_at),
        updated_at: now,
    })
}

fn team_object(row: &TeamRow, now: i64) -> ApiResult<TeamObject> {
    let hours = settings::team_hours(row)?;
    Ok(TeamObject::new(row, hours.is_open(now), hours.next_open(now)))
}

/// Creates a team with its business hours.
#[utoipa::path(post, path = "/v1/support/teams", request_body = TeamParams,
    responses((status = 200, body = TeamObject)), security(("bearer" = [])), tag = "Support")]
pub async fn create_team(
    State(state): State<AppState>,
    desk: Desk,
    ApiJson(body): ApiJson<TeamParams>,
) -> ApiResult<Json<TeamObject>> {
    desk.require_admin()?;
    let now = desk.now(&state);
    let row = team_row(&desk, None, &body, now)?;
    let mut transaction = state.store.begin().await?;
    if !teams::insert(transaction.connection(), &row).await? {
        return Err(ApiError::invalid("name", "team_exists", format!("A team named {} exists.", row.name)));
    }
    transaction.commit().await?;
    Ok(Json(team_object(&row, now)?))
}

#[utoipa::path(get, path = "/v1/support/teams", responses((status = 200, body = ListObject<TeamObject>)),
    security(("bearer" = [])), tag = "Support")]
pub async fn list_teams(State(state): State<AppState>, desk: Desk) -> ApiResult<Json<ListObject<TeamObject>>> {
    let now = desk.now(&state);
    let rows = teams::list(state.store.pool(), desk.merchant(), DESK_LIST_MAX).await?;
    let data = rows.iter().map(|row| team_object(row, now)).collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(ListObject::new(data, DESK_LIST_MAX, "/v1/support/teams")))
}

async fn team_of(state: &AppState, desk: &Desk, id: &str) -> ApiResult<TeamRow> {
    TeamId::parse(id).map_err(|_| ApiError::not_found("team", id))?;
    teams::get(state.store.pool(), desk.merchant(), id).await?.ok_or_else(|| ApiError::not_found("team", id))
}

#[utoipa::path(get, path = "/v1/support/teams/{id}", params(("id" = String, Path)),
    responses((status = 200, body = TeamObject)), security(("bearer" = [])), tag = "Support")]
pub async fn retrieve_team(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
) -> ApiResult<Json<TeamObject>> {
    let row = team_of(&state, &desk, &id).await?;
    Ok(Json(team_object(&row, desk.now(&state))?))
}

#[utoipa::path(post, path = "/v1/support/teams/{id}", params(("id" = String, Path)), request_body = TeamParams,
    responses((status = 200, body = TeamObject)), security(("bearer" = [])), tag = "Support")]
pub async fn update_team(
    State(state): State<AppState>,
    desk: Desk,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TeamParams>,
) -> ApiResult<Json<TeamObject>> {
    desk.require_admin()?;
    let current = team_of(&state, &desk, &id).await?;
    let now = desk.now(&state);
    let row = team_row(&desk, Some(&current), &body, now)?;
    let mut transaction = state.store.begin().await?;
    teams::update(transaction.connection(), &row).await?;
    transaction.commit().await?;
    Ok(Json(team_object(&row, now)?))
}

fn settings_object(state: &AppState, desk: &Desk, settings: &settings::DeskSettings) -> SupportSettingsObject {
    SupportSettingsObject {
        object: "support_settings",
        assistant_enabled: settings.assistant_enabled,
        language_policy: settings.language_policy.as_str().to_owned(),
        csat_enabled: settings.csat_enabled,
        default_team: settings.row.default_team_id.clone(),
        widget: serde_json::to_value(&settings.widget).unwrap_or_default(),
        sla: serde_json::to_value(&settings.sla_settings).unwrap_or_default(),
        identity_secret: desk.agent.is_none().then(|| settings.row.identity_secret.clone()),
        translation: state.support.translator.is_some(),
        assistant_engine: if state.support.assistant.uses_model() { "model" } else { "embedded" }.to_owned(),
    }
}

/// The desk's settings.
#[utoipa::path(get, path = "/v1/support/settings", responses((status = 200, body = SupportSettingsObject)),
    security(("bearer" = [])), tag = "Support")]
pub async fn retrieve_settings(State(state): State<AppState>, desk: Desk) -> ApiResult<Json<SupportSettingsObject>> {
    let settings = settings::ensure(&state, desk.merchant(), desk.now(&state)).await?;
    Ok(Json(settings_object(&state, &desk, &settings)))
}

/// Changes the desk's settings; what is left out keeps its value.
#[utoipa::path(post, path = "/v1/support/settings", request_body = UpdateSupportSettings,
    responses((status = 200, body = SupportSettingsObject)), security(("bearer" = [])), tag = "Support")]
pub async fn update_settings(
    State(state): State<AppState>,
    desk: Desk,
    ApiJson(body): ApiJson<UpdateSupportSettings>,
) -> ApiResult<Json<SupportSettingsObject>> {
    desk.require_admin()?;
    let now = desk.now(&state);
    let current = settings::ensure(&state, desk.merchant(), now).await?;
    let mut row = current.row.clone();
    if let Some(enabled) = body.assistant_enabled {
        row.assistant_enabled = i64::from(enabled);
    }
    if let Some(enabled) = body.csat_enabled {
        row.csat_enabled = i64::from(enabled);
    }
    if let Some(policy) = &body.language_policy {
        row.language_policy = tradewind_support::LanguagePolicy::parse(policy)
            .map_err(|_| {
                ApiError::invalid(
                    "language_policy",
                    "parameter_invalid",
                    "`language_policy` must be preferred or required.",
                )
            })?
            .as_str()
            .to_owned();
    }
    if body.default_team.is_some() {
        row.default_team_id = team_reference(&state, &desk, &body.default_team).await?;
    }
    if let Some(widget) = &body.widget {
        if let Some(color) = &widget.color
            && !(color.len() == 7 && color.starts_with('#') && color[1..].bytes().all(|byte| byte.is_ascii_hexdigit()))
        {
            return Err(ApiError::invalid("widget[color]", "parameter_invalid", "`widget[color]` must be #rrggbb."));
        }
        for (index, question) in widget.pre_chat.iter().flatten().enumerate() {
            if !matches!(question.kind.as_str(), "text" | "email") || question.name.trim().is_empty() {
                let param = format!("widget[pre_chat][{index}]");
                return Err(ApiError::invalid(
                    &param,
                    "parameter_invalid",
                    format!("`{param}` needs a name and a type of text or email."),
                ));
            }
        }
        row.widget = serde_json::to_string(widget).map_err(|error| ApiError::internal(&error))?;
    }
    if let Some(sla) = &body.sla {
        settings::check_sla(sla)?;
        row.sla = serde_json::to_string(sla).map_err(|error| ApiError::internal(&error))?;
    }
    if body.roll_identity_secret == Some(true) {
        row.identity_secret = settings::new_identity_secret();
    }
    row.updated_at = now;
    let mut transaction = state.store.begin().await?;
    stored_settings::upsert(transaction.connection(), &row).await?;
    transaction.commit().await?;
    let updated = settings::load(&state, desk.merchant(), now).await?;
    Ok(Json(settings_object(&state, &desk, &updated)))
}

/// A realtime token for the console: every support channel of the merchant.
#[utoipa::path(post, path = "/v1/support/realtime_token", responses((status = 200, body = SupportRealtimeTokenObject)),
    security(("bearer" = [])), tag = "Support")]
pub async fn console_realtime_token(
    State(state): State<AppState>,
    desk: Desk,
) -> ApiResult<Json<SupportRealtimeTokenObject>> {
    let (user, display) = match &desk.agent {
        Some(agent) => (agent.id.clone(), agent.name.clone()),
        None => ("api".to_owned(), "API".to_owned()),
    };
    let (token, url, expires_at) =
        crate::support::realtime::mint(&state, desk.merchant(), &user, &display, "support:*").await?;
    Ok(Json(SupportRealtimeTokenObject {
        object: "realtime_token",
        token,
        url,
        expires_at,
        channel: crate::support::INBOX_CHANNEL.to_owned(),
    }))
}
