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
