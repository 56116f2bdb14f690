//! The ledger's tables: accounts with their four running totals, and append-only
//! transfers. Posting a batch is the same four steps on every path:
//!
//! 1. load the accounts and transfers the batch names ([`tradewind_ledger::prefetch`]),
//!    opening accounts that do not exist yet (zero balances, their kind's flags);
//! 2. validate the batch against them ([`tradewind_ledger::plan()`]), refusing it whole
//!    on the first broken rule;
//! 3. assert the plan's invariants ([`tradewind_ledger::check_plan`]): per currency the
//!    new transfers balance and no limit is broken;
//! 4. write the plan: new transfers, final balances (conditional on the balances read,
//!    so a concurrent writer makes the write fail rather than be overwritten), and holds
//!    posted or voided.
//!
//! Two executors share steps 2–4: [`post_on_writer`] runs on SQLite's writer thread
//! (rusqlite, no thread hop per statement; how the ledger reaches 100,000 transfers a
//! second there; it keeps the balances it plans in memory and updates each changed
//! account once per group, as the group commits), [`post_in`] on any sqlx connection
//! inside a transaction (PostgreSQL, and SQLite's interactive transactions). There the
//! accounts are read without a lock; a batch whose limit checks depended on the balances
//! read then reads its guarded accounts `FOR UPDATE`, in id order, and writes them
//! conditionally; every other change is an increment written last, its rows locked in
//! id order too, so concurrent batches never deadlock. A batch that resolves no hold
//! skips reading stored transfers (see [`post_in`]).
//!
//! On PostgreSQL those increments are not updates but rows of `ledger_account_deltas`,
//! so no payment waits on another's row lock (the accounts every payment shares would
//! otherwise serialise the commits); [`fold_deltas`] adds them into their accounts in
//! the background, and every read of an account returns its row plus its unfolded
//! deltas ([`select_balances`]). A locked account is still updated in place, by the
//! change its plan made to the balances read under the lock.

use crate::batch::{SqlValue, in_list, numbered};
use crate::{Backend, Connection, StoreError, StoreResult};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use tradewind_ledger::{
    Account, AccountChange, AccountFlags, AccountId, Balances, LedgerView, PendingState, Plan, PlannedTransfer,
    StoredTransfer, Transfer, TransferCode, TransferId, TransferKind, check_plan, plan, prefetch,
};
use tradewind_money::Currency;

mod deltas;
mod on_writer;
mod one_statement;

pub use deltas::{DELTAS_VACUUM_AFTER_ROWS, VacuumDue, fold_deltas, vacuum_deltas};
use deltas::{closing_increments_sql, delta_of, increment_accounts};
pub(crate) use on_writer::{forget_written_accounts, post_on_writer, write_deferred_balances};
use one_statement::{OneStatement, post_in_one_statement};

/// Ids one `IN (…)` list may hold on the sqlx path.
const IN_LIST_MAX: usize = 500;

/// Account ids a [`KnownAccounts`] holds before it starts over.
const KNOWN_ACCOUNTS_MAX: usize = 65_536;

/// Accounts this store has seen committed. Accounts are never deleted, so a posting
/// that names only these has none to open: PostgreSQL's one statement then skips its
/// insert-if-absent (35 values and a lookup per account, on every capture). An id is
/// added only once a statement found it stored by another transaction, never for an
/// account the statement opened itself (that transaction may still roll back).
#[derive(Clone, Default)]
pub(crate) struct KnownAccounts(Arc<RwLock<HashSet<String>>>);

impl KnownAccounts {
    /// Those of `ids` not known (all of them if the set is poisoned: they are then
    /// opened if absent), under one read lock.
    fn unknown<'a>(&self, ids: &[&'a AccountId]) -> Vec<&'a AccountId> {
        match self.0.read() {
            Ok(known) => ids.iter().copied().filter(|id| !known.contains(id.as_str())).collect(),
            Err(_) => ids.to_vec(),
        }
    }

    /// Remembers `ids`; takes the write lock only when there is one.
    fn add(&self, ids: &[&AccountId]) {
        if ids.is_empty() {
            return;
        }
        let Ok(mut known) = self.0.write() else {
            return;
        };
        for id in ids {
            if known.len() >= KNOWN_ACCOUNTS_MAX {
                known.clear();
            }
            known.insert(id.as_str().to_owned());
        }
    }
}

