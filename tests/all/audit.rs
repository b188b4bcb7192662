//! The audit log against real servers: who made each change (the admin socket's peer, a direct
//! command's user, a publisher token, the inbox), no secret anywhere near it, its filters,
//! following it, and that backups, restores and retention treat it as they should.

use crate::common::http_client::request;
use crate::common::zips::library;
use crate::common::{Appliance, Token, bytes_contain};
use packagento::domain::audit::{Actor, AuditEntry, AuditRecord};
use packagento::store::Store;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The Unix user running the tests, as the appliance names it (CI runs as root).
fn me() -> String {
    let output = Command::new("id").arg("-un").output().expect("run id -un");
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

fn entries(app: &Appliance, filters: &[&str]) -> Vec<Value> {
    let mut args = vec!["audit"];
    args.extend(filters);
    app.json(&args).as_array().unwrap().clone()
}

/// The newest entry with `action`, or a panic listing what there is.
fn newest(app: &Appliance, action: &str) -> Value {
    let all = entries(app, &["--action", action]);
    all.first()
        .cloned()
        .unwrap_or_else(|| panic!("no {action} entry in {:?}", entries(app, &[])))
}

fn within<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < deadline, "no {what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn publisher(app: &Appliance, label: &str) -> Token {
    let created = app.json(&["publisher", "create", "--label", label]);
    Token {
        public_key: created["public_key"].as_str().unwrap().to_string(),
        private_key: created["private_key"].as_str().unwrap().to_string(),
    }
}

fn upload(app: &Appliance, token: &Token, zip: &Path, version: &str) -> u16 {
    let basic = token.basic();
    let body = std::fs::read(zip).unwrap();
    let headers = [
        ("Authorization", basic.as_str()),
        ("Content-Type", "application/zip"),
    ];
    let path = format!("/api/publish?version={version}");
    request(app.addr(), "POST", &path, &headers, &body).status
}

#[test]
fn a_direct_change_names_the_user_and_one_through_the_socket_names_the_peer() {
    let mut app = Appliance::new();
    app.json(&["customer", "create", "acme", "--name", "Acme Corp"]);
    let created = newest(&app, "customer.create");
    assert_eq!(created["actor"], json!({"kind": "direct", "user": me()}));
    assert_eq!(created["target"], "acme");
    assert_eq!(created["summary"], "created, name \"Acme Corp\"");

    app.start(&[]);
    app.json(&["customer", "rename", "acme", "--name", "Acme GmbH"]);
    let renamed = newest(&app, "customer.rename");
    assert_eq!(renamed["actor"], json!({"kind": "socket", "user": me()}));
    assert_eq!(renamed["summary"], "name \"Acme Corp\" → \"Acme GmbH\"");

    let human = app.run(&["audit", "--limit", "1"]);
    let line = String::from_utf8(human.stdout).unwrap();
    assert!(
        line.contains(&format!("{} (admin socket)  customer.rename  acme", me())),
        "{line}"
    );
    assert_eq!(line.lines().count(), 1, "{line}");
}

#[test]
fn an_upload_names_its_publisher_and_an_unchanged_republish_records_nothing() {
    let app = Appliance::started();
    let ci = publisher(&app, "ci uploads");
    let zip = library(app.dir.path(), "acme/widget", "1.2.0", json!({}), None);
    assert_eq!(upload(&app, &ci, &zip, "1.2.0"), 200);
    let published = newest(&app, "package.publish");
    assert_eq!(
        published["actor"],
        json!({"kind": "publisher", "public_key": ci.public_key, "label": "ci uploads"})
    );
    assert_eq!(published["target"], "acme/widget 1.2.0");
    let summary = published["summary"].as_str().unwrap();
    assert!(summary.starts_with("sha1 "), "{summary}");
    assert!(
        summary.ends_with(" B") || summary.ends_with("KiB"),
        "{summary}"
    );

    assert_eq!(upload(&app, &ci, &zip, "1.2.0"), 200);
    assert_eq!(entries(&app, &["--action", "package.publish"]).len(), 1);
}

