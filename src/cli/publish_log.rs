//! `packagento package log [--limit N] [--follow]`: what was published, and what failed and why.

use super::CliError;
use super::backend::Backend;
use super::commands::DownloadsArgs;
use super::output::print_json;
use crate::domain::time::to_rfc3339;
use crate::service::admin::AdminRequest;
use serde_json::Value;

pub fn run(backend: &Backend, args: DownloadsArgs, json: bool) -> Result<(), CliError> {
    let events = backend.call(AdminRequest::PublishLog { limit: args.limit })?;
    let list = events.as_array().cloned().unwrap_or_default();
    if json && !args.follow {
        print_json(&list);
    } else if args.follow {
        // Following reads like a log, oldest first; a one-off listing shows the newest first.
        list.iter().rev().for_each(|event| print_event(event, json));
    } else {
        list.iter().for_each(|event| print_event(event, json));
    }
    if !args.follow {
        return Ok(());
    }
    let socket = backend.socket().ok_or_else(|| {
        CliError::msg("--follow needs a running server (start it with `packagento serve`)")
    })?;
    super::admin_client::follow_events(socket, "/v1/publish/events", |event| {
        print_event(&event, json)
    })
}

fn print_event(event: &Value, json: bool) {
    if json {
        println!("{event}");
        return;
    }
    let text = |key: &str| event[key].as_str().unwrap_or("").to_string();
    let what = match (event["package"].as_str(), event["version"].as_str()) {
        (Some(package), Some(version)) => format!("{package} {version}"),
        _ => text("file"),
    };
    let micros = event["at_micros"].as_i64().unwrap_or(0);
    let mut line = format!(
        "{}  {:<9} {:<6} {what}",
        to_rfc3339(micros / 1_000_000),
        text("outcome"),
        text("source"),
    );
    if let Some(message) = event["message"].as_str() {
        line.push_str(&format!("  {message}"));
    }
    println!("{line}");
}
