//! The inbox folder, watched by the real server.

use crate::common::Appliance;
use crate::common::zips::{library, package_zip};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Polls `check` until it returns something, or fails after `limit`.
pub fn within<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

pub fn inbox(app: &Appliance) -> PathBuf {
    app.data_dir().join("inbox")
}

fn listed(app: &Appliance, name: &str) -> Option<Value> {
    let list = app.json(&["package", "list"]);
    list.as_array()?.iter().find(|p| p["name"] == name).cloned()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_zip_dropped_in_the_inbox_is_published_within_a_second_and_leaves_the_inbox() {
    let app = Appliance::started();
    let zip = library(app.dir.path(), "acme/dropped", "1.0.0", json!({}), None);
    let started = Instant::now();
    std::fs::copy(&zip, inbox(&app).join("1.0.0.zip")).unwrap();
    let package = within(Duration::from_secs(5), "the inbox publish", || {
        listed(&app, "acme/dropped")
    });
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(package["latest"], "1.0.0");
    within(
        Duration::from_secs(2),
        "the file to leave the inbox",
        || names_in(&inbox(&app)).is_empty().then_some(()),
    );
    let log = app.json(&["package", "log"]);
    assert_eq!(log[0]["source"], "inbox");
    assert_eq!(log[0]["outcome"], "published");
    assert_eq!(log[0]["package"], "acme/dropped");
    assert_eq!(log[0]["file"], "1.0.0.zip");
}

#[test]
fn a_broken_zip_moves_to_failed_with_its_reason_beside_it() {
    let app = Appliance::started();
    let composer = json!({ "name": "Acme/Bad" });
    let zip = package_zip(app.dir.path(), "bad.zip", &composer, &[]);
    std::fs::copy(&zip, inbox(&app).join("2.0.0.zip")).unwrap();
    let failed = inbox(&app).join("failed");
    within(Duration::from_secs(5), "the failed file", || {
        (names_in(&failed) == ["2.0.0.zip", "2.0.0.zip.error.txt"]).then_some(())
    });
    let reason = std::fs::read_to_string(failed.join("2.0.0.zip.error.txt")).unwrap();
    assert!(reason.contains("Acme/Bad"), "{reason}");
    assert!(names_in(&inbox(&app)).is_empty());
    assert_eq!(app.json(&["package", "list"]), json!([]));
    let log = app.json(&["package", "log"]);
    assert_eq!(log[0]["outcome"], "failed");
    assert!(log[0]["message"].as_str().unwrap().contains("Acme/Bad"));
}

#[test]
fn a_failed_file_whose_name_holds_control_characters_gets_a_reason_file_without_them() {
    let app = Appliance::started();
    let name = "evil\u{1b}[2J\r\u{202e}.zip";
    std::fs::write(inbox(&app).join(name), b"not a zip").unwrap();
    let failed = inbox(&app).join("failed");
    let reason_file = failed.join(format!("{name}.error.txt"));
    within(Duration::from_secs(10), "the failed file", || {
        reason_file.exists().then_some(())
    });
    let reason = std::fs::read_to_string(&reason_file).unwrap();
    assert!(
        reason.starts_with("evil\\u{1b}[2J\\u{d}\\u{202e}.zip was not published"),
        "{reason:?}"
    );
    assert!(!reason.contains(['\u{1b}', '\r', '\u{202e}']), "{reason:?}");
}

#[test]
fn a_file_that_is_not_a_zip_at_all_also_fails_with_its_reason() {
    let app = Appliance::started();
    std::fs::write(inbox(&app).join("notes.zip"), b"not a zip, just text").unwrap();
    let failed = inbox(&app).join("failed");
    within(Duration::from_secs(10), "the failed file", || {
        failed.join("notes.zip.error.txt").exists().then_some(())
    });
    let reason = std::fs::read_to_string(failed.join("notes.zip.error.txt")).unwrap();
    assert!(reason.contains("not a valid zip"), "{reason}");
}

#[test]
fn a_slowly_written_zip_is_not_published_half_done() {
    let app = Appliance::started();
    let zip = library(app.dir.path(), "acme/slow", "1.0.0", json!({}), None);
    let bytes = std::fs::read(&zip).unwrap();
    let target = inbox(&app).join("1.0.0.zip");
    let mut file = std::fs::File::create(&target).unwrap();
    let half = bytes.len() / 2;
    file.write_all(&bytes[..half]).unwrap();
    file.flush().unwrap();
    // Longer than the inbox's settle time: the half file has been looked at more than once.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(app.json(&["package", "list"]), json!([]));
    assert!(names_in(&inbox(&app).join("failed")).is_empty());
    assert!(target.exists());

    file.write_all(&bytes[half..]).unwrap();
    drop(file);
    let package = within(Duration::from_secs(5), "the completed publish", || {
        listed(&app, "acme/slow")
    });
    assert_eq!(package["latest"], "1.0.0");
    assert!(names_in(&inbox(&app).join("failed")).is_empty());
}

#[test]
fn zips_already_in_the_inbox_at_start_up_are_published() {
    let mut app = Appliance::new();
    std::fs::create_dir_all(inbox(&app)).unwrap();
    let zip = library(app.dir.path(), "acme/early", "0.9.0", json!({}), None);
    std::fs::copy(&zip, inbox(&app).join("0.9.0.zip")).unwrap();
    app.start(&[]);
    within(Duration::from_secs(5), "the start-up publish", || {
        listed(&app, "acme/early")
    });
}

#[test]
fn package_log_follow_streams_inbox_outcomes_as_they_happen() {
    use std::io::BufRead;
    let app = Appliance::started();
    let mut follower = app
        .command()
        .args(["package", "log", "--follow", "--json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = follower.stdout.take().unwrap();
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines_tx.send(line);
        }
    });
    // The stream is up once the command has connected; drop a new broken file until one shows.
    let mut attempt = 0;
    let line = within(Duration::from_secs(15), "a streamed publish event", || {
        attempt += 1;
        let name = format!("broken-{attempt}.zip");
        let composer =
            json!({ "name": "acme/x", "version": "1.0.0", "autoload": {"files": ["f.php"]} });
        let zip = package_zip(app.dir.path(), &name, &composer, &[]);
        std::fs::copy(&zip, inbox(&app).join(&name)).unwrap();
        lines_rx.recv_timeout(Duration::from_millis(1500)).ok()
    });
    let _ = follower.kill();
    let _ = follower.wait();
    let event: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(event["source"], "inbox");
    assert_eq!(event["outcome"], "failed");
    assert!(
        event["message"]
            .as_str()
            .unwrap()
            .contains("files lists \"f.php\"")
    );
}

/// CPU seconds (user + system) the process has used so far, from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

#[test]
fn an_idle_server_watching_its_inbox_does_not_spin() {
    let app = Appliance::started();
    let pid = app.pid().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let before = cpu_seconds(pid);
    std::thread::sleep(std::time::Duration::from_secs(2));
    let used = cpu_seconds(pid) - before;
    // A watcher that reacts to its own folder listing burns a whole core; idle is near zero.
    assert!(used < 0.5, "the idle server used {used:.2} s of CPU in 2 s");
}

#[test]
fn the_inbox_can_live_in_a_configured_folder() {
    let mut app = Appliance::new();
    let elsewhere = app.dir.path().join("drop-here");
    app.start(&["--inbox-dir", elsewhere.to_str().unwrap()]);
    let zip = library(app.dir.path(), "acme/elsewhere", "1.0.0", json!({}), None);
    std::fs::copy(&zip, elsewhere.join("1.0.0.zip")).unwrap();
    within(
        Duration::from_secs(5),
        "the publish from the configured inbox",
        || listed(&app, "acme/elsewhere"),
    );
    assert!(
        !inbox(&app).exists(),
        "the default inbox is not created when another is configured"
    );
}
