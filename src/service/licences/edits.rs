//! Changing a licence after the sale: renewing its window, editing its terms, moving one of its
//! activations. Each runs in one write transaction, so on any error nothing changes.

use super::{activate, change_licence, check_seats, checked_note, parse_patterns};
use crate::domain::licence::{Licence, PackagePattern, VersionBound};
use crate::domain::names::ProjectSlug;
use crate::domain::time::{self, Period};
use crate::service::summaries::LicenceSummary;
use crate::service::{App, Result, ServiceError, invalid};
use serde::{Deserialize, Serialize};

/// Renews a subscription: its window ends at `access_until`, or `by` a period after its current
/// end (a renewal continues the old window, even one that already closed: visibility has no
/// start, so releases from the gap become visible either way, and the customer pays for the
/// period that follows the old term). Perpetual and revoked licences are refused.
pub fn extend(
    app: &App,
    id: &str,
    access_until: Option<&str>,
    by: Option<&str>,
) -> Result<LicenceSummary> {
    let extension = Extension::parse(access_until, by)?;
    change_licence(app, id, "licence.extend", |_, licence| {
        refuse_revoked(licence, "extended")?;
        let Some(current) = licence.access_until else {
            return Err(ServiceError::Conflict(format!(
                "licence {} is perpetual: it has no access window to extend, and giving it one would hide its future releases. To sell a subscription instead, create a new licence with --access-until and revoke this one",
                licence.id
            )));
        };
        let end = extension.end(current)?;
        if end < current {
            return Err(ServiceError::Conflict(format!(
                "licence {}'s window ends {}; {} is earlier, and extending only moves the end later",
                licence.id,
                time::to_rfc3339(current),
                time::to_rfc3339(end)
            )));
        }
        licence.access_until = Some(end);
        Ok(())
    })
}

enum Extension {
    Until(i64),
    By(Period),
}

impl Extension {
    fn parse(access_until: Option<&str>, by: Option<&str>) -> Result<Extension> {
        match (access_until, by) {
            (Some(date), None) => time::parse_access_until(date)
                .map(Extension::Until)
                .map_err(invalid),
            (None, Some(period)) => Period::parse(period).map(Extension::By).map_err(invalid),
            _ => Err(invalid(
                "give the new end of the window (--access-until DATE) or how much longer it runs (--by 12m), not both",
            )),
        }
    }

    fn end(&self, current: i64) -> Result<i64> {
        match self {
            Extension::Until(end) => Ok(*end),
            Extension::By(period) => period
                .after(current)
                .ok_or_else(|| invalid("that period ends beyond the calendar")),
        }
    }
}

/// Changes to a licence's terms; what is left out stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsEdit {
    #[serde(default)]
    pub add_packages: Vec<String>,
    #[serde(default)]
    pub remove_packages: Vec<String>,
    /// A Composer constraint releases must satisfy from now on.
    #[serde(default)]
    pub versions: Option<String>,
    /// Drops the constraint: every version.
    #[serde(default)]
    pub any_version: bool,
    #[serde(default)]
    pub seats: Option<u32>,
    #[serde(default)]
    pub unlimited_seats: bool,
    /// Whether the hosted packages its releases require become visible too.
    #[serde(default)]
    pub dependencies: Option<bool>,
    /// Replaces the note; an empty one removes it.
    #[serde(default)]
    pub note: Option<String>,
}

/// A `TermsEdit` checked before the transaction: `Some` is a change, the inner value its result.
struct Changes {
    add: Vec<PackagePattern>,
    remove: Vec<PackagePattern>,
    versions: Option<Option<VersionBound>>,
    seats: Option<Option<u32>>,
    dependencies: Option<bool>,
    note: Option<Option<String>>,
}

pub fn edit(app: &App, id: &str, terms: TermsEdit) -> Result<LicenceSummary> {
    let changes = Changes::parse(terms)?;
    change_licence(app, id, "licence.edit", |_, licence| {
        refuse_revoked(licence, "edited")?;
        changes.apply(licence)
    })
}

impl Changes {
    fn parse(terms: TermsEdit) -> Result<Changes> {
        let some_patterns = |names: &[String]| match names.is_empty() {
            true => Ok(Vec::new()),
            false => parse_patterns(names),
        };
        let versions = match (terms.versions, terms.any_version) {
            (Some(_), true) => return Err(invalid("give --versions or --any-version, not both")),
            (Some(text), false) => Some(Some(VersionBound::parse(&text).map_err(invalid)?)),
            (None, true) => Some(None),
            (None, false) => None,
        };
        let seats = match (terms.seats, terms.unlimited_seats) {
            (Some(_), true) => return Err(invalid("give --seats or --unlimited-seats, not both")),
            (Some(seats), false) => Some(Some(seats)),
            (None, true) => Some(None),
            (None, false) => None,
        };
        check_seats(seats.flatten())?;
        let note = terms
            .note
            .map(|note| checked_note(Some(note)))
            .transpose()?;
        let changes = Changes {
            add: some_patterns(&terms.add_packages)?,
            remove: some_patterns(&terms.remove_packages)?,
            versions,
            seats,
            dependencies: terms.dependencies,
            note,
        };
        if changes.is_empty() {
            return Err(invalid(
                "nothing to change: give --add-package, --remove-package, --versions, --any-version, --seats, --unlimited-seats, --dependencies, --no-dependencies or --note",
            ));
        }
        Ok(changes)
    }