/// What a posted batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Posted {
    /// Transfers written by this batch.
    pub created: usize,
    /// Transfers of the batch that already existed with the same content (no-ops).
    pub existed: usize,
}

/// The rows a batch may read, prefetched.
#[derive(Default)]
struct Loaded {
    accounts: HashMap<AccountId, Account>,
    transfers: HashMap<TransferId, StoredTransfer>,
}

impl LedgerView for Loaded {
    fn account(&self, id: &AccountId) -> Option<&Account> {
        self.accounts.get(id)
    }

    fn transfer(&self, id: &TransferId) -> Option<&StoredTransfer> {
        self.transfers.get(id)
    }
}

/// A transfer's stored row.
macro_rules! select_transfer {
    () => {
        "SELECT id, debit_account_id, credit_account_id, amount_minor, currency, code, kind, pending_id, \
         pending_state, source_id FROM ledger_transfers"
    };
}
const SELECT_TRANSFER: &str = select_transfer!();
/// One transfer by id (SQLite's writer, see `on_writer`).
const SELECT_TRANSFER_BY_ID: &str = concat!(select_transfer!(), " WHERE id = $1");
/// An account's stored row by id, which is all of it on SQLite (see [`select_balances`]).
const SELECT_ACCOUNT_BY_ID: &str = "SELECT id, flags, negative_limit_minor, debits_pending, debits_posted, \
    credits_pending, credits_posted FROM ledger_accounts WHERE id = $1";
/// [`SELECT_ACCOUNT_BY_ID`]'s columns with each total as of now: the account's row plus its
/// unfolded deltas (PostgreSQL; SQLite never writes any), for the accounts `filter`
/// (a condition on `ledger_accounts`' columns, unqualified; its parameters may be used
/// twice) selects. One statement, so the row and its deltas are read in one snapshot.
fn select_balances(filter: &str) -> String {
    format!(
        "SELECT id, flags, negative_limit_minor, debits_pending + COALESCE(delta_debits_pending, 0), \
         debits_posted + COALESCE(delta_debits_posted, 0), credits_pending + COALESCE(delta_credits_pending, 0), \
         credits_posted + COALESCE(delta_credits_posted, 0) FROM ledger_accounts LEFT JOIN (SELECT account_id, \
         CAST(SUM(debits_pending) AS BIGINT) AS delta_debits_pending, \
         CAST(SUM(debits_posted) AS BIGINT) AS delta_debits_posted, \
         CAST(SUM(credits_pending) AS BIGINT) AS delta_credits_pending, \
         CAST(SUM(credits_posted) AS BIGINT) AS delta_credits_posted FROM ledger_account_deltas \
         WHERE account_id IN (SELECT id FROM ledger_accounts WHERE {filter}) GROUP BY account_id) AS deltas \
         ON deltas.account_id = ledger_accounts.id WHERE {filter}"
    )
}

macro_rules! account_columns {
    () => {
        "(id, merchant_id, kind, currency, flags, negative_limit_minor, created_at)"
    };
}
/// An account row's insert; opening on demand leaves an existing account alone, opening
/// with settings updates its negative limit.
macro_rules! insert_account {
    () => {
        concat!(
            "INSERT INTO ledger_accounts ",
            account_columns!(),
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO "
        )
    };
}
const ACCOUNT_COLUMNS: &str = account_columns!();
const INSERT_ACCOUNT: &str = concat!(insert_account!(), "NOTHING");
const UPSERT_ACCOUNT: &str =
    concat!(insert_account!(), "UPDATE SET negative_limit_minor = excluded.negative_limit_minor");
