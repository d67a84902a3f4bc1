//! Short-lived copies of what rarely changes and is read on every request.
//!
//! Intake reads the same few things for every case: the place's chain of regions and the unit
//! that serves it; integrations send thousands of requests a second with one API token. A
//! database read for each was a large share of a filing's cost. Entries live for a fixed time,
//! so a change made through another instance (or `pingan` on the command line) is seen within
//! it; changes made through this store also clear its caches at once.
//!
//! Written here rather than taken from a caching crate because it needs nothing beyond a
//! locked map: the key sets are bounded by the city's regions and units, there is no eviction
//! policy to tune, and entries are small clones.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A map whose entries are trusted for `ttl` after they were put.
pub struct TtlCache<K, V> {
    ttl: Duration,
    max_entries: usize,
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    /// Past `max_entries` the cache starts afresh rather than growing.
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        TtlCache { ttl, max_entries, entries: Mutex::new(HashMap::new()) }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(key).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: K, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.max_entries {
            entries.clear();
        }
        entries.insert(key, (Instant::now(), value));
    }

    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

impl<K, V> std::fmt::Debug for TtlCache<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.entries.lock().map(|e| e.len()).unwrap_or(0);
        f.debug_struct("TtlCache").field("ttl", &self.ttl).field("entries", &len).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_cache_stays_bounded() {
        let cache = TtlCache::new(Duration::from_millis(30), 2);
        cache.put(1, "a");
        assert_eq!(cache.get(&1), Some("a"));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get(&1), None, "an entry older than its time is not trusted");
        cache.put(1, "a");
        cache.put(2, "b");
        cache.put(3, "c");
        assert_eq!(cache.get(&3), Some("c"));
        assert_eq!(cache.get(&1), None, "a full cache starts afresh");
        cache.clear();
        assert_eq!(cache.get(&3), None);
    }
}
