//! The admin command line, offline and through a running server.

use crate::common::Appliance;
use crate::common::zips::{library, package_zip, raw_zip};
use serde_json::{Value, json};

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn bad_archives_are_rejected_with_the_reason_and_nothing_is_stored() {
    let app = Appliance::new();
    let dir = app.dir.path().join("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let not_zip = dir.join("1.0.0.zip");
    std::fs::write(&not_zip, b"this is not a zip").unwrap();
    let no_composer = raw_zip(
        &dir,
        "nocomposer/1.0.0.zip",
        &[("README".into(), "hi".into())],
    );
    let traversal = raw_zip(
        &dir,
        "evil/1.0.0.zip",
        &[
            (
                "composer.json".into(),
                json!({"name": "acme/evil"}).to_string(),
            ),
            ("../../escape.php".into(), "<?php".into()),
        ],
    );
    let bad_name = package_zip(
        &dir,
        "badname/1.0.0.zip",
        &json!({"name": "Acme/Upper"}),
        &[],
    );
    let bad_version = package_zip(
        &dir,
        "badversion/not-a-version.zip",
        &json!({"name": "acme/ok"}),
        &[],
    );
    let cases = [
        (not_zip, "zip"),
        (no_composer, "composer.json"),
        (traversal, "escape.php"),
        (bad_name, "lowercase"),
        (bad_version, "version"),
    ];
    for (path, reason) in cases {
        let error = app.fails(&["package", "publish", path.to_str().unwrap()]);
        assert!(error.contains(reason), "{path:?}: {error}");
    }
    assert_eq!(app.json(&["package", "list"]), json!([]));
    let archives = std::fs::read_dir(app.data_dir().join("archives")).unwrap();
    assert_eq!(
        archives.count(),
        0,
        "rejected archives must leave nothing behind"
    );
}

#[test]
fn published_versions_are_immutable_and_republishing_the_same_bytes_is_a_no_op() {
    let app = Appliance::new();
    let dir = app.dir.path().join("zips");
    let first = library(&dir, "acme/foo", "1.0.0", json!({}), None);
    assert_eq!(app.publish(&first, &[])[0]["status"], "published");
    assert_eq!(app.publish(&first, &[])[0]["status"], "unchanged");
    let other = library(
        &app.dir.path().join("other"),
        "acme/foo",
        "1.0.0",
        json!({"php": ">=8"}),
        None,
    );
    let error = app.fails(&["package", "publish", other.to_str().unwrap()]);
    assert!(
        error.contains("already published with different contents"),
        "{error}"
    );
    let shown = app.json(&["package", "show", "acme/foo"]);
    assert_eq!(shown["versions"].as_array().unwrap().len(), 1);
}

#[test]
fn version_comes_from_the_flag_then_composer_json_then_the_file_name() {
    let app = Appliance::new();
    let dir = app.dir.path().join("zips");
    let named = package_zip(&dir, "v2.3.zip", &json!({"name": "acme/a"}), &[]);
    let inside = package_zip(
        &dir,
        "whatever.zip",
        &json!({"name": "acme/b", "version": "1.5.0"}),
        &[],
    );
    let flagged = package_zip(&dir, "other.zip", &json!({"name": "acme/c"}), &[]);
    assert_eq!(app.publish(&named, &[])[0]["version_normalized"], "2.3.0.0");
    assert_eq!(app.publish(&inside, &[])[0]["version"], "1.5.0");
    let published = app.publish(&flagged, &["--version", "3.0.0-beta.1"]);
    assert_eq!(published[0]["version_normalized"], "3.0.0.0-beta1");
}

#[test]
fn publishing_a_folder_imports_every_zip_in_it_and_reports_each_failure() {
    let app = Appliance::new();
    let dir = app.dir.path().join("bulk");
    library(&dir, "acme/one", "1.0.0", json!({}), None);
    library(&dir, "acme/two", "1.0.0", json!({}), None);
    std::fs::write(dir.join("broken.zip"), b"nope").unwrap();
    let output = app.run(&["package", "publish", dir.to_str().unwrap(), "--json"]);
    assert!(
        !output.status.success(),
        "a failed archive must make the import fail"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.zip"), "{stderr}");
    assert!(
        stderr.contains("[3/3]") || stderr.contains("[1/3]"),
        "progress is shown: {stderr}"
    );
    assert_eq!(
        names(&app.json(&["package", "list"])),
        ["acme/one", "acme/two"]
    );
}

#[test]
fn token_list_never_shows_private_keys_or_hashes() {
    let app = Appliance::new();
    app.project("shop");
    let token = app.token("shop");
    let listing = app.run(&["token", "list"]);
    let json_listing = app.run(&["token", "list", "--json"]);
    for output in [listing, json_listing] {
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains(&token.public_key));
        assert!(!text.contains(&token.private_key));
        assert!(
            !text.contains("argon2") && !text.contains("$sha256$"),
            "{text}"
        );
    }
}

#[test]
fn token_list_shows_each_tokens_label() {
    let app = Appliance::new();
    app.project("shop");
    app.json(&[
        "token",
        "create",
        "--project",
        "shop",
        "--label",
        "deploy-bot",
    ]);
    let listing = app.run(&["token", "list"]);
    let text = String::from_utf8_lossy(&listing.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("shop"))
        .unwrap_or_default();
    assert!(line.contains(" deploy-bot "), "{text}");
    assert!(line.contains("active"), "{text}");
}

#[test]
fn token_create_merges_credentials_into_an_existing_auth_json() {
    let app = Appliance::new();
    app.project("shop");
    let auth = app.dir.path().join("auth.json");
    std::fs::write(&auth, r#"{"github-oauth": {"github.com": "keep-me"}}"#).unwrap();
    let created = app.json(&[
        "token",
        "create",
        "--project",
        "shop",
        "--auth-json",
        auth.to_str().unwrap(),
        "--host",
        "repo.test:8443",
    ]);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&auth).unwrap()).unwrap();
    assert_eq!(written["github-oauth"]["github.com"], "keep-me");
    assert_eq!(
        written["http-basic"]["repo.test:8443"]["username"],
        created["public_key"]
    );
    assert_eq!(
        written["http-basic"]["repo.test:8443"]["password"],
        created["private_key"]
    );
    let command = created["composer_config"].as_str().unwrap();
    assert!(command.starts_with("composer config --global http-basic.repo.test:8443 "));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&auth).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn unknown_names_and_bad_input_fail_with_a_clear_message_and_change_nothing() {
    let app = Appliance::new();
    assert!(
        app.fails(&["token", "create", "--project", "ghost"])
            .contains("no project")
    );
    assert!(
        app.fails(&["project", "create", "Not A Slug"])
            .contains("invalid project slug")
    );
    assert!(
        app.fails(&["licence", "activate", "lic_missing", "--project", "x"])
            .contains("no licence")
    );
    let bad_date = app.fails(&[
        "licence",
        "create",
        "--holder",
        "H",
        "--package",
        "acme/*",
        "--access-until",
        "soon",
    ]);
    assert!(bad_date.contains("invalid date"), "{bad_date}");
    assert!(
        app.fails(&[
            "licence",
            "create",
            "--holder",
            "H",
            "--package",
            "Bad Pattern"
        ])
        .contains("invalid")
    );
    assert!(
        app.fails(&["token", "revoke", "zz"])
            .contains("invalid public key")
    );
    let json_error = app.run(&["project", "create", "Bad", "--json"]);
    assert!(!json_error.status.success());
    assert!(json_error.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&json_error.stderr)
            .trim()
            .lines()
            .count(),
        1
    );
    assert_eq!(app.json(&["project", "list"]), json!([]));
    assert_eq!(app.json(&["licence", "list"]), json!([]));
}