/// The head of a transfer insert, shared by the one-row statement (SQLite's writer) and
/// the multi-row statements (the sqlx path).
macro_rules! insert_transfer_head {
    () => {
        "INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount_minor, currency, code, kind, \
         pending_id, pending_state, source_id, created_at) VALUES "
    };
}
const INSERT_TRANSFER_HEAD: &str = insert_transfer_head!();
const INSERT_TRANSFER: &str = concat!(insert_transfer_head!(), "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
const INSERT_TRANSFER_IF_NEW: &str =
    concat!(insert_transfer_head!(), "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING");
const DELETE_TRANSFER: &str = "DELETE FROM ledger_transfers WHERE id = $1";
const UPDATE_BALANCES: &str = "UPDATE ledger_accounts SET debits_pending = $1, debits_posted = $2, \
    credits_pending = $3, credits_posted = $4 WHERE id = $5 AND debits_pending = $6 AND debits_posted = $7 \
    AND credits_pending = $8 AND credits_posted = $9 RETURNING id";
/// The writer thread's forms: it holds SQLite's only write lock, so no condition is
/// needed beyond the row existing.
const SET_BALANCES: &str = "UPDATE ledger_accounts SET debits_pending = $1, debits_posted = $2, \
    credits_pending = $3, credits_posted = $4 WHERE id = $5";
const RESOLVE_PENDING_EXECUTE: &str =
    "UPDATE ledger_transfers SET pending_state = $1 WHERE id = $2 AND pending_state = 'pending'";
const INCREMENT_BALANCES: &str = "UPDATE ledger_accounts SET debits_pending = debits_pending + $1, \
    debits_posted = debits_posted + $2, credits_pending = credits_pending + $3, \
    credits_posted = credits_posted + $4 WHERE id = $5 RETURNING id";
const RESOLVE_PENDING: &str =
    "UPDATE ledger_transfers SET pending_state = $1 WHERE id = $2 AND pending_state = 'pending' RETURNING id";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("ledger {what} `{value}`"))
}

struct AccountRow {
    id: String,
    flags: i64,
    negative_limit_minor: i64,
    balances: Balances,
}

fn account_from_row(row: AccountRow) -> StoreResult<Account> {
    let id = AccountId::parse(&row.id).map_err(|_| corrupt("account id", &row.id))?;
    let flags = u16::try_from(row.flags)
        .ok()
        .and_then(AccountFlags::from_bits)
        .ok_or_else(|| corrupt("account flags", &row.flags.to_string()))?;
    Ok(Account { id, balances: row.balances, flags, negative_limit_minor: row.negative_limit_minor })
}

struct TransferRow {
    id: String,
    debit_account_id: String,
    credit_account_id: String,
    amount_minor: i64,
    currency: String,
    code: String,
    kind: String,
    pending_id: Option<String>,
    pending_state: Option<String>,
    source_id: Option<String>,
}

fn transfer_from_row(row: TransferRow) -> StoreResult<StoredTransfer> {
    let id = TransferId::parse(&row.id).map_err(|_| corrupt("transfer id", &row.id))?;
    let account = |value: &str| AccountId::parse(value).map_err(|_| corrupt("account id", value));
    let pending_id = match &row.pending_id {
        Some(value) => Some(TransferId::parse(value).map_err(|_| corrupt("pending id", value))?),
        None => None,
    };
    let kind = TransferKind::from_parts(&row.kind, pending_id).ok_or_else(|| corrupt("transfer kind", &row.kind))?;
    let pending_state = match &row.pending_state {
        Some(value) => Some(PendingState::parse(value).ok_or_else(|| corrupt("pending state", value))?),
        None => None,
    };
    let source = match &row.source_id {
        Some(value) => Some(tradewind_ledger::SourceId::parse(value).map_err(|_| corrupt("source id", value))?),
        None => None,
    };
    let transfer = Transfer {
        id,
        debit_account: account(&row.debit_account_id)?,
        credit_account: account(&row.credit_account_id)?,
        amount_minor: row.amount_minor,
        currency: Currency::parse(&row.currency).map_err(|_| corrupt("currency", &row.currency))?,
        code: TransferCode::parse(&row.code).ok_or_else(|| corrupt("transfer code", &row.code))?,
        kind,
        source,
    };
    Ok(StoredTransfer { transfer, pending_state })
}

