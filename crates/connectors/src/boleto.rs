//! Brazilian Boleto vouchers as the sandbox bank issues them: the 44-digit FEBRABAN
//! barcode, the 47-digit "linha digitável" a buyer types into a banking app, the due
//! date and expiry in São Paulo time, and when a paid voucher is confirmed.
//!
//! Barcode layout (positions 1-based, as FEBRABAN numbers them):
//!
//! | positions | content                                                        |
//! | --------- | -------------------------------------------------------------- |
//! | 1–3       | bank code ([`BANK_CODE`])                                      |
//! | 4         | currency, `9` for the real                                     |
//! | 5         | general check digit (mod 11 over the other 43 digits)          |
//! | 6–9       | due factor (days since 1997-10-07, restarting at 1000 in 2025) |
//! | 10–19     | amount in centavos                                             |
//! | 20–44     | free field, laid out by the issuing bank                       |
//!
//! The free field follows Bradesco's layout (agency, wallet, our number, account, a
//! zero) with sandbox agency and account numbers: bank 237 is a real code, but no
//! voucher issued here is registered with it. São Paulo time and business days
//! ([`sao_paulo_offset`], [`is_business_day`], [`confirmation_time`]) live in a
//! `calendar` submodule and are re-exported here.

mod calendar;

pub use calendar::{confirmation_time, is_business_day, sao_paulo_offset};

use time::macros::{date, time};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

/// The bank that issues sandbox vouchers (Bradesco's code; sandbox use only).
pub const BANK_CODE: &str = "237";
/// The currency digit for the Brazilian real.
const CURRENCY_DIGIT: u8 = 9;
/// The sandbox beneficiary's agency, wallet ("carteira") and account, as laid out in
/// Bradesco's free field.
const SANDBOX_AGENCY: &str = "0001";
const SANDBOX_WALLET: &str = "09";
const SANDBOX_ACCOUNT: &str = "0012345";
/// Our number ("nosso número") fills 11 digits of the free field.
pub const MAX_OUR_NUMBER: u64 = 99_999_999_999;
/// The amount field holds 10 digits of centavos.
pub const MAX_AMOUNT_MINOR: i64 = 9_999_999_999;

const BARCODE_LENGTH: usize = 44;
const DIGITABLE_LINE_LENGTH: usize = 47;

/// Day zero of the due factor.
const FACTOR_BASE_DATE: Date = date!(1997 - 10 - 07);
/// Factor 9999 fell on 2025-02-21; from the next day the factor starts again at 1000.
const FACTOR_RESTART_DATE: Date = date!(2025 - 02 - 22);
const FACTOR_MINIMUM: i64 = 1_000;
/// How many factors a cycle has (1000 through 9999).
const FACTOR_CYCLE_DAYS: i64 = 9_000;

/// A voucher is payable until the last second of its due date, São Paulo time.
const EXPIRY_TIME: Time = time!(23:59:59);
/// An issued voucher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voucher {
    /// The 44 digits encoded in the printed barcode.
    pub barcode: String,
    /// The 47 digits the buyer types, formatted as
    /// `AAAAA.AAAAA BBBBB.BBBBBB CCCCC.CCCCCC D EEEEFFFFFFFFFF`.
    pub digitable_line: String,
    /// The last moment the voucher can be paid: 23:59:59 São Paulo time on the due date.
    pub expires_at: OffsetDateTime,
    pub due_date: Date,
}

/// Why a voucher cannot be issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoletoError {
    #[error("a boleto amount must be positive")]
    AmountNotPositive,
    #[error("a boleto amount holds at most 10 digits of centavos, {amount_minor} does not fit")]
    AmountTooLarge { amount_minor: i64 },
    #[error("our number holds at most 11 digits, {our_number} does not fit")]
    OurNumberTooLarge { our_number: u64 },
    #[error("the due date has no due factor (it must be from 2000-07-03 on)")]
    DueDateOutOfRange,
}

