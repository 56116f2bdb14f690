//! Confirmation: validate the buyer's `payment_method_data`, ask the method's sandbox
//! connector, and turn its answer into the intent's next status and a new attempt.
//! Nothing here writes: the caller commits the returned rows in one transaction, and
//! a validation error returns before anything exists to write.

use crate::error::{ApiError, ApiResult};
use crate::flows::outcome;
use crate::state::AppState;
use crate::wire::json_column;
use crate::wire::payment_method_data::{PaymentMethodData, WalletData};
use serde_json::{Value, json};
use time::OffsetDateTime;
use tradewind_connectors::{bank_transfer, boleto, card as card_sandbox, paypal, sofort, wallet};
use tradewind_money::{Currency, Money, format_minor_units};
use tradewind_payments::card::{CardError, CardExpiry, CardNumber, validate_cvc};
use tradewind_payments::id::AttemptId;
use tradewind_payments::intent::IntentEvent;
use tradewind_payments::method::PaymentMethodType;
use tradewind_payments::tax_id::{BrazilianTaxId, BrazilianTaxIdKind};
use tradewind_storage::attempts::AttemptRow;
use tradewind_storage::payment_intents::PaymentIntentRow;

/// Days a Boleto voucher stays payable.
pub const BOLETO_DAYS_VALID: u8 = 3;

pub struct Confirmed {
    pub intent: PaymentIntentRow,
    pub attempt: AttemptRow,
    /// Set when the provider declined: the 402 to answer (after committing).
    pub declined: Option<ApiError>,
}

pub(crate) fn missing(param: &str) -> ApiError {
    ApiError::invalid(param, "parameter_missing", format!("Missing required param: {param}."))
}

fn card_error(error: CardError) -> ApiError {
    let param = format!("payment_method_data[card][{}]", error.field());
    ApiError::card(Some(&param), error.code(), None, capitalised(&error.to_string()))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}

/// Only the object named by `type` (and billing details) may be present.
fn check_single_object(data: &PaymentMethodData, method: PaymentMethodType) -> ApiResult<()> {
    let present = [
        (PaymentMethodType::Card, data.card.is_some()),
        (PaymentMethodType::Paypal, data.paypal.is_some()),
        (PaymentMethodType::Ideal, data.ideal.is_some()),
        (PaymentMethodType::Sofort, data.sofort.is_some()),
        (PaymentMethodType::Grabpay, data.grabpay.is_some()),
        (PaymentMethodType::Gopay, data.gopay.is_some()),
        (PaymentMethodType::Shopeepay, data.shopeepay.is_some()),
        (PaymentMethodType::Boleto, data.boleto.is_some()),
        (PaymentMethodType::BankTransfer, data.bank_transfer.is_some()),
        (PaymentMethodType::CashOnDelivery, data.cash_on_delivery.is_some()),
    ];
    for (other, is_present) in present {
        if is_present && other != method {
            let param = format!("payment_method_data[{}]", other.as_str());
            return Err(ApiError::invalid(
                &param,
                "parameter_unknown",
                format!("`{param}` cannot be sent with `payment_method_data[type]` = {method}."),
            ));
        }
    }
    Ok(())
}

fn year_month(now: i64) -> (u16, u8) {
    let date = OffsetDateTime::from_unix_timestamp(now).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    (date.year().clamp(0, i32::from(u16::MAX)) as u16, u8::from(date.month()))
}

fn redirect_return_url(return_url: &Option<String>, method: PaymentMethodType) -> ApiResult<String> {
    return_url.clone().ok_or_else(|| {
        ApiError::invalid(
            "return_url",
            "parameter_missing",
            format!("{method} redirects the customer, so confirmation needs a `return_url` to send them back to."),
        )
    })
}

fn wallet_data(data: &PaymentMethodData, method: PaymentMethodType) -> Option<&WalletData> {
    match method {
        PaymentMethodType::Grabpay => data.grabpay.as_ref(),
        PaymentMethodType::Gopay => data.gopay.as_ref(),
        PaymentMethodType::Shopeepay => data.shopeepay.as_ref(),
        _ => None,
    }
}

