//! Taking releases back: a yank hides a version from new resolutions while lock files that pin it
//! keep installing; a removal deletes the version, and its archive once nothing else uses it.

use super::changes::ChangeEvent;
use super::summaries::{RecallOutcome, RemoveOutcome};
use super::{App, Result, ServiceError};
use crate::domain::audit::AuditRecord;
use crate::domain::names::PackageName;
use crate::domain::records::{Release, Yank};
use crate::domain::text::check_field;
use crate::domain::time;
use crate::domain::version::normalize;

/// Yanks (`Some(reason)`) or restores (`None`) a release. Doing either twice is harmless.
pub fn set_yanked(
    app: &App,
    name: &str,
    version: &str,
    yank: Option<Option<String>>,
) -> Result<RecallOutcome> {
    let (name, version_normalized) = release_id(name, version)?;
    let yanking = yank.is_some();
    if let Some(Some(reason)) = &yank {
        check_field("yank reason", reason).map_err(ServiceError::Invalid)?;
    }
    let (release, changed) = app.change(|w| {
        let mut release = w
            .release(&name, &version_normalized)?
            .ok_or_else(|| no_such_release(&name, version))?;
        let wanted = yank.map(|reason| Yank {
            at: time::now(),
            reason: reason.filter(|r| !r.trim().is_empty()),
        });
        let changed = release.yanked.is_some() != wanted.is_some();
        if changed {
            // A changed record replaces the old one in the next catalogue, which re-renders
            // the package's metadata and moves its Last-Modified forward.
            release.yanked = wanted;
            w.put_release(&release)?;
            w.audit(yank_record(&release));
        }
        Ok((release, changed))
    })?;
    let outcome = RecallOutcome::from(release);
    if changed {
        let outcome = outcome.clone();
        app.changes.announce(match yanking {
            true => ChangeEvent::VersionYanked { outcome },
            false => ChangeEvent::VersionUnyanked { outcome },
        });
    }
    Ok(outcome)
}

pub fn remove(app: &App, name: &str, version: &str) -> Result<RemoveOutcome> {
    let (name, version_normalized) = release_id(name, version)?;
    let removed = app.change(|w| {
        let release = w
            .release(&name, &version_normalized)?
            .ok_or_else(|| no_such_release(&name, version))?;
        w.delete_release(&name, &version_normalized)?;
        w.audit(AuditRecord::new(
            "package.remove",
            format!("{} {}", release.name, release.version),
            format!("removed, sha1 {}", release.shasum),
        ));
        Ok(release)
    })?;
    let archive_deleted = delete_archive_if_unreferenced(app, &removed)?;
    let outcome = RemoveOutcome {
        name: removed.name.to_string(),
        version: removed.version,
        version_normalized: removed.version_normalized,
        archive_deleted,
        dry_run: false,
    };
    app.changes.announce(ChangeEvent::VersionRemoved {
        outcome: outcome.clone(),
    });
    Ok(outcome)
}

/// What `remove` would do, changing nothing: the release it would delete and whether its
/// archive would go with it.
pub fn removal_preview(app: &App, name: &str, version: &str) -> Result<RemoveOutcome> {
    let (name, version_normalized) = release_id(name, version)?;
    app.store().read(|r| {
        let Some(release) = r.release(&name, &version_normalized)? else {
            return Ok(Err(no_such_release(&name, version)));
        };
        let shared = r.releases()?.iter().any(|other| {
            other.sha256 == release.sha256 && other.version_normalized != release.version_normalized
        });
        Ok(Ok(RemoveOutcome {
            name: release.name.to_string(),
            version: release.version,
            version_normalized: release.version_normalized,
            archive_deleted: !shared,
            dry_run: true,
        }))
    })?
}

/// Deletes the archive of a release no longer in the database, unless another release has the
/// same bytes. Call only after the commit that dropped it: a crash before then must leave the
/// release whole. Publishing moves archives into place inside a write transaction too, so this
/// check cannot interleave with it.
pub(super) fn delete_archive_if_unreferenced(app: &App, gone: &Release) -> Result<bool> {
    app.store().write(|w| {
        if w.releases()?.iter().any(|r| r.sha256 == gone.sha256) {
            return Ok(false);
        }
        app.archive_store().delete(&gone.sha256).map_err(|e| {
            ServiceError::Io(format!(
                "{} {} is gone, but its archive could not be deleted from {}: {e}",
                gone.name,
                gone.version,
                app.archive_store().describe()
            ))
        })
    })
}

pub(super) fn yank_record(release: &Release) -> AuditRecord {
    let target = format!("{} {}", release.name, release.version);
    match &release.yanked {
        Some(Yank {
            reason: Some(reason),
            ..
        }) => AuditRecord::new(
            "package.yank",
            target,
            format!("available → yanked: {reason}"),
        ),
        Some(_) => AuditRecord::new("package.yank", target, "available → yanked"),
        None => AuditRecord::new("package.unyank", target, "yanked → available"),
    }
}

fn release_id(name: &str, version: &str) -> Result<(PackageName, String)> {
    let name = PackageName::parse(name).map_err(|e| ServiceError::Invalid(e.to_string()))?;
    let normalized = normalize(version).map_err(|e| ServiceError::Invalid(e.to_string()))?;
    Ok((name, normalized.to_string()))
}

fn no_such_release(name: &PackageName, version: &str) -> ServiceError {
    ServiceError::NotFound(format!(
        "no version {version} of {name} (see `packagento package show {name}`)"
    ))
}
