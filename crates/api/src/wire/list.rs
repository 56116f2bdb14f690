//! Stripe-shaped lists: `{"object": "list", "data": [...], "has_more", "url"}` and
//! the shared pagination parameters.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub const PAGE_LIMIT_DEFAULT: i64 = 10;
pub const PAGE_LIMIT_MAX: i64 = 100;

#[derive(Debug, Serialize, ToSchema)]
pub struct ListObject<T: ToSchema> {
    pub object: &'static str,
    pub data: Vec<T>,
    pub has_more: bool,
    pub url: String,
}

impl<T: ToSchema> ListObject<T> {
    /// `rows` were fetched with `limit + 1` so the extra row tells `has_more`.
    pub fn new(mut data: Vec<T>, limit: i64, url: &str) -> Self {
        let has_more = data.len() as i64 > limit;
        data.truncate(limit as usize);
        ListObject { object: "list", data, has_more, url: url.to_owned() }
    }
}

/// The page size, checked: 1 to 100, default 10.
pub fn page_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit {
        None => Ok(PAGE_LIMIT_DEFAULT),
        Some(limit) if (1..=PAGE_LIMIT_MAX).contains(&limit) => Ok(limit),
        Some(_) => Err(ApiError::invalid("limit", "parameter_invalid_integer", "`limit` must be between 1 and 100.")),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub limit: Option<i64>,
    pub starting_after: Option<String>,
}
