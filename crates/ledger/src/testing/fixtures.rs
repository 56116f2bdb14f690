//! Fixtures: currencies, merchants, sources and the accounts the tests read.

use super::*;

pub fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap()
}

pub fn usd(minor: i64) -> Money {
    Money::new(minor, currency("USD"))
}

/// A valid merchant id whose last character is `suffix` (from the Crockford alphabet).
pub fn merchant(suffix: char) -> MerchantId {
    MerchantId::parse(&format!("acct_{}{suffix}", "0".repeat(25))).unwrap()
}

pub fn connector() -> ConnectorName {
    ConnectorName::parse("sandbox_card").unwrap()
}

pub fn source(text: &str) -> SourceId {
    SourceId::parse(text).unwrap()
}

pub fn transfer_id(text: &str) -> TransferId {
    TransferId::parse(text).unwrap()
}

pub fn merchant_account(merchant: &MerchantId, kind: AccountKind, code: &str) -> AccountId {
    AccountId::merchant(merchant, kind, currency(code)).unwrap()
}

pub fn platform_account(kind: AccountKind, code: &str) -> AccountId {
    AccountId::platform(kind, currency(code)).unwrap()
}

pub fn clearing(code: &str) -> AccountId {
    AccountId::connector(&connector(), AccountKind::ConnectorClearing, currency(code)).unwrap()
}

pub fn single(id: &str, debit: &AccountId, credit: &AccountId, amount_minor: i64) -> Transfer {
    Transfer::single(transfer_id(id), debit.clone(), credit.clone(), amount_minor, TransferCode::Adjustment)
}

/// Opens the batch's accounts and executes it, failing the test on refusal.
pub fn run(ledger: &mut MemoryLedger, batch: &[Transfer]) {
    ledger.open_accounts_for(batch);
    ledger.execute(batch).unwrap();
}

/// The rule a refused batch broke, and the index of the transfer that broke it.
pub fn refusal(result: Result<impl std::fmt::Debug, BatchError>) -> (usize, TransferError) {
    match result {
        Err(BatchError::Rejected { index, rule, .. }) => (index, rule),
        other => panic!("expected a refused transfer, got {other:?}"),
    }
}

/// The posted balance of an account read on its normal side (zero if never opened).
pub fn balance(ledger: &MemoryLedger, id: &AccountId) -> i64 {
    ledger.get(id).map_or(0, |account| account.balance_minor())
}