fn insert_account_values(account: &Account, now: i64) -> Vec<SqlValue> {
    let merchant = account.id.merchant_id().map(|merchant| merchant.as_str().to_owned());
    vec![
        SqlValue::Text(account.id.as_str().to_owned()),
        merchant.map_or(SqlValue::NullText, SqlValue::Text),
        SqlValue::Text(account.kind().as_str().to_owned()),
        SqlValue::Text(account.currency().code().to_owned()),
        SqlValue::Integer(i64::from(account.flags.bits())),
        SqlValue::Integer(account.negative_limit_minor),
        SqlValue::Integer(now),
    ]
}

/// A new transfer's row, borrowed from the plan (no copies on the hot path).
struct TransferColumns<'a> {
    id: &'a str,
    debit_account_id: &'a str,
    credit_account_id: &'a str,
    amount_minor: i64,
    currency: &'a str,
    code: &'static str,
    kind: &'static str,
    pending_id: Option<&'a str>,
    pending_state: Option<&'static str>,
    source_id: Option<&'a str>,
}

/// Columns of `INSERT_TRANSFER` and of each row of a multi-row insert.
const TRANSFER_COLUMNS: usize = 11;
/// Rows one multi-row insert carries on the sqlx path (11 parameters each, well under
/// PostgreSQL's 65,535).
const TRANSFER_ROWS_PER_INSERT: usize = 500;

fn transfer_columns<'a>(planned: &PlannedTransfer<'a>) -> TransferColumns<'a> {
    let transfer = planned.transfer;
    TransferColumns {
        id: transfer.id.as_str(),
        debit_account_id: transfer.debit_account.as_str(),
        credit_account_id: transfer.credit_account.as_str(),
        amount_minor: transfer.amount_minor,
        currency: transfer.currency.code(),
        code: transfer.code.as_str(),
        kind: transfer.kind.as_str(),
        pending_id: transfer.kind.pending_id().map(TransferId::as_str),
        pending_state: planned.pending_state.map(PendingState::as_str),
        source_id: transfer.source.as_ref().map(|source| source.as_str()),
    }
}

/// Whether `change` is written conditionally on the balances read, with its row read
/// `FOR UPDATE` first: a guarded account (a merchant's balances) in a batch that lowers
/// some account's headroom, or any account whose headroom the batch lowers. Every other
/// change is an increment.
fn is_locked(plan: &Plan<'_>, change: &AccountChange<'_>) -> bool {
    change.headroom_lowered || (is_guarded(change.id) && locks_guarded(plan))
}

/// Whether a limit check of `plan` depended on the balances read (a refund, a payout…;
/// not a capture). Then every guarded account of the batch is locked, in id order, so
/// locks are still taken in one global order: merchants' accounts (`acct_…`) sort
/// before the connectors' and the platform's, which are incremented last.
fn locks_guarded(plan: &Plan<'_>) -> bool {
    plan.accounts().iter().any(|change| change.headroom_lowered)
}

