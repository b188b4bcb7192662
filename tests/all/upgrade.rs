//! Upgrades: a data folder written by an earlier release (tests/fixtures/*) opened by this build
//! keeps every project, token and licence working, and gains what the new schema adds.

use crate::common::{Appliance, Token};
use serde_json::Value;
use sha2::Digest;
use std::path::Path;

const SCHEMA2: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/schema2");
const SCHEMA3: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/schema3");

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The fixture's tokens, by project.
fn fixture_tokens(fixture: &str) -> Vec<(String, Token)> {
    let text = std::fs::read_to_string(Path::new(fixture).join("tokens.jsonl")).unwrap();
    text.lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line).unwrap();
            let field = |name: &str| value[name].as_str().unwrap().to_string();
            let token = Token {
                public_key: field("public_key"),
                private_key: field("private_key"),
            };
            (field("project"), token)
        })
        .collect()
}

fn upgraded(fixture: &str) -> Appliance {
    let appliance = Appliance::new();
    copy_tree(&Path::new(fixture).join("data"), &appliance.data_dir());
    appliance
}

fn by_key<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|item| item[key] == value)
        .unwrap_or_else(|| panic!("no {key} = {value} in {list}"))
}

#[test]
fn a_schema_2_database_gives_each_holder_and_project_a_customer() {
    let appliance = upgraded(SCHEMA2);
    let projects = appliance.json(&["project", "list"]);
    let customer_of = |slug: &str| by_key(&projects, "slug", slug)["customer"].clone();
    assert_eq!(customer_of("shop"), "acme-shop-gmbh");
    assert_eq!(customer_of("agency"), "beta-ltd");
    // Licences of several holders, or none: a customer of the project's own name.
    assert_eq!(customer_of("multi"), "project-multi");
    assert_eq!(customer_of("lonely"), "project-lonely");
    let licences = appliance.json(&["licence", "list"]);
    assert_eq!(licences.as_array().unwrap().len(), 4);
    let gamma = by_key(&licences, "holder", "Gamma");
    assert_eq!(gamma["customer"], "gamma");
    assert_eq!(gamma["revoked"], true);
    assert_eq!(gamma["projects"], serde_json::json!(["multi"]));
    for licence in licences.as_array().unwrap() {
        assert_eq!(licence["versions"], Value::Null);
        assert_eq!(licence["seats"], Value::Null);
        assert_eq!(licence["dependencies"], true);
    }
}

#[test]
fn every_token_of_a_schema_2_database_still_sees_what_it_saw() {
    let mut appliance = upgraded(SCHEMA2);
    appliance.start(&[]);
    let expected = [
        ("shop", vec!["acme/core", "acme/pro"]),
        ("agency", vec!["acme/pro"]),
        ("multi", vec!["acme/core", "acme/pro"]),
        ("lonely", vec![]),
    ];
    let tokens = fixture_tokens(SCHEMA2);
    for (project, available) in expected {
        let token = &tokens.iter().find(|(p, _)| p == project).unwrap().1;
        let response = appliance.get_as(token, "/packages.json", &[]);
        assert_eq!(response.status, 200, "{project}");
        let root: Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(
            root["available-packages"],
            serde_json::json!(available),
            "{project}"
        );
    }
    let shop = &tokens.iter().find(|(p, _)| p == "shop").unwrap().1;
    let dist = appliance.get_as(shop, "/dist/acme/core/2.0.0.zip", &[]);
    assert_eq!(dist.status, 200);
    assert!(dist.body.starts_with(b"PK"));
}

#[test]
fn after_the_upgrade_a_licence_activates_only_on_its_customers_projects() {
    let appliance = upgraded(SCHEMA2);
    let licences = appliance.json(&["licence", "list"]);
    let beta = by_key(&licences, "holder", "Beta Ltd.")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let refused = appliance.fails(&["licence", "activate", &beta, "--project", "shop"]);
    assert!(
        refused.contains("belongs to customer beta-ltd"),
        "{refused}"
    );
    assert!(refused.contains("acme-shop-gmbh"), "{refused}");
    let after = appliance.json(&["licence", "list"]);
    assert_eq!(
        by_key(&after, "id", &beta)["projects"],
        serde_json::json!(["agency", "multi"])
    );
}

