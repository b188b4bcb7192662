//! File watching (the only module that names notify). Two shapes: a callback when any of a few
//! files change (certificates, configuration), and a plain "something changed" signal for a
//! folder (the inbox), so the code reacting to either needs no notify types.
//!
//! Folders are watched, not files, because renewals replace files (certbot swaps symlinks,
//! editors and `mv` rename over the old file), which a watch on the old inode would miss.

use notify::{RecursiveMode, Watcher};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;
use tokio::sync::mpsc as async_mpsc;

/// Writers touch a certificate and its key in quick succession; one callback covers them both.
const SETTLE: Duration = Duration::from_millis(300);

/// Keeps watching while alive.
pub struct FileWatch {
    _watcher: notify::RecommendedWatcher,
}

/// Watches `files` and runs `on_change` (on a thread of its own) after they have changed.
pub fn watch_files(
    files: &[PathBuf],
    on_change: impl Fn() + Send + 'static,
) -> Result<FileWatch, String> {
    let names: HashSet<PathBuf> = files.iter().map(|f| absolute(f)).collect();
    let folders: HashSet<PathBuf> = names
        .iter()
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    let (tx, rx) = mpsc::channel::<()>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Reading the files (as a reload does) raises access events; reacting to those would loop.
        let relevant = event.is_ok_and(|e| {
            !matches!(e.kind, notify::EventKind::Access(_))
                && e.paths.iter().any(|p| names.contains(p))
        });
        if relevant {
            let _ = tx.send(());
        }
    })
    .map_err(|e| format!("cannot watch files: {e}"))?;
    for folder in &folders {
        watcher
            .watch(folder, RecursiveMode::NonRecursive)
            .map_err(|e| format!("cannot watch {}: {e}", folder.display()))?;
    }
    std::thread::Builder::new()
        .name("file-watch".into())
        .spawn(move || {
            // Ends when the watcher (and with it the sender) is dropped.
            while rx.recv().is_ok() {
                std::thread::sleep(SETTLE);
                while rx.try_recv().is_ok() {}
                on_change();
            }
        })
        .map_err(|e| format!("cannot start the file watch thread: {e}"))?;
    Ok(FileWatch { _watcher: watcher })
}

/// Event paths are absolute; a relative configured path must compare equal to them.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Keeps the watch alive; dropping it stops the signals.
pub struct FolderWatch {
    _watcher: notify::RecommendedWatcher,
}

/// Watches `dir` (not its subfolders) and sends `()` on every change event. Events are not
/// interpreted: receivers rescan, which also covers events the OS coalesced or dropped.
pub fn watch_folder(
    dir: &Path,
) -> Result<(FolderWatch, async_mpsc::UnboundedReceiver<()>), String> {
    let (sender, receiver) = async_mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Listing the folder (as the rescan does) raises access events; reacting to those would
        // rescan forever, tens of thousands of times a second.
        if event.is_ok_and(|e| !matches!(e.kind, notify::EventKind::Access(_))) {
            let _ = sender.send(());
        }
    })
    .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    watcher
        .watch(dir, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    Ok((FolderWatch { _watcher: watcher }, receiver))
}

/// Watches `dir` and everything below it (folders created later included), plus the files in
/// `files` (through their folders, filtered by name, since writers rename over them), and sends
/// `()` on every change. Git's refs are the use: loose refs live in a tree, packed ones in a file
/// beside it.
pub fn watch_tree(
    dir: &Path,
    files: &[PathBuf],
) -> Result<(FolderWatch, async_mpsc::UnboundedReceiver<()>), String> {
    let root = absolute(dir);
    let names: HashSet<PathBuf> = files.iter().map(|f| absolute(f)).collect();
    let (sender, receiver) = async_mpsc::unbounded_channel();
    let watched_root = root.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Access events come from readers (the rescan itself among them); reacting would loop.
        let relevant = event.is_ok_and(|e| {
            !matches!(e.kind, notify::EventKind::Access(_))
                && e.paths
                    .iter()
                    .any(|p| p.starts_with(&watched_root) || names.contains(p))
        });
        if relevant {
            let _ = sender.send(());
        }
    })
    .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    watcher
        .watch(&root, RecursiveMode::Recursive)
        .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    let folders: HashSet<PathBuf> = files
        .iter()
        .filter_map(|f| absolute(f).parent().map(Path::to_path_buf))
        .filter(|folder| !folder.starts_with(&root))
        .collect();
    for folder in &folders {
        watcher
            .watch(folder, RecursiveMode::NonRecursive)
            .map_err(|e| format!("cannot watch {}: {e}", folder.display()))?;
    }
    Ok((FolderWatch { _watcher: watcher }, receiver))
}
