//! PostgreSQL's one-statement posting of a batch whose limit checks cannot depend on
//! the balances (every capture): nothing is read, one statement writes it.

use super::deltas::{DELTA_COLUMNS, INSERT_DELTAS_HEAD, increments};
use super::{
    ACCOUNT_COLUMNS, INSERT_TRANSFER_HEAD, KnownAccounts, Loaded, bind_values, checked_plan, in_list,
    insert_account_values, locks_guarded, numbered, transfer_columns,
};
use crate::batch::SqlValue;
use crate::{Connection, StoreResult};
use sqlx::Row;
use tradewind_ledger::{Account, AccountId, Plan, PlannedTransfer, Transfer, prefetch};

/// Transfers a batch may hold to be posted in one statement (11 parameters each, and 7
/// per account it names).
const ONE_STATEMENT_TRANSFERS_MAX: usize = 64;

/// What [`post_in_one_statement`] did.
pub(super) enum OneStatement<'a> {
    /// Everything is written, the increments (deltas) included: this is the plan.
    Posted(Plan<'a>),
    /// The rows written with the transfers and the accounts are written, but a transfer
    /// id was stored already (a replay): the transfers this statement inserted were
    /// deleted again, for the batch to be planned with the stored ones.
    Replayed,
    /// Nothing was written: the batch needs the balances or the transfers read.
    NotTaken,
}

/// PostgreSQL's one-statement posting, for a batch whose limit checks cannot depend on
/// the balances (see [`AccountChange::headroom_lowered`]: every capture) and that
/// resolves no hold. Flags are their kind's (the only ones ever stored), so planning
/// against freshly opened accounts decides what the stored balances would: every
/// balance within its limit passes. Nothing is read back: one statement opens the
/// accounts that do not exist (only those `known` does not hold: once the accounts a
/// capture names are known, as they are after a merchant's first captures, the
/// statement opens none), inserts `last_inserts`, inserts the transfers,
/// skipping ids already written (`RETURNING` tells which were), and inserts the
/// accounts' deltas if every transfer was new. Three round trips fewer than reading the
/// accounts, inserting the transfers, each row written with them and the deltas; and
/// one prepared statement per batch shape, where the deltas sent with the `COMMIT`
/// were parsed and planned anew for every payment.
pub(super) async fn post_in_one_statement<'a>(
    connection: &mut Connection,
    batch: &'a [Transfer],
    last_inserts: &[(&'static str, Vec<SqlValue>)],
    now: i64,
    known: Option<&KnownAccounts>,
) -> StoreResult<OneStatement<'a>> {
    if batch.is_empty()
        || batch.len() > ONE_STATEMENT_TRANSFERS_MAX
        || batch.iter().any(|transfer| transfer.kind.pending_id().is_some())
    {
        return Ok(OneStatement::NotTaken);
    }
    let wanted = prefetch(batch);
    let mut opened = Loaded::default();
    for id in &wanted.accounts {
        opened.accounts.insert((*id).clone(), Account::open((*id).clone()));
    }
    let Ok(plan) = checked_plan(&opened, batch) else {
        return Ok(OneStatement::NotTaken);
    };
    if locks_guarded(&plan) {
        return Ok(OneStatement::NotTaken);
    }
    let mut values: Vec<SqlValue> = Vec::new();
    let mut parts: Vec<String> = Vec::with_capacity(last_inserts.len() + 1);
    for (index, (sql, statement_values)) in last_inserts.iter().enumerate() {
        parts.push(format!("written_{index} AS ({})", placeholders_after(sql, values.len())));
        values.extend(statement_values.iter().cloned());
    }
    let unknown = match known {
        Some(known) => known.unknown(&wanted.accounts),
        None => wanted.accounts.clone(),
    };
    if !unknown.is_empty() {
        let accounts: Vec<String> = unknown
            .iter()
            .map(|id| {
                let row = insert_account_values(&Account::open((*id).clone()), now);
                let placeholders = numbered(values.len(), row.len());
                values.extend(row);
                placeholders
            })
            .collect();
        // Only accounts this transaction does not see are inserted: `ON CONFLICT` alone
        // would check each existing row's key, and wait while a fold holds the row.
        parts.push(format!(
            "opened AS (INSERT INTO ledger_accounts {ACCOUNT_COLUMNS} \
             SELECT * FROM (VALUES {}) AS wanted {ACCOUNT_COLUMNS} \
             WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts WHERE ledger_accounts.id = wanted.id) \
             ON CONFLICT (id) DO NOTHING RETURNING id)",
            accounts.join(", ")
        ));
    }
    let transfers: Vec<String> = plan
        .transfers()
        .iter()
        .map(|planned| {
            let row = transfer_values(planned, now);
            let placeholders = numbered(values.len(), row.len());
            values.extend(row);
            placeholders
        })
        .collect();
    parts.push(format!(
        "inserted AS ({INSERT_TRANSFER_HEAD}{} ON CONFLICT (id) DO NOTHING RETURNING id)",
        transfers.join(", ")
    ));
    // The increments are written only if every transfer was: a replay writes none.
    let deltas: Vec<String> = increments(&plan)
        .map(|(id, delta)| {
            let placeholders = numbered(values.len(), 5);
            values.push(SqlValue::Text(id.as_str().to_owned()));
            values.extend(delta.map(SqlValue::Integer));
            placeholders
        })
        .collect();
    if !deltas.is_empty() {
        parts.push(format!(
            "deltas AS ({INSERT_DELTAS_HEAD} SELECT * FROM (VALUES {}) AS delta {DELTA_COLUMNS} \
             WHERE (SELECT COUNT(*) FROM inserted) = {})",
            deltas.join(", "),
            plan.transfers().len()
        ));
    }
    // The transfers written (0), then the accounts opened (1).
    let select = if unknown.is_empty() {
        "SELECT id, 0 FROM inserted"
    } else {
        "SELECT id, 0 FROM inserted UNION ALL SELECT id, 1 FROM opened"
    };
    let sql = format!("WITH {} {select}", parts.join(", "));
    let returned = bind_values(sqlx::query(sqlx::AssertSqlSafe(sql)), &values).fetch_all(&mut *connection).await?;
    let mut inserted: Vec<String> = Vec::with_capacity(returned.len());
    let mut opened_ids: Vec<String> = Vec::new();
    for row in &returned {
        let id: String = row.try_get(0)?;
        match row.try_get::<i32, _>(1)? {
            0 => inserted.push(id),
            _ => opened_ids.push(id),
        }
    }
    if let Some(known) = known {
        // What the statement did not open was stored, and committed, already.
        let stored: Vec<&AccountId> =
            unknown.iter().copied().filter(|id| !opened_ids.iter().any(|opened| opened == id.as_str())).collect();
        known.add(&stored);
    }
    if inserted.len() == plan.transfers().len() {
        return Ok(OneStatement::Posted(plan));
    }
    if !inserted.is_empty() {
        let sql = format!("DELETE FROM ledger_transfers WHERE id IN ({})", in_list(inserted.len()));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in &inserted {
            query = query.bind(id.as_str());
        }
        query.execute(&mut *connection).await?;
    }
    Ok(OneStatement::Replayed)
}

