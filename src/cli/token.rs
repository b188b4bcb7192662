//! `packagento token …`: the credentials Composer uses, and the auth.json that carries them.

use super::CliError;
use super::args::TokenCommand;
use super::output::{print_json, when};
use crate::domain::text::printable;
use crate::service::admin::{Admin, TokenCreate, TokenList, TokenRevoke};
use crate::service::auth_json;
use crate::service::summaries::TokenSummary;
use crate::service::tokens::CreatedToken;
use serde_json::json;
use std::path::Path;

pub fn run(admin: &Admin, command: TokenCommand, json: bool) -> Result<(), CliError> {
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
            let created = admin.call(TokenCreate { project, label })?;
            let host = host.unwrap_or_else(default_host);
            if let (Some(path), Some(document)) = (&auth_json, existing_auth) {
                auth_json::merge(path, document, &host, &created)?;
            }
            print_created(&created, &host, auth_json.as_deref(), json);
        }
        TokenCommand::List { project } => {
            let tokens = admin.call(TokenList { project })?;
            match json {
                true => print_json(&tokens),
                false => print_tokens(&tokens),
            }
        }
        TokenCommand::Show { public_key, days } => {
            super::token_show::run(admin, public_key, days, json)?;
        }
        TokenCommand::Revoke { public_key } => {
            let token = admin.call(TokenRevoke { public_key })?;
            match json {
                true => print_json(&token),
                false => println!(
                    "revoked token {} of project {}",
                    token.public_key, token.project
                ),
            }
        }
    }
    Ok(())
}

/// The host[:port] Composer reaches this server by, as far as this machine can tell.
fn default_host() -> String {
    let listen =
        std::env::var("PACKAGENTO_LISTEN").unwrap_or_else(|_| super::serve::DEFAULT_LISTEN.into());
    listen.replace("0.0.0.0", "127.0.0.1")
}

fn print_created(token: &CreatedToken, host: &str, written_to: Option<&Path>, json: bool) {
    let auth = auth_json::document_for(host, token);
    let command = auth_json::composer_config_line(host, token);
    if json {
        print_json(&json!({
            "public_key": token.public_key,
            "private_key": token.private_key,
            "project": token.project,
            "label": token.label,
            "created_at": token.created_at,
            "host": host,
            "auth_json": auth,
            "composer_config": command,
            "auth_json_path": written_to.map(|p| p.display().to_string()),
        }));
        return;
    }
    println!("Token created for project {}.", token.project);
    println!("  public key:  {}", token.public_key);
    println!(
        "  private key: {}  (shown this one time only: store it now)",
        token.private_key
    );
    println!();
    println!("auth.json (next to composer.json):");
    println!(
        "{}",
        serde_json::to_string_pretty(&auth).unwrap_or_default()
    );
    println!();
    println!("or run:");
    println!("  {command}");
    if let Some(path) = written_to {
        println!();
        println!("written to {}", path.display());
    }
}

fn print_tokens(tokens: &[TokenSummary]) {
    if tokens.is_empty() {
        println!("no tokens: packagento token create --project SLUG");
    }
    for token in tokens {
        let state = match token.revoked_at {
            Some(_) => "revoked",
            None => "active",
        };
        println!(
            "{}  {:<20} {:<8} created {}  last used {}{}{}",
            token.public_key,
            token.project,
            state,
            when(Some(token.created_at)),
            when(token.last_used_at),
            token
                .last_ip
                .as_deref()
                .map(|ip| format!(" from {}", printable(ip)))
                .unwrap_or_default(),
            super::token_show::shared_marker(token),
        );
    }
}
