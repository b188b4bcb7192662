//! End-to-end with the real Composer client: what customers actually run against the appliance.

use crate::common::{Appliance, Token, zips};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

/// Composer is a system package, not a Cargo dependency: machines without it skip these tests
/// unless CI insists with `PACKAGENTO_REQUIRE_COMPOSER=1`.
pub(crate) fn composer_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    let available = *AVAILABLE.get_or_init(|| {
        Command::new("composer")
            .arg("--version")
            .env("COMPOSER_ALLOW_SUPERUSER", "1")
            .output()
            .is_ok_and(|output| output.status.success())
    });
    if !available {
        if std::env::var("PACKAGENTO_REQUIRE_COMPOSER").as_deref() == Ok("1") {
            panic!(
                "PACKAGENTO_REQUIRE_COMPOSER=1 but `composer --version` does not run: install composer, php-cli and php-zip"
            );
        }
        eprintln!("note: composer is not installed; skipping this Composer end-to-end test");
    }
    available
}

/// A running appliance, one customer project with an `acme/*` licence, and a Composer project
/// whose auth.json was written by `packagento token create --auth-json`.
pub(crate) struct Shop {
    pub(crate) appliance: Appliance,
    token: Token,
    pub(crate) scratch: PathBuf,
}

impl Shop {
    pub(crate) fn open(access_until: Option<&str>) -> Shop {
        Shop::over(Appliance::started(), access_until)
    }

    /// A shop on an appliance the caller configured and started.
    pub(crate) fn over(appliance: Appliance, access_until: Option<&str>) -> Shop {
        appliance.project("shop");
        appliance.licence("shop", &["acme/*"], access_until);
        let scratch = appliance.dir.path().to_path_buf();
        std::fs::create_dir_all(scratch.join("project")).unwrap();
        let auth_json = scratch.join("project/auth.json");
        let created = appliance.json(&[
            "token",
            "create",
            "--project",
            "shop",
            "--auth-json",
            auth_json.to_str().unwrap(),
            "--host",
            appliance.addr(),
        ]);
        let key = |field: &str| created[field].as_str().unwrap().to_string();
        let token = Token {
            public_key: key("public_key"),
            private_key: key("private_key"),
        };
        Shop {
            appliance,
            token,
            scratch,
        }
    }

    pub(crate) fn publish(&self, name: &str, version: &str, require: Value, time: Option<&str>) {
        let zip = zips::library(&self.scratch.join("zips"), name, version, require, time);
        self.appliance.publish(&zip, &[]);
    }

    pub(crate) fn token(&self) -> &Token {
        &self.token
    }

    fn project(&self) -> PathBuf {
        self.scratch.join("project")
    }

    /// packagist.org is disabled because there is no network, and plain HTTP must be allowed
    /// because the test server has no TLS.
    pub(crate) fn manifest(&self, require: Value) {
        let manifest = json!({
            "name": "test/shop",
            "require": require,
            "repositories": [
                { "type": "composer", "url": self.appliance.url("") },
                { "packagist.org": false },
            ],
            "config": { "secure-http": false },
        });
        std::fs::write(self.project().join("composer.json"), manifest.to_string()).unwrap();
    }

    /// Home and cache live in the test's temp dir so parallel tests and the developer's own
    /// Composer setup never leak into each other.
    pub(crate) fn composer(&self, args: &[&str]) -> Output {
        Command::new("composer")
            .args(args)
            .args(["--no-interaction", "--no-progress", "--no-ansi"])
            .current_dir(self.project())
            .env("COMPOSER_HOME", self.scratch.join("composer-home"))
            .env("COMPOSER_CACHE_DIR", self.cache_dir())
            .env("COMPOSER_ALLOW_SUPERUSER", "1")
            // Composer wraps error boxes at the terminal width, which would split the messages
            // the assertions look for.
            .env("COLUMNS", "500")
            .env_remove("COMPOSER")
            .env_remove("COMPOSER_AUTH")
            .output()
            .expect("run composer")
    }

    fn cache_dir(&self) -> PathBuf {
        self.scratch.join("composer-cache")
    }

