//! CI uploads: `POST /api/publish` with publisher tokens, against the real server.

use crate::common::http_client::{Response, get, request};
use crate::common::zips::{library, package_zip};
use crate::common::{Appliance, Token};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

const MIB: u64 = 1024 * 1024;
/// `limits.archive_bytes` when the configuration says nothing.
const DEFAULT_ARCHIVE_BYTES: u64 = 256 * MIB;

fn publisher(app: &Appliance, patterns: &[&str]) -> Token {
    let mut args = vec!["publisher", "create", "--label", "ci"];
    for pattern in patterns {
        args.extend(["--package", pattern]);
    }
    let created = app.json(&args);
    Token {
        public_key: created["public_key"].as_str().unwrap().to_string(),
        private_key: created["private_key"].as_str().unwrap().to_string(),
    }
}

fn upload(app: &Appliance, token: &Token, query: &str, zip: &Path) -> Response {
    let basic = token.basic();
    let body = std::fs::read(zip).unwrap();
    let path = format!("/api/publish{query}");
    request(
        app.addr(),
        "POST",
        &path,
        &[
            ("Authorization", &basic),
            ("Content-Type", "application/zip"),
        ],
        &body,
    )
}

fn versions(app: &Appliance) -> Value {
    app.json(&["package", "list"])
}

#[test]
fn curl_upload_with_a_publisher_token_publishes_and_customers_can_download_it() {
    let app = Appliance::started();
    let ci = publisher(&app, &["acme/*"]);
    let zip = library(app.dir.path(), "acme/widget", "1.2.0", json!({}), None);
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "--fail-with-body"])
        .args(["-u", &format!("{}:{}", ci.public_key, ci.private_key)])
        .args(["--data-binary", &format!("@{}", zip.display())])
        .arg(app.url("/api/publish?version=1.2.0"))
        .output()
        .expect("run curl");
    assert!(
        output.status.success(),
        "curl failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["name"], "acme/widget");
    assert_eq!(answer["version"], "1.2.0");
    assert_eq!(answer["status"], "published");
    assert_eq!(versions(&app)[0]["latest"], "1.2.0");

    let customer = app.customer("shop");
    let basic = customer.basic();
    let dist = get(
        app.addr(),
        "/dist/acme/widget/1.2.0.zip",
        &[("Authorization", &basic)],
    );
    assert_eq!(dist.status, 200);
    assert_eq!(dist.body, std::fs::read(&zip).unwrap());

    let again = upload(&app, &ci, "?version=1.2.0", &zip);
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["status"], "unchanged");
}

#[test]
fn an_install_token_cannot_publish_and_a_publisher_token_cannot_install() {
    let app = Appliance::started();
    let customer = app.customer("shop");
    let ci = publisher(&app, &[]);
    let zip = library(app.dir.path(), "acme/widget", "1.0.0", json!({}), None);

    let refused = upload(&app, &customer, "?version=1.0.0", &zip);
    assert_eq!(refused.status, 403, "{}", refused.text());
    let message = refused.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("install token"), "{message}");
    assert_eq!(versions(&app), json!([]));

    let basic = ci.basic();
    for path in ["/packages.json", "/p2/acme/widget.json"] {
        let response = get(app.addr(), path, &[("Authorization", &basic)]);
        assert_eq!(response.status, 401, "{path}");
        assert!(response.json()["warning"].is_string());
    }
}

