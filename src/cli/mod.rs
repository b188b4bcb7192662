//! The command line: the composition root. Parses, picks where admin requests run (the running
//! server's socket, or the database directly), and prints for people or, with `--json`, machines.

mod advisory;
mod advisory_impact;
mod args;
mod audit;
mod backend;
mod backup;
mod config_cmd;
mod configure;
mod customer;
mod downloads;
mod git;
mod git_import;
mod git_watch;
mod host;
mod inbox;
mod licence;
mod listeners;
mod logging;
mod output;
mod package;
mod project;
mod publish_log;
mod publisher;
mod reload;
mod serve;
mod storage;
mod token;
mod token_show;
mod tui;

use crate::domain::text::printable_lines;
use crate::service::admin::Admin;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "packagento",
    version,
    about = "Sell and serve private PHP packages to Composer",
    long_about = "Sell and serve private PHP packages to Composer.\n\n\
        `packagento` with no command runs the server and the terminal UI in one process; \
        `packagento serve` runs the server alone (headless), and admin commands such as \
        `packagento project create` go through a running server or, without one, change the \
        data folder directly."
)]
pub struct Cli {
    /// Where the database, archives and admin socket live [default: the per-user data folder]
    #[arg(long, global = true, env = "PACKAGENTO_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Configuration file [default: <data-dir>/packagento.toml; absent means defaults]
    #[arg(long, global = true, env = "PACKAGENTO_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Print machine-readable JSON on stdout
    #[arg(long, global = true)]
    pub json: bool,

    /// Log filter (`info`, `warn`, `packagento=debug`) [default: info when serving, else warn]
    #[arg(long, global = true, env = "PACKAGENTO_LOG", value_name = "LEVEL")]
    pub log_level: Option<String>,

    /// argon2 memory cost for new token hashes, in KiB
    #[arg(long, global = true, env = "PACKAGENTO_ARGON2_MEMORY_KIB", hide = true)]
    pub argon2_memory_kib: Option<u32>,

    /// argon2 iterations for new token hashes
    #[arg(long, global = true, env = "PACKAGENTO_ARGON2_ITERATIONS", hide = true)]
    pub argon2_iterations: Option<u32>,

    /// Without a command: the server and the terminal UI in one process, with `serve`'s options
    #[command(flatten)]
    pub desktop: args::ServeArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the Composer server (headless)
    // Serving prints no JSON: an argument of its own named `json` keeps the global flag out of
    // its help (clap does not propagate a global argument a subcommand already has).
    #[command(arg(clap::Arg::new("json").long("json").action(clap::ArgAction::SetTrue).hide(true)))]
    Serve(args::ServeArgs),
    /// Whom licences are sold to: owners of projects and licences
    #[command(subcommand)]
    Customer(args::CustomerCommand),
    /// Customer environments that tokens and licences hang off
    #[command(subcommand)]
    Project(args::ProjectCommand),
    /// Credentials Composer uses (HTTP Basic: public key / private key)
    #[command(subcommand)]
    Token(args::TokenCommand),
    /// Grants of packages to projects, perpetual or until a date
    #[command(subcommand)]
    Licence(args::LicenceCommand),
    /// Release archives
    #[command(subcommand)]
    Package(args::PackageCommand),
    /// Recent download events, newest first
    Downloads(args::RecentArgs),
    /// Who changed what: the audit log, newest first
    Audit(audit::AuditArgs),
    /// Security advisories served to `composer audit`, and who downloaded an affected version
    #[command(subcommand)]
    Advisory(args::AdvisoryCommand),
    /// The effective configuration
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// Credentials for CI uploads: may publish, cannot install
    #[command(subcommand)]
    Publisher(args::PublisherCommand),
    /// The terminal UI, attached to a running server through its admin socket
    Tui,
    /// Write a consistent snapshot of the database and archives, even while serving
    Backup(backup::BackupArgs),
    /// Recreate a data folder from a backup (the folder must be empty or absent)
    Restore(backup::RestoreArgs),
    /// Where archives live: move them between this disk and an S3-compatible store
    #[command(subcommand)]
    Storage(storage::StorageCommand),
}

impl Command {
    /// Commands that only look: run on a data folder that does not exist, they say so rather
    /// than create an empty one (a mistyped `--data-dir` would otherwise print "no tokens").
    fn only_reads(&self) -> bool {
        use args::{LicenceCommand as L, PackageCommand as P};
        match self {
            Command::Customer(command) => matches!(
                command,
                args::CustomerCommand::List | args::CustomerCommand::Show { .. }
            ),
            Command::Project(command) => matches!(
                command,
                args::ProjectCommand::List { .. } | args::ProjectCommand::Check { .. }
            ),
            Command::Token(command) => matches!(
                command,
                args::TokenCommand::List { .. } | args::TokenCommand::Show { .. }
            ),
            Command::Licence(command) => {
                matches!(command, L::List { .. } | L::Preview { .. } | L::Show { .. })
            }
            Command::Package(command) => matches!(command, P::List | P::Show { .. } | P::Log(_)),
            Command::Publisher(command) => matches!(command, args::PublisherCommand::List),
            Command::Advisory(command) => advisory_only_reads(command),
            Command::Downloads(_)
            | Command::Audit(_)
            | Command::Config(_)
            | Command::Tui
            | Command::Backup(_) => true,
            Command::Serve(_) | Command::Restore(_) | Command::Storage(_) => false,
        }
    }

