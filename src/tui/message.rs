//! What flows into `update` (keys, clock ticks, answers from the background) and what flows out
//! of it (work for the background). Neither side blocks the other.

use super::model::Tab;
use crate::domain::audit::AuditEntry;
use crate::domain::publish_log::PublishEvent;
use crate::domain::records::Project;
use crate::service::admin::AdminRequest;
use crate::service::advisory_impact::{AdvisoryCounts, AdvisoryImpact};
use crate::service::changes::FeedItem;
use crate::service::check::RequirementGap;
use crate::service::customers::{CustomerDeletion, CustomerDetail, CustomerSummary};
use crate::service::licences::ExpiringLicence;
use crate::service::packages::{PackageDetail, PackageSummary};
use crate::service::preview::PackagePreview;
use crate::service::publishers::CreatedPublisher;
use crate::service::stats::{DashboardStats, DownloadReport};
use crate::service::summaries::LicenceSummary;
use crate::service::summaries::ProjectDeletion;
use crate::service::summaries::PublisherSummary;
use crate::service::summaries::TokenSummary;
use crate::service::tokens::{CreatedToken, RotatedToken};
use ratatui::crossterm::event::KeyEvent;

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    /// The clock, in Unix seconds.
    Tick(i64),
    Loaded(Loaded),
    /// A change went through; the text goes to the status line.
    Done(String),
    /// A create went through: the row it made, on its screen, to select once a reload brings it.
    Created {
        tab: Tab,
        key: String,
    },
    /// A request failed; the full message is shown.
    Failed(String),
    TokenCreated(CreatedToken),
    TokenRotated(RotatedToken),
    PublisherCreated(CreatedPublisher),
    DeletePlan(ProjectDeletion),
    CustomerDeletePlan(CustomerDeletion),
    Preview {
        project: String,
        packages: Vec<PackagePreview>,
        gaps: Vec<RequirementGap>,
    },
    AuthWritten(Result<String, String>),
    /// Background work in progress, e.g. "publishing 2/5: acme/x-1.0.0.zip"; `None` when idle.
    Busy(Option<String>),
    /// From the server's change feed.
    Feed(FeedItem),
    /// The change feed ended, and why.
    LiveEnded(String),
}

#[derive(Debug)]
pub enum Loaded {
    Projects(Vec<Project>),
    Tokens(Vec<TokenSummary>),
    Licences(Vec<LicenceSummary>),
    Customers(Vec<CustomerSummary>),
    Customer(CustomerDetail),
    /// Subscriptions ending in the next 30 days, soonest first.
    Expiring(Vec<ExpiringLicence>),
    Packages(Vec<PackageSummary>),
    Package(PackageDetail),
    Stats(DashboardStats),
    Report(DownloadReport),
    /// The audit log's latest entries, newest first.
    Audit(Vec<AuditEntry>),
    /// Every advisory, newest first, with its counts.
    Advisories(Vec<AdvisoryCounts>),
    Advisory(AdvisoryImpact),
    Publishers(Vec<PublisherSummary>),
    /// The latest publish attempts, newest first.
    PublishLog(Vec<PublishEvent>),
}

#[derive(Debug)]
pub enum Effect {
    /// Reload every list and the statistics.
    Refresh,
    /// Reload the statistics only (periodic).
    RefreshStats,
    LoadPackage(String),
    LoadCustomer(String),
    /// Reload the advisories' counts (after downloads).
    RefreshAdvisories,
    LoadAdvisory(String),
    Change {
        request: AdminRequest,
        done: String,
    },
    CreateToken {
        project: String,
        label: Option<String>,
    },
    RotateToken {
        public_key: String,
        overlap: Option<String>,
    },
    /// A publisher token for CI uploads; empty `packages` may publish any package.
    CreatePublisher {
        label: Option<String>,
        packages: Vec<String>,
    },
    PlanDelete(String),
    PlanDeleteCustomer(String),
    /// What a project sees, and the hosted requirements it cannot meet.
    Preview(String),
    /// Publish every archive under a path, one at a time, reporting progress.
    Publish(String),
    WriteAuthJson {
        path: String,
        host: String,
        token: CreatedToken,
    },
    /// Put text on the operator's clipboard (OSC 52): written by the loop, which owns the terminal.
    Copy(Clip),
}

/// Text for the clipboard; it may be a private key, so Debug shows only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct Clip(pub String);

impl std::fmt::Debug for Clip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clip({} chars)", self.0.chars().count())
    }
}
