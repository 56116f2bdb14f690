//! Account ids: a structured key that is also one canonical string, so a storage row can
//! use it as its primary key and a person can read it.
//!
//! The format, by scope (segments separated by `:`, currency always upper case):
//!
//! | scope | format | example |
//! | --- | --- | --- |
//! | merchant | `{merchant id}:{kind}:{currency}` | `acct_01j…:available:USD` |
//! | connector | `connector:{connector name}:{kind}:{currency}` | `connector:sandbox_card:clearing:USD` |
//! | platform | `platform:{kind}:{currency}` | `platform:fee_revenue:USD` |
//!
//! Merchant ids start with `acct_` and never contain `:`, so the first segment tells the
//! scope without ambiguity. Only the canonical spelling parses (`usd` does not), which
//! keeps one account per key: `AccountId::parse(id.as_str()) == Ok(id)` for every id.

use std::fmt;

use tradewind_money::Currency;
use tradewind_payments::id::MerchantId;

use crate::{AccountIdError, AccountKind, AccountScope};

const PLATFORM_SEGMENT: &str = "platform";
const CONNECTOR_SEGMENT: &str = "connector";
/// Connector names are short lower-case identifiers such as `sandbox_card` or `stripe`.
pub const CONNECTOR_NAME_LENGTH_MAX: usize = 32;

/// The name of a payment provider integration, e.g. `sandbox_card`: 1 to 32 characters of
/// `[a-z0-9_]`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectorName(String);

