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

    /// A batch's attempts, in their order. Written at once, so a failure is not lost to a crash,
    /// and in one transaction: one per archive would cost a bulk publish a disk flush each.
    pub fn record_all(&self, store: &Store, entries: Vec<PublishEvent>) {
        let written = store.write(|w| {
            entries
                .iter()
                .try_for_each(|entry| w.append_publish_event(entry))
        });
        if let Err(error) = written {
            tracing::warn!(%error, "publish events not stored");
        }
        // Announced even when the log entry was not stored: the release itself may have been.
        for entry in entries {
            self.changes
                .announce(ChangeEvent::PublishAttempted { entry });
        }
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
