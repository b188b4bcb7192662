//! The only module that names notify: turns file-system events under a folder into a plain
//! "something changed" signal, so the code reacting to it needs no notify types.

use notify::{RecursiveMode, Watcher};
use std::path::Path;
use tokio::sync::mpsc;

/// Keeps the watch alive; dropping it stops the signals.
pub struct FolderWatch {
    _watcher: notify::RecommendedWatcher,
}

/// Watches `dir` (not its subfolders) and sends `()` on every change event. Events are not
/// interpreted: receivers rescan, which also covers events the OS coalesced or dropped.
pub fn watch_folder(dir: &Path) -> Result<(FolderWatch, mpsc::UnboundedReceiver<()>), String> {
    let (sender, receiver) = mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok() {
            let _ = sender.send(());
        }
    })
    .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    watcher
        .watch(dir, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    Ok((FolderWatch { _watcher: watcher }, receiver))
}
