//! Download events: append in batches, read newest first.

use super::tables::DOWNLOADS;
use super::{Reader, Result, StoreError, Writer, decode};
use crate::domain::records::DownloadEvent;
use redb::ReadableTable;

impl Writer<'_> {
    /// Keys are microsecond times nudged forward on collision, so order is arrival order.
    pub fn append_downloads(&self, events: &[DownloadEvent]) -> Result<()> {
        let mut table = self.txn.open_table(DOWNLOADS)?;
        let mut next_free = table.last()?.map(|(key, _)| key.value() + 1).unwrap_or(0);
        for event in events {
            let key = next_free.max(u64::try_from(event.at_micros).unwrap_or(0));
            let bytes =
                serde_json::to_vec(event).map_err(|e| StoreError::Database(e.to_string()))?;
            table.insert(key, bytes.as_slice())?;
            next_free = key + 1;
        }
        Ok(())
    }
}

impl Reader<'_> {
    pub fn recent_downloads(&self, limit: usize) -> Result<Vec<DownloadEvent>> {
        let table = self.txn.open_table(DOWNLOADS)?;
        let mut events = Vec::new();
        for row in table.iter()?.rev().take(limit) {
            let (key, value) = row?;
            events.push(decode(DOWNLOADS, &key.value().to_string(), value.value())?);
        }
        Ok(events)
    }
}

impl Reader<'_> {
    /// Every event at or after `since_micros`, oldest first: the window the live statistics need.
    pub fn downloads_since(&self, since_micros: i64) -> Result<Vec<DownloadEvent>> {
        let table = self.txn.open_table(DOWNLOADS)?;
        let start = u64::try_from(since_micros).unwrap_or(0);
        let mut events = Vec::new();
        for row in table.range(start..)? {
            let (key, value) = row?;
            events.push(decode(DOWNLOADS, &key.value().to_string(), value.value())?);
        }
        Ok(events)
    }
}

impl Reader<'_> {
    /// Hands each event at or after `since_micros` to `visit`, oldest first, one at a time: for
    /// totals over a window whose events need not all fit in memory.
    pub fn each_download_since(
        &self,
        since_micros: i64,
        mut visit: impl FnMut(DownloadEvent),
    ) -> Result<()> {
        let table = self.txn.open_table(DOWNLOADS)?;
        let start = u64::try_from(since_micros).unwrap_or(0);
        for row in table.range(start..)? {
            let (key, value) = row?;
            visit(decode(DOWNLOADS, &key.value().to_string(), value.value())?);
        }
        Ok(())
    }
}
