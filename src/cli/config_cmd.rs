//! `packagento config show`: the configuration the running server runs with, asked through its
//! admin socket; with none running, the one this command would run with, after the file, the
//! environment and the flags. In the file's own format (or JSON).

use super::CliError;
use super::configure::Loaded;
use crate::config::Config;
use crate::http::admin_client::{SocketClient, is_listening};
use crate::service::admin::{Admin, ServerConfig};

#[derive(clap::Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print the effective configuration: the running server's, else this command's (defaults <
    /// file < environment < flags)
    Show,
}

pub fn run(command: ConfigCommand, loaded: &Loaded, json: bool) -> Result<(), CliError> {
    match command {
        ConfigCommand::Show => show(loaded, json),
    }
}

/// The running server's configuration, when one answers on this data folder's socket.
fn served(loaded: &Loaded) -> Result<Option<Config>, CliError> {
    let socket = loaded.settings().admin_socket();
    if !is_listening(&socket) {
        return Ok(None);
    }
    let admin = Admin::Remote(Box::new(SocketClient::new(socket)));
    Ok(admin.call(ServerConfig {})?)
}

fn show(loaded: &Loaded, json: bool) -> Result<(), CliError> {
    let served = served(loaded)?;
    let config = served.as_ref().unwrap_or(&loaded.config);
    if json {
        let value = serde_json::to_value(config)
            .map_err(|e| CliError::msg(format!("cannot render the configuration: {e}")))?;
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
        return Ok(());
    }
    let socket = loaded.settings().admin_socket();
    match served {
        Some(_) => println!(
            "# the running server's configuration (answered on {})",
            socket.display()
        ),
        None => {
            let source = match loaded.file_exists {
                true => "read",
                false => "absent: defaults",
            };
            println!(
                "# no server answers on {}: this command's configuration; configuration file: {} ({source})",
                socket.display(),
                loaded.path.display()
            );
        }
    }
    println!(
        "# changes to log.level, trusted_proxies, analytics.retention_days, audit.retention_days \
         and alerts.shared_token_ips apply live;"
    );
    println!("# everything else needs a restart.");
    print!("{}", config.to_toml());
    Ok(())
}
