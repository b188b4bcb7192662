//! Deleting event rows (download events, audit entries) past their retention period.

use super::tables::{AUDIT, DOWNLOADS};
use super::{Result, Writer};
use redb::TableDefinition;

impl Writer<'_> {
    /// Deletes events recorded before `cutoff_micros`. Returns how many went.
    pub fn prune_downloads_before(&self, cutoff_micros: u64) -> Result<u64> {
        self.prune_events_before(DOWNLOADS, cutoff_micros)
    }

    /// Deletes the audit entries committed before `cutoff_micros`; returns how many went.
    pub fn prune_audit_before(&self, cutoff_micros: u64) -> Result<u64> {
        self.prune_events_before(AUDIT, cutoff_micros)
    }

    /// Keys of the event tables are arrival times, so this is a range at the start of the table.
    fn prune_events_before(
        &self,
        table: TableDefinition<'static, u64, &'static [u8]>,
        cutoff_micros: u64,
    ) -> Result<u64> {
        self.note_write(&table, None);
        let mut table = self.txn.open_table(table)?;
        let mut removed = 0;
        table.retain_in(..cutoff_micros, |_, _| {
            removed += 1;
            false
        })?;
        Ok(removed)
    }
}
