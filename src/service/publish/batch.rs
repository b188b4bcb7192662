//! Publishing many archives in one change. Every archive is staged and checked first; then one
//! transaction places and records every one that passed, so the serving catalogue is rebuilt
//! once per batch instead of once per archive (a rebuild costs about the same for one release as
//! for hundreds, and grows with the number of projects).
//!
//! Inside the change each archive is still decided on its own: a version published meanwhile, or
//! twice in one batch with different bytes, fails only that archive. Only a failure of the change
//! itself (a full disk, a store error) fails the whole batch, and its undo removes every archive
//! the batch placed.

use super::log::log_outcomes;
use super::{
    Origin, Placed, Prepared, PublishOutcome, PublishRequest, dev, move_into_place, outcome,
    prepare, remove_if_placed,
};
use crate::domain::names::PackageName;
use crate::domain::records::Release;
use crate::service::storage::ArchiveStore;
use crate::service::{App, Result, ServiceError};
use crate::store::Writer;
use std::cell::Cell;
use std::collections::HashSet;
use std::path::Path;

/// Most archives one change publishes. The change holds the write lock (every other admin change
/// waits for it) and every manifest of the batch stays in memory until it commits; 500 keeps
/// both to seconds and megabytes, while the one rebuild is already shared by many archives.
pub const BATCH_ARCHIVES: usize = 500;

/// Most bytes one batch stages before its change commits: the staged copies sit in the archive
/// folder until then, so a folder of large archives never needs much more than 1 GiB extra.
pub const BATCH_STAGED_BYTES: u64 = 1 << 30;

/// Most bytes of paths one batch names: a batch travels to a server as one admin request, which
/// this keeps well inside the admin socket's default body limit (1 MiB).
const BATCH_PATH_BYTES: usize = 256 * 1024;

/// Splits `items` into consecutive batches within the limits above, each archive measured at
/// `path`; an archive larger than a whole batch makes a batch of its own.
pub fn split_batches<T>(items: &[T], path: impl Fn(&T) -> &Path) -> Vec<&[T]> {
    let mut batches = Vec::new();
    let (mut start, mut staged, mut named) = (0, 0u64, 0usize);
    for (index, item) in items.iter().enumerate() {
        let path = path(item);
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        let name = path.as_os_str().len();
        let full = index - start == BATCH_ARCHIVES
            || staged + size > BATCH_STAGED_BYTES
            || named + name > BATCH_PATH_BYTES;
        if index > start && full {
            batches.push(&items[start..index]);
            (start, staged, named) = (index, 0, 0);
        }
        staged += size;
        named += name;
    }
    if start < items.len() {
        batches.push(&items[start..]);
    }
    batches
}

/// Publishes every archive of `items`, one change per batch, and answers one result per archive
/// in their order. A refused archive fails alone, with the error it would get on its own; every
/// attempt is logged.
///
/// The audit names one actor per change, the one the first archive's origin acts as: the archives
/// of one call come the same way (a folder from the operator, one scan of the inbox).
pub fn publish_batch(app: &App, items: &[(PublishRequest, Origin)]) -> Vec<Result<PublishOutcome>> {
    split_batches(items, |(request, _)| &request.path)
        .into_iter()
        .flat_map(|batch| publish_one_batch(app, batch))
        .collect()
}

fn publish_one_batch(app: &App, items: &[(PublishRequest, Origin)]) -> Vec<Result<PublishOutcome>> {
    let Some((_, first)) = items.first() else {
        return Vec::new();
    };
    let prepared: Vec<Result<Prepared>> = items
        .iter()
        .map(|(request, origin)| prepare(app, request, origin))
        .collect();
    let ready: Vec<&Prepared> = prepared.iter().flatten().collect();
    let mut committed = first.acting(|| commit(app, &ready)).into_iter();
    for staged in &ready {
        let _ = std::fs::remove_file(&staged.staged.temp_path);
    }
    let results: Vec<Result<PublishOutcome>> = prepared
        .into_iter()
        .zip(items)
        .map(|(prepared, (_, origin))| {
            let result = match prepared {
                Ok(_) => committed.next().unwrap_or_else(|| Err(lost())),
                Err(error) => Err(error),
            };
            result.map_err(|error| origin.explain(error))
        })
        .collect();
    log_outcomes(app, items.iter().map(|(_, origin)| origin).zip(&results));
    results
}

/// An archive its batch answered nothing for; never expected, but no reason to panic either.
pub(super) fn lost() -> ServiceError {
    ServiceError::Io("a publish came to no outcome".into())
}