    fn is_empty(&self) -> bool {
        self.add.is_empty()
            && self.remove.is_empty()
            && self.versions.is_none()
            && self.seats.is_none()
            && self.dependencies.is_none()
            && self.note.is_none()
    }

    fn apply(&self, licence: &mut Licence) -> Result<()> {
        for pattern in &self.remove {
            let Some(at) = licence.patterns.iter().position(|p| p == pattern) else {
                return Err(ServiceError::NotFound(format!(
                    "licence {} has no package {}: its packages are {}",
                    licence.id,
                    pattern.as_str(),
                    patterns_text(licence)
                )));
            };
            licence.patterns.remove(at);
        }
        for pattern in &self.add {
            if !licence.patterns.contains(pattern) {
                licence.patterns.push(pattern.clone());
            }
        }
        if licence.patterns.is_empty() {
            return Err(invalid(format!(
                "licence {} would be left with no packages: add one with --add-package, or revoke the licence",
                licence.id
            )));
        }
        if let Some(seats) = self.seats {
            check_room_for(licence, seats)?;
            licence.seats = seats;
        }
        if let Some(versions) = &self.versions {
            licence.versions = versions.clone();
        }
        if let Some(dependencies) = self.dependencies {
            licence.dependencies = dependencies;
        }
        if let Some(note) = &self.note {
            licence.note = note.clone();
        }
        Ok(())
    }
}

fn patterns_text(licence: &Licence) -> String {
    let names: Vec<&str> = licence.patterns.iter().map(|p| p.as_str()).collect();
    names.join(", ")
}

/// Fewer seats than activations would leave the licence over its limit: refused, naming where.
fn check_room_for(licence: &Licence, seats: Option<u32>) -> Result<()> {
    let Some(seats) = seats else {
        return Ok(());
    };
    let active = licence.projects.len();
    if active as u64 <= u64::from(seats) {
        return Ok(());
    }
    let projects: Vec<String> = licence.projects.iter().map(|p| p.to_string()).collect();
    Err(ServiceError::Conflict(format!(
        "licence {} is active on {active} projects ({}): deactivate it on {} of them before lowering its seats to {seats}",
        licence.id,
        projects.join(", "),
        active as u64 - u64::from(seats)
    )))
}

/// Moves one activation from project `from` to project `to` at once, so a licence whose seats
/// are all taken can change place; `to` must belong to the licence's customer (or to none yet).
pub fn move_activation(app: &App, id: &str, from: &str, to: &str) -> Result<LicenceSummary> {
    let from = ProjectSlug::parse(from).map_err(invalid)?;
    let to = ProjectSlug::parse(to).map_err(invalid)?;
    if from == to {
        return Err(invalid(format!(
            "--from and --to are both {from}: nothing to move"
        )));
    }
    let joined = std::cell::RefCell::new(None);
    let summary = change_licence(app, id, "licence.move", |w, licence| {
        refuse_revoked(licence, "moved")?;
        if licence.projects.contains(&to) {
            return Err(ServiceError::Conflict(format!(
                "licence {} is already active on project {to}",
                licence.id
            )));
        }
        if !licence.projects.remove(&from) {
            return Err(ServiceError::NotFound(format!(
                "licence {} is not active on project {from} (it is active on {})",
                licence.id,
                active_on(licence)
            )));
        }
        *joined.borrow_mut() = activate(w, licence, &to)?;
        Ok(())
    })?;
    super::announce_joined(app, joined.into_inner());
    Ok(summary)
}

fn active_on(licence: &Licence) -> String {
    match licence.projects.is_empty() {
        true => "no project".to_string(),
        false => {
            let projects: Vec<String> = licence.projects.iter().map(|p| p.to_string()).collect();
            projects.join(", ")
        }
    }
}

fn refuse_revoked(licence: &Licence, what: &str) -> Result<()> {
    match licence.is_active() {
        true => Ok(()),
        false => Err(ServiceError::Conflict(format!(
            "licence {} is revoked and cannot be {what}",
            licence.id
        ))),
    }
}

#[cfg(test)]
mod tests;
