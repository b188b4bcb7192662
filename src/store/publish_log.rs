//! Publish events: appended one at a time (publishes are rare), read newest first.

use super::tables::PUBLISH_LOG;
use super::{Reader, Result, StoreError, Writer, decode};
use crate::domain::publish_log::PublishEvent;
use redb::ReadableTable;

impl Writer<'_> {
    /// Keys are microsecond times nudged forward on collision, so order is arrival order.
    pub fn append_publish_event(&self, event: &PublishEvent) -> Result<()> {
        let mut table = self.txn.open_table(PUBLISH_LOG)?;
        let next_free = table.last()?.map(|(key, _)| key.value() + 1).unwrap_or(0);
        let key = next_free.max(u64::try_from(event.at_micros).unwrap_or(0));
        let bytes = serde_json::to_vec(event).map_err(|e| StoreError::Database(e.to_string()))?;
        table.insert(key, bytes.as_slice())?;
        Ok(())
    }
}

impl Reader<'_> {
    pub fn recent_publish_events(&self, limit: usize) -> Result<Vec<PublishEvent>> {
        let table = self.txn.open_table(PUBLISH_LOG)?;
        let mut events = Vec::new();
        for row in table.iter()?.rev().take(limit) {
            let (key, value) = row?;
            events.push(decode(
                PUBLISH_LOG,
                &key.value().to_string(),
                value.value(),
            )?);
        }
        Ok(events)
    }
}
