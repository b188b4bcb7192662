//! A token's lifetime end to end: rotation with an overlap, expiry and address allowlists, seen
//! by the real Composer client and by plain HTTP requests.

use crate::common::http_client::{get, request};
use crate::common::{Appliance, Token, bytes_contain, free_port, zips};
use crate::composer::{composer_available, text};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A Composer project of its own (manifest, auth.json, home and cache) against `appliance`.
struct Client {
    dir: PathBuf,
}

impl Client {
    fn new(appliance: &Appliance, name: &str) -> Client {
        let dir = appliance.dir.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let manifest = json!({
            "name": "test/shop",
            "require": { "acme/x": "^1.0" },
            "repositories": [
                { "type": "composer", "url": appliance.url("") },
                { "packagist.org": false },
            ],
            "config": { "secure-http": false },
        });
        std::fs::write(dir.join("composer.json"), manifest.to_string()).unwrap();
        Client { dir }
    }

    fn auth_json(&self) -> PathBuf {
        self.dir.join("auth.json")
    }

    /// A fresh install every time: with no cache, lock or vendor folder, every request reaches
    /// the server and needs the credentials.
    fn install(&self) -> Output {
        for leftover in ["cache", "vendor", "composer.lock"] {
            let path = self.dir.join(leftover);
            let _ = std::fs::remove_dir_all(&path);
            let _ = std::fs::remove_file(&path);
        }
        Command::new("composer")
            .args(["install", "--no-interaction", "--no-progress", "--no-ansi"])
            .current_dir(&self.dir)
            .env("COMPOSER_HOME", self.dir.join("home"))
            .env("COMPOSER_CACHE_DIR", self.dir.join("cache"))
            .env("COMPOSER_ALLOW_SUPERUSER", "1")
            .env("COLUMNS", "500")
            .env_remove("COMPOSER")
            .env_remove("COMPOSER_AUTH")
            .output()
            .expect("run composer")
    }

    fn installs(&self) {
        let output = self.install();
        assert!(
            output.status.success(),
            "composer failed:\n{}",
            text(&output)
        );
        assert!(self.dir.join("vendor/acme/x").is_dir());
    }

    /// Composer fails with the server's warning in its output; the output is returned.
    fn refused(&self, warning: &str) -> String {
        let output = self.install();
        let log = text(&output);
        assert!(!output.status.success(), "composer succeeded:\n{log}");
        assert!(log.contains("HTTP 401"), "no 401 in:\n{log}");
        assert!(log.contains(warning), "no {warning:?} in:\n{log}");
        log
    }
}

/// A running appliance with a project `shop` licensed for `acme/*` and `acme/x` 1.0.0 published.
fn shop(extra_args: &[&str]) -> Appliance {
    let mut appliance = Appliance::new();
    appliance.start(extra_args);
    appliance.project("shop");
    appliance.licence("shop", &["acme/*"], None);
    let zip = zips::library(
        &appliance.dir.path().join("zips"),
        "acme/x",
        "1.0.0",
        json!({}),
        None,
    );
    appliance.publish(&zip, &[]);
    appliance
}

fn create_token(appliance: &Appliance, auth_json: Option<&Path>, extra: &[&str]) -> Value {
    let mut args = vec![
        "token",
        "create",
        "--project",
        "shop",
        "--host",
        appliance.addr(),
    ];
    let path = auth_json.map(|p| p.to_str().unwrap().to_string());
    if let Some(path) = &path {
        args.extend(["--auth-json", path]);
    }
    args.extend(extra);
    appliance.json(&args)
}

fn token_of(value: &Value) -> Token {
    Token {
        public_key: value["public_key"].as_str().unwrap().to_string(),
        private_key: value["private_key"].as_str().unwrap().to_string(),
    }
}