    fn follows(&self) -> bool {
        match self {
            Command::Downloads(args) => args.follow,
            Command::Audit(args) => args.follow,
            Command::Package(args::PackageCommand::Log(args)) => args.follow,
            _ => false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Message(String),
    #[error("{message}")]
    Service { code: String, message: String },
}

impl CliError {
    pub fn msg(text: impl Into<String>) -> Self {
        CliError::Message(text.into())
    }
}

impl From<crate::service::ServiceError> for CliError {
    fn from(error: crate::service::ServiceError) -> Self {
        CliError::Service {
            code: error.code().to_string(),
            message: error.to_string(),
        }
    }
}

/// Runs the command line and returns the process exit code.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { 2 } else { 0 };
        }
    };
    let outcome = dispatch(cli);
    logging::flush();
    match outcome {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("error: {}", printable_lines(&error.to_string()));
            1
        }
    }
}

fn dispatch(mut cli: Cli) -> Result<(), CliError> {
    match cli.command.take() {
        None => {
            let args = std::mem::take(&mut cli.desktop);
            tui::desktop(configure::load(&cli, Some(&args))?)
        }
        Some(Command::Tui) => tui::attach(configure::load(&cli, None)?),
        Some(Command::Serve(args)) => serve_with(&cli, args),
        Some(Command::Config(command)) => {
            let loaded = configure::load(&cli, Some(&args::ServeArgs::from_env()))?;
            config_cmd::run(command, &loaded, cli.json)
        }
        Some(Command::Restore(args)) => {
            let loaded = configure::load(&cli, None)?;
            logging::init(
                cli.log_level.as_deref().unwrap_or("warn"),
                crate::config::LogFormat::Human,
            )?;
            backup::restore(loaded.settings(), args, cli.json)
        }
        Some(Command::Storage(command)) => {
            let loaded = configure::load(&cli, None)?;
            logging::init(
                cli.log_level.as_deref().unwrap_or("warn"),
                crate::config::LogFormat::Human,
            )?;
            storage::run(command, &loaded, cli.json)
        }
        Some(command) => {
            // The serve settings in the environment say which host credentials should name.
            let loaded = configure::load(&cli, Some(&args::ServeArgs::from_env()))?;
            // An admin command only speaks up about problems.
            let level = cli.log_level.as_deref().unwrap_or("warn");
            logging::init(level, crate::config::LogFormat::Human)?;
            let admin = connect_for(&command, loaded.settings(), loaded.default_data_dir)?;
            if !cli.json {
                output::say_origin();
            }
            run_admin(&admin, command, cli.json, &loaded.config)?;
            if cli.json {
                output::say_origin_json();
            }
            Ok(())
        }
    }
}

/// Following needs a server whatever the data folder: say that rather than that it is missing.
fn connect_for(
    command: &Command,
    settings: crate::service::Settings,
    default_data_dir: bool,
) -> Result<Admin, CliError> {
    match backend::connect(settings, command.only_reads(), default_data_dir) {
        Err(CliError::Service { code, .. }) if code == "not_found" && command.follows() => {
            Err(CliError::msg(output::FOLLOW_NEEDS_SERVER))
        }
        other => other,
    }
}

fn run_admin(
    admin: &Admin,
    command: Command,
    json: bool,
    config: &crate::config::Config,
) -> Result<(), CliError> {
    match command {
        Command::Customer(command) => customer::run(admin, command, json),
        Command::Project(command) => project::run(admin, command, json),
        Command::Token(command) => token::run(admin, command, json, config),
        Command::Licence(command) => licence::run(admin, command, json),
        Command::Package(command) => package::run(admin, command, json),
        Command::Downloads(args) => downloads::run(admin, args, json),
        Command::Audit(args) => audit::run(admin, args, json),
        Command::Advisory(command) => advisory::run(admin, command, json),
        Command::Publisher(command) => publisher::run(admin, command, json, config),
        Command::Backup(args) => backup::backup(admin, args, json),
        Command::Serve(_)
        | Command::Config(_)
        | Command::Tui
        | Command::Restore(_)
        | Command::Storage(_) => Err(CliError::msg(
            "serve, config, tui, restore and storage do not run through the admin API",
        )),
    }
}

fn advisory_only_reads(command: &args::AdvisoryCommand) -> bool {
    matches!(
        command,
        args::AdvisoryCommand::Impact { .. }
            | args::AdvisoryCommand::List { .. }
            | args::AdvisoryCommand::Show { .. }
    )
}

fn serve_with(cli: &Cli, args: args::ServeArgs) -> Result<(), CliError> {
    let loaded = configure::load(cli, Some(&args))?;
    let log = logging::init(&loaded.config.log.level, loaded.config.log.format)?;
    serve::run(loaded, log)
}