#[test]
fn commands_give_the_same_results_through_the_server_and_offline() {
    let mut app = Appliance::new();
    app.project("offline");
    app.start(&[]);
    assert!(app.data_dir().join("admin.sock").exists());
    app.project("online");
    let online_view = app.json(&["project", "list"]);
    app.stop();
    assert!(
        !app.data_dir().join("admin.sock").exists(),
        "the socket is removed on shutdown"
    );
    let offline_view = app.json(&["project", "list"]);
    assert_eq!(online_view, offline_view);
    let slugs: Vec<&str> = offline_view
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["offline", "online"]);
}

#[test]
fn licence_lifecycle_shows_activation_deactivation_and_revocation() {
    let app = Appliance::new();
    app.project("shop");
    let id = app.licence("shop", &["acme/*"], Some("2025-06-30"));
    let listed = app.json(&["licence", "list"]);
    assert_eq!(listed[0]["kind"], "subscription");
    assert_eq!(listed[0]["access_until"], "2025-06-30T23:59:59+00:00");
    assert_eq!(listed[0]["projects"], json!(["shop"]));
    let deactivated = app.json(&["licence", "deactivate", &id, "--project", "shop"]);
    assert_eq!(deactivated["projects"], json!([]));
    let revoked = app.json(&["licence", "revoke", &id]);
    assert_eq!(revoked["revoked"], true);
    let error = app.fails(&["licence", "activate", &id, "--project", "shop"]);
    assert!(error.contains("revoked"), "{error}");
}

#[test]
fn a_second_server_on_the_same_data_folder_is_refused() {
    let app = Appliance::started();
    let output = app.run(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("already running"), "{stderr}");
}

#[test]
fn a_broken_auth_json_is_refused_before_any_token_is_created() {
    let app = Appliance::new();
    app.project("shop");
    let auth = app.dir.path().join("auth.json");
    std::fs::write(&auth, "[1, 2]").unwrap();
    let error = app.fails(&[
        "token",
        "create",
        "--project",
        "shop",
        "--auth-json",
        auth.to_str().unwrap(),
    ]);
    assert!(error.contains("no token created"), "{error}");
    assert_eq!(std::fs::read_to_string(&auth).unwrap(), "[1, 2]");
    assert_eq!(app.json(&["token", "list"]), json!([]));
}