#[test]
fn uploads_without_valid_publisher_credentials_get_401_with_a_reason() {
    let app = Appliance::started();
    let ci = publisher(&app, &[]);
    let zip = library(app.dir.path(), "acme/widget", "1.0.0", json!({}), None);
    let wrong = Token {
        public_key: ci.public_key.clone(),
        private_key: "00".repeat(32),
    };
    let response = upload(&app, &wrong, "", &zip);
    assert_eq!(response.status, 401);
    assert_eq!(response.json()["error"]["code"], "unauthorized");
    assert!(response.header("www-authenticate").is_some());

    let anonymous = request(app.addr(), "POST", "/api/publish", &[], b"PK");
    assert_eq!(anonymous.status, 401);

    app.json(&["publisher", "revoke", &ci.public_key]);
    let revoked = upload(&app, &ci, "?version=1.0.0", &zip);
    assert_eq!(revoked.status, 401);
    assert!(revoked.text().contains("revoked"), "{}", revoked.text());
    let listed = app.json(&["publisher", "list"]);
    assert!(listed[0]["revoked_at"].is_i64(), "{listed}");
    assert!(listed[0].get("secret_hash").is_none());
    assert_eq!(versions(&app), json!([]));
}

#[test]
fn a_restricted_publisher_token_may_publish_only_its_vendor() {
    let app = Appliance::started();
    let ci = publisher(&app, &["acme/*"]);
    let zip = library(app.dir.path(), "other/thing", "1.0.0", json!({}), None);
    let response = upload(&app, &ci, "?version=1.0.0", &zip);
    assert_eq!(response.status, 403, "{}", response.text());
    assert!(response.text().contains("may not publish other/thing"));
    assert_eq!(versions(&app), json!([]));
    let log = app.json(&["package", "log"]);
    assert_eq!(log[0]["source"], "upload");
    assert_eq!(log[0]["outcome"], "failed");
    assert_eq!(
        log[0]["file"],
        Value::Null,
        "an upload has no file name of its own"
    );
    assert_eq!(log.as_array().unwrap().len(), 1, "{log}");
}

#[test]
fn bad_uploads_get_422_409_or_413_saying_what_was_wrong() {
    let app = Appliance::started();
    let ci = publisher(&app, &[]);
    let dir = app.dir.path();

    let not_zip = dir.join("junk.zip");
    std::fs::write(&not_zip, b"this is not a zip").unwrap();
    let response = upload(&app, &ci, "?version=1.0.0", &not_zip);
    assert_eq!(response.status, 422);
    let message = response.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("not a valid zip"), "{message}");
    assert!(
        !message.contains(".upload-"),
        "server paths leak: {message}"
    );

    let unversioned = package_zip(dir, "x.zip", &json!({"name": "acme/x"}), &[]);
    let response = upload(&app, &ci, "", &unversioned);
    assert_eq!(response.status, 422);
    assert!(response.text().contains("?version="), "{}", response.text());

    let first = library(dir, "acme/x", "1.0.0", json!({}), None);
    assert_eq!(upload(&app, &ci, "?version=1.0.0", &first).status, 200);
    let other = library(dir, "acme/x", "1.0.1", json!({}), None);
    let response = upload(&app, &ci, "?version=1.0.0", &other);
    assert_eq!(response.status, 409);
    assert!(
        response.text().contains("different contents"),
        "{}",
        response.text()
    );

    let basic = ci.basic();
    let huge = request(
        app.addr(),
        "POST",
        "/api/publish?version=2.0.0",
        &[("Authorization", &basic), ("Content-Length", "300000000")],
        b"PK",
    );
    assert_eq!(huge.status, 413);
    assert_eq!(huge.json()["error"]["code"], "too_large");
    let leftovers: Vec<_> = std::fs::read_dir(app.data_dir().join("archives"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "staging files left: {leftovers:?}");
}

