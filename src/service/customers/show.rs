//! `customer show`: one customer with everything that hangs off it, and what it downloaded in
//! the last 30 days.

use super::missing;
use crate::domain::licence::Licence;
use crate::domain::names::{CustomerSlug, ProjectSlug};
use crate::domain::records::{Customer, DownloadEvent, Project};
use crate::service::stats::{self, KindCounts};
use crate::service::summaries::{LicenceSummary, TokenSummary};
use crate::service::{App, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDetail {
    pub customer: Customer,
    pub projects: Vec<Project>,
    /// The customer's licences, oldest first.
    pub licences: Vec<CustomerLicence>,
    /// Tokens of the customer's projects, revoked ones included, each with any shared-token
    /// alert of the last 7 days; never a secret.
    pub tokens: Vec<TokenSummary>,
    pub downloads: CustomerDownloads,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerLicence {
    #[serde(flatten)]
    pub licence: LicenceSummary,
    pub state: LicenceState,
}

/// Where a licence stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceState {
    /// Grants what it covers, new releases included.
    Active,
    /// A subscription whose access window has closed: releases from before it stay installable.
    Expired,
    /// Grants nothing.
    Revoked,
}

impl LicenceState {
    fn of(licence: &Licence, now_secs: i64) -> Self {
        match (licence.is_active(), licence.access_until) {
            (false, _) => LicenceState::Revoked,
            (true, Some(until)) if until < now_secs => LicenceState::Expired,
            (true, _) => LicenceState::Active,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LicenceState::Active => "active",
            LicenceState::Expired => "expired",
            LicenceState::Revoked => "revoked",
        }
    }
}

/// Downloads by the customer's projects over the 30 days ending today (UTC), as `downloads`
/// statistics count them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDownloads {
    /// Unix microseconds: the start of the window.
    pub since_micros: i64,
    pub total: KindCounts,
    /// Busiest first.
    pub packages: Vec<PackageDownloads>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageDownloads {
    pub package: String,
    pub downloads: KindCounts,
}

pub(super) fn detail(app: &App, slug: &CustomerSlug, now_micros: i64) -> Result<CustomerDetail> {
    app.analytics.flush(app.store())?;
    let since = stats::last_30_days_start(now_micros);
    let mut counter = Counter::default();
    let (customer, projects, tokens, licences) = app.store().read(|r| {
        let Some(customer) = r.customer(slug)? else {
            return Ok((None, vec![], vec![], vec![]));
        };
        let projects: Vec<Project> = r
            .projects()?
            .into_iter()
            .filter(|p| p.customer.as_ref() == Some(slug))
            .collect();
        counter.projects = projects.iter().map(|p| p.slug.clone()).collect();
        // Events are read one by one, so a busy month costs time, not memory.
        r.each_download_since(since, |event| counter.add(&event))?;
        Ok((Some(customer), projects, r.tokens()?, r.licences()?))
    })?;
    let customer = customer.ok_or_else(|| missing(slug))?;
    let mut licences: Vec<Licence> = licences
        .into_iter()
        .filter(|l| &l.customer == slug)
        .collect();
    licences.sort_by_key(|l| l.created_at);
    let now_secs = now_micros.div_euclid(1_000_000);
    let mut tokens: Vec<TokenSummary> = tokens
        .into_iter()
        .filter(|t| counter.projects.contains(&t.project))
        .map(TokenSummary::from)
        .collect();
    crate::service::usage_report::flag_recent(app, &mut tokens, now_secs)?;
    Ok(CustomerDetail {
        customer,
        licences: licences
            .into_iter()
            .map(|licence| CustomerLicence {
                state: LicenceState::of(&licence, now_secs),
                licence: LicenceSummary::from(licence),
            })
            .collect(),
        tokens,
        projects,
        downloads: counter.finish(since),
    })
}

/// Counts the events of a set of projects, per package.
#[derive(Default)]
struct Counter {
    projects: BTreeSet<ProjectSlug>,
    total: KindCounts,
    packages: BTreeMap<String, KindCounts>,
}

impl Counter {
    fn add(&mut self, event: &DownloadEvent) {
        if !self.projects.contains(&event.project) {
            return;
        }
        stats::count(&mut self.total, event.kind);
        match self.packages.get_mut(&event.package) {
            Some(counts) => stats::count(counts, event.kind),
            None => {
                let mut counts = KindCounts::default();
                stats::count(&mut counts, event.kind);
                self.packages.insert(event.package.clone(), counts);
            }
        }
    }

    fn finish(self, since_micros: i64) -> CustomerDownloads {
        let mut packages: Vec<PackageDownloads> = self
            .packages
            .into_iter()
            .map(|(package, downloads)| PackageDownloads { package, downloads })
            .collect();
        packages.sort_by_key(|p| std::cmp::Reverse(p.downloads.dist + p.downloads.notify));
        CustomerDownloads {
            since_micros,
            total: self.total,
            packages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::names::PublicKey;
    use crate::domain::records::DownloadKind;
    use crate::service::{Settings, customers, licences, projects};

    const DAY: i64 = 24 * 60 * 60 * 1_000_000;

    fn event(at_micros: i64, kind: DownloadKind, package: &str, project: &str) -> DownloadEvent {
        DownloadEvent {
            at_micros,
            kind,
            package: package.into(),
            version: "1.0.0".into(),
            project: ProjectSlug::parse(project).unwrap(),
            public_key: PublicKey::parse(&"a".repeat(32)).unwrap(),
            ip: "10.0.0.1".into(),
            user_agent: "Composer/2.8".into(),
        }
    }

    fn licence(app: &App, access_until: Option<&str>) -> LicenceSummary {
        let terms = licences::LicenceTerms {
            customer: Some("acme".into()),
            packages: vec!["acme/*".into()],
            access_until: access_until.map(str::to_string),
            ..Default::default()
        };
        licences::create(app, terms).unwrap()
    }

    #[test]
    fn show_counts_the_last_30_days_of_its_own_projects_and_says_where_each_licence_stands() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(Settings::for_tests(dir.path().to_path_buf())).unwrap();
        customers::create(&app, "acme", None, None).unwrap();
        projects::create_for_customer(&app, "acme-prod", None, Some("acme")).unwrap();
        projects::create_project(&app, "other", None).unwrap();
        let active = licence(&app, None);
        let expired = licence(&app, Some("2001-01-01"));
        let revoked = licence(&app, None);
        licences::revoke(&app, &revoked.id).unwrap();
        let now = crate::domain::time::now_micros();
        let events = [
            event(now - 40 * DAY, DownloadKind::Dist, "acme/a", "acme-prod"),
            event(now - 2 * DAY, DownloadKind::Dist, "acme/b", "acme-prod"),
            event(now, DownloadKind::Dist, "acme/a", "acme-prod"),
            event(now, DownloadKind::Notify, "acme/a", "acme-prod"),
            event(now, DownloadKind::Dist, "acme/a", "other"),
        ];
        app.store().write(|w| w.append_downloads(&events)).unwrap();

        let shown = customers::show(&app, "acme").unwrap();
        assert_eq!(shown.projects.len(), 1);
        let mut states: Vec<(&str, LicenceState)> = shown
            .licences
            .iter()
            .map(|l| (l.licence.id.as_str(), l.state))
            .collect();
        let mut expected = [
            (active.id.as_str(), LicenceState::Active),
            (expired.id.as_str(), LicenceState::Expired),
            (revoked.id.as_str(), LicenceState::Revoked),
        ];
        // Created within one second, so their order is not what is being tested.
        states.sort();
        expected.sort();
        assert_eq!(states, expected);
        assert_eq!(shown.downloads.total, KindCounts { dist: 2, notify: 1 });
        let packages: Vec<(&str, KindCounts)> = shown
            .downloads
            .packages
            .iter()
            .map(|p| (p.package.as_str(), p.downloads))
            .collect();
        assert_eq!(
            packages,
            [
                ("acme/a", KindCounts { dist: 1, notify: 1 }),
                ("acme/b", KindCounts { dist: 1, notify: 0 }),
            ]
        );
        assert!(customers::show(&app, "nobody").is_err());
    }
}
