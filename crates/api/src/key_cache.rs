//! A small in-process cache of API keys and what they act as, so most requests
//! authenticate without a database query. Entries live at most [`KEY_CACHE_TTL`]: the
//! longest a change made by another process (a key rolled, a sandbox clock advanced)
//! can go unseen here. This process forgets the affected entries as soon as it rolls a
//! key or advances a clock, and a key's own expiry is checked on every hit.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};
use tradewind_storage::api_keys::ActiveKey;

/// How long an entry is trusted without asking the database again.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(1);
/// Entries kept at most; a full cache drops its stale entries, then all of them.
pub const KEY_CACHE_ENTRIES_MAX: usize = 1024;

struct Entry {
    key: ActiveKey,
    loaded_at: Instant,
}

#[derive(Default)]
struct Entries {
    by_hash: HashMap<String, Entry>,
    /// Moves on at every forgetting, so a row read before it is not cached after it.
    generation: u64,
}

/// Keyed by the key's SHA-256 hash; the key itself is never kept.
#[derive(Default)]
pub struct KeyCache {
    entries: Mutex<Entries>,
}

impl KeyCache {
    pub fn new() -> KeyCache {
        KeyCache::default()
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        // The map stays consistent even if a holder panicked: every change is one call.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached key, if it was loaded within the TTL and has not expired at `now`
    /// (Unix seconds, real time, as key expiry is).
    pub fn get(&self, key_hash: &str, now: i64) -> Option<ActiveKey> {
        let mut entries = self.entries();
        let entry = entries.by_hash.get(key_hash)?;
        if entry.loaded_at.elapsed() >= KEY_CACHE_TTL {
            entries.by_hash.remove(key_hash);
            return None;
        }
        entry.key.expires_at.is_none_or(|expires_at| expires_at > now).then(|| entry.key.clone())
    }

    /// Read before querying the database; hand it to [`KeyCache::insert`].
    pub fn generation(&self) -> u64 {
        self.entries().generation
    }

    /// Caches a row read from the database, unless something was forgotten since
    /// `generation` was read (the row may predate that change).
    pub fn insert(&self, key_hash: String, key: ActiveKey, generation: u64) {
        let mut entries = self.entries();
        if entries.generation != generation {
            return;
        }
        if entries.by_hash.len() >= KEY_CACHE_ENTRIES_MAX {
            entries.by_hash.retain(|_, entry| entry.loaded_at.elapsed() < KEY_CACHE_TTL);
            if entries.by_hash.len() >= KEY_CACHE_ENTRIES_MAX {
                entries.by_hash.clear();
            }
        }
        entries.by_hash.insert(key_hash, Entry { key, loaded_at: Instant::now() });
    }

    /// Forgets these keys (they were rolled).
    pub fn forget_keys(&self, key_hashes: &[String]) {
        let mut entries = self.entries();
        entries.generation += 1;
        for key_hash in key_hashes {
            entries.by_hash.remove(key_hash);
        }
    }

    /// Forgets every key of this merchant (its sandbox clock moved).
    pub fn forget_merchant(&self, merchant_id: &str) {
        let mut entries = self.entries();
        entries.generation += 1;
        entries.by_hash.retain(|_, entry| entry.key.merchant_id != merchant_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(merchant_id: &str, expires_at: Option<i64>) -> ActiveKey {
        ActiveKey {
            merchant_id: merchant_id.to_owned(),
            merchant_name: "Shop".to_owned(),
            kind: "secret".to_owned(),
            clock_offset_seconds: 0,
            expires_at,
        }
    }

    #[test]
    fn a_cached_key_is_served_until_it_expires() {
        let cache = KeyCache::new();
        cache.insert("a".to_owned(), key("acct_1", Some(100)), cache.generation());
        assert!(cache.get("a", 99).is_some());
        assert!(cache.get("a", 100).is_none());
        assert!(cache.get("b", 0).is_none());
    }

    #[test]
    fn forgetting_drops_entries_and_refuses_rows_read_before() {
        let cache = KeyCache::new();
        let before = cache.generation();
        cache.insert("a".to_owned(), key("acct_1", None), before);
        cache.insert("b".to_owned(), key("acct_2", None), before);
        cache.forget_merchant("acct_1");
        assert!(cache.get("a", 0).is_none());
        assert!(cache.get("b", 0).is_some());
        cache.insert("a".to_owned(), key("acct_1", None), before);
        assert!(cache.get("a", 0).is_none(), "a row read before the change is not cached");
        cache.forget_keys(&["b".to_owned()]);
        assert!(cache.get("b", 0).is_none());
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = KeyCache::new();
        for index in 0..KEY_CACHE_ENTRIES_MAX * 2 {
            cache.insert(index.to_string(), key("acct_1", None), cache.generation());
        }
        assert!(cache.entries().by_hash.len() <= KEY_CACHE_ENTRIES_MAX);
    }
}
