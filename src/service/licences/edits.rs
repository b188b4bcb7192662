//! Changing a licence after the sale: renewing its window, editing its terms, moving one of its
//! activations. Each runs in one write transaction, so on any error nothing changes.

use super::{activate, change_licence, check_seats, checked_note, parse_patterns};
use crate::domain::licence::{Licence, PackagePattern, VersionBound};
use crate::domain::names::ProjectSlug;
use crate::domain::time::{self, Period};
use crate::service::changes::ChangeEvent;
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
    change_licence(app, id, |_, licence| {
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
    change_licence(app, id, |_, licence| {
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
    let summary = change_licence(app, id, |w, licence| {
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
    if let Some(project) = joined.into_inner() {
        app.changes
            .announce(ChangeEvent::ProjectJoinedCustomer { project });
    }
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
mod tests {
    use crate::domain::licence::Licence;
    use crate::service::changes::ChangeEvent;
    use crate::service::licences::{
        LicenceTerms, TermsEdit, create, edit, extend, move_activation, revoke, set_activation,
    };
    use crate::service::{App, ServiceError, Settings, projects};
    use std::sync::Arc;

    fn app(dir: &tempfile::TempDir) -> Arc<App> {
        App::open(Settings::for_tests(dir.path().to_path_buf())).unwrap()
    }

    fn licence(app: &App, holder: &str, until: Option<&str>, seats: Option<u32>) -> String {
        let terms = LicenceTerms {
            holder: Some(holder.into()),
            packages: vec!["acme/*".into(), "tools/cli".into()],
            access_until: until.map(str::to_string),
            seats,
            ..Default::default()
        };
        create(app, terms).unwrap().id
    }

    fn stored(app: &App, id: &str) -> Licence {
        app.store().read(|r| r.licence(id)).unwrap().unwrap()
    }

    fn until(app: &App, id: &str) -> Option<String> {
        stored(app, id)
            .access_until
            .map(crate::domain::time::to_rfc3339)
    }

    #[test]
    fn extending_by_a_period_continues_the_current_window_even_one_already_closed() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        let id = licence(&app, "Acme", Some("2025-03-31"), None);
        let mut feed = app.changes.subscribe().unwrap();
        let renewed = extend(&app, &id, None, Some("12m")).unwrap();
        assert_eq!(
            renewed.access_until.as_deref(),
            Some("2026-03-31T23:59:59+00:00")
        );
        let announced = feed.try_recv().unwrap();
        assert!(
            matches!(&announced.event, ChangeEvent::LicenceChanged { licence } if licence == &renewed)
        );
        extend(&app, &id, Some("2026-06-30"), None).unwrap();
        assert_eq!(
            until(&app, &id).as_deref(),
            Some("2026-06-30T23:59:59+00:00")
        );
        let same = extend(&app, &id, Some("2026-06-30"), None).unwrap();
        assert_eq!(
            same.access_until.as_deref(),
            Some("2026-06-30T23:59:59+00:00")
        );
        assert!(feed.try_recv().is_ok(), "the second extension is announced");
        assert!(
            feed.try_recv().is_err(),
            "an extension to the same end is not"
        );
    }

    #[test]
    fn an_extension_that_shortens_or_is_unclear_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        let id = licence(&app, "Acme", Some("2025-03-31"), None);
        let before = stored(&app, &id);
        let earlier = extend(&app, &id, Some("2025-01-01"), None).unwrap_err();
        assert!(
            matches!(&earlier, ServiceError::Conflict(m) if m.contains("only moves the end later")),
            "{earlier}"
        );
        for (date, by) in [(Some("2026-01-01"), Some("1y")), (None, None)] {
            let unclear = extend(&app, &id, date, by).unwrap_err();
            assert!(matches!(unclear, ServiceError::Invalid(_)), "{unclear}");
        }
        let nonsense = extend(&app, &id, None, Some("12x")).unwrap_err();
        assert!(
            nonsense.to_string().contains("30d, 2w, 12m or 1y"),
            "{nonsense}"
        );
        let unknown = extend(&app, "lic_nope", None, Some("1y")).unwrap_err();
        assert!(matches!(unknown, ServiceError::NotFound(_)), "{unknown}");
        assert_eq!(stored(&app, &id), before);
    }

    #[test]
    fn perpetual_and_revoked_licences_are_not_extended() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        let perpetual = licence(&app, "Acme", None, None);
        for (date, by) in [(None, Some("12m")), (Some("2030-01-01"), None)] {
            let refused = extend(&app, &perpetual, date, by).unwrap_err();
            assert!(refused.to_string().contains("is perpetual"), "{refused}");
        }
        assert_eq!(stored(&app, &perpetual).access_until, None);
        let revoked = licence(&app, "Acme", Some("2025-03-31"), None);
        revoke(&app, &revoked).unwrap();
        let refused = extend(&app, &revoked, None, Some("1y")).unwrap_err();
        assert!(refused.to_string().contains("is revoked"), "{refused}");
        assert_eq!(
            until(&app, &revoked).as_deref(),
            Some("2025-03-31T23:59:59+00:00")
        );
    }

    #[test]
    fn an_edit_changes_every_term_it_names_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        let id = licence(&app, "Acme", Some("2025-03-31"), Some(3));
        let edited = edit(
            &app,
            &id,
            TermsEdit {
                add_packages: vec!["acme/pro".into(), "tools/*".into()],
                remove_packages: vec!["tools/cli".into()],
                versions: Some("^2.0 || ^3.0".into()),
                seats: Some(5),
                dependencies: Some(false),
                note: Some(" order 42 ".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(edited.packages, ["acme/*", "acme/pro", "tools/*"]);
        assert_eq!(edited.versions.as_deref(), Some("^2.0 || ^3.0"));
        assert_eq!(edited.seats, Some(5));
        assert!(!edited.dependencies);
        assert_eq!(edited.note.as_deref(), Some("order 42"));
        assert_eq!(
            edited.access_until.as_deref(),
            Some("2025-03-31T23:59:59+00:00")
        );
        let undone = TermsEdit {
            any_version: true,
            unlimited_seats: true,
            dependencies: Some(true),
            note: Some(String::new()),
            ..Default::default()
        };
        let undone = edit(&app, &id, undone).unwrap();
        assert_eq!((undone.versions, undone.seats), (None, None));
        assert!(undone.dependencies);
        assert_eq!(undone.note, None);
    }

    #[test]
    fn an_edit_with_one_bad_part_changes_nothing_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        for slug in ["shop", "staging"] {
            projects::create_project(&app, slug, None).unwrap();
        }
        let id = licence(&app, "Acme", None, None);
        set_activation(&app, &id, "shop", true).unwrap();
        set_activation(&app, &id, "staging", true).unwrap();
        let before = stored(&app, &id);
        let mut feed = app.changes.subscribe().unwrap();
        let refusal = |terms: TermsEdit| edit(&app, &id, terms).unwrap_err().to_string();

        let too_few_seats = refusal(TermsEdit {
            add_packages: vec!["acme/new".into()],
            seats: Some(1),
            ..Default::default()
        });
        assert!(
            too_few_seats.contains("active on 2 projects (shop, staging)"),
            "{too_few_seats}"
        );
        let last_package = refusal(TermsEdit {
            remove_packages: vec!["acme/*".into(), "tools/cli".into()],
            note: Some("gone".into()),
            ..Default::default()
        });
        assert!(last_package.contains("no packages"), "{last_package}");
        let absent = refusal(TermsEdit {
            remove_packages: vec!["other/x".into()],
            ..Default::default()
        });
        assert!(
            absent.contains("its packages are acme/*, tools/cli"),
            "{absent}"
        );
        let constraint = refusal(TermsEdit {
            versions: Some("^^2".into()),
            seats: Some(9),
            ..Default::default()
        });
        assert!(
            constraint.contains("invalid version constraint \"^^2\""),
            "{constraint}"
        );
        let both = refusal(TermsEdit {
            seats: Some(4),
            unlimited_seats: true,
            ..Default::default()
        });
        assert!(both.contains("not both"), "{both}");
        let nothing = refusal(TermsEdit::default());
        assert!(nothing.contains("nothing to change"), "{nothing}");
        assert!(
            refusal(TermsEdit {
                seats: Some(0),
                ..Default::default()
            })
            .contains("one seat")
        );

        assert_eq!(stored(&app, &id), before);
        assert!(feed.try_recv().is_err(), "a refused edit is not announced");
        revoke(&app, &id).unwrap();
        let revoked = refusal(TermsEdit {
            note: Some("late".into()),
            ..Default::default()
        });
        assert!(revoked.contains("is revoked"), "{revoked}");
    }

    #[test]
    fn moving_an_activation_keeps_the_seat_count_and_changes_nothing_when_refused() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        for slug in ["old", "new", "spare"] {
            projects::create_project(&app, slug, None).unwrap();
        }
        let id = licence(&app, "Acme", None, Some(1));
        set_activation(&app, &id, "old", true).unwrap();
        let full = set_activation(&app, &id, "new", true).unwrap_err();
        assert!(full.to_string().contains("all taken"), "{full}");
        let moved = move_activation(&app, &id, "old", "new").unwrap();
        assert_eq!(moved.projects, ["new"]);

        let other = licence(&app, "Other Ltd", None, None);
        set_activation(&app, &other, "spare", true).unwrap();
        let before = stored(&app, &id);
        let foreign = move_activation(&app, &id, "new", "spare").unwrap_err();
        assert!(
            foreign.to_string().contains("own customer's projects"),
            "{foreign}"
        );
        let not_there = move_activation(&app, &id, "old", "spare").unwrap_err();
        assert!(
            matches!(&not_there, ServiceError::NotFound(m) if m.contains("not active on project old (it is active on new)")),
            "{not_there}"
        );
        set_activation(&app, &other, "spare", false).unwrap();
        let unknown = move_activation(&app, &id, "new", "nowhere").unwrap_err();
        assert!(matches!(unknown, ServiceError::NotFound(_)), "{unknown}");
        let same = move_activation(&app, &id, "new", "new").unwrap_err();
        assert!(matches!(same, ServiceError::Invalid(_)), "{same}");
        assert_eq!(stored(&app, &id), before);
    }

    #[test]
    fn moving_onto_a_project_where_the_licence_is_already_active_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        for slug in ["a", "b"] {
            projects::create_project(&app, slug, None).unwrap();
        }
        let id = licence(&app, "Acme", None, None);
        set_activation(&app, &id, "a", true).unwrap();
        set_activation(&app, &id, "b", true).unwrap();
        let refused = move_activation(&app, &id, "a", "b").unwrap_err();
        assert!(
            matches!(&refused, ServiceError::Conflict(m) if m.contains("already active on project b")),
            "{refused}"
        );
        assert_eq!(stored(&app, &id).projects.len(), 2);
    }

    #[test]
    fn an_edit_travels_over_the_admin_socket_with_its_terms_beside_the_id() {
        use crate::service::admin::{AdminRequest, LicenceEdit};
        let json = r#"{"op":"licence_edit","id":"lic_1","seats":3,"add_packages":["acme/x"]}"#;
        let request: AdminRequest = serde_json::from_str(json).unwrap();
        let AdminRequest::LicenceEdit(LicenceEdit { id, terms }) = request else {
            panic!("decoded as another request");
        };
        assert_eq!(id, "lic_1");
        assert_eq!(terms.seats, Some(3));
        assert_eq!(terms.add_packages, ["acme/x"]);
        assert_eq!(terms.dependencies, None);
    }
}
