//! Wires the inbox folder to a file-system watch while the server runs.

use crate::service::App;
use crate::service::inbox;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

/// Creates the inbox folders before the server says it is listening, so a file dropped right
/// after that has somewhere to go. `None` disables the inbox (the reason is logged).
pub fn prepare(app: &App) -> Option<PathBuf> {
    let dir = app.settings().inbox_dir();
    match std::fs::create_dir_all(inbox::failed_dir(&dir)) {
        Ok(()) => Some(dir),
        Err(error) => {
            tracing::error!(%error, dir = %dir.display(), "cannot create the inbox folder; inbox disabled");
            None
        }
    }
}

/// Runs until `stop`. Without a watch (e.g. inotify limits reached) the inbox is polled instead,
/// slower but still working.
pub async fn run(app: Arc<App>, dir: Option<PathBuf>, stop: impl Future<Output = ()>) {
    let Some(dir) = dir else {
        return;
    };
    let (watch, changes) = match crate::watch::watch_folder(&dir) {
        Ok((watch, changes)) => (Some(watch), Some(changes)),
        Err(error) => {
            tracing::warn!(%error, "inbox is polled every second instead of watched");
            (None, None)
        }
    };
    inbox::run(app, dir, changes, stop).await;
    drop(watch);
}
