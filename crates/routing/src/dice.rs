//! Randomness as an argument. Routing draws a number only to split volume and to
//! decide when to explore; the caller passes the source, so production uses a real
//! generator and tests a seeded one (or a scripted one that forces a branch).

/// A source of uniform random numbers.
pub trait Dice {
    /// A uniformly random number in `0..bound`. A `bound` of 0 is read as 1 (the
    /// answer is then 0).
    fn below(&mut self, bound: u32) -> u32;
}

/// Every `rand` generator is a die: `StdRng::seed_from_u64(7)` in tests,
/// `rand::rng()` in the server.
impl<R: rand::Rng + ?Sized> Dice for R {
    fn below(&mut self, bound: u32) -> u32 {
        rand::RngExt::random_range(self, 0..bound.max(1))
    }
}

/// Whether an event of `percent` % chance happens on this roll.
pub(crate) fn chance_percent(dice: &mut (impl Dice + ?Sized), percent: u32) -> bool {
    dice.below(100) < percent
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn a_seeded_generator_stays_below_the_bound_and_reaches_every_value() {
        let mut dice = StdRng::seed_from_u64(1);
        let mut seen = [false; 7];
        for _ in 0..1_000 {
            let value = dice.below(7);
            assert!(value < 7);
            seen[value as usize] = true;
        }
        assert!(seen.iter().all(|&hit| hit));
        assert_eq!(dice.below(0), 0);
    }

    #[test]
    fn zero_and_hundred_percent_are_certain() {
        let mut dice = StdRng::seed_from_u64(2);
        assert!((0..1_000).all(|_| !chance_percent(&mut dice, 0)));
        assert!((0..1_000).all(|_| chance_percent(&mut dice, 100)));
    }
}
