//! Yank, unyank and remove against the real server.

use crate::common::http_client::Response;
use crate::common::zips::library;
use crate::common::{Appliance, Token};
use serde_json::json;

fn get_as(app: &Appliance, token: &Token, path: &str, extra: &[(&str, &str)]) -> Response {
    app.get_as(token, path, extra)
}

/// acme/foo 1.0.0 and 1.1.0 on a running server, and a customer licensed for acme/*.
fn shop() -> (Appliance, Token) {
    let app = Appliance::started();
    let dir = app.dir.path().join("zips");
    for version in ["1.0.0", "1.1.0"] {
        app.publish(&library(&dir, "acme/foo", version, json!({}), None), &[]);
    }
    let token = app.customer("shop");
    (app, token)
}

fn listed_versions(app: &Appliance, token: &Token) -> Vec<String> {
    let body = get_as(app, token, "/p2/acme/foo.json", &[]).json();
    let versions = body["packages"]["acme/foo"].as_array().unwrap();
    versions
        .iter()
        .filter_map(|v| v["version"].as_str().map(String::from))
        .collect()
}

fn last_modified(response: &Response) -> std::time::SystemTime {
    httpdate::parse_http_date(response.header("last-modified").expect("Last-Modified")).unwrap()
}

#[test]
fn a_yanked_version_leaves_the_metadata_but_its_dist_is_still_served() {
    let (app, token) = shop();
    let before = get_as(&app, &token, "/p2/acme/foo.json", &[]);
    let stamp = before.header("last-modified").unwrap().to_string();

    let yanked = app.json(&[
        "package",
        "yank",
        "acme/foo",
        "1.1.0",
        "--reason",
        "broken on PHP 8.4",
    ]);
    assert_eq!(yanked["yanked"], true);
    assert_eq!(yanked["reason"], "broken on PHP 8.4");

    assert_eq!(listed_versions(&app, &token), ["1.0.0"]);
    let revalidated = get_as(
        &app,
        &token,
        "/p2/acme/foo.json",
        &[("If-Modified-Since", &stamp)],
    );
    assert_eq!(
        revalidated.status, 200,
        "a client holding the old list must get the new one"
    );
    assert!(last_modified(&revalidated) > last_modified(&before));

    let dist = get_as(&app, &token, "/dist/acme/foo/1.1.0.zip", &[]);
    assert_eq!(dist.status, 200);

    let shown = app.json(&["package", "show", "acme/foo"]);
    assert_eq!(shown["versions"][0]["yanked"], true);
    assert_eq!(shown["versions"][0]["yank_reason"], "broken on PHP 8.4");
    let listed = app.json(&["package", "list"]);
    assert_eq!(listed[0]["latest"], "1.0.0");
}

#[test]
fn unyank_restores_the_version_and_moves_last_modified_forward_again() {
    let (app, token) = shop();
    app.json(&["package", "yank", "acme/foo", "1.1.0"]);
    let hidden = get_as(&app, &token, "/p2/acme/foo.json", &[]);
    app.json(&["package", "unyank", "acme/foo", "v1.1"]);
    let restored = get_as(&app, &token, "/p2/acme/foo.json", &[]);
    assert_eq!(listed_versions(&app, &token), ["1.1.0", "1.0.0"]);
    assert!(last_modified(&restored) > last_modified(&hidden));
}

#[test]
fn yanking_every_version_takes_the_package_out_of_packages_json_but_keeps_dists() {
    let (app, token) = shop();
    app.json(&["package", "yank", "acme/foo", "1.0.0"]);
    app.json(&["package", "yank", "acme/foo", "1.1.0"]);
    let root = get_as(&app, &token, "/packages.json", &[]).json();
    assert_eq!(root["available-packages"], json!([]));
    assert_eq!(get_as(&app, &token, "/p2/acme/foo.json", &[]).status, 404);
    assert_eq!(
        get_as(&app, &token, "/dist/acme/foo/1.0.0.zip", &[]).status,
        200
    );
}

#[test]
fn removing_a_version_deletes_it_and_its_archive() {
    let (app, token) = shop();
    let archives = || {
        std::fs::read_dir(app.data_dir().join("archives"))
            .unwrap()
            .count()
    };
    assert_eq!(archives(), 2);
    // Without --yes it only says what would go.
    let refused = app.fails(&["package", "remove", "acme/foo", "1.1.0"]);
    assert!(refused.contains("nothing removed"), "{refused}");
    let preview = app.run(&["package", "remove", "acme/foo", "1.1.0"]);
    let shown = String::from_utf8_lossy(&preview.stdout);
    assert!(
        shown.contains("acme/foo 1.1.0 would be removed; its archive would be deleted"),
        "{shown}"
    );
    assert_eq!(archives(), 2);
    assert_eq!(listed_versions(&app, &token), ["1.1.0", "1.0.0"]);
    let removed = app.json(&["package", "remove", "acme/foo", "1.1.0", "--yes"]);
    assert_eq!(removed["archive_deleted"], true);
    assert_eq!(archives(), 1);
    assert_eq!(listed_versions(&app, &token), ["1.0.0"]);
    assert_eq!(
        get_as(&app, &token, "/dist/acme/foo/1.1.0.zip", &[]).status,
        404
    );
    let stderr = app.fails(&["package", "remove", "acme/foo", "1.1.0", "--yes"]);
    assert!(stderr.contains("no version 1.1.0 of acme/foo"), "{stderr}");
}

#[test]
fn an_archive_shared_with_another_version_survives_the_removal() {
    let app = Appliance::new();
    let zip = library(app.dir.path(), "acme/twin", "1.0.0", json!({}), None);
    app.publish(&zip, &["--version", "1.0.0"]);
    app.publish(&zip, &["--version", "1.0.1"]);
    let preview = app.run(&["--json", "package", "remove", "acme/twin", "1.0.0"]);
    let preview: serde_json::Value = serde_json::from_slice(&preview.stdout).unwrap();
    assert_eq!(preview["dry_run"], true);
    assert_eq!(preview["archive_deleted"], false);
    let removed = app.json(&["package", "remove", "acme/twin", "1.0.0", "--yes"]);
    assert_eq!(removed["archive_deleted"], false);
    let shown = app.json(&["package", "show", "acme/twin"]);
    let sha = shown["versions"][0]["shasum"].as_str().unwrap().to_string();
    assert_eq!(shown["versions"].as_array().unwrap().len(), 1);
    let removed = app.json(&["package", "remove", "acme/twin", "1.0.1", "--yes"]);
    assert_eq!(removed["archive_deleted"], true, "last user of {sha} gone");
    assert_eq!(app.json(&["package", "list"]), json!([]));
}
