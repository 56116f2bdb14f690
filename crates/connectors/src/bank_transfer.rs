//! Bank transfers to the sandbox: the reference a buyer types into their bank's
//! transfer form, the account they send to, and how received funds settle a payment.
//!
//! A reference is `TW`, 13 characters of Crockford's base32 (no I, L, O or U, so
//! nothing reads as a digit) and two ISO 7064 mod 97-10 check digits, 17 characters
//! in all. The check digits are computed over the decimal number that spells each
//! character's base32 value as two digits (`T` = 26, `W` = 28, …). Because every
//! character then weighs the same, they catch every single mistyped character and
//! every swap of two neighbours, so a transfer with a mistyped reference is
//! recognised as unmatched instead of being credited to someone else's payment.

use crate::permutation::scramble;
use tradewind_money::Currency;

const REFERENCE_PREFIX: &str = "TW";
/// Crockford's base32 alphabet.
const REFERENCE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// 13 base32 characters hold 65 bits, so every `u64` seed has its own reference.
const REFERENCE_BODY_LENGTH: usize = 13;
const CHECK_DIGITS_LENGTH: usize = 2;
/// The length of a reference, prefix and check digits included.
pub const REFERENCE_LENGTH: usize = REFERENCE_PREFIX.len() + REFERENCE_BODY_LENGTH + CHECK_DIGITS_LENGTH;
/// Keeps references apart from other ids built from the same seeds.
const REFERENCE_SALT: u64 = 0x5452_4144_4557_494e;

/// The reference for `seed`. Different seeds always give different references.
pub fn reference(seed: u64) -> String {
    let mut value = scramble(seed, REFERENCE_SALT);
    let mut body = [b'0'; REFERENCE_BODY_LENGTH];
    for slot in body.iter_mut().rev() {
        *slot = REFERENCE_ALPHABET[(value & 31) as usize];
        value >>= 5;
    }
    let mut reference = String::with_capacity(REFERENCE_LENGTH);
    reference.push_str(REFERENCE_PREFIX);
    reference.extend(body.iter().map(|byte| char::from(*byte)));
    // Every character here comes from the alphabet, so the remainder always exists.
    let remainder = symbols_mod97(reference.as_bytes()).unwrap_or(0);
    // ISO 7064 mod 97-10: the check digits make the whole number leave remainder 1.
    let check_digits = 98 - remainder * 100 % 97;
    reference.push_str(&format!("{check_digits:02}"));
    reference
}

/// The remainder modulo 97 of the decimal number that spells each symbol's base32
/// value as two digits; `None` for a byte outside the alphabet.
fn symbols_mod97(symbols: &[u8]) -> Option<u32> {
    symbols.iter().try_fold(0u32, |remainder, symbol| {
        let value = REFERENCE_ALPHABET.iter().position(|candidate| candidate == symbol)?;
        Some((remainder * 100 + value as u32) % 97)
    })
}

/// The canonical form (upper case, no spaces) of a reference with correct check
/// digits, for matching an incoming transfer against stored references.
pub fn normalize_reference(value: &str) -> Option<String> {
    let compact: String = value.chars().filter(|c| *c != ' ').map(|c| c.to_ascii_uppercase()).collect();
    if compact.len() != REFERENCE_LENGTH || !compact.is_ascii() {
        return None;
    }
    if !compact.starts_with(REFERENCE_PREFIX) {
        return None;
    }
    let (symbols, check_digits) = compact.split_at(REFERENCE_LENGTH - CHECK_DIGITS_LENGTH);
    if !check_digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let check_digits: u32 = check_digits.parse().ok()?;
    let remainder = symbols_mod97(symbols.as_bytes())?;
    ((remainder * 100 + check_digits) % 97 == 1).then_some(compact)
}

/// Whether `value` is a reference with correct check digits; case and spaces do not
/// matter.
pub fn is_valid_reference(value: &str) -> bool {
    normalize_reference(value).is_some()
}

/// The sandbox account that receives transfers in one currency.
///
/// `iban` is the account identifier the buyer types: an IBAN where the currency's
/// transfers use IBANs (EUR, GBP), otherwise the domestic one (a US account number, a
/// Zengin bank-branch-account number for JPY, an 18-digit CLABE for MXN).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BankAccountDetails {
    pub account_holder_name: &'static str,
    pub iban: &'static str,
    pub bic: &'static str,
    pub bank_name: &'static str,
}

impl BankAccountDetails {
    /// Whether [`BankAccountDetails::iban`] is an IBAN rather than a domestic number.
    pub fn is_iban(&self) -> bool {
        crate::iban::is_valid(self.iban)
    }
}

