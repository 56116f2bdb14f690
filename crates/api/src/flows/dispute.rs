//! Disputes in the sandbox, as Stripe's test cards behave: a card payment with
//! `4000000000000259` (fraudulent) or `4000000000002685` (product not received) is
//! disputed once it has succeeded, and `4000000000001976` opens an inquiry. The due-work
//! sweep opens them (so tests drive it with the sandbox clock), gives the merchant
//! [`EVIDENCE_WINDOW_SECONDS`] to answer, and has the bank decide
//! [`DECISION_DELAY_SECONDS`] after evidence arrives: evidence whose
//! `uncategorized_text` is `losing_evidence` loses, any other evidence wins. Unanswered
//! by the deadline, a chargeback is lost and an inquiry closes. Evidence may name files
//! (`receipt`, `uncategorized_file`, …): each must be the merchant's own upload with
//! purpose `dispute_evidence`, and evidence of files alone is evidence like any other.
//!
//! An inquiry whose submitted evidence loses *escalates* when the bank decides: it
//! becomes a chargeback in `needs_response` with a new [`EVIDENCE_WINDOW_SECONDS`]
//! deadline, for what is left unrefunded of the payment, and the money of a chargeback
//! opening (amount and dispute fee withdrawn) moves in that same transaction. Its
//! `submission_count` starts again at 0, so the merchant submits evidence once more for
//! the chargeback, which is then won or lost as above. Any other evidence closes the
//! inquiry; an inquiry whose payment was refunded in full meanwhile closes too.
//!
//! Every change is one transaction: the dispute's conditional update, its ledger
//! transfers and balance transaction (`dispute_money`), and its event. Opening also
//! touches the payment's row conditionally on its refunded total, and a refund checks for
//! a dispute after reserving its amount on that row, so a refund and a dispute that race
//! cannot both take the same money.

use crate::error::{ApiError, ApiResult};
use crate::extract::Authenticated;
use crate::flows::{dispute_money, events, files, validate};
use crate::state::AppState;
use crate::wire::dispute::{DisputeObject, Evidence, UpdateDispute};
use tradewind_payments::dispute::{Decision, DisputeError, DisputeReason, DisputeStatus};
use tradewind_payments::id::DisputeId;
use tradewind_storage::disputes::{self, Disputable, DisputeRow};
use tradewind_storage::payment_intents::{self, PaymentIntentRow};

const DAY_SECONDS: i64 = 86_400;
/// How long the merchant has to answer a dispute.
pub const EVIDENCE_WINDOW_SECONDS: i64 = 7 * DAY_SECONDS;
/// How long the bank takes to decide once evidence is submitted.
pub const DECISION_DELAY_SECONDS: i64 = DAY_SECONDS;
/// The evidence text that makes the sandbox bank decide for the buyer.
pub const LOSING_EVIDENCE: &str = "losing_evidence";
/// Longest text one evidence field may hold (Stripe's limit).
pub const EVIDENCE_TEXT_LENGTH_MAX: usize = 20_000;

/// Rows handled per query, and queries per sweep step: a bound on one step's work.
const BATCH_SIZE: i64 = 100;
const BATCHES_MAX: usize = 20;

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("dispute", id)
}

fn status_of(row: &DisputeRow) -> ApiResult<DisputeStatus> {
    DisputeStatus::parse(&row.status).ok_or_else(|| {
        ApiError::internal(&std::io::Error::other(format!("dispute {} has status {}", row.id, row.status)))
    })
}

fn transition_error(error: DisputeError) -> ApiError {
    let code = match error {
        DisputeError::AlreadyClosed { .. } => "dispute_already_closed",
        DisputeError::UnderReview => "dispute_under_review",
        DisputeError::NotUnderReview { .. } => "dispute_not_under_review",
    };
    ApiError::conflict(code, error.to_string())
}

fn lost_race() -> ApiError {
    ApiError::conflict("dispute_unexpected_state", "The dispute changed while this request ran; retrieve it and retry.")
}

/// The dispute scenario a sandbox card's flags name: its reason and whether it is only
/// an inquiry. `None` for cards that open no dispute.
fn scenario(flags: &str) -> Option<(DisputeReason, bool)> {
    let flags: serde_json::Value = serde_json::from_str(flags).ok()?;
    match flags["dispute"].as_str()? {
        "fraudulent" => Some((DisputeReason::Fraudulent, false)),
        "product_not_received" => Some((DisputeReason::ProductNotReceived, false)),
        "inquiry" => Some((DisputeReason::General, true)),
        _ => None,
    }
}

