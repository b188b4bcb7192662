//! Control and text-direction characters: refused in every stored name the command line sets,
//! and shown escaped when they arrive from the network.

use crate::common::Appliance;
use crate::common::zips::library;
use serde_json::json;

const ESCAPE: &str = "red\u{1b}[31mRED\u{1b}]0;TITLE\u{7}";

/// Fails, names the field and the character by its code point, and never echoes the raw one.
fn assert_refused(app: &Appliance, args: &[&str], field: &str, code_point: &str) {
    let stderr = app.fails(args);
    assert!(stderr.contains(field), "{args:?}: {stderr}");
    assert!(stderr.contains(code_point), "{args:?}: {stderr}");
    assert!(
        !stderr.contains(['\u{1b}', '\u{7}', '\u{202e}', '\r']),
        "{args:?}: {stderr:?}"
    );
}

#[test]
fn names_with_control_or_direction_characters_are_refused_and_nothing_is_stored() {
    let app = Appliance::new();
    let zip = library(
        &app.dir.path().join("zips"),
        "acme/tool",
        "1.0.0",
        json!({}),
        None,
    );
    app.publish(&zip, &[]);
    app.project("shop");
    let refused: [(&[&str], &str, &str); 8] = [
        (
            &["project", "create", "evil", "--name", ESCAPE],
            "project name",
            "U+001B",
        ),
        (
            &["project", "rename", "shop", "--name", "a\u{202e}b"],
            "project name",
            "U+202E",
        ),
        (
            &["token", "create", "--project", "shop", "--label", ESCAPE],
            "token label",
            "U+001B",
        ),
        (
            &["publisher", "create", "--label", "ci\r\nfake"],
            "publisher label",
            "U+000D",
        ),
        (
            &[
                "licence",
                "create",
                "--holder",
                ESCAPE,
                "--package",
                "acme/*",
            ],
            "licence holder",
            "U+001B",
        ),
        (
            &["package", "yank", "acme/tool", "1.0.0", "--reason", ESCAPE],
            "yank reason",
            "U+001B",
        ),
        (
            &[
                "package",
                "publish",
                zip.to_str().unwrap(),
                "--version",
                "dev-\u{1b}[2J",
            ],
            "version",
            "U+001B",
        ),
        (
            &[
                "package",
                "publish",
                zip.to_str().unwrap(),
                "--version",
                "dev-a\tb",
            ],
            "version",
            "U+0009",
        ),
    ];
    for (args, field, code_point) in refused {
        assert_refused(&app, args, field, code_point);
    }
    let projects = app.json(&["project", "list"]);
    assert_eq!(
        projects,
        json!([{"slug": "shop", "name": "shop", "created_at": projects[0]["created_at"]}])
    );
    assert_eq!(app.json(&["token", "list"]), json!([]));
    assert_eq!(app.json(&["publisher", "list"]), json!([]));
    assert_eq!(app.json(&["licence", "list"]), json!([]));
    let package = app.json(&["package", "show", "acme/tool"]);
    let versions = package["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1, "{package}");
    assert_eq!(versions[0]["yanked"], false, "{package}");
}

#[test]
fn a_user_agent_with_control_characters_is_shown_escaped_by_downloads() {
    let app = Appliance::started();
    let dir = app.dir.path().join("zips");
    app.publish(&library(&dir, "acme/live", "1.0.0", json!({}), None), &[]);
    let token = app.customer("shop");
    // Tab is the one control character HTTP/1 lets through in a header value.
    let agent = "Composer/2.7\tEVIL";
    let response = app.get_as(
        &token,
        "/dist/acme/live/1.0.0.zip",
        &[("User-Agent", agent)],
    );
    assert_eq!(response.status, 200);
    // Download events are written in batches; wait until this one is.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let json = loop {
        let json = app.json(&["downloads"]);
        if json.as_array().is_some_and(|events| !events.is_empty()) {
            break json;
        }
        assert!(std::time::Instant::now() < deadline, "no download recorded");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(json[0]["user_agent"], agent, "JSON keeps the exact text");
    let output = app.run(&["downloads"]);
    assert!(output.status.success());
    let human = String::from_utf8(output.stdout).unwrap();
    assert!(human.contains("Composer/2.7\\u{9}EVIL"), "{human:?}");
    assert!(!human.contains('\t'), "{human:?}");
}