/// `sql` with each placeholder `$n` renumbered `$(n + offset)`, outside quoted literals
/// (it follows `offset` values bound before it in one statement).
fn placeholders_after(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    while let Some(char) = chars.next() {
        out.push(char);
        if char == '\'' {
            quoted = !quoted;
        }
        if char != '$' || quoted {
            continue;
        }
        let mut digits = String::new();
        while let Some(digit) = chars.next_if(char::is_ascii_digit) {
            digits.push(digit);
        }
        match digits.parse::<usize>() {
            Ok(number) => out.push_str(&(number + offset).to_string()),
            Err(_) => out.push_str(&digits),
        }
    }
    out
}

/// A new transfer's row as values, in `INSERT_TRANSFER_HEAD`'s column order.
fn transfer_values(planned: &PlannedTransfer<'_>, now: i64) -> Vec<SqlValue> {
    let row = transfer_columns(planned);
    let text = |value: Option<&str>| value.map_or(SqlValue::NullText, |text| SqlValue::Text(text.to_owned()));
    vec![
        SqlValue::Text(row.id.to_owned()),
        SqlValue::Text(row.debit_account_id.to_owned()),
        SqlValue::Text(row.credit_account_id.to_owned()),
        SqlValue::Integer(row.amount_minor),
        SqlValue::Text(row.currency.to_owned()),
        SqlValue::Text(row.code.to_owned()),
        SqlValue::Text(row.kind.to_owned()),
        text(row.pending_id),
        text(row.pending_state),
        text(row.source_id),
        SqlValue::Integer(now),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_renumbered_after_earlier_values_outside_literals() {
        assert_eq!(
            placeholders_after("INSERT INTO t (a, b) VALUES ($1, $12)", 5),
            "INSERT INTO t (a, b) VALUES ($6, $17)"
        );
        assert_eq!(placeholders_after("SELECT '$1', $1 || '$2'", 3), "SELECT '$1', $4 || '$2'");
        assert_eq!(placeholders_after("SELECT $$", 3), "SELECT $$");
        assert_eq!(numbered(17, 3), "($18, $19, $20)");
    }
}
