//! What changes without a restart: TLS certificates when their files change, and the live
//! settings (log level, trusted proxies, retention) when the configuration file changes. Other
//! changed settings are reported as needing a restart.

use super::CliError;
use super::configure::{Loaded, live_settings};
use super::logging::LogHandle;
use crate::config::Config;
use crate::http::tls::Certificates;
use crate::service::App;
use crate::watch::{FileWatch, watch_files};
use std::sync::{Arc, Mutex};

/// Starts the watches; they stop when the returned guards are dropped.
pub fn watch(
    app: &Arc<App>,
    loaded: &Loaded,
    certificates: Option<Arc<Certificates>>,
    log: LogHandle,
) -> Result<Vec<FileWatch>, CliError> {
    let mut watches = Vec::new();
    if let Some(certificates) = certificates {
        let paths = certificates.paths();
        let on_change = move || match certificates.reload() {
            Ok(()) => tracing::info!("TLS certificate reloaded"),
            Err(error) => {
                tracing::warn!(%error, "TLS certificate not reloaded; still serving the previous one")
            }
        };
        watches.push(watch_files(&paths, on_change).map_err(CliError::msg)?);
    }
    let running = Mutex::new(loaded.config.clone());
    let (app, loaded) = (app.clone(), loaded.clone());
    let path = loaded.path.clone();
    let on_change = move || apply_config_change(&app, &loaded, &running, &log);
    watches.push(watch_files(&[path], on_change).map_err(CliError::msg)?);
    Ok(watches)
}

fn apply_config_change(app: &App, loaded: &Loaded, running: &Mutex<Config>, log: &LogHandle) {
    let next = match loaded.read() {
        Ok(config) => config,
        Err(error) => {
            tracing::warn!(%error, "configuration change ignored");
            return;
        }
    };
    let mut running = running.lock().unwrap_or_else(|p| p.into_inner());
    if next.log.level != running.log.level
        && let Err(error) = log.set_level(&next.log.level)
    {
        tracing::warn!(%error, "log level not changed");
    }
    app.set_live(live_settings(&next));
    for key in restart_only_changes(&running, &next) {
        tracing::warn!(
            key,
            "setting changed in the configuration file; restart to apply it"
        );
    }
    tracing::info!("configuration reloaded");
    // Remember only what was applied, so a restart-only change is reported until it happens.
    running.log.level = next.log.level.clone();
    running.trusted_proxies = next.trusted_proxies.clone();
    running.analytics = next.analytics;
    running.alerts = next.alerts;
}

fn restart_only_changes(running: &Config, next: &Config) -> Vec<&'static str> {
    let mut changed = Vec::new();
    let mut check = |key, differs: bool| {
        if differs {
            changed.push(key);
        }
    };
    check("data_dir", running.data_dir != next.data_dir);
    check("listen", running.listen != next.listen);
    check("public_url", running.public_url != next.public_url);
    check(
        "metrics_listen",
        running.metrics_listen != next.metrics_listen,
    );
    check("tls", running.tls != next.tls);
    check("argon2", running.argon2 != next.argon2);
    check("limits", running.limits != next.limits);
    check("connections", running.connections != next.connections);
    check("log.format", running.log.format != next.log.format);
    changed
}
