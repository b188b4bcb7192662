//! Publishing an archive made from a git ref. The CLI runs `git archive` (the server may not see
//! the repository, or have git) and sends the zip like any publish; its origin (`Origin::Git`)
//! makes the publish log name the ref rather than a temporary file, and lets a branch's dev
//! version be replaced by a newer commit.

use super::publish::{Origin, PublishRequest};
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

impl GitPublishRequest {
    /// The archive to publish, with the ref's version and commit time.
    pub fn archive(&self) -> PublishRequest {
        PublishRequest {
            path: self.path.clone(),
            version: Some(self.version.clone()),
            released_at: Some(self.released_at.clone()),
        }
    }

    pub fn origin(&self) -> Origin {
        Origin::Git {
            reference: self.reference.clone(),
            branch: self.branch,
        }
    }
}
