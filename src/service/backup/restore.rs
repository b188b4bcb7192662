//! Restoring a backup into an empty data folder. Everything is unpacked into a scratch folder
//! beside the target and checked against the manifest and the release records there; only a
//! complete, verified folder is renamed into place, so a failure leaves the target as it was.

use super::bundle::read_entries;
use super::digest::{Digests, copy_hashing};
use super::manifest::{self, Counts, Manifest};
use super::{OnProgress, Progress, Scratch, io_error, sibling};
use crate::domain::audit::{AuditEntry, AuditRecord};
use crate::domain::records::Release;
use crate::domain::time;
use crate::service::disk::{private_dir, private_file};
use crate::service::{Result, ServiceError, Settings, audit};
use crate::store::{Row, SCHEMA_VERSION, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RestoreReport {
    pub data_dir: String,
    pub schema_version: u32,
    /// When the backup was taken: Unix seconds, like every `*_at` field.
    pub created_at: i64,
    pub counts: Counts,
}

fn damaged(file: &Path, what: impl std::fmt::Display) -> ServiceError {
    ServiceError::Invalid(format!(
        "backup {} is damaged or truncated: {what}; nothing was restored",
        file.display()
    ))
}

pub fn restore(settings: &Settings, file: &Path, progress: OnProgress) -> Result<RestoreReport> {
    let target = &settings.data_dir;
    refuse_non_empty(target)?;
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| io_error(format!("cannot create {}", parent.display()), e))?;
    }
    let staging = Scratch::new(sibling(target, "restoring")?);
    let staged = Settings {
        data_dir: staging.path().to_path_buf(),
        ..settings.clone()
    };
    // Renamed into place as the data folder, so private from the start.
    for dir in [staging.path().to_path_buf(), staged.archive_dir()] {
        private_dir(&dir).map_err(|e| io_error(format!("cannot create {}", dir.display()), e))?;
    }
    let records = staging.path().join(manifest::DATABASE_ENTRY);
    let (manifest, archives) = unpack(file, &staged, &records, progress)?;
    let taken = time::parse_release_time(&manifest.created_at).map_err(|e| damaged(file, e))?;
    rebuild_database(file, &staged, &records, &manifest, &archives)?;
    record_restore(&staged, file, &manifest)?;
    upload_archives(settings, &staged, &manifest, progress)?;
    std::fs::remove_file(&records).map_err(|e| io_error("cannot tidy the restore", e))?;
    if target.exists() {
        // Checked empty above; rename cannot replace a folder, even an empty one, on every system.
        std::fs::remove_dir(target)
            .map_err(|e| io_error(format!("cannot replace {}", target.display()), e))?;
    }
    std::fs::rename(staging.path(), target).map_err(|e| {
        io_error(
            format!("cannot move the restore into {}", target.display()),
            e,
        )
    })?;
    staging.keep();
    Ok(RestoreReport {
        data_dir: target.display().to_string(),
        schema_version: manifest.schema_version,
        created_at: taken,
        counts: manifest.counts,
    })
}

/// With an object store configured, the verified archives go there, each checked in the store,
/// before the folder is moved into place; the local copies are then dropped, as a server on
/// that store would never read them. An archive the store already holds is left as it is.
fn upload_archives(
    settings: &Settings,
    staged: &Settings,
    manifest: &Manifest,
    progress: OnProgress,
) -> Result<()> {
    if settings.storage.backend == crate::config::StorageBackend::Local {
        return Ok(());
    }
    let store =
        crate::service::storage::ArchiveStore::open(&settings.storage, &staged.archive_dir())?;
    let total = manifest.archives.len() as u64;
    for (index, entry) in manifest.archives.iter().enumerate() {
        let path = staged.archive_path(&entry.sha256);
        store.put_verified(&entry.sha256, &path, entry.size)?;
        std::fs::remove_file(&path).map_err(|e| io_error("cannot tidy the restore", e))?;
        progress(Progress {
            stage: "uploading archives",
            done: index as u64 + 1,
            total,
        });
    }
    Ok(())
}

/// The restored log ends with the restore itself, naming the backup it came from.
fn record_restore(staged: &Settings, file: &Path, manifest: &Manifest) -> Result<()> {
    let record = AuditRecord::new(
        "backup.restore",
        file.display().to_string(),
        format!("restored the backup taken {}", manifest.created_at),
    );
    let entry = AuditEntry::new(time::now_micros(), audit::operator_here(), record);
    let store = Store::open(&staged.database_path())?;
    store.write(|w| w.append_audit(&entry))?;
    Ok(())
}

fn refuse_non_empty(target: &Path) -> Result<()> {
    let entries = match std::fs::read_dir(target) {
        Ok(entries) => entries.count(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(format!("cannot read {}", target.display()), e)),
    };
    if entries > 0 {
        return Err(ServiceError::Conflict(format!(
            "data folder {} is not empty ({entries} entries); restore only into an empty or new folder",
            target.display()
        )));
    }
    Ok(())
}

