//! Keeps the download history, and token usage per day, within the configured retention period.

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
