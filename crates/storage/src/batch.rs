//! Writes sent to the database together. On SQLite every statement is a trip to the
//! connection's worker thread and back — two thread wake-ups, which on a small machine
//! cost more than the write itself — so a batch runs as one multi-statement query: one
//! trip for all of it, and for `BEGIN` and `COMMIT` too (see [`crate::Store::write`]
//! and [`crate::Store::begin_with`]). PostgreSQL prepares one statement at a time, so
//! there a batch runs statement by statement, as separate calls would.
//!
//! Statements keep their own `$1…$N` placeholders; on SQLite they are renumbered to
//! follow the statements before them, and the arguments are bound in the same order.

use crate::{Backend, StoreError, StoreResult};
use sqlx::Arguments;
use sqlx::any::AnyArguments;
use sqlx::error::BoxDynError;

/// Statements one batch may hold; the write paths that batch queue a handful.
pub const BATCH_STATEMENTS_MAX: usize = 16;

/// Writes to run together, in order, in one transaction.
pub struct Batch {
    backend: Backend,
    /// SQLite: at most one entry, the joined query and all its arguments.
    /// PostgreSQL: one entry per statement.
    pub(crate) queries: Vec<(String, AnyArguments)>,
    statements: usize,
}

/// Appends `sql` to `text` with every `$N` placeholder moved on by `offset`; returns
/// the highest placeholder number of `sql`.
fn append_renumbered(text: &mut String, sql: &str, offset: usize) -> StoreResult<usize> {
    let mut highest = 0;
    let mut rest = sql;
    while let Some(dollar) = rest.find('$') {
        text.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let number: usize = after[..digits]
            .parse()
            .map_err(|_| StoreError::BadBatch(format!("`$` without a placeholder number in: {sql}")))?;
        highest = highest.max(number);
        text.push('$');
        text.push_str(&(number + offset).to_string());
        rest = &after[digits..];
    }
    text.push_str(rest);
    Ok(highest)
}

/// The arguments `bind` adds, for a statement run on its own.
pub(crate) fn arguments(bind: impl FnOnce(&mut AnyArguments) -> Result<(), BoxDynError>) -> StoreResult<AnyArguments> {
    let mut arguments = AnyArguments::default();
    bind(&mut arguments).map_err(sqlx::Error::Encode)?;
    Ok(arguments)
}

impl Batch {
    pub(crate) fn new(backend: Backend) -> Batch {
        Batch { backend, queries: Vec::new(), statements: 0 }
    }

    /// Queues `sql` with the arguments `bind` adds, one per placeholder, in order.
    pub(crate) fn push(
        &mut self,
        sql: &str,
        bind: impl FnOnce(&mut AnyArguments) -> Result<(), BoxDynError>,
    ) -> StoreResult<()> {
        if self.statements >= BATCH_STATEMENTS_MAX {
            return Err(StoreError::BadBatch(format!("more than {BATCH_STATEMENTS_MAX} statements")));
        }
        self.statements += 1;
        let (text, arguments) = match self.backend {
            Backend::Sqlite if !self.queries.is_empty() => {
                let last = self.queries.len() - 1;
                let (text, arguments) = &mut self.queries[last];
                text.push_str(";\n");
                (text, arguments)
            }
            _ => {
                self.queries.push((String::new(), AnyArguments::default()));
                let last = self.queries.len() - 1;
                let (text, arguments) = &mut self.queries[last];
                (text, arguments)
            }
        };
        let offset = arguments.len();
        let placeholders = append_renumbered(text, sql, offset)?;
        bind(arguments).map_err(sqlx::Error::Encode)?;
        // Renumbering is only right if every statement binds exactly its placeholders.
        let bound = arguments.len() - offset;
        if bound != placeholders {
            return Err(StoreError::BadBatch(format!("{bound} arguments for {placeholders} placeholders in: {sql}")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_statements_before() -> StoreResult<()> {
        let mut batch = Batch::new(Backend::Sqlite);
        batch.push("INSERT INTO a (x, y) VALUES ($1, $2)", |arguments| {
            arguments.add(1_i64)?;
            arguments.add("two")
        })?;
        batch.push("UPDATE b SET x = $1 WHERE y = $2 AND z = $1", |arguments| {
            arguments.add(3_i64)?;
            arguments.add("four")
        })?;
        assert_eq!(batch.queries.len(), 1);
        let (text, arguments) = &batch.queries[0];
        assert_eq!(text, "INSERT INTO a (x, y) VALUES ($1, $2);\nUPDATE b SET x = $3 WHERE y = $4 AND z = $3");
        assert_eq!(arguments.len(), 4);
        Ok(())
    }

    #[test]
    fn postgres_keeps_statements_apart() -> StoreResult<()> {
        let mut batch = Batch::new(Backend::Postgres);
        batch.push("DELETE FROM a WHERE x = $1", |arguments| arguments.add(1_i64))?;
        batch.push("DELETE FROM b WHERE x = $1", |arguments| arguments.add(2_i64))?;
        let texts: Vec<&str> = batch.queries.iter().map(|(text, _)| text.as_str()).collect();
        assert_eq!(texts, ["DELETE FROM a WHERE x = $1", "DELETE FROM b WHERE x = $1"]);
        Ok(())
    }

    #[test]
    fn a_statement_binding_the_wrong_count_is_refused() {
        let mut batch = Batch::new(Backend::Sqlite);
        let refused = batch.push("DELETE FROM a WHERE x = $1 AND y = $2", |arguments| arguments.add(1_i64));
        assert!(matches!(refused, Err(StoreError::BadBatch(_))));
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