/// Due work: opens the disputes that sandbox cards call for, then applies deadlines and
/// decisions that are due at `now`. Returns how many disputes changed.
pub async fn run_due(state: &AppState, merchant_id: &str, now: i64) -> ApiResult<u64> {
    let mut changed = 0;
    for _ in 0..BATCHES_MAX {
        let candidates = disputes::disputable(state.store.pool(), merchant_id, BATCH_SIZE).await?;
        let mut progressed = false;
        for candidate in &candidates {
            if open(state, merchant_id, candidate, now).await? {
                progressed = true;
                changed += 1;
            }
        }
        if !progressed {
            break;
        }
    }
    for _ in 0..BATCHES_MAX {
        let due = disputes::due(state.store.pool(), merchant_id, now, BATCH_SIZE).await?;
        let mut progressed = false;
        for dispute in &due {
            if settle_due(state, dispute, now).await? {
                progressed = true;
                changed += 1;
            }
        }
        if !progressed {
            break;
        }
    }
    Ok(changed)
}

/// Opens the dispute a payment's card calls for; false when there is nothing to open
/// (another sweep opened it, or the payment was refunded meanwhile).
async fn open(state: &AppState, merchant_id: &str, candidate: &Disputable, now: i64) -> ApiResult<bool> {
    let Some((reason, inquiry)) = scenario(&candidate.flags) else { return Ok(false) };
    let intent = payment_intents::get(state.store.pool(), merchant_id, &candidate.payment_intent_id).await?;
    let Some(intent) = intent else { return Ok(false) };
    // The fee is read before the transaction: it may look up an exchange rate.
    let fee = if inquiry { 0 } else { dispute_money::dispute_fee(state, &intent, now).await? };
    let mut transaction = state.store.begin().await?;
    let Some(intent) = payment_intents::get_in(transaction.connection(), merchant_id, &intent.id).await? else {
        return Ok(false);
    };
    let amount = intent.amount_received - intent.amount_refunded;
    if intent.status != "succeeded" || amount <= 0 {
        return Ok(false);
    }
    if !disputes::hold_payment(transaction.connection(), &intent.id, intent.amount_refunded, now).await? {
        return Ok(false);
    }
    let status = DisputeStatus::opened(inquiry);
    let row = DisputeRow {
        id: DisputeId::generate().to_string(),
        merchant_id: merchant_id.to_owned(),
        payment_intent_id: intent.id.clone(),
        amount,
        currency: intent.currency.clone(),
        fee,
        status: status.as_str().to_owned(),
        reason: reason.as_str().to_owned(),
        evidence: "{}".to_owned(),
        submission_count: 0,
        due_by: now.saturating_add(EVIDENCE_WINDOW_SECONDS),
        scheduled_at: Some(now.saturating_add(EVIDENCE_WINDOW_SECONDS)),
        metadata: "{}".to_owned(),
        created_at: now,
        updated_at: now,
    };
    if !disputes::insert(transaction.connection(), &row).await? {
        return Ok(false);
    }
    let data = DisputeObject::from_row(&row, now).to_value();
    let mut event_types = vec!["charge.dispute.created"];
    if !inquiry {
        dispute_money::opened_effects(state, transaction.connection(), &intent, &row, now)
            .await?
            .write_in(&state.store, transaction.connection(), now)
            .await?;
        event_types.push("charge.dispute.funds_withdrawn");
    }
    for event_type in event_types {
        let event = events::event(merchant_id, event_type, &row.id, &data, now);
        tradewind_storage::events::insert(transaction.connection(), &event).await?;
    }
    transaction.commit().await?;
    Ok(true)
}

/// Whether the sandbox bank decides `row`'s evidence for the buyer.
fn loses(row: &DisputeRow) -> bool {
    Evidence::from_column(&row.evidence).uncategorized_text.as_deref() == Some(LOSING_EVIDENCE)
}

