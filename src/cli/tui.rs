//! Starting the terminal UI: with a server in this process (bare `packagento`), or attached to a
//! running one through its admin socket (`packagento tui`).

use super::CliError;
use super::configure::Loaded;
use super::logging::{self, LogHandle};
use super::serve;
use crate::http::admin_client::{SocketClient, is_listening};
use crate::service::admin::{Admin, ServerStatus};
use crate::tui::ServerInfo;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The server and the TUI in one process. Quitting the TUI is the server's shutdown signal, so
/// analytics are flushed and the socket removed exactly as on SIGTERM.
pub fn desktop(loaded: Loaded) -> Result<(), CliError> {
    let log = init_file_logging(&loaded)?;
    let ui_error: Arc<Mutex<Option<String>>> = Arc::default();
    let outcome = Arc::clone(&ui_error);
    serve::run_until(loaded, log, move |app, urls, data_dir| {
        let info = ServerInfo {
            listen: urls.join(", "),
            public_url: app.settings().public_url.clone(),
            data_dir: data_dir.display().to_string(),
            mode: "server in this process".into(),
            in_process: true,
        };
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let result = crate::tui::run(Arc::new(Admin::Local(app)), info);
            *outcome.lock().unwrap_or_else(|p| p.into_inner()) = result.err();
            let _ = done_tx.send(());
        });
        async move {
            let _ = done_rx.await;
        }
    })?;
    match ui_error.lock().unwrap_or_else(|p| p.into_inner()).take() {
        Some(error) => Err(CliError::msg(error)),
        None => Ok(()),
    }
}

/// The TUI for a server already running on this data folder (under systemd, say).
pub fn attach(loaded: Loaded) -> Result<(), CliError> {
    let settings = loaded.settings();
    let socket = settings.admin_socket();
    if !is_listening(&socket) {
        return Err(CliError::msg(not_running(&settings.data_dir, &socket)));
    }
    init_file_logging(&loaded)?;
    let mode = format!("attached through {}", socket.display());
    let admin = Admin::Remote(Box::new(SocketClient::new(socket)));
    let status = admin.call(ServerStatus {})?;
    let info = ServerInfo {
        listen: status.listening.unwrap_or_else(|| "unknown".into()),
        public_url: status.public_url,
        data_dir: status.data_dir,
        mode,
        in_process: false,
    };
    crate::tui::run(Arc::new(admin), info).map_err(CliError::msg)
}

fn not_running(data_dir: &Path, socket: &Path) -> String {
    let why = if socket.exists() {
        format!(
            "its admin socket {} exists but nothing answers on it (the server stopped without cleaning up, or you lack permission)",
            socket.display()
        )
    } else {
        format!("there is no admin socket at {}", socket.display())
    };
    format!(
        "no packagento server is running for the data folder {}: {why}.\n\
         Start one with `packagento serve` (same --data-dir), or run `packagento` to start the server and the TUI together.",
        data_dir.display()
    )
}

/// The terminal belongs to the TUI; what the server has to say goes to a file beside the data.
fn init_file_logging(loaded: &Loaded) -> Result<LogHandle, CliError> {
    let data_dir = &loaded.settings().data_dir;
    crate::service::disk::private_dir(data_dir)
        .map_err(|e| CliError::msg(format!("cannot create {}: {e}", data_dir.display())))?;
    let log = &loaded.config.log;
    logging::init_to_file(&log.level, log.format, &data_dir.join("packagento.log"))
}
