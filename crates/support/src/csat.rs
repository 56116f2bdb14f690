//! Customer satisfaction: after a conversation is resolved the buyer rates it 1 to 5
//! and may say why. A 4 or 5 counts as satisfied, the usual CSAT definition, so the
//! score is the share of satisfied ratings.

use crate::SupportError;
use crate::name::echo;

/// The longest comment, in characters.
pub const CSAT_COMMENT_CHARS_MAX: usize = 1_000;
/// How long after resolution the buyer may still rate: 7 days. Later ratings describe
/// memory more than service.
pub const CSAT_WINDOW_SECONDS: i64 = 7 * 24 * 60 * 60;

/// A rating from 1 (very dissatisfied) to 5 (very satisfied).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rating(u8);

impl Rating {
    pub const MIN: u8 = 1;
    pub const MAX: u8 = 5;

    pub fn new(value: u8) -> Result<Rating, SupportError> {
        if (Rating::MIN..=Rating::MAX).contains(&value) {
            Ok(Rating(value))
        } else {
            Err(SupportError::RatingInvalid { value: value.to_string() })
        }
    }

    /// Parses `"1"` … `"5"` (surrounding spaces allowed), as a form or a query sends it.
    pub fn parse(value: &str) -> Result<Rating, SupportError> {
        value
            .trim()
            .parse::<u8>()
            .ok()
            .and_then(|number| Rating::new(number).ok())
            .ok_or_else(|| SupportError::RatingInvalid { value: echo(value) })
    }

    pub fn value(self) -> u8 {
        self.0
    }

    /// 4 or 5.
    pub fn is_satisfied(self) -> bool {
        self.0 >= 4
    }
}

/// A buyer's rating of a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Csat {
    rating: Rating,
    comment: Option<String>,
}

impl Csat {
    /// A rating and an optional comment (trimmed; blank means none; at most
    /// [`CSAT_COMMENT_CHARS_MAX`] characters).
    pub fn new(rating: Rating, comment: Option<&str>) -> Result<Csat, SupportError> {
        let comment = comment.map(str::trim).filter(|comment| !comment.is_empty());
        if let Some(comment) = comment {
            let length_chars = comment.chars().count();
            if length_chars > CSAT_COMMENT_CHARS_MAX {
                return Err(SupportError::CsatCommentTooLong { length_chars, chars_max: CSAT_COMMENT_CHARS_MAX });
            }
        }
        Ok(Csat { rating, comment: comment.map(str::to_owned) })
    }

    pub fn rating(&self) -> Rating {
        self.rating
    }

    pub fn comment(&self) -> Option<&str> {
        self.comment.as_deref()
    }
}

/// Whether a conversation resolved at `resolved_at` (`None`: not resolved) can be rated
/// at `now`: only once resolved, and within [`CSAT_WINDOW_SECONDS`].
pub fn check_rating_window(resolved_at: Option<i64>, now: i64) -> Result<(), SupportError> {
    let resolved_at = resolved_at.ok_or(SupportError::CsatNotResolved)?;
    if now.saturating_sub(resolved_at) > CSAT_WINDOW_SECONDS {
        return Err(SupportError::CsatWindowClosed { window_seconds: CSAT_WINDOW_SECONDS });
    }
    Ok(())
}

/// The CSAT score: the percentage of satisfied ratings, rounded half up, or `None`
/// without ratings.
pub fn satisfaction_percent(ratings: &[Rating]) -> Option<u8> {
    if ratings.is_empty() {
        return None;
    }
    let satisfied = ratings.iter().filter(|rating| rating.is_satisfied()).count() as u64;
    let total = ratings.len() as u64;
    let percent = (satisfied * 200 + total) / (total * 2);
    Some(u8::try_from(percent).unwrap_or(100))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_one_to_five() {
        for value in 1..=5 {
            assert_eq!(Rating::new(value).unwrap().value(), value);
            assert_eq!(Rating::parse(&format!(" {value} ")).unwrap().value(), value);
        }
        for invalid in ["0", "6", "", "4.5", "five", "-1", "256", "05x"] {
            assert!(matches!(Rating::parse(invalid), Err(SupportError::RatingInvalid { .. })), "{invalid}");
        }
        assert_eq!(Rating::new(0), Err(SupportError::RatingInvalid { value: "0".to_owned() }));
        assert!(Rating::new(4).unwrap().is_satisfied());
        assert!(!Rating::new(3).unwrap().is_satisfied());
    }

    #[test]
    fn comments_are_trimmed_and_bounded() {
        let rating = Rating::new(5).unwrap();
        assert_eq!(Csat::new(rating, Some("  quick and kind ")).unwrap().comment(), Some("quick and kind"));
        assert_eq!(Csat::new(rating, Some("   ")).unwrap().comment(), None);
        assert_eq!(Csat::new(rating, None).unwrap().rating(), rating);
        assert!(Csat::new(rating, Some(&"字".repeat(CSAT_COMMENT_CHARS_MAX))).is_ok());
        assert!(matches!(
            Csat::new(rating, Some(&"字".repeat(CSAT_COMMENT_CHARS_MAX + 1))),
            Err(SupportError::CsatCommentTooLong { .. })
        ));
    }

    #[test]
    fn the_rating_window_follows_resolution() {
        assert_eq!(check_rating_window(None, 10), Err(SupportError::CsatNotResolved));
        assert_eq!(check_rating_window(Some(10), 10 + CSAT_WINDOW_SECONDS), Ok(()));
        assert!(matches!(
            check_rating_window(Some(10), 11 + CSAT_WINDOW_SECONDS),
            Err(SupportError::CsatWindowClosed { .. })
        ));
    }

    #[test]
    fn satisfaction_is_the_share_of_fours_and_fives() {
        let ratings = |values: &[u8]| values.iter().map(|&value| Rating::new(value).unwrap()).collect::<Vec<_>>();
        assert_eq!(satisfaction_percent(&[]), None);
        assert_eq!(satisfaction_percent(&ratings(&[5, 4, 3, 1])), Some(50));
        assert_eq!(satisfaction_percent(&ratings(&[5, 5, 1])), Some(67));
        assert_eq!(satisfaction_percent(&ratings(&[5, 1, 1])), Some(33));
        assert_eq!(satisfaction_percent(&ratings(&[1, 1, 1, 1, 1, 1, 1, 5])), Some(13));
        assert_eq!(satisfaction_percent(&ratings(&[4])), Some(100));
    }
}
