//! Writes decided up front and sent to the database together ([`crate::Store::write`]).
//!
//! On SQLite a batch runs on the writer thread (see `sqlite_writer`), statement by
//! statement with cached prepared statements, inside a group commit; on PostgreSQL it
//! runs statement by statement in a transaction of its own. Arguments are kept in a
//! form both can take: [`SqlValue`]s for SQLite, sqlx's `AnyArguments` for PostgreSQL.

use crate::{Backend, StoreError, StoreResult};
use sqlx::any::AnyArguments;
use sqlx::error::BoxDynError;
use sqlx::{Any, Encode, Type};
use tradewind_ledger::Transfer;

/// Statements one batch may hold; the write paths that batch queue a handful.
pub const BATCH_STATEMENTS_MAX: usize = 16;

/// A value bound to a SQLite statement on the writer thread.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Integer(i64),
    Text(String),
    /// NULL in an INTEGER column (PostgreSQL wants the type of a NULL it is given).
    NullInteger,
    /// NULL in a TEXT column.
    NullText,
}

impl From<i64> for SqlValue {
    fn from(value: i64) -> Self {
        SqlValue::Integer(value)
    }
}

impl From<Option<i64>> for SqlValue {
    fn from(value: Option<i64>) -> Self {
        value.map_or(SqlValue::NullInteger, SqlValue::Integer)
    }
}

impl From<&str> for SqlValue {
    fn from(value: &str) -> Self {
        SqlValue::Text(value.to_owned())
    }
}

impl From<&String> for SqlValue {
    fn from(value: &String) -> Self {
        SqlValue::Text(value.clone())
    }
}

impl From<&Option<String>> for SqlValue {
    fn from(value: &Option<String>) -> Self {
        value.as_ref().map_or(SqlValue::NullText, |text| SqlValue::Text(text.clone()))
    }
}

/// The arguments of one statement, in the form its backend takes.
pub enum Arguments {
    Sqlite(Vec<SqlValue>),
    Any(AnyArguments),
}

impl Arguments {
    pub(crate) fn for_backend(backend: Backend) -> Arguments {
        match backend {
            Backend::Sqlite => Arguments::Sqlite(Vec::new()),
            Backend::Postgres => Arguments::Any(AnyArguments::default()),
        }
    }

    /// Binds the next placeholder (`$1`, `$2`, … in order).
    pub fn add<'q, T>(&mut self, value: T) -> Result<(), BoxDynError>
    where
        T: Into<SqlValue> + Encode<'q, Any> + Type<Any>,
    {
        match self {
            Arguments::Sqlite(values) => values.push(value.into()),
            Arguments::Any(arguments) => sqlx::Arguments::add(arguments, value)?,
        }
        Ok(())
    }
}

/// The sqlx arguments `bind` adds, for a statement run through sqlx on its own.
pub(crate) fn arguments(bind: impl FnOnce(&mut Arguments) -> Result<(), BoxDynError>) -> StoreResult<AnyArguments> {
    let mut arguments = Arguments::Any(AnyArguments::default());
    bind(&mut arguments).map_err(sqlx::Error::Encode)?;
    match arguments {
        Arguments::Any(arguments) => Ok(arguments),
        Arguments::Sqlite(_) => Err(StoreError::BadBatch("sqlx arguments expected".to_owned())),
    }
}

/// `(${first + 1}, …, ${first + count})`: one row's placeholders after `first` bound.
pub(crate) fn numbered(first: usize, count: usize) -> String {
    let placeholders: Vec<String> = (first + 1..=first + count).map(|number| format!("${number}")).collect();
    format!("({})", placeholders.join(", "))
}

/// `$1, …, $count`: an `IN` list's placeholders.
pub(crate) fn in_list(count: usize) -> String {
    (1..=count).map(|number| format!("${number}")).collect::<Vec<_>>().join(", ")
}

