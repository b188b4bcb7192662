//! `packagento advisory impact` against a real server: downloads recorded from real dist
//! transfers and install reports, the advisory written into the database beforehand (the
//! `advisory add` command lives elsewhere), and the command listing exactly the projects that
//! fetched an affected version, through the admin socket and directly.

use crate::common::http_client::request;
use crate::common::zips::library;
use crate::common::{Appliance, Token, without_origin};
use packagento::domain::advisory::{Advisory, Severity};
use packagento::domain::licence::VersionBound;
use packagento::domain::names::PackageName;
use packagento::store::Store;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn advisory() -> Advisory {
    Advisory {
        id: "PKGA-2026-0001".into(),
        package: PackageName::parse("acme/core").unwrap(),
        affected: VersionBound::parse(">=1.0,<1.2.0").unwrap(),
        title: "Remote code execution in the importer".into(),
        severity: Some(Severity::Critical),
        cve: Some("CVE-2026-12345".into()),
        link: None,
        reported_at: 1_790_000_000,
        created_at: 1_790_000_000,
        updated_at: 1_790_000_000,
        withdrawn_at: None,
    }
}

fn dist(app: &Appliance, token: &Token, version: &str) {
    let path = format!("/dist/acme/core/{version}.zip");
    assert_eq!(app.get_as(token, &path, &[]).status, 200, "{path}");
}

fn notify(app: &Appliance, token: &Token, normalized: &str) {
    let basic = token.basic();
    let body = json!({"downloads": [{"name": "acme/core", "version": normalized}]}).to_string();
    let headers = [
        ("Authorization", basic.as_str()),
        ("Content-Type", "application/json"),
    ];
    let answer = request(
        app.addr(),
        "POST",
        "/composer/downloads",
        &headers,
        body.as_bytes(),
    );
    assert!((200..300).contains(&answer.status), "{}", answer.text());
}

/// Waits until the server has written `count` download events.
fn recorded(app: &Appliance, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let events = app.json(&["downloads", "--limit", "100"]);
        if events.as_array().unwrap().len() >= count {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{count} downloads never recorded"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// (project, resolved, fixed version) of every affected token, in the order listed.
fn affected(impact: &Value) -> Vec<(String, bool, Value)> {
    let mut rows = Vec::new();
    for customer in impact["customers"].as_array().unwrap() {
        for project in customer["projects"].as_array().unwrap() {
            for token in project["tokens"].as_array().unwrap() {
                let slug = project["slug"].as_str().unwrap().to_string();
                let resolved = token["resolved"].as_bool().unwrap();
                rows.push((slug, resolved, token["fixed_version"].clone()));
            }
        }
    }
    rows
}

#[test]
fn advisory_impact_lists_exactly_the_projects_that_downloaded_an_affected_version() {
    let mut app = Appliance::new();
    let zips = app.dir.path().join("zips");
    for version in ["0.9.0", "1.0.0", "1.1.0", "1.2.0"] {
        app.publish(&library(&zips, "acme/core", version, json!({}), None), &[]);
    }
    let shop = app.customer("shop");
    let lab = app.customer("lab");
    let old = app.customer("old");
    app.customer("idle");
    let store = Store::open(&app.data_dir().join("packagento.redb")).unwrap();
    store.write(|w| w.put_advisory(&advisory())).unwrap();
    drop(store);

    app.start(&[]);
    // shop fetched an affected version, then the fix; lab only affected ones; old only an older,
    // unaffected version; idle nothing.
    dist(&app, &shop, "1.0.0");
    notify(&app, &lab, "1.1.0.0");
    dist(&app, &old, "0.9.0");
    recorded(&app, 3);
    dist(&app, &shop, "1.2.0");
    dist(&app, &lab, "1.0.0");
    recorded(&app, 5);

    let impact = app.json(&["advisory", "impact", "pkga-2026-0001"]);
    assert_eq!(
        affected(&impact),
        [
            ("lab".to_string(), false, Value::Null),
            ("shop".to_string(), true, json!("1.2.0")),
        ]
    );
    let lab_token = &impact["customers"][0]["projects"][0]["tokens"][0];
    assert_eq!(lab_token["public_key"], lab.public_key);
    assert_eq!(lab_token["versions"], json!(["1.0.0", "1.1.0"]));
    assert_eq!(lab_token["last_seen_kind"], "dist");
    assert_eq!(impact["totals"]["projects"], 2);
    assert_eq!(impact["totals"]["resolved_tokens"], 1);

    let text = app.run(&["advisory", "impact", "PKGA-2026-0001"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("1 customer, 2 projects, 2 tokens affected, 1 resolved"),
        "{text}"
    );
    assert!(text.contains("resolved: 1.2.0"), "{text}");
    assert!(text.contains("unresolved"), "{text}");

    // The same answer without a server, straight from the database.
    app.stop();
    let offline = app.json(&["advisory", "impact", "PKGA-2026-0001"]);
    assert_eq!(
        (&impact["server"], &offline["server"]),
        (&json!(true), &json!(false))
    );
    assert_eq!(without_origin(offline), without_origin(impact));
    let error = app.fails(&["advisory", "impact", "PKGA-2026-0099"]);
    assert!(error.contains("no advisory"), "{error}");
}
