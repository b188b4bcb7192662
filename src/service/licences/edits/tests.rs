//! Renewals, edits and moves, and above all that a refused one changes nothing.

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
    // The audit entry is announced as the change commits, before the change's own event.
    let audited = feed.try_recv().unwrap();
    assert!(
        matches!(&audited.event, ChangeEvent::Audited { entries } if entries[0].action == "licence.extend")
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
    assert!(feed.try_recv().is_ok(), "the second extension is recorded");
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
