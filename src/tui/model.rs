//! Everything the screen shows, as plain data. Views only read it; `update` alone changes it.

use super::dialog::Dialog;
use super::licence_order::{self, LicenceSort};
pub use super::tab::Tab;
use super::text_input::TextInput;
use crate::domain::audit::{Actor, AuditEntry};
use crate::domain::endpoint::Endpoint;
use crate::domain::publish_log::PublishEvent;
use crate::domain::records::{DownloadEvent, Project};
use crate::service::advisory_impact::{AdvisoryCounts, AdvisoryImpact};
use crate::service::customers::{CustomerDetail, CustomerSummary};
use crate::service::licences::ExpiringLicence;
use crate::service::packages::{PackageDetail, PackageSummary, VersionDetail};
use crate::service::stats::{DashboardStats, DownloadReport};
use crate::service::summaries::LicenceSummary;
use crate::service::summaries::PublisherSummary;
use crate::service::summaries::TokenSummary;
use std::collections::{HashMap, VecDeque};

/// How many live events the feed keeps; older ones are in `packagento downloads`.
pub const LIVE_FEED_LEN: usize = 500;

/// Where the server is, for the dashboard and for the auth.json host default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerInfo {
    pub listen: String,
    pub public_url: Option<String>,
    pub data_dir: String,
    /// "in this process" or "attached through <socket>".
    pub mode: String,
    /// The server stops when the UI quits, so quitting asks first.
    pub in_process: bool,
}

impl ServerInfo {
    /// The host[:port] Composer's auth.json is keyed by: the public URL's, else the first HTTPS
    /// listener's, else the first listener's (`listen` holds the server's URLs, comma-separated).
    pub fn default_host(&self) -> String {
        self.endpoint().map(|e| e.host).unwrap_or_default()
    }

    /// Where customers and CI reach the server, chosen the same way.
    pub fn base_url(&self) -> String {
        self.endpoint().map(|e| e.base_url).unwrap_or_default()
    }

    fn endpoint(&self) -> Option<Endpoint> {
        let listeners: Vec<String> = self.listen.split(", ").map(str::to_string).collect();
        Endpoint::choose(self.public_url.as_deref(), &listeners)
    }
}

#[derive(Debug, Default)]
pub struct Data {
    pub customers: Vec<CustomerSummary>,
    /// `customer show` of customers looked at since the last reload, by slug.
    pub customer_details: HashMap<String, CustomerDetail>,
    /// Subscriptions ending in the next 30 days, soonest first.
    pub expiring: Vec<ExpiringLicence>,
    pub projects: Vec<Project>,
    pub tokens: Vec<TokenSummary>,
    pub licences: Vec<LicenceSummary>,
    pub packages: Vec<PackageSummary>,
    pub package_details: HashMap<String, PackageDetail>,
    pub stats: DashboardStats,
    pub report: DownloadReport,
    /// Newest first.
    pub live: VecDeque<DownloadEvent>,
    /// The audit log's latest entries, newest first, kept up to date from the change feed.
    pub audit: VecDeque<AuditEntry>,
    /// Every advisory, newest first, with who is affected.
    pub advisories: Vec<AdvisoryCounts>,
    /// `advisory impact` of advisories looked at since the last reload, by id.
    pub advisory_details: HashMap<String, AdvisoryImpact>,
    /// Publisher tokens (CI uploads), oldest first, kept up to date from the change feed.
    pub publishers: Vec<PublisherSummary>,
    /// The latest publish attempts from every route, newest first, growing from the change feed.
    pub publish_log: VecDeque<PublishEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub is_error: bool,
}

#[derive(Debug, Default)]
pub struct Model {
    pub tab: TabState,
    pub data: Data,
    pub info: ServerInfo,
    pub dialog: Option<Dialog>,
    pub status: Option<Status>,
    /// What runs in the background right now, e.g. "publishing 3/10".
    pub busy: Option<String>,
    /// Unix seconds; set by ticks so views never read the clock themselves.
    pub now: i64,
    pub quit: bool,
    /// False until the first answer arrives, so empty lists read "loading" rather than "none".
    pub loaded: bool,
    /// The change feed ended; shown so a silent feed is not mistaken for no traffic.
    pub live_error: Option<String>,
    /// Downloads arrived since the statistics were last read.
    pub stats_stale: bool,
    /// Something other than downloads changed: every list is reloaded on the next tick.
    pub lists_stale: bool,
    /// Downloads arrived since the advisories' counts were last read.
    pub advisories_stale: bool,
    /// When the statistics were last asked for (Unix seconds).
    pub stats_asked_at: i64,
    /// The row a create from this screen made (its screen and key), selected once it is loaded.
    pub created: Option<(Tab, String)>,
    /// The row under the cursor in the Packages screen's versions pane: what yank, unyank and
    /// remove act on.
    pub version_row: usize,
    /// The versions pane has the keyboard (Enter on a package; Esc gives it back to the list).
    pub in_versions: bool,
}

