//! Publishing many archives (a folder of releases, a bulk import) so one bad zip does not stop
//! the rest, with a report as each finishes. The loops are generic over how archives are
//! published, so they run the same on a local `App` and over the admin socket: a batch at a time
//! (`publish_in_batches`, one change and one `AdminRequest::PackagePublishBatch` per batch), or
//! one archive at a time (`publish_each`).

use super::{PublishOutcome, split_batches};
use crate::service::{Result, ServiceError};
use std::path::{Path, PathBuf};

/// Where a bulk publish stands after one more archive.
pub struct Progress<'a, E> {
    /// Archives finished so far, this one included.
    pub done: usize,
    pub total: usize,
    pub archive: &'a Path,
    pub result: &'a std::result::Result<PublishOutcome, E>,
}

/// What a bulk publish came to, in the order the archives were given.
pub struct BulkReport<E> {
    pub total: usize,
    pub published: Vec<PublishOutcome>,
    pub failed: Vec<(PathBuf, E)>,
}

/// Publishes every archive with `publish_one`, telling `progress` about each as it finishes.
/// A failure is reported and the loop goes on.
pub fn publish_each<E>(
    archives: &[PathBuf],
    mut publish_one: impl FnMut(&Path) -> std::result::Result<PublishOutcome, E>,
    progress: impl FnMut(Progress<'_, E>),
) -> BulkReport<E> {
    let batches = archives.chunks(1).collect();
    publish_batches(
        archives.len(),
        batches,
        |batch| batch.iter().map(|path| publish_one(path)).collect(),
        progress,
    )
}

/// Publishes the archives a batch at a time (`split_batches`), telling `progress` about each
/// archive once its batch has answered. `publish_batch` answers one result per archive of the
/// batch, in order; an archive it leaves unanswered fails with `missing()`.
pub fn publish_in_batches<E>(
    archives: &[PathBuf],
    publish_batch: impl FnMut(&[PathBuf]) -> Vec<std::result::Result<PublishOutcome, E>>,
    progress: impl FnMut(Progress<'_, E>),
    missing: impl Fn() -> E,
) -> BulkReport<E> {
    let batches = split_batches(archives, |path| path.as_path());
    let mut publish_batch = publish_batch;
    publish_batches(
        archives.len(),
        batches,
        |batch| {
            let mut results = publish_batch(batch);
            results.truncate(batch.len());
            results.resize_with(batch.len(), || Err(missing()));
            results
        },
        progress,
    )
}

fn publish_batches<E>(
    total: usize,
    batches: Vec<&[PathBuf]>,
    mut publish_batch: impl FnMut(&[PathBuf]) -> Vec<std::result::Result<PublishOutcome, E>>,
    mut progress: impl FnMut(Progress<'_, E>),
) -> BulkReport<E> {
    let mut report = BulkReport {
        total,
        published: Vec::new(),
        failed: Vec::new(),
    };
    let mut done = 0;
    for batch in batches {
        for (archive, result) in batch.iter().zip(publish_batch(batch)) {
            done += 1;
            progress(Progress {
                done,
                total,
                archive,
                result: &result,
            });
            match result {
                Ok(outcome) => report.published.push(outcome),
                Err(error) => report.failed.push((archive.clone(), error)),
            }
        }
    }
    report
}

/// The archives `paths` name, each a `.zip` or a folder searched for them, at least one. They
/// are made absolute: a server publishing them through the admin socket runs in another folder.
pub fn collect_archives(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut archives = Vec::new();
    for path in paths {
        let absolute = std::fs::canonicalize(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                ServiceError::NotFound(format!("{}: no such file or folder", path.display()))
            }
            _ => ServiceError::Io(format!("{}: {e}", path.display())),
        })?;
        archives.extend(find_archives(&absolute)?);
    }
    if archives.is_empty() {
        let named: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(ServiceError::NotFound(format!(
            "no .zip archives in {}",
            named.join(", ")
        )));
    }
    Ok(archives)
}

/// Every `.zip` under `path` (or `path` itself), sorted so bulk imports are repeatable.
fn find_archives(path: &Path) -> Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    if !path.is_dir() {
        return Err(ServiceError::NotFound(format!(
            "{}: no such file or folder",
            path.display()
        )));
    }
    let mut found = Vec::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| ServiceError::Io(format!("cannot read {}: {e}", dir.display())))?;
        for entry in entries.flatten() {
            let entry_path = entry.path();
            if entry_path.is_dir() {
                pending.push(entry_path);
            } else if entry_path
                .extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("zip"))
            {
                found.push(entry_path);
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(name: &str) -> PublishOutcome {
        PublishOutcome {
            name: name.into(),
            version: "1.0.0".into(),
            version_normalized: "1.0.0.0".into(),
            shasum: String::new(),
            status: "published".into(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn a_failure_is_reported_and_the_rest_are_still_published() {
        let archives: Vec<PathBuf> = ["/z/a.zip", "/z/bad.zip", "/z/c.zip"]
            .map(PathBuf::from)
            .to_vec();
        let mut seen = Vec::new();
        let report = publish_each(
            &archives,
            |path| match path.file_stem().and_then(|s| s.to_str()) {
                Some("bad") => Err("not a zip".to_string()),
                Some(name) => Ok(outcome(name)),
                None => unreachable!(),
            },
            |progress| {
                let what = match progress.result {
                    Ok(outcome) => outcome.name.clone(),
                    Err(error) => error.clone(),
                };
                seen.push((progress.done, progress.total, what));
            },
        );
        let expected = [(1, 3, "a"), (2, 3, "not a zip"), (3, 3, "c")]
            .map(|(done, total, what)| (done, total, what.to_string()));
        assert_eq!(seen, expected);
        assert_eq!(report.total, 3);
        let names: Vec<&str> = report.published.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
        assert_eq!(
            report.failed,
            [(PathBuf::from("/z/bad.zip"), "not a zip".to_string())]
        );
    }

    #[test]
    fn archives_are_found_in_folders_sorted_and_absolute() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("b");
        std::fs::create_dir_all(&nested).unwrap();
        for file in ["b/2.0.0.ZIP", "a.zip", "notes.txt"] {
            std::fs::write(dir.path().join(file), b"x").unwrap();
        }
        let found = collect_archives(&[dir.path().to_path_buf()]).unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        assert_eq!(found, [root.join("a.zip"), root.join("b/2.0.0.ZIP")]);
    }

    #[test]
    fn no_archives_or_a_missing_path_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let empty = collect_archives(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(
            empty.to_string().starts_with("no .zip archives in"),
            "{empty}"
        );
        let missing = dir.path().join("gone.zip");
        let error = collect_archives(std::slice::from_ref(&missing)).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("{}: no such file or folder", missing.display())
        );
    }
}
