//! `packagento package log [--limit N] [--follow]`: what was published, and what failed and why.

use super::CliError;
use super::args::RecentArgs;
use super::output::list_or_follow;
use crate::domain::publish_log::PublishEvent;
use crate::domain::text::printable;
use crate::domain::time::to_rfc3339;
use crate::service::admin::{Admin, PublishLog};
use crate::service::changes::ChangeEvent;

pub fn run(admin: &Admin, args: RecentArgs, json: bool) -> Result<(), CliError> {
    list_or_follow(
        admin,
        (args.follow, json),
        PublishLog { limit: args.limit },
        |event| match event {
            ChangeEvent::PublishAttempted { entry } => std::slice::from_ref(entry),
            _ => &[],
        },
        print_entry,
    )
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
    let what = printable(&what);
    let mut line = format!(
        "{}  {:<9} {:<6} {what}",
        to_rfc3339(entry.at_micros / 1_000_000),
        entry.outcome,
        entry.source,
    );
    if let Some(message) = &entry.message {
        line.push_str(&format!("  {}", printable(message)));
    }
    println!("{line}");
}
