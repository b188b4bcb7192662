//! The command line: the composition root. Parses, picks where admin requests run (the running
//! server's socket, or the database directly), and prints for people or, with `--json`, machines.

mod admin_client;
mod backend;
mod commands;
mod output;
mod serve;
mod tui;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "packagento",
    version,
    about = "Sell and serve private PHP packages to Composer"
)]
pub struct Cli {
    /// Where the database, archives and admin socket live [default: the per-user data folder]
    #[arg(long, global = true, env = "PACKAGENTO_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Print machine-readable JSON on stdout
    #[arg(long, global = true)]
    pub json: bool,

    /// argon2 memory cost for new token hashes, in KiB
    #[arg(
        long,
        global = true,
        env = "PACKAGENTO_ARGON2_MEMORY_KIB",
        default_value_t = 19_456,
        hide = true
    )]
    pub argon2_memory_kib: u32,

    /// argon2 iterations for new token hashes
    #[arg(
        long,
        global = true,
        env = "PACKAGENTO_ARGON2_ITERATIONS",
        default_value_t = 2,
        hide = true
    )]
    pub argon2_iterations: u32,

    /// Without a command: the server and the terminal UI in one process, with `serve`'s options
    #[command(flatten)]
    pub desktop: serve::ServeArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the Composer server (headless)
    Serve(serve::ServeArgs),
    /// Customer environments that tokens and licences hang off
    #[command(subcommand)]
    Project(commands::ProjectCommand),
    /// Credentials Composer uses (HTTP Basic: public key / private key)
    #[command(subcommand)]
    Token(commands::TokenCommand),
    /// Grants of packages to projects, perpetual or until a date
    #[command(subcommand)]
    Licence(commands::LicenceCommand),
    /// Release archives
    #[command(subcommand)]
    Package(commands::PackageCommand),
    /// Recent download events, newest first
    Downloads(commands::DownloadsArgs),
    /// The terminal UI, attached to a running server through its admin socket
    Tui,
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
    // The server reports what it does; an admin command only speaks up about problems.
    let serving = matches!(cli.command, Some(Command::Serve(_)));
    // The terminal UI owns the terminal: it logs to a file instead (see tui.rs).
    let terminal_ui = matches!(cli.command, None | Some(Command::Tui));
    if !terminal_ui {
        init_logging(if serving { "info" } else { "warn" });
    }
    match dispatch(cli) {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("error: {error}");
            1
        }
    }
}

fn dispatch(cli: Cli) -> Result<(), CliError> {
    let settings = backend::settings(&cli)?;
    match cli.command {
        None => tui::desktop(settings, cli.desktop),
        Some(Command::Tui) => tui::attach(settings),
        Some(Command::Serve(args)) => serve::run(settings, args),
        Some(command) => {
            let backend = backend::Backend::connect(settings)?;
            commands::run(&backend, command, cli.json)
        }
    }
}

fn init_logging(default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PACKAGENTO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
