//! Human-readable output, and the auth.json a customer needs.

use crate::domain::time::to_rfc3339;
use crate::service::admin::{CreatedToken, LicenceSummary, TokenSummary};
use crate::service::publish::PublishOutcome;
use crate::service::recall::{RecallOutcome, RemoveOutcome};
use serde::Serialize;
use serde_json::{Value, json};
use std::path::Path;

pub fn preview(packages: &[crate::service::preview::PackagePreview]) {
    use crate::service::preview::Hidden;
    if packages.is_empty() {
        println!("this project sees nothing: activate a licence on it");
    }
    for package in packages {
        println!("{}", package.package);
        for version in &package.versions {
            let state = match &version.hidden {
                None => "visible".to_string(),
                Some(Hidden::SubscriptionWindow { access_until }) => {
                    format!("hidden: released after the access window closed ({access_until})")
                }
                Some(Hidden::LicenceRevoked { licence }) => {
                    format!("hidden: licence {licence} is revoked")
                }
                Some(Hidden::NotCovered) => "hidden: no active licence covers it".to_string(),
            };
            println!(
                "  {:<20} released {}  {state}",
                version.version,
                when(Some(version.released_at))
            );
        }
    }
}

pub fn project_deletion(outcome: &Value) {
    let list = |key: &str| {
        let items: Vec<&str> = outcome[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if items.is_empty() {
            "none".to_string()
        } else {
            items.join(", ")
        }
    };
    let verb = if outcome["deleted"] == true {
        "deleted"
    } else {
        "would delete"
    };
    println!("{verb} project {}", outcome["slug"].as_str().unwrap_or(""));
    println!("  tokens removed:        {}", list("tokens_removed"));
    println!("  licences deactivated:  {}", list("licences_deactivated"));
}

pub fn print_json<T: Serialize + ?Sized>(value: &T) {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
    println!("{text}");
}

fn when(unix: Option<i64>) -> String {
    unix.map(to_rfc3339).unwrap_or_else(|| "never".into())
}

pub fn projects(value: &Value) {
    let list = match value {
        Value::Array(list) => list.clone(),
        single => vec![single.clone()],
    };
    if list.is_empty() {
        println!("no projects yet: packagento project create SLUG");
    }
    for project in list {
        println!(
            "{:<24} {}",
            project["slug"].as_str().unwrap_or(""),
            project["name"].as_str().unwrap_or("")
        );
    }
}

pub fn created_token(token: &CreatedToken, host: &str, written_to: Option<&Path>, json: bool) {
    let auth = crate::service::auth_json::document_for(host, token);
    let command = crate::service::auth_json::composer_config_line(host, token);
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

pub fn tokens(tokens: &[TokenSummary]) {
    if tokens.is_empty() {
        println!("no tokens: packagento token create --project SLUG");
    }
    for token in tokens {
        let state = if token.revoked_at.is_some() {
            "revoked"
        } else {
            "active"
        };
        println!(
            "{}  {:<20} {:<8} created {}  last used {}{}",
            token.public_key,
            token.project,
            state,
            when(Some(token.created_at)),
            when(token.last_used_at),
            token
                .last_ip
                .as_deref()
                .map(|ip| format!(" from {ip}"))
                .unwrap_or_default(),
        );
    }
}

pub fn licences(licences: &[LicenceSummary]) {
    if licences.is_empty() {
        println!("no licences: packagento licence create --holder NAME --package 'vendor/*'");
    }
    for licence in licences {
        let window = licence
            .access_until
            .as_deref()
            .map(|d| format!(" until {d}"))
            .unwrap_or_default();
        let state = if licence.revoked { " REVOKED" } else { "" };
        println!(
            "{}  {} ({}{window}){state}\n    packages: {}\n    projects: {}",
            licence.id,
            licence.holder,
            licence.kind,
            licence.packages.join(", "),
            if licence.projects.is_empty() {
                "none".to_string()
            } else {
                licence.projects.join(", ")
            },
        );
    }
}

pub fn packages(value: &Value) {
    let list = value.as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        println!("no packages: packagento package publish PATH");
    }
    for package in list {
        println!(
            "{:<40} {:>4} versions  latest {}",
            package["name"].as_str().unwrap_or(""),
            package["versions"],
            package["latest"].as_str().unwrap_or("-")
        );
    }
}

pub fn package(value: &Value) {
    println!("{}", value["name"].as_str().unwrap_or(""));
    for version in value["versions"].as_array().cloned().unwrap_or_default() {
        println!(
            "  {:<20} released {}  {:>9} bytes  sha1 {}",
            version["version"].as_str().unwrap_or(""),
            version["released_at"].as_str().unwrap_or(""),
            version["size"],
            version["shasum"].as_str().unwrap_or("")
        );
        if version["yanked"] == true {
            match version["yank_reason"].as_str() {
                Some(reason) => println!("  {:<20} yanked: {reason}", ""),
                None => println!("  {:<20} yanked", ""),
            }
        }
    }
}

pub fn recalled(outcome: &RecallOutcome) {
    let state = if outcome.yanked {
        "yanked: hidden from metadata, still downloadable for lock files that pin it"
    } else {
        "listed in metadata"
    };
    println!("{} {} {state}", outcome.name, outcome.version);
}

pub fn removed(outcome: &RemoveOutcome) {
    let archive = if outcome.archive_deleted {
        "archive deleted"
    } else {
        "archive kept (another version has the same bytes)"
    };
    println!("{} {} removed; {archive}", outcome.name, outcome.version);
}

pub fn publish_progress(done: usize, total: usize, outcome: &PublishOutcome, json: bool) {
    let line = format!(
        "[{done}/{total}] {} {} {}",
        outcome.name, outcome.version, outcome.status
    );
    if json || total > 1 {
        eprintln!("{line}");
    } else {
        println!("{line} (sha1 {})", outcome.shasum);
    }
    for warning in &outcome.warnings {
        eprintln!("  warning: {warning}");
    }
}

pub fn download(event: &Value, json: bool) {
    if json {
        println!("{event}");
        return;
    }
    let micros = event["at_micros"].as_i64().unwrap_or(0);
    println!(
        "{}  {:<6} {} {}  project {}  token {}  {}  {}",
        to_rfc3339(micros / 1_000_000),
        event["kind"].as_str().unwrap_or(""),
        event["package"].as_str().unwrap_or(""),
        event["version"].as_str().unwrap_or(""),
        event["project"].as_str().unwrap_or(""),
        event["public_key"].as_str().unwrap_or(""),
        event["ip"].as_str().unwrap_or(""),
        event["user_agent"].as_str().unwrap_or(""),
    );
}
