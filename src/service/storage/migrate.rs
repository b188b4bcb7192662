//! `storage migrate`: copies every archive the releases name into another store, each checked
//! there (size and sha256, read back), and says whether all of them now are.
//!
//! Resumable: each archive verified in the target is noted in a journal in the data folder, so
//! a run cut short (killed, a lost connection, `--limit`) picks up where it stopped; an archive
//! the target already holds with the right bytes is noted without being copied again.

use super::{ArchiveStore, local};
use crate::service::{App, Result, ServiceError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MigrateReport {
    pub to: String,
    /// Archives the releases name.
    pub total: u64,
    /// Copied and verified by this run.
    pub copied: u64,
    /// Already verified in the target before this run.
    pub already_there: u64,
    /// Every archive is in the target: the configuration may switch.
    pub complete: bool,
}

/// Where a migration has got to, for a progress line.
pub type OnArchive<'a> = &'a dyn Fn(u64, u64);

/// Copies at most `limit` archives (all when `None`) from `app`'s store into `target`.
pub fn migrate(
    app: &App,
    target: &ArchiveStore,
    to: &str,
    limit: Option<u64>,
    progress: OnArchive,
) -> Result<MigrateReport> {
    let archives = named_archives(app)?;
    let journal_path = journal_path(&app.settings().data_dir, to);
    let mut journal = Journal::open(&journal_path)?;
    let total = archives.len() as u64;
    let (mut copied, mut already_there) = (0u64, 0u64);
    for (done, (sha256, size)) in archives.iter().enumerate() {
        if journal.has(sha256) && target.size(sha256)? == Some(*size) {
            already_there += 1;
        } else if target.verify(sha256, *size)? {
            journal.note(sha256)?;
            already_there += 1;
        } else if limit.is_some_and(|limit| copied >= limit) {
            break;
        } else {
            copy(app.archive_store(), target, sha256, *size)?;
            journal.note(sha256)?;
            copied += 1;
        }
        progress(done as u64 + 1, total);
    }
    let complete = copied + already_there == total;
    if complete {
        let _ = std::fs::remove_file(&journal_path);
    }
    Ok(MigrateReport {
        to: to.to_string(),
        total,
        copied,
        already_there,
        complete,
    })
}

/// Every archive a release names, with its size: what must be in the target.
fn named_archives(app: &App) -> Result<BTreeMap<String, u64>> {
    let releases = app.store().read(|r| r.releases())?;
    Ok(releases
        .into_iter()
        .map(|release| (release.sha256, release.size))
        .collect())
}

fn copy(source: &ArchiveStore, target: &ArchiveStore, sha256: &str, size: u64) -> Result<()> {
    if let Some(dir) = target.local_path(sha256).as_deref().and_then(Path::parent) {
        return Ok(local::receive(dir, sha256, size, |out| {
            source.copy_to(sha256, out)
        })?);
    }
    match source.local_path(sha256) {
        Some(path) => {
            target.put_verified(sha256, &path, size)?;
            Ok(())
        }
        None => Err(ServiceError::Invalid(
            "both stores are remote: migrate to local first, then to the other store".into(),
        )),
    }
}

pub fn journal_path(data_dir: &Path, to: &str) -> PathBuf {
    data_dir.join(format!("storage-migrate-to-{to}.journal"))
}

/// One verified sha256 a line, appended and synced as each archive is done.
struct Journal {
    done: BTreeSet<String>,
    file: std::fs::File,
}

impl Journal {
    fn open(path: &Path) -> Result<Self> {
        let failed = |e: std::io::Error| {
            ServiceError::Io(format!("cannot use the journal {}: {e}", path.display()))
        };
        let done = match std::fs::read_to_string(path) {
            Ok(text) => text.lines().map(str::to_string).collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeSet::new(),
            Err(e) => return Err(failed(e)),
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(failed)?;
        Ok(Self { done, file })
    }

    fn has(&self, sha256: &str) -> bool {
        self.done.contains(sha256)
    }

    fn note(&mut self, sha256: &str) -> Result<()> {
        writeln!(self.file, "{sha256}")
            .and_then(|_| self.file.sync_data())
            .map_err(|e| ServiceError::Io(format!("cannot write the migration journal: {e}")))?;
        self.done.insert(sha256.to_string());
        Ok(())
    }
}
