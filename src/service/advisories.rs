//! Security advisories as the vendor manages them: added against a published package, listed,
//! shown, edited and withdrawn. Each change is one transaction that also rebuilds the serving
//! snapshot, so the p2 files and the api-url answer carry it at once (see `catalog`).

mod coverage;
mod edit;

pub use super::summaries::AdvisorySummary;
pub use coverage::{Coverage, coverage};
pub use edit::{AdvisoryChanges, edit, withdraw};

use super::changes::ChangeEvent;
use super::{App, Result, ServiceError, invalid};
use crate::domain::advisory::{
    Advisory, Severity, advisory_id, parse_advisory_id, parse_cve, parse_link,
};
use crate::domain::audit::AuditRecord;
use crate::domain::licence::VersionBound;
use crate::domain::names::PackageName;
use crate::domain::records::{Release, Yank};
use crate::domain::text::check_field;
use crate::domain::time;
use crate::store::Writer;
use serde::{Deserialize, Serialize};

/// What `advisory add` is given, as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewAdvisory {
    pub package: String,
    pub affected: String,
    pub title: String,
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(default)]
    pub cve: Option<String>,
    #[serde(default)]
    pub link: Option<String>,
    /// When the issue was reported [default: now].
    #[serde(default)]
    pub reported_at: Option<String>,
    /// Accept a constraint that matches no published version (yet).
    #[serde(default)]
    pub force: bool,
    /// Yank every covered version in the same step.
    #[serde(default)]
    pub yank: bool,
}

impl NewAdvisory {
    /// The advisory as it will be stored, every value checked; its id is given on commit.
    fn checked(&self, now: i64) -> Result<Advisory> {
        let optional = |value: &Option<String>, parse: fn(&str) -> Result<String>| {
            value.as_deref().map(parse).transpose()
        };
        Ok(Advisory {
            id: String::new(),
            package: PackageName::parse(&self.package).map_err(invalid)?,
            affected: parse_affected(&self.affected)?,
            title: parse_title(&self.title)?,
            severity: (self.severity.as_deref().map(Severity::parse))
                .transpose()
                .map_err(invalid)?,
            cve: optional(&self.cve, |cve| parse_cve(cve).map_err(invalid))?,
            link: optional(&self.link, |link| parse_link(link).map_err(invalid))?,
            reported_at: match &self.reported_at {
                Some(date) => parse_reported_at(date)?,
                None => now,
            },
            created_at: now,
            updated_at: now,
            withdrawn_at: None,
        })
    }
}

/// Longest title accepted: Composer prints it on one line per advisory.
const MAX_TITLE: usize = 300;

pub fn add(app: &App, new: NewAdvisory) -> Result<AdvisorySummary> {
    let now = time::now();
    let mut advisory = new.checked(now)?;
    let (summary, yanks) = app.change(|w| {
        let releases = releases_of(w, &advisory.package)?;
        let coverage = checked_coverage(&advisory, &releases, new.force)?;
        advisory.id = next_id(w, now)?;
        w.put_advisory(&advisory)?;
        w.audit(AuditRecord::new(
            "advisory.add",
            &advisory.id,
            describe(&advisory),
        ));
        let yanks = match new.yank {
            true => yank_covered(w, &advisory, releases)?,
            false => Vec::new(),
        };
        let summary = AdvisorySummary {
            advisory: advisory.clone(),
            covered_versions: coverage.covered,
            fixed_in: coverage.fixed_in,
            yanked: yanks.iter().map(|r| r.version.clone()).collect(),
        };
        Ok((summary, yanks))
    })?;
    app.changes.announce(ChangeEvent::AdvisoryAdded {
        advisory: summary.clone(),
    });
    for release in yanks {
        let outcome = super::summaries::RecallOutcome::from(release);
        app.changes.announce(ChangeEvent::VersionYanked { outcome });
    }
    Ok(summary)
}

/// Every advisory, oldest first; withdrawn ones only with `all`.
pub fn list(app: &App, package: Option<&str>, all: bool) -> Result<Vec<AdvisorySummary>> {
    let package = package
        .map(PackageName::parse)
        .transpose()
        .map_err(invalid)?;
    let advisories = app.store().read(|r| r.advisories())?;
    Ok(advisories
        .into_iter()
        .filter(|a| all || !a.is_withdrawn())
        .filter(|a| package.as_ref().is_none_or(|p| *p == a.package))
        .map(|a| summarize(app, a))
        .collect())
}

pub fn show(app: &App, id: &str) -> Result<AdvisorySummary> {
    let id = checked_id(id)?;
    let advisory = app
        .store()
        .read(|r| r.advisory(&id))?
        .ok_or_else(|| no_such(&id))?;
    Ok(summarize(app, advisory))
}

/// The advisory with its coverage among the versions being served now.
pub(crate) fn summarize(app: &App, advisory: Advisory) -> AdvisorySummary {
    let catalog = app.catalog();
    let releases = catalog.packages.get(&advisory.package);
    let coverage = coverage(
        &advisory.affected,
        releases.into_iter().flatten().map(|r| &**r),
    );
    AdvisorySummary {
        advisory,
        covered_versions: coverage.covered,
        fixed_in: coverage.fixed_in,
        yanked: Vec::new(),
    }
}