/// Commits every archive of `ready` that is not settled by what is already stored, in one change;
/// answers one result per archive, in order.
fn commit(app: &App, ready: &[&Prepared]) -> Vec<Result<PublishOutcome>> {
    let stored = app.store().read(|r| {
        ready
            .iter()
            .map(|p| r.release(&p.release.name, &p.release.version_normalized))
            .collect::<std::result::Result<Vec<_>, _>>()
    });
    let stored = match stored {
        Ok(stored) => stored,
        Err(error) => return ready.iter().map(|_| Err(error.clone().into())).collect(),
    };
    // Checked before the change too: a republished folder then costs no rebuild at all.
    let settled: Vec<Option<Result<PublishOutcome>>> = ready
        .iter()
        .zip(stored)
        .map(|(p, stored)| settled_before(p, stored))
        .collect();
    let pending: Vec<&Prepared> = ready
        .iter()
        .zip(&settled)
        .filter(|(_, settled)| settled.is_none())
        .map(|(p, _)| *p)
        .collect();
    let mut changed = change(app, &pending).into_iter();
    settled
        .into_iter()
        .map(|settled| settled.unwrap_or_else(|| changed.next().unwrap_or_else(|| Err(lost()))))
        .collect()
}

/// The outcome an archive has without a change: its version is there already with the same
/// bytes, or with other bytes it may not replace. `None`: it goes into the change.
fn settled_before(prepared: &Prepared, stored: Option<Release>) -> Option<Result<PublishOutcome>> {
    let release = &prepared.release;
    let existing = stored?;
    if existing.sha256 == release.sha256 {
        return Some(Ok(outcome(release, "unchanged", &prepared.warnings)));
    }
    (!prepared.replaces).then(|| Err(different_contents(release, &existing)))
}

fn different_contents(release: &Release, existing: &Release) -> ServiceError {
    ServiceError::Conflict(format!(
        "{} {} is already published with different contents (shasum {}); a published version never changes: publish a new version",
        release.name, release.version, existing.shasum
    ))
}

/// The one change of a batch; when it fails, every archive in it fails with its error and none
/// of their archives stays placed.
fn change(app: &App, pending: &[&Prepared]) -> Vec<Result<PublishOutcome>> {
    if pending.is_empty() {
        return Vec::new();
    }
    let store = app.archive_store();
    let placements: Vec<Cell<bool>> = pending.iter().map(|_| Cell::new(false)).collect();
    let changed = app.change_or_undo(
        |w| {
            let mut in_batch = HashSet::new();
            pending
                .iter()
                .zip(&placements)
                .map(|(p, placed)| place(w, store, p, placed, &mut in_batch))
                .collect::<Result<Vec<Placed>>>()
        },
        || {
            for (p, placed) in pending.iter().zip(&placements) {
                remove_if_placed(store, placed, &p.release.sha256);
            }
        },
    );
    match changed {
        Ok(placed) => pending
            .iter()
            .zip(placed)
            .map(|(p, placed)| finish(app, p, placed))
            .collect(),
        Err(error) => pending.iter().map(|_| Err(error.clone())).collect(),
    }
}

/// Places and records one archive inside the change. A refusal is this archive's alone; an
/// error ends the whole change.
fn place(
    w: &Writer,
    store: &ArchiveStore,
    prepared: &Prepared,
    placed: &Cell<bool>,
    in_batch: &mut HashSet<(PackageName, String)>,
) -> Result<Placed> {
    let release = &prepared.release;
    let current = w.release(&release.name, &release.version_normalized)?;
    let first_in_batch =
        in_batch.insert((release.name.clone(), release.version_normalized.clone()));
    if prepared.replaces {
        return dev::replace(w, store, prepared, current, placed);
    }
    match current {
        // Published earlier in this batch: what publishing the two one after the other says.
        Some(existing) if !first_in_batch => Ok(match existing.sha256 == release.sha256 {
            true => Placed::Unchanged,
            false => Placed::Refused(different_contents(release, &existing)),
        }),
        Some(_) => Ok(Placed::Refused(ServiceError::Conflict(format!(
            "{} {} was published concurrently",
            release.name, release.version
        )))),
        None => {
            // Inside the change: removing a release deletes an unreferenced archive inside one
            // too, so the two never interleave. The file is in place before the record commits.
            placed.set(move_into_place(store, &prepared.staged)?);
            w.put_release(release)?;
            w.audit(prepared.record.clone());
            Ok(Placed::Published)
        }
    }
}

/// What one archive came to once its change committed.
fn finish(app: &App, prepared: &Prepared, placed: Placed) -> Result<PublishOutcome> {
    let status = match placed {
        Placed::Published => "published",
        Placed::Unchanged => "unchanged",
        Placed::Replaced(previous) => {
            dev::drop_replaced_archive(app, &previous);
            "replaced"
        }
        Placed::Refused(error) => return Err(error),
    };
    Ok(outcome(&prepared.release, status, &prepared.warnings))
}

#[cfg(test)]
mod tests;
