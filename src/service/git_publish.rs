//! Publishing an archive made from a git ref. The CLI runs `git archive` (the server may not see
//! the repository, or have git) and sends the zip here like any publish; what differs is the
//! publish log's route and name (the ref, not a temporary file), and that a branch's dev version
//! may be replaced by a newer commit.

use super::publish::{Existing, PublishOutcome, PublishRequest, publish_with};
use super::{App, Result, ServiceError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GitPublishRequest {
    /// The zip made by `git archive`, readable by the process that runs the request.
    pub path: PathBuf,
    pub version: String,
    pub released_at: String,
    /// What the archive was made from, for the publish log and errors (`/src/repo v1.2.0`).
    pub reference: String,
    /// A branch: its dev version may be replaced by a newer commit.
    #[serde(default)]
    pub branch: bool,
}

pub fn publish_git(app: &App, request: &GitPublishRequest) -> Result<PublishOutcome> {
    let publish = PublishRequest {
        path: request.path.clone(),
        version: Some(request.version.clone()),
        released_at: Some(request.released_at.clone()),
    };
    let existing = if request.branch {
        Existing::ReplaceDev
    } else {
        Existing::Refuse
    };
    let result = publish_with(app, &publish, None, existing).map_err(|error| match error {
        ServiceError::Invalid(why) => {
            ServiceError::Invalid(format!("{}: {why}", request.reference))
        }
        other => other,
    });
    super::publish_log::log_outcome(app, "git", Some(request.reference.clone()), &result);
    result
}
