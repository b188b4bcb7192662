//! `packagento storage migrate --to s3|local`: moves the archives to the other store, verified,
//! resumable, and switches `storage.backend` in the configuration file only once all are there.
//! Runs on the data folder directly, with no server running: a publish during the copy would
//! land in the store being left.

use super::CliError;
use super::configure::Loaded;
use super::output::print_json;
use crate::config::{Config, StorageBackend, StorageConfig};
use crate::http::admin_client;
use crate::service::App;
use crate::service::storage::ArchiveStore;
use crate::service::storage::migrate::{MigrateReport, migrate};
use clap::{Subcommand, ValueEnum};

#[derive(Subcommand, Debug)]
pub enum StorageCommand {
    /// Copy every archive to the other store, verified, and then switch `storage.backend`
    Migrate {
        /// The store to move to; `s3` reads `[storage.s3]` from the configuration file
        #[arg(long, value_enum)]
        to: Target,
        /// Copy at most this many archives in this run (a rerun carries on)
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    S3,
    Local,
}

impl Target {
    fn backend(self) -> StorageBackend {
        match self {
            Target::S3 => StorageBackend::S3,
            Target::Local => StorageBackend::Local,
        }
    }
}

pub fn run(command: StorageCommand, loaded: &Loaded, json: bool) -> Result<(), CliError> {
    let StorageCommand::Migrate { to, limit } = command;
    let settings = loaded.settings();
    if admin_client::is_listening(&settings.admin_socket()) {
        return Err(CliError::msg(format!(
            "a packagento server is running on {}; stop it before migrating its archives",
            settings.data_dir.display()
        )));
    }
    let target_config = StorageConfig {
        backend: to.backend(),
        s3: loaded.config.storage.s3.clone(),
    };
    target_config
        .validate()
        .map_err(|(key, reason)| CliError::msg(format!("invalid setting `{key}`: {reason}")))?;
    let app = App::open_existing(settings.clone())?;
    let target = ArchiveStore::open(&target_config, &settings.archive_dir())
        .map_err(crate::service::ServiceError::from)?;
    if loaded.config.storage.backend == to.backend() {
        return Err(CliError::msg(format!(
            "storage.backend is already {}: nothing to migrate",
            to.backend().name()
        )));
    }
    let progress = |done: u64, total: u64| eprintln!("archives: {done}/{total}");
    let report = migrate(&app, &target, to.backend().name(), limit, &progress)?;
    drop(app);
    if report.complete {
        switch_backend(loaded, to.backend())?;
    }
    say(&report, &target, loaded, json);
    if report.complete {
        Ok(())
    } else {
        Err(CliError::msg(
            "not every archive is there yet; the configuration is unchanged: run the same command again to carry on",
        ))
    }
}

fn say(report: &MigrateReport, target: &ArchiveStore, loaded: &Loaded, json: bool) {
    if json {
        print_json(report);
        return;
    }
    println!(
        "{} of {} archives in {} ({} copied now, {} already there)",
        report.copied + report.already_there,
        report.total,
        target.describe(),
        report.copied,
        report.already_there
    );
    if report.complete {
        println!(
            "storage.backend = \"{}\" written to {}; restart the server to serve from it. The \
             old copies were left where they were: delete them once you are satisfied.",
            report.to,
            loaded.path.display()
        );
    }
}

/// Rewrites only the `backend` line of `[storage]` (adding it, or the section, when absent), so
/// the operator's comments and layout stay; the result is read back before it replaces the file.
fn switch_backend(loaded: &Loaded, backend: StorageBackend) -> Result<(), CliError> {
    let path = &loaded.path;
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(CliError::msg(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    let edited = with_backend(&text, backend.name());
    let check = Config::from_toml(&edited)
        .map_err(|e| CliError::msg(format!("cannot switch {}: {e}", path.display())))?;
    if check.storage.backend != backend {
        return Err(CliError::msg(format!(
            "cannot switch storage.backend in {}: set it to \"{}\" by hand",
            path.display(),
            backend.name()
        )));
    }
    let partial = path.with_extension("toml.partial");
    std::fs::write(&partial, edited)
        .and_then(|_| std::fs::rename(&partial, path))
        .map_err(|e| CliError::msg(format!("cannot write {}: {e}", path.display())))
}

fn with_backend(text: &str, backend: &str) -> String {
    let line = format!("backend = \"{backend}\"");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let section = lines.iter().position(|l| l.trim() == "[storage]");
    let Some(start) = section else {
        let mut out = text.trim_end().to_string();
        out.push_str(&format!("\n\n[storage]\n{line}\n"));
        return out.trim_start().to_string();
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .map_or(lines.len(), |at| start + 1 + at);
    let existing = (start + 1..end).find(|&i| {
        let l = lines[i].trim_start();
        l.starts_with("backend") && l["backend".len()..].trim_start().starts_with('=')
    });
    match existing {
        Some(i) => lines[i] = line,
        None => lines.insert(start + 1, line),
    }
    lines.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::with_backend;

    #[test]
    fn the_backend_line_is_replaced_in_place_and_comments_stay() {
        let text =
            "# mine\n[storage]\n# where\nbackend = \"local\"\n\n[storage.s3]\nbucket = \"b\"\n";
        let edited = with_backend(text, "s3");
        assert_eq!(
            edited,
            "# mine\n[storage]\n# where\nbackend = \"s3\"\n\n[storage.s3]\nbucket = \"b\"\n"
        );
    }

    #[test]
    fn a_missing_line_or_section_is_added() {
        assert_eq!(
            with_backend("[storage]\n[storage.s3]\n", "s3"),
            "[storage]\nbackend = \"s3\"\n[storage.s3]\n"
        );
        let added = with_backend("[storage.s3]\nbucket = \"b\"\n", "s3");
        assert!(added.ends_with("[storage]\nbackend = \"s3\"\n"), "{added}");
        assert_eq!(
            with_backend("", "local"),
            "[storage]\nbackend = \"local\"\n"
        );
    }
}
