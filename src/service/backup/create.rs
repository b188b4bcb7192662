//! Writing a backup: records from one read transaction, then the archives they name, into a
//! temporary file renamed over the target only when complete and synced.

use super::bundle::BundleWriter;
use super::digest::{Digests, Hashing, HashingWriter};
use super::manifest::{self, ArchiveEntry, Counts, DatabaseEntry, Manifest};
use super::{OnProgress, Progress, Scratch, io_error, sibling};
use crate::domain::audit::AuditRecord;
use crate::domain::records::Release;
use crate::domain::time;
use crate::service::disk::private_file;
use crate::service::{App, Result, ServiceError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupReport {
    pub file: String,
    pub bytes: u64,
    pub schema_version: u32,
    /// Unix seconds, like every `*_at` field (the manifest keeps RFC 3339 text).
    pub created_at: i64,
    pub counts: Counts,
}

/// The records, dumped to a scratch file, and what they say about archives.
struct Dump {
    file: Scratch,
    digests: Digests,
    rows: BTreeMap<String, u64>,
    schema_version: u32,
    archives: Vec<ArchiveEntry>,
}

pub fn create(app: &App, target: &Path, progress: OnProgress) -> Result<BackupReport> {
    if !target.is_absolute() {
        return Err(ServiceError::Invalid(format!(
            "the backup file must be an absolute path, not {}",
            target.display()
        )));
    }
    if target.is_dir() {
        return Err(ServiceError::Invalid(format!(
            "{} is a folder",
            target.display()
        )));
    }
    // Download events still in memory belong in the backup too.
    app.analytics.flush(app.store())?;
    let dump = dump_records(app, target)?;
    let created_at = time::now();
    let manifest = Manifest {
        format: manifest::FORMAT.to_string(),
        format_version: manifest::FORMAT_VERSION,
        schema_version: dump.schema_version,
        created_at: time::to_rfc3339(created_at),
        counts: Counts::from_rows(&dump.rows, &dump.archives),
        database: DatabaseEntry {
            sha256: dump.digests.sha256.clone(),
            size: dump.digests.size,
            rows: dump.rows.clone(),
        },
        archives: dump.archives.clone(),
    };
    let partial = Scratch::new(sibling(target, "partial")?);
    write_bundle(app, partial.path(), &manifest, &dump, progress)?;
    std::fs::rename(partial.path(), target)
        .map_err(|e| io_error(format!("cannot move the backup to {}", target.display()), e))?;
    partial.keep();
    let bytes = std::fs::metadata(target).map(|m| m.len()).unwrap_or(0);
    // After the file is complete, so the log never names a backup that does not exist; the
    // backup itself holds the log up to its snapshot.
    let summary = format!(
        "{bytes} bytes: {} releases, {} archives, {} projects, {} tokens, {} licences",
        manifest.counts.releases,
        manifest.counts.archives,
        manifest.counts.projects,
        manifest.counts.tokens,
        manifest.counts.licences
    );
    let record = AuditRecord::new("backup.create", target.display().to_string(), summary);
    crate::service::audit::record(app, record)?;
    Ok(BackupReport {
        file: target.display().to_string(),
        bytes,
        schema_version: manifest.schema_version,
        created_at,
        counts: manifest.counts,
    })
}

fn dump_records(app: &App, target: &Path) -> Result<Dump> {
    let file = Scratch::new(sibling(target, "records")?);
    let created = private_file(file.path())
        .map_err(|e| io_error(format!("cannot write next to {}", target.display()), e))?;
    let mut sink = HashingWriter::new(BufWriter::new(created));
    let mut rows = BTreeMap::new();
    let mut schema_version = 0;
    let mut archives = BTreeMap::new();
    app.store().export(|row| {
        *rows.entry(row.table.clone()).or_insert(0u64) += 1;
        schema_version = row.schema_version().unwrap_or(schema_version);
        if row.is_release() {
            let release: Release = serde_json::from_str(&row.value)
                .map_err(|e| ServiceError::Io(format!("unreadable release record: {e}")))?;
            archives.insert(release.sha256.clone(), (release.shasum, release.size));
        }
        let mut line = serde_json::to_vec(&row).map_err(|e| ServiceError::Io(e.to_string()))?;
        line.push(b'\n');
        sink.write_all(&line)
            .map_err(|e| io_error("cannot write the records", e))
    })?;
    let digests = sink
        .finish()
        .map_err(|e| io_error("cannot write the records", e))?;
    let archives = archives
        .into_iter()
        .map(|(sha256, (sha1, size))| ArchiveEntry { sha256, sha1, size })
        .collect();
    Ok(Dump {
        file,
        digests,
        rows,
        schema_version,
        archives,
    })
}

fn write_bundle(
    app: &App,
    path: &Path,
    manifest: &Manifest,
    dump: &Dump,
    progress: OnProgress,
) -> Result<()> {
    let failed = |e| io_error(format!("cannot write {}", path.display()), e);
    // The backup holds the token hashes, the licences and the private archives.
    let file = private_file(path).map_err(failed)?;
    let mut bundle = BundleWriter::new(file);
    let manifest_json =
        serde_json::to_vec_pretty(manifest).map_err(|e| ServiceError::Io(e.to_string()))?;
    bundle
        .append(
            manifest::MANIFEST_ENTRY,
            manifest_json.len() as u64,
            &manifest_json[..],
        )
        .map_err(failed)?;
    let records = File::open(dump.file.path()).map_err(failed)?;
    bundle
        .append(manifest::DATABASE_ENTRY, dump.digests.size, records)
        .map_err(failed)?;
    let total = manifest.archives.len() as u64;
    for (index, entry) in manifest.archives.iter().enumerate() {
        append_archive(app, &mut bundle, entry)?;
        progress(Progress {
            stage: "archives",
            done: index as u64 + 1,
            total,
        });
    }
    bundle.finish().map_err(failed)
}

/// Copies one archive in, checking on the way that the bytes stored are the ones the record names.
fn append_archive(app: &App, bundle: &mut BundleWriter, entry: &ArchiveEntry) -> Result<()> {
    let store = app.archive_store();
    let (file, label) = match store.local_path(&entry.sha256) {
        Some(path) => {
            let file = File::open(&path)
                .map_err(|e| io_error(format!("archive {} is missing", path.display()), e))?;
            (file, path.display().to_string())
        }
        None => (
            fetch(app, entry)?,
            format!("{} in {}", entry.entry_name(), store.describe()),
        ),
    };
    let mut hashing = Hashing::new(file);
    bundle
        .append(&entry.entry_name(), entry.size, &mut hashing)
        .map_err(|e| io_error(format!("cannot copy archive {label}"), e))?;
    let found = hashing.digests();
    if found.sha256 != entry.sha256 || found.size != entry.size {
        return Err(ServiceError::Io(format!(
            "archive {label} does not match its release record (sha256 {}, {} bytes): it is damaged",
            found.sha256, found.size
        )));
    }
    Ok(())
}

/// An archive from a remote store, in an unnamed private temporary file: the bundle needs its
/// size up front, and a store's stream cannot be rewound if it breaks off.
fn fetch(app: &App, entry: &ArchiveEntry) -> Result<File> {
    use std::io::{Seek, SeekFrom};
    let failed = |e: std::io::Error| io_error("cannot buffer an archive for the backup", e);
    let mut file = tempfile::tempfile().map_err(failed)?;
    app.archive_store().copy_to(&entry.sha256, &mut file)?;
    file.seek(SeekFrom::Start(0)).map_err(failed)?;
    Ok(file)
}
