//! Deleting download events past the retention period.

use super::tables::DOWNLOADS;
use super::{Result, Writer};

impl Writer<'_> {
    /// Deletes events recorded before `cutoff_micros`; keys are arrival times, so this is a
    /// range at the start of the table. Returns how many went.
    pub fn prune_downloads_before(&self, cutoff_micros: u64) -> Result<u64> {
        let mut table = self.txn.open_table(DOWNLOADS)?;
        let mut removed = 0;
        table.retain_in(..cutoff_micros, |_, _| {
            removed += 1;
            false
        })?;
        Ok(removed)
    }
}
