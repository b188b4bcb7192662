//! Advisories through the service: ids, refusals that leave nothing behind, audit entries, the
//! yanks of `--yank`, and what the serving snapshot carries.

use super::*;
use crate::domain::advisory::advisory_id;
use crate::service::Settings;
use crate::service::publish::{Origin, PublishRequest, publish};
use std::io::Write;
use std::sync::Arc;

struct Vendor {
    _dir: tempfile::TempDir,
    app: Arc<App>,
}

impl Vendor {
    /// acme/core 1.0.0, 1.1.0 and 1.2.0 published.
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(Settings::for_tests(dir.path().join("data"))).unwrap();
        let vendor = Vendor { _dir: dir, app };
        for version in ["1.0.0", "1.1.0", "1.2.0"] {
            vendor.publish("acme/core", version);
        }
        vendor
    }

    fn publish(&self, name: &str, version: &str) {
        let path = self
            ._dir
            .path()
            .join(format!("{}-{version}.zip", name.replace('/', "-")));
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        zip.start_file("composer.json", zip::write::SimpleFileOptions::default())
            .unwrap();
        let manifest = serde_json::json!({"name": name, "version": version, "type": "library"});
        zip.write_all(manifest.to_string().as_bytes()).unwrap();
        zip.finish().unwrap();
        let request = PublishRequest {
            path: path.clone(),
            ..Default::default()
        };
        publish(&self.app, &request, &Origin::Cli { file: path }).unwrap();
    }

    fn audit(&self) -> Vec<(String, String, String)> {
        let entries = self.app.store().audit_newest_first(100).unwrap();
        entries
            .map(|e| e.unwrap())
            .filter(|e| e.action.starts_with("advisory") || e.action.starts_with("package.yank"))
            .map(|e| (e.action, e.target, e.summary))
            .collect()
    }
}

fn new(affected: &str) -> NewAdvisory {
    NewAdvisory {
        package: "acme/core".into(),
        affected: affected.into(),
        title: "Remote code execution in the importer".into(),
        ..Default::default()
    }
}

fn this_year() -> i32 {
    time::utc_day(time::now())[..4].parse().unwrap()
}

#[test]
fn an_advisory_covers_the_published_versions_it_matches_and_names_the_fix() {
    let vendor = Vendor::new();
    let added = add(&vendor.app, new("<1.1.0")).unwrap();
    assert_eq!(added.advisory.id, advisory_id(this_year(), 1));
    assert_eq!(added.covered_versions, ["1.0.0"]);
    assert_eq!(added.fixed_in.as_deref(), Some("1.1.0"));
    assert_eq!(
        show(&vendor.app, &added.advisory.id.to_lowercase()).unwrap(),
        added
    );
    let audit = vendor.audit();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].0, "advisory.add");
    assert!(audit[0].2.contains("acme/core <1.1.0"), "{audit:?}");
}

#[test]
fn ids_count_up_within_the_year_and_a_withdrawn_one_keeps_its_id() {
    let vendor = Vendor::new();
    let mut old = add(&vendor.app, new("<1.1")).unwrap().advisory;
    // An advisory from an earlier year does not take a number in this one.
    old.id = advisory_id(this_year() - 1, 7);
    vendor.app.change(|w| Ok(w.put_advisory(&old)?)).unwrap();
    let second = add(&vendor.app, new("<1.2")).unwrap().advisory.id;
    withdraw(&vendor.app, &second).unwrap();
    let third = add(&vendor.app, new("<1.2")).unwrap().advisory.id;
    assert_eq!(second, advisory_id(this_year(), 2));
    assert_eq!(third, advisory_id(this_year(), 3));
    let open: Vec<String> = list(&vendor.app, None, false)
        .unwrap()
        .into_iter()
        .map(|s| s.advisory.id)
        .collect();
    assert!(!open.contains(&second), "{open:?}");
    assert_eq!(list(&vendor.app, None, true).unwrap().len(), 4);
}

#[test]
fn refusals_store_nothing_and_audit_nothing() {
    let vendor = Vendor::new();
    let refused = [
        NewAdvisory {
            package: "acme/x".into(),
            ..new("<1.1")
        },
        new(">=2.0"),
        new("not a constraint"),
        NewAdvisory {
            cve: Some("CVE-26-1".into()),
            ..new("<1.1")
        },
        NewAdvisory {
            link: Some("javascript:alert(1)".into()),
            ..new("<1.1")
        },
        NewAdvisory {
            title: "  ".into(),
            ..new("<1.1")
        },
    ];
    for advisory in refused {
        assert!(add(&vendor.app, advisory.clone()).is_err(), "{advisory:?}");
    }
    let unknown = add(
        &vendor.app,
        NewAdvisory {
            package: "acme/x".into(),
            ..new("<1.1")
        },
    );
    assert!(
        matches!(&unknown, Err(ServiceError::NotFound(m)) if m.contains("no package acme/x")),
        "{unknown:?}"
    );
    let unmatched = add(&vendor.app, new(">=2.0")).unwrap_err().to_string();
    assert!(unmatched.contains("--force"), "{unmatched}");
    assert!(
        vendor
            .app
            .store()
            .read(|r| r.advisories())
            .unwrap()
            .is_empty()
    );
    assert!(vendor.audit().is_empty());
    let forced = NewAdvisory {
        force: true,
        ..new(">=2.0")
    };
    assert_eq!(
        add(&vendor.app, forced).unwrap().covered_versions,
        Vec::<String>::new()
    );
}