const EUR_ACCOUNT: BankAccountDetails = BankAccountDetails {
    account_holder_name: "Tradewind Sandbox B.V.",
    iban: "NL39TWND0123456789",
    bic: "TWNDNL2A",
    bank_name: "Tradewind Sandbox Bank",
};
const GBP_ACCOUNT: BankAccountDetails = BankAccountDetails {
    account_holder_name: "Tradewind Sandbox Ltd",
    iban: "GB28TWND12345612345678",
    bic: "TWNDGB2L",
    bank_name: "Tradewind Sandbox Bank UK",
};
const USD_ACCOUNT: BankAccountDetails = BankAccountDetails {
    account_holder_name: "Tradewind Sandbox Inc.",
    iban: "000123456789",
    bic: "TWNDUS33",
    bank_name: "Tradewind Sandbox Bank, N.A.",
};
const JPY_ACCOUNT: BankAccountDetails = BankAccountDetails {
    account_holder_name: "Tradewind Sandbox K.K.",
    iban: "0999-001-1234567",
    bic: "TWNDJPJT",
    bank_name: "Tradewind Sandbox Bank, Tokyo Branch",
};
const MXN_ACCOUNT: BankAccountDetails = BankAccountDetails {
    account_holder_name: "Tradewind Sandbox S. de R.L. de C.V.",
    iban: "646180123456789013",
    bic: "TWNDMXMM",
    bank_name: "Tradewind Sandbox Bank México",
};

/// The sandbox account a buyer paying in `currency` sends their transfer to. Other
/// currencies arrive by SWIFT at the EUR account, as at a multi-currency account.
pub fn receiving_account(currency: Currency) -> BankAccountDetails {
    match currency.code() {
        "GBP" => GBP_ACCOUNT,
        "USD" => USD_ACCOUNT,
        "JPY" => JPY_ACCOUNT,
        "MXN" => MXN_ACCOUNT,
        _ => EUR_ACCOUNT,
    }
}

/// Where a payment stands once funds have arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Funding {
    /// Less than expected has arrived; the payment waits for the rest.
    Partial { remaining_minor: i64 },
    /// Exactly the expected amount has arrived.
    Exact,
    /// More than expected has arrived; the excess is owed back to the buyer.
    Over { excess_minor: i64 },
}

