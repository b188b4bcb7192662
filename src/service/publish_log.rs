//! Every publish attempt, stored and broadcast to live followers (`package log --follow`).

use super::Result;
use super::changes::{ChangeEvent, ChangeFeed};
use crate::domain::publish_log::PublishEvent;
use crate::store::Store;
use std::sync::Arc;

pub struct PublishLog {
    changes: Arc<ChangeFeed>,
}

impl PublishLog {
    pub fn new(changes: Arc<ChangeFeed>) -> Self {
        Self { changes }
    }

    /// Written at once: publishes are rare, and a failure must not be lost to a crash.
    pub fn record(&self, store: &Store, entry: PublishEvent) {
        if let Err(error) = store.write(|w| w.append_publish_event(&entry)) {
            tracing::warn!(%error, "publish event not stored");
        }
        // Announced even when the log entry was not stored: the release itself may have been.
        self.changes
            .announce(ChangeEvent::PublishAttempted { entry });
    }

    /// Newest first, read from the store a page at a time as the caller walks it.
    pub fn recent<'a>(
        &self,
        store: &'a Store,
        limit: usize,
    ) -> Result<impl Iterator<Item = Result<PublishEvent>> + 'a> {
        let walk = store.publish_events_newest_first(limit)?;
        Ok(walk.map(|event| Ok(event?)))
    }
}
