//! Changes to projects, licences, releases and advisories redo only what they reach: each is
//! checked for what it kept and against a full rebuild of the same stored state.

use super::tests::{Vendor, assert_same, vendor};
use super::*;
use crate::service::advisories::{self, NewAdvisory};
use crate::service::licences::{self, LicenceTerms};
use crate::service::projects::create_project;

fn slug(text: &str) -> ProjectSlug {
    ProjectSlug::parse(text).unwrap()
}

fn shelf_of(catalog: &Catalog, project: &str) -> Arc<shelves::Shelf> {
    let view = catalog.views[&slug(project)];
    Arc::clone(catalog.shelving.get(view.shelf).unwrap())
}

fn licence_on(vendor: &Vendor, packages: &[&str], projects: &[&str]) -> String {
    let terms = LicenceTerms {
        holder: Some("Holder".into()),
        packages: packages.iter().map(|p| p.to_string()).collect(),
        ..Default::default()
    };
    let licence = licences::create(&vendor.app, terms).unwrap();
    for project in projects {
        licences::set_activation(&vendor.app, &licence.id, project, true).unwrap();
    }
    licence.id
}

fn last_modified(catalog: &Catalog, project: &str, package: &str) -> i64 {
    let view = catalog.view(&slug(project)).unwrap();
    view.package(package)
        .unwrap()
        .tagged()
        .unwrap()
        .last_modified
}

#[test]
fn projects_with_the_same_grants_read_one_shelf() {
    let vendor = vendor();
    create_project(&vendor.app, "twin", None).unwrap();
    let catalog = vendor.app.catalog();
    let licence = catalog.access.grants(&slug("shop"));
    assert!(licence.covers(&PackageName::parse("acme/core").unwrap()));
    licence_on(&vendor, &["acme/core"], &["twin"]);
    let catalog = vendor.app.catalog();
    assert!(Arc::ptr_eq(
        &shelf_of(&catalog, "shop"),
        &shelf_of(&catalog, "twin")
    ));
    assert!(!Arc::ptr_eq(
        &shelf_of(&catalog, "shop"),
        &shelf_of(&catalog, "lab")
    ));
    assert_same(&catalog, &vendor.full_rebuild());
}

#[test]
fn a_licence_change_regrants_only_the_projects_it_names() {
    let vendor = vendor();
    for project in ["p1", "p2", "p3"] {
        create_project(&vendor.app, project, None).unwrap();
    }
    let before = vendor.app.catalog();
    licence_on(&vendor, &["acme/extra"], &["p2"]);
    let after = vendor.app.catalog();
    for untouched in ["shop", "lab", "p1", "p3"] {
        assert_eq!(
            before.views[&slug(untouched)],
            after.views[&slug(untouched)]
        );
        assert!(Arc::ptr_eq(
            &shelf_of(&before, untouched),
            &shelf_of(&after, untouched)
        ));
    }
    let p2 = after.view(&slug("p2")).unwrap();
    assert!(p2.sees("acme/extra") && !p2.sees("acme/core"));
    assert!(Arc::ptr_eq(&before.packages, &after.packages));
    assert_same(&after, &vendor.full_rebuild());
}

#[test]
fn a_publish_restocks_only_the_shelves_that_can_see_the_package() {
    let vendor = vendor();
    let before = vendor.app.catalog();
    vendor.publish("acme/extra", "2.1.0");
    let after = vendor.app.catalog();
    assert!(Arc::ptr_eq(&before.views, &after.views), "no project moved");
    // shop is licensed acme/core only; lab has no licence.
    for untouched in ["shop", "lab"] {
        assert!(Arc::ptr_eq(
            &shelf_of(&before, untouched),
            &shelf_of(&after, untouched)
        ));
    }
    assert_same(&after, &vendor.full_rebuild());

    let before = after;
    let core_before = Arc::clone(&shelf_of(&before, "shop").packages["acme/core"]);
    vendor.publish("acme/core", "1.1.0");
    let after = vendor.app.catalog();
    let shop = shelf_of(&after, "shop");
    assert!(!Arc::ptr_eq(&shelf_of(&before, "shop"), &shop));
    assert!(!Arc::ptr_eq(&core_before, &shop.packages["acme/core"]));
    assert!(
        last_modified(&after, "shop", "acme/core") > last_modified(&before, "shop", "acme/core")
    );
    assert_same(&after, &vendor.full_rebuild());
}