/// Compares the running total of all funds received for a payment with the amount it
/// expects. Differences saturate at the ends of `i64` instead of overflowing.
pub fn apply_funds(expected_minor: i64, received_total_minor: i64) -> Funding {
    match received_total_minor.cmp(&expected_minor) {
        std::cmp::Ordering::Less => {
            Funding::Partial { remaining_minor: expected_minor.saturating_sub(received_total_minor) }
        }
        std::cmp::Ordering::Equal => Funding::Exact,
        std::cmp::Ordering::Greater => {
            Funding::Over { excess_minor: received_total_minor.saturating_sub(expected_minor) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn currency(code: &str) -> Result<Currency, tradewind_money::CurrencyError> {
        Currency::parse(code)
    }

    #[test]
    fn references_have_the_documented_shape() {
        for seed in [0, 1, 2, 42, u64::MAX] {
            let value = reference(seed);
            assert_eq!(value.len(), 17, "{value}");
            assert!(value.starts_with("TW"), "{value}");
            assert!(!value[2..].contains(['I', 'L', 'O', 'U']), "{value}");
            assert!(value[15..].bytes().all(|byte| byte.is_ascii_digit()), "{value}");
            assert!(is_valid_reference(&value), "{value}");
        }
    }

    #[test]
    fn references_are_deterministic_and_distinct() {
        assert_eq!(reference(7), reference(7));
        let seen: HashSet<String> = (0..10_000).map(reference).collect();
        assert_eq!(seen.len(), 10_000);
    }

    #[test]
    fn validation_ignores_case_and_spaces() {
        let value = reference(12_345);
        let spaced: String = value
            .to_ascii_lowercase()
            .chars()
            .enumerate()
            .flat_map(|(index, c)| if index % 4 == 3 { vec![c, ' '] } else { vec![c] })
            .collect();
        assert!(is_valid_reference(&spaced), "{spaced}");
        assert_eq!(normalize_reference(&spaced), Some(value));
    }

    #[test]
    fn validation_rejects_malformed_references() {
        let value = reference(99);
        assert!(!is_valid_reference(&value[..16]));
        assert!(!is_valid_reference(&format!("{value}0")));
        assert!(!is_valid_reference(&value.replacen("TW", "TX", 1)));
        assert!(!is_valid_reference(&format!("TWI{}", &value[3..])));
        assert!(!is_valid_reference("TW0000000000000AB"));
        assert!(!is_valid_reference(""));
        assert!(!is_valid_reference("TW00000000000é00"));
    }

    #[test]
    fn receiving_accounts_are_well_formed() -> Result<(), tradewind_money::CurrencyError> {
        let eur = receiving_account(currency("EUR")?);
        assert!(eur.iban.starts_with("NL") && eur.is_iban());
        let gbp = receiving_account(currency("GBP")?);
        assert!(gbp.iban.starts_with("GB") && gbp.is_iban());
        for code in ["USD", "JPY", "MXN"] {
            let account = receiving_account(currency(code)?);
            assert!(!account.is_iban(), "{code}");
            assert_ne!(account, eur, "{code}");
        }
        assert_eq!(receiving_account(currency("CHF")?), eur);
        for account in [EUR_ACCOUNT, GBP_ACCOUNT, USD_ACCOUNT, JPY_ACCOUNT, MXN_ACCOUNT] {
            // A BIC is bank (4 letters), country (2 letters) and location (2).
            assert_eq!(account.bic.len(), 8, "{}", account.bic);
            assert!(account.bic[..6].bytes().all(|byte| byte.is_ascii_uppercase()), "{}", account.bic);
        }
        Ok(())
    }

    #[test]
    fn the_mxn_clabe_has_a_correct_check_digit() {
        let digits: Vec<u32> = MXN_ACCOUNT.iban.chars().filter_map(|c| c.to_digit(10)).collect();
        assert_eq!(digits.len(), 18);
        let weights = [3, 7, 1];
        let sum: u32 = digits[..17].iter().enumerate().map(|(index, digit)| digit * weights[index % 3] % 10).sum();
        assert_eq!((10 - sum % 10) % 10, digits[17]);
    }

    #[test]
    fn funding_compares_the_running_total() {
        assert_eq!(apply_funds(10_000, 0), Funding::Partial { remaining_minor: 10_000 });
        assert_eq!(apply_funds(10_000, 4_000), Funding::Partial { remaining_minor: 6_000 });
        assert_eq!(apply_funds(10_000, 10_000), Funding::Exact);
        assert_eq!(apply_funds(10_000, 10_001), Funding::Over { excess_minor: 1 });
        assert_eq!(apply_funds(i64::MAX, i64::MIN), Funding::Partial { remaining_minor: i64::MAX });
    }

    proptest! {
        #[test]
        fn every_reference_validates(seed in any::<u64>()) {
            prop_assert!(is_valid_reference(&reference(seed)));
        }

        #[test]
        fn one_mistyped_character_is_caught(seed in any::<u64>(), position in 0usize..17, shift in 1usize..32) {
            let value = reference(seed);
            let mut typed: Vec<u8> = value.clone().into_bytes();
            typed[position] = if position < 15 {
                let index = REFERENCE_ALPHABET.iter().position(|byte| *byte == typed[position]).unwrap_or(0);
                REFERENCE_ALPHABET[(index + shift) % 32]
            } else {
                let digit = usize::from(typed[position] - b'0');
                b'0' + ((digit + 1 + shift % 9) % 10) as u8
            };
            let typed = String::from_utf8_lossy(&typed).into_owned();
            prop_assert_ne!(&typed, &value);
            prop_assert!(!is_valid_reference(&typed), "{}", typed);
        }

        #[test]
        fn swapped_neighbours_are_caught(seed in any::<u64>(), position in 2usize..16) {
            let value = reference(seed);
            let mut typed: Vec<u8> = value.clone().into_bytes();
            typed.swap(position, position + 1);
            let typed = String::from_utf8_lossy(&typed).into_owned();
            prop_assume!(typed != value);
            prop_assert!(!is_valid_reference(&typed), "{}", typed);
        }

        #[test]
        fn funding_accounts_for_every_minor_unit(expected in 1i64..1_000_000_000_000, received in 0i64..1_000_000_000_000) {
            match apply_funds(expected, received) {
                Funding::Partial { remaining_minor } => {
                    prop_assert!(remaining_minor > 0);
                    prop_assert_eq!(received + remaining_minor, expected);
                }
                Funding::Exact => prop_assert_eq!(received, expected),
                Funding::Over { excess_minor } => {
                    prop_assert!(excess_minor > 0);
                    prop_assert_eq!(received - excess_minor, expected);
                }
            }
        }
    }
}
