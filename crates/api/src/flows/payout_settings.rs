//! The merchant's account settings: the rolling reserve, the payout schedule with its
//! minimum, the bank account payouts go to, and what prices and settles its payments
//! (country, settlement currency, fee overrides — see `flows::pricing`) and the
//! overdraft allowed on each currency's available balance (the negative limit of its
//! ledger account). An update names only what changes; the result is checked whole
//! before anything is written, and written in one transaction.

use crate::error::{ApiError, ApiResult};
use crate::extract::Authenticated;
use crate::flows::pricing::{self, FeeOverride, MerchantTerms};
use crate::flows::validate;
use crate::state::AppState;
use crate::wire::payout::{AccountSettingsObject, UpdateAccountSettings};
use crate::wire::refund::BankAccount;
use std::collections::BTreeMap;
use tradewind_connectors::iban;
use tradewind_ledger::{Account, AccountId, AccountKind};
use tradewind_payments::id::MerchantId;
use tradewind_payments::method::is_country_code;
use tradewind_settlement::fees::{Connector, Method};
use tradewind_settlement::payout_schedule::{MONTHLY_ANCHOR_MAX, PayoutSchedule, ScheduleError, parse_weekday};
use tradewind_storage::ledger;
use tradewind_storage::payouts::{self, PayoutSettingsRow};

/// The whole settlement at most: 100.00%.
pub const RESERVE_BASIS_POINTS_MAX: i64 = 10_000;
/// The longest a reserve may be held: a year.
pub const RESERVE_DAYS_MAX: i64 = 365;
/// Bounds on the bank account's fields.
const HOLDER_NAME_LENGTH_MAX: usize = 200;
const ACCOUNT_NUMBER_LENGTH: std::ops::RangeInclusive<usize> = 4..=34;
const BANK_CODE_LENGTH_MAX: usize = 34;
/// A minimum above this (10^12 minor units) is surely a mistake.
const MINIMUM_AMOUNT_MAX: i64 = 1_000_000_000_000;
/// The largest overdraft a merchant may set on one currency, in minor units.
pub const NEGATIVE_LIMIT_MAX: i64 = 100_000_000_000;
/// Currencies one update may set overdrafts for.
const NEGATIVE_LIMIT_CURRENCIES_MAX: usize = 32;

/// The merchant's settings, or the defaults when it never changed them.
pub async fn load(state: &AppState, merchant_id: &str, now: i64) -> ApiResult<PayoutSettingsRow> {
    Ok(payouts::settings(state.store.pool(), merchant_id)
        .await?
        .unwrap_or_else(|| PayoutSettingsRow::defaults(merchant_id, now)))
}

/// The stored schedule; a row that does not parse is corrupt data, not the client's.
pub fn schedule_of(row: &PayoutSettingsRow) -> ApiResult<PayoutSchedule> {
    PayoutSchedule::from_parts(&row.payout_schedule, row.weekly_anchor.as_deref(), row.monthly_anchor)
        .map_err(|error| ApiError::internal(&error))
}

