//! Small archives kept in memory once read: a popular release is then served like metadata,
//! without a disk read or a blocking-pool hop per download. Bounded in total size; the oldest
//! entry leaves first, which is enough for a working set that changes slowly. The budget is the
//! `limits.archive_cache_bytes` setting; 0 turns the cache off.

use bytes::Bytes;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Only archives up to this size are kept; larger ones are streamed from disk on every request.
pub const MAX_CACHED_ARCHIVE: u64 = 1024 * 1024;

pub struct ArchiveCache {
    budget: usize,
    state: Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    by_hash: HashMap<String, Bytes>,
    arrival: VecDeque<String>,
    used: usize,
}

impl ArchiveCache {
    pub fn new(budget: u64) -> Self {
        Self {
            budget: usize::try_from(budget).unwrap_or(usize::MAX),
            state: Mutex::new(CacheState::default()),
        }
    }

    /// Whether an archive of `size` bytes may be kept: small enough for an entry and for the
    /// budget. Others are streamed from disk on every request, never read whole.
    pub fn admits(&self, size: u64) -> bool {
        size <= MAX_CACHED_ARCHIVE && usize::try_from(size).is_ok_and(|size| size <= self.budget)
    }

    pub fn get(&self, sha256: &str) -> Option<Bytes> {
        self.lock().by_hash.get(sha256).cloned()
    }

    pub fn insert(&self, sha256: &str, bytes: Bytes) {
        if !self.admits(bytes.len() as u64) {
            return;
        }
        let mut state = self.lock();
        if state.by_hash.contains_key(sha256) {
            return;
        }
        while state.used + bytes.len() > self.budget {
            let Some(oldest) = state.arrival.pop_front() else {
                break;
            };
            if let Some(evicted) = state.by_hash.remove(&oldest) {
                state.used -= evicted.len();
            }
        }
        state.used += bytes.len();
        state.arrival.push_back(sha256.to_string());
        state.by_hash.insert(sha256.to_string(), bytes);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oldest_archives_leave_when_the_budget_is_spent() {
        let cache = ArchiveCache::new(10);
        cache.insert("a", Bytes::from_static(b"12345"));
        cache.insert("b", Bytes::from_static(b"12345"));
        cache.insert("c", Bytes::from_static(b"123"));
        assert!(cache.get("a").is_none());
        assert_eq!(cache.get("b").as_deref(), Some(&b"12345"[..]));
        assert_eq!(cache.get("c").as_deref(), Some(&b"123"[..]));
        cache.insert("huge", Bytes::from(vec![0u8; 11]));
        assert!(cache.get("huge").is_none());
    }

    #[test]
    fn an_archive_is_admitted_only_within_the_entry_limit_and_the_budget() {
        let roomy = ArchiveCache::new(64 * 1024 * 1024);
        assert!(roomy.admits(MAX_CACHED_ARCHIVE));
        assert!(!roomy.admits(MAX_CACHED_ARCHIVE + 1));
        let small = ArchiveCache::new(1000);
        assert!(small.admits(1000) && !small.admits(1001));
        let off = ArchiveCache::new(0);
        assert!(!off.admits(1));
        off.insert("a", Bytes::from_static(b"1"));
        assert!(off.get("a").is_none());
    }
}
