//! `packagento downloads [--follow]`: who downloaded what, and, following, as it happens.

use super::CliError;
use super::args::RecentArgs;
use super::output::list_or_follow;
use crate::domain::records::DownloadEvent;
use crate::domain::text::printable;
use crate::domain::time::to_rfc3339;
use crate::service::admin::{Admin, Downloads};
use crate::service::changes::ChangeEvent;

pub fn run(admin: &Admin, args: RecentArgs, json: bool) -> Result<(), CliError> {
    list_or_follow(
        admin,
        (args.follow, json),
        Downloads { limit: args.limit },
        |event| match event {
            ChangeEvent::DownloadsRecorded { events } => events,
            _ => &[],
        },
        print_download,
    )
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
        printable(&event.package),
        printable(&event.version),
        event.project,
        event.public_key,
        printable(&event.ip),
        printable(&event.user_agent),
    );
}
