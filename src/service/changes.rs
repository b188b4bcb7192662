//! The change feed: one typed event for every committed change, broadcast to live views (the
//! TUI, every `--follow`) in this process and, through the admin socket, in others.
//!
//! Events are announced after their commit, so a subscriber that reacts by reading the store
//! sees the change. A subscriber that falls behind is told how many events it missed, so it can
//! reload instead of showing a view that silently skipped something. `close` ends every
//! subscription: a server that shuts down must not be held open by an attached screen.

use super::summaries::AdvisorySummary;
use super::summaries::CustomerDeletion;
use super::summaries::{
    LicenceSummary, ProjectDeletion, PublisherSummary, RecallOutcome, RemoveOutcome, TokenSummary,
};
use crate::domain::audit::AuditEntry;
use crate::domain::publish_log::PublishEvent;
use crate::domain::records::{Customer, DownloadEvent, Project, TokenUse};
use crate::domain::time;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// How many events a subscriber may fall behind before it is told it missed some.
const BACKLOG: usize = 1024;

/// One committed change, numbered in the order it was announced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub seq: u64,
    /// Unix microseconds.
    pub at_micros: i64,
    pub event: ChangeEvent,
}

/// What changed. Each carries what a view needs to show it without asking again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChangeEvent {
    CustomerCreated {
        customer: Customer,
    },
    /// Renamed: the customer as it is now.
    CustomerChanged {
        customer: Customer,
    },
    /// Deleted with its projects, their tokens and its licences, all named here.
    CustomerDeleted {
        deletion: CustomerDeletion,
    },
    ProjectCreated {
        project: Project,
    },
    ProjectRenamed {
        project: Project,
    },
    /// The project joined a customer (its first licence was activated on it).
    ProjectJoinedCustomer {
        project: Project,
    },
    ProjectDeleted {
        deletion: ProjectDeletion,
    },
    TokenCreated {
        token: TokenSummary,
    },
    TokenRevoked {
        token: TokenSummary,
    },
    /// Rotated, extended or given another allowlist: the token as it is now (a rotated one under
    /// its new key; the key it replaced is its `previous_public_key`).
    TokenChanged {
        token: TokenSummary,
    },
    LicenceCreated {
        licence: LicenceSummary,
    },
    /// Activated, deactivated, moved, extended, edited or revoked: the licence as it is now.
    LicenceChanged {
        licence: LicenceSummary,
    },
    /// Any publish attempt from any route, with its outcome (also `failed`).
    PublishAttempted {
        entry: PublishEvent,
    },
    VersionYanked {
        outcome: RecallOutcome,
    },
    VersionUnyanked {
        outcome: RecallOutcome,
    },
    VersionRemoved {
        outcome: RemoveOutcome,
    },
    PublisherCreated {
        publisher: PublisherSummary,
    },
    PublisherRevoked {
        publisher: PublisherSummary,
    },
    /// A batch of downloads written by the analytics writer, oldest first.
    DownloadsRecorded {
        events: Vec<DownloadEvent>,
    },
    /// Download events past the retention period were deleted.
    DownloadsPruned {
        removed: usize,
    },
    /// Tokens that authenticated since the last analytics write (at most one event a second),
    /// each with its latest use; no audit entry goes with it.
    TokensUsed {
        uses: Vec<TokenUsed>,
    },
    AdvisoryAdded {
        advisory: AdvisorySummary,
    },
    /// Edited or withdrawn: the advisory as it is now.
    AdvisoryChanged {
        advisory: AdvisorySummary,
    },
    /// What a committed change wrote to the audit log, announced as soon as it commits.
    Audited {
        entries: Vec<AuditEntry>,
    },
}

/// A token's latest use, under the token's current public key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsed {
    pub public_key: String,
    pub last_used: TokenUse,
}

/// What a subscriber receives.
#[derive(Clone, Debug, PartialEq)]
pub enum FeedItem {
    Change(Arc<Change>),
    /// The subscriber fell behind and this many changes were dropped: reload what is shown.
    Missed(u64),
}

pub struct ChangeFeed {
    /// `None` once closed. Behind a mutex so sequence numbers go out in order.
    sender: Mutex<Option<(u64, broadcast::Sender<Arc<Change>>)>>,
}

