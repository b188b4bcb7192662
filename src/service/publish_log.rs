//! Every publish attempt, stored and broadcast to live followers (`package log --follow`).

use super::publish::{Origin, PublishOutcome};
use super::{App, Result, ServiceError};
use crate::domain::publish_log::PublishEvent;
use crate::domain::time;
use crate::store::Store;
use tokio::sync::broadcast;

pub struct PublishLog {
    live: broadcast::Sender<PublishEvent>,
}

impl Default for PublishLog {
    fn default() -> Self {
        Self::new()
    }
}

impl PublishLog {
    pub fn new() -> Self {
        Self {
            live: broadcast::channel(256).0,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<PublishEvent> {
        self.live.subscribe()
    }

    /// Written at once: publishes are rare, and a failure must not be lost to a crash.
    pub fn record(&self, store: &Store, event: PublishEvent) {
        if let Err(error) = store.write(|w| w.append_publish_event(&event)) {
            tracing::warn!(%error, "publish event not stored");
        }
        let _ = self.live.send(event);
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
