//! Download analytics off the request path: requests append to memory, one task writes batches.
//! While the database cannot be written (a full disk), events wait in memory, up to
//! `PENDING_EVENTS_CAP`, and go in with the first flush that succeeds.

use super::changes::{ChangeEvent, ChangeFeed, TokenUsed};
use super::metrics::DroppedEvents;
use super::usage::UsageRecorder;
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
/// Entries (stored or not) one token may report per minute before its reports are held: far
/// more than real installs send, and what makes a flood of entries that match nothing cheap.
pub const NOTIFY_ENTRIES_PER_TOKEN_PER_MINUTE: usize = 10_000;
/// One token's notify reports in the current minute.
struct NotifyUse {
    start: Instant,
    stored: usize,
    reported: usize,
}

/// A token past its notify budget has its reports answered after this wait: a flood on N
/// connections is then N reports a second, not as many as the server can parse.
pub const NOTIFY_OVER_BUDGET_HOLD: Duration = Duration::from_secs(1);

/// Download events held while the database cannot take them. An event is a few hundred bytes,
/// so a full buffer stays near 20 MB; past it new events are counted as dropped
/// (`packagento_download_events_dropped_total`) instead of growing memory without bound.
pub const PENDING_EVENTS_CAP: usize = 50_000;

pub struct Analytics {
    pending: Mutex<Vec<DownloadEvent>>,
    token_use: DashMap<String, TokenUse>,
    recent_batches: Mutex<HashMap<(String, u64), Instant>>,
    /// Per token: when its current budget minute began, and the notify events stored in it.
    notify_budget: Mutex<HashMap<String, NotifyUse>>,
    /// Each written batch is announced here, after its commit.
    changes: Arc<ChangeFeed>,
    dropped: DroppedEvents,
    /// Per-token usage per day, written with each batch.
    pub usage: UsageRecorder,
}

impl Analytics {
    pub fn new(changes: Arc<ChangeFeed>, dropped: DroppedEvents) -> Self {
        Self {
            pending: Mutex::new(Vec::new()),
            token_use: DashMap::new(),
            recent_batches: Mutex::new(HashMap::new()),
            notify_budget: Mutex::new(HashMap::new()),
            changes,
            dropped,
            usage: UsageRecorder::default(),
        }
    }

    pub fn record(&self, event: DownloadEvent) {
        let mut pending = lock(&self.pending);
        if pending.len() < PENDING_EVENTS_CAP {
            pending.push(event);
        } else {
            drop(pending);
            self.dropped.add(1);
        }
    }