/// The statements that write `plan` besides its new transfers and its increments, each
/// with the count of rows it must return: locked accounts' balances and resolved holds.
/// On SQLite a locked account is written conditionally on the balances read; on
/// PostgreSQL its row is locked and its unfolded deltas are not in it, so the plan's
/// change is added to the row.
fn plan_statements(plan: &Plan<'_>, backend: Backend) -> Vec<(&'static str, Vec<SqlValue>, u64)> {
    let mut statements = Vec::with_capacity(plan.accounts().len() + plan.pending_changes().len());
    for change in plan.accounts().iter().filter(|change| is_locked(plan, change)) {
        let (after, before) = (change.after, change.before);
        if backend == Backend::Postgres {
            let mut values: Vec<SqlValue> = delta_of(change).into_iter().map(SqlValue::Integer).collect();
            values.push(SqlValue::Text(change.id.as_str().to_owned()));
            statements.push((INCREMENT_BALANCES, values, 1));
            continue;
        }
        statements.push((
            UPDATE_BALANCES,
            vec![
                SqlValue::Integer(after.debits_pending),
                SqlValue::Integer(after.debits_posted),
                SqlValue::Integer(after.credits_pending),
                SqlValue::Integer(after.credits_posted),
                SqlValue::Text(change.id.as_str().to_owned()),
                SqlValue::Integer(before.debits_pending),
                SqlValue::Integer(before.debits_posted),
                SqlValue::Integer(before.credits_pending),
                SqlValue::Integer(before.credits_posted),
            ],
            1,
        ));
    }
    for change in plan.pending_changes() {
        statements.push((
            RESOLVE_PENDING,
            vec![
                SqlValue::Text(change.state.as_str().to_owned()),
                SqlValue::Text(change.pending_id.as_str().to_owned()),
            ],
            1,
        ));
    }
    statements
}

fn checked_plan<'a>(loaded: &Loaded, batch: &'a [Transfer]) -> StoreResult<Plan<'a>> {
    let plan = plan(loaded, batch).map_err(StoreError::LedgerRejected)?;
    check_plan(&plan).map_err(|violation| StoreError::LedgerInvariant(violation.to_string()))?;
    Ok(plan)
}

fn concurrent_change() -> StoreError {
    StoreError::Corrupt("a ledger row changed under a locked batch".to_owned())
}

fn account_from_any(row: &AnyRow) -> StoreResult<Account> {
    account_from_row(AccountRow {
        id: row.try_get(0)?,
        flags: row.try_get(1)?,
        negative_limit_minor: row.try_get(2)?,
        balances: Balances {
            debits_pending: row.try_get(3)?,
            debits_posted: row.try_get(4)?,
            credits_pending: row.try_get(5)?,
            credits_posted: row.try_get(6)?,
        },
    })
}

fn transfer_from_any(row: &AnyRow) -> StoreResult<StoredTransfer> {
    transfer_from_row(TransferRow {
        id: row.try_get(0)?,
        debit_account_id: row.try_get(1)?,
        credit_account_id: row.try_get(2)?,
        amount_minor: row.try_get(3)?,
        currency: row.try_get(4)?,
        code: row.try_get(5)?,
        kind: row.try_get(6)?,
        pending_id: row.try_get(7)?,
        pending_state: row.try_get(8)?,
        source_id: row.try_get(9)?,
    })
}

fn bind_values<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    values: &'q [SqlValue],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for value in values {
        query = match value {
            SqlValue::NullInteger => query.bind(None::<i64>),
            SqlValue::NullText => query.bind(None::<String>),
            SqlValue::Integer(integer) => query.bind(*integer),
            SqlValue::Text(text) => query.bind(text.as_str()),
        };
    }
    query
}

/// Whether an account's kind carries a balance limit (a merchant's balances).
fn is_guarded(id: &AccountId) -> bool {
    id.kind().default_flags() != AccountFlags::NONE
}

async fn load_account_rows(
    connection: &mut Connection,
    ids: &[&AccountId],
    lock: bool,
    loaded: &mut Loaded,
) -> StoreResult<()> {
    for chunk in ids.chunks(IN_LIST_MAX) {
        let filter = format!("id IN ({})", in_list(chunk.len()));
        if lock {
            // The lock first, then the balances in a statement of their own: read in the
            // locking statement, deltas a concurrent fold moved into the row would be
            // counted twice (the locked row is re-read, the deltas are not).
            let sql = format!("SELECT id FROM ledger_accounts WHERE {filter} ORDER BY id FOR UPDATE");
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(id.as_str());
            }
            query.fetch_all(&mut *connection).await?;
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(select_balances(&filter)));
        for id in chunk {
            query = query.bind(id.as_str());
        }
        for row in query.fetch_all(&mut *connection).await? {
            let account = account_from_any(&row)?;
            loaded.accounts.insert(account.id.clone(), account);
        }
    }
    Ok(())
}

