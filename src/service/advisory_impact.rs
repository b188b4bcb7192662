//! Who is affected by an advisory: every customer, project and token whose recorded downloads
//! (dist transfers and install reports) include a version it covers, and whether a later event
//! from the same token shows the fix. `advisory impact` and the Advisories screen ask here.
//!
//! Events under a token's former keys count for the token; events of a token or project deleted
//! since are still listed, by the key and slug the events carry.

mod scan;
#[cfg(test)]
mod tests;

use super::{App, Result, ServiceError};
use crate::domain::advisory::{Advisory, Severity, parse_advisory_id};
use crate::domain::names::{CustomerSlug, ProjectSlug};
use crate::domain::records::{Customer, DownloadKind, Project, Token};
use scan::{Hit, Holder};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// `advisory impact ID`: the advisory and everyone who downloaded a version it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisoryImpact {
    pub advisory: Advisory,
    /// Withdrawn advisories are no longer served, but who downloaded what stays answerable.
    pub withdrawn: bool,
    /// Customers by slug; projects without a customer last, under `slug: null`.
    pub customers: Vec<AffectedCustomer>,
    pub totals: ImpactTotals,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpactTotals {
    /// Customers with an affected project (projects without a customer are not counted here).
    pub customers: usize,
    pub projects: usize,
    /// Projects with at least one token not shown to have moved to a fixed version.
    pub unresolved_projects: usize,
    pub tokens: usize,
    pub resolved_tokens: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedCustomer {
    /// `None`: the projects below belong to no customer (or are deleted and nobody knows whose).
    pub slug: Option<String>,
    pub name: Option<String>,
    /// A project still names this customer but the customer record is gone.
    pub deleted: bool,
    pub projects: Vec<AffectedProject>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedProject {
    pub slug: String,
    pub name: Option<String>,
    /// Deleted since the downloads: listed by the slug its events carry.
    pub deleted: bool,
    pub tokens: Vec<AffectedToken>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedToken {
    /// The token's current key, or the key the events carry when the token is gone.
    pub public_key: String,
    pub label: Option<String>,
    pub deleted: bool,
    pub revoked: bool,
    /// Every affected version its events show, lowest first.
    pub versions: Vec<String>,
    /// The affected version of the latest affected event, and when and how it was seen.
    pub last_version: String,
    pub last_seen_micros: i64,
    pub last_seen_kind: DownloadKind,
    /// A later event from this token shows a newer version the advisory does not cover.
    pub resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_at_micros: Option<i64>,
}

/// One advisory and its totals, for lists and the Dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisoryCounts {
    pub id: String,
    pub package: String,
    pub affected: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    pub title: String,
    pub withdrawn: bool,
    pub totals: ImpactTotals,
}

impl AdvisoryCounts {
    /// Still served, and some affected project has not been seen on a fixed version.
    pub fn is_open(&self) -> bool {
        !self.withdrawn && self.totals.unresolved_projects > 0
    }
}

/// The advisory `id` and everyone its affected versions reached.
pub fn impact(app: &App, id: &str) -> Result<AdvisoryImpact> {
    let unknown = || {
        ServiceError::NotFound(format!(
            "no advisory {id:?}: ids look like PKGA-2026-0001 (see packagento advisory list)"
        ))
    };
    let id = parse_advisory_id(id).ok_or_else(unknown)?;
    let (advisory, directory) = app.store().read(|r| {
        let advisory = r.advisory(&id)?;
        Ok((advisory, Directory::read(r)?))
    })?;
    let advisory = advisory.ok_or_else(unknown)?;
    let advisories = [advisory];
    let mut findings = scan::scan(app, &directory.tokens, &advisories)?;
    let [advisory] = advisories;
    let hits = findings.pop().unwrap_or_default();
    let customers = directory.group(hits);
    Ok(AdvisoryImpact {
        withdrawn: advisory.is_withdrawn(),
        advisory,
        totals: totals(&customers),
        customers,
    })
}

/// Every advisory, newest first, with its totals: one walk over the events for them all.
pub fn overview(app: &App) -> Result<Vec<AdvisoryCounts>> {
    let (mut advisories, directory) = app
        .store()
        .read(|r| Ok((r.advisories()?, Directory::read(r)?)))?;
    advisories.sort_by(|a, b| b.id.cmp(&a.id));
    let findings = scan::scan(app, &directory.tokens, &advisories)?;
    let counts = advisories
        .into_iter()
        .zip(findings)
        .map(|(advisory, hits)| AdvisoryCounts {
            totals: totals(&directory.group(hits)),
            withdrawn: advisory.is_withdrawn(),
            id: advisory.id,
            package: advisory.package.to_string(),
            affected: advisory.affected.as_str().to_string(),
            severity: advisory.severity,
            title: advisory.title,
        })
        .collect();
    Ok(counts)
}

fn totals(customers: &[AffectedCustomer]) -> ImpactTotals {
    let projects = customers.iter().flat_map(|c| &c.projects);
    let tokens = || projects.clone().flat_map(|p| &p.tokens);
    ImpactTotals {
        customers: customers.iter().filter(|c| c.slug.is_some()).count(),
        projects: projects.clone().count(),
        unresolved_projects: projects
            .clone()
            .filter(|p| p.tokens.iter().any(|t| !t.resolved))
            .count(),
        tokens: tokens().count(),
        resolved_tokens: tokens().filter(|t| t.resolved).count(),
    }
}

/// Tokens, projects and customers as stored when the question was asked.
struct Directory {
    tokens: Vec<Token>,
    projects: HashMap<ProjectSlug, Project>,
    customers: HashMap<CustomerSlug, Customer>,
}

/// Customers by slug, no customer last; then projects by slug.
type Grouped = BTreeMap<(bool, Option<String>), BTreeMap<String, AffectedProject>>;

impl Directory {
    fn read(r: &crate::store::Reader) -> crate::store::Result<Self> {
        let projects = r.projects()?.into_iter().map(|p| (p.slug.clone(), p));
        let customers = r.customers()?.into_iter().map(|c| (c.slug.clone(), c));
        Ok(Self {
            tokens: r.tokens()?,
            projects: projects.collect(),
            customers: customers.collect(),
        })
    }

    fn group(&self, hits: Vec<(Holder, Hit)>) -> Vec<AffectedCustomer> {
        let mut grouped = Grouped::new();
        for (holder, hit) in hits {
            let Some((token, project_slug)) = self.token_entry(&holder, &hit) else {
                continue;
            };
            let project = self.projects.get(&project_slug);
            let customer = project
                .and_then(|p| p.customer.as_ref())
                .map(|c| c.to_string());
            let projects = grouped.entry((customer.is_none(), customer)).or_default();
            projects
                .entry(project_slug.to_string())
                .or_insert_with(|| AffectedProject {
                    slug: project_slug.to_string(),
                    name: project.map(|p| p.name.clone()),
                    deleted: project.is_none(),
                    tokens: Vec::new(),
                })
                .tokens
                .push(token);
        }
        grouped
            .into_iter()
            .map(|((_, slug), projects)| self.customer_entry(slug, projects))
            .collect()
    }

    fn customer_entry(
        &self,
        slug: Option<String>,
        projects: BTreeMap<String, AffectedProject>,
    ) -> AffectedCustomer {
        let record = slug
            .as_deref()
            .and_then(|s| CustomerSlug::parse(s).ok())
            .and_then(|s| self.customers.get(&s));
        let mut projects: Vec<AffectedProject> = projects.into_values().collect();
        for project in &mut projects {
            project
                .tokens
                .sort_by(|a, b| a.public_key.cmp(&b.public_key));
        }
        AffectedCustomer {
            deleted: slug.is_some() && record.is_none(),
            name: record.map(|c| c.name.clone()),
            slug,
            projects,
        }
    }

    fn token_entry(&self, holder: &Holder, hit: &Hit) -> Option<(AffectedToken, ProjectSlug)> {
        let stored = match holder {
            Holder::Token(index) => self.tokens.get(*index),
            Holder::Gone { .. } => None,
        };
        let (public_key, label, revoked, project) = match (stored, holder) {
            (Some(t), _) => (
                t.public_key.to_string(),
                Some(t.label.clone()),
                t.revoked_at.is_some(),
                t.project.clone(),
            ),
            (None, Holder::Gone { key, project }) => {
                (key.to_string(), None, false, project.clone())
            }
            // The index comes from the same token list: never met.
            (None, Holder::Token(_)) => return None,
        };
        let token = AffectedToken {
            public_key,
            label,
            deleted: matches!(holder, Holder::Gone { .. }),
            revoked,
            versions: hit.versions_in_order(),
            last_version: hit.last.pretty.clone(),
            last_seen_micros: hit.last.at_micros,
            last_seen_kind: hit.last.kind,
            resolved: hit.fix.is_some(),
            fixed_version: hit.fix.as_ref().map(|f| f.pretty.clone()),
            fixed_at_micros: hit.fix.as_ref().map(|f| f.at_micros),
        };
        Some((token, project))
    }
}
