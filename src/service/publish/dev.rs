//! Replacing a dev version. In Composer's model a dev version (`dev-main`, `1.x-dev`) is a
//! branch, a moving target: a newer commit of the branch is the same version with new contents.
//! Releases stay immutable; only dev versions go through here.
//!
//! The catalogue carries releases over between rebuilds keyed by normalized version, so writing
//! the new record in one change replaces the old one in the next snapshot, and the package's
//! metadata moves its Last-Modified forward. The dist `reference` is the archive's SHA-1, so
//! Composer sees a new reference and `composer update` takes the new commit.

use super::{Placed, Prepared, move_into_place};
use crate::domain::records::Release;
use crate::service::storage::ArchiveStore;
use crate::service::{App, Result};
use crate::store::Writer;
use std::cell::Cell;

/// Writes the new commit of a dev version over `current` (its record as this change sees it),
/// inside the batch's change.
pub(super) fn replace(
    w: &Writer,
    store: &ArchiveStore,
    prepared: &Prepared,
    current: Option<Release>,
    placed: &Cell<bool>,
) -> Result<Placed> {
    let release = &prepared.release;
    if current.as_ref().is_some_and(|c| c.sha256 == release.sha256) {
        return Ok(Placed::Unchanged);
    }
    placed.set(move_into_place(store, &prepared.staged)?);
    w.put_release(release)?;
    let mut record = prepared.record.clone();
    if let Some(previous) = &current {
        record.summary = format!("sha1 {} → {}", previous.shasum, record.summary);
    }
    w.audit(record);
    Ok(match current {
        Some(previous) => Placed::Replaced(previous),
        None => Placed::Published,
    })
}

/// After the change committed: the old archive goes once nothing references it, as `package
/// remove` does; failing to delete it leaves a stray file, not a broken release, so it is only
/// logged.
pub(super) fn drop_replaced_archive(app: &App, previous: &Release) {
    if let Err(error) = crate::service::recall::delete_archive_if_unreferenced(app, previous) {
        tracing::warn!(%error, "replaced dev version's archive kept");
    }
}
