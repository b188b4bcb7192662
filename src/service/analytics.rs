//! Download analytics off the request path: requests append to memory, one task writes batches.

use super::changes::{ChangeEvent, ChangeFeed};
use crate::domain::names::PublicKey;
use crate::domain::records::{DownloadEvent, TokenUse};
use crate::store::{Store, StoreError};
use dashmap::DashMap;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Composer may post the same install report again (a retried CI job); count it once a minute.
const REPEAT_WINDOW: Duration = Duration::from_secs(60);

/// Notify events one token may have stored per minute. A real install reports each package
/// once, so only a flood reaches this; it bounds how fast the notify route can grow the database.
pub const NOTIFY_EVENTS_PER_TOKEN_PER_MINUTE: usize = 2_000;
const NOTIFY_BUDGET_WINDOW: Duration = Duration::from_secs(60);

pub struct Analytics {
    pending: Mutex<Vec<DownloadEvent>>,
    token_use: DashMap<String, TokenUse>,
    recent_batches: Mutex<HashMap<(String, u64), Instant>>,
    /// Per token: when its current budget minute began, and the notify events stored in it.
    notify_budget: Mutex<HashMap<String, (Instant, usize)>>,
    /// Each written batch is announced here, after its commit.
    changes: Arc<ChangeFeed>,
}

impl Analytics {
    pub fn new(changes: Arc<ChangeFeed>) -> Self {
        Self {
            pending: Mutex::new(Vec::new()),
            token_use: DashMap::new(),
            recent_batches: Mutex::new(HashMap::new()),
            notify_budget: Mutex::new(HashMap::new()),
            changes,
        }
    }

    pub fn record(&self, event: DownloadEvent) {
        lock(&self.pending).push(event);
    }

    /// Called on every authenticated request, so a repeat within the same second changes nothing.
    pub fn note_token_use(&self, public_key: &str, at: i64, ip: &str, user_agent: &str) {
        let unchanged = self.token_use.get(public_key).is_some_and(|known| {
            known.at == at && known.ip == ip && known.user_agent == user_agent
        });
        if !unchanged {
            let use_ = TokenUse {
                at,
                ip: ip.to_string(),
                user_agent: user_agent.to_string(),
            };
            self.token_use.insert(public_key.to_string(), use_);
        }
    }

    /// True when this token already reported this exact batch within the last minute.
    pub fn is_repeat_batch(&self, public_key: &str, batch_hash: u64) -> bool {
        let now = Instant::now();
        let mut recent = lock(&self.recent_batches);
        recent.retain(|_, seen| now.duration_since(*seen) < REPEAT_WINDOW);
        recent
            .insert((public_key.to_string(), batch_hash), now)
            .is_some()
    }

    /// How many of `wanted` notify events this token may still have stored this minute; those
    /// granted are taken from its budget.
    pub fn take_notify_budget(&self, public_key: &str, wanted: usize) -> usize {
        let now = Instant::now();
        let mut budgets = lock(&self.notify_budget);
        budgets.retain(|_, (start, _)| now.duration_since(*start) < NOTIFY_BUDGET_WINDOW);
        let (_, used) = budgets.entry(public_key.to_string()).or_insert((now, 0));
        let granted = wanted.min(NOTIFY_EVENTS_PER_TOKEN_PER_MINUTE.saturating_sub(*used));
        *used += granted;
        granted
    }

    /// Writes everything gathered so far in one transaction; on failure it is kept for the next try.
    pub fn flush(&self, store: &Store) -> Result<usize, StoreError> {
        let events = std::mem::take(&mut *lock(&self.pending));
        let uses: Vec<(String, TokenUse)> = self
            .token_use
            .iter()
            .map(|entry| (entry.key().clone(), entry.value().clone()))
            .collect();
        if events.is_empty() && uses.is_empty() {
            return Ok(0);
        }
        let written = store.write(|w| {
            w.append_downloads(&events)?;
            for (key, use_) in &uses {
                let Ok(public_key) = PublicKey::parse(key) else {
                    continue;
                };
                if let Some(mut token) = w.token(&public_key)? {
                    token.last_used = Some(use_.clone());
                    w.put_token(&token)?;
                }
            }
            Ok::<_, StoreError>(())
        });
        match written {
            Ok(()) => {
                for (key, use_) in uses {
                    self.token_use
                        .remove_if(&key, |_, current| *current == use_);
                }
                let count = events.len();
                if count > 0 {
                    self.changes
                        .announce(ChangeEvent::DownloadsRecorded { events });
                }
                Ok(count)
            }
            Err(error) => {
                lock(&self.pending).splice(0..0, events);
                Err(error)
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
