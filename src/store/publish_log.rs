//! Publish events: appended one at a time (publishes are rare), read newest first a page at a
//! time (see `downloads` for the walk).

use super::downloads::{NewestFirst, PAGE_ROWS};
use super::tables::PUBLISH_LOG;
use super::{Result, Store, Writer};
use crate::domain::publish_log::PublishEvent;

impl Writer<'_> {
    /// Keys are microsecond times nudged forward on collision, so order is arrival order.
    pub fn append_publish_event(&self, event: &PublishEvent) -> Result<()> {
        self.append_events(PUBLISH_LOG, [(event.at_micros, event)])
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