    pub(crate) fn composer_ok(&self, args: &[&str]) -> String {
        let output = self.composer(args);
        let text = text(&output);
        assert!(
            output.status.success(),
            "composer {args:?} failed ({}):\n{text}",
            output.status
        );
        text
    }

    pub(crate) fn installed(&self) -> BTreeMap<String, String> {
        let path = self.project().join("vendor/composer/installed.json");
        let installed: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let packages = installed["packages"].as_array().unwrap().iter();
        packages
            .map(|p| {
                (
                    p["name"].as_str().unwrap().into(),
                    p["version"].as_str().unwrap().into(),
                )
            })
            .collect()
    }

    fn downloads(&self) -> Vec<Value> {
        let events = self.appliance.json(&["downloads", "--limit", "100"]);
        events.as_array().unwrap().clone()
    }
}

pub(crate) fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

pub(crate) fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// app needs core ^1.2 and util ~2.0.0; core 2.0.0 and util 2.1.0 are newer but outside the
/// constraints, so picking them would mean the metadata or the ordering is wrong.
fn shop_with_dependencies() -> Shop {
    let shop = Shop::open(None);
    for version in ["1.1.0", "1.2.0", "1.3.0", "2.0.0"] {
        shop.publish("acme/core", version, json!({}), None);
    }
    for version in ["2.0.0", "2.0.5", "2.1.0"] {
        shop.publish("acme/util", version, json!({}), None);
    }
    shop.publish(
        "acme/app",
        "1.0.0",
        json!({ "acme/core": "^1.2", "acme/util": "~2.0.0" }),
        None,
    );
    shop.manifest(json!({ "acme/app": "^1.0" }));
    shop
}

const EXPECTED: [(&str, &str); 3] = [
    ("acme/app", "1.0.0"),
    ("acme/core", "1.3.0"),
    ("acme/util", "2.0.5"),
];

#[test]
fn composer_installs_packages_with_dependencies_using_a_generated_auth_json() {
    if !composer_available() {
        return;
    }
    let shop = shop_with_dependencies();
    shop.composer_ok(&["install"]);
    assert_eq!(shop.installed(), map(&EXPECTED));

    // The autoloaded code is what the archives hold, not just what the metadata claims.
    let script = r#"require "vendor/autoload.php"; echo \Test\app\Info::VERSION, " ", \Test\core\Info::VERSION, " ", \Test\util\Info::VERSION;"#;
    let php = Command::new("php")
        .args(["-r", script])
        .current_dir(shop.project())
        .output()
        .unwrap();
    assert!(php.status.success(), "php failed: {}", text(&php));
    assert_eq!(String::from_utf8_lossy(&php.stdout), "1.0.0 1.3.0 2.0.5");
}

#[test]
fn second_composer_run_revalidates_metadata_with_304s() {
    if !composer_available() {
        return;
    }
    let shop = shop_with_dependencies();
    shop.composer_ok(&["install"]);
    let log = shop.composer_ok(&["update", "-vvv"]);

    let url = |path: &str| shop.appliance.url(path);
    let mut expected = vec![url("/packages.json")];
    expected.extend(
        EXPECTED
            .iter()
            .map(|(name, _)| url(&format!("/p2/{name}.json"))),
    );
    for url in &expected {
        assert!(
            log.lines()
                .any(|line| line.trim() == format!("[304] {url}")),
            "no [304] for {url} in:\n{log}"
        );
    }
    let refetched: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("[200]") && l.contains("/p2/"))
        .collect();
    assert!(
        refetched.is_empty(),
        "p2 files downloaded again: {refetched:?}"
    );
    assert_eq!(shop.installed(), map(&EXPECTED));
}

#[test]
fn subscription_licence_makes_composer_pick_the_last_version_released_inside_the_window() {
    if !composer_available() {
        return;
    }
    let shop = Shop::open(Some("2025-03-31"));
    for (version, day) in [
        ("1.0.0", "2025-01-10"),
        ("1.1.0", "2025-03-01"),
        ("1.2.0", "2025-06-01"),
    ] {
        shop.publish(
            "acme/x",
            version,
            json!({}),
            Some(&format!("{day}T12:00:00+00:00")),
        );
    }
    shop.manifest(json!({}));
    shop.composer_ok(&["require", "acme/x:^1.0"]);
    assert_eq!(shop.installed(), map(&[("acme/x", "1.1.0")]));
}