#[derive(Debug, Default)]
pub struct TabState {
    pub current: Tab,
    pub selected: HashMap<Tab, usize>,
    pub filters: HashMap<Tab, TextInput>,
    /// The filter being typed, when `/` was pressed.
    pub editing_filter: bool,
    /// The column the Licences screen is sorted by (`s` cycles it).
    pub licence_sort: LicenceSort,
}

impl Model {
    pub fn new(info: ServerInfo, now: i64) -> Self {
        Model {
            info,
            now,
            ..Default::default()
        }
    }

    pub fn current(&self) -> Tab {
        self.tab.current
    }

    pub fn selected(&self, tab: Tab) -> usize {
        self.tab.selected.get(&tab).copied().unwrap_or(0)
    }

    pub fn filter_text(&self, tab: Tab) -> String {
        self.tab
            .filters
            .get(&tab)
            .map(TextInput::text)
            .unwrap_or_default()
            .to_lowercase()
    }

    fn matches(&self, tab: Tab, fields: &[&str]) -> bool {
        let filter = self.filter_text(tab);
        filter.is_empty() || fields.iter().any(|f| f.to_lowercase().contains(&filter))
    }

    pub fn visible_customers(&self) -> Vec<&CustomerSummary> {
        let rows = self.data.customers.iter();
        rows.filter(|c| {
            let customer = &c.customer;
            let email = customer.email.as_deref().unwrap_or("");
            self.matches(
                Tab::Customers,
                &[customer.slug.as_str(), &customer.name, email],
            )
        })
        .collect()
    }

    pub fn visible_projects(&self) -> Vec<&Project> {
        let rows = self.data.projects.iter();
        rows.filter(|p| self.matches(Tab::Projects, &[p.slug.as_str(), &p.name]))
            .collect()
    }

    pub fn visible_tokens(&self) -> Vec<&TokenSummary> {
        let rows = self.data.tokens.iter();
        rows.filter(|t| self.matches(Tab::Tokens, &[&t.project, &t.public_key, &t.label]))
            .collect()
    }

    /// Licences narrowed by id, customer, package, project, kind or state, in the chosen order.
    pub fn visible_licences(&self) -> Vec<&LicenceSummary> {
        let rows = self.data.licences.iter();
        let mut rows: Vec<&LicenceSummary> = rows
            .filter(|l| {
                let text = [l.packages.join(" "), l.projects.join(" ")];
                let state = licence_order::state(l, self.now).as_str();
                let fields = [&l.id, &l.customer, &l.holder, &text[0], &text[1], &l.kind];
                let mut fields = fields.map(String::as_str).to_vec();
                fields.push(state);
                self.matches(Tab::Licences, &fields)
            })
            .collect();
        self.tab.licence_sort.sort(&mut rows, self.now);
        rows
    }

    pub fn visible_packages(&self) -> Vec<&PackageSummary> {
        let rows = self.data.packages.iter();
        rows.filter(|p| self.matches(Tab::Packages, &[&p.name]))
            .collect()
    }

    /// The live feed narrowed by project or package.
    pub fn visible_live(&self) -> Vec<&DownloadEvent> {
        let rows = self.data.live.iter();
        rows.filter(|e| self.matches(Tab::Downloads, &[e.project.as_str(), &e.package]))
            .collect()
    }

    /// The audit log narrowed by target, action or actor.
    pub fn visible_audit(&self) -> Vec<&AuditEntry> {
        let rows = self.data.audit.iter();
        rows.filter(|e| {
            let actor = e.actor.to_string();
            self.matches(Tab::Audit, &[&e.target, &e.action, &actor])
        })
        .collect()
    }

    /// Advisories narrowed by id, package or title.
    pub fn visible_advisories(&self) -> Vec<&AdvisoryCounts> {
        let rows = self.data.advisories.iter();
        rows.filter(|a| self.matches(Tab::Advisories, &[&a.id, &a.package, &a.title]))
            .collect()
    }

    pub fn selected_advisory(&self) -> Option<&AdvisoryCounts> {
        self.visible_advisories()
            .get(self.selected(Tab::Advisories))
            .copied()
    }