/// Applies a due deadline or decision to one dispute; false when it was not due after
/// all (another change got there first).
async fn settle_due(state: &AppState, dispute: &DisputeRow, now: i64) -> ApiResult<bool> {
    // An inquiry about to escalate needs the dispute fee, read before the transaction
    // (it may look up an exchange rate).
    let escalation_fee = if dispute.status == DisputeStatus::WarningUnderReview.as_str() && loses(dispute) {
        match payment_intents::get(state.store.pool(), &dispute.merchant_id, &dispute.payment_intent_id).await? {
            Some(intent) => Some(dispute_money::dispute_fee(state, &intent, now).await?),
            None => None,
        }
    } else {
        None
    };
    let mut transaction = state.store.begin().await?;
    let Some(row) = disputes::get_in(transaction.connection(), &dispute.merchant_id, &dispute.id).await? else {
        return Ok(false);
    };
    if row.scheduled_at.is_none_or(|at| at > now) {
        return Ok(false);
    }
    let status = status_of(&row)?;
    let next = match status {
        DisputeStatus::NeedsResponse | DisputeStatus::WarningNeedsResponse => status.deadline_passed(),
        DisputeStatus::UnderReview | DisputeStatus::WarningUnderReview => {
            status.decide(if loses(&row) { Decision::ForBuyer } else { Decision::ForMerchant })
        }
        closed => Err(DisputeError::AlreadyClosed { status: closed }),
    };
    let next = next.map_err(|error| {
        ApiError::internal(&std::io::Error::other(format!("dispute {} is scheduled but {error}", row.id)))
    })?;
    let changed = if status.is_inquiry() && !next.is_inquiry() {
        // The evidence changed since it was read without the fee: the next sweep retries.
        let Some(fee) = escalation_fee else { return Ok(false) };
        escalate(state, transaction.connection(), row, fee, now).await?
    } else {
        change_status(state, transaction.connection(), row, status, next, now).await?.is_some()
    };
    if !changed {
        return Ok(false);
    }
    transaction.commit().await?;
    Ok(true)
}

/// Turns an inquiry under review into a chargeback awaiting a response, withdrawing its
/// money (see the module doc); false when another change won the race (nothing to keep,
/// the caller rolls back). A payment refunded in full meanwhile leaves nothing to
/// dispute: the inquiry closes instead.
async fn escalate(
    state: &AppState,
    connection: &mut tradewind_storage::Connection,
    mut row: DisputeRow,
    fee: i64,
    now: i64,
) -> ApiResult<bool> {
    let from = DisputeStatus::WarningUnderReview;
    let Some(intent) = payment_intents::get_in(&mut *connection, &row.merchant_id, &row.payment_intent_id).await?
    else {
        return Ok(false);
    };
    let amount = intent.amount_received - intent.amount_refunded;
    if intent.status != "succeeded" || amount <= 0 {
        let closed = change_status(state, connection, row, from, DisputeStatus::WarningClosed, now).await?;
        return Ok(closed.is_some());
    }
    // Serialises with refunds as opening a dispute does (see `disputes::hold_payment`).
    if !disputes::hold_payment(&mut *connection, &intent.id, intent.amount_refunded, now).await? {
        return Ok(false);
    }
    let due_by = now.saturating_add(EVIDENCE_WINDOW_SECONDS);
    row.status = DisputeStatus::NeedsResponse.as_str().to_owned();
    row.amount = amount;
    row.fee = fee;
    row.due_by = due_by;
    row.scheduled_at = Some(due_by);
    row.submission_count = 0;
    row.updated_at = now;
    if !disputes::update(&mut *connection, &row, from.as_str()).await? {
        return Ok(false);
    }
    dispute_money::opened_effects(state, &mut *connection, &intent, &row, now)
        .await?
        .write_in(&state.store, &mut *connection, now)
        .await?;
    let data = DisputeObject::from_row(&row, now).to_value();
    for event_type in ["charge.dispute.updated", "charge.dispute.funds_withdrawn"] {
        let event = events::event(&row.merchant_id, event_type, &row.id, &data, now);
        tradewind_storage::events::insert(&mut *connection, &event).await?;
    }
    Ok(true)
}

/// Moves `row` from `from` to `to` with the money and events that go with it; `None`
/// when another change won the race (nothing written, the caller rolls back).
async fn change_status(
    state: &AppState,
    connection: &mut tradewind_storage::Connection,
    mut row: DisputeRow,
    from: DisputeStatus,
    to: DisputeStatus,
    now: i64,
) -> ApiResult<Option<DisputeRow>> {
    row.status = to.as_str().to_owned();
    row.scheduled_at = None;
    row.updated_at = now;
    if !disputes::update(&mut *connection, &row, from.as_str()).await? {
        return Ok(None);
    }
    let intent = payment_intents::get_in(&mut *connection, &row.merchant_id, &row.payment_intent_id)
        .await?
        .ok_or_else(|| ApiError::internal(&std::io::Error::other(format!("dispute {} has no payment", row.id))))?;
    let effects = match to {
        DisputeStatus::Won => dispute_money::won_effects(&mut *connection, &intent, &row, now).await?,
        DisputeStatus::Lost => dispute_money::lost_effects(&mut *connection, &intent, &row).await?,
        _ => Default::default(),
    };
    effects.write_in(&state.store, &mut *connection, now).await?;
    let data = DisputeObject::from_row(&row, now).to_value();
    let mut event_types = vec!["charge.dispute.closed"];
    if to == DisputeStatus::Won {
        event_types.push("charge.dispute.funds_reinstated");
    }
    for event_type in event_types {
        let event = events::event(&row.merchant_id, event_type, &row.id, &data, now);
        tradewind_storage::events::insert(&mut *connection, &event).await?;
    }
    Ok(Some(row))
}

