//! `packagento package …`: publishing release archives, reading the catalogue, recalling versions.

use super::CliError;
use super::args::PackageCommand;
use super::output::{counted, print_json, when};
use crate::domain::text::printable;
use crate::service::admin::{
    Admin, PackageList, PackagePublishBatch, PackageRemove, PackageShow, PackageUnyank,
    PackageYank, PublishAnswer,
};
use crate::service::packages::{PackageDetail, PackageSummary};
use crate::service::publish::{
    PublishOutcome, PublishRequest, collect_archives, publish_in_batches,
};
use crate::service::summaries::{RecallOutcome, RemoveOutcome};
use std::path::{Path, PathBuf};

pub fn run(admin: &Admin, command: PackageCommand, json: bool) -> Result<(), CliError> {
    match command {
        PackageCommand::Publish {
            paths,
            version,
            released_at,
        } => publish(admin, paths, version, released_at, json),
        PackageCommand::List => {
            let packages = admin.call(PackageList {})?;
            output(json, &packages, print_packages);
            Ok(())
        }
        PackageCommand::Show { name } => {
            let package = admin.call(PackageShow { name })?;
            output(json, &package, print_package);
            Ok(())
        }
        PackageCommand::Yank {
            name,
            version,
            reason,
        } => {
            let outcome = admin.call(PackageYank {
                name,
                version,
                reason,
            })?;
            output(json, &outcome, print_recalled);
            Ok(())
        }
        PackageCommand::Unyank { name, version } => {
            let outcome = admin.call(PackageUnyank { name, version })?;
            output(json, &outcome, print_recalled);
            Ok(())
        }
        PackageCommand::Remove { name, version, yes } => remove(admin, (name, version), yes, json),
        PackageCommand::Log(args) => super::publish_log::run(admin, args, json),
        PackageCommand::ImportGit(args) if args.watch => super::git_watch::run(admin, &args, json),
        PackageCommand::ImportGit(args) => super::git_import::run(admin, &args, json),
    }
}

fn output<T: serde::Serialize + ?Sized>(json: bool, value: &T, print: impl FnOnce(&T)) {
    match json {
        true => print_json(value),
        false => print(value),
    }
}

/// Publishes the archives a batch at a time, one change per batch, each archive still succeeding
/// or failing on its own so one bad zip in a bulk import does not stop the rest; progress goes to
/// stderr, results to stdout.
fn publish(
    admin: &Admin,
    paths: Vec<PathBuf>,
    version: Option<String>,
    released_at: Option<String>,
    json: bool,
) -> Result<(), CliError> {
    let archives = collect_archives(&paths)?;
    if version.is_some() && archives.len() > 1 {
        return Err(CliError::msg(
            "--version applies to a single archive; name files after their versions for bulk imports",
        ));
    }
    let request = |path: &Path| PublishRequest {
        path: path.to_path_buf(),
        version: version.clone(),
        released_at: released_at.clone(),
    };
    let mut report = publish_in_batches(
        &archives,
        |batch| publish_batch(admin, batch.iter().map(|path| request(path)).collect()),
        |progress| match progress.result {
            Ok(outcome) => print_progress(progress.done, progress.total, outcome, json),
            // A lone archive's error is the command's own, printed once as it exits.
            Err(_) if progress.total == 1 => {}
            Err(error) => eprintln!(
                "[{}/{}] {}: {}",
                progress.done,
                progress.total,
                printable(&progress.archive.display().to_string()),
                printable(&error.to_string())
            ),
        },
        || CliError::msg("the server answered no outcome for this archive"),
    );
    if report.total == 1
        && let Some((_, error)) = report.failed.pop()
    {
        return Err(error);
    }
    if json {
        print_json(&report.published);
    }
    match report.failed.len() {
        0 => Ok(()),
        n => Err(CliError::msg(format!(
            "{n} of {} archives were not published",
            report.total
        ))),
    }
}

