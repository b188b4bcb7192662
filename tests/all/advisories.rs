//! Security advisories end to end: the real `composer audit` and `audit --locked` against a
//! running server, the api-url route asked by hand, the p2 files' Last-Modified, and the CLI's
//! refusals and `--yank`.

use crate::common::{Appliance, Token, http_client, zips};
use crate::composer::{Shop, composer_available, text};
use serde_json::{Value, json};
use std::process::{Command, Output};

const API: &str = "/api/security-advisories";
const TITLE: &str = "Remote code execution in the importer";
const CVE: &str = "CVE-2026-12345";
const LINK: &str = "https://acme.example/security/1";

fn add_args<'a>(package: &'a str, affected: &'a str) -> Vec<&'a str> {
    vec![
        "advisory",
        "add",
        package,
        "--affected",
        affected,
        "--title",
        TITLE,
        "--cve",
        CVE,
        "--link",
        LINK,
        "--severity",
        "high",
    ]
}

/// `composer audit …` as `Shop::composer` runs Composer, minus `--no-progress`, which `audit`
/// does not take.
fn composer_audit(shop: &Shop, args: &[&str]) -> Output {
    Command::new("composer")
        .args(args)
        .args(["--no-interaction", "--no-ansi"])
        .current_dir(shop.scratch.join("project"))
        .env("COMPOSER_HOME", shop.scratch.join("composer-home"))
        .env("COMPOSER_CACHE_DIR", shop.scratch.join("composer-cache"))
        .env("COMPOSER_ALLOW_SUPERUSER", "1")
        .env("COLUMNS", "500")
        .env_remove("COMPOSER")
        .env_remove("COMPOSER_AUTH")
        .output()
        .expect("run composer")
}

fn audit_passes(shop: &Shop, args: &[&str]) {
    let output = composer_audit(shop, args);
    assert!(
        output.status.success(),
        "composer {args:?} failed:\n{}",
        text(&output)
    );
}

/// Composer 2.5 prints no advisory id; the table names the package, CVE, title, link and range.
fn audit_fails_naming_the_advisory(shop: &Shop, args: &[&str], affected: &str) {
    let output = composer_audit(shop, args);
    let log = text(&output);
    assert!(!output.status.success(), "composer {args:?} passed:\n{log}");
    for expected in [TITLE, CVE, LINK, "acme/core", affected] {
        assert!(
            log.contains(expected),
            "composer {args:?} does not say {expected}:\n{log}"
        );
    }
}

#[test]
fn composer_audit_fails_on_an_affected_version_and_passes_once_the_fix_is_installed() {
    if !composer_available() {
        return;
    }
    let shop = Shop::open(None);
    for version in ["1.0.0", "1.1.0"] {
        shop.publish("acme/core", version, json!({}), None);
    }
    shop.publish("acme/util", "1.0.0", json!({}), None);
    shop.manifest(json!({"acme/core": "1.0.0", "acme/util": "^1.0"}));
    shop.composer_ok(&["install"]);
    audit_passes(&shop, &["audit"]);

    let added = shop.appliance.json(&add_args("acme/core", "<1.1.0"));
    assert!(
        added["id"].as_str().unwrap().starts_with("PKGA-"),
        "{added}"
    );
    assert_eq!(added["covered_versions"], json!(["1.0.0"]));
    assert_eq!(added["fixed_in"], "1.1.0");
    audit_fails_naming_the_advisory(&shop, &["audit"], "<1.1.0");
    audit_fails_naming_the_advisory(&shop, &["audit", "--locked"], "<1.1.0");

    shop.manifest(json!({"acme/core": "^1.1", "acme/util": "^1.0"}));
    shop.composer_ok(&["update"]);
    audit_passes(&shop, &["audit"]);
    audit_passes(&shop, &["audit", "--locked"]);
}

