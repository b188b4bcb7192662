//! The publish log entry for one attempt: what it came to, from which route, never a secret.

use super::{Origin, PublishOutcome};
use crate::domain::publish_log::PublishEvent;
use crate::domain::time;
use crate::service::{App, Result, ServiceError};

/// Records what each attempt of a batch came to, in one write; called by `publish_batch` alone,
/// so no way in can forget it.
pub(super) fn log_outcomes<'a>(
    app: &App,
    attempts: impl Iterator<Item = (&'a Origin, &'a Result<PublishOutcome>)>,
) {
    let events = attempts
        .map(|(origin, result)| event(origin, result))
        .collect();
    app.publish_log.record_all(app.store(), events);
}

fn event(origin: &Origin, result: &Result<PublishOutcome>) -> PublishEvent {
    let (package, version, outcome, message) = match result {
        Ok(done) => (
            Some(done.name.clone()),
            Some(done.version.clone()),
            done.status.clone(),
            (!done.warnings.is_empty()).then(|| done.warnings.join("; ")),
        ),
        Err(error) => (None, None, "failed".to_string(), Some(public_reason(error))),
    };
    PublishEvent {
        at_micros: time::now_micros(),
        source: origin.route().to_string(),
        file: origin.file(),
        package,
        version,
        outcome,
        message,
    }
}

fn public_reason(error: &ServiceError) -> String {
    match error {
        ServiceError::Store(_) | ServiceError::Io(_) | ServiceError::ArchiveStore(_) => {
            format!("internal error ({error}); the server log has the details")
        }
        other => other.to_string(),
    }
}