/// One batch through the server or in this process, each archive's error as it would be on its
/// own; a request that fails as a whole (the server went away) fails each archive with its error.
fn publish_batch(
    admin: &Admin,
    archives: Vec<PublishRequest>,
) -> Vec<Result<PublishOutcome, CliError>> {
    let count = archives.len();
    match admin.call(PackagePublishBatch { archives }) {
        Ok(answers) => answers.into_iter().map(answer).collect(),
        Err(error) => {
            let (code, message) = (error.code(), error.to_string());
            let each = || CliError::Service {
                code: code.to_string(),
                message: message.clone(),
            };
            (0..count).map(|_| Err(each())).collect()
        }
    }
}

fn answer(answer: PublishAnswer) -> Result<PublishOutcome, CliError> {
    match answer {
        PublishAnswer::Outcome(outcome) => Ok(outcome),
        PublishAnswer::Error(error) => Err(CliError::Service {
            code: error.code,
            message: error.message,
        }),
    }
}

fn print_progress(done: usize, total: usize, outcome: &PublishOutcome, json: bool) {
    let line = format!(
        "[{done}/{total}] {} {} {}",
        outcome.name,
        printable(&outcome.version),
        outcome.status
    );
    if json || total > 1 {
        eprintln!("{line}");
    } else {
        println!("{line} (sha1 {})", outcome.shasum);
    }
    for warning in &outcome.warnings {
        eprintln!("  warning: {}", printable(warning));
    }
}

fn print_packages(packages: &Vec<PackageSummary>) {
    if packages.is_empty() {
        println!("no packages: packagento package publish PATH");
    }
    for package in packages {
        println!(
            "{:<40} {:>13}  latest {}",
            package.name,
            counted(package.versions, "version"),
            printable(package.latest.as_deref().unwrap_or("-"))
        );
    }
}

fn print_package(package: &PackageDetail) {
    println!("{}", package.name);
    for version in &package.versions {
        println!(
            "  {:<20} released {}  {:>9} bytes  sha1 {}",
            printable(&version.version),
            when(Some(version.released_at)),
            version.size,
            version.shasum
        );
        if version.yanked {
            match version.yank_reason.as_deref() {
                Some(reason) => println!("  {:<20} yanked: {}", "", printable(reason)),
                None => println!("  {:<20} yanked", ""),
            }
        }
    }
}

fn print_recalled(outcome: &RecallOutcome) {
    let state = if outcome.yanked {
        "yanked: hidden from metadata, still downloadable for lock files that pin it"
    } else {
        "listed in metadata"
    };
    println!("{} {} {state}", outcome.name, printable(&outcome.version));
}

/// Destructive (lock files that pin the version stop installing), so it takes `--yes`; without
/// it the command says what would go and changes nothing.
fn remove(
    admin: &Admin,
    (name, version): (String, String),
    yes: bool,
    json: bool,
) -> Result<(), CliError> {
    let request = PackageRemove {
        name: name.clone(),
        version: version.clone(),
        dry_run: !yes,
    };
    let outcome = admin.call(request)?;
    output(json, &outcome, print_removed);
    if yes {
        return Ok(());
    }
    Err(CliError::msg(format!(
        "nothing removed: lock files that pin {name} {version} will fail to install once it is \
         gone (`packagento package yank` hides it from new resolutions and keeps it \
         installable); run `packagento package remove {name} {version} --yes` to remove it"
    )))
}

fn print_removed(outcome: &RemoveOutcome) {
    let (done, archive) = match (outcome.dry_run, outcome.archive_deleted) {
        (false, true) => ("removed", "archive deleted"),
        (false, false) => (
            "removed",
            "archive kept (another version has the same bytes)",
        ),
        (true, true) => ("would be removed", "its archive would be deleted"),
        (true, false) => (
            "would be removed",
            "its archive would stay (another version has the same bytes)",
        ),
    };
    println!(
        "{} {} {done}; {archive}",
        outcome.name,
        printable(&outcome.version)
    );
}