fn warning(response: &crate::common::http_client::Response) -> String {
    response.json()["warning"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_rotation_keeps_the_old_auth_json_working_through_the_overlap_only() {
    if !composer_available() {
        return;
    }
    let appliance = shop(&[]);
    let (old, new) = (
        Client::new(&appliance, "old"),
        Client::new(&appliance, "new"),
    );
    let created = create_token(&appliance, Some(&old.auth_json()), &[]);
    old.installs();

    let new_auth = new.auth_json();
    let started = Instant::now();
    let rotated = appliance.json(&[
        "token",
        "rotate",
        created["public_key"].as_str().unwrap(),
        "--overlap",
        "2s",
        "--auth-json",
        new_auth.to_str().unwrap(),
        "--host",
        appliance.addr(),
    ]);
    // Without the overlap the old key would be refused at once: its install succeeding is the proof.
    old.installs();
    new.installs();
    assert_eq!(rotated["previous_public_key"], created["public_key"]);
    assert_ne!(rotated["public_key"], created["public_key"]);
    assert!(
        rotated["previous_valid_until"].as_i64().is_some(),
        "{rotated}"
    );

    let listed = appliance.json(&["token", "list"]);
    assert_eq!(listed[0]["public_key"], rotated["public_key"]);
    assert_eq!(listed[0]["previous_public_key"], created["public_key"]);

    // The server rounds the overlap's end up to a whole second.
    std::thread::sleep(Duration::from_secs(3).saturating_sub(started.elapsed()));
    old.refused("token has been revoked");
    new.installs();
}

#[test]
fn composer_is_told_when_its_token_expired_and_a_wrong_secret_is_not() {
    if !composer_available() {
        return;
    }
    let appliance = shop(&[]);
    let client = Client::new(&appliance, "client");
    let created = create_token(
        &appliance,
        Some(&client.auth_json()),
        &["--expires", "2020-01-01"],
    );
    client.refused("this token expired on 2020-01-01T23:59:59+00:00; ask the vendor");

    let mut wrong = token_of(&created);
    wrong.private_key = "0".repeat(64);
    let response = appliance.get_as(&wrong, "/packages.json", &[]);
    assert_eq!(response.status, 401);
    assert!(
        warning(&response).starts_with("invalid credentials"),
        "{}",
        response.text()
    );

    let key = created["public_key"].as_str().unwrap();
    appliance.json(&["token", "extend", key, "--never"]);
    client.installs();
}

#[test]
fn an_expiry_takes_effect_on_the_next_request_without_any_change() {
    let appliance = shop(&[]);
    let soon = chrono_like_in(2);
    let token = token_of(&create_token(&appliance, None, &["--expires", &soon]));
    assert_eq!(appliance.get_as(&token, "/packages.json", &[]).status, 200);
    std::thread::sleep(Duration::from_millis(3_100));
    let response = appliance.get_as(&token, "/packages.json", &[]);
    assert_eq!(response.status, 401);
    assert!(
        warning(&response).contains("expired on"),
        "{}",
        response.text()
    );
}

/// An RFC 3339 instant `secs` from now, from the server's own clock source (the system's).
fn chrono_like_in(secs: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + secs;
    let output = Command::new("date")
        .args(["-u", "-d", &format!("@{now}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[test]
fn token_list_expiring_shows_the_soonest_first_with_the_expired_marked() {
    let appliance = shop(&[]);
    let later = create_token(&appliance, None, &["--expires-in", "20d"]);
    let expired = create_token(&appliance, None, &["--expires", "2020-01-01"]);
    create_token(&appliance, None, &["--expires-in", "1y"]);
    create_token(&appliance, None, &[]);
    let both = [
        "token",
        "create",
        "--project",
        "shop",
        "--expires",
        "2030-01-01",
        "--expires-in",
        "1d",
    ];
    appliance.fails(&both);

    let listed = appliance.json(&["token", "list", "--expiring", "30d"]);
    let keys: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["public_key"])
        .collect();
    assert_eq!(keys, [&expired["public_key"], &later["public_key"]]);
    let human = appliance.run(&["token", "list", "--expiring", "30d"]);
    let human = String::from_utf8_lossy(&human.stdout).into_owned();
    let first = human.lines().next().unwrap_or_default();
    assert!(
        first.contains(" expired ") && first.contains("expires 2020-01-01"),
        "{human}"
    );
    assert_eq!(human.lines().count(), 2, "{human}");
}

#[test]
fn an_allowlisted_token_is_refused_from_other_addresses_behind_a_trusted_proxy() {
    let appliance = shop(&["--trusted-proxy", "127.0.0.0/8"]);
    let created = create_token(&appliance, None, &["--allow-ip", "203.0.113.0/24"]);
    let token = token_of(&created);
    let from = |ip: &'static str| [("X-Forwarded-For", ip)];
    let inside = appliance.get_as(&token, "/packages.json", &from("203.0.113.9"));
    assert_eq!(inside.status, 200, "{}", inside.text());

    let outside = appliance.get_as(&token, "/packages.json", &from("198.51.100.1"));
    assert_eq!(outside.status, 401);
    assert!(
        warning(&outside).contains("not in its allowlist"),
        "{}",
        outside.text()
    );
    let mut wrong = token.clone();
    wrong.private_key = "0".repeat(64);
    let guess = appliance.get_as(&wrong, "/packages.json", &from("198.51.100.1"));
    assert!(
        warning(&guess).starts_with("invalid credentials"),
        "{}",
        guess.text()
    );

    let key = created["public_key"].as_str().unwrap();
    appliance.json(&["token", "allow", key, "--anywhere"]);
    let anywhere = appliance.get_as(&token, "/packages.json", &from("198.51.100.1"));
    assert_eq!(anywhere.status, 200, "{}", anywhere.text());
}

#[test]
fn a_former_key_is_answered_with_the_key_it_became() {
    let appliance = shop(&[]);
    let created = create_token(&appliance, None, &[]);
    let old = created["public_key"].as_str().unwrap();
    let rotated = appliance.json(&["token", "rotate", old]);
    let new = rotated["public_key"].as_str().unwrap();
    for verb in [vec!["revoke", old], vec!["extend", old, "--never"]] {
        let mut args = vec!["token"];
        args.extend(verb);
        let error = appliance.fails(&args);
        assert!(error.contains(&format!("current key is {new}")), "{error}");
    }
    // Without an overlap the old key is refused at once, as revoked to its right secret.
    let response = appliance.get_as(&token_of(&created), "/packages.json", &[]);
    assert_eq!(response.status, 401);
    assert!(
        warning(&response).contains("revoked"),
        "{}",
        response.text()
    );
}

/// Writes a configuration asking for argon2id key hashes into the (new, private) data folder;
/// returns its path, so the test can take it away again.
fn argon2id_config(appliance: &Appliance) -> PathBuf {
    std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
        .create(appliance.data_dir())
        .unwrap();
    let config = appliance.data_dir().join("packagento.toml");
    std::fs::write(&config, "[keys]\nhash = \"argon2id\"\n").unwrap();
    config
}

/// Whether the database file holds a key hash of this kind (`$argon2id$`, `$sha256$`).
fn stores_hash_kind(appliance: &Appliance, marker: &str) -> bool {
    let bytes = std::fs::read(appliance.data_dir().join("packagento.redb")).unwrap();
    bytes_contain(&bytes, marker)
}

#[test]
fn an_argon2id_key_keeps_working_after_the_hash_setting_changes_and_through_a_rotation() {
    let mut appliance = Appliance::new();
    let config = argon2id_config(&appliance);
    appliance.start(&[]);
    appliance.project("shop");
    appliance.licence("shop", &["acme/*"], None);
    let created = create_token(&appliance, None, &[]);
    let old = token_of(&created);
    assert_eq!(appliance.get_as(&old, "/packages.json", &[]).status, 200);
    assert!(stores_hash_kind(&appliance, "$argon2id$"));
    assert!(!stores_hash_kind(&appliance, "$sha256$"));

    appliance.stop();
    std::fs::remove_file(&config).unwrap();
    appliance.start(&[]);
    assert_eq!(appliance.get_as(&old, "/packages.json", &[]).status, 200);
    let rotated = appliance.json(&["token", "rotate", &old.public_key, "--overlap", "1h"]);
    let new = token_of(&rotated);
    assert!(stores_hash_kind(&appliance, "$sha256$"), "the default");
    for token in [&old, &new] {
        assert_eq!(appliance.get_as(token, "/packages.json", &[]).status, 200);
    }
    let mut wrong = new.clone();
    wrong.private_key.replace_range(..1, "x");
    assert_eq!(appliance.get_as(&wrong, "/packages.json", &[]).status, 401);
    assert!(!stores_hash_kind(&appliance, &new.private_key));
}

#[test]
fn an_unknown_key_hash_is_refused_before_anything_is_made() {
    let appliance = Appliance::new();
    appliance.project("shop");
    let output = appliance
        .command()
        .args(["token", "create", "--project", "shop"])
        .env("PACKAGENTO_KEY_HASH", "md5")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("keys.hash"), "{stderr}");
    assert_eq!(appliance.json(&["token", "list"]), json!([]));
}

#[test]
fn argon2id_keys_are_rehashed_at_their_first_login_so_later_restarts_check_them_with_sha256() {
    let mut appliance = Appliance::new();
    let config = argon2id_config(&appliance);
    appliance.project("shop");
    let replaced = token_of(&appliance.json(&["token", "create", "--project", "shop"]));
    let rotated = appliance.json(&["token", "rotate", &replaced.public_key, "--overlap", "7d"]);
    let current = token_of(&rotated);
    let publisher = token_of(&appliance.json(&["publisher", "create", "--label", "ci"]));
    std::fs::remove_file(&config).unwrap();

    let metrics = format!("127.0.0.1:{}", free_port());
    let zips = appliance.dir.path().join("zips");
    let checks = |appliance: &mut Appliance, version: &str| {
        appliance.start(&["--metrics-listen", &metrics]);
        for token in [&replaced, &current] {
            assert_eq!(appliance.get_as(token, "/packages.json", &[]).status, 200);
        }
        let zip = zips::library(&zips, "acme/tool", version, json!({}), None);
        let basic = publisher.basic();
        let headers = [("Authorization", basic.as_str())];
        let body = std::fs::read(zip).unwrap();
        let path = format!("/api/publish?version={version}");
        let uploaded = request(appliance.addr(), "POST", &path, &headers, &body);
        assert_eq!(uploaded.status, 200, "{}", uploaded.text());
        let text = get(&metrics, "/metrics", &[]).text();
        // Stopping flushes what the server still holds, the upgraded hashes among it.
        appliance.stop();
        text
    };
    let first = checks(&mut appliance, "1.0.0");
    assert!(
        first.contains("packagento_key_checks_total{hash=\"Argon2id\"} 3"),
        "{first}"
    );
    let second = checks(&mut appliance, "1.0.1");
    assert!(
        second.contains("packagento_key_checks_total{hash=\"Sha256\"} 3"),
        "{second}"
    );
    assert!(!second.contains("hash=\"Argon2id\""), "{second}");
    assert!(!stores_hash_kind(&appliance, "$argon2id$"));
}