#[test]
fn an_edit_records_each_changed_field_before_and_after() {
    let vendor = Vendor::new();
    let id = add(&vendor.app, new("<1.1")).unwrap().advisory.id;
    let changes = AdvisoryChanges {
        affected: Some("<1.2".into()),
        cve: Some("CVE-2026-12345".into()),
        title: Some("Remote code execution in the importer".into()),
        ..Default::default()
    };
    let edited = edit(&vendor.app, &id, changes).unwrap();
    assert_eq!(edited.covered_versions, ["1.0.0", "1.1.0"]);
    assert_eq!(edited.fixed_in.as_deref(), Some("1.2.0"));
    let (action, target, summary) = vendor.audit().remove(0);
    assert_eq!(
        (action.as_str(), target.as_str()),
        ("advisory.edit", id.as_str())
    );
    assert_eq!(summary, "affected: <1.1 → <1.2; cve: none → CVE-2026-12345");

    let removal = AdvisoryChanges {
        no_cve: true,
        ..Default::default()
    };
    assert_eq!(edit(&vendor.app, &id, removal).unwrap().advisory.cve, None);
    let nothing = edit(&vendor.app, &id, AdvisoryChanges::default());
    assert!(
        matches!(nothing, Err(ServiceError::Invalid(_))),
        "{nothing:?}"
    );
    let unmatched = AdvisoryChanges {
        affected: Some(">=9".into()),
        ..Default::default()
    };
    assert!(edit(&vendor.app, &id, unmatched).is_err());
}

#[test]
fn a_withdrawn_advisory_cannot_be_edited_or_withdrawn_again_and_unknown_ids_are_named() {
    let vendor = Vendor::new();
    let id = add(&vendor.app, new("<1.1")).unwrap().advisory.id;
    let withdrawn = withdraw(&vendor.app, &id).unwrap();
    assert!(withdrawn.advisory.is_withdrawn());
    assert!(matches!(
        withdraw(&vendor.app, &id),
        Err(ServiceError::Conflict(_))
    ));
    let title = AdvisoryChanges {
        title: Some("x".into()),
        ..Default::default()
    };
    assert!(matches!(
        edit(&vendor.app, &id, title),
        Err(ServiceError::Conflict(_))
    ));
    let unknown = show(&vendor.app, "PKGA-2020-0099").unwrap_err().to_string();
    assert!(unknown.contains("no advisory PKGA-2020-0099"), "{unknown}");
    assert!(matches!(
        show(&vendor.app, "../x"),
        Err(ServiceError::Invalid(_))
    ));
    let actions: Vec<String> = vendor.audit().into_iter().map(|a| a.0).collect();
    assert_eq!(actions, ["advisory.withdraw", "advisory.add"]);
}

#[test]
fn yank_hides_every_covered_version_in_the_same_step_each_audited() {
    let vendor = Vendor::new();
    let added = add(
        &vendor.app,
        NewAdvisory {
            yank: true,
            ..new("<1.2")
        },
    )
    .unwrap();
    assert_eq!(added.yanked, ["1.0.0", "1.1.0"]);
    let catalog = vendor.app.catalog();
    let core = PackageName::parse("acme/core").unwrap();
    let yanked: Vec<&str> = catalog.packages[&core]
        .iter()
        .filter(|r| r.yanked.is_some())
        .map(|r| r.version.as_str())
        .collect();
    assert_eq!(yanked, ["1.1.0", "1.0.0"]);
    let reason = catalog.packages[&core][1]
        .yanked
        .clone()
        .unwrap()
        .reason
        .unwrap();
    assert!(reason.starts_with(&added.advisory.id), "{reason}");
    let actions: Vec<String> = vendor.audit().into_iter().map(|a| a.0).collect();
    assert_eq!(actions, ["package.yank", "package.yank", "advisory.add"]);
}

#[test]
fn the_serving_snapshot_carries_an_advisory_from_its_commit_until_it_is_withdrawn() {
    let vendor = Vendor::new();
    let core = PackageName::parse("acme/core").unwrap();
    let added = add(&vendor.app, new("<1.1")).unwrap();
    let catalog = vendor.app.catalog();
    let served = catalog.advisories.of(&core).unwrap();
    assert_eq!(served.entries[0]["advisoryId"], added.advisory.id.as_str());
    assert_eq!(served.entries[0]["affectedVersions"], "<1.1");
    withdraw(&vendor.app, &added.advisory.id).unwrap();
    assert!(vendor.app.catalog().advisories.of(&core).is_none());
}

#[test]
fn the_change_feed_event_reads_back_from_its_json_form() {
    let vendor = Vendor::new();
    let added = add(&vendor.app, new("<1.1")).unwrap();
    let event = ChangeEvent::AdvisoryAdded { advisory: added };
    let json = serde_json::to_string(&event).unwrap();
    assert!(json.contains(r#""kind":"advisory_added""#), "{json}");
    assert!(json.contains(r#""covered_versions":["1.0.0"]"#), "{json}");
    assert_eq!(serde_json::from_str::<ChangeEvent>(&json).unwrap(), event);
}
