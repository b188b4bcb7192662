//! Per-token usage per UTC day, counted in memory on the request path and written with the
//! analytics batch; the shared-token alert is raised in that same write, once per token and day.

use super::changes::{ChangeEvent, ChangeFeed};
use crate::domain::audit::{Actor, AuditEntry, AuditRecord};
use crate::domain::names::PublicKey;
use crate::domain::time;
use crate::domain::usage::{Installs, TokenUsageDay};
use crate::store::{Result, Writer};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `alerts.shared_token_ips`'s default: more distinct addresses than this in a day flag a token.
pub const DEFAULT_SHARED_TOKEN_IPS: usize = 5;

/// One key's counts for one day not yet written, and an overlap of installs seen meanwhile.
#[derive(Clone, Debug)]
pub struct PendingUsage {
    row: TokenUsageDay,
    overlap: Option<(String, String)>,
}

/// What the request path adds to; the analytics flush takes it. Keyed by tokens that
/// authenticated, so it holds at most a few entries per real token.
pub struct UsageRecorder {
    keys: Mutex<HashMap<PublicKey, KeyUsage>>,
    shared_token_ips: AtomicUsize,
}

/// One key's installs in progress (for the overlap rule) and its counts not yet written, per
/// UTC day (usually one; two around midnight).
#[derive(Default)]
struct KeyUsage {
    installs: Installs,
    days: Vec<(i64, PendingUsage)>,
}

const SECONDS_PER_DAY: i64 = 86_400;

impl Default for UsageRecorder {
    fn default() -> Self {
        Self {
            keys: Mutex::new(HashMap::new()),
            shared_token_ips: AtomicUsize::new(DEFAULT_SHARED_TOKEN_IPS),
        }
    }
}

impl UsageRecorder {
    /// Applies a (re)loaded `alerts.shared_token_ips`.
    pub fn set_shared_token_ips(&self, limit: usize) {
        self.shared_token_ips.store(limit, Ordering::Relaxed);
    }

    /// Counts one authenticated request; cheap: one short lock, no I/O, and once the key is
    /// known no allocation unless it brings a new address or user agent.
    pub fn note(&self, key: &PublicKey, at_micros: i64, address: &str, user_agent: &str) {
        let at = at_micros.div_euclid(1_000_000);
        let mut keys = lock(&self.keys);
        let usage = match keys.get_mut(key) {
            Some(usage) => usage,
            None => keys.entry(key.clone()).or_default(),
        };
        let overlap = usage.installs.note(address, at_micros.div_euclid(1_000));
        let day_number = at.div_euclid(SECONDS_PER_DAY);
        let index = match usage.days.iter().position(|(day, _)| *day == day_number) {
            Some(index) => index,
            None => {
                let row = TokenUsageDay::new(key.clone(), time::utc_day(at), at);
                usage
                    .days
                    .push((day_number, PendingUsage { row, overlap: None }));
                usage.days.len() - 1
            }
        };
        let pending = &mut usage.days[index].1;
        pending.row.note(at, address, user_agent);
        if pending.overlap.is_none() {
            pending.overlap = overlap;
        }
    }

    /// Everything counted since the last take; installs that ended are forgotten meanwhile.
    pub fn take(&self) -> Vec<PendingUsage> {
        let now_millis = time::now_micros().div_euclid(1_000);
        let mut keys = lock(&self.keys);
        let mut taken = Vec::new();
        keys.retain(|_, usage| {
            taken.extend(usage.days.drain(..).map(|(_, pending)| pending));
            usage.installs.forget_before(now_millis);
            !usage.installs.is_empty()
        });
        taken
    }

    /// Puts back what a failed write took, merged with what was counted meanwhile.
    pub fn put_back(&self, taken: Vec<PendingUsage>) {
        let mut keys = lock(&self.keys);
        for usage in taken {
            let day_number = usage.row.first_at.div_euclid(SECONDS_PER_DAY);
            let key_usage = keys.entry(usage.row.public_key.clone()).or_default();
            match key_usage
                .days
                .iter_mut()
                .find(|(day, _)| *day == day_number)
            {
                Some((_, current)) => {
                    current.row.merge(&usage.row);
                    if current.overlap.is_none() {
                        current.overlap = usage.overlap;
                    }
                }
                None => key_usage.days.push((day_number, usage)),
            }
        }
    }

    /// Adds `taken` to the stored rows inside the flush's transaction, raising each alert that
    /// is now due with its audit entry in the same transaction. Returns the entries written.
    pub fn write(&self, w: &Writer, taken: &[PendingUsage]) -> Result<Vec<AuditEntry>> {
        let limit = self.shared_token_ips.load(Ordering::Relaxed);
        let now_micros = time::now_micros();
        let mut entries = Vec::new();
        for usage in taken {
            let fresh = &usage.row;
            let mut row = w
                .token_usage(&fresh.public_key, &fresh.day)?
                .unwrap_or_else(|| {
                    TokenUsageDay::new(fresh.public_key.clone(), fresh.day.clone(), fresh.first_at)
                });
            row.merge(fresh);
            let due = row.alert_due(
                limit,
                usage.overlap.as_ref(),
                now_micros.div_euclid(1_000_000),
            );
            if let Some(alert) = due {
                let record = AuditRecord::new(
                    "token.shared_alert",
                    fresh.public_key.as_str(),
                    &alert.reason,
                );
                // The server notices this, whoever's request made the flush run.
                let entry = AuditEntry::new(now_micros, Actor::Server, record);
                w.append_audit(&entry)?;
                entries.push(entry);
                row.shared_alert = Some(alert);
            }
            w.put_token_usage(&row)?;
        }
        Ok(entries)
    }
}

