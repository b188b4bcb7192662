//! `packagento config show`: the configuration the server would run with, after the file, the
//! environment and the flags, in the file's own format (or JSON).

use super::CliError;
use super::configure::Loaded;

#[derive(clap::Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print the effective configuration (defaults < file < environment < flags)
    Show,
}

pub fn run(command: ConfigCommand, loaded: &Loaded, json: bool) -> Result<(), CliError> {
    match command {
        ConfigCommand::Show => show(loaded, json),
    }
}

fn show(loaded: &Loaded, json: bool) -> Result<(), CliError> {
    if json {
        let value = serde_json::to_value(&loaded.config)
            .map_err(|e| CliError::msg(format!("cannot render the configuration: {e}")))?;
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
        return Ok(());
    }
    let source = if loaded.file_exists {
        "read"
    } else {
        "absent: defaults"
    };
    println!("# configuration file: {} ({source})", loaded.path.display());
    println!(
        "# changes to log.level, trusted_proxies, analytics.retention_days, audit.retention_days \
         and alerts.shared_token_ips apply live;"
    );
    println!("# everything else needs a restart.");
    print!("{}", loaded.config.to_toml());
    Ok(())
}
