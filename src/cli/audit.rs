//! `packagento audit`: who changed what, newest first; or, following, as it happens.

use super::CliError;
use super::output::list_or_follow;
use crate::domain::audit::AuditEntry;
use crate::domain::text::printable;
use crate::domain::time::to_rfc3339;
use crate::service::admin::{Admin, AuditLog};
use crate::service::audit_log::AuditFilter;
use crate::service::changes::ChangeEvent;
use clap::Args;

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// How many entries to show
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Only entries from this date on (YYYY-MM-DD, the start of that day UTC, or RFC 3339)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only entries whose target is this or begins with it (a package name matches its versions)
    #[arg(long, value_name = "TARGET")]
    pub target: Option<String>,
    /// Only this action (licence.revoke) or group of actions (licence)
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// Keep printing new entries as they are recorded, until the server stops (needs a running
    /// server)
    #[arg(long)]
    pub follow: bool,
}

pub fn run(admin: &Admin, args: AuditArgs, json: bool) -> Result<(), CliError> {
    let filter = AuditFilter {
        since: args.since,
        target: args.target,
        action: args.action,
    };
    // Checked here too, so a followed entry is held to the same filter as the listed ones.
    let matcher = filter.matcher()?;
    list_or_follow(
        admin,
        (args.follow, json),
        AuditLog {
            limit: args.limit,
            filter,
        },
        |event| match event {
            ChangeEvent::Audited { entries } => entries,
            _ => &[],
        },
        |entry, json| {
            if matcher.admits(entry) {
                print_entry(entry, json)
            }
        },
    )
}

fn print_entry(entry: &AuditEntry, json: bool) {
    if json {
        println!("{}", serde_json::to_string(entry).unwrap_or_default());
        return;
    }
    println!(
        "{}  {}  {}  {}  {}",
        to_rfc3339(entry.at_micros / 1_000_000),
        printable(&entry.actor.to_string()),
        printable(&entry.action),
        printable(&entry.target),
        printable(&entry.summary),
    );
}
