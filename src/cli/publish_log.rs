//! `packagento package log [--limit N] [--follow]`: what was published, and what failed and why.

use super::CliError;
use super::args::RecentArgs;
use super::output::{follow_changes, print_json};
use crate::domain::publish_log::PublishEvent;
use crate::domain::time::to_rfc3339;
use crate::service::admin::{Admin, PublishLog};
use crate::service::changes::ChangeEvent;

pub fn run(admin: &Admin, args: RecentArgs, json: bool) -> Result<(), CliError> {
    if !args.follow {
        let entries = admin.call(PublishLog { limit: args.limit })?;
        match json {
            true => print_json(&entries),
            false => entries.iter().for_each(|entry| print_entry(entry, false)),
        }
        return Ok(());
    }
    // Subscribed before listing, so nothing between the two is lost.
    let feed = follow_changes(admin)?;
    let recent = admin.call(PublishLog { limit: args.limit })?;
    // Following reads like a log, oldest first.
    recent
        .iter()
        .rev()
        .for_each(|entry| print_entry(entry, json));
    for change in feed {
        if let ChangeEvent::PublishAttempted { entry } = &change.event
            && !recent.contains(entry)
        {
            print_entry(entry, json);
        }
    }
    eprintln!("the server stopped; no more events");
    Ok(())
}

fn print_entry(entry: &PublishEvent, json: bool) {
    if json {
        println!("{}", serde_json::to_string(entry).unwrap_or_default());
        return;
    }
    let what = match (&entry.package, &entry.version) {
        (Some(package), Some(version)) => format!("{package} {version}"),
        _ => entry.file.clone().unwrap_or_default(),
    };
    let mut line = format!(
        "{}  {:<9} {:<6} {what}",
        to_rfc3339(entry.at_micros / 1_000_000),
        entry.outcome,
        entry.source,
    );
    if let Some(message) = &entry.message {
        line.push_str(&format!("  {message}"));
    }
    println!("{line}");
}
