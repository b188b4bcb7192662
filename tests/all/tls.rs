//! HTTPS served directly: HTTP/2 and HTTP/1.1, certificates swapped on disk without a restart,
//! and the real Composer client with `secure-http` left on.

use crate::common::tls::{TestCa, h2_get, handshake, https_get};
use crate::common::zips::library;
use crate::common::{Appliance, Token};
use serde_json::json;
use std::process::Command;
use std::time::{Duration, Instant};

/// A server with a plain and an HTTPS listener; returns (appliance, https address, CA).
fn serving_tls() -> (Appliance, String, TestCa) {
    let mut app = Appliance::new();
    let ca = TestCa::new(&app.dir.path().join("tls"));
    let urls = app.start_announcing(
        &[
            "--listen",
            "127.0.0.1:0",
            "--tls-listen",
            "127.0.0.1:0",
            "--tls-cert",
            ca.cert_path.to_str().unwrap(),
            "--tls-key",
            ca.key_path.to_str().unwrap(),
        ],
        2,
    );
    let https = urls[1]
        .strip_prefix("https://")
        .expect("second line is https")
        .to_string();
    (app, https, ca)
}

#[test]
fn https_offers_http2_and_http1_and_plain_http_stays_available() {
    let (app, https, ca) = serving_tls();
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let on_disk = CertificateDer::from_pem_file(&ca.cert_path).unwrap();
    let h2 = handshake(&https, ca.client_config(&[b"h2", b"http/1.1"]));
    assert_eq!(h2.alpn.as_deref(), Some(&b"h2"[..]));
    assert_eq!(h2.certificate, on_disk);
    let h1 = handshake(&https, ca.client_config(&[b"http/1.1"]));
    assert_eq!(h1.alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert_eq!(h1.certificate, h2.certificate);

    assert_eq!(https_get(&https, &ca, "/healthz", &[]).text(), "ok\n");
    let plain = crate::common::http_client::get(app.addr(), "/healthz", &[]);
    assert_eq!(plain.text(), "ok\n");
}

#[test]
fn a_certificate_swapped_on_disk_is_served_on_the_next_connection() {
    let (_app, https, ca) = serving_tls();
    let first = handshake(&https, ca.client_config(&[b"h2"])).certificate;
    let renewed = ca.issue(2);
    assert_ne!(first.as_ref(), renewed.as_slice());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let served = handshake(&https, ca.client_config(&[b"h2"])).certificate;
        if served.as_ref() == renewed.as_slice() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the renewed certificate was never served"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn dist_urls_use_https_when_the_request_came_over_tls() {
    let (app, https, ca) = serving_tls();
    let token = stocked(&app);
    let basic = token.basic();
    let response = https_get(
        &https,
        &ca,
        "/p2/acme/tool.json",
        &[("Authorization", &basic)],
    );
    let metadata = response.json();
    let url = metadata["packages"]["acme/tool"][0]["dist"]["url"]
        .as_str()
        .unwrap();
    assert_eq!(url, format!("https://{https}/dist/acme/tool/1.0.0.zip"));
}

#[test]
fn over_http2_the_authority_names_the_host_and_every_read_is_answered() {
    let (app, https, ca) = serving_tls();
    let token = stocked(&app);
    let basic = token.basic();
    let auth = [("authorization", basic.as_str())];
    let metadata = h2_get(&https, &ca, "/p2/acme/tool.json", &auth);
    assert_eq!(metadata.status, 200, "{}", metadata.text());
    let url = metadata.json()["packages"]["acme/tool"][0]["dist"]["url"].clone();
    assert_eq!(
        url,
        json!(format!("https://{https}/dist/acme/tool/1.0.0.zip"))
    );
    let root = h2_get(&https, &ca, "/packages.json", &auth);
    assert_eq!(root.status, 200);
    let archive = h2_get(&https, &ca, "/dist/acme/tool/1.0.0.zip", &auth);
    assert_eq!(archive.status, 200);
    assert!(archive.body.starts_with(b"PK"));
    let anonymous = h2_get(&https, &ca, "/p2/acme/tool.json", &[]);
    assert_eq!(anonymous.status, 401);
}

fn stocked(app: &Appliance) -> Token {
    let dir = app.dir.path().join("zips");
    app.publish(&library(&dir, "acme/tool", "1.0.0", json!({}), None), &[]);
    app.customer("shop")
}

#[test]
fn composer_installs_over_https_with_secure_http_on_trusting_the_test_ca() {
    if !crate::composer::composer_available() {
        return;
    }
    let (app, https, ca) = serving_tls();
    let token = stocked(&app);
    let project = app.dir.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    let manifest = json!({
        "name": "test/tls-shop",
        "require": { "acme/tool": "^1.0" },
        "repositories": [
            { "type": "composer", "url": format!("https://{https}") },
            { "packagist.org": false },
        ],
        // secure-http stays at its default (on); only the CA is added.
        "config": { "cafile": ca.ca_path },
    });
    std::fs::write(project.join("composer.json"), manifest.to_string()).unwrap();
    let auth = json!({ "http-basic": { https.clone(): {
        "username": token.public_key, "password": token.private_key } } });
    std::fs::write(project.join("auth.json"), auth.to_string()).unwrap();
    let output = Command::new("composer")
        .args(["install", "--no-interaction", "--no-progress", "--no-ansi"])
        .current_dir(&project)
        .env("COMPOSER_HOME", app.dir.path().join("composer-home"))
        .env("COMPOSER_CACHE_DIR", app.dir.path().join("composer-cache"))
        .env("COMPOSER_ALLOW_SUPERUSER", "1")
        .env("COLUMNS", "500")
        .env_remove("COMPOSER")
        .env_remove("COMPOSER_AUTH")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "composer install failed:\n{text}");
    assert!(
        project.join("vendor/acme/tool/src/Info.php").exists(),
        "{text}"
    );
    let events = app.json(&["downloads"]);
    let dist = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "dist");
    assert_eq!(
        dist.expect("a dist download")["package"],
        "acme/tool",
        "{events}"
    );
}
