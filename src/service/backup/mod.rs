//! Backup and restore: one file holding a consistent snapshot of the database and every archive
//! its releases refer to. See `manifest` for the file's layout.
//!
//! Consistency: the records are read in one database read transaction while the server keeps
//! serving and writing. Archives are immutable and named by content, so copying the ones those
//! records name after the read still gives exactly the snapshot's archives.

mod bundle;
mod create;
mod digest;
pub mod manifest;
mod restore;

pub use create::{BackupReport, create};
pub use restore::{RestoreReport, restore};

use super::ServiceError;
use std::path::{Path, PathBuf};

/// Where a long backup or restore has got to, for a progress line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    pub stage: &'static str,
    pub done: u64,
    pub total: u64,
}

pub type OnProgress<'a> = &'a (dyn Fn(Progress) + Sync);

fn io_error(what: impl std::fmt::Display, error: impl std::fmt::Display) -> ServiceError {
    ServiceError::Io(format!("{what}: {error}"))
}

/// A file or folder removed when dropped unless kept: a failed backup or restore leaves nothing.
struct Scratch {
    path: PathBuf,
    keep: bool,
}

impl Scratch {
    fn new(path: PathBuf) -> Self {
        Self { path, keep: false }
    }
    fn path(&self) -> &Path {
        &self.path
    }
    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        let _ = if self.path.is_dir() {
            std::fs::remove_dir_all(&self.path)
        } else {
            std::fs::remove_file(&self.path)
        };
    }
}

/// A name next to `target`, hidden and unique, on the same file system so a rename can finish.
fn sibling(target: &Path, purpose: &str) -> Result<PathBuf, ServiceError> {
    let parent = target.parent().ok_or_else(|| {
        ServiceError::Invalid(format!("{} has no parent folder", target.display()))
    })?;
    let name = target
        .file_name()
        .ok_or_else(|| ServiceError::Invalid(format!("{} has no file name", target.display())))?
        .to_string_lossy();
    let suffix = super::secrets::random_hex(6);
    Ok(parent.join(format!(".{name}.{purpose}-{suffix}")))
}
