//! `package import-git --watch`: imports, then imports again whenever the repository's refs
//! change (a new tag, a branch moved, `git pack-refs`), until Ctrl-C or SIGTERM.
//!
//! The signals are caught rather than left to kill the process, so an import under way finishes
//! and its temporary archive is removed before the command exits.

use super::CliError;
use super::git::Repo;
use super::git_import::{ImportGitArgs, Report, print_report, scan};
use crate::domain::text::printable;
use crate::service::admin::Admin;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};

/// Git updates a ref by writing a lock file and renaming it, often several refs per command
/// (a push of tags); one rescan after the burst covers them all.
const SETTLE: Duration = Duration::from_millis(200);

pub fn run(admin: &Admin, args: &ImportGitArgs, json: bool) -> Result<(), CliError> {
    let repo = &Repo::open(&args.repo)?;
    let (refs, packed_refs) = repo.ref_locations();
    // Watching starts before the first scan, so a tag made during it is not missed.
    let (_watch, mut changes) =
        crate::watch::watch_tree(&refs, &[packed_refs]).map_err(CliError::msg)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::msg(format!("cannot start the runtime: {e}")))?;
    let (mut interrupt, mut terminate) = {
        let _context = runtime.enter();
        let listen =
            |kind| signal(kind).map_err(|e| CliError::msg(format!("cannot handle signals: {e}")));
        (
            listen(SignalKind::interrupt())?,
            listen(SignalKind::terminate())?,
        )
    };
    eprintln!(
        "watching {} for new tags{}; Ctrl-C stops",
        repo.path().display(),
        if args.branches {
            " and branch commits"
        } else {
            ""
        }
    );
    loop {
        match scan(admin, repo, args.branches) {
            Ok(report) => print_scan(&report, args.verbose, json),
            Err(error) => eprintln!("error: {error}"),
        }
        let changed = runtime.block_on(async {
            tokio::select! {
                _ = interrupt.recv() => false,
                _ = terminate.recv() => false,
                change = changes.recv() => change.is_some(),
            }
        });
        if !changed {
            return Ok(());
        }
        std::thread::sleep(SETTLE);
        while changes.try_recv().is_ok() {}
    }
}

/// In JSON, one compact report per line, so a follower can read scan by scan.
fn print_scan(report: &Report, verbose: bool, json: bool) {
    if json {
        for failed in &report.failed {
            eprintln!(
                "{}: {}",
                printable(&failed.reference),
                printable(&failed.error)
            );
        }
        println!(
            "{}",
            serde_json::to_string(report).unwrap_or_else(|_| "null".into())
        );
    } else {
        print_report(report, verbose, false);
    }
}
