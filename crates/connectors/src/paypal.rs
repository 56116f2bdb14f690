//! PayPal in the sandbox: order ids shaped like PayPal's own (17 upper-case letters
//! and digits, such as `5O190127TN364715T`), so integrations that check the shape
//! accept them.

use crate::permutation::scramble;

/// The length of a PayPal order id.
pub const ORDER_ID_LENGTH: usize = 17;
const ORDER_ID_ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// A `u64` needs 13 base-36 digits; the 4 before them only dress the id up.
const UNIQUE_DIGITS: usize = 13;
/// Keep order ids apart from other ids built from the same seeds.
const ORDER_ID_SALT: u64 = 0x5041_5950_414c_4f52;
const PADDING_SALT: u64 = 0x4f52_4445_5249_4453;

/// The order id for `seed`. The same seed always gives the same id, and different
/// seeds give different ids: the last 13 digits spell a bijective scramble of the
/// seed in base 36, and the first 4 come from a second scramble so they vary too.
pub fn order_id(seed: u64) -> String {
    let mut digits = [b'0'; ORDER_ID_LENGTH];
    let (padding, unique) = digits.split_at_mut(ORDER_ID_LENGTH - UNIQUE_DIGITS);
    write_base36(unique, scramble(seed, ORDER_ID_SALT));
    write_base36(padding, scramble(seed, PADDING_SALT));
    digits.iter().map(|byte| char::from(*byte)).collect()
}

/// Writes the lowest base-36 digits of `value` into `slots`, most significant first.
fn write_base36(slots: &mut [u8], mut value: u64) {
    for slot in slots.iter_mut().rev() {
        *slot = ORDER_ID_ALPHABET[(value % 36) as usize];
        value /= 36;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn thirteen_digits_hold_every_seed() {
        assert!(36u128.pow(UNIQUE_DIGITS as u32) > u128::from(u64::MAX));
    }

    #[test]
    fn the_first_digits_vary() {
        let leading: HashSet<String> = (0..100).map(|seed| order_id(seed)[..4].to_owned()).collect();
        assert!(leading.len() > 90);
    }

    #[test]
    fn deterministic_and_distinct() {
        assert_eq!(order_id(1), order_id(1));
        let seen: HashSet<String> = (0..10_000).map(order_id).collect();
        assert_eq!(seen.len(), 10_000);
    }

    proptest! {
        #[test]
        fn shaped_like_a_paypal_order_id(seed in any::<u64>()) {
            let id = order_id(seed);
            prop_assert_eq!(id.len(), ORDER_ID_LENGTH);
            prop_assert!(id.bytes().all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit()));
        }

        #[test]
        fn different_seeds_give_different_ids(first in any::<u64>(), second in any::<u64>()) {
            prop_assume!(first != second);
            prop_assert_ne!(order_id(first), order_id(second));
        }
    }
}
