-- Every capture inserts a balance transaction, and each of the table's B-trees is at
-- least one more page the commit writes (and the checkpoint copies again): on SQLite
-- the charge's row was a fifth of a capture's commit, as much as its three transfers
-- and five account updates together. Two of its indexes were led by the merchant and
-- ordered by `available_on`: the settlement sweep's queue of pending rows
-- (`balance_transactions_due`, partial) and reconciliation's rows of one connector in a
-- report's period (`balance_transactions_by_connector`). One index serves both: the
-- sweep reads the `pending` range, reconciliation each status's range of dates
-- (`status IN ('pending', 'available')`, the only two) and the connector from the
-- index entry. Reconciliation now reads the other connectors' rows of the period too,
-- a report at a time, so that every capture writes one B-tree fewer.
--
-- Its condition holds for every row (the column is NOT NULL). It keeps the index off
-- lookups by id, as in migration 0018: a query can use a partial index only when its
-- own conditions imply the index's, here any comparison of `available_on`, which
-- lookups by id do not make. Without it, PostgreSQL's generic plan for a table not yet
-- analysed chose this index over the key for `merchant_id = $1 AND id = $2`
-- (`tests/operations.rs` checks).
DROP INDEX balance_transactions_due;
DROP INDEX balance_transactions_by_connector;
CREATE INDEX balance_transactions_by_status ON balance_transactions (merchant_id, status, available_on, connector)
    WHERE available_on IS NOT NULL;
