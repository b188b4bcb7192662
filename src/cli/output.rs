//! What every command's output shares: JSON for machines, times for people, following the feed.

use super::CliError;
use crate::domain::time::to_rfc3339;
use crate::service::admin::Admin;
use crate::service::changes::{Change, FeedItem};
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

/// The running server's changes, until it stops. A reader that fell behind is told on stderr
/// (the lines it missed are in the listing commands).
pub fn follow_changes(admin: &Admin) -> Result<impl Iterator<Item = Arc<Change>>, CliError> {
    if !admin.is_remote() {
        return Err(CliError::msg(
            "--follow needs a running server (start it with `packagento serve`)",
        ));
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