#[test]
fn revoked_token_makes_composer_fail() {
    if !composer_available() {
        return;
    }
    let shop = shop_with_dependencies();
    shop.composer_ok(&["install"]);
    shop.appliance
        .json(&["token", "revoke", &shop.token.public_key]);

    // Composer falls back to cached metadata on a 401, which would hide the revocation.
    std::fs::remove_dir_all(shop.cache_dir()).unwrap();
    let output = shop.composer(&["update"]);
    let log = text(&output);
    assert!(
        !output.status.success(),
        "composer update succeeded with a revoked token:\n{log}"
    );
    assert!(
        log.contains("required authentication (HTTP 401)"),
        "no authentication failure in:\n{log}"
    );
    // The server's JSON `warning` is how the customer learns why.
    assert!(
        log.contains("token has been revoked"),
        "no reason given in:\n{log}"
    );
}

#[test]
fn notify_batch_events_appear_in_downloads_with_token_ip_and_user_agent() {
    if !composer_available() {
        return;
    }
    let shop = shop_with_dependencies();
    shop.composer_ok(&["install"]);
    let events = shop.downloads();

    for kind in ["notify", "dist"] {
        for (package, version) in EXPECTED {
            let found = events
                .iter()
                .find(|e| e["kind"] == kind && e["package"] == package);
            let event =
                found.unwrap_or_else(|| panic!("no {kind} event for {package} in {events:#?}"));
            assert_eq!(event["version"], version, "{event}");
            assert_eq!(event["project"], "shop", "{event}");
            assert_eq!(
                event["public_key"],
                shop.token.public_key.as_str(),
                "{event}"
            );
            assert_eq!(event["ip"], "127.0.0.1", "{event}");
            let agent = event["user_agent"].as_str().unwrap_or_default();
            assert!(agent.starts_with("Composer/"), "{event}");
        }
    }
    let notify_count = events.iter().filter(|e| e["kind"] == "notify").count();
    assert_eq!(
        notify_count,
        EXPECTED.len(),
        "one notify per installed package: {events:#?}"
    );
}

#[test]
fn composer_update_skips_a_yanked_version_while_install_from_a_lock_pinning_it_still_works() {
    if !composer_available() {
        return;
    }
    let shop = Shop::open(None);
    for version in ["1.0.0", "1.1.0"] {
        shop.publish("acme/x", version, json!({}), None);
    }
    shop.manifest(json!({}));
    shop.composer_ok(&["require", "acme/x:^1.0"]);
    assert_eq!(shop.installed(), map(&[("acme/x", "1.1.0")]));

    shop.appliance.json(&[
        "package",
        "yank",
        "acme/x",
        "1.1.0",
        "--reason",
        "bad build",
    ]);

    // Without vendor/ and Composer's cache the archive must come from the server again.
    std::fs::remove_dir_all(shop.project().join("vendor")).unwrap();
    std::fs::remove_dir_all(shop.cache_dir()).unwrap();
    shop.composer_ok(&["install"]);
    assert_eq!(shop.installed(), map(&[("acme/x", "1.1.0")]));

    shop.composer_ok(&["update"]);
    assert_eq!(shop.installed(), map(&[("acme/x", "1.0.0")]));
}

