//! `packagento serve`: the Composer server plus the admin socket, until SIGINT or SIGTERM.

use super::CliError;
use super::configure::Loaded;
use super::logging::LogHandle;
use crate::service::App;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UnixListener;
use tokio::sync::watch;

pub const DEFAULT_LISTEN: &str = crate::config::DEFAULT_LISTEN;
const ANALYTICS_FLUSH_EVERY: Duration = Duration::from_secs(1);
/// Old download events are pruned this often (when a retention period is set).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

pub fn run(loaded: Loaded, log: LogHandle) -> Result<(), CliError> {
    run_until(loaded, log, |_, urls, data_dir| {
        print_banner(urls, data_dir);
        wait_for_signal()
    })
}

/// Serves until the future that `ready` returns completes. `ready` is called once the listeners
/// are bound, with the app, the public URLs and the data folder; whatever ends the future, the
/// shutdown is the same graceful path (transfers finish, analytics are flushed).
pub fn run_until<F: std::future::Future<Output = ()>>(
    loaded: Loaded,
    log: LogHandle,
    ready: impl FnOnce(Arc<App>, &[String], &std::path::Path) -> F,
) -> Result<(), CliError> {
    // Blocking work (argon2, archive reads, admin commands) is short; a small pool bounds the
    // threads, and the memory each keeps, under a burst of first downloads.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(16)
        .enable_all()
        .build()
        .map_err(|e| CliError::msg(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(serve(loaded, log, ready))
}

/// One write, so a reader that stops after the first line cannot make a later print fail.
fn print_banner(urls: &[String], data_dir: &std::path::Path) {
    let mut banner = String::new();
    for url in urls {
        banner.push_str(&format!(
            "packagento listening on {url} (data: {})\n",
            data_dir.display()
        ));
    }
    print!("{banner}");
}

async fn serve<F: std::future::Future<Output = ()>>(
    loaded: Loaded,
    log: LogHandle,
    ready: impl FnOnce(Arc<App>, &[String], &std::path::Path) -> F,
) -> Result<(), CliError> {
    let settings = loaded.settings();
    let socket_path = settings.admin_socket();
    let data_dir = settings.data_dir.clone();
    let app = App::open(settings).map_err(|e| {
        if e.is_locked() {
            CliError::msg(format!(
                "another packagento is already running with the data folder {}",
                data_dir.display()
            ))
        } else {
            e.into()
        }
    })?;
    if let Some(access) = log.access_log() {
        app.set_access_log(access);
    }
    let listeners = super::listeners::bind(&loaded.config).await?;
    let admin_listener = bind_admin_socket(&socket_path)?;
    let inbox_dir = super::inbox::prepare(&app);
    // Watching starts before the banner, so a change made right after start-up is not missed.
    let _watches = super::reload::watch(&app, &loaded, listeners.certificates.clone(), log)?;
    for url in &listeners.urls {
        tracing::info!(%url, data = %data_dir.display(), "serving");
    }
    app.set_listening(listeners.urls.join(", "));
    app.set_served_config(loaded.config.clone());

    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let grace = Duration::from_secs(loaded.config.limits.shutdown_grace_secs);
    let mut tasks = Vec::new();
    let policy = crate::http::connections::Policy::from_config(&loaded.config.connections);
    let connections = crate::http::connections::Connections::new(policy);
    for listener in listeners.public {
        let shutdown = stopped(stop_rx.clone());
        tasks.push(tokio::spawn(crate::http::server::serve_listener(
            app.clone(),
            listener,
            connections.clone(),
            shutdown,
            grace,
        )));
    }
    if let Some(listener) = listeners.metrics {
        let shutdown = stopped(stop_rx.clone());
        tasks.push(tokio::spawn(crate::http::serve_metrics(
            app.clone(),
            listener,
            shutdown,
        )));
    }
    tasks.push(tokio::spawn(crate::http::serve_admin(
        app.clone(),
        admin_listener,
        stopped(stop_rx.clone()),
        grace,
    )));
    tasks.push(tokio::spawn(flush_analytics_until(
        app.clone(),
        stopped(stop_rx.clone()),
    )));
    tasks.push(tokio::spawn(super::inbox::run(
        app.clone(),
        inbox_dir,
        stopped(stop_rx),
    )));

    ready(app.clone(), &listeners.urls, &data_dir).await;
    tracing::info!("shutting down");
    // Live streams end first, so no attached screen keeps a connection open through the grace.
    app.changes.close();
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    let _ = std::fs::remove_file(&socket_path);
    flush_now(&app).await;
    Ok(())
}

/// Whoever can connect administers the appliance. The socket is bound inside the data folder,
/// which `App::open` has made 0700, so no other user can reach it even before the chmod below.
fn bind_admin_socket(path: &std::path::Path) -> Result<UnixListener, CliError> {
    refuse_open_folder(path)?;
    if path.exists() {
        if crate::http::admin_client::is_listening(path) {
            return Err(CliError::msg(format!(
                "a server already answers on {}",
                path.display()
            )));
        }
        // Left behind by a server that did not shut down cleanly.
        let _ = std::fs::remove_file(path);
    }
    let listener = UnixListener::bind(path).map_err(|e| {
        CliError::msg(format!(
            "cannot create admin socket {}: {e}",
            path.display()
        ))
    })?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|e| {
        CliError::msg(format!(
            "cannot restrict admin socket {}: {e}",
            path.display()
        ))
    })?;
    Ok(listener)
}

fn refuse_open_folder(socket: &std::path::Path) -> Result<(), CliError> {
    let folder = socket.parent().unwrap_or(std::path::Path::new("."));
    let mode = std::fs::metadata(folder)
        .map_err(|e| CliError::msg(format!("cannot read {}: {e}", folder.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(CliError::msg(format!(
            "{} is open to other users (mode {:o}); the admin socket is not created there",
            folder.display(),
            mode & 0o777
        )));
    }
    Ok(())
}

async fn flush_analytics_until(app: Arc<App>, stop: impl std::future::Future<Output = ()>) {
    let mut ticks = tokio::time::interval(ANALYTICS_FLUSH_EVERY);
    let mut prunes = tokio::time::interval(PRUNE_EVERY);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = ticks.tick() => flush_now(&app).await,
            _ = prunes.tick() => prune_now(&app).await,
            _ = &mut stop => return,
        }
    }
}

async fn prune_now(app: &Arc<App>) {
    let pruning = app.clone();
    let result =
        tokio::task::spawn_blocking(move || crate::service::retention::prune_downloads(&pruning))
            .await;
    match result {
        Ok(Ok(0)) => {}
        Ok(Ok(removed)) => tracing::info!(removed, "old download events deleted"),
        Ok(Err(error)) => tracing::warn!(%error, "old download events not deleted; will retry"),
        Err(_) => {}
    }
    let pruning = app.clone();
    let result =
        tokio::task::spawn_blocking(move || crate::service::retention::prune_audit(&pruning)).await;
    match result {
        Ok(Ok(0)) => {}
        Ok(Ok(removed)) => tracing::info!(removed, "old audit entries deleted"),
        Ok(Err(error)) => tracing::warn!(%error, "old audit entries not deleted; will retry"),
        Err(_) => {}
    }
}

async fn flush_now(app: &Arc<App>) {
    let flushing = app.clone();
    let result = tokio::task::spawn_blocking(move || {
        let analytics = flushing.analytics.flush(flushing.store());
        let upgrades = crate::service::tokens::store_upgraded_key_hashes(&flushing);
        (analytics, upgrades)
    })
    .await;
    let Ok((analytics, upgrades)) = result else {
        return;
    };
    if let Err(error) = analytics {
        tracing::warn!(%error, "analytics not written yet; will retry");
    }
    match upgrades {
        Ok(0) => {}
        Ok(replaced) => tracing::info!(replaced, "argon2id key hashes replaced with SHA-256"),
        // Dropped, not retried: the next restart's first logins queue them again.
        Err(error) => tracing::warn!(%error, "key hashes not upgraded this time"),
    }
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = match signal(SignalKind::terminate()) {
        Ok(stream) => stream,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}
