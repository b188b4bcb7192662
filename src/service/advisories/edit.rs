//! Changing an advisory after it was added, and withdrawing it. A withdrawn advisory keeps its id
//! and stays listed with `--all`, but is served no more; it cannot be edited.

use super::{
    AdvisorySummary, checked_coverage, checked_id, no_such, parse_affected, parse_reported_at,
    parse_title, releases_of, summarize,
};
use crate::domain::advisory::{Advisory, Severity, parse_cve, parse_link};
use crate::domain::audit::AuditRecord;
use crate::domain::time;
use crate::service::changes::ChangeEvent;
use crate::service::{App, Result, ServiceError, invalid};
use serde::{Deserialize, Serialize};

/// What `advisory edit` changes; what is left out stays. `no_*` removes an optional field.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AdvisoryChanges {
    #[serde(default)]
    pub affected: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(default)]
    pub no_severity: bool,
    #[serde(default)]
    pub cve: Option<String>,
    #[serde(default)]
    pub no_cve: bool,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub no_link: bool,
    #[serde(default)]
    pub reported_at: Option<String>,
    /// Accept a new constraint that matches no published version.
    #[serde(default)]
    pub force: bool,
}

impl AdvisoryChanges {
    /// The advisory with the edit applied; every value checked before anything is stored.
    fn apply(&self, mut advisory: Advisory) -> Result<Advisory> {
        if let Some(affected) = &self.affected {
            advisory.affected = parse_affected(affected)?;
        }
        if let Some(title) = &self.title {
            advisory.title = parse_title(title)?;
        }
        advisory.severity = optional(&self.severity, self.no_severity, advisory.severity, |s| {
            Severity::parse(s).map_err(invalid)
        })?;
        advisory.cve = optional(&self.cve, self.no_cve, advisory.cve, |s| {
            parse_cve(s).map_err(invalid)
        })?;
        advisory.link = optional(&self.link, self.no_link, advisory.link, |s| {
            parse_link(s).map_err(invalid)
        })?;
        if let Some(reported_at) = &self.reported_at {
            advisory.reported_at = parse_reported_at(reported_at)?;
        }
        Ok(advisory)
    }

    fn is_empty(&self) -> bool {
        self.affected.is_none()
            && self.title.is_none()
            && self.severity.is_none()
            && self.cve.is_none()
            && self.link.is_none()
            && self.reported_at.is_none()
            && !(self.no_severity || self.no_cve || self.no_link)
    }
}

fn optional<T>(
    given: &Option<String>,
    remove: bool,
    current: Option<T>,
    parse: impl Fn(&str) -> Result<T>,
) -> Result<Option<T>> {
    match (given, remove) {
        (Some(_), true) => Err(invalid("give a new value or remove it, not both")),
        (Some(value), false) => parse(value).map(Some),
        (None, true) => Ok(None),
        (None, false) => Ok(current),
    }
}

pub fn edit(app: &App, id: &str, edit: AdvisoryChanges) -> Result<AdvisorySummary> {
    let id = checked_id(id)?;
    if edit.is_empty() {
        return Err(invalid(
            "nothing to change: give --affected, --title, --severity, --cve, --link or --reported-at (or a --no-… flag)",
        ));
    }
    let (advisory, changed) = app.change(|w| {
        let before = w.advisory(&id)?.ok_or_else(|| no_such(&id))?;
        refuse_withdrawn(&before, "edited")?;
        let mut after = edit.apply(before.clone())?;
        if after.affected != before.affected {
            checked_coverage(&after, &releases_of(w, &after.package)?, edit.force)?;
        }
        let changes = differences(&before, &after);
        if changes.is_empty() {
            return Ok((before, false));
        }
        after.updated_at = time::now();
        w.put_advisory(&after)?;
        w.audit(AuditRecord::new("advisory.edit", &id, changes.join("; ")));
        Ok((after, true))
    })?;
    let summary = summarize(app, advisory);
    if changed {
        app.changes.announce(ChangeEvent::AdvisoryChanged {
            advisory: summary.clone(),
        });
    }
    Ok(summary)
}

pub fn withdraw(app: &App, id: &str) -> Result<AdvisorySummary> {
    let id = checked_id(id)?;
    let advisory = app.change(|w| {
        let mut advisory = w.advisory(&id)?.ok_or_else(|| no_such(&id))?;
        refuse_withdrawn(&advisory, "withdrawn again")?;
        let now = time::now();
        advisory.withdrawn_at = Some(now);
        advisory.updated_at = now;
        w.put_advisory(&advisory)?;
        w.audit(AuditRecord::new(
            "advisory.withdraw",
            &id,
            format!("{}: open → withdrawn", advisory.package),
        ));
        Ok(advisory)
    })?;
    let summary = summarize(app, advisory);
    app.changes.announce(ChangeEvent::AdvisoryChanged {
        advisory: summary.clone(),
    });
    Ok(summary)
}

fn refuse_withdrawn(advisory: &Advisory, what: &str) -> Result<()> {
    match advisory.withdrawn_at {
        Some(at) => Err(ServiceError::Conflict(format!(
            "advisory {} was withdrawn on {} and cannot be {what}",
            advisory.id,
            time::to_rfc3339(at)
        ))),
        None => Ok(()),
    }
}

/// `field: before → after` for each field that changed, for the audit log.
fn differences(before: &Advisory, after: &Advisory) -> Vec<String> {
    let text = |value: Option<&str>| value.unwrap_or("none").to_string();
    let fields = [
        (
            "affected",
            before.affected.as_str().to_string(),
            after.affected.as_str().to_string(),
        ),
        ("title", before.title.clone(), after.title.clone()),
        (
            "severity",
            text(before.severity.map(Severity::as_str)),
            text(after.severity.map(Severity::as_str)),
        ),
        (
            "cve",
            text(before.cve.as_deref()),
            text(after.cve.as_deref()),
        ),
        (
            "link",
            text(before.link.as_deref()),
            text(after.link.as_deref()),
        ),
        (
            "reported",
            time::to_composer_datetime(before.reported_at),
            time::to_composer_datetime(after.reported_at),
        ),
    ];
    fields
        .into_iter()
        .filter(|(_, before, after)| before != after)
        .map(|(field, before, after)| format!("{field}: {before} → {after}"))
        .collect()
}
