//! A sliding window of recent outcomes for one connector × method × country: the last
//! `capacity` outcomes, of which only those younger than `max_age_seconds` count. A
//! success rate is successes over everything else (declines, errors and timeouts all
//! count against it: a connector that declines more gets fewer payments).

use std::collections::VecDeque;

/// Counts over a window at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WindowStats {
    pub successes: u32,
    pub total: u32,
}

impl WindowStats {
    /// The success rate in basis points (9,400 = 94 %), `None` with no outcomes.
    /// Integer so that comparisons with thresholds are exact.
    pub fn rate_basis_points(&self) -> Option<u32> {
        if self.total == 0 {
            return None;
        }
        let rate = u64::from(self.successes) * 10_000 / u64::from(self.total);
        Some(u32::try_from(rate).unwrap_or(10_000))
    }
}

/// The window itself. Outcomes are expected roughly in time order; one recorded late
/// is kept in arrival order (and ages out with its neighbours).
#[derive(Debug, Clone)]
pub(crate) struct SuccessWindow {
    /// `(recorded at, success)`, oldest first, at most `capacity` long.
    outcomes: VecDeque<(i64, bool)>,
    successes: u32,
    capacity: usize,
}

impl SuccessWindow {
    pub(crate) fn new(capacity: usize) -> SuccessWindow {
        SuccessWindow { outcomes: VecDeque::with_capacity(capacity.min(64)), successes: 0, capacity: capacity.max(1) }
    }

    pub(crate) fn record(&mut self, success: bool, now: i64) {
        if self.outcomes.len() == self.capacity
            && let Some((_, oldest)) = self.outcomes.pop_front()
        {
            self.successes -= u32::from(oldest);
        }
        self.outcomes.push_back((now, success));
        self.successes += u32::from(success);
    }

    /// The counts at `now`, leaving out outcomes older than `max_age_seconds`. Reads
    /// only the expired head, so a fresh window costs nothing to read.
    pub(crate) fn stats(&self, now: i64, max_age_seconds: i64) -> WindowStats {
        let oldest_counted = now.saturating_sub(max_age_seconds);
        let mut successes = self.successes;
        let mut total = self.outcomes.len();
        for &(_, success) in self.outcomes.iter().take_while(|(at, _)| *at < oldest_counted) {
            successes -= u32::from(success);
            total -= 1;
        }
        WindowStats { successes, total: u32::try_from(total).unwrap_or(u32::MAX) }
    }

    /// When the newest outcome was recorded (for evicting idle windows).
    pub(crate) fn last_recorded_at(&self) -> i64 {
        self.outcomes.back().map_or(i64::MIN, |(at, _)| *at)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_outcomes_count() {
        let mut window = SuccessWindow::new(4);
        for success in [false, false, true, true, true, true] {
            window.record(success, 10);
        }
        assert_eq!(window.stats(10, 60), WindowStats { successes: 4, total: 4 });
        window.record(false, 10);
        assert_eq!(window.stats(10, 60), WindowStats { successes: 3, total: 4 });
        assert_eq!(window.stats(10, 60).rate_basis_points(), Some(7_500));
    }

    #[test]
    fn old_outcomes_age_out() {
        let mut window = SuccessWindow::new(100);
        window.record(false, 100);
        window.record(false, 150);
        window.record(true, 200);
        assert_eq!(window.stats(200, 100), WindowStats { successes: 1, total: 3 });
        // At 250 the outcome of 100 is 150 s old; the one of 150, exactly 100 s, still counts.
        assert_eq!(window.stats(250, 100), WindowStats { successes: 1, total: 2 });
        assert_eq!(window.stats(251, 100), WindowStats { successes: 1, total: 1 });
        assert_eq!(window.stats(1_000, 100), WindowStats { successes: 0, total: 0 });
        assert_eq!(window.stats(1_000, 100).rate_basis_points(), None);
        assert_eq!(window.last_recorded_at(), 200);
    }

    #[test]
    fn rates_are_floored_basis_points() {
        assert_eq!(WindowStats { successes: 2, total: 3 }.rate_basis_points(), Some(6_666));
        assert_eq!(WindowStats { successes: 5, total: 5 }.rate_basis_points(), Some(10_000));
    }
}
