//! The change feed on the admin socket: every committed change arrives once, typed and numbered,
//! and streams end when the server stops instead of holding it open.

use crate::common::zips::library;
use crate::common::{Appliance, http_client};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// Opens `GET /v1/events` on the admin socket and hands each `change` event's data over.
pub(crate) fn subscribe(app: &Appliance) -> Receiver<Value> {
    let mut stream = UnixStream::connect(app.data_dir().join("admin.sock")).unwrap();
    stream
        .write_all(b"GET /v1/events HTTP/1.1\r\nhost: packagento\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    assert!(status.contains(" 200 "), "{status}");
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let (mut event, mut line) = (String::new(), String::new());
        while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
            let text = line.trim_end();
            if let Some(name) = text.strip_prefix("event:") {
                event = name.trim().to_string();
            } else if let Some(data) = text.strip_prefix("data:")
                && event == "change"
                && let Ok(value) = serde_json::from_str(data.trim())
                && tx.send(value).is_err()
            {
                return;
            }
            line.clear();
        }
    });
    rx
}

/// Collects changes until one of `kind` arrives.
pub(crate) fn until_kind(feed: &Receiver<Value>, kind: &str, seen: &mut Vec<Value>) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let change = feed
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no {kind} change; saw {seen:?}"));
        seen.push(change.clone());
        if change["event"]["kind"] == kind {
            return change;
        }
    }
}

#[test]
fn every_admin_change_arrives_on_the_feed_typed_and_in_order() {
    let app = Appliance::started();
    let feed = subscribe(&app);
    let mut seen = Vec::new();
    app.project("shop");
    let created = until_kind(&feed, "project_created", &mut seen);
    assert_eq!(created["event"]["project"]["slug"], "shop");

    let token = app.token("shop");
    let issued = until_kind(&feed, "token_created", &mut seen);
    assert_eq!(
        issued["event"]["token"]["public_key"],
        token.public_key.as_str()
    );

    let licence = app.licence("shop", &["acme/*"], None);
    let activated = until_kind(&feed, "licence_changed", &mut seen);
    assert_eq!(activated["event"]["licence"]["id"], licence.as_str());
    assert_eq!(activated["event"]["licence"]["projects"], json!(["shop"]));

    let zips = app.dir.path().join("zips");
    app.publish(&library(&zips, "acme/feed", "1.0.0", json!({}), None), &[]);
    let published = until_kind(&feed, "publish_attempted", &mut seen);
    assert_eq!(published["event"]["entry"]["outcome"], "published");
    assert_eq!(published["event"]["entry"]["source"], "cli");

    app.run(&["package", "yank", "acme/feed", "1.0.0"]);
    until_kind(&feed, "version_yanked", &mut seen);

    let basic = token.basic();
    http_client::get(
        app.addr(),
        "/dist/acme/feed/1.0.0.zip",
        &[("Authorization", &basic)],
    );
    let downloads = until_kind(&feed, "downloads_recorded", &mut seen);
    assert_eq!(downloads["event"]["events"][0]["package"], "acme/feed");

    app.run(&["token", "revoke", &token.public_key]);
    until_kind(&feed, "token_revoked", &mut seen);

    let numbers: Vec<u64> = seen.iter().map(|c| c["seq"].as_u64().unwrap()).collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
    let everything = serde_json::to_string(&seen).unwrap();
    assert!(
        !everything.contains(&token.private_key),
        "a private key reached the feed"
    );
}

#[test]
fn a_change_that_changes_nothing_is_not_announced() {
    let app = Appliance::started();
    app.project("shop");
    let token = app.token("shop");
    app.run(&["token", "revoke", &token.public_key]);
    let feed = subscribe(&app);
    app.run(&["token", "revoke", &token.public_key]);
    app.project("other");
    let mut seen = Vec::new();
    until_kind(&feed, "project_created", &mut seen);
    // The project's creation is announced with its audit entry; nothing else may come first.
    let kinds: Vec<(&Value, &Value)> = seen
        .iter()
        .map(|c| (&c["event"]["kind"], &c["event"]["entries"][0]["target"]))
        .collect();
    assert_eq!(
        kinds,
        [
            (&json!("audited"), &json!("other")),
            (&json!("project_created"), &Value::Null)
        ],
        "revoking twice announced something: {seen:?}"
    );
}

/// A server whose log we read, with followers attached.
fn serve_with_log(app: &Appliance) -> (Child, String, Receiver<String>) {
    let (mut server, addr) = app.spawn_logged(&[], "info");
    let mut stderr = server.stderr.take().unwrap();
    let (log_tx, log_rx) = channel();
    std::thread::spawn(move || {
        let mut log = String::new();
        let _ = stderr.read_to_string(&mut log);
        let _ = log_tx.send(log);
    });
    (server, addr, log_rx)
}

fn follower(app: &Appliance, args: &[&str]) -> Child {
    app.command()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_for_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "still running after {within:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn followers_end_cleanly_when_the_server_stops_and_do_not_hold_it_open() {
    let app = Appliance::new();
    let (mut server, _addr, log) = serve_with_log(&app);
    let mut downloads = follower(&app, &["downloads", "--follow"]);
    let mut publishes = follower(&app, &["package", "log", "--follow"]);
    let mut dropped = follower(&app, &["downloads", "--follow", "--json"]);
    // Each follower subscribes before it lists; a change made now reaches all of them.
    std::thread::sleep(Duration::from_millis(700));
    dropped.kill().unwrap();
    dropped.wait().unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let stopping = Instant::now();
    let pid = server.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    // The grace period for transfers is 30 s; streams must not use it up.
    let status = wait_for_exit(&mut server, Duration::from_secs(10));
    assert!(status.success(), "server exited with {status}");
    assert!(stopping.elapsed() < Duration::from_secs(10));
    for follower in [&mut downloads, &mut publishes] {
        let status = wait_for_exit(follower, Duration::from_secs(5));
        let mut stderr = String::new();
        follower
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert!(status.success(), "{status}: {stderr}");
        assert!(stderr.contains("the server stopped"), "{stderr}");
    }
    let log = log.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(!log.contains("ERROR"), "{log}");
    assert!(!log.contains("IncompleteMessage"), "{log}");
    assert!(!app.data_dir().join("admin.sock").exists());
}

#[test]
fn following_without_a_server_says_one_is_needed() {
    let app = Appliance::new();
    let error = app.fails(&["downloads", "--follow"]);
    assert!(error.contains("needs a running server"), "{error}");
}