/// Why a typed digitable line is not a boleto's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigitableLineError {
    #[error("a digitable line has 47 digits, separated only by dots and spaces")]
    NotFortySevenDigits,
    #[error("field {field} of the digitable line has a wrong check digit")]
    FieldCheckDigit { field: u8 },
    #[error("the digitable line's general check digit is wrong")]
    GeneralCheckDigit,
}

/// Issues a voucher for `amount_minor` centavos, identified by `our_number`, payable
/// until `days_valid` days after the São Paulo date of `issued_at`, at 23:59:59 there.
pub fn issue(
    our_number: u64,
    amount_minor: i64,
    issued_at: OffsetDateTime,
    days_valid: u8,
) -> Result<Voucher, BoletoError> {
    if amount_minor <= 0 {
        return Err(BoletoError::AmountNotPositive);
    }
    if amount_minor > MAX_AMOUNT_MINOR {
        return Err(BoletoError::AmountTooLarge { amount_minor });
    }
    if our_number > MAX_OUR_NUMBER {
        return Err(BoletoError::OurNumberTooLarge { our_number });
    }
    let issue_date = issued_at.checked_to_offset(sao_paulo_offset()).ok_or(BoletoError::DueDateOutOfRange)?.date();
    let due_date =
        issue_date.checked_add(Duration::days(i64::from(days_valid))).ok_or(BoletoError::DueDateOutOfRange)?;
    let factor = due_factor(due_date)?;
    let barcode = barcode_digits(factor, amount_minor, &free_field(our_number));
    Ok(Voucher {
        barcode: to_text(&barcode),
        digitable_line: digitable_line(&barcode),
        expires_at: PrimitiveDateTime::new(due_date, EXPIRY_TIME).assume_offset(sao_paulo_offset()),
        due_date,
    })
}

/// The four-digit due factor of a date: days since 1997-10-07 until 2025-02-21
/// (factor 9999), then 1000 again from 2025-02-22, cycling every 9000 days.
pub fn due_factor(due_date: Date) -> Result<u16, BoletoError> {
    let factor = if due_date < FACTOR_RESTART_DATE {
        (due_date - FACTOR_BASE_DATE).whole_days()
    } else {
        FACTOR_MINIMUM + (due_date - FACTOR_RESTART_DATE).whole_days() % FACTOR_CYCLE_DAYS
    };
    if factor < FACTOR_MINIMUM {
        return Err(BoletoError::DueDateOutOfRange);
    }
    u16::try_from(factor).map_err(|_| BoletoError::DueDateOutOfRange)
}

/// Rebuilds the 44-digit barcode from a typed digitable line, checking every check
/// digit on the way, as a banking app does before it accepts the line.
pub fn barcode_from_digitable_line(line: &str) -> Result<String, DigitableLineError> {
    if !line.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ' ') {
        return Err(DigitableLineError::NotFortySevenDigits);
    }
    let digits: Vec<u8> = line.bytes().filter(u8::is_ascii_digit).map(|byte| byte - b'0').collect();
    if digits.len() != DIGITABLE_LINE_LENGTH {
        return Err(DigitableLineError::NotFortySevenDigits);
    }
    let fields = [(1, &digits[0..10]), (2, &digits[10..21]), (3, &digits[21..32])];
    for (field, slice) in fields {
        if let Some((check_digit, data)) = slice.split_last()
            && mod10_check_digit(data) != *check_digit
        {
            return Err(DigitableLineError::FieldCheckDigit { field });
        }
    }
    // Bank and currency, due factor and amount, then the free field's three pieces.
    let mut barcode = [&digits[0..4], &digits[33..47], &digits[4..9], &digits[10..20], &digits[21..31]].concat();
    let general_check = digits[32];
    if general_check_digit(&barcode) != general_check {
        return Err(DigitableLineError::GeneralCheckDigit);
    }
    barcode.insert(4, general_check);
    Ok(to_text(&barcode))
}

/// Bradesco's 25-digit free field: agency (4), wallet (2), our number (11), account
/// (7) and a zero.
fn free_field(our_number: u64) -> String {
    format!("{SANDBOX_AGENCY}{SANDBOX_WALLET}{our_number:011}{SANDBOX_ACCOUNT}0")
}

