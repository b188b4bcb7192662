//! Replacing a dev version. In Composer's model a dev version (`dev-main`, `1.x-dev`) is a
//! branch, a moving target: a newer commit of the branch is the same version with new contents.
//! Releases stay immutable; only dev versions go through here.
//!
//! The catalogue carries releases over between rebuilds keyed by normalized version, so writing
//! the new record in one change replaces the old one in the next snapshot, and the package's
//! metadata moves its Last-Modified forward. The dist `reference` is the archive's SHA-1, so
//! Composer sees a new reference and `composer update` takes the new commit.

use super::{PublishOutcome, StagedArchive, move_into_place, outcome, remove_if_placed};
use crate::domain::audit::AuditRecord;
use crate::domain::records::Release;
use crate::service::{App, Result, ServiceError};

pub(super) fn commit_replacing(
    app: &App,
    release: Release,
    staged: &StagedArchive,
    warnings: Vec<String>,
    mut record: AuditRecord,
) -> Result<PublishOutcome> {
    let current = app.store().write(|w| {
        w.release(&release.name, &release.version_normalized)
            .map_err(ServiceError::from)
    })?;
    // Checked before the change too: re-importing an unmoved branch then costs no rebuild.
    if current.is_some_and(|c| c.sha256 == release.sha256) {
        return Ok(outcome(&release, "unchanged", &warnings));
    }
    let archive = app.settings().archive_path(&release.sha256);
    let placed = std::cell::Cell::new(false);
    let replaced = app.change_or_undo(
        |w| {
            let previous = w.release(&release.name, &release.version_normalized)?;
            if previous
                .as_ref()
                .is_some_and(|p| p.sha256 == release.sha256)
            {
                return Ok(None);
            }
            placed.set(move_into_place(staged, &archive)?);
            w.put_release(&release)?;
            if let Some(previous) = &previous {
                record.summary = format!("sha1 {} → {}", previous.shasum, record.summary);
            }
            w.audit(record);
            Ok(Some(previous))
        },
        || remove_if_placed(&placed, &archive),
    )?;
    let status = match replaced {
        None => "unchanged",
        Some(None) => "published",
        Some(Some(previous)) => {
            // The old archive goes once nothing references it, as `package remove` does; failing
            // to delete it leaves a stray file, not a broken release, so it is only logged.
            if let Err(error) =
                crate::service::recall::delete_archive_if_unreferenced(app, &previous)
            {
                tracing::warn!(%error, "replaced dev version's archive kept");
            }
            "replaced"
        }
    };
    Ok(outcome(&release, status, &warnings))
}