#[test]
fn composer_requires_a_package_dropped_into_the_inbox() {
    if !composer_available() {
        return;
    }
    let shop = Shop::open(None);
    let zip = zips::library(
        &shop.scratch.join("zips"),
        "acme/inboxed",
        "1.4.0",
        json!({}),
        None,
    );
    let inbox = shop.appliance.data_dir().join("inbox");
    std::fs::copy(&zip, inbox.join("1.4.0.zip")).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while shop.appliance.json(&["package", "list"]) == json!([]) {
        assert!(
            std::time::Instant::now() < deadline,
            "inbox never published"
        );
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    shop.manifest(json!({}));
    shop.composer_ok(&["require", "acme/inboxed:^1.4"]);
    assert_eq!(shop.installed(), map(&[("acme/inboxed", "1.4.0")]));
}

#[test]
fn composer_requires_a_version_imported_from_git_through_the_running_server() {
    if !composer_available() {
        return;
    }
    let shop = Shop::open(None);
    let repo = crate::git_import::GitRepo::sample(&shop.scratch);
    // The server holds the database, so the import can only have gone through its socket.
    let report = shop
        .appliance
        .json(&["package", "import-git", repo.arg(), "--branches"]);
    assert_eq!(report["imported"].as_array().unwrap().len(), 4, "{report}");
    shop.manifest(json!({}));
    shop.composer_ok(&["require", "acme/gitpkg:^1.1"]);
    assert_eq!(shop.installed(), map(&[("acme/gitpkg", "1.1.0")]));
    let class = shop.project().join("vendor/acme/gitpkg/src/Version.php");
    assert!(std::fs::read_to_string(class).unwrap().contains("'1.1'"));
}

/// The id of the licence active on exactly `project`.
fn licence_of(appliance: &crate::common::Appliance, project: &str) -> String {
    let licences = appliance.json(&["licence", "list"]);
    let found = licences
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["projects"] == json!([project]));
    found.unwrap()["id"].as_str().unwrap().to_string()
}

#[test]
fn extending_a_subscription_makes_a_release_from_the_new_window_installable_on_the_next_update() {
    if !composer_available() {
        return;
    }
    let shop = Shop::open(Some("2025-03-31"));
    shop.appliance.project("other");
    shop.appliance
        .licence("other", &["acme/*"], Some("2025-03-31"));
    let other = shop.appliance.token("other");
    for (version, day) in [
        ("1.0.0", "2025-01-10"),
        ("1.1.0", "2025-03-01"),
        ("1.2.0", "2025-06-01"),
    ] {
        let time = format!("{day}T12:00:00+00:00");
        shop.publish("acme/x", version, json!({}), Some(&time));
    }
    shop.manifest(json!({}));
    shop.composer_ok(&["require", "acme/x:^1.0"]);
    assert_eq!(shop.installed(), map(&[("acme/x", "1.1.0")]));

    let metadata = "/p2/acme/x.json";
    let stamp_of = |token: &Token| {
        let response = shop.appliance.get_as(token, metadata, &[]);
        assert_eq!(response.status, 200, "{}", response.text());
        response.header("Last-Modified").unwrap().to_string()
    };
    let stamps = [
        (&shop.token, stamp_of(&shop.token)),
        (&other, stamp_of(&other)),
    ];
    let revalidated = |token: &Token, stamp: &str| {
        let response = shop
            .appliance
            .get_as(token, metadata, &[("If-Modified-Since", stamp)]);
        response.status
    };
    for (token, stamp) in &stamps {
        assert_eq!(revalidated(token, stamp), 304);
    }
    let log = shop.composer_ok(&["update", "-vvv"]);
    let p2 = shop.appliance.url(metadata);
    assert!(
        log.lines().any(|l| l.trim() == format!("[304] {p2}")),
        "{log}"
    );
    assert_eq!(shop.installed(), map(&[("acme/x", "1.1.0")]));

    let id = licence_of(&shop.appliance, "shop");
    let renewed = shop
        .appliance
        .json(&["licence", "extend", &id, "--by", "6m"]);
    assert_eq!(renewed["access_until"], "2025-09-30T23:59:59+00:00");
    let [(_, shop_stamp), (_, other_stamp)] = &stamps;
    assert_eq!(revalidated(&shop.token, shop_stamp), 200);
    assert_eq!(
        revalidated(&other, other_stamp),
        304,
        "the other project's view did not change"
    );

    let log = shop.composer_ok(&["update", "-vvv"]);
    assert!(
        log.lines().any(|l| l.trim() == format!("[200] {p2}")),
        "{log}"
    );
    assert_eq!(shop.installed(), map(&[("acme/x", "1.2.0")]));
}