impl ConnectorName {
    pub fn parse(value: &str) -> Result<Self, AccountIdError> {
        let valid = (1..=CONNECTOR_NAME_LENGTH_MAX).contains(&value.len())
            && value.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_');
        if !valid {
            return Err(AccountIdError::InvalidConnectorName(value.to_owned()));
        }
        Ok(ConnectorName(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConnectorName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl fmt::Debug for ConnectorName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// Whose account it is, borrowed from the id's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountOwner<'a> {
    Merchant(&'a str),
    Connector(&'a str),
    Platform,
}

/// A ledger account key. Equality, hashing and ordering use the canonical text only (the
/// kind and currency are derived from it), so hashing an id costs one short string.
#[derive(Clone)]
pub struct AccountId {
    text: Box<str>,
    kind: AccountKind,
    currency: Currency,
}

impl AccountId {
    /// A merchant's account; fails if `kind` is not a merchant kind.
    pub fn merchant(merchant: &MerchantId, kind: AccountKind, currency: Currency) -> Result<Self, AccountIdError> {
        expect_scope(kind, AccountScope::Merchant)?;
        Ok(AccountId::merchant_unchecked(merchant, kind, currency))
    }

    /// A provider's account; fails if `kind` is not a connector kind.
    pub fn connector(connector: &ConnectorName, kind: AccountKind, currency: Currency) -> Result<Self, AccountIdError> {
        expect_scope(kind, AccountScope::Connector)?;
        Ok(AccountId::connector_unchecked(connector, kind, currency))
    }

    /// A platform-wide account; fails if `kind` is not a platform kind.
    pub fn platform(kind: AccountKind, currency: Currency) -> Result<Self, AccountIdError> {
        expect_scope(kind, AccountScope::Platform)?;
        Ok(AccountId::platform_unchecked(kind, currency))
    }

    /// For the posting recipes, whose kinds are constants of the right scope.
    pub(crate) fn merchant_unchecked(merchant: &MerchantId, kind: AccountKind, currency: Currency) -> Self {
        debug_assert_eq!(kind.scope(), AccountScope::Merchant);
        let text = format!("{merchant}:{kind}:{currency}").into_boxed_str();
        AccountId { text, kind, currency }
    }

    pub(crate) fn connector_unchecked(connector: &ConnectorName, kind: AccountKind, currency: Currency) -> Self {
        debug_assert_eq!(kind.scope(), AccountScope::Connector);
        let text = format!("{CONNECTOR_SEGMENT}:{connector}:{kind}:{currency}").into_boxed_str();
        AccountId { text, kind, currency }
    }

    pub(crate) fn platform_unchecked(kind: AccountKind, currency: Currency) -> Self {
        debug_assert_eq!(kind.scope(), AccountScope::Platform);
        let text = format!("{PLATFORM_SEGMENT}:{kind}:{currency}").into_boxed_str();
        AccountId { text, kind, currency }
    }

    /// Parses the canonical text described in the module documentation.
    pub fn parse(value: &str) -> Result<Self, AccountIdError> {
        let malformed = || AccountIdError::Malformed(value.to_owned());
        // At most four segments exist in any scope; a fifth makes the id malformed.
        let mut segments = [""; 4];
        let mut count = 0;
        for segment in value.split(':') {
            *segments.get_mut(count).ok_or_else(malformed)? = segment;
            count += 1;
        }
        let (owner, kind_text, currency_text) = match (count, segments[0]) {
            (3, PLATFORM_SEGMENT) => (AccountOwner::Platform, segments[1], segments[2]),
            (4, CONNECTOR_SEGMENT) => {
                ConnectorName::parse(segments[1])?;
                (AccountOwner::Connector(segments[1]), segments[2], segments[3])
            }
            (3, first) if first != CONNECTOR_SEGMENT => {
                MerchantId::parse(first).map_err(|_| malformed())?;
                (AccountOwner::Merchant(first), segments[1], segments[2])
            }
            _ => return Err(malformed()),
        };
        let kind = AccountKind::parse(kind_text).ok_or_else(malformed)?;
        let scope = match owner {
            AccountOwner::Merchant(_) => AccountScope::Merchant,
            AccountOwner::Connector(_) => AccountScope::Connector,
            AccountOwner::Platform => AccountScope::Platform,
        };
        expect_scope(kind, scope)?;
        let currency = Currency::parse(currency_text).map_err(|_| malformed())?;
        if currency.code() != currency_text {
            return Err(malformed());
        }
        Ok(AccountId { text: value.into(), kind, currency })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn kind(&self) -> AccountKind {
        self.kind
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn owner(&self) -> AccountOwner<'_> {
        match self.kind.scope() {
            AccountScope::Platform => AccountOwner::Platform,
            AccountScope::Connector => {
                let rest = self.text.strip_prefix("connector:").unwrap_or_default();
                AccountOwner::Connector(rest.split(':').next().unwrap_or_default())
            }
            AccountScope::Merchant => AccountOwner::Merchant(self.text.split(':').next().unwrap_or_default()),
        }
    }

    /// The merchant owning this account, if it is a merchant account.
    pub fn merchant_id(&self) -> Option<MerchantId> {
        match self.owner() {
            AccountOwner::Merchant(text) => MerchantId::parse(text).ok(),
            AccountOwner::Connector(_) | AccountOwner::Platform => None,
        }
    }
}

fn expect_scope(kind: AccountKind, scope: AccountScope) -> Result<(), AccountIdError> {
    if kind.scope() != scope {
        return Err(AccountIdError::WrongScope { kind, scope });
    }
    Ok(())
}

impl PartialEq for AccountId {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for AccountId {}

impl std::hash::Hash for AccountId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl PartialOrd for AccountId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for AccountId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.text.cmp(&other.text)
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.text)
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use proptest::prelude::*;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    #[test]
    fn formats_by_scope() {
        let merchant = MerchantId::parse("acct_0000000000000000000000000a").unwrap();
        let available = AccountId::merchant(&merchant, AccountKind::Available, usd()).unwrap();
        assert_eq!(available.as_str(), "acct_0000000000000000000000000a:available:USD");
        assert_eq!(available.owner(), AccountOwner::Merchant("acct_0000000000000000000000000a"));
        assert_eq!(available.merchant_id(), Some(merchant));
        let connector = ConnectorName::parse("sandbox_card").unwrap();
        let clearing = AccountId::connector(&connector, AccountKind::ConnectorClearing, usd()).unwrap();
        assert_eq!(clearing.as_str(), "connector:sandbox_card:clearing:USD");
        assert_eq!(clearing.owner(), AccountOwner::Connector("sandbox_card"));
        let revenue = AccountId::platform(AccountKind::PlatformFeeRevenue, usd()).unwrap();
        assert_eq!(revenue.as_str(), "platform:fee_revenue:USD");
        assert_eq!(revenue.merchant_id(), None);
    }

    #[test]
    fn refuses_kinds_outside_their_scope() {
        assert!(matches!(
            AccountId::platform(AccountKind::Available, usd()),
            Err(AccountIdError::WrongScope { kind: AccountKind::Available, scope: AccountScope::Platform })
        ));
        assert!(AccountId::parse("platform:available:USD").is_err());
        assert!(AccountId::parse("connector:stripe:fee_revenue:USD").is_err());
    }

    #[test]
    fn refuses_non_canonical_text() {
        for bad in [
            "",
            "platform:fee_revenue:usd",
            "platform:fee_revenue:XYZ",
            "platform:fee_revenue",
            "platform:fee_revenue:USD:extra",
            "connector:Stripe:clearing:USD",
            "connector:clearing:USD",
            "acct_short:available:USD",
            "acct_0000000000000000000000000a:available:USD:",
        ] {
            assert!(AccountId::parse(bad).is_err(), "{bad}");
        }
    }

    fn any_account_id() -> impl Strategy<Value = AccountId> {
        let currency = prop::sample::select(Currency::all().collect::<Vec<_>>());
        let kind = prop::sample::select(AccountKind::ALL.to_vec());
        let merchant = "[0-9a-hjkmnp-tv-z]{26}".prop_map(|body| MerchantId::parse(&format!("acct_{body}")).unwrap());
        let connector = "[a-z0-9_]{1,32}".prop_map(|name| ConnectorName::parse(&name).unwrap());
        (kind, currency, merchant, connector).prop_map(|(kind, currency, merchant, connector)| match kind.scope() {
            AccountScope::Merchant => AccountId::merchant(&merchant, kind, currency).unwrap(),
            AccountScope::Connector => AccountId::connector(&connector, kind, currency).unwrap(),
            AccountScope::Platform => AccountId::platform(kind, currency).unwrap(),
        })
    }

    proptest! {
        #[test]
        fn parse_inverts_as_str(id in any_account_id()) {
            let parsed = AccountId::parse(id.as_str()).unwrap();
            prop_assert_eq!(parsed.kind(), id.kind());
            prop_assert_eq!(parsed.currency(), id.currency());
            prop_assert_eq!(parsed.owner(), id.owner());
            prop_assert_eq!(parsed, id);
        }
    }
}
