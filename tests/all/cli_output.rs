//! What every admin command says besides its result: where it ran, its help, its timestamps and
//! its progress; and the version a vendor-name-version file name gives.

use crate::common::Appliance;
use crate::common::zips::{library, package_zip};
use serde_json::{Value, json};

fn stderr_of(app: &Appliance, args: &[&str]) -> String {
    let output = app.run(args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "packagento {args:?}: {stderr}");
    stderr
}

#[test]
fn a_command_without_a_server_names_its_data_folder_and_says_no_server_answered() {
    let app = Appliance::new();
    let stderr = stderr_of(&app, &["project", "create", "shop"]);
    let folder = app.data_dir().display().to_string();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("data folder {folder} ")),
        "{stderr}"
    );
    assert!(stderr.contains("no server answered"), "{stderr}");
    assert!(stderr.contains("admin.sock"), "{stderr}");
}

#[test]
fn a_command_with_a_running_server_says_the_server_answered() {
    let app = Appliance::started();
    let stderr = stderr_of(&app, &["project", "create", "shop"]);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&app.data_dir().display().to_string()),
        "{stderr}"
    );
    assert!(stderr.contains("the server answered"), "{stderr}");
    assert!(!stderr.contains("no server"), "{stderr}");
}

#[test]
fn the_per_user_default_data_folder_is_called_the_default() {
    let app = Appliance::new();
    let home = app.dir.path().join("home");
    let output = app
        .command()
        .env_remove("PACKAGENTO_DATA_DIR")
        .env("XDG_DATA_HOME", &home)
        .env("HOME", &home)
        .args(["project", "create", "shop"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let folder = home.join("packagento").display().to_string();
    assert!(
        stderr.starts_with(&format!("default data folder {folder} ")),
        "{stderr}"
    );
}

#[test]
fn json_objects_carry_the_data_folder_and_whether_a_server_answered() {
    let mut app = Appliance::new();
    let folder = app.data_dir().display().to_string();
    let created = app.json(&["project", "create", "shop"]);
    assert_eq!(created["data_dir"], json!(folder));
    assert_eq!(created["server"], json!(false));
    app.start(&[]);
    let shown = app.json(&["project", "check", "shop"]);
    assert_eq!(shown["data_dir"], json!(folder));
    assert_eq!(shown["server"], json!(true));
}

#[test]
fn json_listings_stay_arrays_and_say_where_they_ran_on_stderr() {
    let app = Appliance::new();
    app.project("shop");
    let output = app.run(&["project", "list", "--json"]);
    assert!(output.status.success());
    let list: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(list.is_array(), "{list}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let origin: Value = serde_json::from_str(stderr.trim()).unwrap();
    assert_eq!(
        origin,
        json!({"data_dir": app.data_dir().display().to_string(), "server": false})
    );
}

#[test]
fn serve_help_does_not_offer_json_and_the_top_level_help_says_what_a_bare_run_does() {
    let app = Appliance::new();
    let serve = String::from_utf8(app.run(&["serve", "--help"]).stdout).unwrap();
    assert!(serve.contains("--listen"), "{serve}");
    assert!(!serve.contains("--json"), "{serve}");
    let top = String::from_utf8(app.run(&["--help"]).stdout).unwrap();
    assert!(
        top.contains("with no command runs the server and the terminal UI"),
        "{top}"
    );
    let project = String::from_utf8(app.run(&["project", "list", "--help"]).stdout).unwrap();
    assert!(project.contains("--json"), "{project}");
}

#[test]
fn backup_and_restore_into_a_pipe_write_whole_progress_lines() {
    let app = Appliance::new();
    let zips = app.dir.path().join("zips");
    for version in ["1.0.0", "1.1.0", "1.2.0"] {
        app.publish(&library(&zips, "acme/foo", version, json!({}), None), &[]);
    }
    let file = app.dir.path().join("shop.backup");
    let backup = stderr_of(&app, &["backup", file.to_str().unwrap()]);
    let restored = app.dir.path().join("restored");
    let output = app
        .command()
        .env("PACKAGENTO_DATA_DIR", &restored)
        .args(["restore", file.to_str().unwrap()])
        .output()
        .unwrap();
    let restore = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{restore}");
    for stderr in [backup.as_str(), &restore] {
        assert!(!stderr.contains('\r'), "{stderr:?}");
    }
    assert!(
        restore.lines().any(|line| line == "archives: 3/3"),
        "{restore}"
    );
}

#[test]
fn a_zip_named_vendor_name_version_is_published_and_served_as_that_version() {
    let app = Appliance::started();
    let dir = app.dir.path().join("zips");
    let zip = package_zip(
        &dir,
        "acme-hello-1.5.0.zip",
        &json!({"name": "acme/hello"}),
        &[],
    );
    let published = app.publish(&zip, &[]);
    assert_eq!(published[0]["version"], "1.5.0", "{published}");
    let token = app.customer("shop");
    let metadata = app.get_as(&token, "/p2/acme/hello.json", &[]).json();
    let versions: Vec<&str> = metadata["packages"]["acme/hello"]
        .as_array()
        .unwrap()
        .iter()
        .map(|release| release["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.5.0"]);
}

/// Every key ending in `_at` in `value`, with its value, wherever it is nested.
fn times<'v>(value: &'v Value, found: &mut Vec<(String, &'v Value)>) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object {
                if key.ends_with("_at") {
                    found.push((key.clone(), inner));
                }
                times(inner, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| times(item, found)),
        _ => {}
    }
}

#[test]
fn every_json_time_ending_in_at_is_unix_seconds_or_null() {
    let app = Appliance::new();
    let zips = app.dir.path().join("zips");
    app.publish(&library(&zips, "acme/foo", "1.0.0", json!({}), None), &[]);
    app.json(&["customer", "create", "acme-corp"]);
    let backup = app.dir.path().join("times.backup");
    let commands: Vec<Vec<&str>> = vec![
        vec!["project", "create", "shop", "--customer", "acme-corp"],
        vec![
            "token",
            "create",
            "--project",
            "shop",
            "--expires-in",
            "30d",
        ],
        vec!["token", "list"],
        vec![
            "licence",
            "create",
            "--customer",
            "acme-corp",
            "--package",
            "acme/*",
            "--access-until",
            "2030-01-01",
        ],
        vec!["licence", "list", "--expiring", "10y"],
        vec!["licence", "preview", "--project", "shop"],
        vec!["customer", "show", "acme-corp"],
        vec!["package", "show", "acme/foo"],
        vec!["package", "yank", "acme/foo", "1.0.0"],
        vec!["publisher", "create"],
        vec![
            "advisory",
            "add",
            "acme/foo",
            "--affected",
            "<2.0",
            "--title",
            "Broken",
        ],
        vec!["backup", backup.to_str().unwrap()],
    ];
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut seen = std::collections::BTreeSet::new();
    for command in &commands {
        let output = app.json(command);
        let mut found = Vec::new();
        times(&output, &mut found);
        for (key, value) in found {
            let seconds = value.as_i64();
            let plausible =
                seconds.is_some_and(|s| (1_000_000_000..now + 20 * 365 * 86_400).contains(&s));
            assert!(value.is_null() || plausible, "{command:?}: {key} = {value}");
            seen.insert(key);
        }
    }
    for key in [
        "created_at",
        "released_at",
        "expires_at",
        "yanked_at",
        "ends_at",
        "reported_at",
    ] {
        assert!(seen.contains(key), "no {key} among {seen:?}");
    }
}
