//! Each merchant's desk settings, with the defaults a merchant that never changed them
//! has: the assistant on, translation-friendly routing (`preferred`), CSAT on, the
//! standard SLA targets in calendar time, a blue widget with a pre-chat email question.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::support::{SlaSettings, WidgetLook};
use std::collections::BTreeMap;
use tradewind_storage::support::settings::{self as stored, SettingsRow};
use tradewind_support::{BusinessHours, LanguagePolicy, Priority, SlaPolicy, SlaTargets};

/// Bytes of a new identity secret (shown as hex).
const IDENTITY_SECRET_BYTES: usize = 32;
/// How long a reply usually takes while the team is in, when the merchant says nothing.
pub const TYPICAL_REPLY_SECONDS_DEFAULT: u32 = 300;
pub const WIDGET_COLOR_DEFAULT: &str = "#0a7cff";

#[derive(Debug, Clone)]
pub struct DeskSettings {
    pub row: SettingsRow,
    pub assistant_enabled: bool,
    pub language_policy: LanguagePolicy,
    pub csat_enabled: bool,
    pub widget: WidgetLook,
    pub sla_settings: SlaSettings,
    pub sla: SlaPolicy,
}

pub fn new_identity_secret() -> String {
    let bytes: [u8; IDENTITY_SECRET_BYTES] = rand::random();
    hex::encode(bytes)
}

fn default_widget() -> WidgetLook {
    WidgetLook {
        color: Some(WIDGET_COLOR_DEFAULT.to_owned()),
        greeting: None,
        pre_chat: Some(Vec::new()),
        typical_reply_seconds: Some(TYPICAL_REPLY_SECONDS_DEFAULT),
    }
}

fn default_sla() -> SlaSettings {
    SlaSettings { first_response_seconds: None, resolution_seconds: None, business_hours_only: Some(false) }
}

pub fn default_row(merchant_id: &str, now: i64) -> SettingsRow {
    SettingsRow {
        merchant_id: merchant_id.to_owned(),
        assistant_enabled: 1,
        identity_secret: new_identity_secret(),
        widget: serde_json::to_string(&default_widget()).unwrap_or_else(|_| "{}".to_owned()),
        language_policy: LanguagePolicy::Preferred.as_str().to_owned(),
        sla: serde_json::to_string(&default_sla()).unwrap_or_else(|_| "{}".to_owned()),
        csat_enabled: 1,
        default_team_id: None,
        updated_at: now,
    }
}

/// The SLA policy the settings describe: the standard targets, overridden per priority.
pub fn sla_policy(settings: &SlaSettings) -> Result<SlaPolicy, String> {
    let business_hours_only = settings.business_hours_only.unwrap_or(false);
    let standard = SlaPolicy::standard(business_hours_only);
    let mut targets = Vec::new();
    for priority in Priority::ALL.iter().copied() {
        let mut target: SlaTargets = standard.targets(priority);
        if let Some(seconds) = settings.first_response_seconds.as_ref().and_then(|map| map.get(priority.as_str())) {
            target.first_response_seconds = Some(*seconds);
        }
        if let Some(seconds) = settings.resolution_seconds.as_ref().and_then(|map| map.get(priority.as_str())) {
            target.resolution_seconds = Some(*seconds);
        }
        targets.push((priority, target));
    }
    SlaPolicy::new(&targets, business_hours_only).map_err(|error| error.to_string())
}

/// Checks an SLA setting's keys before it is stored.
pub fn check_sla(settings: &SlaSettings) -> ApiResult<()> {
    for (param, map) in [
        ("sla[first_response_seconds]", &settings.first_response_seconds),
        ("sla[resolution_seconds]", &settings.resolution_seconds),
    ] {
        for key in map.iter().flat_map(BTreeMap::keys) {
            if Priority::parse(key).is_err() {
                return Err(ApiError::invalid(
                    param,
                    "parameter_invalid",
                    format!("`{param}` keys are priorities: none, low, medium, high or urgent (not `{key}`)."),
                ));
            }
        }
    }
    sla_policy(settings).map(|_| ()).map_err(|message| ApiError::invalid("sla", "parameter_invalid", message))
}

fn parse(row: SettingsRow) -> DeskSettings {
    let widget: WidgetLook = serde_json::from_str(&row.widget).unwrap_or_else(|_| default_widget());
    let sla_settings: SlaSettings = serde_json::from_str(&row.sla).unwrap_or_else(|_| default_sla());
    let sla = sla_policy(&sla_settings).unwrap_or_else(|_| SlaPolicy::standard(false));
    DeskSettings {
        assistant_enabled: row.assistant_enabled == 1,
        language_policy: LanguagePolicy::parse(&row.language_policy).unwrap_or(LanguagePolicy::Preferred),
        csat_enabled: row.csat_enabled == 1,
        widget,
        sla_settings,
        sla,
        row,
    }
}

/// The merchant's settings; the defaults (not yet stored) when it has none.
pub async fn load(state: &AppState, merchant_id: &str, now: i64) -> ApiResult<DeskSettings> {
    let row = stored::get(state.store.pool(), merchant_id).await?.unwrap_or_else(|| default_row(merchant_id, now));
    Ok(parse(row))
}

/// The merchant's settings, stored first if it had none (so its identity secret is
/// fixed from the first time anyone asks for it).
pub async fn ensure(state: &AppState, merchant_id: &str, now: i64) -> ApiResult<DeskSettings> {
    if let Some(row) = stored::get(state.store.pool(), merchant_id).await? {
        return Ok(parse(row));
    }
    let row = default_row(merchant_id, now);
    let mut transaction = state.store.begin().await?;
    // Another request may have stored them meanwhile; the upsert keeps whichever came
    // last, and both read the stored row back.
    if stored::get(state.store.pool(), merchant_id).await?.is_none() {
        stored::upsert(transaction.connection(), &row).await?;
    }
    transaction.commit().await?;
    let row = stored::get(state.store.pool(), merchant_id).await?.unwrap_or(row);
    Ok(parse(row))
}

/// The business hours conversations are answered in: the default team's, or always
/// open (in UTC) when there is no team.
pub async fn hours(state: &AppState, settings: &DeskSettings) -> ApiResult<BusinessHours> {
    let always = || BusinessHours::always_open("UTC").map_err(|error| ApiError::internal(&error));
    let Some(team_id) = &settings.row.default_team_id else { return always() };
    let Some(team) =
        tradewind_storage::support::teams::get(state.store.pool(), &settings.row.merchant_id, team_id).await?
    else {
        return always();
    };
    team_hours(&team).or_else(|_| always())
}

/// A conversation's SLA due times from `start`: in the desk's business hours when its
/// policy counts only those, else in calendar time.
pub fn sla_due(
    settings: &DeskSettings,
    hours: &BusinessHours,
    start: i64,
    priority: Priority,
) -> tradewind_support::SlaDue {
    tradewind_support::due_times(start, priority, &settings.sla, settings.sla.business_hours_only().then_some(hours))
}

/// A stored team's hours, parsed.
pub fn team_hours(team: &tradewind_storage::support::teams::TeamRow) -> ApiResult<BusinessHours> {
    let intervals: Vec<crate::wire::support::HoursInterval> =
        serde_json::from_str(&team.business_hours).map_err(|error| ApiError::internal(&error))?;
    let holidays: Vec<String> = serde_json::from_str(&team.holidays).map_err(|error| ApiError::internal(&error))?;
    crate::support::views::business_hours(&team.time_zone, &intervals, &holidays)
        .map_err(|error| ApiError::invalid("business_hours", "parameter_invalid", error))
}