#[test]
fn a_newly_published_package_a_visible_release_requires_becomes_visible() {
    let vendor = vendor();
    vendor.publish_requiring(
        "acme/core",
        "1.2.0",
        serde_json::json!({"acme/lib": "^1.0"}),
    );
    let before = vendor.app.catalog();
    assert!(!before.view(&slug("shop")).unwrap().sees("acme/lib"));
    vendor.publish("acme/lib", "1.0.0");
    let after = vendor.app.catalog();
    assert!(after.view(&slug("shop")).unwrap().sees("acme/lib"));
    assert!(!after.view(&slug("lab")).unwrap().sees("acme/lib"));
    assert_same(&after, &vendor.full_rebuild());
}

#[test]
fn an_advisory_restocks_the_package_it_names_and_keeps_the_others() {
    let vendor = vendor();
    licence_on(&vendor, &["acme/*"], &["lab"]);
    let before = vendor.app.catalog();
    let terms = NewAdvisory {
        package: "acme/core".into(),
        affected: ">=1.0,<2.0".into(),
        title: "Session fixation".into(),
        severity: None,
        cve: None,
        link: None,
        reported_at: None,
        force: false,
        yank: false,
    };
    advisories::add(&vendor.app, terms).unwrap();
    let after = vendor.app.catalog();
    let (old, new) = (shelf_of(&before, "lab"), shelf_of(&after, "lab"));
    assert!(Arc::ptr_eq(
        &old.packages["acme/extra"],
        &new.packages["acme/extra"]
    ));
    assert!(!Arc::ptr_eq(
        &old.packages["acme/core"],
        &new.packages["acme/core"]
    ));
    assert_same(&after, &vendor.full_rebuild());
}

#[test]
fn moving_to_other_grants_moves_every_last_modified_forward_even_to_older_content() {
    let vendor = vendor();
    create_project(&vendor.app, "late", None).unwrap();
    let licence = licence_on(&vendor, &["acme/core"], &["late"]);
    let before = vendor.app.catalog();
    let seen = last_modified(&before, "late", "acme/core");
    let root_seen = before.view(&slug("late")).unwrap().root().last_modified;
    licences::set_activation(&vendor.app, &licence, "late", false).unwrap();
    licences::set_activation(&vendor.app, &licence, "late", true).unwrap();
    let after = vendor.app.catalog();
    assert!(last_modified(&after, "late", "acme/core") > seen);
    assert!(after.view(&slug("late")).unwrap().root().last_modified > root_seen);
    // shop never moved: its files keep their stamps.
    assert_eq!(
        last_modified(&before, "shop", "acme/core"),
        last_modified(&after, "shop", "acme/core")
    );
    assert_same(&after, &vendor.full_rebuild());
}

#[test]
fn stamps_and_views_survive_a_restart_unchanged() {
    let vendor = vendor();
    vendor.publish("acme/core", "1.1.0");
    let before = super::tests::view_digest(&vendor.app.catalog());
    let data = vendor.app.settings().data_dir.clone();
    let Vendor { dir, app } = vendor;
    drop(app);
    let reopened = crate::service::App::open(crate::service::Settings::for_tests(data)).unwrap();
    assert_eq!(super::tests::view_digest(&reopened.catalog()), before);
    drop(dir);
}

#[test]
fn a_deleted_project_leaves_its_shelf_and_the_last_reader_drops_it() {
    let vendor = vendor();
    create_project(&vendor.app, "solo", None).unwrap();
    licence_on(&vendor, &["acme/extra"], &["solo"]);
    let with_solo = vendor.app.catalog();
    let shelves = with_solo.shelving.by_id.len();
    crate::service::projects::delete_project(&vendor.app, "solo", false).unwrap();
    let after = vendor.app.catalog();
    assert_eq!(after.shelving.by_id.len(), shelves - 1);
    assert!(after.view(&slug("solo")).is_none());
    assert_same(&after, &vendor.full_rebuild());
}