#[test]
fn a_withdrawn_advisory_no_longer_fails_composer_audit() {
    if !composer_available() {
        return;
    }
    let shop = Shop::open(None);
    shop.publish("acme/core", "1.0.0", json!({}), None);
    shop.manifest(json!({"acme/core": "1.0.0"}));
    shop.composer_ok(&["install"]);
    let id = shop.appliance.json(&add_args("acme/core", "<2.0"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    audit_fails_naming_the_advisory(&shop, &["audit", "--locked"], "<2.0");
    shop.appliance.json(&["advisory", "withdraw", &id]);
    audit_passes(&shop, &["audit", "--locked"]);
}

/// Project "shop" licensed for `acme/*`; published: acme/core, acme/util and other/secret.
fn appliance() -> (Appliance, Token) {
    let appliance = Appliance::started();
    let token = appliance.customer("shop");
    let zips = appliance.dir.path().join("zips");
    for (name, version) in [
        ("acme/core", "1.0.0"),
        ("acme/core", "1.1.0"),
        ("acme/util", "1.0.0"),
        ("other/secret", "1.0.0"),
    ] {
        let zip = zips::library(&zips, name, version, json!({}), None);
        appliance.publish(&zip, &[]);
    }
    (appliance, token)
}

fn ask(appliance: &Appliance, token: &Token, form: &str) -> http_client::Response {
    let basic = token.basic();
    let headers = [
        ("Authorization", basic.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    http_client::request(appliance.addr(), "POST", API, &headers, form.as_bytes())
}

#[test]
fn the_api_url_answers_a_hidden_or_unknown_name_exactly_like_a_visible_one_without_advisories() {
    let (appliance, token) = appliance();
    let id = appliance.json(&add_args("acme/core", "<1.1"))["id"].clone();
    appliance.json(&add_args("other/secret", "<2.0"));

    let root = appliance.get_as(&token, "/packages.json", &[]).json();
    let api_url = format!("http://{}{API}", appliance.addr());
    assert_eq!(
        root["security-advisories"],
        json!({"metadata": true, "api-url": api_url})
    );

    let answer = ask(
        &appliance,
        &token,
        "packages[]=acme/core&packages[]=other/secret",
    );
    assert_eq!(answer.status, 200);
    let advisories = answer.json()["advisories"].clone();
    assert_eq!(advisories.as_object().unwrap().len(), 1, "{advisories}");
    assert_eq!(advisories["acme/core"][0]["advisoryId"], id);

    let without = ask(&appliance, &token, "packages[]=acme/util");
    assert_eq!(without.json(), json!({"advisories": {}}));
    for hidden in ["packages%5B0%5D=other%2Fsecret", "packages[]=acme/nothing"] {
        let answer = ask(&appliance, &token, hidden);
        assert_eq!(answer.status, without.status, "{hidden}");
        assert_eq!(answer.body, without.body, "{hidden}");
        assert_eq!(
            answer.header("content-type"),
            without.header("content-type")
        );
        assert_eq!(
            answer.header("content-length"),
            without.header("content-length")
        );
    }
    let anonymous =
        http_client::request(appliance.addr(), "POST", API, &[], b"packages[]=acme/core");
    assert_eq!(anonymous.status, 401);
}

#[test]
fn a_p2_file_carries_the_advisory_and_only_its_last_modified_moves() {
    let (appliance, token) = appliance();
    let stamp = |path: &str| {
        let response = appliance.get_as(&token, path, &[]);
        assert_eq!(response.status, 200, "{path}");
        let body: Value = response.json();
        (response.header("last-modified").unwrap().to_string(), body)
    };
    let (core, util) = ("/p2/acme/core.json", "/p2/acme/util.json");
    let (initial, _) = stamp(core);
    let (util_stamp, _) = stamp(util);

    let id = appliance.json(&add_args("acme/core", "<1.1"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (added, body) = stamp(core);
    assert_ne!(added, initial);
    assert_eq!(body["security-advisories"][0]["advisoryId"], id.as_str());
    assert_eq!(body["security-advisories"][0]["severity"], "high");

    appliance.json(&[
        "advisory",
        "edit",
        &id,
        "--no-cve",
        "--title",
        "Importer RCE",
    ]);
    let (edited, body) = stamp(core);
    assert_ne!(edited, added);
    assert_eq!(body["security-advisories"][0]["cve"], Value::Null);
    assert_eq!(body["security-advisories"][0]["title"], "Importer RCE");

    appliance.json(&["advisory", "withdraw", &id]);
    let (withdrawn, body) = stamp(core);
    assert_ne!(withdrawn, edited);
    assert!(body.get("security-advisories").is_none(), "{body}");

    assert_eq!(stamp(util).0, util_stamp);
    let revalidated = appliance.get_as(&token, util, &[("If-Modified-Since", &util_stamp)]);
    assert_eq!(revalidated.status, 304);
}

#[test]
fn refused_advisory_commands_change_nothing() {
    let (appliance, _) = appliance();
    let refusals: [(&[&str], &str); 6] = [
        (
            &[
                "advisory",
                "add",
                "acme/x",
                "--affected",
                "<1",
                "--title",
                "t",
            ],
            "no package acme/x",
        ),
        (
            &[
                "advisory",
                "add",
                "acme/core",
                "--affected",
                ">=3.0",
                "--title",
                "t",
            ],
            "--force",
        ),
        (
            &[
                "advisory",
                "add",
                "acme/core",
                "--affected",
                "<1.1",
                "--title",
                "t",
                "--cve",
                "CVE-1",
            ],
            "invalid CVE",
        ),
        (
            &[
                "advisory",
                "add",
                "acme/core",
                "--affected",
                "<1.1",
                "--title",
                "t",
                "--link",
                "ftp://x",
            ],
            "invalid link",
        ),
        (
            &[
                "advisory",
                "add",
                "acme/core",
                "--affected",
                "<<1",
                "--title",
                "t",
            ],
            "invalid version constraint",
        ),
        (
            &["advisory", "show", "PKGA-2020-0042"],
            "no advisory PKGA-2020-0042",
        ),
    ];
    for (args, says) in refusals {
        let stderr = appliance.fails(args);
        assert!(
            stderr.contains(says),
            "{args:?} should say {says:?}: {stderr}"
        );
    }
    for args in [
        &["advisory", "edit", "PKGA-2020-0042", "--title", "t"][..],
        &["advisory", "withdraw", "pkga-2020-0042"][..],
    ] {
        assert!(appliance.fails(args).contains("no advisory PKGA-2020-0042"));
    }
    assert_eq!(appliance.json(&["advisory", "list", "--all"]), json!([]));
    let audit = appliance.json(&["audit", "--action", "advisory"]);
    assert_eq!(audit, json!([]));
    let versions = appliance.json(&["package", "show", "acme/core"])["versions"].clone();
    assert!(
        versions
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["yanked"] == false)
    );
}

#[test]
fn add_with_yank_yanks_each_covered_version_and_says_so_on_one_line() {
    let (appliance, _) = appliance();
    let output = appliance.run(&[
        "advisory",
        "add",
        "acme/core",
        "--affected",
        "<1.1",
        "--title",
        TITLE,
        "--yank",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains("covers 1.0.0; fixed in 1.1.0; yanked 1.0.0"),
        "{line}"
    );
    let id = line.split_whitespace().next().unwrap();

    let versions = appliance.json(&["package", "show", "acme/core"])["versions"].clone();
    let yanked: Vec<(&str, &str)> = versions
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["yanked"] == true)
        .map(|v| {
            (
                v["version"].as_str().unwrap(),
                v["yank_reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(yanked, [("1.0.0", format!("{id}: {TITLE}").as_str())]);
    let actions: Vec<Value> = appliance
        .json(&["audit"])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(actions[..2], [json!("package.yank"), json!("advisory.add")]);
    let shown = appliance.json(&["advisory", "show", id]);
    assert_eq!(shown["covered_versions"], json!(["1.0.0"]));
}
