//! What a licence change says in the audit log: the fields that changed, before → after.

use crate::domain::audit::AuditRecord;
use crate::domain::licence::Licence;
use crate::domain::time;

/// The entry for a new licence: whom it is for and what it grants.
pub(super) fn created(licence: &Licence) -> AuditRecord {
    AuditRecord::new(
        "licence.create",
        licence.id.as_str(),
        format!(
            "created for customer {}: {}, seats {}, {}",
            licence.customer,
            patterns(licence),
            seats(licence.seats),
            match licence.access_until {
                Some(end) => format!("access until {}", time::to_rfc3339(end)),
                None => "perpetual".to_string(),
            }
        ),
    )
}

/// The entry for an edit of `before` into `after`, naming only what differs.
pub(super) fn changed(action: &str, before: &Licence, after: &Licence) -> AuditRecord {
    let mut parts = Vec::new();
    let mut note = |what: &str, old: String, new: String| {
        if old != new {
            parts.push(format!("{what} {old} → {new}"));
        }
    };
    note("packages", patterns(before), patterns(after));
    note(
        "access until",
        until(before.access_until),
        until(after.access_until),
    );
    note("versions", versions(before), versions(after));
    note("seats", seats(before.seats), seats(after.seats));
    note(
        "dependencies",
        shown(before.dependencies),
        shown(after.dependencies),
    );
    note("note", quoted(&before.note), quoted(&after.note));
    note("active on", projects(before), projects(after));
    if before.revoked_at.is_none() && after.revoked_at.is_some() {
        parts.push("revoked".to_string());
    }
    AuditRecord::new(action, after.id.as_str(), parts.join("; "))
}

fn patterns(licence: &Licence) -> String {
    let names: Vec<&str> = licence.patterns.iter().map(|p| p.as_str()).collect();
    names.join(", ")
}

fn until(access_until: Option<i64>) -> String {
    access_until.map_or_else(|| "perpetual".to_string(), time::to_rfc3339)
}

fn versions(licence: &Licence) -> String {
    licence
        .versions
        .as_ref()
        .map_or_else(|| "any".to_string(), |v| v.as_str().to_string())
}

fn seats(seats: Option<u32>) -> String {
    seats.map_or_else(|| "unlimited".to_string(), |n| n.to_string())
}

fn shown(dependencies: bool) -> String {
    if dependencies { "shown" } else { "hidden" }.to_string()
}

fn quoted(note: &Option<String>) -> String {
    note.as_ref()
        .map_or_else(|| "none".to_string(), |n| format!("{n:?}"))
}

fn projects(licence: &Licence) -> String {
    if licence.projects.is_empty() {
        return "none".to_string();
    }
    let slugs: Vec<&str> = licence.projects.iter().map(|p| p.as_str()).collect();
    slugs.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::licence::PackagePattern;
    use crate::domain::names::{CustomerSlug, ProjectSlug};

    fn licence() -> Licence {
        Licence {
            id: "lic_1".into(),
            customer: CustomerSlug::parse("acme").unwrap(),
            holder: "Acme".into(),
            patterns: vec![PackagePattern::parse("acme/*").unwrap()],
            access_until: Some(1_750_000_000),
            revoked_at: None,
            created_at: 0,
            projects: Default::default(),
            versions: None,
            seats: Some(2),
            dependencies: true,
            note: None,
        }
    }

    #[test]
    fn a_change_names_only_the_fields_that_differ_before_and_after() {
        let before = licence();
        let mut after = licence();
        after.seats = None;
        after.projects.insert(ProjectSlug::parse("shop").unwrap());
        let record = changed("licence.edit", &before, &after);
        assert_eq!(record.target, "lic_1");
        assert_eq!(record.summary, "seats 2 → unlimited; active on none → shop");
    }

    #[test]
    fn a_revocation_and_an_extension_read_as_such() {
        let before = licence();
        let mut after = licence();
        after.revoked_at = Some(1);
        assert_eq!(
            changed("licence.revoke", &before, &after).summary,
            "revoked"
        );
        let mut longer = licence();
        longer.access_until = Some(1_781_536_000);
        assert_eq!(
            changed("licence.extend", &before, &longer).summary,
            "access until 2025-06-15T15:06:40+00:00 → 2026-06-15T15:06:40+00:00"
        );
    }
}
