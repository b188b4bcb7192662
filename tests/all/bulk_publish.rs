//! `package publish FOLDER` against a running server: the folder goes in batches, each one
//! admin request and one change, and every archive still succeeds or fails on its own.

use crate::common::Appliance;
use crate::common::zips::package_zip;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[test]
fn publishing_a_folder_through_a_server_commits_it_in_batches_of_one_change_each() {
    let app = Appliance::started();
    let dir = app.dir.path().join("bulk");
    // One more than a batch holds, and a broken zip that sorts last, into the second batch.
    for index in 0..501 {
        let composer = json!({"name": format!("acme/p{index:03}"), "version": "1.0.0"});
        package_zip(&dir, &format!("p{index:03}.zip"), &composer, &[]);
    }
    std::fs::write(dir.join("zz-broken.zip"), b"nope").unwrap();

    let output = app.run(&["package", "publish", dir.to_str().unwrap(), "--json"]);
    assert!(!output.status.success(), "the broken zip fails the import");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[1/502] acme/p000 1.0.0 published"),
        "{stderr}"
    );
    assert!(stderr.contains("[502/502] "), "{stderr}");
    assert!(stderr.contains("zz-broken.zip: "), "{stderr}");
    assert!(
        stderr.contains("1 of 502 archives were not published"),
        "{stderr}"
    );
    let published: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(published.as_array().unwrap().len(), 501);
    assert_eq!(published[500]["name"], "acme/p500");

    // Every entry of one change carries that change's commit time.
    let entries = app.json(&["audit", "--action", "package.publish", "--limit", "1000"]);
    let mut changes: BTreeMap<i64, usize> = BTreeMap::new();
    for entry in entries.as_array().unwrap() {
        *changes
            .entry(entry["at_micros"].as_i64().unwrap())
            .or_default() += 1;
    }
    let sizes: Vec<usize> = changes.into_values().collect();
    assert_eq!(sizes, [500, 1]);
    let log = app.json(&["package", "log", "--limit", "1"]);
    assert_eq!(log[0]["outcome"], "failed");
}