#[test]
fn a_single_failed_publish_prints_one_line_on_stderr() {
    let app = Appliance::new();
    let path = app.dir.path().join("1.0.0.zip");
    std::fs::write(&path, b"not a zip").unwrap();
    let output = app.run(&["package", "publish", path.to_str().unwrap(), "--json"]);
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[test]
fn downloads_follow_streams_new_events_as_they_happen() {
    use std::io::BufRead;
    let app = Appliance::started();
    let dir = app.dir.path().join("zips");
    app.publish(&library(&dir, "acme/live", "1.0.0", json!({}), None), &[]);
    let token = app.customer("shop");
    let mut follower = app
        .command()
        .args(["downloads", "--follow", "--json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = follower.stdout.take().unwrap();
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines_tx.send(line);
        }
    });
    // The stream is up once the command has connected; retry the download until it shows.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let event = loop {
        let basic = token.basic();
        crate::common::http_client::get(
            app.addr(),
            "/dist/acme/live/1.0.0.zip",
            &[("Authorization", &basic)],
        );
        if let Ok(line) = lines_rx.recv_timeout(std::time::Duration::from_millis(300)) {
            break line;
        }
        assert!(std::time::Instant::now() < deadline, "no event streamed");
    };
    let _ = follower.kill();
    let _ = follower.wait();
    let event: Value = serde_json::from_str(&event).unwrap();
    assert_eq!(event["kind"], "dist");
    assert_eq!(event["package"], "acme/live");
    assert_eq!(event["public_key"], token.public_key.as_str());
}

#[test]
fn killing_a_bulk_publish_leaves_only_whole_releases() {
    let app = Appliance::new();
    let dir = app.dir.path().join("bulk");
    for index in 0..120 {
        library(&dir, &format!("acme/pkg{index}"), "1.0.0", json!({}), None);
    }
    let mut publisher = app
        .command()
        .args(["package", "publish", dir.to_str().unwrap()])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(150));
    let _ = publisher.kill();
    let _ = publisher.wait();
    let mut app = app;
    app.start(&[]);
    let packages = app.json(&["package", "list"]);
    let token = app.customer("shop");
    let basic = token.basic();
    for package in packages.as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        let shown = app.json(&["package", "show", name]);
        let shasum = shown["versions"][0]["shasum"].as_str().unwrap();
        let path = format!("/dist/{name}/1.0.0.zip");
        let archive =
            crate::common::http_client::get(app.addr(), &path, &[("Authorization", &basic)]);
        assert_eq!(
            archive.status, 200,
            "{name} is listed but its archive is missing"
        );
        use sha1::Digest;
        assert_eq!(hex::encode(sha1::Sha1::digest(&archive.body)), shasum);
    }
}

#[test]
fn project_delete_says_what_goes_and_needs_yes() {
    let app = Appliance::new();
    let token = app.customer("doomed");
    let preview = app.run(&["project", "delete", "doomed"]);
    assert!(!preview.status.success());
    let text = String::from_utf8_lossy(&preview.stdout);
    assert!(text.contains("would delete project doomed"), "{text}");
    assert!(text.contains(&token.public_key), "{text}");
    assert_eq!(app.json(&["project", "list"]).as_array().unwrap().len(), 1);
    let deleted = app.json(&["project", "delete", "doomed", "--yes"]);
    assert_eq!(deleted["deleted"], true);
    assert_eq!(app.json(&["project", "list"]), json!([]));
    assert_eq!(app.json(&["token", "list"]), json!([]));
    let renamed = app.fails(&["project", "rename", "doomed", "--name", "Gone"]);
    assert!(renamed.contains("no project"), "{renamed}");
}

#[test]
fn project_rename_changes_only_the_display_name() {
    let app = Appliance::new();
    app.project("shop");
    let renamed = app.json(&["project", "rename", "shop", "--name", "Shop Production"]);
    assert_eq!(renamed["slug"], "shop");
    assert_eq!(app.json(&["project", "list"])[0]["name"], "Shop Production");
}

#[test]
fn licence_preview_shows_visible_and_hidden_versions_with_the_reason() {
    let app = Appliance::new();
    let dir = app.dir.path().join("zips");
    for (version, time) in [("1.0.0", "2025-01-10"), ("2.0.0", "2025-09-01")] {
        app.publish(
            &library(&dir, "acme/sub", version, json!({}), Some(time)),
            &[],
        );
    }
    app.project("shop");
    app.licence("shop", &["acme/*"], Some("2025-06-30"));
    let preview = app.json(&["licence", "preview", "--project", "shop"]);
    let versions = &preview[0]["versions"];
    let hidden_of = |version: &str| {
        versions
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["version"] == version)
            .unwrap()["hidden"]
            .clone()
    };
    assert_eq!(preview[0]["package"], "acme/sub");
    assert_eq!(hidden_of("1.0.0"), Value::Null);
    assert_eq!(hidden_of("2.0.0")["reason"], "subscription_window");
    let text =
        String::from_utf8_lossy(&app.run(&["licence", "preview", "--project", "shop"]).stdout)
            .into_owned();
    assert!(
        text.contains("released after the access window closed"),
        "{text}"
    );
}