/// The package's releases; an unknown package is refused, since nothing could be affected.
fn releases_of(w: &Writer, package: &PackageName) -> Result<Vec<Release>> {
    let releases: Vec<Release> = w
        .releases()?
        .into_iter()
        .filter(|r| r.name == *package)
        .collect();
    if releases.is_empty() {
        return Err(ServiceError::NotFound(format!(
            "no package {package} (see `packagento package list`)"
        )));
    }
    Ok(releases)
}

/// A constraint that covers nothing published is most likely a typo; `force` accepts it, for an
/// advisory written before the versions it names are published here.
fn checked_coverage(advisory: &Advisory, releases: &[Release], force: bool) -> Result<Coverage> {
    let coverage = coverage(&advisory.affected, releases);
    if coverage.covered.is_empty() && !force {
        return Err(ServiceError::Invalid(format!(
            "{} matches no published version of {} (published: {}); check the constraint, or give --force to record it anyway",
            advisory.affected.as_str(),
            advisory.package,
            some_versions(releases)
        )));
    }
    Ok(coverage)
}

/// The newest few versions, for a message that must stay one readable line.
fn some_versions(releases: &[Release]) -> String {
    const SHOWN: usize = 8;
    let mut versions: Vec<(crate::domain::version::NormalizedVersion, &str)> = releases
        .iter()
        .filter_map(|r| {
            let normalized = crate::domain::version::normalize(&r.version_normalized).ok()?;
            Some((normalized, r.version.as_str()))
        })
        .collect();
    versions.sort_by(|a, b| crate::domain::version::compare(&b.0, &a.0));
    let newest: Vec<&str> = versions.iter().take(SHOWN).map(|(_, v)| *v).collect();
    match versions.len() > SHOWN {
        true => format!("{}, … ({} in all)", newest.join(", "), versions.len()),
        false => newest.join(", "),
    }
}

/// Ids count up within each UTC year; withdrawn advisories keep theirs, so none is reused.
fn next_id(w: &Writer, now: i64) -> Result<String> {
    let year: i32 = time::utc_day(now)
        .get(..4)
        .and_then(|year| year.parse().ok())
        .ok_or_else(|| ServiceError::Io(format!("no calendar year for the instant {now}")))?;
    let prefix = format!("PKGA-{year}-");
    let highest = w
        .advisories()?
        .iter()
        .filter_map(|a| a.id.strip_prefix(&prefix)?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    Ok(advisory_id(year, highest + 1))
}

/// Yanks the covered versions not yanked yet, each audited like `package yank`.
fn yank_covered(w: &Writer, advisory: &Advisory, releases: Vec<Release>) -> Result<Vec<Release>> {
    let reason = format!("{}: {}", advisory.id, advisory.title);
    let mut yanked = Vec::new();
    for mut release in releases {
        let covered = crate::domain::version::normalize(&release.version_normalized)
            .is_ok_and(|v| advisory.affects(&v));
        if !covered || release.yanked.is_some() {
            continue;
        }
        release.yanked = Some(Yank {
            at: time::now(),
            reason: Some(reason.clone()),
        });
        w.put_release(&release)?;
        w.audit(super::recall::yank_record(&release));
        yanked.push(release);
    }
    Ok(yanked)
}

pub(crate) fn parse_affected(input: &str) -> Result<VersionBound> {
    if input.trim().is_empty() {
        return Err(invalid(
            "give the affected versions as a Composer constraint, e.g. '>=1.0,<1.2.3'",
        ));
    }
    VersionBound::parse(input).map_err(invalid)
}

pub(crate) fn parse_title(input: &str) -> Result<String> {
    let title = input.trim();
    check_field("title", title).map_err(ServiceError::Invalid)?;
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        return Err(invalid(format!(
            "give a title of 1 to {MAX_TITLE} characters"
        )));
    }
    Ok(title.to_string())
}

pub(crate) fn parse_reported_at(input: &str) -> Result<i64> {
    time::parse_release_time(input).map_err(|_| {
        invalid(format!(
            "invalid report date {input:?}: use YYYY-MM-DD, YYYY-MM-DD HH:MM:SS (UTC) or RFC 3339"
        ))
    })
}

pub(crate) fn checked_id(input: &str) -> Result<String> {
    parse_advisory_id(input).ok_or_else(|| {
        invalid(format!(
            "invalid advisory id {:?}: ids look like PKGA-2026-0001",
            crate::domain::text::printable(input)
        ))
    })
}

pub(crate) fn no_such(id: &str) -> ServiceError {
    ServiceError::NotFound(format!(
        "no advisory {id} (see `packagento advisory list --all`)"
    ))
}

/// One line for the audit log: what is affected and how it is described.
fn describe(advisory: &Advisory) -> String {
    let mut text = format!(
        "{} {}: {}",
        advisory.package,
        advisory.affected.as_str(),
        advisory.title
    );
    let extras: Vec<&str> = [
        advisory.severity.map(Severity::as_str),
        advisory.cve.as_deref(),
        advisory.link.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !extras.is_empty() {
        text.push_str(&format!(" ({})", extras.join(", ")));
    }
    text
}

#[cfg(test)]
mod tests;
