//! Batches of real zips: each archive decided on its own, all of them committed in one change.

use super::*;
use crate::domain::publish_log::PublishEvent;
use crate::service::Settings;
use crate::service::changes::ChangeEvent;
use crate::service::publish::publish;
use crate::service::publish::tests::archives;
use crate::store::StoreError;
use crate::store::disk_full::fill;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

fn zip(dir: &Path, file: &str, composer: serde_json::Value) -> PathBuf {
    let path = dir.join(file);
    let mut zip = zip::ZipWriter::new(File::create(&path).unwrap());
    zip.start_file("composer.json", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(composer.to_string().as_bytes()).unwrap();
    zip.finish().unwrap();
    path
}

/// `name` at `version`; `edition` changes the bytes and nothing else.
fn release(dir: &Path, file: &str, name: &str, version: &str, edition: u32) -> PathBuf {
    let composer = serde_json::json!({
        "name": name, "version": version, "type": "library", "description": format!("edition {edition}"),
    });
    zip(dir, file, composer)
}

fn cli(path: &Path) -> (PublishRequest, Origin) {
    let request = PublishRequest {
        path: path.to_path_buf(),
        ..Default::default()
    };
    let origin = Origin::Cli {
        file: path.to_path_buf(),
    };
    (request, origin)
}

fn newest_log(app: &App, count: usize) -> Vec<PublishEvent> {
    let walk = app.publish_log.recent(app.store(), count).unwrap();
    let mut events: Vec<PublishEvent> = walk.map(|e| e.unwrap()).collect();
    events.reverse();
    events
}

fn open() -> (tempfile::TempDir, Arc<App>) {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(Settings::for_tests(dir.path().join("data"))).unwrap();
    (dir, app)
}

#[test]
fn a_batch_publishes_the_good_archives_and_fails_each_bad_one_with_its_own_error() {
    let (dir, app) = open();
    let original = release(dir.path(), "foo-1.zip", "acme/foo", "1.0.0", 1);
    let first = publish(&app, &cli(&original).0, &cli(&original).1).unwrap();
    let broken = dir.path().join("broken.zip");
    std::fs::write(&broken, b"nope").unwrap();
    let alone = publish(&app, &cli(&broken).0, &cli(&broken).1).unwrap_err();
    let files = [
        release(dir.path(), "bar.zip", "acme/bar", "1.0.0", 1),
        broken.clone(),
        release(dir.path(), "foo-2.zip", "acme/foo", "1.0.0", 2),
        original.clone(),
        release(dir.path(), "baz-1.zip", "acme/baz", "1.0.0", 1),
        release(dir.path(), "baz-2.zip", "acme/baz", "1.0.0", 2),
    ];
    let items: Vec<_> = files.iter().map(|f| cli(f)).collect();
    let results = publish_batch(&app, &items);

    let status = |i: usize| results[i].as_ref().map(|o| o.status.as_str()).ok();
    assert_eq!(status(0), Some("published"));
    assert_eq!(status(3), Some("unchanged"));
    assert_eq!(status(4), Some("published"));
    let error = |i: usize| results[i].as_ref().unwrap_err().to_string();
    assert_eq!(error(1), alone.to_string());
    let changed = |name: &str, shasum: &str| {
        format!(
            "{name} 1.0.0 is already published with different contents (shasum {shasum}); a published version never changes: publish a new version"
        )
    };
    assert_eq!(error(2), changed("acme/foo", &first.shasum));
    let baz = results[4].as_ref().unwrap();
    assert_eq!(error(5), changed("acme/baz", &baz.shasum));
    assert!(matches!(results[5], Err(ServiceError::Conflict(_))));

    let packages = &app.catalog().packages;
    let names: Vec<&str> = packages.keys().map(|n| n.as_str()).collect();
    assert_eq!(names, ["acme/bar", "acme/baz", "acme/foo"]);
    let log = newest_log(&app, files.len());
    let logged: Vec<(&str, Option<&str>)> = log
        .iter()
        .map(|e| (e.outcome.as_str(), e.file.as_deref()))
        .collect();
    let outcomes = [
        "published",
        "failed",
        "failed",
        "unchanged",
        "published",
        "failed",
    ];
    let expected: Vec<(&str, Option<&str>)> = outcomes
        .iter()
        .zip(&files)
        .map(|(outcome, file)| (*outcome, file.to_str()))
        .collect();
    assert_eq!(logged, expected);
    assert_eq!(log[2].message.as_deref(), Some(error(2).as_str()));
}

#[test]
fn a_batch_commits_in_one_change_with_one_audit_entry_per_release() {
    let (dir, app) = open();
    let mut feed = app.changes.subscribe().unwrap();
    let files: Vec<PathBuf> = (0..3)
        .map(|i| {
            release(
                dir.path(),
                &format!("p{i}.zip"),
                &format!("acme/p{i}"),
                "1.0.0",
                1,
            )
        })
        .collect();
    let items: Vec<_> = files.iter().map(|f| cli(f)).collect();
    for result in publish_batch(&app, &items) {
        assert_eq!(result.unwrap().status, "published");
    }
    let mut audited = Vec::new();
    while let Ok(change) = feed.try_recv() {
        if let ChangeEvent::Audited { entries } = &change.event {
            audited.push(entries.clone());
        }
    }
    assert_eq!(
        audited.len(),
        1,
        "one change for the whole batch: {audited:?}"
    );
    let targets: Vec<&str> = audited[0].iter().map(|e| e.target.as_str()).collect();
    assert_eq!(targets, ["acme/p0 1.0.0", "acme/p1 1.0.0", "acme/p2 1.0.0"]);
    assert!(audited[0].iter().all(|e| e.action == "package.publish"));
}

#[test]
fn a_batch_the_full_disk_refuses_leaves_no_release_and_no_archive() {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::for_tests(dir.path().join("data"));
    let (app, disk) = App::open_on_a_fillable_disk(settings);
    let broken = dir.path().join("broken.zip");
    std::fs::write(&broken, b"nope").unwrap();
    let files = [
        release(dir.path(), "a.zip", "acme/a", "1.0.0", 1),
        broken,
        release(dir.path(), "b.zip", "acme/b", "1.0.0", 1),
    ];
    let items: Vec<_> = files.iter().map(|f| cli(f)).collect();

    fill(&disk, true);
    let results = publish_batch(&app, &items);
    for index in [0, 2] {
        match &results[index] {
            Err(ServiceError::Store(StoreError::Unavailable(_))) => {}
            other => panic!("expected a storage outage, got {other:?}"),
        }
    }
    assert!(matches!(results[1], Err(ServiceError::Invalid(_))));
    assert_eq!(archives(&app), Vec::<String>::new());
    assert!(app.catalog().packages.is_empty());
    fill(&disk, false);
    // Re-opening failed while the disk was full; the next attempt comes after a pause.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let stored = app.store().read(|r| r.releases()).unwrap();
    assert!(stored.is_empty(), "{stored:?}");
}

#[test]
fn a_dev_version_replaced_twice_in_one_batch_keeps_only_the_newest_archive() {
    let (dir, app) = open();
    let git = Origin::Git {
        reference: "/src/repo main".into(),
        branch: true,
    };
    let commit = |n: u32| {
        let path = release(dir.path(), &format!("c{n}.zip"), "acme/dev", "dev-main", n);
        (
            PublishRequest {
                path,
                ..Default::default()
            },
            git.clone(),
        )
    };
    publish(&app, &commit(1).0, &git).unwrap();
    let results = publish_batch(&app, &[commit(2), commit(3)]);
    let statuses: Vec<String> = results.into_iter().map(|r| r.unwrap().status).collect();
    assert_eq!(statuses, ["replaced", "replaced"]);
    let kept = app.store().read(|r| r.releases()).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(archives(&app), [format!("{}.zip", kept[0].sha256)]);
}

/// How many of `paths` each batch holds.
fn batch_sizes(paths: &[PathBuf]) -> Vec<usize> {
    split_batches(paths, |p| p.as_path())
        .iter()
        .map(|b| b.len())
        .collect()
}

#[test]
fn batches_hold_at_most_500_archives_or_about_a_gibibyte() {
    let many: Vec<PathBuf> = (0..1001)
        .map(|i| PathBuf::from(format!("/none/{i}.zip")))
        .collect();
    assert_eq!(batch_sizes(&many), [500, 500, 1]);

    let dir = tempfile::tempdir().unwrap();
    // Sparse files: their length counts, no disk is used.
    let large: Vec<PathBuf> = (0..3)
        .map(|i| {
            let path = dir.path().join(format!("{i}.zip"));
            File::create(&path).unwrap().set_len(600 << 20).unwrap();
            path
        })
        .collect();
    assert_eq!(batch_sizes(&large), [1, 1, 1]);
    assert!(batch_sizes(&large[..0]).is_empty());
}
