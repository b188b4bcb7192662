//! Version-bound licences and dependencies that install, seen from outside: the CLI's preview and
//! `project check`, and the real Composer client resolving against what a project may see.
//!
//! `Shop::open` licenses `acme/*` on its project, so these tests sell `corp/*` packages under
//! licences of their own.

use crate::common::{Appliance, zips};
use crate::composer::{Shop, composer_available, map, text};
use serde_json::{Value, json};

/// Creates a licence for `package` with `extra` terms, activates it on `project`, returns its id.
fn licence(appliance: &Appliance, project: &str, package: &str, extra: &[&str]) -> String {
    let mut args = vec!["licence", "create", "--holder", "Test Holder"];
    args.extend(["--package", package]);
    args.extend(extra);
    let id = appliance.json(&args)["id"].as_str().unwrap().to_string();
    appliance.json(&["licence", "activate", &id, "--project", project]);
    id
}

fn publish(appliance: &Appliance, name: &str, version: &str, require: Value) {
    let dir = appliance.dir.path().join("zips");
    appliance.publish(&zips::library(&dir, name, version, require, None), &[]);
}

#[test]
fn composer_never_installs_a_version_outside_the_licences_bound_until_an_any_version_licence_arrives()
 {
    if !composer_available() {
        return;
    }
    let shop = Shop::open(None);
    for version in ["1.0.0", "1.4.0", "2.0.0", "2.1.0"] {
        shop.publish("corp/x", version, json!({}), None);
    }
    licence(&shop.appliance, "shop", "corp/x", &["--versions", "^1.0"]);
    shop.manifest(json!({}));

    let refused = shop.composer(&["require", "corp/x:^2.0"]);
    assert!(
        !refused.status.success(),
        "composer installed corp/x 2.x under a ^1.0 licence:\n{}",
        text(&refused)
    );
    shop.composer_ok(&["require", "corp/x:*"]);
    assert_eq!(shop.installed(), map(&[("corp/x", "1.4.0")]));

    licence(&shop.appliance, "shop", "corp/x", &[]);
    shop.composer_ok(&["update"]);
    assert_eq!(shop.installed(), map(&[("corp/x", "2.1.0")]));
}

/// pro 2.1.0 requires core ^1.1; core 2.0.0 is newer but outside that, core 1.0.0 too old.
fn pro_requiring_core(extra: &[&str]) -> Shop {
    let shop = Shop::open(None);
    for version in ["1.0.0", "1.1.0", "1.2.0", "2.0.0"] {
        shop.publish("corp/core", version, json!({}), None);
    }
    shop.publish(
        "corp/pro",
        "2.1.0",
        json!({ "php": ">=7.0", "corp/core": "^1.1" }),
        None,
    );
    licence(&shop.appliance, "shop", "corp/pro", extra);
    shop.manifest(json!({}));
    shop
}

#[test]
fn a_licence_for_a_package_requiring_a_hosted_helper_installs_both() {
    if !composer_available() {
        return;
    }
    let shop = pro_requiring_core(&[]);
    shop.composer_ok(&["require", "corp/pro:^2.0"]);
    assert_eq!(
        shop.installed(),
        map(&[("corp/core", "1.2.0"), ("corp/pro", "2.1.0")])
    );
    let check = shop.appliance.run(&["project", "check", "shop"]);
    assert!(check.status.success(), "{}", text(&check));
    assert!(text(&check).contains("all hosted requirements can be met"));
}

#[test]
fn without_dependencies_project_check_reports_the_gap_and_composer_fails() {
    if !composer_available() {
        return;
    }
    let shop = pro_requiring_core(&["--no-dependencies"]);
    let check = shop.appliance.run(&["project", "check", "shop"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    assert!(
        String::from_utf8_lossy(&check.stdout).contains(
            "corp/pro 2.1.0 requires corp/core ^1.1: no visible version, composer install would fail"
        ),
        "{}",
        text(&check)
    );
    let failed = shop.composer(&["require", "corp/pro:^2.0"]);
    assert!(
        !failed.status.success(),
        "composer installed corp/pro without its requirement:\n{}",
        text(&failed)
    );
}

#[test]
fn project_check_json_lists_each_gap_and_exits_1() {
    let app = Appliance::new();
    publish(&app, "corp/core", "1.0.0", json!({}));
    publish(
        &app,
        "corp/pro",
        "3.0.0",
        json!({ "corp/core": "^3.0", "ext-json": "*" }),
    );
    app.project("shop");
    licence(&app, "shop", "corp/*", &[]);
    let output = app.run(&["project", "check", "shop", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report,
        json!({"project": "shop", "gaps": [
            {"package": "corp/pro", "version": "3.0.0", "requires": "corp/core", "constraint": "^3.0"}
        ], "data_dir": app.data_dir().display().to_string(), "server": false})
    );
    let missing = app.fails(&["project", "check", "nowhere"]);
    assert!(missing.contains("no project"), "{missing}");
}

#[test]
fn preview_says_which_licence_or_release_makes_a_version_visible_and_names_the_bound() {
    let app = Appliance::new();
    publish(&app, "corp/core", "1.0.0", json!({}));
    publish(&app, "corp/pro", "1.0.0", json!({ "corp/core": "^1.0" }));
    publish(&app, "corp/pro", "2.0.0", json!({ "corp/core": "^1.0" }));
    app.project("shop");
    let id = licence(&app, "shop", "corp/pro", &["--versions", "^2.0"]);
    let preview = app.json(&["licence", "preview", "--project", "shop"]);
    let version = |package: &str, version: &str| {
        let versions = preview
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["package"] == package)
            .unwrap()["versions"]
            .as_array()
            .unwrap()
            .clone();
        versions
            .into_iter()
            .find(|v| v["version"] == version)
            .unwrap()
    };
    assert_eq!(version("corp/pro", "2.0.0")["hidden"], Value::Null);
    assert_eq!(
        version("corp/pro", "2.0.0")["visible"],
        json!({"reason": "licence", "licence": id})
    );
    assert_eq!(
        version("corp/pro", "1.0.0")["hidden"],
        json!({"reason": "outside_versions", "versions": "^2.0"})
    );
    assert_eq!(
        version("corp/core", "1.0.0")["visible"],
        json!({"reason": "required_by", "package": "corp/pro", "version": "2.0.0"})
    );
    let output = app.run(&["licence", "preview", "--project", "shop"]);
    let human = String::from_utf8_lossy(&output.stdout);
    assert!(
        human.contains("visible (required by corp/pro 2.0.0)"),
        "{human}"
    );
    assert!(
        human.contains("hidden: outside the licence's versions ^2.0"),
        "{human}"
    );
}

#[test]
fn an_invalid_versions_constraint_is_refused_with_the_parsers_reason() {
    let app = Appliance::new();
    let refused = app.fails(&[
        "licence",
        "create",
        "--holder",
        "H",
        "--package",
        "corp/x",
        "--versions",
        "^^2",
    ]);
    assert!(refused.contains("invalid version constraint"), "{refused}");
}
