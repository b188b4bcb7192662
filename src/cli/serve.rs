//! `packagento serve`: the Composer server plus the admin socket, until SIGINT or SIGTERM.

use super::CliError;
use crate::service::{App, Settings};
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::watch;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const ANALYTICS_FLUSH_EVERY: Duration = Duration::from_secs(1);

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address for the Composer endpoints
    #[arg(long, env = "PACKAGENTO_LISTEN", default_value = DEFAULT_LISTEN, value_name = "ADDR")]
    pub listen: String,
    /// Absolute base URL for dist links (e.g. https://packages.example.com); default: the request's Host
    #[arg(long, env = "PACKAGENTO_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            listen: std::env::var("PACKAGENTO_LISTEN")
                .unwrap_or_else(|_| DEFAULT_LISTEN.to_string()),
            public_url: std::env::var("PACKAGENTO_PUBLIC_URL").ok(),
        }
    }
}

pub fn run(settings: Settings, args: ServeArgs) -> Result<(), CliError> {
    run_until(settings, args, |_, address, data_dir| {
        println!(
            "packagento listening on http://{address} (data: {})",
            data_dir.display()
        );
        wait_for_signal()
    })
}

/// Serves until the future `ready` returns completes; `ready` is called once the listeners are
/// bound, with the app and the bound address. Shutdown is the same graceful path whatever ends it.
pub fn run_until<F: std::future::Future<Output = ()>>(
    mut settings: Settings,
    args: ServeArgs,
    ready: impl FnOnce(Arc<App>, std::net::SocketAddr, &std::path::Path) -> F,
) -> Result<(), CliError> {
    settings.public_url = args
        .public_url
        .as_deref()
        .map(checked_public_url)
        .transpose()?;
    // Blocking work (argon2, archive reads, admin commands) is short; a small pool bounds the
    // threads, and the memory each keeps, under a burst of first downloads.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(16)
        .enable_all()
        .build()
        .map_err(|e| CliError::msg(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(serve(settings, args.listen, ready))
}

fn checked_public_url(url: &str) -> Result<String, CliError> {
    let trimmed = url.trim_end_matches('/');
    let valid = (trimmed.starts_with("http://") || trimmed.starts_with("https://"))
        && !trimmed.contains(['"', '\\', ' ', '?', '#']);
    if valid {
        Ok(trimmed.to_string())
    } else {
        Err(CliError::msg(format!(
            "invalid --public-url {url:?}: expected http(s)://host[:port][/path]"
        )))
    }
}

async fn serve<F: std::future::Future<Output = ()>>(
    settings: Settings,
    listen: String,
    ready: impl FnOnce(Arc<App>, std::net::SocketAddr, &std::path::Path) -> F,
) -> Result<(), CliError> {
    let socket_path = settings.admin_socket();
    let data_dir = settings.data_dir.clone();
    let app = App::open(settings).map_err(|e| match e {
        crate::service::ServiceError::Store(crate::store::StoreError::Locked) => {
            CliError::msg(format!(
                "another packagento is already running with the data folder {}",
                data_dir.display()
            ))
        }
        other => other.into(),
    })?;
    let listener = TcpListener::bind(&listen)
        .await
        .map_err(|e| CliError::msg(format!("cannot listen on {listen}: {e}")))?;
    let admin_listener = bind_admin_socket(&socket_path)?;
    let address = listener
        .local_addr()
        .map_err(|e| CliError::msg(e.to_string()))?;
    app.set_listening(address.to_string());
    tracing::info!(%address, data = %data_dir.display(), "serving");

    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let public = tokio::spawn(crate::http::serve(
        app.clone(),
        listener,
        stopped(stop_rx.clone()),
    ));
    let admin = tokio::spawn(crate::http::serve_admin(
        app.clone(),
        admin_listener,
        stopped(stop_rx.clone()),
    ));
    let flusher = tokio::spawn(flush_analytics_until(app.clone(), stopped(stop_rx)));

    ready(app.clone(), address, &data_dir).await;
    tracing::info!("shutting down");
    let _ = stop_tx.send(true);
    let _ = tokio::join!(public, admin, flusher);
    let _ = std::fs::remove_file(&socket_path);
    flush_now(&app).await;
    Ok(())
}

fn bind_admin_socket(path: &std::path::Path) -> Result<UnixListener, CliError> {
    if path.exists() {
        if super::admin_client::is_listening(path) {
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

async fn flush_analytics_until(app: Arc<App>, stop: impl std::future::Future<Output = ()>) {
    let mut ticks = tokio::time::interval(ANALYTICS_FLUSH_EVERY);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = ticks.tick() => flush_now(&app).await,
            _ = &mut stop => return,
        }
    }
}

async fn flush_now(app: &Arc<App>) {
    let app = app.clone();
    let result = tokio::task::spawn_blocking(move || app.analytics.flush(app.store())).await;
    if let Ok(Err(error)) = result {
        tracing::warn!(%error, "analytics not written yet; will retry");
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