    /// Advisories still served with affected projects not yet seen on a fixed version.
    pub fn open_advisories(&self) -> Vec<&AdvisoryCounts> {
        self.data
            .advisories
            .iter()
            .filter(|a| a.is_open())
            .collect()
    }

    /// Publisher tokens narrowed by label, public key or package.
    pub fn visible_publishers(&self) -> Vec<&PublisherSummary> {
        let rows = self.data.publishers.iter();
        rows.filter(|p| {
            let packages = p.packages.join(" ");
            self.matches(Tab::Publishers, &[&p.label, &p.public_key, &packages])
        })
        .collect()
    }

    pub fn selected_publisher(&self) -> Option<&PublisherSummary> {
        self.visible_publishers()
            .get(self.selected(Tab::Publishers))
            .copied()
    }

    /// When a publisher token last published, as far as the audit entries held go back.
    pub fn publisher_last_used(&self, public_key: &str) -> Option<i64> {
        let by = |e: &&AuditEntry| matches!(&e.actor, Actor::Publisher { public_key: key, .. } if key == public_key);
        let entry = self.data.audit.iter().find(by)?;
        Some(entry.at_micros / 1_000_000)
    }

    /// The publish log narrowed by package, file, route, outcome or message.
    pub fn visible_publish_log(&self) -> Vec<&PublishEvent> {
        let rows = self.data.publish_log.iter();
        rows.filter(|e| {
            let fields =
                [&e.package, &e.version, &e.file, &e.message].map(|f| f.as_deref().unwrap_or(""));
            let [package, version, file, message] = fields;
            let all = [package, version, file, message, &e.source, &e.outcome];
            self.matches(Tab::PublishLog, &all)
        })
        .collect()
    }

    pub fn row_count(&self, tab: Tab) -> usize {
        match tab {
            Tab::Dashboard => 0,
            Tab::Customers => self.visible_customers().len(),
            Tab::Projects => self.visible_projects().len(),
            Tab::Tokens => self.visible_tokens().len(),
            Tab::Licences => self.visible_licences().len(),
            Tab::Packages => self.visible_packages().len(),
            Tab::Downloads => self.visible_live().len(),
            Tab::Audit => self.visible_audit().len(),
            Tab::Advisories => self.visible_advisories().len(),
            Tab::Publishers => self.visible_publishers().len(),
            Tab::PublishLog => self.visible_publish_log().len(),
        }
    }

    pub fn selected_customer(&self) -> Option<&CustomerSummary> {
        self.visible_customers()
            .get(self.selected(Tab::Customers))
            .copied()
    }

    pub fn selected_project(&self) -> Option<&Project> {
        self.visible_projects()
            .get(self.selected(Tab::Projects))
            .copied()
    }

    pub fn selected_token(&self) -> Option<&TokenSummary> {
        self.visible_tokens()
            .get(self.selected(Tab::Tokens))
            .copied()
    }

    /// Tokens not revoked that expire within 30 days of now, expired ones included, soonest
    /// first: the credentials to renew before a customer's CI breaks.
    pub fn expiring_tokens(&self) -> Vec<&TokenSummary> {
        let horizon = self.now + 30 * 86_400;
        let mut tokens: Vec<&TokenSummary> = self
            .data
            .tokens
            .iter()
            .filter(|t| t.revoked_at.is_none() && t.expires_at.is_some_and(|at| at <= horizon))
            .collect();
        tokens.sort_by_key(|t| (t.expires_at, &t.public_key));
        tokens
    }

    pub fn selected_licence(&self) -> Option<&LicenceSummary> {
        self.visible_licences()
            .get(self.selected(Tab::Licences))
            .copied()
    }

    pub fn selected_package(&self) -> Option<&PackageSummary> {
        self.visible_packages()
            .get(self.selected(Tab::Packages))
            .copied()
    }

    /// The loaded versions of the package under the cursor, newest first.
    pub fn selected_versions(&self) -> &[VersionDetail] {
        let detail = self
            .selected_package()
            .and_then(|p| self.data.package_details.get(&p.name));
        detail.map_or(&[], |d| d.versions.as_slice())
    }

    /// The version under the versions pane's cursor.
    pub fn selected_version(&self) -> Option<&VersionDetail> {
        self.selected_versions().get(self.version_row)
    }
}

pub fn set_status(model: &mut Model, text: String, is_error: bool) {
    model.status = Some(Status { text, is_error });
}
