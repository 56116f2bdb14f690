//! `/v1/realtime`: the WebSocket endpoint, connection tokens (`/v1/realtime/tokens`),
//! server-side publications (`/v1/realtime/publish`) and the namespaces.

use axum::Json;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response;

use tradewind_realtime::cluster::ClusterError;
use tradewind_realtime::grants::{ChannelPattern, Grant, MerchantId, Right, UserId};
use tradewind_realtime::hub::HubError;
use tradewind_realtime::namespace::Namespace;
use tradewind_realtime::token::{self, Claims, TOKEN_LIFETIME_SECONDS_MAX};

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, SecretAuth};
use crate::realtime::engine::Engine;
use crate::realtime::{SOCKET_MESSAGE_BYTES_MAX, hub_key, session};
use crate::state::AppState;
use crate::wire::realtime::{
    CreateRealtimePublication, CreateRealtimeToken, RealtimeNamespaceList, RealtimeNamespaceObject,
    RealtimePublicationObject, RealtimeTokenObject,
};

/// Each WebSocket's read buffer.
pub const SOCKET_READ_BUFFER_BYTES: usize = 4 * 1024;

/// A token's lifetime when the request names none.
pub const DEFAULT_EXPIRES_IN_SECONDS: i64 = 3600;

/// The WebSocket upgrade; the session speaks `tradewind.realtime.v1` (see the protocol docs).
pub async fn socket(State(state): State<AppState>, upgrade: WebSocketUpgrade) -> Response {
    upgrade
        // tungstenite's default read buffer (128 KiB, zeroed on every read) was most of a
        // connection's memory and a third of the CPU with 10,000 subscribers; commands are
        // small, and a larger message still grows the buffer as it arrives.
        .read_buffer_size(SOCKET_READ_BUFFER_BYTES)
        .max_message_size(SOCKET_MESSAGE_BYTES_MAX)
        .max_frame_size(SOCKET_MESSAGE_BYTES_MAX)
        .on_upgrade(move |socket| session::run(state, socket))
}

fn rights(index: usize, names: &[String]) -> Result<Vec<Right>, ApiError> {
    let param = format!("grants[{index}][rights]");
    if names.is_empty() {
        return Err(ApiError::invalid(&param, "parameter_invalid", format!("`{param}` must name at least one right.")));
    }
    names
        .iter()
        .map(|name| {
            serde_json::from_value(serde_json::Value::String(name.clone())).map_err(|_| {
                ApiError::invalid(
                    &param,
                    "parameter_invalid",
                    format!("`{name}` is not a right; use subscribe, publish, presence or history."),
                )
            })
        })
        .collect()
}

/// The WebSocket URL clients connect to (`wss://` behind an `https://` public URL).
pub fn socket_url(state: &AppState) -> String {
    let base = state.config.public_base_url.trim_end_matches('/');
    match base.split_once("://") {
        Some(("https", rest)) => format!("wss://{rest}/v1/realtime"),
        Some((_, rest)) => format!("ws://{rest}/v1/realtime"),
        None => format!("ws://{base}/v1/realtime"),
    }
}

/// Mints a connection token for one of your users.
#[utoipa::path(post, path = "/v1/realtime/tokens", request_body = CreateRealtimeToken,
    responses((status = 200, body = RealtimeTokenObject)), security(("bearer" = [])), tag = "Realtime")]
pub async fn create_token(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    ApiJson(body): ApiJson<CreateRealtimeToken>,
) -> ApiResult<Json<RealtimeTokenObject>> {
    let user = UserId::parse(&body.user_id)
        .map_err(|error| ApiError::invalid("user_id", "parameter_invalid", format!("`user_id`: {error}.")))?;
    let expires_in = body.expires_in.unwrap_or(DEFAULT_EXPIRES_IN_SECONDS);
    if !(1..=TOKEN_LIFETIME_SECONDS_MAX).contains(&expires_in) {
        return Err(ApiError::invalid(
            "expires_in",
            "parameter_invalid",
            format!("`expires_in` must be 1 to {TOKEN_LIFETIME_SECONDS_MAX} seconds."),
        ));
    }
    let mut grants = Vec::with_capacity(body.grants.len());
    for (index, grant) in body.grants.iter().enumerate() {
        let param = format!("grants[{index}][pattern]");
        let pattern = ChannelPattern::parse(&grant.pattern)
            .map_err(|error| ApiError::invalid(&param, "parameter_invalid", format!("`{param}`: {error}.")))?;
        if state.realtime.namespaces.get(pattern.namespace()).is_none() {
            return Err(ApiError::invalid(
                &param,
                "parameter_invalid",
                format!("`{param}`: the namespace `{}` is not configured.", pattern.namespace()),
            ));
        }
        let rights = rights(index, &grant.rights)?;
        grants.push(
            Grant::new(pattern, &rights)
                .map_err(|error| ApiError::invalid(&param, "parameter_invalid", format!("`{param}`: {error}.")))?,
        );
    }
    let merchant = MerchantId::parse(auth.merchant_id.as_str()).map_err(|error| ApiError::internal(&error))?;
    let now = state.clock.now();
    let claims = Claims {
        name: body.name.clone().unwrap_or_else(|| user.to_string()),
        sub: user,
        mer: merchant,
        exp: now + expires_in,
        iat: now,
        grants,
    };
    let token = token::mint(&state.realtime.token_key, &claims).map_err(|error| match error {
        token::TokenError::InvalidClaims(message) if message.starts_with("name") => {
            ApiError::invalid("name", "parameter_invalid", format!("`{message}`."))
        }
        token::TokenError::InvalidClaims(message) if message.starts_with("grants") => {
            ApiError::invalid("grants", "parameter_invalid", format!("`{message}`."))
        }
        other => ApiError::internal(&other),
    })?;
    let url = socket_url(&state);
    Ok(Json(RealtimeTokenObject {
        object: "realtime_token",
        token,
        user_id: claims.sub.to_string(),
        expires_at: claims.exp,
        url,
    }))
}

