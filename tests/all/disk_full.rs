//! A running server whose disk fills up (operating.md, "When the disk fills up"): the data folder
//! is a small tmpfs, filled to the last byte and freed again. Mounting needs root; without it
//! the test says so and passes, unless `PACKAGENTO_REQUIRE_TMPFS=1` (CI) makes that a failure.

use crate::common::{Appliance, Token, http_client, zips};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmpfs mounted for one test, unmounted when it ends, however it ends.
struct Tmpfs {
    path: PathBuf,
}

impl Tmpfs {
    /// `None` (with a note) where this machine cannot mount one, unless CI requires it.
    fn mount(path: &Path, size: &str) -> Option<Tmpfs> {
        let required = std::env::var("PACKAGENTO_REQUIRE_TMPFS").as_deref() == Ok("1");
        let skip = |why: String| {
            if required {
                panic!("PACKAGENTO_REQUIRE_TMPFS=1 but {why}");
            }
            eprintln!(
                "note: disk-full test skipped: {why} (set PACKAGENTO_REQUIRE_TMPFS=1 to fail)"
            );
            None
        };
        let uid = Command::new("id").arg("-u").output().ok()?;
        if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
            return skip("mounting a tmpfs needs root".to_string());
        }
        std::fs::create_dir_all(path).expect("mount point");
        let options = format!("size={size},mode=0700");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &options, "tmpfs"])
            .arg(path)
            .output()
            .expect("run mount");
        if !mounted.status.success() {
            let why = String::from_utf8_lossy(&mounted.stderr).trim().to_string();
            return skip(format!("cannot mount a tmpfs: {why}"));
        }
        Some(Tmpfs {
            path: path.to_path_buf(),
        })
    }

    /// Writes one file until the disk refuses more; removing it frees the disk again.
    fn fill(&self) -> PathBuf {
        let filler = self.path.join("filler");
        let mut file = std::fs::File::create(&filler).expect("create filler");
        let chunk = vec![0u8; 64 * 1024];
        let mut small = vec![0u8; 512];
        loop {
            if let Err(error) = file.write_all(&chunk) {
                assert_eq!(error.raw_os_error(), Some(28), "{error}");
                break;
            }
        }
        // The last pages of the tmpfs, too small for a whole chunk.
        while file.write_all(&small).is_ok() {
            small[0] = small[0].wrapping_add(1);
        }
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy, so a server still holding files there cannot keep the mount alive.
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

fn health(app: &Appliance) -> http_client::Response {
    http_client::get(app.addr(), "/healthz", &[])
}

fn downloads_of(app: &Appliance, package: &str) -> usize {
    let all = app.json(&["downloads", "--limit", "1000"]);
    let events = all.as_array().expect("downloads array");
    events.iter().filter(|e| e["package"] == package).count()
}

fn published(app: &Appliance, dir: &Path, name: &str) -> PathBuf {
    let zip = zips::library(dir, name, "1.0.0", json!({}), None);
    app.publish(&zip, &["--version", "1.0.0"]);
    zip
}

fn download(app: &Appliance, token: &Token, package: &str) {
    let dist = app.get_as(token, &format!("/dist/{package}/1.0.0.zip"), &[]);
    assert_eq!(dist.status, 200, "dist of {package}: {}", dist.text());
}

fn archive_names(app: &Appliance) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(app.data_dir().join("archives"))
        .expect("archives folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Creates projects until the full disk refuses one. A small change may still fit in pages the
/// database file already owns; those that were acknowledged must survive. Returns their names
/// and the refusal.
fn write_until_refused(app: &Appliance) -> (Vec<String>, String) {
    let mut acknowledged = Vec::new();
    for attempt in 0..50 {
        let slug = format!("during-outage-{attempt}");
        let output = app.run(&["project", "create", &slug]);
        if !output.status.success() {
            return (
                acknowledged,
                String::from_utf8_lossy(&output.stderr).into_owned(),
            );
        }
        acknowledged.push(slug);
    }
    panic!("50 changes fitted on a full disk");
}

/// Every change also appends to the audit log, so the change the full disk refused needed more
/// pages than a batch of download events: the database file may still own room for a few
/// batches. Downloads until a batch is refused too (the server stays unhealthy across a flush),
/// and returns how many it made.
fn flush_until_refused(app: &Appliance, token: &Token) -> usize {
    for made in 1..=50 {
        download(app, token, "acme/foo");
        // Flushes run every second.
        std::thread::sleep(Duration::from_millis(1500));
        if health(app).status == 503 {
            return made;
        }
    }
    panic!("50 batches of downloads fitted on a full disk");
}

#[test]
fn a_full_disk_is_reported_served_through_and_recovered_from_without_a_restart() {
    let mut app = Appliance::new();
    let Some(disk) = Tmpfs::mount(&app.data_dir(), "16m") else {
        return;
    };
    app.start(&[]);
    let token = app.customer("acme-prod");
    let sources = tempfile::tempdir().unwrap();
    published(&app, sources.path(), "acme/foo");
    let archives_before = archive_names(&app);
    assert_eq!(health(&app).status, 200);

    let filler = disk.fill();
    let (acknowledged, refused) = write_until_refused(&app);
    assert!(refused.contains("No space left on device"), "{refused}");
    let sick = health(&app);
    assert_eq!(sick.status, 503, "{}", sick.text());
    assert!(
        sick.text()
            .contains("database writes are failing: No space left on device"),
        "{}",
        sick.text()
    );

    let filled = flush_until_refused(&app, &token);

    // Composer is still served from memory, and its downloads are kept for later.
    let metadata = app.get_as(&token, "/p2/acme/foo.json", &[]);
    assert_eq!(metadata.status, 200, "{}", metadata.text());
    download(&app, &token, "acme/foo");
    download(&app, &token, "acme/foo");
    // A publish that cannot be stored leaves nothing behind.
    let bar = zips::library(sources.path(), "acme/bar", "1.0.0", json!({}), None);
    app.fails(&["package", "publish", bar.to_str().unwrap()]);
    assert_eq!(archive_names(&app), archives_before);
    // A flush or two runs meanwhile. Health may flicker: a small write can still fit in pages the
    // database file owns. A change that needs more is still refused, and is not kept.
    std::thread::sleep(Duration::from_millis(2500));
    let still_full = app.fails(&["project", "create", "still-full"]);
    assert!(
        still_full.contains("No space left on device"),
        "{still_full}"
    );

    std::fs::remove_file(filler).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while health(&app).status != 200 {
        assert!(
            Instant::now() < deadline,
            "no recovery: {}",
            health(&app).text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    app.json(&["project", "create", "after-outage"]);
    let projects = app.json(&["project", "list"]).to_string();
    assert!(!projects.contains("\"still-full\""), "{projects}");
    for slug in acknowledged {
        assert!(
            projects.contains(&format!("\"{slug}\"")),
            "{slug} lost: {projects}"
        );
    }
    assert_eq!(downloads_of(&app, "acme/foo"), 2 + filled);
    published(&app, sources.path(), "acme/bar");
    let metadata = app.get_as(&token, "/p2/acme/bar.json", &[]);
    assert_eq!(metadata.status, 200, "{}", metadata.text());
    app.stop();
}
