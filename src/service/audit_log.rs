//! Reading the audit log: newest first, filtered by when, what and which action, a page at a
//! time as the caller walks it.

use super::{App, Result, ServiceError};
use crate::domain::audit::AuditEntry;
use crate::domain::time;
use serde::{Deserialize, Serialize};

/// Which entries to show. Every part left out admits everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Entries committed at or after this: `YYYY-MM-DD` (the start of that day, UTC) or RFC 3339.
    #[serde(default)]
    pub since: Option<String>,
    /// The target exactly, or its beginning: `acme/core` matches `acme/core 1.2.0`.
    #[serde(default)]
    pub target: Option<String>,
    /// The action exactly, or the group before its dot: `licence` matches `licence.revoke`.
    #[serde(default)]
    pub action: Option<String>,
}

/// An `AuditFilter` with its date read, ready to test entries against.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    since_micros: Option<i64>,
    target: Option<String>,
    action: Option<String>,
}

impl AuditFilter {
    pub fn matcher(&self) -> Result<Matcher> {
        let since_micros = match &self.since {
            Some(since) => Some(
                time::parse_release_time(since)
                    .map_err(|_| {
                        ServiceError::Invalid(format!(
                            "invalid date {since:?} for --since: use YYYY-MM-DD or RFC 3339 (2026-06-30T12:00:00Z)"
                        ))
                    })?
                    .saturating_mul(1_000_000),
            ),
            None => None,
        };
        let given = |text: &Option<String>| text.clone().filter(|t| !t.is_empty());
        Ok(Matcher {
            since_micros,
            target: given(&self.target),
            action: given(&self.action),
        })
    }
}

impl Matcher {
    pub fn admits(&self, entry: &AuditEntry) -> bool {
        self.is_recent(entry)
            && self
                .target
                .as_ref()
                .is_none_or(|target| entry.target.starts_with(target.as_str()))
            && self.action.as_ref().is_none_or(|action| {
                entry.action == *action
                    || entry
                        .action
                        .strip_prefix(action.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            })
    }

    fn is_recent(&self, entry: &AuditEntry) -> bool {
        self.since_micros
            .is_none_or(|since| entry.at_micros >= since)
    }
}

/// The newest `limit` entries the filter admits, newest first. The walk stops at the first entry
/// older than `since`, so a recent window costs what it shows.
pub fn newest_first<'a>(
    app: &'a App,
    filter: &AuditFilter,
    limit: usize,
) -> Result<impl Iterator<Item = Result<AuditEntry>> + 'a> {
    let matcher = filter.matcher()?;
    let recent = matcher.clone();
    let walk = app.store().audit_newest_first(usize::MAX)?;
    Ok(walk
        .map(|entry| Ok(entry?))
        .take_while(move |entry| entry.as_ref().map_or(true, |e| recent.is_recent(e)))
        .filter(move |entry| entry.as_ref().map_or(true, |e| matcher.admits(e)))
        .take(limit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::{Actor, AuditRecord};
    use crate::service::Settings;

    fn entry(at_micros: i64, action: &str, target: &str) -> AuditEntry {
        AuditEntry::new(
            at_micros,
            Actor::Server,
            AuditRecord::new(action, target, ""),
        )
    }

    fn filter(target: Option<&str>, action: Option<&str>) -> Matcher {
        AuditFilter {
            since: None,
            target: target.map(String::from),
            action: action.map(String::from),
        }
        .matcher()
        .unwrap()
    }

    #[test]
    fn a_target_matches_exactly_or_as_the_beginning_of_one() {
        let release = entry(1, "package.publish", "acme/core 1.2.0");
        assert!(filter(Some("acme/core"), None).admits(&release));
        assert!(filter(Some("acme/core 1.2.0"), None).admits(&release));
        assert!(!filter(Some("acme/core 1.3"), None).admits(&release));
        assert!(!filter(Some("other"), None).admits(&release));
    }

    #[test]
    fn an_action_matches_exactly_or_by_its_group() {
        let revoke = entry(1, "licence.revoke", "lic_1");
        assert!(filter(None, Some("licence")).admits(&revoke));
        assert!(filter(None, Some("licence.revoke")).admits(&revoke));
        assert!(!filter(None, Some("licence.re")).admits(&revoke));
        assert!(!filter(None, Some("licence.create")).admits(&revoke));
    }

    #[test]
    fn a_bad_date_is_refused_by_name() {
        let error = AuditFilter {
            since: Some("yesterday".into()),
            ..Default::default()
        }
        .matcher()
        .unwrap_err();
        assert!(error.to_string().contains("--since"), "{error}");
    }

    #[test]
    fn the_walk_stops_at_since_and_keeps_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(Settings::for_tests(dir.path().into())).unwrap();
        let day = 86_400_000_000;
        app.store()
            .write(|w| {
                w.append_audit(&entry(1_000 * day, "project.create", "old"))?;
                for n in 0..5 {
                    w.append_audit(&entry(
                        2_000 * day + n,
                        "project.create",
                        &format!("new{n}"),
                    ))?;
                }
                Ok::<_, crate::store::StoreError>(())
            })
            .unwrap();
        let since = time::to_rfc3339(1_500 * 86_400);
        let wanted = AuditFilter {
            since: Some(since),
            ..Default::default()
        };
        let targets = |limit| -> Vec<String> {
            newest_first(&app, &wanted, limit)
                .unwrap()
                .map(|e| e.unwrap().target)
                .collect()
        };
        assert_eq!(targets(100), ["new4", "new3", "new2", "new1", "new0"]);
        assert_eq!(targets(2), ["new4", "new3"]);
    }

    #[test]
    fn a_refused_change_records_nothing_and_a_licence_for_a_new_holder_records_both() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(Settings::for_tests(dir.path().into())).unwrap();
        crate::service::customers::create(&app, "acme", None, None).unwrap();
        assert!(crate::service::customers::create(&app, "acme", None, None).is_err());
        let terms = crate::service::licences::LicenceTerms {
            holder: Some("Beta Ltd".into()),
            packages: vec!["acme/*".into()],
            ..Default::default()
        };
        let licence = crate::service::licences::create(&app, terms).unwrap();
        let actions: Vec<(String, String)> = newest_first(&app, &AuditFilter::default(), 10)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.action, e.target)
            })
            .collect();
        let expected = [
            ("licence.create", licence.id.as_str()),
            ("customer.create", "beta-ltd"),
            ("customer.create", "acme"),
        ];
        assert_eq!(
            actions,
            expected.map(|(a, t)| (a.to_string(), t.to_string()))
        );
    }
}