/// The 44 barcode digits, general check digit included.
fn barcode_digits(factor: u16, amount_minor: i64, free_field: &str) -> Vec<u8> {
    let text = format!("{BANK_CODE}{CURRENCY_DIGIT}{factor:04}{amount_minor:010}{free_field}");
    let mut digits: Vec<u8> = text.bytes().map(|byte| byte.wrapping_sub(b'0')).collect();
    let check_digit = general_check_digit(&digits);
    digits.insert(4, check_digit);
    debug_assert_eq!(digits.len(), BARCODE_LENGTH);
    digits
}

/// The general check digit over the 43 barcode digits other than position 5: mod 11,
/// weights 2 to 9 from the right, cycling; results 0, 10 and 11 become 1.
fn general_check_digit(without_check: &[u8]) -> u8 {
    let sum: u32 = without_check
        .iter()
        .rev()
        .enumerate()
        .map(|(position, digit)| u32::from(*digit) * (2 + (position as u32 % 8)))
        .sum();
    match 11 - sum % 11 {
        0 | 10 | 11 => 1,
        digit => digit as u8,
    }
}

/// The mod-10 check digit of a digitable-line field: weights 2, 1, 2, … from the
/// right, two-digit products summed digit by digit.
fn mod10_check_digit(data: &[u8]) -> u8 {
    let sum: u32 = data
        .iter()
        .rev()
        .enumerate()
        .map(|(position, digit)| {
            let product = u32::from(*digit) * if position % 2 == 0 { 2 } else { 1 };
            product / 10 + product % 10
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// The formatted digitable line of a 44-digit barcode.
fn digitable_line(barcode: &[u8]) -> String {
    let with_check = |data: Vec<u8>| {
        let mut field = data;
        field.push(mod10_check_digit(&field));
        to_text(&field)
    };
    let field1 = with_check([&barcode[0..4], &barcode[19..24]].concat());
    let field2 = with_check(barcode[24..34].to_vec());
    let field3 = with_check(barcode[34..44].to_vec());
    let field4 = to_text(&barcode[4..5]);
    let field5 = to_text(&barcode[5..19]);
    format!(
        "{}.{} {}.{} {}.{} {field4} {field5}",
        &field1[..5],
        &field1[5..],
        &field2[..5],
        &field2[5..],
        &field3[..5],
        &field3[5..]
    )
}

fn to_text(digits: &[u8]) -> String {
    digits.iter().map(|digit| char::from(b'0' + digit)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn digits_of(text: &str) -> Vec<u32> {
        text.chars().filter_map(|c| c.to_digit(10)).collect()
    }

    /// Recomputes the general check digit the way FEBRABAN's manual states it: weights
    /// 2..9 repeating from the last digit leftwards, over the barcode without digit 5.
    fn recomputed_general_digit(barcode: &str) -> u32 {
        let digits = digits_of(barcode);
        let body: Vec<u32> = digits[..4].iter().chain(&digits[5..]).copied().collect();
        let weights = [2, 3, 4, 5, 6, 7, 8, 9];
        let mut sum = 0;
        for (index, digit) in body.iter().rev().enumerate() {
            sum += digit * weights[index % weights.len()];
        }
        let result = 11 - (sum % 11);
        if result == 0 || result == 10 || result == 11 { 1 } else { result }
    }

    /// Recomputes a field's mod-10 digit with the alternating 2-1 weights.
    fn recomputed_field_digit(data: &str) -> u32 {
        let mut sum = 0;
        let mut weight = 2;
        for digit in digits_of(data).iter().rev() {
            let product = digit * weight;
            sum += if product > 9 { product - 9 } else { product };
            weight = 3 - weight;
        }
        (10 - sum % 10) % 10
    }

    #[test]
    fn issues_a_voucher_with_the_febraban_layout() -> TestResult {
        // 22:00 in São Paulo on 9 March 2025 is already the 10th in UTC.
        let voucher = issue(12_345, 15_990, datetime!(2025-03-10 01:00 UTC), 3)?;
        assert_eq!(voucher.due_date, date!(2025 - 03 - 12));
        assert_eq!(voucher.expires_at, datetime!(2025-03-12 23:59:59 -3));
        assert_eq!(voucher.expires_at, datetime!(2025-03-13 02:59:59 UTC));

        let barcode = &voucher.barcode;
        assert_eq!(barcode.len(), 44);
        assert!(barcode.bytes().all(|byte| byte.is_ascii_digit()));
        assert_eq!(&barcode[0..3], "237");
        assert_eq!(&barcode[3..4], "9");
        // 2025-03-12 is 18 days after the restart at 1000.
        assert_eq!(&barcode[5..9], "1018");
        assert_eq!(&barcode[9..19], "0000015990");
        assert_eq!(&barcode[19..44], "0001090000001234500123450");
        assert_eq!(digits_of(&barcode[4..5])[0], recomputed_general_digit(barcode));
        // Computed independently of this module, from the FEBRABAN rules.
        assert_eq!(barcode, "23791101800000159900001090000001234500123450");
        assert_eq!(voucher.digitable_line, "23790.00108 90000.001231 45001.234504 1 10180000015990");
        Ok(())
    }

    #[test]
    fn digitable_line_has_the_documented_shape_and_check_digits() -> TestResult {
        let voucher = issue(98_765_432_109, 4_999_999, datetime!(2026-07-01 12:00 UTC), 5)?;
        let line = &voucher.digitable_line;
        let groups: Vec<&str> = line.split(' ').collect();
        assert_eq!(groups.iter().map(|group| group.len()).collect::<Vec<_>>(), [11, 12, 12, 1, 14]);
        assert_eq!(line.chars().filter(char::is_ascii_digit).count(), 47);
        for group in &groups[..3] {
            assert_eq!(group.find('.'), Some(5), "{group}");
            let digits: String = group.chars().filter(char::is_ascii_digit).collect();
            let (data, check) = digits.split_at(digits.len() - 1);
            assert_eq!(digits_of(check)[0], recomputed_field_digit(data), "{group}");
        }
        assert_eq!(groups[3], &voucher.barcode[4..5]);
        assert_eq!(groups[4], &voucher.barcode[5..19]);
        Ok(())
    }

    #[test]
    fn the_barcode_is_rebuilt_from_the_digitable_line() -> TestResult {
        let voucher = issue(1, 500, datetime!(2025-12-30 18:00 -3), 3)?;
        assert_eq!(barcode_from_digitable_line(&voucher.digitable_line)?, voucher.barcode);
        let bare: String = voucher.digitable_line.chars().filter(char::is_ascii_digit).collect();
        assert_eq!(barcode_from_digitable_line(&bare)?, voucher.barcode);
        Ok(())
    }

    #[test]
    fn typing_errors_in_the_line_are_caught() -> TestResult {
        let voucher = issue(42, 123_456, datetime!(2025-06-02 10:00 UTC), 3)?;
        let line: Vec<char> = voucher.digitable_line.chars().collect();
        let mut digit_index = 0;
        let mut field5_caught = 0;
        for (index, original) in line.iter().enumerate() {
            let Some(value) = original.to_digit(10) else {
                continue;
            };
            for replacement in (0..10).filter(|digit| *digit != value) {
                let mut typed = line.clone();
                typed[index] = char::from(b'0' + replacement as u8);
                let typed: String = typed.into_iter().collect();
                let caught = barcode_from_digitable_line(&typed).is_err();
                if digit_index < 33 {
                    // Fields 1–3 carry their own mod-10 digit; field 4 is the check
                    // digit itself.
                    assert!(caught, "{typed}");
                } else if caught {
                    field5_caught += 1;
                }
            }
            digit_index += 1;
        }
        // Field 5 leans on the general digit alone. This voucher's general digit is 1,
        // which FEBRABAN's rule gives to three mod-11 remainders, so about one single
        // error in five there slips through, as on every real boleto with that digit.
        assert!(field5_caught * 10 >= 14 * 9 * 7, "{field5_caught} of {}", 14 * 9);
        assert_eq!(barcode_from_digitable_line("1234"), Err(DigitableLineError::NotFortySevenDigits));
        let with_letter = voucher.digitable_line.replacen('0', "O", 1);
        assert_eq!(barcode_from_digitable_line(&with_letter), Err(DigitableLineError::NotFortySevenDigits));
        Ok(())
    }

    #[test]
    fn due_factor_restarts_in_2025() -> TestResult {
        assert_eq!(due_factor(date!(2000 - 07 - 03))?, 1000);
        assert_eq!(due_factor(date!(2000 - 07 - 04))?, 1001);
        assert_eq!(due_factor(date!(2025 - 02 - 21))?, 9999);
        assert_eq!(due_factor(date!(2025 - 02 - 22))?, 1000);
        assert_eq!(due_factor(date!(2025 - 02 - 23))?, 1001);
        // The next restart, 9000 days on.
        assert_eq!(due_factor(date!(2025 - 02 - 22) + Duration::days(8_999))?, 9999);
        assert_eq!(due_factor(date!(2025 - 02 - 22) + Duration::days(9_000))?, 1000);
        assert_eq!(due_factor(date!(2000 - 07 - 02)), Err(BoletoError::DueDateOutOfRange));
        Ok(())
    }

    #[test]
    fn rejects_what_does_not_fit() {
        let now = datetime!(2025-06-02 10:00 UTC);
        assert_eq!(issue(1, 0, now, 3), Err(BoletoError::AmountNotPositive));
        assert_eq!(issue(1, -5, now, 3), Err(BoletoError::AmountNotPositive));
        assert!(issue(1, MAX_AMOUNT_MINOR, now, 3).is_ok());
        assert_eq!(
            issue(1, MAX_AMOUNT_MINOR + 1, now, 3),
            Err(BoletoError::AmountTooLarge { amount_minor: MAX_AMOUNT_MINOR + 1 })
        );
        assert!(issue(MAX_OUR_NUMBER, 500, now, 3).is_ok());
        assert_eq!(
            issue(MAX_OUR_NUMBER + 1, 500, now, 3),
            Err(BoletoError::OurNumberTooLarge { our_number: MAX_OUR_NUMBER + 1 })
        );
        assert_eq!(issue(1, 500, datetime!(1999-01-01 00:00 UTC), 3), Err(BoletoError::DueDateOutOfRange));
    }

    #[test]
    fn zero_days_expires_the_same_evening() -> TestResult {
        let voucher = issue(7, 1_000, datetime!(2025-06-02 10:00 -3), 0)?;
        assert_eq!(voucher.due_date, date!(2025 - 06 - 02));
        assert_eq!(voucher.expires_at, datetime!(2025-06-02 23:59:59 -3));
        Ok(())
    }

    proptest! {
        #[test]
        fn every_voucher_is_self_consistent(
            our_number in 0..=MAX_OUR_NUMBER,
            amount_minor in 1..=MAX_AMOUNT_MINOR,
            issued_unix_seconds in 1_000_000_000i64..4_000_000_000,
            days_valid in any::<u8>(),
        ) {
            let issued_at = OffsetDateTime::from_unix_timestamp(issued_unix_seconds)
                .map_err(|error| TestCaseError::fail(error.to_string()))?;
            let voucher = issue(our_number, amount_minor, issued_at, days_valid)
                .map_err(|error| TestCaseError::fail(error.to_string()))?;
            prop_assert_eq!(voucher.barcode.len(), 44);
            prop_assert_eq!(
                digits_of(&voucher.barcode[4..5])[0],
                recomputed_general_digit(&voucher.barcode)
            );
            prop_assert_eq!(barcode_from_digitable_line(&voucher.digitable_line), Ok(voucher.barcode.clone()));
            prop_assert_eq!(voucher.barcode[9..19].parse::<i64>().ok(), Some(amount_minor));
            prop_assert!(voucher.expires_at > issued_at);
            prop_assert_eq!(voucher.expires_at.offset(), sao_paulo_offset());
        }
    }
}