    /// Events waiting to be written.
    pub fn pending(&self) -> usize {
        lock(&self.pending).len()
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

    /// Whether `public_key` has had all the notify events it may store this minute, or reported
    /// more entries than any install would.
    pub fn notify_budget_spent(&self, public_key: &str) -> bool {
        let budgets = lock(&self.notify_budget);
        budgets.get(public_key).is_some_and(|used| {
            used.start.elapsed() < NOTIFY_BUDGET_WINDOW
                && (used.stored >= NOTIFY_EVENTS_PER_TOKEN_PER_MINUTE
                    || used.reported >= NOTIFY_ENTRIES_PER_TOKEN_PER_MINUTE)
        })
    }

    /// Counts `reported` entries against the token's minute, and answers how many of `wanted`
    /// notify events it may still have stored; those granted are taken from its budget.
    pub fn take_notify_budget(&self, public_key: &str, reported: usize, wanted: usize) -> usize {
        let now = Instant::now();
        let mut budgets = lock(&self.notify_budget);
        budgets.retain(|_, used| now.duration_since(used.start) < NOTIFY_BUDGET_WINDOW);
        let used = budgets.entry(public_key.to_string()).or_insert(NotifyUse {
            start: now,
            stored: 0,
            reported: 0,
        });
        let granted = wanted.min(NOTIFY_EVENTS_PER_TOKEN_PER_MINUTE.saturating_sub(used.stored));
        used.stored += granted;
        used.reported = used.reported.saturating_add(reported);
        granted
    }

    /// Writes everything gathered so far in one transaction; on failure it is kept for the next
    /// try. With nothing to write while the database is failing, it tries a small write instead:
    /// the server's periodic flush is what notices that the disk has room again.
    pub fn flush(&self, store: &Store) -> Result<usize, StoreError> {
        let events = std::mem::take(&mut *lock(&self.pending));
        let uses: Vec<(String, TokenUse)> = self
            .token_use
            .iter()
            .map(|entry| (entry.key().clone(), entry.value().clone()))
            .collect();
        let usage = self.usage.take();
        if events.is_empty() && uses.is_empty() && usage.is_empty() {
            store.retry_writes()?;
            return Ok(0);
        }
        let mut used = Vec::new();
        let written = store.write(|w| {
            w.append_downloads(&events)?;
            for (key, use_) in &uses {
                let Ok(public_key) = PublicKey::parse(key) else {
                    continue;
                };
                if let Some(mut token) = w.token(&public_key)? {
                    token.last_used = Some(use_.clone());
                    w.put_token(&token)?;
                    used.push(TokenUsed {
                        public_key: token.public_key.to_string(),
                        last_used: use_.clone(),
                    });
                }
            }
            self.usage.write(w, &usage)
        });
        match written {
            Ok(alerts) => {
                super::usage::announce(&self.changes, alerts);
                // Live views show a token's last use; without this they would wait for a reload.
                if !used.is_empty() {
                    self.changes
                        .announce(ChangeEvent::TokensUsed { uses: used });
                }
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
                self.put_back(events);
                self.usage.put_back(usage);
                Err(error)
            }
        }
    }
}

impl Analytics {
    /// Unwritten events go back in front of those recorded meanwhile; past the cap the newest
    /// are the ones dropped, so what is kept stays in arrival order.
    fn put_back(&self, mut events: Vec<DownloadEvent>) {
        let mut pending = lock(&self.pending);
        events.append(&mut pending);
        let over = events.len().saturating_sub(PENDING_EVENTS_CAP);
        events.truncate(PENDING_EVENTS_CAP);
        *pending = events;
        drop(pending);
        if over > 0 {
            self.dropped.add(over as u64);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::names::ProjectSlug;
    use crate::domain::records::DownloadKind;
    use crate::store::disk_full::{fill, store};

    fn analytics() -> (Analytics, DroppedEvents) {
        let dropped = DroppedEvents::default();
        let analytics = Analytics::new(Arc::new(ChangeFeed::new()), dropped.clone());
        (analytics, dropped)
    }

    fn event(package: &str) -> DownloadEvent {
        DownloadEvent {
            at_micros: 1_750_000_000_000_000,
            kind: DownloadKind::Dist,
            package: package.into(),
            version: "1.0.0".into(),
            project: ProjectSlug::parse("acme-prod").unwrap(),
            public_key: PublicKey::parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap(),
            ip: "10.0.0.1".into(),
            user_agent: "Composer/2.8".into(),
        }
    }

    #[test]
    fn events_recorded_while_the_disk_is_full_are_written_once_it_has_room() {
        let dir = tempfile::tempdir().unwrap();
        let (store, disk) = store(&dir.path().join("db.redb"));
        let (analytics, dropped) = analytics();
        analytics.record(event("acme/before"));
        fill(&disk, true);
        assert!(matches!(
            analytics.flush(&store),
            Err(StoreError::Unavailable(_))
        ));
        analytics.record(event("acme/during"));
        assert_eq!(analytics.pending(), 2);

        fill(&disk, false);
        assert_eq!(analytics.flush(&store).unwrap(), 2);
        let stored = store.read(|r| r.recent_downloads(10)).unwrap();
        let packages: Vec<_> = stored.iter().map(|e| e.package.as_str()).collect();
        assert_eq!(packages, ["acme/during", "acme/before"]);
        assert_eq!(analytics.pending(), 0);
        assert_eq!(dropped.total(), 0);
    }

    #[test]
    fn a_token_is_known_to_be_over_its_notify_budget_once_it_has_used_it() {
        let (analytics, _) = analytics();
        let key = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        assert!(!analytics.notify_budget_spent(key));
        let almost = NOTIFY_EVENTS_PER_TOKEN_PER_MINUTE - 1;
        let granted = analytics.take_notify_budget(key, almost, almost);
        assert_eq!(granted, almost);
        assert!(!analytics.notify_budget_spent(key));
        assert_eq!(analytics.take_notify_budget(key, 5, 5), 1);
        assert!(analytics.notify_budget_spent(key));
        let flooder = "cccccccccccccccccccccccccccccccc";
        let nothing_stored =
            analytics.take_notify_budget(flooder, NOTIFY_ENTRIES_PER_TOKEN_PER_MINUTE, 0);
        assert_eq!(nothing_stored, 0);
        assert!(analytics.notify_budget_spent(flooder));
        assert!(!analytics.notify_budget_spent("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
    }

    #[test]
    fn a_flush_announces_each_token_use_it_wrote_and_nothing_when_idle() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _disk) = store(&dir.path().join("db.redb"));
        let key = PublicKey::parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
        let token = crate::domain::records::Token {
            public_key: key.clone(),
            project: ProjectSlug::parse("acme-prod").unwrap(),
            label: String::new(),
            secret_hash: String::new(),
            created_at: 1,
            revoked_at: None,
            last_used: None,
            expires_at: None,
            previous: None,
            former_keys: vec![],
            allowed_ips: vec![],
        };
        store.write(|w| w.put_token(&token)).unwrap();
        let feed = Arc::new(ChangeFeed::new());
        let mut subscription = super::super::changes::Subscription::local(&feed);
        let analytics = Analytics::new(feed.clone(), DroppedEvents::default());
        analytics.note_token_use(key.as_str(), 42, "10.0.0.7", "Composer/2.8");
        analytics.note_token_use("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 42, "10.0.0.8", "x");
        analytics.flush(&store).unwrap();
        analytics.flush(&store).unwrap();
        feed.close();
        let events: Vec<ChangeEvent> = subscription
            .by_ref()
            .filter_map(|item| match item {
                super::super::changes::FeedItem::Change(change) => Some(change.event.clone()),
                _ => None,
            })
            .collect();
        let expected = ChangeEvent::TokensUsed {
            uses: vec![TokenUsed {
                public_key: key.to_string(),
                last_used: TokenUse {
                    at: 42,
                    ip: "10.0.0.7".into(),
                    user_agent: "Composer/2.8".into(),
                },
            }],
        };
        assert_eq!(events, vec![expected], "an unknown key is not announced");
    }

    #[test]
    fn past_the_cap_new_events_are_counted_as_dropped() {
        let (analytics, dropped) = analytics();
        for _ in 0..PENDING_EVENTS_CAP + 3 {
            analytics.record(event("acme/a"));
        }
        assert_eq!(analytics.pending(), PENDING_EVENTS_CAP);
        assert_eq!(dropped.total(), 3);
    }

    #[test]
    fn an_idle_flush_notices_that_writes_work_again() {
        let dir = tempfile::tempdir().unwrap();
        let (store, disk) = store(&dir.path().join("db.redb"));
        let (analytics, _) = analytics();
        analytics.record(event("acme/a"));
        fill(&disk, true);
        assert!(analytics.flush(&store).is_err());
        fill(&disk, false);
        assert_eq!(analytics.flush(&store).unwrap(), 1);
        assert_eq!(store.failure(), None);

        fill(&disk, true);
        assert!(
            store
                .write(|w| w.append_downloads(&[event("acme/b")]))
                .is_err()
        );
        fill(&disk, false);
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert_eq!(analytics.flush(&store).unwrap(), 0);
        assert_eq!(store.failure(), None, "an idle flush retries the writes");
    }
}