/// Publishes to one of your channels from the server: no rate limit, no publisher info.
#[utoipa::path(post, path = "/v1/realtime/publish", request_body = CreateRealtimePublication,
    responses((status = 200, body = RealtimePublicationObject)), security(("bearer" = [])), tag = "Realtime")]
pub async fn publish(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    ApiJson(body): ApiJson<CreateRealtimePublication>,
) -> ApiResult<Json<RealtimePublicationObject>> {
    let (channel, publication) = publish_server(&state, auth.merchant_id.as_str(), &body.channel, &body.data).await?;
    Ok(Json(RealtimePublicationObject {
        object: "realtime_publication",
        channel,
        offset: publication.offset,
        epoch: publication.epoch,
    }))
}

/// Publishes `data` to one of a merchant's channels from the server (no rate limit, no
/// publisher info), on one node or across the cluster; answers the channel's full name
/// and the publication's position.
pub async fn publish_server(
    state: &AppState,
    merchant_id: &str,
    channel: &str,
    data: &serde_json::Value,
) -> ApiResult<(String, tradewind_realtime::hub::Publication)> {
    let realtime = &state.realtime;
    let (channel, namespace) = realtime
        .namespaces
        .resolve(channel)
        .map_err(|error| ApiError::invalid("channel", "parameter_invalid", format!("`channel`: {error}.")))?;
    let namespace = namespace.clone();
    let key = hub_key(merchant_id, channel.as_str());
    let now_ms = state.clock.now_ms();
    let too_large = |limit_bytes: usize| {
        ApiError::invalid("data", "parameter_invalid", format!("The publication is larger than {limit_bytes} bytes."))
    };
    let publication = match &realtime.engine {
        Engine::Local => {
            realtime.persist.ensure_loaded(&realtime.hub, &key, &namespace, now_ms).await?;
            let published = realtime.hub.publish_server(&key, data, now_ms).map_err(|error| match error {
                HubError::FrameTooLarge { limit_bytes, .. } => too_large(limit_bytes),
                other => ApiError::internal(&other),
            })?;
            realtime.persist.append(&key, &namespace, &published, now_ms).await?;
            published.publication
        }
        Engine::Cluster(engine) => engine.publish_server(&key, data, now_ms).await.map_err(|error| match error {
            ClusterError::FrameTooLarge { limit_bytes, .. } => too_large(limit_bytes),
            other => ApiError::internal(&other),
        })?,
    };
    Ok((channel.to_string(), publication))
}

fn namespace_object(namespace: &Namespace) -> RealtimeNamespaceObject {
    RealtimeNamespaceObject {
        object: "realtime_namespace",
        name: namespace.name.clone(),
        history_size: namespace.history_size,
        history_ttl_seconds: namespace.history_ttl_seconds,
        persistent: namespace.persistent,
        presence: namespace.presence,
        presence_threshold: namespace.presence_threshold,
        member_cap: namespace.member_cap,
        client_publish: namespace.client_publish,
        publish_rate_per_second: namespace.publish_rate_per_second,
    }
}

/// The namespaces channels can live in, with their options.
#[utoipa::path(get, path = "/v1/realtime/namespaces",
    responses((status = 200, body = RealtimeNamespaceList)), security(("bearer" = [])), tag = "Realtime")]
pub async fn list_namespaces(
    State(state): State<AppState>,
    SecretAuth(_auth): SecretAuth,
) -> ApiResult<Json<RealtimeNamespaceList>> {
    let data = state.realtime.namespaces.iter().map(namespace_object).collect();
    Ok(Json(RealtimeNamespaceList { object: "list", data }))
}
