//! `packagento backup` and `packagento restore` against real servers, real zips and real files.

use crate::common::http_client::{Response, get};
use crate::common::zips::library;
use crate::common::{Appliance, Token};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};

const PUBLIC_URL: &str = "http://packages.example.test";

fn get_as(app: &Appliance, token: &Token, path: &str) -> Response {
    let basic = token.basic();
    get(app.addr(), path, &[("Authorization", basic.as_str())])
}

/// A running shop: three releases of two packages, a customer, a publisher token, and downloads.
fn busy_shop() -> (Appliance, Token) {
    let mut app = Appliance::new();
    app.start(&["--public-url", PUBLIC_URL]);
    let zips = app.dir.path().join("zips");
    for (name, version) in [
        ("acme/foo", "1.0.0"),
        ("acme/foo", "1.1.0"),
        ("acme/bar", "2.0.0"),
    ] {
        app.publish(&library(&zips, name, version, json!({}), None), &[]);
    }
    let token = app.customer("shop");
    app.json(&["publisher", "create", "--package", "acme/*"]);
    for path in dist_paths(&app, &token) {
        assert_eq!(get_as(&app, &token, &path).status, 200);
    }
    (app, token)
}

/// Every metadata file the token sees, by path.
fn metadata_paths(app: &Appliance, token: &Token) -> Vec<String> {
    let root = get_as(app, token, "/packages.json").json();
    let mut names: Vec<String> = root["available-packages"]
        .as_array()
        .expect("available-packages")
        .iter()
        .map(|name| name.as_str().unwrap().to_string())
        .collect();
    names.sort();
    let mut paths = vec!["/packages.json".to_string()];
    for name in names {
        paths.push(format!("/p2/{name}.json"));
        paths.push(format!("/p2/{name}~dev.json"));
    }
    paths
}

/// (path, shasum) of every dist the token can install.
fn dists(app: &Appliance, token: &Token) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for path in metadata_paths(app, token).into_iter().skip(1) {
        let body = get_as(app, token, &path);
        if body.status != 200 {
            continue;
        }
        for versions in body.json()["packages"].as_object().unwrap().values() {
            for version in versions.as_array().unwrap() {
                let url = version["dist"]["url"].as_str().unwrap();
                let path = url
                    .strip_prefix(PUBLIC_URL)
                    .expect("dist under the public URL");
                let shasum = version["dist"]["shasum"].as_str().unwrap();
                found.push((path.to_string(), shasum.to_string()));
            }
        }
    }
    found
}

fn dist_paths(app: &Appliance, token: &Token) -> Vec<String> {
    dists(app, token)
        .into_iter()
        .map(|(path, _)| path)
        .collect()
}

fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// Runs `packagento restore` with `data_dir` as the target.
fn restore_into(data_dir: &Path, file: &Path) -> std::process::Output {
    let mut command = Appliance::new().command();
    command
        .env("PACKAGENTO_DATA_DIR", data_dir)
        .args(["restore", file.to_str().unwrap(), "--json"])
        .output()
        .expect("run packagento restore")
}

fn backup_file(app: &Appliance) -> PathBuf {
    app.dir.path().join("shop.backup")
}

#[test]
fn a_backup_taken_while_serving_restores_to_a_server_that_answers_byte_for_byte_the_same() {
    let (app, token) = busy_shop();
    let file = backup_file(&app);
    let report = app.json(&["backup", file.to_str().unwrap()]);
    assert_eq!(report["counts"]["releases"], 3);
    assert_eq!(report["counts"]["archives"], 3);
    assert_eq!(report["counts"]["projects"], 1);
    assert_eq!(report["counts"]["publishers"], 1);
    assert_eq!(
        report["counts"]["downloads"], 3,
        "pending download events are flushed first"
    );
    let downloads_before = app.json(&["downloads"]);

    let mut restored = Appliance::new();
    let output = restore_into(&restored.data_dir(), &file);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let restore_report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(restore_report["counts"], report["counts"]);
    restored.start(&["--public-url", PUBLIC_URL]);
    assert_eq!(restored.json(&["downloads"]), downloads_before);

    for path in metadata_paths(&app, &token) {
        let original = get_as(&app, &token, &path);
        let copy = get_as(&restored, &token, &path);
        assert_eq!(copy.status, original.status, "{path}");
        assert_eq!(copy.body, original.body, "{path} differs after restore");
        assert_eq!(
            copy.header("last-modified"),
            original.header("last-modified"),
            "{path}"
        );
    }
    let dists = dists(&restored, &token);
    assert_eq!(dists.len(), 3);
    for (path, shasum) in dists {
        let response = get_as(&restored, &token, &path);
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(sha1_hex(&response.body), shasum, "{path}");
    }
}

