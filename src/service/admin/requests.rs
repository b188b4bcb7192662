//! Each admin request, its fields as they travel, and what it answers.

use super::{AdminCommand, AdminListing, Rows};
use crate::domain::audit::AuditEntry;
use crate::domain::publish_log::PublishEvent;
use crate::domain::records::{Customer, DownloadEvent, Project};
use crate::domain::time;
use crate::service::advisories::{self, AdvisorySummary};
use crate::service::audit_log::{self, AuditFilter};
use crate::service::backup::BackupReport;
use crate::service::customers::{self, CustomerDeletion, CustomerDetail, CustomerSummary};
use crate::service::git_publish::GitPublishRequest;
use crate::service::licences;
use crate::service::packages::{self, PackageDetail, PackageSummary};
use crate::service::preview::PackagePreview;
use crate::service::projects;
use crate::service::publish::{Origin, PublishOutcome, PublishRequest, publish};
use crate::service::publishers::{self, CreatedPublisher};
use crate::service::recall;
use crate::service::stats::{self, DownloadReport};
use crate::service::summaries::LicenceSummary;
use crate::service::summaries::ProjectDeletion;
use crate::service::summaries::PublisherSummary;
use crate::service::summaries::TokenSummary;
use crate::service::summaries::{RecallOutcome, RemoveOutcome};
use crate::service::tokens::{self, CreatedToken, RotatedToken};
use crate::service::{App, Result};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Declares a request struct with the response it answers and how it runs.
macro_rules! request {
    ($(#[$meta:meta])* $name:ident { $($(#[$field_meta:meta])* $field:ident: $ty:ty),* $(,)? }
        -> $response:ty = |$self_:ident, $app:ident| $body:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, Serialize, Deserialize)]
        pub struct $name { $($(#[$field_meta])* pub $field: $ty),* }

        impl AdminCommand for $name {
            type Response = $response;
            fn run(self, $app: &App) -> Result<$response> {
                let $self_ = self;
                $body
            }
        }
    };
}

request!(CustomerCreate {
    slug: String,
    #[serde(default)] name: Option<String>,
    #[serde(default)] email: Option<String>,
} -> Customer = |r, app| customers::create(app, &r.slug, r.name, r.email));
request!(CustomerList {} -> Vec<CustomerSummary> = |_r, app| customers::list(app));
request!(
    /// Projects, licences with their state, tokens, and the last 30 days' downloads.
    CustomerShow { slug: String }
    -> CustomerDetail = |r, app| customers::show(app, &r.slug));
request!(CustomerRename { slug: String, name: String }
    -> Customer = |r, app| customers::rename(app, &r.slug, &r.name));
request!(
    /// With `dry_run`, says what would go and changes nothing.
    CustomerDelete { slug: String, #[serde(default)] dry_run: bool }
    -> CustomerDeletion = |r, app| customers::delete(app, &r.slug, r.dry_run));

request!(
    /// With `customer`, the project belongs to it from the start.
    ProjectCreate { slug: String, name: Option<String>, #[serde(default)] customer: Option<String> }
    -> Project = |r, app| projects::create_for_customer(app, &r.slug, r.name, r.customer.as_deref()));
request!(ProjectList { #[serde(default)] customer: Option<String> }
    -> Vec<Project> = |r, app| projects::list_for_customer(app, r.customer.as_deref()));
request!(ProjectRename { slug: String, name: String }
    -> Project = |r, app| projects::rename_project(app, &r.slug, &r.name));
request!(
    /// With `dry_run`, says what would go and changes nothing.
    ProjectDelete { slug: String, #[serde(default)] dry_run: bool }
    -> ProjectDeletion = |r, app| projects::delete_project(app, &r.slug, r.dry_run));
request!(
    /// Visible releases with a hosted requirement that no visible version satisfies.
    ProjectCheck { slug: String }
    -> crate::service::check::ProjectCheckReport
        = |r, app| crate::service::check::project_check(app, &r.slug));

request!(TokenCreate {
    project: String,
    label: Option<String>,
    #[serde(default)] expires: Option<String>,
    #[serde(default)] expires_in: Option<String>,
    #[serde(default)] allow_ip: Vec<String>,
}
-> CreatedToken = |r, app| tokens::create_with(app, &r.project, r.label, tokens::TokenTerms {
    expires: r.expires,
    expires_in: r.expires_in,
    allow_ip: r.allow_ip,
}));
request!(
/// `expiring` (`30d`): only tokens expiring within that period, soonest first.
TokenList { project: Option<String>, #[serde(default)] expiring: Option<String> }
-> Vec<TokenSummary> = |r, app| match r.expiring {
    Some(within) => tokens::expiring(app, r.project.as_deref(), &within, crate::domain::time::now()),
    None => tokens::list(app, r.project.as_deref()),
});
request!(TokenRevoke { public_key: String }
    -> TokenSummary = |r, app| tokens::revoke(app, &r.public_key));
request!(
    /// The token (by its current or a former key) and its use per UTC day, newest first, over the
    /// last `days` days [default: 30].
    TokenShow { public_key: String, #[serde(default)] days: Option<u32> }
    -> crate::service::usage_report::TokenDetail
        = |r, app| crate::service::usage_report::show(app, &r.public_key, r.days, time::now()));
request!(
/// `overlap` (`30m`, `7d`): how long the replaced key still works; none: not at all.
TokenRotate { public_key: String, #[serde(default)] overlap: Option<String> }
-> RotatedToken = |r, app| tokens::rotate(app, &r.public_key, r.overlap.as_deref()));
request!(TokenExtend {
    public_key: String,
    #[serde(default)] expires: Option<String>,
    #[serde(default)] expires_in: Option<String>,
    #[serde(default)] never: bool,
}
-> TokenSummary = |r, app| tokens::extend(app, &r.public_key, tokens::NewExpiry {
    expires: r.expires,
    expires_in: r.expires_in,
    never: r.never,
}));
request!(
/// Replaces the token's allowlist; empty: usable from anywhere.
TokenAllow { public_key: String, #[serde(default)] addresses: Vec<String> }
-> TokenSummary = |r, app| tokens::allow(app, &r.public_key, &r.addresses));

request!(
/// A customer by slug (`customer`) or by display name (`holder`, created when new).
LicenceCreate {
    #[serde(default)] customer: Option<String>,
    #[serde(default)] holder: Option<String>,
    packages: Vec<String>,
    #[serde(default)] access_until: Option<String>,
    #[serde(default)] versions: Option<String>,
    #[serde(default)] seats: Option<u32>,
    #[serde(default)] no_dependencies: bool,
    #[serde(default)] note: Option<String>,
}
-> LicenceSummary = |r, app| licences::create(app, licences::LicenceTerms {
    customer: r.customer,
    holder: r.holder,
    packages: r.packages,
    access_until: r.access_until,
    versions: r.versions,
    seats: r.seats,
    no_dependencies: r.no_dependencies,
    note: r.note,
}));
request!(LicenceActivate { id: String, project: String }
    -> LicenceSummary = |r, app| licences::set_activation(app, &r.id, &r.project, true));
request!(LicenceDeactivate { id: String, project: String }
    -> LicenceSummary = |r, app| licences::set_activation(app, &r.id, &r.project, false));
request!(LicenceRevoke { id: String } -> LicenceSummary = |r, app| licences::revoke(app, &r.id));
request!(
    /// Every licence, oldest first; only one customer's when `customer` is given.
    LicenceList { #[serde(default)] customer: Option<String> }
    -> Vec<LicenceSummary> = |r, app| licences::list_for(app, r.customer.as_deref()));
request!(
    /// What a project's tokens see, version by version, and why the rest is hidden.
    LicencePreview { project: String }
    -> Vec<PackagePreview> = |r, app| crate::service::preview::licence_preview(app, &r.project));
request!(
    /// Renews a subscription: the new end (`access_until`), or a period (`by`, e.g. `12m`) after
    /// the current one; exactly one of them.
    LicenceExtend {
        id: String,
        #[serde(default)] access_until: Option<String>,
        #[serde(default)] by: Option<String>,
    }
    -> LicenceSummary = |r, app| licences::extend(app, &r.id, r.access_until.as_deref(), r.by.as_deref()));
request!(
    /// Changes a licence's terms in one transaction; what is left out stays.
    LicenceEdit { id: String, #[serde(flatten)] terms: licences::TermsEdit }
    -> LicenceSummary = |r, app| licences::edit(app, &r.id, r.terms));
request!(
    /// Moves one activation from project `from` to project `to` at once.
    LicenceMove { id: String, from: String, to: String }
    -> LicenceSummary = |r, app| licences::move_activation(app, &r.id, &r.from, &r.to));
request!(LicenceShow { id: String } -> licences::LicenceDetail = |r, app| licences::show(app, &r.id));
request!(
    /// Unrevoked subscriptions whose window closes within `within` (e.g. `30d`) from now, soonest
    /// first; only one customer's when `customer` is given.
    LicenceExpiring { within: String, #[serde(default)] customer: Option<String> }
    -> Vec<licences::ExpiringLicence> = |r, app| licences::expiring(app, &r.within, r.customer.as_deref(), time::now()));

impl AdminCommand for PublishRequest {
    type Response = PublishOutcome;
    fn run(self, app: &App) -> Result<PublishOutcome> {
        let origin = Origin::Cli {
            file: self.path.clone(),
        };
        publish(app, &self, &origin)
    }
}

impl AdminCommand for GitPublishRequest {
    type Response = PublishOutcome;
    fn run(self, app: &App) -> Result<PublishOutcome> {
        publish(app, &self.archive(), &self.origin())
    }
}

request!(PackageList {} -> Vec<PackageSummary> = |_r, app| Ok(packages::list(app)));
request!(PackageShow { name: String } -> PackageDetail = |r, app| packages::show(app, &r.name));
request!(
    /// Hides a version from metadata; lock files that pin it still install it.
    PackageYank { name: String, version: String, reason: Option<String> }
    -> RecallOutcome = |r, app| recall::set_yanked(app, &r.name, &r.version, Some(r.reason)));
request!(PackageUnyank { name: String, version: String }
    -> RecallOutcome = |r, app| recall::set_yanked(app, &r.name, &r.version, None));
request!(
/// `dry_run`: only say what would go.
PackageRemove { name: String, version: String, #[serde(default)] dry_run: bool }
-> RemoveOutcome = |r, app| match r.dry_run {
    true => recall::removal_preview(app, &r.name, &r.version),
    false => recall::remove(app, &r.name, &r.version),
});

/// Declares a listing request with the row type it answers and how its walk starts.
macro_rules! listing {
    ($(#[$meta:meta])* $name:ident { $($field:ident: $ty:ty),* $(,)? }
        -> $row:ty = |$self_:ident, $app:ident| $body:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, Serialize, Deserialize)]
        pub struct $name { $(pub $field: $ty),* }

        impl AdminListing for $name {
            type Row = $row;
            fn rows(self, $app: &App) -> Result<Rows<'_, $row>> {
                let $self_ = self;
                Ok(Box::new($body?))
            }
        }
    };
}

listing!(
    /// The most recent downloads, newest first.
    Downloads { limit: usize }
    -> DownloadEvent = |r, app| packages::recent_downloads(app, r.limit));
listing!(
    /// The most recent publish attempts from every route, newest first.
    PublishLog { limit: usize }
    -> PublishEvent = |r, app| app.publish_log.recent(app.store(), r.limit));
listing!(
    /// The most recent audit entries the filter admits, newest first.
    AuditLog { limit: usize, filter: AuditFilter }
    -> AuditEntry = |r, app| audit_log::newest_first(app, &r.filter, r.limit));

request!(PublisherCreate { label: Option<String>, packages: Vec<String> }
    -> CreatedPublisher = |r, app| publishers::create(app, r.label, &r.packages));
request!(PublisherList {} -> Vec<PublisherSummary> = |_r, app| publishers::list(app));
request!(PublisherRevoke { public_key: String }
    -> PublisherSummary = |r, app| publishers::revoke(app, &r.public_key));

request!(
    /// Every customer, project and token whose downloads include a version the advisory covers.
    AdvisoryImpact { id: String }
    -> crate::service::advisory_impact::AdvisoryImpact
        = |r, app| crate::service::advisory_impact::impact(app, &r.id));
request!(
    /// Every advisory, newest first, with its affected and unresolved counts.
    AdvisoryOverview {}
    -> Vec<crate::service::advisory_impact::AdvisoryCounts>
        = |_r, app| crate::service::advisory_impact::overview(app));

request!(DashboardStats {}
    -> stats::DashboardStats = |_r, app| stats::dashboard(app, time::now_micros()));
request!(DownloadStats {} -> DownloadReport = |_r, app| stats::downloads(app, time::now_micros()));

/// Where a server listens and keeps its data, for status screens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerReport {
    pub listening: Option<String>,
    pub public_url: Option<String>,
    pub data_dir: String,
}

request!(ServerStatus {} -> ServerReport = |_r, app| Ok(ServerReport {
    listening: app.listening().map(str::to_string),
    public_url: app.settings().public_url.clone(),
    data_dir: app.settings().data_dir.display().to_string(),
}));

request!(
    /// The effective configuration the server runs with (live reloads applied); `None` when no
    /// server runs in the answering process. It holds no secrets: key material stays in the
    /// files its paths name.
    ServerConfig {}
    -> Option<crate::config::Config>
        = |_r, app| Ok(app.served_config().map(|config| (*config).clone())));

request!(
    /// Records an advisory; refused when its constraint matches no published version, unless
    /// `force`. With `yank`, the covered versions are yanked in the same step.
    AdvisoryAdd { #[serde(flatten)] advisory: advisories::NewAdvisory }
    -> AdvisorySummary = |r, app| advisories::add(app, r.advisory));
request!(
    /// Advisories in id order, only one package's when `package` is given; withdrawn ones only
    /// with `all`.
    AdvisoryList { #[serde(default)] package: Option<String>, #[serde(default)] all: bool }
    -> Vec<AdvisorySummary> = |r, app| advisories::list(app, r.package.as_deref(), r.all));
request!(AdvisoryShow { id: String }
    -> AdvisorySummary = |r, app| advisories::show(app, &r.id));
request!(
    /// Changes an advisory's fields at once; what is left out stays.
    AdvisoryEdit { id: String, #[serde(flatten)] edit: advisories::AdvisoryChanges }
    -> AdvisorySummary = |r, app| advisories::edit(app, &r.id, r.edit));
request!(
    /// Stops serving an advisory; it keeps its id and stays listed with `all`.
    AdvisoryWithdraw { id: String }
    -> AdvisorySummary = |r, app| advisories::withdraw(app, &r.id));

request!(
    /// Writes a backup file; the path is absolute because the server's working folder is not
    /// the caller's.
    Backup { path: PathBuf }
    -> BackupReport = |r, app| crate::service::backup::create(app, &r.path, &log_progress));

/// Through the socket the operator's terminal is elsewhere, so progress goes to the server's log.
fn log_progress(progress: crate::service::backup::Progress) {
    let step = (progress.total / 10).max(1);
    if progress.done.is_multiple_of(step) || progress.done == progress.total {
        tracing::info!(
            progress.stage,
            progress.done,
            progress.total,
            "backup progress"
        );
    }
}
