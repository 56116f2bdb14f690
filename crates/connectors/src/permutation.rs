//! A bijective scramble of 64-bit seeds. Sandbox references and order ids are built
//! from a seed (often a counter); scrambling it first makes consecutive seeds give
//! unrelated-looking values, and because the scramble is a bijection two different
//! seeds can never give the same value.

/// Scrambles `seed` under `salt`. Each step (xor with a constant, xor-shift right,
/// multiplication by an odd constant modulo 2^64) is invertible, so the whole
/// function is a permutation of `u64` for every salt. The steps are splitmix64's
/// finaliser; different salts keep different kinds of id uncorrelated.
pub(crate) fn scramble(seed: u64, salt: u64) -> u64 {
    let mut value = seed ^ salt;
    value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    value ^ (value >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The inverse of `value ^= value >> shift`.
    fn unshift(value: u64, shift: u32) -> u64 {
        let mut result = value;
        let mut step = shift;
        while step < 64 {
            result = value ^ (result >> shift);
            step += shift;
        }
        value ^ (result >> shift)
    }

    /// The multiplicative inverse of an odd number modulo 2^64, by Newton's iteration.
    fn inverse(odd: u64) -> u64 {
        let mut result = odd;
        for _ in 0..6 {
            result = result.wrapping_mul(2u64.wrapping_sub(odd.wrapping_mul(result)));
        }
        result
    }

    fn unscramble(value: u64, salt: u64) -> u64 {
        let mut result = unshift(value, 31);
        result = unshift(result.wrapping_mul(inverse(0x94d0_49bb_1331_11eb)), 27);
        result = unshift(result.wrapping_mul(inverse(0xbf58_476d_1ce4_e5b9)), 30);
        result ^ salt
    }

    #[test]
    fn consecutive_seeds_look_unrelated() {
        let first = scramble(1, 0);
        let second = scramble(2, 0);
        assert!((first ^ second).count_ones() > 16);
    }

    proptest! {
        #[test]
        fn scramble_is_a_bijection(seed in any::<u64>(), salt in any::<u64>()) {
            prop_assert_eq!(unscramble(scramble(seed, salt), salt), seed);
        }
    }
}
