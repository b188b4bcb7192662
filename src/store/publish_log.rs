//! Publish events: appended one at a time (publishes are rare), read newest first a page at a
//! time (see `downloads` for the walk).

use super::downloads::{NewestFirst, PAGE_ROWS};
use super::tables::PUBLISH_LOG;
use super::{Result, Store, StoreError, Writer};
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

impl Store {
    /// The newest `limit` publish events, newest first, read `PAGE_ROWS` at a time.
    pub fn publish_events_newest_first(
        &self,
        limit: usize,
    ) -> Result<impl Iterator<Item = Result<PublishEvent>> + '_> {
        NewestFirst::new(self, PUBLISH_LOG, limit, PAGE_ROWS)
    }
}