/// Tells live views about alerts just committed.
pub fn announce(changes: &ChangeFeed, entries: Vec<AuditEntry>) {
    if !entries.is_empty() {
        changes.announce(ChangeEvent::Audited { entries });
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
    use crate::domain::usage::AlertKind;
    use crate::store::{Store, StoreError};

    const KEY: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    /// 2026-11-27T12:00:00Z
    const NOON: i64 = 1_795_780_800_000_000;

    fn flush(recorder: &UsageRecorder, store: &Store) -> Vec<AuditEntry> {
        let taken = recorder.take();
        store
            .write(|w| recorder.write(w, &taken))
            .unwrap_or_else(|e: StoreError| panic!("{e}"))
    }

    #[test]
    fn the_alert_is_raised_once_with_its_audit_entry_in_the_same_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        let recorder = UsageRecorder::default();
        let key = PublicKey::parse(KEY).unwrap();
        // One address after the other, seconds apart: no overlap, only the address count.
        for n in 0..5 {
            recorder.note(
                &key,
                NOON + n * 1_000_000,
                &format!("10.0.0.{n}"),
                "Composer/2.8",
            );
        }
        assert!(flush(&recorder, &store).is_empty());
        recorder.note(&key, NOON + 10_000_000, "10.0.0.9", "curl/8");
        let entries = flush(&recorder, &store);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].action, "token.shared_alert");
        assert_eq!(entries[0].actor, Actor::Server);
        assert_eq!(
            entries[0].summary,
            "used from 6 addresses on 2026-11-27 (limit 5)"
        );
        for n in 0..20 {
            recorder.note(&key, NOON + (20 + n) * 1_000_000, "10.0.0.10", "curl/8");
        }
        assert!(flush(&recorder, &store).is_empty(), "raised again");

        let row = store
            .read(|r| r.token_usage(&key, "2026-11-27"))
            .unwrap()
            .unwrap();
        assert_eq!(row.requests, 26);
        assert_eq!(row.addresses.kept.len(), 7);
        assert_eq!(row.shared_alert.map(|a| a.kind), Some(AlertKind::Addresses));
        let logged: Vec<AuditEntry> = store
            .audit_newest_first(10)
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        assert_eq!(logged.len(), 1);
        assert_eq!(logged[0].target, KEY);
    }

    #[test]
    fn the_limit_follows_the_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        let recorder = UsageRecorder::default();
        recorder.set_shared_token_ips(1);
        let key = PublicKey::parse(KEY).unwrap();
        recorder.note(&key, NOON, "10.0.0.1", "Composer/2.8");
        recorder.note(&key, NOON + 1_000_000, "10.0.0.2", "Composer/2.8");
        let entries = flush(&recorder, &store);
        assert_eq!(
            entries[0].summary,
            "used from 2 addresses on 2026-11-27 (limit 1)"
        );
    }

    #[test]
    fn overlapping_installs_raise_the_alert_below_the_address_limit() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        let recorder = UsageRecorder::default();
        let key = PublicKey::parse(KEY).unwrap();
        recorder.note(&key, NOON, "10.0.0.1", "Composer/2.8");
        recorder.note(&key, NOON + 1_000_000, "10.0.0.2", "Composer/2.8");
        recorder.note(&key, NOON + 2_000_000, "10.0.0.1", "Composer/2.8");
        let entries = flush(&recorder, &store);
        assert_eq!(
            entries[0].summary,
            "overlapping installs from 10.0.0.2 and 10.0.0.1 on 2026-11-27"
        );
    }

    #[test]
    fn counts_taken_by_a_failed_write_are_put_back_and_merged() {
        let recorder = UsageRecorder::default();
        let key = PublicKey::parse(KEY).unwrap();
        recorder.note(&key, NOON, "10.0.0.1", "Composer/2.8");
        let taken = recorder.take();
        recorder.note(&key, NOON + 1_000_000, "10.0.0.1", "Composer/2.8");
        recorder.put_back(taken);
        let again = recorder.take();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].row.requests, 2);
    }

    #[test]
    fn requests_either_side_of_midnight_count_for_their_own_days() {
        let recorder = UsageRecorder::default();
        let key = PublicKey::parse(KEY).unwrap();
        let midnight = NOON + 12 * 3_600_000_000;
        recorder.note(&key, midnight - 1_000_000, "10.0.0.1", "Composer/2.8");
        recorder.note(&key, midnight + 1_000_000, "10.0.0.1", "Composer/2.8");
        recorder.note(&key, midnight + 2_000_000, "10.0.0.1", "Composer/2.8");
        let mut taken = recorder.take();
        taken.sort_by(|a, b| a.row.day.cmp(&b.row.day));
        let days: Vec<(&str, u64)> = taken
            .iter()
            .map(|t| (t.row.day.as_str(), t.row.requests))
            .collect();
        assert_eq!(days, [("2026-11-27", 1), ("2026-11-28", 2)]);
        recorder.put_back(taken);
        assert_eq!(recorder.take().len(), 2, "put back to their own days");
    }
}