async fn load_transfer_rows(connection: &mut Connection, ids: &[&TransferId], loaded: &mut Loaded) -> StoreResult<()> {
    for chunk in ids.chunks(IN_LIST_MAX) {
        let sql = format!("{SELECT_TRANSFER} WHERE id IN ({})", in_list(chunk.len()));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(id.as_str());
        }
        for row in query.fetch_all(&mut *connection).await? {
            let stored = transfer_from_any(&row)?;
            loaded.transfers.insert(stored.transfer.id.clone(), stored);
        }
    }
    Ok(())
}

/// Reads the locked accounts of `plan` `FOR UPDATE` (PostgreSQL; SQLite's writer holds
/// the only write lock already) into `loaded`; answers whether any changed since read.
async fn lock_accounts(
    connection: &mut Connection,
    backend: Backend,
    plan: &Plan<'_>,
    loaded: &mut Loaded,
) -> StoreResult<bool> {
    if backend != Backend::Postgres {
        return Ok(false);
    }
    let ids: Vec<&AccountId> =
        plan.accounts().iter().filter(|change| is_locked(plan, change)).map(|change| change.id).collect();
    let mut locked = Loaded::default();
    load_account_rows(connection, &ids, true, &mut locked).await?;
    let mut changed = false;
    for (id, account) in locked.accounts {
        changed |= loaded.accounts.get(&id) != Some(&account);
        loaded.accounts.insert(id, account);
    }
    Ok(changed)
}

/// Inserts the plan's new transfers. `optimistic` (the plan was made without reading the
/// stored transfers) inserts only ids not yet written; if any was, it deletes what it
/// inserted again and answers `false`, for the caller to plan with the stored transfers.
async fn insert_transfers(
    connection: &mut Connection,
    plan: &Plan<'_>,
    now: i64,
    optimistic: bool,
) -> StoreResult<bool> {
    let mut inserted: Vec<String> = Vec::new();
    for chunk in plan.transfers().chunks(TRANSFER_ROWS_PER_INSERT) {
        let rows: Vec<String> =
            (0..chunk.len()).map(|row| numbered(row * TRANSFER_COLUMNS, TRANSFER_COLUMNS)).collect();
        let conflict = if optimistic { " ON CONFLICT (id) DO NOTHING RETURNING id" } else { "" };
        let sql = format!("{INSERT_TRANSFER_HEAD}{}{conflict}", rows.join(", "));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for planned in chunk {
            let row = transfer_columns(planned);
            query = query
                .bind(row.id)
                .bind(row.debit_account_id)
                .bind(row.credit_account_id)
                .bind(row.amount_minor)
                .bind(row.currency)
                .bind(row.code)
                .bind(row.kind)
                .bind(row.pending_id)
                .bind(row.pending_state)
                .bind(row.source_id)
                .bind(now);
        }
        if !optimistic {
            query.execute(&mut *connection).await?;
            continue;
        }
        let returned = query.fetch_all(&mut *connection).await?;
        let complete = returned.len() == chunk.len();
        for row in returned {
            inserted.push(row.try_get(0)?);
        }
        if !complete {
            let ids: Vec<&str> = inserted.iter().map(String::as_str).collect();
            for chunk in ids.chunks(IN_LIST_MAX) {
                let sql = format!("DELETE FROM ledger_transfers WHERE id IN ({})", in_list(chunk.len()));
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for id in chunk {
                    query = query.bind(*id);
                }
                query.execute(&mut *connection).await?;
            }
            return Ok(false);
        }
    }
    Ok(true)
}

/// Plans tried at most per batch: the first, again with the stored transfers (after an
/// optimistic plan was refused or its insert met a stored transfer), and again after
/// locked rows turned out changed.
const PLAN_ATTEMPTS_MAX: usize = 3;

