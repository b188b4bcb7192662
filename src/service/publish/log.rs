//! The publish log entry for one attempt: what it came to, from which route, never a secret.

use super::{Origin, PublishOutcome};
use crate::domain::publish_log::PublishEvent;
use crate::domain::time;
use crate::service::{App, Result, ServiceError};

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
        ServiceError::Store(_) | ServiceError::Io(_) | ServiceError::ArchiveStore(_) => {
            format!("internal error ({error}); the server log has the details")
        }
        other => other.to_string(),
    }
}
