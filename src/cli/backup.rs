//! `packagento backup FILE` and `packagento restore FILE`: a consistent snapshot of the database
//! and archives while the server keeps serving, and its verified return into an empty data folder.

use super::CliError;
use super::output::{print_json, when};
use crate::http::admin_client;
use crate::service::Settings;
use crate::service::admin::{self, Admin};
use crate::service::backup::{self, BackupReport, Progress, RestoreReport, manifest::Counts};
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The backup file to write (replaced atomically if it exists)
    pub file: PathBuf,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// A file written by `packagento backup`
    pub file: PathBuf,
}

pub fn backup(admin: &Admin, args: BackupArgs, json: bool) -> Result<(), CliError> {
    // Through the socket the server writes the file, so it must not depend on our working folder.
    let file = absolute(&args.file)?;
    let report: BackupReport = match admin.local_app() {
        Some(app) => backup::create(app, &file, &print_progress)?,
        None => {
            eprintln!("backing up through the running server…");
            admin.call(admin::Backup { path: file })?
        }
    };
    end_progress();
    if json {
        print_json(&report);
    } else {
        println!("wrote {} ({} bytes)", report.file, report.bytes);
        print_counts(&report.counts);
    }
    Ok(())
}

pub fn restore(settings: Settings, args: RestoreArgs, json: bool) -> Result<(), CliError> {
    let socket = settings.admin_socket();
    if admin_client::is_listening(&socket) {
        return Err(CliError::msg(format!(
            "a packagento server is running on {}; stop it before restoring",
            settings.data_dir.display()
        )));
    }
    let file = absolute(&args.file)?;
    if !file.is_file() {
        return Err(CliError::msg(format!("no backup file {}", file.display())));
    }
    let settings = Settings {
        data_dir: absolute(&settings.data_dir)?,
        ..settings
    };
    let report: RestoreReport = backup::restore(&settings, &file, &print_progress)?;
    end_progress();
    if json {
        print_json(&report);
    } else {
        println!(
            "restored {} (taken {}) into {}",
            file.display(),
            when(Some(report.created_at)),
            report.data_dir
        );
        print_counts(&report.counts);
    }
    Ok(())
}

fn absolute(path: &Path) -> Result<PathBuf, CliError> {
    std::path::absolute(path).map_err(|e| CliError::msg(format!("{}: {e}", path.display())))
}

fn print_counts(counts: &Counts) {
    println!(
        "{} projects, {} tokens, {} licences, {} releases, {} download events, {} publisher tokens",
        counts.projects,
        counts.tokens,
        counts.licences,
        counts.releases,
        counts.downloads,
        counts.publishers
    );
    println!(
        "{} archives, {} bytes",
        counts.archives, counts.archive_bytes
    );
}

static PROGRESS_SHOWN: AtomicBool = AtomicBool::new(false);

/// Progress on stderr, so large backups show they are moving: on a terminal one line rewritten
/// in place; into a log or a pipe, where `\r` would run the counts together, whole lines, about
/// one per tenth of the work.
fn print_progress(progress: Progress) {
    let on_terminal = std::io::stderr().is_terminal();
    let parts = if on_terminal { 100 } else { 10 };
    let step = (progress.total / parts).max(1);
    if !progress.done.is_multiple_of(step) && progress.done != progress.total {
        return;
    }
    if on_terminal {
        PROGRESS_SHOWN.store(true, Ordering::Relaxed);
        eprint!("\r{}: {}/{}", progress.stage, progress.done, progress.total);
        let _ = std::io::stderr().flush();
    } else {
        eprintln!("{}: {}/{}", progress.stage, progress.done, progress.total);
    }
}

/// Ends the progress line, if one was started, so what follows starts on its own line.
fn end_progress() {
    if PROGRESS_SHOWN.load(Ordering::Relaxed) {
        eprintln!();
    }
}
