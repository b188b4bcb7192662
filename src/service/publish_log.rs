//! Every publish attempt, stored and broadcast to live followers (`package log --follow`).

use super::changes::{ChangeEvent, ChangeFeed};
use super::publish::{Origin, PublishOutcome};
use super::{App, Result, ServiceError};
use crate::domain::publish_log::PublishEvent;
use crate::domain::time;
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

    pub fn recent(&self, store: &Store, limit: usize) -> Result<Vec<PublishEvent>> {
        Ok(store.read(|r| r.recent_publish_events(limit))?)
    }
}

/// Records what one publish attempt came to; called by `publish::publish` alone, so no way in
/// can forget it.
pub(super) fn log_outcome(app: &App, origin: &Origin, result: &Result<PublishOutcome>) {
    let (package, version, outcome, message) = match result {
        Ok(done) => (
            Some(done.name.clone()),
            Some(done.version.clone()),
            done.status.clone(),
            (!done.warnings.is_empty()).then(|| done.warnings.join("; ")),
        ),
        Err(error) => (None, None, "failed".to_string(), Some(public_reason(error))),
    };
    let event = PublishEvent {
        at_micros: time::now_micros(),
        source: origin.route().to_string(),
        file: origin.file(),
        package,
        version,
        outcome,
        message,
    };
    app.publish_log.record(app.store(), event);
}

fn public_reason(error: &ServiceError) -> String {
    match error {
        ServiceError::Store(_) | ServiceError::Io(_) => {
            format!("internal error ({error}); the server log has the details")
        }
        other => other.to_string(),
    }
}