pub async fn update(
    state: &AppState,
    auth: &Authenticated,
    request: UpdateAccountSettings,
) -> ApiResult<AccountSettingsObject> {
    let now = auth.now(state);
    let merchant_id = auth.merchant_id.as_str();
    let mut row = load(state, merchant_id, now).await?;
    if let Some(basis_points) = request.reserve_basis_points {
        if !(0..=RESERVE_BASIS_POINTS_MAX).contains(&basis_points) {
            return Err(ApiError::invalid(
                "reserve_basis_points",
                "parameter_invalid_integer",
                "`reserve_basis_points` must be between 0 and 10000.",
            ));
        }
        row.reserve_basis_points = basis_points;
    }
    if let Some(days) = request.reserve_days {
        if !(0..=RESERVE_DAYS_MAX).contains(&days) {
            return Err(ApiError::invalid(
                "reserve_days",
                "parameter_invalid_integer",
                "`reserve_days` must be between 0 and 365.",
            ));
        }
        row.reserve_days = days;
    }
    if row.reserve_basis_points > 0 && row.reserve_days == 0 {
        return Err(ApiError::invalid(
            "reserve_days",
            "parameter_missing",
            "A rolling reserve needs `reserve_days` of at least 1.",
        ));
    }
    if let Some(minimum) = request.minimum_amount {
        if !(0..=MINIMUM_AMOUNT_MAX).contains(&minimum) {
            return Err(ApiError::invalid(
                "minimum_amount",
                "parameter_invalid_integer",
                "`minimum_amount` must be between 0 and 1000000000000.",
            ));
        }
        row.minimum_amount = minimum;
    }
    let schedule = schedule(&request, &row)?;
    row.payout_schedule = schedule.interval().to_owned();
    row.weekly_anchor = schedule.weekly_anchor().map(str::to_owned);
    row.monthly_anchor = schedule.monthly_anchor().map(i64::from);
    if let Some(account) = &request.bank_account {
        bank_account(account, &mut row)?;
    }
    pricing_settings(&request, &mut row)?;
    let limits = negative_limits(auth, request.negative_balance_limits.as_ref())?;
    row.updated_at = now;
    let mut transaction = state.store.begin().await?;
    payouts::save_settings(transaction.connection(), &row).await?;
    for account in &limits {
        // The upsert comes first: on PostgreSQL it locks the row, so no posting can
        // overdraw between the check below and the commit.
        ledger::open_account_in(transaction.connection(), account, now).await?;
        let balance = ledger::balance_in(transaction.connection(), &account.id).await?;
        if balance < -account.negative_limit_minor {
            let code = account.id.currency().code().to_ascii_lowercase();
            return Err(ApiError::invalid(
                format!("negative_balance_limits[{code}]"),
                "negative_balance_limit_too_low",
                format!(
                    "The available {} balance is already {balance} (minor units); the limit cannot be less than {}.",
                    account.id.currency(),
                    -balance
                ),
            ));
        }
    }
    transaction.commit().await?;
    state.terms_cache.forget(merchant_id);
    object(state, &row).await
}

/// The settings as the API shows them: the row, every method's fee schedule in force,
/// and the overdrafts set on the merchant's available balances.
pub async fn object(state: &AppState, row: &PayoutSettingsRow) -> ApiResult<AccountSettingsObject> {
    let fees = MerchantTerms::from_row(row)?.schedules()?;
    let limits = ledger::merchant_accounts(state.store.pool(), &row.merchant_id)
        .await?
        .into_iter()
        .filter(|account| account.id.kind() == AccountKind::Available && account.negative_limit_minor > 0)
        .map(|account| (account.id.currency().code().to_ascii_lowercase(), account.negative_limit_minor))
        .collect();
    Ok(AccountSettingsObject::from_row(row, fees, limits))
}

/// Country, settlement currency and fee overrides, checked whole.
fn pricing_settings(request: &UpdateAccountSettings, row: &mut PayoutSettingsRow) -> ApiResult<()> {
    if let Some(country) = &request.country {
        row.country = if country.is_empty() {
            None
        } else if is_country_code(country) {
            Some(country.to_ascii_uppercase())
        } else {
            return Err(ApiError::invalid(
                "country",
                "parameter_invalid",
                "`country` must be an ISO 3166-1 alpha-2 code such as `US`, or empty to clear it.",
            ));
        };
    }
    if let Some(code) = &request.settlement_currency {
        row.settlement_currency = if code.is_empty() {
            None
        } else {
            Some(validate::currency("settlement_currency", code)?.code().to_owned())
        };
    }
    if let Some(fees) = &request.fees {
        let mut overrides: BTreeMap<String, FeeOverride> =
            serde_json::from_str(&row.fee_overrides).map_err(|error| ApiError::internal(&error))?;
        for (name, fee_override) in fees {
            let method = Method::parse(name).ok_or_else(|| {
                ApiError::invalid(
                    format!("fees[{name}]"),
                    "parameter_unknown",
                    format!("`fees[{name}]` is not a payment method."),
                )
            })?;
            match fee_override {
                None => {
                    overrides.remove(name);
                }
                Some(fee_override) => {
                    let stored = pricing::checked_override(Connector::Sandbox, method, fee_override)?;
                    overrides.insert(name.clone(), stored);
                }
            }
        }
        row.fee_overrides = serde_json::to_string(&overrides).map_err(|error| ApiError::internal(&error))?;
    }
    Ok(())
}

