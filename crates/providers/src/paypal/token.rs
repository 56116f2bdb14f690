//! PayPal's OAuth2 access token, kept until shortly before it expires.
//!
//! Pure: the caller passes "now" (Unix seconds) to every call, so tests decide when
//! a token expires. A token is used until [`REFRESH_MARGIN_SECONDS`] before its
//! `expires_in` runs out (half its life for tokens shorter than twice the margin), so a
//! request never leaves with a token about to lapse in flight.

use crate::secret::Secret;

/// A token is replaced this long before PayPal would expire it.
pub const REFRESH_MARGIN_SECONDS: i64 = 300;

#[derive(Debug, Default)]
pub struct TokenCache {
    cached: Option<CachedToken>,
}

#[derive(Debug)]
struct CachedToken {
    token: Secret,
    refresh_at: i64,
}

impl TokenCache {
    pub fn new() -> Self {
        TokenCache::default()
    }

    /// The cached token, if it is still good at `now`.
    pub fn get(&self, now: i64) -> Option<&Secret> {
        self.cached.as_ref().filter(|cached| now < cached.refresh_at).map(|cached| &cached.token)
    }

    /// Keeps a token PayPal issued at `now`, valid for `expires_in_seconds`.
    pub fn store(&mut self, token: Secret, expires_in_seconds: i64, now: i64) {
        let lifetime = expires_in_seconds.max(0);
        let margin = REFRESH_MARGIN_SECONDS.min(lifetime / 2);
        self.cached = Some(CachedToken { token, refresh_at: now.saturating_add(lifetime - margin) });
    }

    /// Forgets `token` after PayPal refused it; a token another caller fetched since is
    /// kept.
    pub fn invalidate(&mut self, token: &Secret) {
        if self.cached.as_ref().is_some_and(|cached| &cached.token == token) {
            self.cached = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_until_the_margin_before_expiry() {
        let mut cache = TokenCache::new();
        assert_eq!(cache.get(1_000), None);
        cache.store(Secret::new("A21AA-one"), 32_400, 1_000);
        assert_eq!(cache.get(1_000).map(Secret::expose), Some("A21AA-one"));
        assert_eq!(cache.get(1_000 + 32_400 - 301).map(Secret::expose), Some("A21AA-one"));
        assert_eq!(cache.get(1_000 + 32_400 - 300), None);
    }

    #[test]
    fn short_tokens_refresh_at_half_life() {
        let mut cache = TokenCache::new();
        cache.store(Secret::new("short"), 100, 0);
        assert!(cache.get(49).is_some());
        assert!(cache.get(50).is_none());
        cache.store(Secret::new("dead"), 0, 0);
        assert!(cache.get(0).is_none());
    }

    #[test]
    fn invalidates_only_the_refused_token() {
        let mut cache = TokenCache::new();
        cache.store(Secret::new("new"), 1_000, 0);
        cache.invalidate(&Secret::new("old"));
        assert!(cache.get(1).is_some());
        cache.invalidate(&Secret::new("new"));
        assert!(cache.get(1).is_none());
    }
}