/// `dir/1.0.0.zip`, a valid release of `acme/big` carrying `payload` bytes of data that does not
/// compress. Stored rather than deflated, so its size is exactly what the test asks for.
fn big_release(dir: &Path, payload: u64) -> PathBuf {
    let path = dir.join("1.0.0.zip");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    writer.start_file("composer.json", stored).unwrap();
    writer
        .write_all(br#"{"name": "acme/big", "type": "library"}"#)
        .unwrap();
    writer.start_file("data.bin", stored).unwrap();
    // Longer than deflate's 32 KiB window, so repeating it still gives nothing to compress.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let block: Vec<u8> = (0..64 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect();
    let mut left = payload;
    while left > 0 {
        let part = left.min(block.len() as u64) as usize;
        writer.write_all(&block[..part]).unwrap();
        left -= part as u64;
    }
    writer.finish().unwrap();
    path
}

/// Uploads `zip` as version 1.0.0 with curl, streaming it from disk. curl waits for the
/// server's `100 Continue`, so an upload refused by its Content-Length is answered before any
/// of the body is sent. Returns the status and the JSON answer.
fn upload_streamed(app: &Appliance, token: &Token, zip: &Path) -> (u16, Value) {
    let answer = app.dir.path().join("answer.json");
    let output = Command::new("curl")
        .args(["--silent", "--show-error"])
        .args(["-u", &format!("{}:{}", token.public_key, token.private_key)])
        .args(["-H", "Expect: 100-continue", "--expect100-timeout", "60"])
        .args(["-H", "Content-Type: application/zip", "-X", "POST"])
        .arg("--upload-file")
        .arg(zip)
        .arg("--output")
        .arg(&answer)
        .args(["--write-out", "%{http_code}"])
        .arg(app.url("/api/publish?version=1.0.0"))
        .output()
        .expect("run curl");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let status = stdout.trim().parse().unwrap_or_else(|_| {
        panic!(
            "curl printed no status: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let body = std::fs::read(&answer).unwrap();
    let body = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&body)));
    (status, body)
}

fn staging_leftovers(app: &Appliance) -> Vec<String> {
    std::fs::read_dir(app.data_dir().join("archives"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect()
}

fn set_archive_limit(app: &Appliance, bytes: u64) {
    std::fs::create_dir_all(app.data_dir()).unwrap();
    let config = format!("[limits]\narchive_bytes = {bytes}\n");
    std::fs::write(app.data_dir().join("packagento.toml"), config).unwrap();
}

#[test]
fn an_archive_over_the_default_limit_uploads_once_the_configured_limit_is_raised() {
    let mut app = Appliance::started();
    let ci = publisher(&app, &["acme/*"]);
    let zip = big_release(app.dir.path(), DEFAULT_ARCHIVE_BYTES + MIB);
    let size = std::fs::metadata(&zip).unwrap().len();

    let (status, refused) = upload_streamed(&app, &ci, &zip);
    assert_eq!(status, 413, "{refused}");
    assert_eq!(refused["error"]["code"], "too_large");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("{DEFAULT_ARCHIVE_BYTES}-byte limit"))
            && message.contains("limits.archive_bytes"),
        "{message}"
    );
    assert_eq!(versions(&app), json!([]));
    assert_eq!(staging_leftovers(&app), Vec::<String>::new());

    app.stop();
    set_archive_limit(&app, 2 * DEFAULT_ARCHIVE_BYTES);
    app.start(&[]);
    let (status, published) = upload_streamed(&app, &ci, &zip);
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["name"], "acme/big");
    assert_eq!(published["status"], "published");
    let shown = app.json(&["package", "show", "acme/big"]);
    assert_eq!(shown["versions"][0]["size"], size);
    assert_eq!(staging_leftovers(&app), Vec::<String>::new());
}

#[test]
fn a_lowered_archive_limit_refuses_uploads_and_cli_publishes_over_it() {
    let mut app = Appliance::new();
    set_archive_limit(&app, 64 * 1024);
    app.start(&[]);
    let ci = publisher(&app, &[]);
    let zip = big_release(app.dir.path(), 100 * 1024);

    let (status, refused) = upload_streamed(&app, &ci, &zip);
    assert_eq!(status, 413, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("65536-byte limit"), "{message}");

    let error = app.fails(&["package", "publish", zip.to_str().unwrap()]);
    assert!(error.contains("65536-byte limit"), "{error}");
    assert_eq!(versions(&app), json!([]));
}
