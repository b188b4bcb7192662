//! The inbox folder: a zip dropped into `<data-dir>/inbox/` is published once it is completely
//! written; on success it leaves the inbox, on failure it moves to `inbox/failed/` with a
//! `<name>.error.txt` beside it saying what was wrong. The files one scan finds ready are
//! published as one batch, one change, each still succeeding or failing on its own.
//!
//! "Completely written" cannot be observed directly (a copy in progress looks like any file),
//! so a file must keep the same size and modification time for `SETTLE`, and must then read as
//! a whole zip: a zip's directory is written last, so a half-copied file never passes. A file
//! that stays unreadable as a zip for `GIVE_UP_AFTER` is a broken zip, and fails like one.

use super::App;
use super::archive::{ArchiveError, ArchiveLimits, inspect_archive};
use super::publish::{Origin, PublishOutcome, PublishRequest, publish_batch};
use crate::domain::text::{printable, printable_lines};
use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::mpsc;

const SETTLE: Duration = Duration::from_millis(250);
const GIVE_UP_AFTER: Duration = Duration::from_secs(5);
/// How often files still settling are looked at again; an idle inbox waits for events only.
const RECHECK_EVERY: Duration = Duration::from_millis(100);
/// Without file-system events (the watch could not start), the inbox is polled this often.
const POLL_WITHOUT_EVENTS: Duration = Duration::from_secs(1);

pub fn failed_dir(inbox: &Path) -> PathBuf {
    inbox.join("failed")
}

/// Processes the inbox until `stop`, waking on `changes` (from a folder watch) or on a timer
/// while some file is still settling. Files already there at start-up are processed too.
pub async fn run(
    app: Arc<App>,
    inbox: PathBuf,
    mut changes: Option<mpsc::UnboundedReceiver<()>>,
    stop: impl Future<Output = ()>,
) {
    tokio::pin!(stop);
    let mut settling = Settling::default();
    loop {
        let ready = settling.scan(&inbox, &app.settings().limits.archive());
        if !ready.is_empty() {
            let app = app.clone();
            let inbox = inbox.clone();
            let _ = tokio::task::spawn_blocking(move || process(&app, &inbox, &ready)).await;
        }
        let wait = match (&changes, settling.is_empty()) {
            (_, false) => RECHECK_EVERY,
            (Some(_), true) => Duration::from_secs(3600),
            (None, true) => POLL_WITHOUT_EVENTS,
        };
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(wait) => {}
            event = next_change(&mut changes) => {
                if event.is_none() {
                    changes = None;
                }
            }
        }
    }
}

async fn next_change(changes: &mut Option<mpsc::UnboundedReceiver<()>>) -> Option<()> {
    match changes {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

struct Seen {
    size: u64,
    modified: Option<SystemTime>,
    unchanged_since: Instant,
}

#[derive(Default)]
struct Settling {
    files: HashMap<PathBuf, Seen>,
}

impl Settling {
    fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Notes every candidate's size and time; returns those complete enough to publish.
    fn scan(&mut self, inbox: &Path, limits: &ArchiveLimits) -> Vec<PathBuf> {
        let present = candidates(inbox);
        self.files.retain(|path, _| present.contains(path));
        let mut ready = Vec::new();
        for path in present {
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let (size, modified) = (meta.len(), meta.modified().ok());
            let seen = self.files.entry(path.clone()).or_insert(Seen {
                size,
                modified,
                unchanged_since: Instant::now(),
            });
            if seen.size != size || seen.modified != modified {
                *seen = Seen {
                    size,
                    modified,
                    unchanged_since: Instant::now(),
                };
                continue;
            }
            let quiet = seen.unchanged_since.elapsed();
            if quiet >= SETTLE && (reads_as_whole_zip(&path, limits) || quiet >= GIVE_UP_AFTER) {
                self.files.remove(&path);
                ready.push(path);
            }
        }
        ready
    }
}

/// `*.zip` files directly in the inbox; dot-files are copies in progress (rsync, editors).
fn candidates(inbox: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(inbox) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or(".");
            !name.starts_with('.') && name.to_ascii_lowercase().ends_with(".zip")
        })
        .collect();
    found.sort();
    found
}