/// Posts `batch` inside the open transaction on `connection` (sqlx: PostgreSQL, or an
/// interactive SQLite transaction holding the writer).
///
/// Round trips for a capture: on PostgreSQL one statement that opens its accounts,
/// inserts its transfers and their accounts' deltas ([`post_in_one_statement`]); on
/// SQLite one read of its accounts, one insert of its transfers and one increment
/// of its accounts. Otherwise the accounts are read without a lock and planned; only a
/// batch whose limit checks depended on the balances read (see [`AccountChange::headroom_lowered`]) reads its
/// guarded accounts again `FOR UPDATE` (re-planning if they changed) and writes them
/// under that lock. A batch that resolves no hold is planned without reading stored
/// transfers: its insert skips ids already written, and if there were any (a replay),
/// or the plan was refused, it is planned again with them.
pub async fn post_in(
    connection: &mut Connection,
    backend: Backend,
    batch: &[Transfer],
    now: i64,
) -> StoreResult<Posted> {
    post_with(connection, backend, batch, &[], now, false, None).await.map(|(posted, _)| posted)
}

/// [`post_in`], except that on PostgreSQL the increments (the delta insert) are not run
/// but answered, for the caller to send with its `COMMIT` ([`crate::final_commit`]):
/// one round trip fewer. `last_inserts` are plain inserts written before the
/// transfers (a payment's balance transaction and events; placeholders `$1`, `$2`, …):
/// a batch that can take [`post_in_one_statement`] carries them in that statement.
/// `known` is the store's [`KnownAccounts`].
pub(crate) async fn post_before_commit(
    connection: &mut Connection,
    backend: Backend,
    batch: &[Transfer],
    last_inserts: &[(&'static str, Vec<SqlValue>)],
    now: i64,
    known: &KnownAccounts,
) -> StoreResult<(Posted, Option<String>)> {
    post_with(connection, backend, batch, last_inserts, now, backend == Backend::Postgres, Some(known)).await
}

async fn post_with(
    connection: &mut Connection,
    backend: Backend,
    batch: &[Transfer],
    mut last_inserts: &[(&'static str, Vec<SqlValue>)],
    now: i64,
    defer_increments: bool,
    known: Option<&KnownAccounts>,
) -> StoreResult<(Posted, Option<String>)> {
    if backend == Backend::Postgres {
        match post_in_one_statement(connection, batch, last_inserts, now, known).await? {
            OneStatement::Posted(plan) => {
                return Ok((Posted { created: plan.created(), existed: plan.existed() }, None));
            }
            OneStatement::Replayed => last_inserts = &[],
            OneStatement::NotTaken => {}
        }
    }
    for (sql, values) in last_inserts {
        bind_values(sqlx::query(*sql), values).execute(&mut *connection).await?;
    }
    if batch.is_empty() {
        return Ok((Posted::default(), None));
    }
    let wanted = prefetch(batch);
    let mut loaded = Loaded::default();
    load_account_rows(connection, &wanted.accounts, false, &mut loaded).await?;
    let missing: Vec<&AccountId> =
        wanted.accounts.iter().copied().filter(|id| !loaded.accounts.contains_key(*id)).collect();
    if !missing.is_empty() {
        // Another transaction may open the same account at the same time: insert if
        // absent, then read what is there.
        for id in &missing {
            let values = insert_account_values(&Account::open((*id).clone()), now);
            bind_values(sqlx::query(INSERT_ACCOUNT), &values).execute(&mut *connection).await?;
        }
        load_account_rows(connection, &missing, false, &mut loaded).await?;
    }
    let mut optimistic = batch.iter().all(|transfer| transfer.kind.pending_id().is_none());
    if !optimistic {
        load_transfer_rows(connection, &wanted.transfers, &mut loaded).await?;
    }
    let mut locked = false;
    for _ in 0..PLAN_ATTEMPTS_MAX {
        let plan = match checked_plan(&loaded, batch) {
            Ok(plan) => plan,
            // Planned without the stored transfers, a refusal is not final: a replayed
            // transfer is a no-op, not a new debit.
            Err(_) if optimistic => {
                optimistic = false;
                load_transfer_rows(connection, &wanted.transfers, &mut loaded).await?;
                continue;
            }
            Err(error) => return Err(error),
        };
        if !locked && locks_guarded(&plan) {
            locked = true;
            if lock_accounts(connection, backend, &plan, &mut loaded).await? {
                continue;
            }
        }
        if !insert_transfers(connection, &plan, now, optimistic).await? {
            optimistic = false;
            load_transfer_rows(connection, &wanted.transfers, &mut loaded).await?;
            continue;
        }
        for (sql, values, rows_required) in plan_statements(&plan, backend) {
            let rows = bind_values(sqlx::query(sql), &values).fetch_all(&mut *connection).await?;
            if (rows.len() as u64) < rows_required {
                return Err(concurrent_change());
            }
        }
        let posted = Posted { created: plan.created(), existed: plan.existed() };
        if defer_increments {
            return Ok((posted, closing_increments_sql(&plan)));
        }
        increment_accounts(connection, backend, &plan).await?;
        return Ok((posted, None));
    }
    Err(concurrent_change())
}

/// Every account, for `tradewind ledger verify`.
pub async fn all_accounts(pool: &AnyPool) -> StoreResult<Vec<Account>> {
    sqlx::query(sqlx::AssertSqlSafe(select_balances("1 = 1")))
        .fetch_all(pool)
        .await?
        .iter()
        .map(account_from_any)
        .collect()
}

/// Every transfer, for `tradewind ledger verify`.
pub async fn all_transfers(pool: &AnyPool) -> StoreResult<Vec<StoredTransfer>> {
    sqlx::query(SELECT_TRANSFER).fetch_all(pool).await?.iter().map(transfer_from_any).collect()
}

/// A merchant's accounts (its balances), in id order.
pub async fn merchant_accounts(pool: &AnyPool, merchant_id: &str) -> StoreResult<Vec<Account>> {
    sqlx::query(sqlx::AssertSqlSafe(format!("{} ORDER BY id", select_balances("merchant_id = $1"))))
        .bind(merchant_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(account_from_any)
        .collect()
}

/// One account's posted balance on its normal side, read inside a transaction; zero for
/// an account never opened.
pub async fn balance_in(connection: &mut Connection, id: &AccountId) -> StoreResult<i64> {
    let row = sqlx::query(sqlx::AssertSqlSafe(select_balances("id = $1")))
        .bind(id.as_str())
        .fetch_optional(connection)
        .await?;
    match row {
        Some(row) => Ok(account_from_any(&row)?.balance_minor()),
        None => Ok(0),
    }
}

/// The transfers booked for one source object (their ids start with `{source}:`), in
/// id order.
pub async fn source_transfers(connection: &mut Connection, source_id: &str) -> StoreResult<Vec<StoredTransfer>> {
    // A range on the primary key: ids of `source` sort between `source:` and `source;`.
    sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_TRANSFER} WHERE id >= $1 AND id < $2 ORDER BY id")))
        .bind(format!("{source_id}:"))
        .bind(format!("{source_id};"))
        .fetch_all(connection)
        .await?
        .iter()
        .map(transfer_from_any)
        .collect()
}

/// Opens `account` with its flags and negative limit, or, when it exists, sets its
/// negative limit (a merchant's configured overdraft).
pub async fn open_account(store: &crate::Store, account: &Account, now: i64) -> StoreResult<()> {
    let mut transaction = store.begin().await?;
    open_account_in(transaction.connection(), account, now).await?;
    transaction.commit().await
}

/// [`open_account`] inside an open transaction.
pub async fn open_account_in(connection: &mut Connection, account: &Account, now: i64) -> StoreResult<()> {
    let values = insert_account_values(account, now);
    bind_values(sqlx::query(UPSERT_ACCOUNT), &values).execute(connection).await?;
    Ok(())
}