#[test]
fn a_schema_3_database_keeps_its_tokens_licences_publishers_and_downloads() {
    let mut appliance = upgraded(SCHEMA3);
    let tokens = appliance.json(&["token", "list"]);
    assert_eq!(tokens.as_array().unwrap().len(), 4, "{tokens}");
    let revoked = by_key(&tokens, "label", "old laptop");
    assert!(revoked["revoked_at"].is_i64(), "{revoked}");
    let licences = appliance.json(&["licence", "list"]);
    let acme = by_key(&licences, "customer", "acme");
    assert_eq!(acme["seats"], 2);
    assert_eq!(
        acme["projects"],
        serde_json::json!(["acme-ci", "acme-prod"])
    );
    let downloads = appliance.json(&["downloads"]);
    assert_eq!(downloads.as_array().unwrap().len(), 3, "{downloads}");
    let publishers = appliance.json(&["publisher", "list"]);
    assert_eq!(publishers.as_array().unwrap().len(), 1, "{publishers}");

    appliance.start(&[]);
    let expected = [
        ("acme-prod", vec!["acme/core", "acme/pro"]),
        ("acme-ci", vec!["acme/core", "acme/pro"]),
        ("beta-web", vec!["acme/pro"]),
    ];
    for (project, available) in expected {
        let token = &fixture_tokens(SCHEMA3)
            .into_iter()
            .find(|(p, _)| p == project)
            .unwrap()
            .1;
        let response = appliance.get_as(token, "/packages.json", &[]);
        assert_eq!(response.status, 200, "{project}");
        let root: Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(
            root["available-packages"],
            serde_json::json!(available),
            "{project}"
        );
    }
}

#[test]
fn a_schema_3_database_starts_an_empty_audit_log_and_records_the_next_change() {
    let appliance = upgraded(SCHEMA3);
    assert_eq!(appliance.json(&["audit"]), serde_json::json!([]));
    appliance.json(&["project", "rename", "acme-prod", "--name", "Acme, upgraded"]);
    let log = appliance.json(&["audit"]);
    let entries = log.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{log}");
    assert_eq!(entries[0]["action"], "project.rename");
    assert_eq!(entries[0]["target"], "acme-prod");
    assert_eq!(entries[0]["actor"]["kind"], "direct");
}

const SCHEMA4: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/schema4");

/// What the schema 4 release answered each token, recorded when the fixture was made.
struct Served {
    public_key: String,
    path: String,
    status: u64,
    last_modified: Option<std::time::SystemTime>,
    sha256: Option<String>,
}

fn fixture_served() -> Vec<Served> {
    let text = std::fs::read_to_string(Path::new(SCHEMA4).join("served.jsonl")).unwrap();
    let served = text.lines().map(|line| {
        let value: Value = serde_json::from_str(line).unwrap();
        let text = |name: &str| value[name].as_str().map(str::to_string);
        Served {
            public_key: text("public_key").unwrap(),
            path: text("path").unwrap(),
            status: value["status"].as_u64().unwrap(),
            last_modified: text("last_modified").map(|d| httpdate::parse_http_date(&d).unwrap()),
            sha256: text("sha256"),
        }
    });
    served.collect()
}

#[test]
fn a_schema_4_database_serves_every_token_the_same_files_and_no_older_last_modified() {
    let mut appliance = upgraded(SCHEMA4);
    // The fixture was served from this address: the same base gives byte-equal files.
    appliance.start(&["--public-url", "http://127.0.0.1:18931"]);
    let tokens = fixture_tokens(SCHEMA4);
    for served in fixture_served() {
        let (_, token) = (tokens.iter())
            .find(|(_, t)| t.public_key == served.public_key)
            .unwrap();
        let what = format!("{} {}", served.public_key, served.path);
        let response = appliance.get_as(token, &served.path, &[]);
        assert_eq!(u64::from(response.status), served.status, "{what}");
        let Some(before) = served.last_modified else {
            continue;
        };
        let digest = hex::encode(sha2::Sha256::digest(&response.body));
        assert_eq!(Some(digest), served.sha256, "{what}");
        let now = response.header("last-modified").unwrap().to_string();
        assert!(httpdate::parse_http_date(&now).unwrap() >= before, "{what}");
        let again = appliance.get_as(token, &served.path, &[("If-Modified-Since", &now)]);
        assert_eq!(again.status, 304, "{what}");
    }
}

#[test]
fn a_schema_4_database_keeps_its_advisory_rotation_and_expiry() {
    let appliance = upgraded(SCHEMA4);
    let advisories = appliance.json(&["advisory", "list"]);
    assert_eq!(advisories[0]["package"], "acme/core");
    let tokens = appliance.json(&["token", "list", "--project", "acme-prod"]);
    let expiring = by_key(&tokens, "label", "expiring");
    assert!(expiring["expires_at"].as_i64().unwrap() > 2_000_000_000);
}