impl Default for ChangeFeed {
    fn default() -> Self {
        Self::new()
    }
}

impl ChangeFeed {
    pub fn new() -> Self {
        Self {
            sender: Mutex::new(Some((0, broadcast::channel(BACKLOG).0))),
        }
    }

    /// Called after the commit that made `event` true; costs little when nobody listens.
    pub fn announce(&self, event: ChangeEvent) {
        let mut guard = self.sender.lock().unwrap_or_else(|p| p.into_inner());
        let Some((seq, sender)) = guard.as_mut() else {
            return;
        };
        *seq += 1;
        let change = Change {
            seq: *seq,
            at_micros: time::now_micros(),
            event,
        };
        let _ = sender.send(Arc::new(change));
    }

    /// Changes announced from now on; `None` once the feed is closed.
    pub fn subscribe(&self) -> Option<broadcast::Receiver<Arc<Change>>> {
        let guard = self.sender.lock().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().map(|(_, sender)| sender.subscribe())
    }

    /// Ends every subscription once it has drained; later announcements go nowhere.
    pub fn close(&self) {
        self.sender.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// A blocking view of the feed for threads that are not async (the TUI, the CLI).
pub struct Subscription(Box<dyn Iterator<Item = FeedItem> + Send>);

impl Subscription {
    pub fn new(items: impl Iterator<Item = FeedItem> + Send + 'static) -> Self {
        Self(Box::new(items))
    }

    /// Follows `feed` in this process.
    pub fn local(feed: &ChangeFeed) -> Self {
        let mut receiver = feed.subscribe();
        Self::new(std::iter::from_fn(move || {
            use broadcast::error::RecvError;
            match receiver.as_mut()?.blocking_recv() {
                Ok(change) => Some(FeedItem::Change(change)),
                Err(RecvError::Lagged(missed)) => Some(FeedItem::Missed(missed)),
                Err(RecvError::Closed) => None,
            }
        }))
    }
}

impl Iterator for Subscription {
    type Item = FeedItem;

    /// Blocks until the next item; `None` when the feed ended (the server stopped).
    fn next(&mut self) -> Option<FeedItem> {
        self.0.next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pruned(removed: usize) -> ChangeEvent {
        ChangeEvent::DownloadsPruned { removed }
    }

    #[test]
    fn subscribers_get_changes_in_order_with_rising_numbers() {
        let feed = ChangeFeed::new();
        let mut subscription = Subscription::local(&feed);
        feed.announce(pruned(1));
        feed.announce(pruned(2));
        let seqs: Vec<(u64, ChangeEvent)> = (0..2)
            .map(|_| match subscription.next() {
                Some(FeedItem::Change(change)) => (change.seq, change.event.clone()),
                other => panic!("expected a change, got {other:?}"),
            })
            .collect();
        assert_eq!(seqs, vec![(1, pruned(1)), (2, pruned(2))]);
    }

    #[test]
    fn closing_the_feed_ends_every_subscription_after_what_was_sent() {
        let feed = ChangeFeed::new();
        let mut subscription = Subscription::local(&feed);
        feed.announce(pruned(1));
        feed.close();
        feed.announce(pruned(2));
        assert!(matches!(subscription.next(), Some(FeedItem::Change(_))));
        assert_eq!(subscription.next(), None);
        assert!(feed.subscribe().is_none());
    }

    #[test]
    fn a_subscriber_that_falls_behind_is_told_how_much_it_missed() {
        let feed = ChangeFeed::new();
        let mut subscription = Subscription::local(&feed);
        for removed in 0..BACKLOG + 5 {
            feed.announce(pruned(removed));
        }
        assert_eq!(subscription.next(), Some(FeedItem::Missed(5)));
        assert!(matches!(subscription.next(), Some(FeedItem::Change(c)) if c.seq == 6));
    }

    #[test]
    fn a_change_reads_back_from_its_json_form() {
        let change = Change {
            seq: 7,
            at_micros: 1,
            event: pruned(3),
        };
        let json = serde_json::to_string(&change).unwrap();
        assert!(json.contains(r#""kind":"downloads_pruned""#), "{json}");
        assert_eq!(serde_json::from_str::<Change>(&json).unwrap(), change);
    }
}
