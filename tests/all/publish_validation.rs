//! Validation at publish time, through the real CLI with real zips.

use crate::common::{Appliance, zips};
use serde_json::json;

fn package_count(appliance: &Appliance) -> usize {
    appliance
        .json(&["package", "list"])
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn a_missing_classmap_or_files_path_refuses_the_release_and_stores_nothing() {
    let appliance = Appliance::new();
    let dir = appliance.dir.path();
    let composer = json!({
        "name": "acme/broken",
        "autoload": { "classmap": ["lib/"], "files": ["src/helpers.php"] },
    });
    let zip = zips::package_zip(dir, "1.0.0.zip", &composer, &[("src/A.php", "<?php")]);
    let stderr = appliance.fails(&["package", "publish", zip.to_str().unwrap()]);
    assert!(stderr.contains("classmap lists \"lib/\""), "{stderr}");
    assert!(
        stderr.contains("files lists \"src/helpers.php\""),
        "{stderr}"
    );
    assert_eq!(package_count(&appliance), 0);
    let archives = std::fs::read_dir(appliance.data_dir().join("archives")).unwrap();
    let stored: Vec<_> = archives.flatten().map(|e| e.file_name()).collect();
    assert!(
        stored.is_empty(),
        "archive kept after a refusal: {stored:?}"
    );
}

#[test]
fn a_missing_psr4_folder_is_published_with_a_warning_and_republishing_is_unchanged() {
    let appliance = Appliance::new();
    let dir = appliance.dir.path();
    let composer = json!({
        "name": "acme/partial",
        "autoload": { "psr-4": { "Acme\\Partial\\": "src/", "Acme\\Gen\\": "generated/" } },
    });
    let zip = zips::package_zip(dir, "1.0.0.zip", &composer, &[("src/A.php", "<?php")]);
    let first = appliance.publish(&zip, &[]);
    assert_eq!(first[0]["status"], "published");
    let warnings = first[0]["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{first}");
    assert!(
        warnings[0].as_str().unwrap().contains("\"generated/\""),
        "{first}"
    );

    let again = appliance.publish(&zip, &[]);
    assert_eq!(again[0]["status"], "unchanged");
    assert_eq!(again[0]["shasum"], first[0]["shasum"]);
}

#[test]
fn a_clean_release_has_an_empty_warning_list() {
    let appliance = Appliance::new();
    let zip = zips::library(appliance.dir.path(), "acme/clean", "1.0.0", json!({}), None);
    let outcome = appliance.publish(&zip, &[]);
    assert_eq!(outcome[0]["warnings"], json!([]));
}

#[test]
fn a_version_that_disagrees_with_composer_json_is_refused_and_one_that_agrees_is_kept() {
    let appliance = Appliance::new();
    let dir = appliance.dir.path();
    let composer = json!({ "name": "acme/versioned", "version": "1.2.0" });
    let zip = zips::package_zip(dir, "release.zip", &composer, &[]);
    let path = zip.to_str().unwrap();

    let stderr = appliance.fails(&["package", "publish", path, "--version", "1.3.0"]);
    assert!(
        stderr.contains("does not match composer.json \"version\" \"1.2.0\""),
        "{stderr}"
    );
    assert_eq!(package_count(&appliance), 0);

    let outcome = appliance.publish(&zip, &["--version", "v1.2"]);
    assert_eq!(outcome[0]["version"], "v1.2");
    assert_eq!(outcome[0]["version_normalized"], "1.2.0.0");
}
