//! The ledger's errors: one variant per rule, named after the rule it enforces (in
//! TigerBeetle's manner), so a caller can match on exactly what went wrong.

use tradewind_money::Currency;

use crate::{AccountId, AccountKind, AccountScope, TransferCode, TransferId};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountIdError {
    #[error(
        "`{0}` is not a ledger account id (expected `acct_…:kind:CUR`, `connector:name:kind:CUR` or `platform:kind:CUR`)."
    )]
    Malformed(String),
    #[error("A {kind} account does not belong to the {scope:?} scope.")]
    WrongScope { kind: AccountKind, scope: AccountScope },
    #[error("`{0}` is not a connector name (expected 1 to 32 characters of a-z, 0-9 and _).")]
    InvalidConnectorName(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {what} id (expected 1 to {length_max} characters of A-Z, a-z, 0-9, _, :, . and -).")]
pub struct IdTextError {
    pub what: &'static str,
    pub length_max: usize,
    pub value: String,
}

/// Why one transfer of a batch was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    #[error("The transfer amount must not be zero.")]
    AmountMustNotBeZero,
    #[error("The transfer amount must not be negative, but it is {amount_minor}.")]
    AmountMustNotBeNegative { amount_minor: i64 },
    #[error("The debit and credit accounts must be different.")]
    AccountsMustBeDifferent,
    #[error("A post or void must refer to another transfer, not to itself.")]
    PendingIdMustBeDifferent,
    #[error(
        "The transfer is in {transfer_currency}, but its debit account is in {debit_account_currency} and its credit account in {credit_account_currency}; all three must match."
    )]
    CurrencyMismatch {
        transfer_currency: Currency,
        debit_account_currency: Currency,
        credit_account_currency: Currency,
    },

    #[error(
        "A transfer with this id exists with a different kind (single, pending, post or void, or another pending id)."
    )]
    ExistsWithDifferentKind,
    #[error("A transfer with this id exists with a different debit account ({existing}).")]
    ExistsWithDifferentDebitAccount { existing: AccountId },
    #[error("A transfer with this id exists with a different credit account ({existing}).")]
    ExistsWithDifferentCreditAccount { existing: AccountId },
    #[error("A transfer with this id exists with a different amount ({existing_minor} instead of {requested_minor}).")]
    ExistsWithDifferentAmount { existing_minor: i64, requested_minor: i64 },
    #[error("A transfer with this id exists in a different currency ({existing}).")]
    ExistsWithDifferentCurrency { existing: Currency },
    #[error("A transfer with this id exists with a different code ({existing} instead of {requested}).")]
    ExistsWithDifferentCode { existing: TransferCode, requested: TransferCode },
    #[error("A transfer with this id exists with a different source object.")]
    ExistsWithDifferentSource,

    #[error("The debit account {account} does not exist.")]
    DebitAccountNotFound { account: AccountId },
    #[error("The credit account {account} does not exist.")]
    CreditAccountNotFound { account: AccountId },

    #[error("The pending transfer {pending_id} does not exist.")]
    PendingTransferNotFound { pending_id: TransferId },
    #[error("The transfer {pending_id} is not a pending transfer, so it cannot be posted or voided.")]
    PendingTransferNotPending { pending_id: TransferId },
    #[error("The pending transfer {pending_id} has already been posted.")]
    PendingTransferAlreadyPosted { pending_id: TransferId },
    #[error("The pending transfer {pending_id} has already been voided.")]
    PendingTransferAlreadyVoided { pending_id: TransferId },
    #[error("The pending transfer {pending_id} debits a different account ({pending_account}).")]
    PendingTransferHasDifferentDebitAccount { pending_id: TransferId, pending_account: AccountId },
    #[error("The pending transfer {pending_id} credits a different account ({pending_account}).")]
    PendingTransferHasDifferentCreditAccount { pending_id: TransferId, pending_account: AccountId },
    #[error("A void must release the whole pending amount ({pending_minor}), not {requested_minor}.")]
    PendingTransferHasDifferentAmount { pending_minor: i64, requested_minor: i64 },
    #[error("The post amount ({requested_minor}) exceeds the pending amount ({pending_minor}).")]
    ExceedsPendingTransferAmount { pending_minor: i64, requested_minor: i64 },

    #[error("Debiting {amount_minor} would take {account} past its credits: at most {debitable_minor} can be debited.")]
    ExceedsCredits { account: AccountId, amount_minor: i64, debitable_minor: i128 },
    #[error(
        "Crediting {amount_minor} would take {account} past its debits: at most {creditable_minor} can be credited."
    )]
    ExceedsDebits { account: AccountId, amount_minor: i64, creditable_minor: i128 },

    #[error("The pending debits of {account} would overflow 64 bits.")]
    OverflowsDebitsPending { account: AccountId },
    #[error("The pending credits of {account} would overflow 64 bits.")]
    OverflowsCreditsPending { account: AccountId },
    #[error("The posted debits of {account} would overflow 64 bits.")]
    OverflowsDebitsPosted { account: AccountId },
    #[error("The posted credits of {account} would overflow 64 bits.")]
    OverflowsCreditsPosted { account: AccountId },
    #[error("The pending and posted debits of {account} together would overflow 64 bits.")]
    OverflowsDebits { account: AccountId },
    #[error("The pending and posted credits of {account} together would overflow 64 bits.")]
    OverflowsCredits { account: AccountId },
    #[error(
        "The pending totals of {account} are smaller than the hold being released, so the stored balances are corrupt."
    )]
    InconsistentPendingBalance { account: AccountId },
}

/// Why a whole batch was refused. A batch is atomic: one refused transfer refuses all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("A batch holds at most {transfers_max} transfers, but this one holds {transfers}.")]
    TooLarge { transfers: usize, transfers_max: usize },
    #[error("Transfer {index} (`{id}`) was refused. {rule}")]
    Rejected { index: usize, id: TransferId, rule: TransferError },
}

impl BatchError {
    /// The broken rule, if a transfer broke one.
    pub fn rule(&self) -> Option<&TransferError> {
        match self {
            BatchError::TooLarge { .. } => None,
            BatchError::Rejected { rule, .. } => Some(rule),
        }
    }
}

/// Why a posting recipe could not build its transfers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostingError {
    #[error("The amount must be positive, but it is {amount_minor}.")]
    AmountMustBePositive { amount_minor: i64 },
    #[error("The fee must not be negative, but it is {fee_minor}.")]
    FeeMustNotBeNegative { fee_minor: i64 },
    #[error("The fee ({fee_minor}) must not exceed the amount it is charged on ({amount_minor}).")]
    FeeExceedsAmount { fee_minor: i64, amount_minor: i64 },
    #[error("All amounts of one posting must be in {expected}, but one is in {found}.")]
    CurrencyMismatch { expected: Currency, found: Currency },
    #[error("A conversion needs two different currencies, but both sides are {currency}.")]
    SameCurrencyConversion { currency: Currency },
    #[error("A reserve share must be between 0 and 10000 basis points, but it is {basis_points}.")]
    ReserveBasisPointsOutOfRange { basis_points: u32 },
    #[error(
        "Refunds ({refunded_minor} so far plus {requested_minor}) must not exceed the captured amount ({captured_minor})."
    )]
    RefundExceedsCaptured { captured_minor: i64, refunded_minor: i64, requested_minor: i64 },
    #[error("The posting's arithmetic overflows 64-bit minor units.")]
    AmountOverflow,
    #[error("The funding ({funded_minor}) must equal the amount plus the fee ({required_minor}), none of it negative.")]
    FundingMismatch { funded_minor: i64, required_minor: i64 },
}
