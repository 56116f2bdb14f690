//! Realtime tokens for the desk's pages: the widget's buyer may subscribe to (and see
//! presence and history of) their own contact channel only; the console's agents to every
//! support channel of their merchant.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use tradewind_realtime::grants::{ChannelPattern, Grant, MerchantId, Right, UserId};
use tradewind_realtime::token::{self, Claims};

/// How long a desk page's realtime token lasts; the pages fetch a new one before then.
pub const TOKEN_SECONDS: i64 = 3600;

/// A token for `user` (shown as `display`) on channels matching `pattern`: answers the
/// token, the socket URL and the expiry.
pub async fn mint(
    state: &AppState,
    merchant_id: &str,
    user: &str,
    display: &str,
    pattern: &str,
) -> ApiResult<(String, String, i64)> {
    let internal = |error: &dyn std::error::Error| ApiError::internal(error);
    let pattern = ChannelPattern::parse(pattern).map_err(|error| internal(&error))?;
    let grant =
        Grant::new(pattern, &[Right::Subscribe, Right::Presence, Right::History]).map_err(|error| internal(&error))?;
    let now = state.clock.now();
    let display: String = display.chars().take(64).collect();
    let claims = Claims {
        name: if display.trim().is_empty() { user.to_owned() } else { display },
        sub: UserId::parse(user).map_err(|error| internal(&error))?,
        mer: MerchantId::parse(merchant_id).map_err(|error| internal(&error))?,
        exp: now + TOKEN_SECONDS,
        iat: now,
        grants: vec![grant],
    };
    let minted = token::mint(&state.realtime.token_key, &claims).map_err(|error| internal(&error))?;
    Ok((minted, crate::routes::realtime::socket_url(state), claims.exp))
}
