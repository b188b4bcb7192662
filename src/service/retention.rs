//! Keeps the download history (with token usage per day) and the audit log within their
//! configured retention periods.

use super::changes::ChangeEvent;
use super::{App, Result};
use crate::domain::time;

const MICROS_PER_DAY: i64 = 86_400 * 1_000_000;

/// Deletes download events and token usage days older than the retention period; nothing when
/// it is 0 (keep all). Answers how many download events went.
pub fn prune_downloads(app: &App) -> Result<u64> {
    let days = app.live().retention_days;
    if days == 0 {
        return Ok(0);
    }
    let cutoff = time::now_micros().saturating_sub(i64::from(days) * MICROS_PER_DAY);
    // Usage per day goes with the events of its days: a day is kept while any of it may be.
    let first_day_kept = time::utc_day(cutoff.div_euclid(1_000_000));
    let cutoff = u64::try_from(cutoff).unwrap_or(0);
    let removed = app.store().write(|w| {
        w.prune_token_usage_before(&first_day_kept)?;
        w.prune_downloads_before(cutoff)
    })?;
    if removed > 0 {
        let removed = usize::try_from(removed).unwrap_or(usize::MAX);
        app.changes
            .announce(ChangeEvent::DownloadsPruned { removed });
    }
    Ok(removed)
}

/// Deletes audit entries older than `audit.retention_days`; nothing when it is 0 (keep all).
/// A pruning is not itself a change worth an entry: the setting that causes it is recorded when
/// it is loaded.
pub fn prune_audit(app: &App) -> Result<u64> {
    let days = app.live().audit_retention_days;
    if days == 0 {
        return Ok(0);
    }
    let cutoff = time::now_micros().saturating_sub(i64::from(days) * MICROS_PER_DAY);
    let cutoff = u64::try_from(cutoff).unwrap_or(0);
    Ok(app.store().write(|w| w.prune_audit_before(cutoff))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::names::PublicKey;
    use crate::domain::usage::TokenUsageDay;
    use crate::service::{LiveSettings, Settings};

    #[test]
    fn token_usage_days_past_the_retention_period_are_pruned_with_the_downloads() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(Settings::for_tests(dir.path().to_path_buf())).unwrap();
        let key = PublicKey::parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
        let now = time::now();
        let row = |days_ago: i64| {
            let at = now - days_ago * 86_400;
            TokenUsageDay::new(key.clone(), time::utc_day(at), at)
        };
        app.store()
            .write(|w| {
                w.put_token_usage(&row(40))?;
                w.put_token_usage(&row(29))?;
                w.put_token_usage(&row(0))
            })
            .unwrap();
        assert_eq!(
            prune_downloads(&app).unwrap(),
            0,
            "nothing goes while kept forever"
        );
        let count = || {
            let rows = app
                .store()
                .read(|r| r.token_usage_since(&key, "2000-01-01"));
            rows.unwrap().len()
        };
        assert_eq!(count(), 3);

        app.set_live(LiveSettings {
            retention_days: 30,
            ..LiveSettings::default()
        });
        prune_downloads(&app).unwrap();
        let kept = app
            .store()
            .read(|r| r.token_usage_since(&key, "2000-01-01"))
            .unwrap();
        let days: Vec<&str> = kept.iter().map(|d| d.day.as_str()).collect();
        assert_eq!(days, [row(29).day, row(0).day]);
    }
}
