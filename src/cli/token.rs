//! `packagento token …`: the credentials Composer uses, and the auth.json that carries them.

use super::CliError;
use super::args::TokenCommand;
use super::output::{print_json, when};
use crate::config::Config;
use crate::domain::text::printable;
use crate::domain::time;
use crate::service::admin::{
    Admin, TokenAllow, TokenCreate, TokenExtend, TokenList, TokenRevoke, TokenRotate,
};
use crate::service::auth_json;
use crate::service::summaries::TokenSummary;
use crate::service::tokens::{CreatedToken, RotatedToken};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub fn run(
    admin: &Admin,
    command: TokenCommand,
    json: bool,
    config: &Config,
) -> Result<(), CliError> {
    match command {
        TokenCommand::Create {
            project,
            label,
            auth_json,
            host,
            expires,
            expires_in,
            allow_ip,
        } => {
            let host = host_or_servers(admin, host, config)?;
            let delivery = Delivery::prepare(auth_json, host, "no token created")?;
            let request = TokenCreate {
                project,
                label,
                expires,
                expires_in,
                allow_ip,
            };
            let created = admin.call(request)?;
            delivery.write(&created)?;
            print_created(&created, &delivery, json);
        }
        TokenCommand::Rotate {
            public_key,
            overlap,
            auth_json,
            host,
        } => {
            let host = host_or_servers(admin, host, config)?;
            let delivery = Delivery::prepare(auth_json, host, "the token was not rotated")?;
            let rotated = admin.call(TokenRotate {
                public_key,
                overlap,
            })?;
            delivery.write(&rotated.token)?;
            print_rotated(&rotated, &delivery, json);
        }
        other => change(admin, other, json)?,
    }
    Ok(())
}

/// The commands that list or change tokens without a new private key.
fn change(admin: &Admin, command: TokenCommand, json: bool) -> Result<(), CliError> {
    match command {
        TokenCommand::List { project, expiring } => {
            let tokens = admin.call(TokenList { project, expiring })?;
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
            print_changed(&token, "revoked", json);
        }
        TokenCommand::Extend {
            public_key,
            expires,
            expires_in,
            never,
        } => {
            let request = TokenExtend {
                public_key,
                expires,
                expires_in,
                never,
            };
            let token = admin.call(request)?;
            let what = format!("now expires {}", when(token.expires_at));
            print_changed(&token, &what, json);
        }
        TokenCommand::Allow {
            public_key,
            ip,
            anywhere: _,
        } => {
            let token = admin.call(TokenAllow {
                public_key,
                addresses: ip,
            })?;
            let what = format!("usable from {}", allowlist(&token));
            print_changed(&token, &what, json);
        }
        TokenCommand::Create { .. } | TokenCommand::Rotate { .. } => {}
    }
    Ok(())
}

/// Where a new private key goes besides the terminal: the auth.json, checked before the key is
/// made, since a key that could not be delivered would be lost.
struct Delivery {
    host: String,
    file: Option<(PathBuf, Value)>,
}

impl Delivery {
    fn prepare(path: Option<PathBuf>, host: String, or: &str) -> Result<Self, CliError> {
        let file = match path {
            Some(path) => {
                let document =
                    auth_json::read(&path).map_err(|e| CliError::msg(format!("{e}; {or}")))?;
                Some((path, document))
            }
            None => None,
        };
        Ok(Self { host, file })
    }

    fn write(&self, token: &CreatedToken) -> Result<(), CliError> {
        if let Some((path, document)) = &self.file {
            auth_json::merge(path, document.clone(), &self.host, token)?;
        }
        Ok(())
    }

    fn path(&self) -> Option<&Path> {
        self.file.as_ref().map(|(path, _)| path.as_path())
    }
}

/// The host[:port] the auth.json is keyed by: `--host`, else where the server is reached.
fn host_or_servers(
    admin: &Admin,
    host: Option<String>,
    config: &Config,
) -> Result<String, CliError> {
    match host {
        Some(host) => Ok(host),
        None => Ok(super::host::resolve(admin, config)?.host),
    }
}

/// The fields every answer carrying a new private key has, for `--json`.
fn key_json(token: &CreatedToken, delivery: &Delivery) -> serde_json::Map<String, Value> {
    let fields = json!({
        "public_key": token.public_key,
        "private_key": token.private_key,
        "project": token.project,
        "label": token.label,
        "created_at": token.created_at,
        "host": delivery.host,
        "auth_json": auth_json::document_for(&delivery.host, token),
        "composer_config": auth_json::composer_config_line(&delivery.host, token),
        "auth_json_path": delivery.path().map(|p| p.display().to_string()),
    });
    match fields {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

fn print_created(token: &CreatedToken, delivery: &Delivery, json: bool) {
    if json {
        print_json(&key_json(token, delivery));
        return;
    }
    println!("Token created for project {}.", token.project);
    print_key_card(token, delivery);
}

fn print_rotated(rotated: &RotatedToken, delivery: &Delivery, json: bool) {
    let token = &rotated.token;
    if json {
        let mut fields = key_json(token, delivery);
        fields.insert(
            "previous_public_key".into(),
            json!(rotated.previous_public_key),
        );
        fields.insert(
            "previous_valid_until".into(),
            json!(rotated.previous_valid_until),
        );
        print_json(&fields);
        return;
    }
    println!("Token rotated (project {}).", token.project);
    let until = rotated.previous_valid_until;
    match until > time::now() {
        true => println!(
            "  old key {} keeps working until {}",
            rotated.previous_public_key,
            time::to_rfc3339(until)
        ),
        false => println!("  old key {} no longer works", rotated.previous_public_key),
    }
    print_key_card(token, delivery);
}

fn print_key_card(token: &CreatedToken, delivery: &Delivery) {
    let auth = auth_json::document_for(&delivery.host, token);
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
    println!(
        "  {}",
        auth_json::composer_config_line(&delivery.host, token)
    );
    if let Some(path) = delivery.path() {
        println!();
        println!("written to {}", path.display());
    }
}

fn print_changed(token: &TokenSummary, what: &str, json: bool) {
    match json {
        true => print_json(token),
        false => println!(
            "token {} of project {}: {what}",
            token.public_key, token.project
        ),
    }
}

fn allowlist(token: &TokenSummary) -> String {
    match token.allowed_ips.is_empty() {
        true => "anywhere".to_string(),
        false => token.allowed_ips.join(" "),
    }
}

fn print_tokens(tokens: &[TokenSummary]) {
    if tokens.is_empty() {
        println!("no tokens: packagento token create --project SLUG");
    }
    let now = time::now();
    for token in tokens {
        let state = match (token.revoked_at, token.is_expired(now)) {
            (Some(_), _) => "revoked",
            (None, true) => "expired",
            (None, false) => "active",
        };
        println!(
            "{}  {:<20} {:<16} {:<8} created {}  expires {}  last used {}{}{}",
            token.public_key,
            token.project,
            match token.label.as_str() {
                "" => "-".into(),
                label => printable(label),
            },
            state,
            when(Some(token.created_at)),
            when(token.expires_at),
            when(token.last_used_at),
            token
                .last_ip
                .as_deref()
                .map(|ip| format!(" from {}", printable(ip)))
                .unwrap_or_default(),
            super::token_show::shared_marker(token),
        );
        if let (true, Some(old)) = (token.is_rotating(now), &token.previous_public_key) {
            let until = when(token.previous_valid_until);
            println!("  rotating: old key {old} valid until {until}");
        }
        if !token.allowed_ips.is_empty() {
            println!("  allowed from {}", allowlist(token));
        }
    }
}
