//! `packagento downloads [--follow]`: who downloaded what, and, following, as it happens.

use super::CliError;
use super::args::RecentArgs;
use super::output::{follow_changes, print_json};
use crate::domain::records::DownloadEvent;
use crate::domain::time::to_rfc3339;
use crate::service::admin::{Admin, Downloads};
use crate::service::changes::ChangeEvent;

pub fn run(admin: &Admin, args: RecentArgs, json: bool) -> Result<(), CliError> {
    if !args.follow {
        let events = admin.call(Downloads { limit: args.limit })?;
        match json {
            true => print_json(&events),
            false => events.iter().for_each(|event| print_download(event, false)),
        }
        return Ok(());
    }
    // Subscribed before listing, so nothing between the two is lost; what both carry is
    // printed once.
    let feed = follow_changes(admin)?;
    let recent = admin.call(Downloads { limit: args.limit })?;
    // Following reads like a log, oldest first.
    recent
        .iter()
        .rev()
        .for_each(|event| print_download(event, json));
    for change in feed {
        if let ChangeEvent::DownloadsRecorded { events } = &change.event {
            events
                .iter()
                .filter(|event| !recent.contains(event))
                .for_each(|event| print_download(event, json));
        }
    }
    eprintln!("the server stopped; no more events");
    Ok(())
}

fn print_download(event: &DownloadEvent, json: bool) {
    if json {
        println!("{}", serde_json::to_string(event).unwrap_or_default());
        return;
    }
    println!(
        "{}  {:<6} {} {}  project {}  token {}  {}  {}",
        to_rfc3339(event.at_micros / 1_000_000),
        event.kind.as_str(),
        event.package,
        event.version,
        event.project,
        event.public_key,
        event.ip,
        event.user_agent,
    );
}