#[test]
fn the_audit_log_names_the_inbox_for_a_dropped_release_and_records_yanks_and_removals() {
    let app = Appliance::started();
    let zip = library(app.dir.path(), "acme/dropped", "1.0.0", json!({}), None);
    std::fs::copy(&zip, app.data_dir().join("inbox").join("1.0.0.zip")).unwrap();
    let published = within(Duration::from_secs(5), "inbox publish entry", || {
        entries(&app, &["--action", "package.publish"])
            .into_iter()
            .next()
    });
    assert_eq!(published["actor"], json!({"kind": "inbox"}));
    app.json(&[
        "package",
        "yank",
        "acme/dropped",
        "1.0.0",
        "--reason",
        "broken",
    ]);
    app.json(&["package", "unyank", "acme/dropped", "1.0.0"]);
    app.json(&["package", "remove", "acme/dropped", "1.0.0", "--yes"]);
    let actions: Vec<Value> = entries(&app, &["--target", "acme/dropped"])
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(
        actions,
        json!([
            "package.remove",
            "package.unyank",
            "package.yank",
            "package.publish"
        ])
        .as_array()
        .unwrap()
        .clone()
    );
    let yank = newest(&app, "package.yank");
    assert_eq!(yank["summary"], "available → yanked: broken");
}

/// Every file under `dir`, with its bytes.
fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_in(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            found.push((path.display().to_string(), bytes));
        }
    }
    found
}

#[test]
fn no_private_key_reaches_the_data_folder_or_the_audit_log_and_no_hash_reaches_the_log() {
    let mut app = Appliance::new();
    let mut secrets = vec![app.customer("direct-shop").private_key];
    secrets.push(publisher(&app, "direct ci").private_key);
    app.start(&[]);
    secrets.push(app.customer("socket-shop").private_key);
    secrets.push(publisher(&app, "socket ci").private_key);
    let ci = publisher(&app, "uploads");
    secrets.push(ci.private_key.clone());
    let zip = library(app.dir.path(), "acme/secretive", "1.0.0", json!({}), None);
    assert_eq!(upload(&app, &ci, &zip, "1.2.0"), 200);
    let revoked = app.json(&["publisher", "list"])[0]["public_key"].clone();
    app.json(&["publisher", "revoke", revoked.as_str().unwrap()]);

    let log = app.run(&["audit", "--json", "--limit", "1000"]).stdout;
    assert!(entries(&app, &[]).len() >= 8, "{:?}", entries(&app, &[]));
    app.stop();
    for secret in &secrets {
        assert!(
            !bytes_contain(&log, secret),
            "a private key in audit --json"
        );
        for (file, bytes) in files_in(&app.data_dir()) {
            assert!(!bytes_contain(&bytes, secret), "a private key in {file}");
        }
    }
    for hash_marker in ["$argon2", "$sha256$"] {
        assert!(!bytes_contain(&log, hash_marker), "a hash in audit --json");
    }
    // The tokens' hashes are stored, as they must be; none is in an audit entry.
    let store = Store::open(&app.data_dir().join("packagento.redb")).unwrap();
    let stored: Vec<AuditEntry> = store
        .audit_newest_first(usize::MAX)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(stored.len(), entries_len(&log));
    let text = serde_json::to_string(&stored).unwrap();
    assert!(
        !text.contains("$argon2") && !text.contains("$sha256$"),
        "{text}"
    );
}