/// The merchant's available accounts with their new overdrafts.
fn negative_limits(auth: &Authenticated, limits: Option<&BTreeMap<String, i64>>) -> ApiResult<Vec<Account>> {
    let Some(limits) = limits else { return Ok(Vec::new()) };
    if limits.len() > NEGATIVE_LIMIT_CURRENCIES_MAX {
        return Err(ApiError::invalid(
            "negative_balance_limits",
            "parameter_invalid",
            format!("At most {NEGATIVE_LIMIT_CURRENCIES_MAX} currencies may have a negative balance limit."),
        ));
    }
    let merchant = MerchantId::parse(auth.merchant_id.as_str()).map_err(|error| ApiError::internal(&error))?;
    limits
        .iter()
        .map(|(code, limit)| {
            let param = format!("negative_balance_limits[{code}]");
            let currency = validate::currency(&param, code)?;
            if !(0..=NEGATIVE_LIMIT_MAX).contains(limit) {
                return Err(ApiError::invalid(
                    &param,
                    "parameter_invalid_integer",
                    format!("`{param}` must be between 0 and {NEGATIVE_LIMIT_MAX}."),
                ));
            }
            let id = AccountId::merchant(&merchant, AccountKind::Available, currency)
                .map_err(|error| ApiError::internal(&error))?;
            Ok(Account::open(id).with_negative_limit(*limit))
        })
        .collect()
}

/// The schedule after the update: given anchors are checked even when the interval
/// does not use them, so a typo never passes silently.
fn schedule(request: &UpdateAccountSettings, row: &PayoutSettingsRow) -> ApiResult<PayoutSchedule> {
    if let Some(weekday) = &request.weekly_anchor {
        parse_weekday(weekday)
            .map_err(|error| ApiError::invalid("weekly_anchor", "parameter_invalid", error.to_string()))?;
    }
    if let Some(day) = request.monthly_anchor
        && !(1..=i64::from(MONTHLY_ANCHOR_MAX)).contains(&day)
    {
        return Err(ApiError::invalid(
            "monthly_anchor",
            "parameter_invalid_integer",
            "`monthly_anchor` must be a day of the month, 1 to 31.",
        ));
    }
    let interval = request.payout_schedule.as_deref().unwrap_or(&row.payout_schedule);
    let weekly = request.weekly_anchor.as_deref().or(row.weekly_anchor.as_deref());
    let monthly = request.monthly_anchor.or(row.monthly_anchor);
    PayoutSchedule::from_parts(interval, weekly, monthly).map_err(|error| {
        let param = match error {
            ScheduleError::UnknownInterval(_) => "payout_schedule",
            ScheduleError::UnknownWeekday(_) => "weekly_anchor",
            ScheduleError::MonthlyAnchorOutOfRange(_) => "monthly_anchor",
        };
        ApiError::invalid(param, "parameter_invalid", error.to_string())
    })
}

/// Checks the bank account and keeps what a payout needs: the holder, the number (or
/// IBAN, normalised), the bank code and the IBAN's country.
fn bank_account(account: &BankAccount, row: &mut PayoutSettingsRow) -> ApiResult<()> {
    let holder = account.account_holder_name.trim();
    if holder.is_empty() || holder.chars().count() > HOLDER_NAME_LENGTH_MAX {
        return Err(ApiError::invalid(
            "bank_account[account_holder_name]",
            "parameter_invalid",
            "`bank_account[account_holder_name]` must be 1 to 200 characters.",
        ));
    }
    if let Some(code) = &account.bank_code
        && (code.is_empty() || code.len() > BANK_CODE_LENGTH_MAX || !code.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err(ApiError::invalid(
            "bank_account[bank_code]",
            "parameter_invalid",
            "`bank_account[bank_code]` must be 1 to 34 letters and digits.",
        ));
    }
    let (number, country) = match (&account.iban, &account.account_number) {
        (Some(value), _) => {
            let normalized = iban::normalize(value).filter(|_| iban::is_valid(value)).ok_or_else(|| {
                ApiError::invalid("bank_account[iban]", "iban_invalid", "The IBAN's check digits do not match.")
            })?;
            let country = normalized.get(..2).map(str::to_owned);
            (normalized, country)
        }
        (None, Some(number))
            if ACCOUNT_NUMBER_LENGTH.contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (number.clone(), None)
        }
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "bank_account[account_number]",
                "parameter_invalid",
                "`bank_account[account_number]` must be 4 to 34 digits.",
            ));
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "bank_account[iban]",
                "parameter_missing",
                "Give `bank_account[iban]` or `bank_account[account_number]`.",
            ));
        }
    };
    row.bank_account_holder_name = Some(holder.to_owned());
    row.bank_account_number = Some(number);
    row.bank_code = account.bank_code.clone();
    row.bank_country = country;
    Ok(())
}