/// Unpacks every entry into `staged`, checking each against the manifest as it streams past.
fn unpack(
    file: &Path,
    staged: &Settings,
    records: &Path,
    progress: OnProgress,
) -> Result<(Manifest, BTreeMap<String, Digests>)> {
    let mut manifest: Option<Manifest> = None;
    let mut database: Option<Digests> = None;
    let mut archives = BTreeMap::new();
    let unreadable = |e: std::io::Error| damaged(file, e);
    read_entries(file, unreadable, |name, size, contents| {
        let Some(manifest) = manifest.as_ref() else {
            manifest = Some(read_manifest(file, name, size, contents)?);
            return Ok(());
        };
        if name == manifest::DATABASE_ENTRY && database.is_none() {
            database = Some(copy_into(records, contents)?);
            return Ok(());
        }
        let expected = manifest.archives.iter().find(|a| a.entry_name() == name);
        match expected {
            Some(entry) if !archives.contains_key(&entry.sha256) => {
                let found = copy_into(&staged.archive_path(&entry.sha256), contents)?;
                if found.sha256 != entry.sha256 || found.size != entry.size {
                    return Err(damaged(file, format!("{name} does not match its checksum")));
                }
                archives.insert(entry.sha256.clone(), found);
                let total = manifest.archives.len() as u64;
                progress(Progress {
                    stage: "archives",
                    done: archives.len() as u64,
                    total,
                });
                Ok(())
            }
            _ => Err(damaged(file, format!("unexpected entry {name:?}"))),
        }
    })?;
    let manifest = manifest.ok_or_else(|| damaged(file, "it holds no manifest"))?;
    check_complete(file, &manifest, database.as_ref(), &archives)?;
    Ok((manifest, archives))
}

fn read_manifest(file: &Path, name: &str, size: u64, contents: &mut dyn Read) -> Result<Manifest> {
    if name != manifest::MANIFEST_ENTRY {
        return Err(ServiceError::Invalid(format!(
            "{} is not a packagento backup (it starts with {name:?}, not a manifest)",
            file.display()
        )));
    }
    let mut bytes = Vec::with_capacity(size.min(1 << 24) as usize);
    contents
        .read_to_end(&mut bytes)
        .map_err(|e| damaged(file, format!("unreadable manifest: {e}")))?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| damaged(file, format!("unreadable manifest: {e}")))?;
    if manifest.format != manifest::FORMAT || manifest.format_version > manifest::FORMAT_VERSION {
        return Err(ServiceError::Invalid(format!(
            "{} is a {} backup of format version {}; this build reads {} up to version {}",
            file.display(),
            manifest.format,
            manifest.format_version,
            manifest::FORMAT,
            manifest::FORMAT_VERSION
        )));
    }
    if manifest.schema_version > SCHEMA_VERSION {
        return Err(ServiceError::Invalid(format!(
            "{} was made by a newer packagento (database schema {}, this build knows up to {}); upgrade packagento first",
            file.display(),
            manifest.schema_version,
            SCHEMA_VERSION
        )));
    }
    Ok(manifest)
}

fn copy_into(path: &Path, contents: &mut dyn Read) -> Result<Digests> {
    let failed = |e| ServiceError::Io(format!("cannot write {}: {e}", path.display()));
    let mut out = BufWriter::new(private_file(path).map_err(failed)?);
    let digests = copy_hashing(contents, &mut out).map_err(failed)?;
    out.into_inner()
        .map_err(|e| failed(e.into_error()))?
        .sync_all()
        .map_err(failed)?;
    Ok(digests)
}

fn check_complete(
    file: &Path,
    manifest: &Manifest,
    database: Option<&Digests>,
    archives: &BTreeMap<String, Digests>,
) -> Result<()> {
    let database = database.ok_or_else(|| damaged(file, "the database records are missing"))?;
    if database.sha256 != manifest.database.sha256 || database.size != manifest.database.size {
        return Err(damaged(
            file,
            "the database records do not match their checksum",
        ));
    }
    let missing: Vec<String> = manifest
        .archives
        .iter()
        .filter(|entry| !archives.contains_key(&entry.sha256))
        .map(|entry| entry.entry_name())
        .collect();
    if let Some(first) = missing.first() {
        let count = missing.len();
        return Err(damaged(
            file,
            format!("{count} archives are missing, first {first}"),
        ));
    }
    Ok(())
}

/// Builds the database from the verified records, checking each release against its archive.
fn rebuild_database(
    file: &Path,
    staged: &Settings,
    records: &Path,
    manifest: &Manifest,
    archives: &BTreeMap<String, Digests>,
) -> Result<()> {
    let reader = BufReader::new(File::open(records).map_err(|e| io_error("cannot reread", e))?);
    let mut counted: BTreeMap<String, u64> = BTreeMap::new();
    let rows = reader.lines().map(|line| {
        let line = line.map_err(|e| io_error("cannot reread the records", e))?;
        let row: Row = serde_json::from_str(&line)
            .map_err(|e| damaged(file, format!("unreadable record: {e}")))?;
        if row.is_release() {
            check_release(file, &row, archives)?;
        }
        *counted.entry(row.table.clone()).or_default() += 1;
        Ok::<_, ServiceError>(row)
    });
    Store::create_from(&staged.database_path(), rows)?;
    if counted != manifest.database.rows {
        return Err(damaged(file, "the record counts differ from the manifest"));
    }
    Ok(())
}

fn check_release(file: &Path, row: &Row, archives: &BTreeMap<String, Digests>) -> Result<()> {
    let release: Release = serde_json::from_str(&row.value)
        .map_err(|e| damaged(file, format!("unreadable release record: {e}")))?;
    let label = format!("{} {}", release.name, release.version);
    match archives.get(&release.sha256) {
        Some(found) if found.sha1 == release.shasum && found.size == release.size => Ok(()),
        Some(_) => Err(damaged(
            file,
            format!("the archive of {label} does not match its record"),
        )),
        None => Err(damaged(
            file,
            format!("the archive of {label} is not in the backup"),
        )),
    }
}