fn entries_len(json: &[u8]) -> usize {
    serde_json::from_slice::<Value>(json)
        .unwrap()
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn since_target_action_and_limit_narrow_the_listing() {
    let app = Appliance::new();
    for slug in ["shop", "shop-staging", "agency"] {
        app.project(slug);
    }
    app.json(&["project", "rename", "shop", "--name", "The Shop"]);
    let targets = |filters: &[&str]| -> Vec<String> {
        entries(&app, filters)
            .iter()
            .map(|e| e["target"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        targets(&[]),
        ["shop", "agency", "shop-staging", "shop"],
        "newest first"
    );
    assert_eq!(
        targets(&["--target", "shop"]),
        ["shop", "shop-staging", "shop"]
    );
    assert_eq!(targets(&["--target", "shop-staging"]), ["shop-staging"]);
    assert_eq!(targets(&["--action", "project.rename"]), ["shop"]);
    assert_eq!(targets(&["--action", "project"]).len(), 4);
    assert_eq!(targets(&["--limit", "2"]), ["shop", "agency"]);
    assert_eq!(targets(&["--since", "2000-01-01"]).len(), 4);
    assert!(targets(&["--since", "2999-01-01"]).is_empty());
    let refused = app.fails(&["audit", "--since", "last week"]);
    assert!(refused.contains("--since"), "{refused}");
}

#[test]
fn following_prints_a_change_made_meanwhile_and_ends_with_the_server() {
    let mut app = Appliance::started();
    app.project("before");
    let mut follower = app
        .command()
        .args(["audit", "--follow", "--json", "--limit", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(follower.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["target"], "before");
    app.project("meanwhile");
    let next: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(next["action"], "project.create");
    assert_eq!(next["target"], "meanwhile");
    assert_eq!(next["actor"]["kind"], "socket");
    app.stop();
    assert!(follower.wait().unwrap().success());
}

#[test]
fn a_restored_data_folder_keeps_the_log_and_records_the_restore() {
    let app = Appliance::started();
    app.customer("shop");
    let file = app.dir.path().join("audit.backup");
    app.json(&["backup", file.to_str().unwrap()]);
    let backed_up = newest(&app, "backup.create");
    assert_eq!(backed_up["target"], file.to_str().unwrap());
    assert_eq!(backed_up["actor"]["kind"], "socket");
    let before = entries(&app, &["--action", "project"]);

    let restored = Appliance::new();
    let output = restored
        .command()
        .args(["restore", file.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let restore = newest(&restored, "backup.restore");
    assert_eq!(restore["target"], file.to_str().unwrap());
    assert_eq!(restore["actor"], json!({"kind": "direct", "user": me()}));
    assert_eq!(entries(&restored, &["--action", "project"]), before);
    assert_eq!(
        entries(&restored, &[])[0]["action"],
        "backup.restore",
        "the restore is the restored log's newest entry"
    );
}

#[test]
fn retention_deletes_entries_past_the_configured_days_and_keeps_the_rest() {
    let mut app = Appliance::new();
    let year_ago = packagento::domain::time::now_micros() - 365 * 86_400 * 1_000_000;
    let old = AuditEntry::new(
        year_ago,
        Actor::Server,
        AuditRecord::new("project.create", "ancient", "created"),
    );
    // Written first: entries are keyed by time in commit order.
    std::fs::create_dir_all(app.data_dir()).unwrap();
    {
        let store = Store::open(&app.data_dir().join("packagento.redb")).unwrap();
        store.write(|w| w.append_audit(&old)).unwrap();
    }
    app.project("recent");
    assert_eq!(entries(&app, &[]).len(), 2);
    std::fs::write(
        app.data_dir().join("packagento.toml"),
        "[audit]\nretention_days = 30\n",
    )
    .unwrap();
    app.start(&[]);
    let kept = within(Duration::from_secs(5), "pruning", || {
        let all = entries(&app, &[]);
        (all.len() == 1).then_some(all)
    });
    assert_eq!(kept[0]["target"], "recent");
}

#[test]
fn a_configuration_reload_is_recorded_with_what_changed() {
    let mut app = Appliance::new();
    app.project("shop");
    let config = app.data_dir().join("packagento.toml");
    std::fs::write(&config, "[analytics]\nretention_days = 0\n").unwrap();
    app.start(&[]);
    std::fs::write(&config, "[analytics]\nretention_days = 90\n").unwrap();
    let reload = within(Duration::from_secs(5), "config.reload entry", || {
        entries(&app, &["--action", "config.reload"])
            .into_iter()
            .next()
    });
    assert_eq!(reload["actor"], json!({"kind": "server"}));
    assert_eq!(reload["summary"], "analytics.retention_days 0 → 90");
}

#[test]
fn a_git_import_is_the_operators_and_a_moved_branch_records_the_old_and_new_sha1() {
    let app = Appliance::new();
    let repo = crate::git_import::GitRepo::sample(app.dir.path());
    app.json(&["package", "import-git", repo.arg(), "--branches"]);
    let published = entries(&app, &["--action", "package.publish"]);
    assert_eq!(published.len(), 4, "{published:?}");
    let dev = published
        .iter()
        .find(|e| e["target"].as_str().unwrap().ends_with(" dev-main"))
        .unwrap();
    assert_eq!(dev["actor"], json!({"kind": "direct", "user": me()}));
    let first_sha1 = dev["summary"].as_str().unwrap()[5..45].to_string();
    assert!(
        dev["summary"].as_str().unwrap().ends_with(" main"),
        "the ref is named: {dev}"
    );

    repo.commit("next", "2024-06-01T09:00:00Z");
    app.json(&["package", "import-git", repo.arg(), "--branches"]);
    let moved = newest(&app, "package.publish");
    let summary = moved["summary"].as_str().unwrap();
    assert!(
        summary.starts_with(&format!("sha1 {first_sha1} → sha1 ")),
        "{summary}"
    );
    assert_ne!(&summary[50..95], format!("sha1 {first_sha1}"), "{summary}");
}