/// Writes to run together, in order, in one transaction: statements, then the last
/// inserts, then the transfers, written only if the statements' conditions held.
pub struct Batch {
    backend: Backend,
    pub(crate) statements: Vec<(String, Arguments)>,
    /// Plain inserts that return nothing and depend on no other write of the batch (a
    /// payment's balance transaction, an event): they run after `statements`, once
    /// their conditions held. On PostgreSQL they travel in the ledger's own statement
    /// when it can take one (see [`crate::ledger::post_before_commit`]), so they cost
    /// no round trip of their own. Values in one form for both backends.
    pub(crate) last_inserts: Vec<(&'static str, Vec<SqlValue>)>,
    pub(crate) transfers: Vec<Transfer>,
    /// When the transfers are recorded as written.
    pub(crate) posted_at: i64,
}

impl Batch {
    pub(crate) fn new(backend: Backend) -> Batch {
        Batch { backend, statements: Vec::new(), last_inserts: Vec::new(), transfers: Vec::new(), posted_at: 0 }
    }

    /// Adds ledger transfers to post with the statements, as one atomic ledger batch
    /// (a refused transfer refuses the whole write).
    pub fn post(&mut self, transfers: impl IntoIterator<Item = Transfer>, now: i64) {
        self.transfers.extend(transfers);
        self.posted_at = now;
    }

    /// Queues `sql` with the arguments `bind` adds, one per placeholder, in order.
    pub(crate) fn push(
        &mut self,
        sql: &str,
        bind: impl FnOnce(&mut Arguments) -> Result<(), BoxDynError>,
    ) -> StoreResult<()> {
        self.check_room()?;
        let mut arguments = Arguments::for_backend(self.backend);
        bind(&mut arguments).map_err(sqlx::Error::Encode)?;
        self.statements.push((sql.to_owned(), arguments));
        Ok(())
    }

    /// Queues `sql`, a plain insert that returns nothing and that no other write of
    /// the batch depends on, to be written after every statement [`Batch::push`]
    /// queued, with the batch's transfers. Its placeholders are `$1`, `$2`, … in order.
    pub(crate) fn push_last_insert(
        &mut self,
        sql: &'static str,
        bind: impl FnOnce(&mut Arguments) -> Result<(), BoxDynError>,
    ) -> StoreResult<()> {
        self.check_room()?;
        let mut arguments = Arguments::Sqlite(Vec::new());
        bind(&mut arguments).map_err(sqlx::Error::Encode)?;
        let Arguments::Sqlite(values) = arguments else {
            return Err(StoreError::BadBatch("values expected".to_owned()));
        };
        self.last_inserts.push((sql, values));
        Ok(())
    }

    fn check_room(&self) -> StoreResult<()> {
        if self.statements.len() + self.last_inserts.len() >= BATCH_STATEMENTS_MAX {
            return Err(StoreError::BadBatch(format!("more than {BATCH_STATEMENTS_MAX} statements")));
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty() && self.last_inserts.is_empty() && self.transfers.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_arguments_keep_their_values_in_order() -> StoreResult<()> {
        let mut batch = Batch::new(Backend::Sqlite);
        batch.push("UPDATE b SET x = $1 WHERE y = $2 AND z = $3", |arguments| {
            arguments.add(3_i64)?;
            arguments.add("four")?;
            arguments.add(None::<i64>)
        })?;
        let (text, arguments) = &batch.statements[0];
        assert_eq!(text, "UPDATE b SET x = $1 WHERE y = $2 AND z = $3");
        let Arguments::Sqlite(values) = arguments else { panic!("SQLite values expected") };
        assert_eq!(values, &[SqlValue::Integer(3), SqlValue::Text("four".into()), SqlValue::NullInteger]);
        Ok(())
    }

    #[test]
    fn a_batch_is_bounded() -> StoreResult<()> {
        let mut batch = Batch::new(Backend::Sqlite);
        for _ in 0..BATCH_STATEMENTS_MAX {
            batch.push("DELETE FROM a", |_| Ok(()))?;
        }
        assert!(matches!(batch.push("DELETE FROM a", |_| Ok(())), Err(StoreError::BadBatch(_))));
        Ok(())
    }
}
