//! Publishing release archives: validate, store the bytes, then commit the records (one change
//! for a whole batch, see `batch`).
//!
//! Order matters for crash safety: the archive is copied to a temporary file, checked, and
//! renamed into place before the transaction that references it commits. A crash leaves at most
//! an unreferenced archive, never a release without its bytes.

mod batch;
mod bulk;
mod dev;
mod log;
mod origin;
mod validate;

pub use batch::{BATCH_ARCHIVES, BATCH_STAGED_BYTES, publish_batch, split_batches};
pub use bulk::{BulkReport, Progress, collect_archives, publish_each, publish_in_batches};
pub use origin::Origin;

use super::archive::inspect_archive;
use super::storage::ArchiveStore;
use super::{App, Result, ServiceError};
use crate::domain::audit::AuditRecord;
use crate::domain::names::PackageName;
use crate::domain::records::Release;
use crate::domain::text::check_field;
use crate::domain::time;
use crate::domain::version::normalize;
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PublishRequest {
    pub path: PathBuf,
    pub version: Option<String>,
    pub released_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishOutcome {
    pub name: String,
    pub version: String,
    pub version_normalized: String,
    pub shasum: String,
    /// `published`; `replaced` when a dev version moved to a newer commit; `unchanged` when the
    /// same bytes were already there.
    pub status: String,
    /// Problems worth fixing in the next release that did not stop this one.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// What the change did with one archive.
enum Placed {
    Published,
    /// The same bytes were there already.
    Unchanged,
    /// A dev version's new commit took the place of this one.
    Replaced(Release),
    Refused(ServiceError),
}

struct StagedArchive {
    temp_path: PathBuf,
    shasum: String,
    sha256: String,
    size: u64,
}

/// Publishes one release archive. Every way in comes through here or through `publish_batch`;
/// `origin` decides who may publish what, what happens to a version already published, and what
/// the publish log records. Every attempt is logged, whatever its outcome.
pub fn publish(app: &App, request: &PublishRequest, origin: &Origin) -> Result<PublishOutcome> {
    // A batch of one, so a single archive and a folder take the same path.
    publish_batch(app, &[(request.clone(), origin.clone())])
        .pop()
        .unwrap_or_else(|| Err(batch::lost()))
}

/// A staged archive that passed every check, with what its commit writes.
struct Prepared {
    release: Release,
    staged: StagedArchive,
    warnings: Vec<String>,
    record: AuditRecord,
    /// A dev version from a branch: other bytes replace the version instead of conflicting.
    replaces: bool,
}

/// Stages and checks one archive; a refused archive leaves no staged copy behind.
fn prepare(app: &App, request: &PublishRequest, origin: &Origin) -> Result<Prepared> {
    let staged = stage(app, &request.path)?;
    match check_staged(app, request, &staged, origin) {
        Ok((release, warnings)) => Ok(Prepared {
            record: origin.audit_record(&release),
            replaces: origin.may_replace(&release),
            release,
            warnings,
            staged,
        }),
        Err(error) => {
            let _ = std::fs::remove_file(&staged.temp_path);
            Err(error)
        }
    }
}

/// The release an archive makes, and the warnings it passed with.
fn check_staged(
    app: &App,
    request: &PublishRequest,
    staged: &StagedArchive,
    origin: &Origin,
) -> Result<(Release, Vec<String>)> {
    let manifest = inspect_archive(&staged.temp_path, &app.settings().limits.archive())
        .map_err(|e| ServiceError::Invalid(e.to_string()))?;
    let composer = &manifest.composer_json;
    let name = composer
        .get("name")
        .and_then(|v| v.as_str())
        .ok_or_else(|| ServiceError::Invalid("composer.json has no \"name\"".into()))?;
    let name = PackageName::parse(name)
        .map_err(|e| ServiceError::Invalid(format!("composer.json: {e}")))?;
    origin.check_allowed(&name)?;
    let version = choose_version(request, composer, &request.path)?;
    check_field("version", &version).map_err(ServiceError::Invalid)?;
    let declared = composer.get("version").and_then(|v| v.as_str());
    validate::check_version_agreement(&version, declared).map_err(ServiceError::Invalid)?;
    let autoload = validate::check_autoload(composer, &manifest.entries);
    if !autoload.errors.is_empty() {
        return Err(ServiceError::Invalid(autoload.errors.join("; ")));
    }
    let version_normalized = normalize(&version)
        .map_err(|e| ServiceError::Invalid(e.to_string()))?
        .to_string();
    let released_at = choose_release_time(request, composer)?;
    let release = Release {
        name,
        version,
        version_normalized,
        released_at,
        published_at: time::now(),
        shasum: staged.shasum.clone(),
        sha256: staged.sha256.clone(),
        size: staged.size,
        composer_json: manifest.composer_json.clone(),
        yanked: None,
    };
    Ok((release, autoload.warnings))
}

fn outcome(release: &Release, status: &str, warnings: &[String]) -> PublishOutcome {
    PublishOutcome {
        name: release.name.to_string(),
        version: release.version.clone(),
        version_normalized: release.version_normalized.clone(),
        shasum: release.shasum.clone(),
        status: status.to_string(),
        warnings: warnings.to_vec(),
    }
}

fn choose_version(
    request: &PublishRequest,
    composer: &serde_json::Map<String, serde_json::Value>,
    path: &Path,
) -> Result<String> {
    if let Some(version) = &request.version {
        return Ok(version.clone());
    }
    if let Some(version) = composer.get("version").and_then(|v| v.as_str()) {
        return Ok(version.to_string());
    }
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if let Some(version) = version_in_file_name(stem) {
        return Ok(version.to_string());
    }
    Err(ServiceError::Invalid(format!(
        "no version: pass --version (?version= when uploading), set \"version\" in composer.json, or name the file after the version (e.g. 1.4.2.zip or acme-hello-1.4.2.zip); {stem:?} ends in no valid version"
    )))
}

/// `1.4.2`, or the version that ends a vendor-name-version name (`acme-hello-1.5.0`,
/// `acme-hello-2.0.0-beta1`): the longest `-`-separated tail that is a version.
fn version_in_file_name(stem: &str) -> Option<&str> {
    let tails = std::iter::once(stem).chain(stem.match_indices('-').map(|(i, _)| &stem[i + 1..]));
    tails
        .filter(|tail| !tail.is_empty())
        .find(|tail| normalize(tail).is_ok())
}

fn choose_release_time(
    request: &PublishRequest,
    composer: &serde_json::Map<String, serde_json::Value>,
) -> Result<i64> {
    if let Some(text) = &request.released_at {
        return time::parse_release_time(text).map_err(ServiceError::Invalid);
    }
    match composer.get("time").and_then(|v| v.as_str()) {
        Some(text) => time::parse_release_time(text)
            .map_err(|e| ServiceError::Invalid(format!("composer.json \"time\": {e}"))),
        None => Ok(time::now()),
    }
}

/// Copies the source into the archive folder while hashing, so what is checked is what is kept.
fn stage(app: &App, source: &Path) -> Result<StagedArchive> {
    let io = |what: &str, e: std::io::Error| {
        ServiceError::Io(format!("{what} {}: {e}", source.display()))
    };
    let mut input = File::open(source).map_err(|e| io("cannot open", e))?;
    if !input
        .metadata()
        .map_err(|e| io("cannot read", e))?
        .is_file()
    {
        return Err(ServiceError::Invalid(format!(
            "{} is not a file",
            source.display()
        )));
    }
    let temp_path = app
        .settings()
        .archive_dir()
        .join(format!(".incoming-{}", super::secrets::random_hex(8)));
    let mut output = super::disk::private_file(&temp_path).map_err(|e| io("cannot stage", e))?;
    // A copy cut short (a full disk) is removed at once: it would hold space until a restart.
    copy_hashing(&mut input, &mut output, temp_path.clone())
        .inspect_err(|_| drop(std::fs::remove_file(&temp_path)))
        .map_err(|(what, e)| io(what, e))
}

/// Copies `input` into the staging file at `temp_path`, hashing what passes; a failure says
/// which side failed.
fn copy_hashing(
    input: &mut File,
    output: &mut File,
    temp_path: PathBuf,
) -> std::result::Result<StagedArchive, (&'static str, std::io::Error)> {
    let (mut sha1, mut sha256, mut size) = (Sha1::new(), Sha256::new(), 0u64);
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = input.read(&mut buffer).map_err(|e| ("cannot read", e))?;
        if read == 0 {
            break;
        }
        sha1.update(&buffer[..read]);
        sha256.update(&buffer[..read]);
        output
            .write_all(&buffer[..read])
            .map_err(|e| ("cannot stage", e))?;
        size += read as u64;
    }
    output.sync_all().map_err(|e| ("cannot stage", e))?;
    Ok(StagedArchive {
        temp_path,
        shasum: hex::encode(sha1.finalize()),
        sha256: hex::encode(sha256.finalize()),
        size,
    })
}

/// Puts the staged archive into the archive store, verified there; `true` when this call
/// created it.
fn move_into_place(store: &ArchiveStore, staged: &StagedArchive) -> Result<bool> {
    Ok(store.put_verified(&staged.sha256, &staged.temp_path, staged.size)?)
}

/// A publish whose record did not commit (a full disk) leaves no archive of its own behind.
/// Runs before the next change may start, so no other release can have come to use the file.
fn remove_if_placed(store: &ArchiveStore, placed: &std::cell::Cell<bool>, sha256: &str) {
    if !placed.get() {
        return;
    }
    if let Err(error) = store.delete(sha256) {
        tracing::warn!(%sha256, %error, "archive of a failed publish not removed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::Settings;
    use crate::store::StoreError;
    use crate::store::disk_full::fill;

    fn release_zip(dir: &Path) -> PathBuf {
        let path = dir.join("1.0.0.zip");
        let mut zip = zip::ZipWriter::new(File::create(&path).unwrap());
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("composer.json", options).unwrap();
        zip.write_all(br#"{"name": "acme/foo", "type": "library"}"#)
            .unwrap();
        zip.finish().unwrap();
        path
    }

    /// The archive files on disk, by name: what a publish left behind.
    pub(super) fn archives(app: &App) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(app.settings().archive_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_publish_the_full_disk_refuses_leaves_no_archive_and_succeeds_later() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings::for_tests(dir.path().join("data"));
        let (app, disk) = App::open_on_a_fillable_disk(settings);
        let file = release_zip(dir.path());
        let request = PublishRequest {
            path: file.clone(),
            ..Default::default()
        };
        let origin = Origin::Cli { file };

        fill(&disk, true);
        match publish(&app, &request, &origin) {
            Err(ServiceError::Store(StoreError::Unavailable(_))) => {}
            other => panic!("expected a storage outage, got {other:?}"),
        }
        assert_eq!(archives(&app), Vec::<String>::new());
        assert!(app.catalog().packages.is_empty());

        fill(&disk, false);
        // Re-opening failed while the disk was full; the next attempt comes after a pause.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let published = publish(&app, &request, &origin).unwrap();
        assert_eq!(published.status, "published");
        assert_eq!(archives(&app).len(), 1);
        assert!(app.store().failure().is_none());
    }

    #[test]
    fn the_version_is_read_from_a_file_named_after_it_alone_or_after_vendor_and_name() {
        assert_eq!(version_in_file_name("1.4.2"), Some("1.4.2"));
        assert_eq!(version_in_file_name("acme-hello-1.5.0"), Some("1.5.0"));
        assert_eq!(
            version_in_file_name("acme-hello-2.0.0-beta1"),
            Some("2.0.0-beta1")
        );
        assert_eq!(version_in_file_name("acme-hello"), None);
        assert_eq!(version_in_file_name("acme-hello-"), None);
    }
}
