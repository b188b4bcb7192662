//! Small archives kept in memory once read: a popular release is then served like metadata,
//! without a disk read or a blocking-pool hop per download. Bounded in total size; the oldest
//! entry leaves first, which is enough for a working set that changes slowly.

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
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            state: Mutex::new(CacheState::default()),
        }
    }

    pub fn get(&self, sha256: &str) -> Option<Bytes> {
        self.lock().by_hash.get(sha256).cloned()
    }

    pub fn insert(&self, sha256: &str, bytes: Bytes) {
        if bytes.len() > self.budget {
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
}
