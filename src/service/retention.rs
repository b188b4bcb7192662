//! Keeps the download history and the audit log within their configured retention periods.

use super::changes::ChangeEvent;
use super::{App, Result};
use crate::domain::time;

const MICROS_PER_DAY: i64 = 86_400 * 1_000_000;

/// Deletes download events older than the retention period; nothing when it is 0 (keep all).
pub fn prune_downloads(app: &App) -> Result<u64> {
    let days = app.live().retention_days;
    if days == 0 {
        return Ok(0);
    }
    let cutoff = time::now_micros().saturating_sub(i64::from(days) * MICROS_PER_DAY);
    let cutoff = u64::try_from(cutoff).unwrap_or(0);
    let removed = app.store().write(|w| w.prune_downloads_before(cutoff))?;
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
