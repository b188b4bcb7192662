//! What changes without a restart: TLS certificates when their files change, and the live
//! settings (log level, trusted proxies, retention) when the configuration file changes. Other
//! changed settings are reported as needing a restart.

use super::CliError;
use super::configure::{Loaded, live_settings};
use super::logging::LogHandle;
use crate::config::Config;
use crate::domain::audit::AuditRecord;
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
    record_reload(app, &running, &next);
    // Remember only what was applied, so a restart-only change is reported until it happens.
    running.log.level = next.log.level.clone();
    running.trusted_proxies = next.trusted_proxies.clone();
    running.analytics = next.analytics;
    running.alerts = next.alerts;
    running.audit = next.audit;
    app.set_served_config(running.clone());
}

/// Notes in the audit log what the reload changed, when it changed anything.
fn record_reload(app: &App, running: &Config, next: &Config) {
    let summary = reload_summary(running, next);
    if summary.is_empty() {
        return;
    }
    let record = AuditRecord::new("config.reload", "configuration", summary);
    if let Err(error) = crate::service::audit::record(app, record) {
        tracing::warn!(%error, "configuration reload not written to the audit log");
    }
}

/// `log.level info → debug; restart needed: listen`, naming the live settings that changed
/// with their values and the restart-only ones by key (their values may be paths or secrets).
fn reload_summary(running: &Config, next: &Config) -> String {
    let mut parts = Vec::new();
    let mut live = |key: &str, before: String, after: String| {
        if before != after {
            parts.push(format!("{key} {before} → {after}"));
        }
    };
    live(
        "log.level",
        running.log.level.clone(),
        next.log.level.clone(),
    );
    live(
        "trusted_proxies",
        format!("{:?}", running.trusted_proxies),
        format!("{:?}", next.trusted_proxies),
    );
    live(
        "analytics.retention_days",
        running.analytics.retention_days.to_string(),
        next.analytics.retention_days.to_string(),
    );
    live(
        "alerts.shared_token_ips",
        running.alerts.shared_token_ips.to_string(),
        next.alerts.shared_token_ips.to_string(),
    );
    live(
        "audit.retention_days",
        running.audit.retention_days.to_string(),
        next.audit.retention_days.to_string(),
    );
    let restart = restart_only_changes(running, next);
    if !restart.is_empty() {
        parts.push(format!("restart needed: {}", restart.join(", ")));
    }
    parts.join("; ")
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
    check("keys", running.keys != next.keys);
    check("argon2", running.argon2 != next.argon2);
    check("limits", running.limits != next.limits);
    check("connections", running.connections != next.connections);
    check("log.format", running.log.format != next.log.format);
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reload_summary_gives_live_values_and_names_restart_only_keys() {
        let running = Config::default();
        let mut next = Config::default();
        next.log.level = "debug".into();
        next.audit.retention_days = 365;
        next.listen = vec!["0.0.0.0:80".into()];
        assert_eq!(
            reload_summary(&running, &next),
            "log.level info → debug; audit.retention_days 0 → 365; restart needed: listen"
        );
        assert_eq!(reload_summary(&running, &running), "");
    }

    #[test]
    fn a_changed_key_hash_waits_for_a_restart() {
        let running = Config::default();
        let mut next = Config::default();
        next.keys.hash = crate::config::KeyHashKind::Argon2id;
        assert_eq!(reload_summary(&running, &next), "restart needed: keys");
    }
}