/// Confirms `intent` with `data` at the merchant's time `now`.
pub fn confirm(
    state: &AppState,
    mut intent: PaymentIntentRow,
    data: &PaymentMethodData,
    return_url: Option<String>,
    now: i64,
) -> ApiResult<Confirmed> {
    outcome::transition(&mut intent.clone(), IntentEvent::Confirm)?;
    let method = PaymentMethodType::parse(&data.method_type)
        .map_err(|error| ApiError::invalid("payment_method_data[type]", "parameter_invalid", error.to_string()))?;
    check_single_object(data, method)?;
    let currency = crate::flows::validate::currency("currency", &intent.currency)?;
    let customer = json_column("customer", intent.customer.as_deref());
    let country = customer.get("country").and_then(Value::as_str).map(str::to_owned);
    method
        .capability()
        .check(country.as_deref(), currency, intent.amount)
        .map_err(|error| crate::flows::validate::market_error(error, "payment_method_data[type]"))?;
    // After the market check, so a buyer hears "amount out of range" rather than
    // "not allowed" when the default method list left the method out for its limits.
    if !intent.payment_method_types.split(',').any(|allowed| allowed == method.as_str()) {
        return Err(ApiError::invalid(
            "payment_method_data[type]",
            "payment_method_type_not_allowed",
            format!("This PaymentIntent does not accept {method}; allowed: {}.", intent.payment_method_types),
        ));
    }
    crate::flows::validate::url("return_url", &return_url)?;
    let return_url = return_url.or_else(|| intent.return_url.clone());
    let billing = data.billing_details.clone().unwrap_or_default();

    let attempt_id = AttemptId::generate().to_string();
    let mut attempt = AttemptRow {
        id: attempt_id.clone(),
        merchant_id: intent.merchant_id.clone(),
        payment_intent_id: intent.id.clone(),
        connector: format!("sandbox_{}", method.as_str()),
        payment_method_type: method.as_str().to_owned(),
        payment_method_details: "{}".to_owned(),
        status: "pending".to_owned(),
        amount: intent.amount,
        amount_received: 0,
        error_code: None,
        decline_code: None,
        error_message: None,
        reference: None,
        flags: "{}".to_owned(),
        return_url: return_url.clone(),
        created_at: now,
        updated_at: now,
    };
    let expiry = method.capability().expiry_seconds.map(|seconds| now.saturating_add(seconds));
    let sandbox_page = state.url(&format!("/sandbox/redirect/{attempt_id}"));
    let mut declined = None;

    let details: Value = match method {
        PaymentMethodType::Card => {
            let card = data.card.as_ref().ok_or_else(|| missing("payment_method_data[card]"))?;
            let number = CardNumber::parse(&card.number).map_err(card_error)?;
            let expiry_date = CardExpiry::parse(card.exp_month, card.exp_year, year_month(now)).map_err(card_error)?;
            if let Some(cvc) = &card.cvc {
                validate_cvc(cvc, number.brand()).map_err(card_error)?;
            }
            let flags = card_sandbox::flags(&number);
            let scenario = card_sandbox::scenario(&number);
            let details = json!({
                "type": "card",
                "card": {
                    "brand": number.brand().as_str(),
                    "last4": number.last4(),
                    "exp_month": expiry_date.month,
                    "exp_year": expiry_date.year,
                    "fingerprint": number.fingerprint(&state.config.fingerprint_key),
                    "funding": "credit",
                    "country": card_sandbox::issuing_country(&number),
                    "three_d_secure": Value::Null,
                },
                "billing_details": billing_json(&billing),
            });
            let mut flag_json = json!({
                "dispute": flags.dispute.map(|dispute| dispute.as_str()),
                "refund_fails_async": flags.refund_fails_async,
            });
            intent.payment_method_details = Some(details.to_string());
            match scenario {
                card_sandbox::CardScenario::Approve | card_sandbox::CardScenario::ThreeDsOptional => {
                    outcome::authorized(&mut intent, &mut attempt, now)?;
                }
                card_sandbox::CardScenario::Decline(decline) => {
                    outcome::failed(
                        &mut intent,
                        &mut attempt,
                        decline.code,
                        Some(decline.decline_code),
                        decline.message,
                        now,
                    )?;
                    declined = Some(ApiError::card(None, decline.code, Some(decline.decline_code), decline.message));
                }
                card_sandbox::CardScenario::ThreeDsRequired { after } => {
                    flag_json["after_three_d_secure"] = match after {
                        card_sandbox::AfterThreeDs::Approve => json!({"outcome": "approve"}),
                        card_sandbox::AfterThreeDs::Decline(decline) => json!({
                            "outcome": "decline",
                            "code": decline.code,
                            "decline_code": decline.decline_code,
                            "message": decline.message,
                        }),
                    };
                    let url = state.url(&format!("/sandbox/3ds/{attempt_id}"));
                    let next_action = json!({
                        "type": "three_d_secure",
                        "three_d_secure": { "url": url, "return_url": return_url },
                    });
                    outcome::action_required(&mut intent, &mut attempt, next_action, None, now)?;
                }
            }
            attempt.flags = flag_json.to_string();
            details
        }
        PaymentMethodType::Paypal => {
            let return_url = redirect_return_url(&return_url, method)?;
            let order_id = paypal::order_id(rand::random());
            attempt.reference = Some(order_id.clone());
            let details = json!({"type": "paypal", "paypal": {"order_id": order_id, "payer_email": billing.email}});
            let next_action = json!({
                "type": "redirect_to_url",
                "redirect_to_url": { "url": sandbox_page, "return_url": return_url },
            });
            outcome::action_required(&mut intent, &mut attempt, next_action, expiry, now)?;
            details
        }
        PaymentMethodType::Ideal | PaymentMethodType::Sofort => {
            let return_url = redirect_return_url(&return_url, method)?;
            let details = if method == PaymentMethodType::Ideal {
                let bank = data.ideal.as_ref().and_then(|ideal| ideal.bank.clone());
                json!({"type": "ideal", "ideal": {"bank": bank}})
            } else {
                let sofort_data = data.sofort.as_ref();
                let sofort_country = sofort_data.and_then(|sofort| sofort.country.clone()).or(country.clone());
                let iban = sofort_data.and_then(|sofort| sofort.iban.clone());
                let succeeds = matches!(sofort::outcome_for_account(iban.as_deref()), sofort::SofortOutcome::Succeeds);
                attempt.flags = json!({"sofort_succeeds": succeeds}).to_string();
                let iban_last4 = iban
                    .as_ref()
                    .map(|iban| iban.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect::<String>());
                json!({"type": "sofort", "sofort": {"country": sofort_country, "iban_last4": iban_last4}})
            };
            let next_action = json!({
                "type": "redirect_to_url",
                "redirect_to_url": { "url": sandbox_page, "return_url": return_url },
            });
            outcome::action_required(&mut intent, &mut attempt, next_action, expiry, now)?;
            details
        }
        PaymentMethodType::Grabpay | PaymentMethodType::Gopay | PaymentMethodType::Shopeepay => {
            let flow = wallet_data(data, method)
                .and_then(|wallet| wallet.flow.clone())
                .unwrap_or_else(|| "redirect".to_owned());
            let next_action = match flow.as_str() {
                "qr_code" => {
                    let payload = wallet::qr_payload(method, &attempt_id, intent.amount, currency);
                    json!({
                        "type": "display_qr_code",
                        "display_qr_code": {
                            "data": payload,
                            "image_url_svg": state.url(&format!("/sandbox/qr/{attempt_id}.svg")),
                            "hosted_page_url": sandbox_page,
                            "expires_at": expiry,
                        },
                    })
                }
                "redirect" => {
                    let return_url = redirect_return_url(&return_url, method)?;
                    json!({
                        "type": "redirect_to_url",
                        "redirect_to_url": { "url": sandbox_page, "return_url": return_url },
                    })
                }
                _ => {
                    let param = format!("payment_method_data[{}][flow]", method.as_str());
                    return Err(ApiError::invalid(
                        &param,
                        "parameter_invalid",
                        format!("`{param}` must be `redirect` or `qr_code`."),
                    ));
                }
            };
            outcome::action_required(&mut intent, &mut attempt, next_action, expiry, now)?;
            json!({"type": method.as_str(), (method.as_str()): {"flow": flow}})
        }
        PaymentMethodType::Boleto => {
            let boleto_data = data.boleto.as_ref().ok_or_else(|| missing("payment_method_data[boleto]"))?;
            let tax_id = BrazilianTaxId::parse(&boleto_data.tax_id).map_err(|error| {
                ApiError::invalid("payment_method_data[boleto][tax_id]", "tax_id_invalid", error.to_string())
            })?;
            let name = billing.name.clone().or_else(|| customer.get("name").and_then(Value::as_str).map(str::to_owned));
            if name.is_none() {
                return Err(missing("payment_method_data[billing_details][name]"));
            }
            let issued_at = OffsetDateTime::from_unix_timestamp(now).unwrap_or(OffsetDateTime::UNIX_EPOCH);
            let voucher =
                boleto::issue(rand::random::<u64>() % 10_000_000_000, intent.amount, issued_at, BOLETO_DAYS_VALID)
                    .map_err(|error| ApiError::invalid("amount", "amount_out_of_range", error.to_string()))?;
            let expires_at = voucher.expires_at.unix_timestamp();
            attempt.reference = Some(voucher.barcode.clone());
            let next_action = json!({
                "type": "display_voucher",
                "display_voucher": {
                    "number": voucher.digitable_line,
                    "barcode": voucher.barcode,
                    "due_date": voucher.due_date.to_string(),
                    "hosted_voucher_url": state.url(&format!("/sandbox/boleto/{attempt_id}")),
                    "expires_at": expires_at,
                },
            });
            outcome::action_required(&mut intent, &mut attempt, next_action, Some(expires_at), now)?;
            let kind = match tax_id.kind {
                BrazilianTaxIdKind::Cpf => "cpf",
                BrazilianTaxIdKind::Cnpj => "cnpj",
            };
            let masked = format!("***{}", &tax_id.digits[tax_id.digits.len().saturating_sub(4)..]);
            json!({
                "type": "boleto",
                "boleto": {
                    "tax_id_kind": kind,
                    "tax_id_masked": masked,
                    "payer_name": name,
                    "number": voucher.digitable_line,
                    "due_date": voucher.due_date.to_string(),
                },
                "billing_details": billing_json(&billing),
            })
        }
        PaymentMethodType::BankTransfer => {
            let reference = bank_transfer::reference(rand::random());
            attempt.reference = Some(reference.clone());
            let next_action = transfer_instructions(&reference, intent.amount, currency);
            outcome::action_required(&mut intent, &mut attempt, next_action, expiry, now)?;
            json!({"type": "bank_transfer", "bank_transfer": {"reference": reference}})
        }
        PaymentMethodType::CashOnDelivery => {
            let amount = format_minor_units(Money::new(intent.amount, currency));
            let next_action = json!({
                "type": "awaiting_delivery",
                "awaiting_delivery": {
                    "message": format!("Pay {amount} {} in cash to the courier at delivery.", currency.code()),
                    "amount": intent.amount,
                    "currency": currency.lowercase_code(),
                },
            });
            outcome::action_required(&mut intent, &mut attempt, next_action, expiry, now)?;
            json!({"type": "cash_on_delivery", "cash_on_delivery": {"phone": billing.phone}})
        }
    };

    attempt.payment_method_details = details.to_string();
    intent.payment_method_details = Some(details.to_string());
    intent.payment_method_type = Some(method.as_str().to_owned());
    intent.latest_attempt_id = Some(attempt_id);
    intent.connector = Some(attempt.connector.clone());
    intent.return_url = return_url;
    intent.updated_at = now;
    Ok(Confirmed { intent, attempt, declined })
}

fn billing_json(billing: &crate::wire::payment_method_data::BillingDetails) -> Value {
    json!({"name": billing.name, "email": billing.email, "phone": billing.phone})
}

/// The `awaiting_transfer` instructions for what is still owed.
pub fn transfer_instructions(reference: &str, remaining_minor: i64, currency: Currency) -> Value {
    let account = bank_transfer::receiving_account(currency);
    json!({
        "type": "awaiting_transfer",
        "awaiting_transfer": {
            "reference": reference,
            "amount_remaining": remaining_minor,
            "currency": currency.lowercase_code(),
            "bank_account": {
                "account_holder_name": account.account_holder_name,
                "iban": account.iban,
                "bic": account.bic,
                "bank_name": account.bank_name,
            },
        },
    })
}
