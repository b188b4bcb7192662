//! One function per admin command: build the request, run it, print the answer.

use super::backend::Backend;
use super::output::{self, print_json};
use super::{CliError, Command};
use crate::service::admin::{AdminRequest, CreatedToken, LicenceSummary, TokenSummary};
use crate::service::auth_json;
use crate::service::preview::PackagePreview;
use crate::service::publish::{PublishOutcome, PublishRequest, collect_archives, publish_each};
use crate::service::recall::{RecallOutcome, RemoveOutcome};
use clap::{Args, Subcommand};
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum ProjectCommand {
    /// Create a project (a customer's environment)
    Create {
        slug: String,
        /// Display name [default: the slug]
        #[arg(long)]
        name: Option<String>,
    },
    /// List projects
    List,
    /// Change a project's display name
    Rename {
        slug: String,
        #[arg(long)]
        name: String,
    },
    /// Delete a project: its tokens are removed and its licence activations dropped
    Delete {
        slug: String,
        /// Really delete; without it, only show what would go
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Issue a token; the private key is shown this one time only
    Create {
        #[arg(long)]
        project: String,
        #[arg(long)]
        label: Option<String>,
        /// Write (or merge into) this auth.json
        #[arg(long, value_name = "PATH")]
        auth_json: Option<PathBuf>,
        /// Host (and :port, when the repository URL has one) Composer uses for this server
        #[arg(long, value_name = "HOST[:PORT]")]
        host: Option<String>,
    },
    /// List tokens (never shows private keys)
    List {
        #[arg(long)]
        project: Option<String>,
    },
    /// Revoke a token; its next request fails
    Revoke { public_key: String },
}

#[derive(Subcommand, Debug)]
pub enum LicenceCommand {
    /// Create a licence for packages (exact names or globs such as acme/*)
    Create {
        #[arg(long)]
        holder: String,
        #[arg(long = "package", value_name = "PATTERN", num_args = 1.., required = true)]
        packages: Vec<String>,
        /// End of the access window (YYYY-MM-DD = end of that day, UTC; or RFC 3339); perpetual without
        #[arg(long, value_name = "DATE")]
        access_until: Option<String>,
    },
    /// Let a project's tokens see what the licence grants
    Activate {
        id: String,
        #[arg(long)]
        project: String,
    },
    /// Stop a project's tokens seeing what the licence grants
    Deactivate {
        id: String,
        #[arg(long)]
        project: String,
    },
    /// Revoke a licence everywhere
    Revoke { id: String },
    /// List licences
    List,
    /// What a project's tokens see, version by version, and why the rest is hidden
    Preview {
        #[arg(long)]
        project: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum PackageCommand {
    /// Publish release zips (a file, or a folder searched for zips)
    Publish {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Version [default: composer.json "version", else the file name, e.g. 1.4.2.zip]
        #[arg(long)]
        version: Option<String>,
        /// Release time [default: composer.json "time", else now]
        #[arg(long, value_name = "DATE")]
        released_at: Option<String>,
    },
    /// List packages
    List,
    /// Show a package's versions
    Show { name: String },
    /// Hide a version from metadata; lock files that pin it still install it
    Yank {
        name: String,
        version: String,
        /// Shown in `package show`
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
    /// Restore a yanked version to the metadata
    Unyank { name: String, version: String },
    /// Delete a version (and its archive, unless another version has the same bytes)
    Remove { name: String, version: String },
    /// Recent publish attempts (CLI, uploads, inbox) and their outcomes, newest first
    Log(DownloadsArgs),
    /// Publish a local git repository's version tags (and, with --branches, dev versions)
    ImportGit(super::git_import::ImportGitArgs),
}

#[derive(Args, Debug)]
pub struct DownloadsArgs {
    /// How many recent events to show
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Keep printing new events as they happen (needs a running server)
    #[arg(long)]
    pub follow: bool,
}

pub fn run(backend: &Backend, command: Command, json: bool) -> Result<(), CliError> {
    match command {
        Command::Serve(_) | Command::Config(_) | Command::Tui | Command::Restore(_) => {
            unreachable!("serve, config, tui and restore are dispatched before a backend is chosen")
        }
        Command::Backup(args) => super::backup::backup(backend, args, json),
        Command::Project(command) => project(backend, command, json),
        Command::Token(command) => token(backend, command, json),
        Command::Licence(command) => licence(backend, command, json),
        Command::Package(command) => package(backend, command, json),
        Command::Downloads(args) => downloads(backend, args, json),
        Command::Publisher(command) => super::publisher::run(backend, command, json),
    }
}

fn project(backend: &Backend, command: ProjectCommand, json: bool) -> Result<(), CliError> {
    let value = match command {
        ProjectCommand::Create { slug, name } => {
            backend.call(AdminRequest::ProjectCreate { slug, name })?
        }
        ProjectCommand::List => backend.call(AdminRequest::ProjectList)?,
        ProjectCommand::Rename { slug, name } => {
            backend.call(AdminRequest::ProjectRename { slug, name })?
        }
        ProjectCommand::Delete { slug, yes } => return delete_project(backend, slug, yes, json),
    };
    if json {
        print_json(&value)
    } else {
        output::projects(&value)
    }
    Ok(())
}

/// Destructive, so it takes `--yes`; without it the command says what would go and changes nothing.
fn delete_project(backend: &Backend, slug: String, yes: bool, json: bool) -> Result<(), CliError> {
    let request = AdminRequest::ProjectDelete {
        slug: slug.clone(),
        dry_run: !yes,
    };
    let outcome = backend.call(request)?;
    if json {
        print_json(&outcome);
    } else {
        output::project_deletion(&outcome);
    }
    if yes {
        Ok(())
    } else {
        Err(CliError::msg(format!(
            "nothing deleted: run `packagento project delete {slug} --yes` to delete"
        )))
    }
}

fn token(backend: &Backend, command: TokenCommand, json: bool) -> Result<(), CliError> {
    match command {
        TokenCommand::Create {
            project,
            label,
            auth_json,
            host,
        } => {
            // Checked first: a token whose private key could not be delivered would be lost.
            let existing_auth = auth_json
                .as_deref()
                .map(auth_json::read)
                .transpose()
                .map_err(|e| CliError::msg(format!("{e}; no token created")))?;
            let created: CreatedToken =
                backend.call_as(AdminRequest::TokenCreate { project, label })?;
            let host = host.unwrap_or_else(default_host);
            if let (Some(path), Some(document)) = (&auth_json, existing_auth) {
                auth_json::merge(path, document, &host, &created)?;
            }
            output::created_token(&created, &host, auth_json.as_deref(), json);
        }
        TokenCommand::List { project } => {
            let tokens: Vec<TokenSummary> = backend.call_as(AdminRequest::TokenList { project })?;
            if json {
                print_json(&tokens)
            } else {
                output::tokens(&tokens)
            }
        }
        TokenCommand::Revoke { public_key } => {
            let token: TokenSummary = backend.call_as(AdminRequest::TokenRevoke { public_key })?;
            if json {
                print_json(&token)
            } else {
                println!(
                    "revoked token {} of project {}",
                    token.public_key, token.project
                )
            }
        }
    }
    Ok(())
}

fn default_host() -> String {
    let listen =
        std::env::var("PACKAGENTO_LISTEN").unwrap_or_else(|_| super::serve::DEFAULT_LISTEN.into());
    listen.replace("0.0.0.0", "127.0.0.1")
}

fn licence(backend: &Backend, command: LicenceCommand, json: bool) -> Result<(), CliError> {
    let request = match command {
        LicenceCommand::Create {
            holder,
            packages,
            access_until,
        } => AdminRequest::LicenceCreate {
            holder,
            packages,
            access_until,
        },
        LicenceCommand::Activate { id, project } => AdminRequest::LicenceActivate { id, project },
        LicenceCommand::Deactivate { id, project } => {
            AdminRequest::LicenceDeactivate { id, project }
        }
        LicenceCommand::Revoke { id } => AdminRequest::LicenceRevoke { id },
        LicenceCommand::Preview { project } => {
            let preview: Vec<PackagePreview> =
                backend.call_as(AdminRequest::LicencePreview { project })?;
            if json {
                print_json(&preview)
            } else {
                output::preview(&preview)
            }
            return Ok(());
        }
        LicenceCommand::List => {
            let licences: Vec<LicenceSummary> = backend.call_as(AdminRequest::LicenceList)?;
            if json {
                print_json(&licences)
            } else {
                output::licences(&licences)
            }
            return Ok(());
        }
    };
    let licence: LicenceSummary = backend.call_as(request)?;
    if json {
        print_json(&licence)
    } else {
        output::licences(std::slice::from_ref(&licence))
    }
    Ok(())
}

fn package(backend: &Backend, command: PackageCommand, json: bool) -> Result<(), CliError> {
    match command {
        PackageCommand::Publish {
            paths,
            version,
            released_at,
        } => publish(backend, paths, version, released_at, json),
        PackageCommand::List => {
            let value = backend.call(AdminRequest::PackageList)?;
            if json {
                print_json(&value)
            } else {
                output::packages(&value)
            }
            Ok(())
        }
        PackageCommand::Show { name } => {
            let value = backend.call(AdminRequest::PackageShow { name })?;
            if json {
                print_json(&value)
            } else {
                output::package(&value)
            }
            Ok(())
        }
        PackageCommand::Yank {
            name,
            version,
            reason,
        } => recall(
            backend,
            AdminRequest::PackageYank {
                name,
                version,
                reason,
            },
            json,
        ),
        PackageCommand::Unyank { name, version } => {
            recall(backend, AdminRequest::PackageUnyank { name, version }, json)
        }
        PackageCommand::Log(args) => super::publish_log::run(backend, args, json),
        PackageCommand::ImportGit(args) => super::git_import::run(backend, args, json),
        PackageCommand::Remove { name, version } => {
            let outcome: RemoveOutcome =
                backend.call_as(AdminRequest::PackageRemove { name, version })?;
            if json {
                print_json(&outcome)
            } else {
                output::removed(&outcome)
            }
            Ok(())
        }
    }
}

fn recall(backend: &Backend, request: AdminRequest, json: bool) -> Result<(), CliError> {
    let outcome: RecallOutcome = backend.call_as(request)?;
    if json {
        print_json(&outcome)
    } else {
        output::recalled(&outcome)
    }
    Ok(())
}

/// Publishes each archive on its own so one bad zip in a bulk import does not stop the rest;
/// progress goes to stderr, results to stdout.
fn publish(
    backend: &Backend,
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
    let request = |path: &Path| {
        AdminRequest::PackagePublish(PublishRequest {
            path: path.to_path_buf(),
            version: version.clone(),
            released_at: released_at.clone(),
        })
    };
    let mut report = publish_each(
        &archives,
        |path| backend.call_as::<PublishOutcome>(request(path)),
        |progress| match progress.result {
            Ok(outcome) => output::publish_progress(progress.done, progress.total, outcome, json),
            // A lone archive's error is the command's own, printed once as it exits.
            Err(_) if progress.total == 1 => {}
            Err(error) => eprintln!(
                "[{}/{}] {}: {error}",
                progress.done,
                progress.total,
                progress.archive.display()
            ),
        },
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

fn downloads(backend: &Backend, args: DownloadsArgs, json: bool) -> Result<(), CliError> {
    let events = backend.call(AdminRequest::Downloads { limit: args.limit })?;
    if json && !args.follow {
        print_json(&events);
    } else if let Value::Array(list) = &events {
        // Following reads like a log, oldest first; a one-off listing shows the newest first.
        if args.follow {
            list.iter()
                .rev()
                .for_each(|event| output::download(event, json));
        } else {
            list.iter().for_each(|event| output::download(event, json));
        }
    }
    if !args.follow {
        return Ok(());
    }
    let socket = backend.socket().ok_or_else(|| {
        CliError::msg("--follow needs a running server (start it with `packagento serve`)")
    })?;
    super::admin_client::follow(socket, |event| output::download(&event, json))
}