fn reads_as_whole_zip(path: &Path, limits: &ArchiveLimits) -> bool {
    !matches!(
        inspect_archive(path, limits),
        Err(ArchiveError::NotAZip(_) | ArchiveError::Unreadable(_))
    )
}

/// Publishes the files one scan found settled as one batch (one change), and clears each out of
/// the inbox either way.
fn process(app: &App, inbox: &Path, paths: &[PathBuf]) {
    let items: Vec<(PublishRequest, Origin)> = paths
        .iter()
        .map(|path| {
            let request = PublishRequest {
                path: path.clone(),
                version: None,
                released_at: None,
            };
            (
                request,
                Origin::Inbox {
                    file: file_name(path),
                },
            )
        })
        .collect();
    for (path, result) in paths.iter().zip(publish_batch(app, &items)) {
        clear(inbox, path, &result);
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Takes a published file out of the inbox, or moves a refused one to `failed/` with its reason.
fn clear(inbox: &Path, path: &Path, result: &super::Result<PublishOutcome>) {
    let name = file_name(path);
    match result {
        Ok(outcome) => {
            tracing::info!(file = %name, package = %outcome.name, version = %outcome.version, status = %outcome.status, "inbox");
            if let Err(error) = std::fs::remove_file(path) {
                tracing::warn!(file = %name, %error, "published, but cannot remove it from the inbox");
            }
        }
        Err(error) => {
            tracing::warn!(file = %name, %error, "inbox file not published");
            if let Err(io) = move_to_failed(inbox, path, &name, &error.to_string()) {
                tracing::error!(file = %name, error = %io, "cannot move a failed inbox file");
            }
        }
    }
}

fn move_to_failed(inbox: &Path, path: &Path, name: &str, reason: &str) -> std::io::Result<()> {
    let failed = failed_dir(inbox);
    std::fs::create_dir_all(&failed)?;
    // The reason first, so whoever sees the file in failed/ also finds why. Both may quote what
    // the zip held, and the file is read with `cat`: no control characters reach it.
    let text = format!(
        "{} was not published:\n{}\n",
        printable(name),
        printable_lines(reason)
    );
    std::fs::write(failed.join(format!("{name}.error.txt")), text)?;
    std::fs::rename(path, failed.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::Settings;
    use crate::service::changes::ChangeEvent;
    use std::io::Write;

    fn zip(dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(format!("{}.zip", name.replace('/', "-")));
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        zip.start_file("composer.json", zip::write::SimpleFileOptions::default())
            .unwrap();
        let composer = serde_json::json!({"name": name, "version": "1.0.0"});
        zip.write_all(composer.to_string().as_bytes()).unwrap();
        zip.finish().unwrap();
        path
    }

    #[test]
    fn the_files_of_one_scan_are_published_in_one_change_and_only_the_bad_one_fails() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(Settings::for_tests(dir.path().join("data"))).unwrap();
        let inbox = dir.path().join("inbox");
        std::fs::create_dir_all(&inbox).unwrap();
        let broken = inbox.join("broken.zip");
        std::fs::write(&broken, b"nope").unwrap();
        let paths = [zip(&inbox, "acme/a"), broken, zip(&inbox, "acme/b")];
        let mut feed = app.changes.subscribe().unwrap();

        process(&app, &inbox, &paths);
        let mut changes = 0;
        while let Ok(change) = feed.try_recv() {
            changes += usize::from(matches!(change.event, ChangeEvent::Audited { .. }));
        }
        assert_eq!(changes, 1);
        assert_eq!(app.catalog().packages.len(), 2);
        assert_eq!(candidates(&inbox), Vec::<PathBuf>::new());
        let failed = failed_dir(&inbox);
        assert!(failed.join("broken.zip").is_file());
        let reason = std::fs::read_to_string(failed.join("broken.zip.error.txt")).unwrap();
        assert!(
            reason.starts_with("broken.zip was not published:"),
            "{reason}"
        );
    }
}
