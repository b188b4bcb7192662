//! The host and URLs printed credentials name: the running server's public URL, else its HTTPS
//! listener, else its plain one; with no server running, what this command's configuration
//! would serve.

use super::CliError;
use crate::config::Config;
use crate::domain::endpoint::Endpoint;
use crate::service::admin::{Admin, ServerStatus};

/// Where customers reach the server, warning on stderr when only this machine can use it.
pub fn resolve(admin: &Admin, config: &Config) -> Result<Endpoint, CliError> {
    let status = admin.call(ServerStatus {})?;
    let chosen = match status.listening {
        Some(listening) => {
            let urls: Vec<String> = listening.split(", ").map(str::to_string).collect();
            Endpoint::choose(status.public_url.as_deref(), &urls)
        }
        None => Endpoint::choose(config.public_url().as_deref(), &configured(config)),
    };
    let fallback = format!("http://{}", super::serve::DEFAULT_LISTEN);
    let endpoint = chosen
        .or_else(|| Endpoint::choose(None, &[fallback]))
        .ok_or_else(|| CliError::msg("no address to reach the server by: pass --host"))?;
    if endpoint.is_loopback() {
        eprintln!(
            "warning: {} is a loopback address: Composer on other machines cannot reach it. \
             Start the server with --public-url https://YOUR-HOST (or set public_url in \
             packagento.toml), or pass --host.",
            endpoint.host
        );
    }
    Ok(endpoint)
}

/// The URLs a server started with this configuration would announce.
fn configured(config: &Config) -> Vec<String> {
    let mut urls: Vec<String> = config
        .listen
        .iter()
        .map(|address| format!("http://{address}"))
        .collect();
    if config.serves_tls() {
        urls.extend(
            config
                .tls
                .listen
                .iter()
                .map(|address| format!("https://{address}")),
        );
    }
    urls
}
