//! `/v1/routing`: the merchant's routing rules (read, replace whole) and the
//! simulation of where a described payment would go, without charging it.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, SecretAuth};
use crate::flows::routing::{self, FactsInput};
use crate::flows::validate;
use crate::state::AppState;
use crate::wire::routing::{ReplaceRoutingRules, RoutingDecisionObject, RoutingRulesObject, SimulatePayment};
use axum::Json;
use axum::extract::State;
use tradewind_payments::method::PaymentMethodType;

/// The merchant's routing rules, in order.
#[utoipa::path(get, path = "/v1/routing/rules",
    responses((status = 200, body = RoutingRulesObject)), security(("bearer" = [])), tag = "Routing")]
pub async fn retrieve_rules(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
) -> ApiResult<Json<RoutingRulesObject>> {
    let routing = routing::merchant_routing(&state, auth.merchant_id.as_str()).await?;
    Ok(Json(RoutingRulesObject { object: "routing_rules", rules: routing.rules.rules().to_vec() }))
}

/// Replaces the merchant's routing rules; each may name only this merchant's connector accounts.
#[utoipa::path(post, path = "/v1/routing/rules", request_body = ReplaceRoutingRules,
    responses((status = 200, body = RoutingRulesObject)), security(("bearer" = [])), tag = "Routing")]
pub async fn replace_rules(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    ApiJson(body): ApiJson<ReplaceRoutingRules>,
) -> ApiResult<Json<RoutingRulesObject>> {
    let now = auth.now(&state);
    let merchant_id = auth.merchant_id.as_str();
    state.routing.forget(merchant_id);
    let current = routing::merchant_routing(&state, merchant_id).await?;
    let checked = routing::rule_set(body.rules, &current.rows)?;
    let text = serde_json::to_string(checked.rules()).map_err(|error| ApiError::internal(&error))?;
    let mut transaction = state.store.begin().await?;
    tradewind_storage::routing_rules::put(transaction.connection(), merchant_id, &text, now).await?;
    transaction.commit().await?;
    state.routing.forget(merchant_id);
    Ok(Json(RoutingRulesObject { object: "routing_rules", rules: checked.rules().to_vec() }))
}

/// Where a payment like this would go now, and why, without charging anything.
#[utoipa::path(post, path = "/v1/routing/simulate", request_body = SimulatePayment,
    responses((status = 200, body = RoutingDecisionObject)), security(("bearer" = [])), tag = "Routing")]
pub async fn simulate(
    State(state): State<AppState>,
    SecretAuth(auth): SecretAuth,
    ApiJson(body): ApiJson<SimulatePayment>,
) -> ApiResult<Json<RoutingDecisionObject>> {
    let now = auth.now(&state);
    let merchant_id = auth.merchant_id.as_str();
    let method = PaymentMethodType::parse(&body.payment_method_type)
        .map_err(|error| ApiError::invalid("payment_method_type", "parameter_invalid", error.to_string()))?;
    let currency = validate::currency("currency", &body.currency)?;
    let amount = validate::positive_amount("amount", body.amount)?;
    if let Some(number) = &body.card_number
        && tradewind_payments::card::CardNumber::parse(number).is_err()
    {
        return Err(ApiError::invalid("card_number", "invalid_number", "`card_number` is not a valid card number."));
    }
    if let Some(country) = &body.buyer_country
        && !tradewind_payments::method::is_country_code(country)
    {
        return Err(ApiError::invalid(
            "buyer_country",
            "parameter_invalid",
            "`buyer_country` must be ISO 3166-1 alpha-2.",
        ));
    }
    let routing = routing::merchant_routing(&state, merchant_id).await?;
    let facts = routing::facts(
        &state,
        merchant_id,
        FactsInput {
            method,
            card_number: body.card_number.as_deref(),
            buyer_country: body.buyer_country,
            currency,
            amount,
            metadata: body.metadata.unwrap_or_default(),
        },
    )
    .await?;
    let decision = routing::decide(&state, merchant_id, &routing, &facts, now).await?;
    Ok(Json(RoutingDecisionObject::from_decision(&decision)))
}