#[test]
fn a_backup_without_a_server_opens_the_database_itself_and_restores_too() {
    let (mut app, token) = busy_shop();
    app.stop();
    let file = backup_file(&app);
    let report = app.json(&["backup", file.to_str().unwrap()]);
    assert_eq!(report["counts"]["releases"], 3);

    let mut restored = Appliance::new();
    let output = restore_into(&restored.data_dir(), &file);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    restored.start(&["--public-url", PUBLIC_URL]);
    let root = get_as(&restored, &token, "/packages.json");
    assert_eq!(root.status, 200, "the token still authenticates");
}

/// Flips one byte inside the first zip archive stored in the backup file.
fn flip_a_byte_in_an_archive(file: &Path) {
    let mut contents = std::fs::read(file).unwrap();
    let zip_start = contents
        .windows(4)
        .position(|window| window == b"PK\x03\x04")
        .expect("a zip archive inside the backup");
    contents[zip_start + 40] ^= 0xff;
    std::fs::write(file, contents).unwrap();
}

fn assert_refused_and_left_empty(file: &Path, expected: &str) {
    let target = Appliance::new();
    let output = restore_into(&target.data_dir(), file);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "restore of a damaged backup succeeded"
    );
    assert!(stderr.contains(expected), "unexpected message: {stderr}");
    assert!(
        !target.data_dir().exists(),
        "a refused restore left a data folder behind"
    );
    let leftovers: Vec<_> = std::fs::read_dir(target.dir.path()).unwrap().collect();
    assert!(leftovers.is_empty(), "a refused restore left {leftovers:?}");
}

#[test]
fn a_backup_with_a_flipped_byte_in_an_archive_is_refused_and_nothing_is_restored() {
    let (app, _token) = busy_shop();
    let file = backup_file(&app);
    app.json(&["backup", file.to_str().unwrap()]);
    flip_a_byte_in_an_archive(&file);
    assert_refused_and_left_empty(&file, "does not match its checksum");
}

#[test]
fn a_truncated_backup_is_refused_and_nothing_is_restored() {
    let (app, _token) = busy_shop();
    let file = backup_file(&app);
    app.json(&["backup", file.to_str().unwrap()]);
    let length = std::fs::metadata(&file).unwrap().len();
    let contents = std::fs::read(&file).unwrap();
    std::fs::write(&file, &contents[..(length as usize * 2 / 3)]).unwrap();
    assert_refused_and_left_empty(&file, "damaged or truncated");
}

#[test]
fn a_restore_into_a_folder_that_is_not_empty_is_refused() {
    let (app, _token) = busy_shop();
    let file = backup_file(&app);
    app.json(&["backup", file.to_str().unwrap()]);
    let target = Appliance::new();
    std::fs::create_dir_all(target.data_dir()).unwrap();
    std::fs::write(target.data_dir().join("notes.txt"), "keep me").unwrap();
    let output = restore_into(&target.data_dir(), &file);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not empty"));
    let names: Vec<_> = std::fs::read_dir(target.data_dir()).unwrap().collect();
    assert_eq!(names.len(), 1, "the folder was changed");
}

#[test]
fn a_restore_onto_a_running_server_is_refused() {
    let (app, _token) = busy_shop();
    let file = backup_file(&app);
    app.json(&["backup", file.to_str().unwrap()]);
    let message = app.fails(&["restore", file.to_str().unwrap()]);
    assert!(message.contains("server is running"), "{message}");
}