fn check_update(request: &UpdateDispute) -> ApiResult<()> {
    if let Some(evidence) = &request.evidence {
        for (name, value) in evidence.text_fields() {
            if value.as_ref().is_some_and(|text| text.chars().count() > EVIDENCE_TEXT_LENGTH_MAX) {
                return Err(ApiError::invalid(
                    format!("evidence[{name}]"),
                    "parameter_invalid",
                    format!("`evidence[{name}]` must be at most {EVIDENCE_TEXT_LENGTH_MAX} characters."),
                ));
            }
        }
    }
    if let Some(metadata) = &request.metadata {
        validate::metadata(metadata)?;
    }
    Ok(())
}

async fn find(state: &AppState, auth: &Authenticated, id: &str) -> ApiResult<DisputeRow> {
    DisputeId::parse(id).map_err(|_| not_found(id))?;
    disputes::get(state.store.pool(), auth.merchant_id.as_str(), id).await?.ok_or_else(|| not_found(id))
}

/// `POST /v1/disputes/{id}`: saves or submits evidence, or updates metadata.
pub async fn update(state: &AppState, auth: &Authenticated, id: &str, request: UpdateDispute) -> ApiResult<DisputeRow> {
    let now = auth.now(state);
    check_update(&request)?;
    let row = find(state, auth, id).await?;
    if let Some(evidence) = &request.evidence {
        for (name, value) in evidence.file_fields() {
            if let Some(file_id) = value {
                let param = format!("evidence[{name}]");
                files::check_evidence_file(state, auth.merchant_id.as_str(), &param, file_id).await?;
            }
        }
    }
    let status = status_of(&row)?;
    let evidence_change = request.evidence.is_some() || request.submit.is_some();
    let next = match (evidence_change, request.submit.unwrap_or(true)) {
        (false, _) => status,
        (true, true) => status.submit_evidence().map_err(transition_error)?,
        (true, false) => status.check_evidence_editable().map(|()| status).map_err(transition_error)?,
    };
    let mut updated = row.clone();
    if let Some(evidence) = request.evidence {
        let merged = Evidence::from_column(&row.evidence).merged(evidence);
        updated.evidence = serde_json::to_string(&merged).map_err(|error| ApiError::internal(&error))?;
    }
    if let Some(metadata) = &request.metadata {
        updated.metadata = serde_json::to_string(metadata).map_err(|error| ApiError::internal(&error))?;
    }
    if next != status {
        updated.status = next.as_str().to_owned();
        updated.submission_count = row.submission_count.saturating_add(1);
        updated.scheduled_at = Some(now.saturating_add(DECISION_DELAY_SECONDS));
    }
    updated.updated_at = now;
    let mut transaction = state.store.begin().await?;
    if !disputes::update(transaction.connection(), &updated, status.as_str()).await? {
        return Err(lost_race());
    }
    let data = DisputeObject::from_row(&updated, now).to_value();
    let event = events::event(&updated.merchant_id, "charge.dispute.updated", &updated.id, &data, now);
    tradewind_storage::events::insert(transaction.connection(), &event).await?;
    transaction.commit().await?;
    Ok(updated)
}

/// `POST /v1/disputes/{id}/close`: accepts the dispute (a chargeback is lost at once).
pub async fn close(state: &AppState, auth: &Authenticated, id: &str) -> ApiResult<DisputeRow> {
    let now = auth.now(state);
    let row = find(state, auth, id).await?;
    let status = status_of(&row)?;
    let next = status.close().map_err(transition_error)?;
    let mut transaction = state.store.begin().await?;
    let closed = change_status(state, transaction.connection(), row, status, next, now).await?.ok_or_else(lost_race)?;
    transaction.commit().await?;
    Ok(closed)
}

/// Refuses a refund of a payment under a chargeback. Called inside the refund's
/// transaction after its amount was reserved on the payment's row, so a dispute opening
/// at the same time either is seen here or fails its own conditional update.
pub async fn check_refundable(
    connection: &mut tradewind_storage::Connection,
    intent: &PaymentIntentRow,
) -> ApiResult<()> {
    let dispute = disputes::for_payment(connection, &intent.merchant_id, &intent.id).await?;
    match dispute.as_ref().map(status_of).transpose()? {
        Some(status) if !status.is_inquiry() => Err(ApiError::conflict(
            "charge_disputed",
            format!(
                "This PaymentIntent is disputed (the dispute's status is {}); it cannot be refunded.",
                status.as_str()
            ),
        )),
        _ => Ok(()),
    }
}
