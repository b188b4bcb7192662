//! What every command's output shares: JSON for machines, times for people, following the feed.

use super::CliError;
use crate::domain::time::to_rfc3339;
use crate::service::admin::Admin;
use crate::service::changes::{Change, ChangeEvent, FeedItem};
use serde::Serialize;
use std::sync::Arc;

pub fn print_json<T: Serialize + ?Sized>(value: &T) {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
    println!("{text}");
}

/// A Unix time in seconds as RFC 3339, or "never".
pub fn when(unix: Option<i64>) -> String {
    unix.map(to_rfc3339).unwrap_or_else(|| "never".into())
}

/// A listing, newest first; or, following, the same listing oldest first (it reads like a log)
/// and then each new item the server announces, until it stops. Subscribed before listing, so
/// nothing between the two is lost; what both carry is printed once.
pub fn list_or_follow<T: Serialize + PartialEq>(
    admin: &Admin,
    (follow, json): (bool, bool),
    list: impl Fn() -> Result<Vec<T>, CliError>,
    announced: impl Fn(&ChangeEvent) -> &[T],
    print: impl Fn(&T, bool),
) -> Result<(), CliError> {
    if !follow {
        let items = list()?;
        match json {
            true => print_json(&items),
            false => items.iter().for_each(|item| print(item, false)),
        }
        return Ok(());
    }
    let feed = follow_changes(admin)?;
    let recent = list()?;
    recent.iter().rev().for_each(|item| print(item, json));
    for change in feed {
        announced(&change.event)
            .iter()
            .filter(|item| !recent.contains(item))
            .for_each(|item| print(item, json));
    }
    eprintln!("the server stopped; no more events");
    Ok(())
}

pub const FOLLOW_NEEDS_SERVER: &str =
    "--follow needs a running server (start it with `packagento serve`)";

/// The running server's changes, until it stops. A reader that fell behind is told on stderr
/// (the lines it missed are in the listing commands).
fn follow_changes(admin: &Admin) -> Result<impl Iterator<Item = Arc<Change>>, CliError> {
    if !admin.is_remote() {
        return Err(CliError::msg(FOLLOW_NEEDS_SERVER));
    }
    let feed = admin.subscribe()?;
    Ok(feed.filter_map(|item| match item {
        FeedItem::Change(change) => Some(change),
        FeedItem::Missed(missed) => {
            eprintln!("(fell behind: {missed} changes not shown)");
            None
        }
    }))
}
