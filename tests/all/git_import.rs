//! `package import-git` on real repositories made by the real `git` binary.

use crate::common::Appliance;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const V1_TIME: &str = "2024-01-02T03:04:05+00:00";
/// The commit's time, not the (later) time of the annotated tag.
const V1_1_TIME: &str = "2024-03-01T12:00:00+00:00";
const BETA_TIME: &str = "2024-05-01T08:30:00+00:00";

/// A repository of `acme/gitpkg` whose authors, dates and configuration are fixed, so commits
/// and archives do not depend on who runs the tests or when.
pub(crate) struct GitRepo {
    pub path: PathBuf,
}

impl GitRepo {
    /// Tags `v1.0.0` and `not-a-version` on the first commit, annotated `1.1.0` (tagged later than
    /// its commit) on the second, `v2.0.0-beta.1` on the third; the branch is `main`.
    pub(crate) fn sample(parent: &Path) -> GitRepo {
        let repo = GitRepo {
            path: parent.join("gitpkg"),
        };
        std::fs::create_dir_all(repo.path.join("src")).unwrap();
        repo.git(
            &["init", "--quiet", "--initial-branch=main"],
            "2024-01-01T00:00:00Z",
        );
        let manifest =
            r#"{"name": "acme/gitpkg", "autoload": {"psr-4": {"Acme\\Gitpkg\\": "src/"}}}"#;
        std::fs::write(repo.path.join("composer.json"), manifest).unwrap();
        repo.commit("1.0", "2024-01-02T03:04:05Z");
        repo.git(&["tag", "v1.0.0"], "2024-01-02T03:04:05Z");
        repo.git(&["tag", "not-a-version"], "2024-01-02T03:04:05Z");
        repo.commit("1.1", "2024-03-01T12:00:00Z");
        repo.git(
            &["tag", "-a", "1.1.0", "-m", "1.1.0"],
            "2024-04-01T00:00:00Z",
        );
        repo.commit("2.0-beta", "2024-05-01T08:30:00Z");
        repo.git(&["tag", "v2.0.0-beta.1"], "2024-05-01T08:30:00Z");
        repo
    }

    /// Changes the class so the commit's archive differs from every earlier one.
    pub(crate) fn commit(&self, label: &str, date: &str) {
        let class = format!(
            "<?php\nnamespace Acme\\Gitpkg;\nclass Version {{ public static function label(): string {{ return '{label}'; }} }}\n"
        );
        std::fs::write(self.path.join("src/Version.php"), class).unwrap();
        self.git(&["add", "--all"], date);
        self.git(&["commit", "--quiet", "-m", label], date);
    }

    pub(crate) fn git(&self, args: &[&str], date: &str) {
        let output = Command::new("git")
            .args(args)
            .current_dir(&self.path)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Acme Release")
            .env("GIT_AUTHOR_EMAIL", "release@acme.test")
            .env("GIT_COMMITTER_NAME", "Acme Release")
            .env("GIT_COMMITTER_EMAIL", "release@acme.test")
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .output()
            .expect("run git (is it installed?)");
        assert!(
            output.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    pub(crate) fn arg(&self) -> &str {
        self.path.to_str().unwrap()
    }
}

fn refs(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["ref"].as_str().unwrap())
        .collect()
}

fn reason<'a>(report: &'a Value, reference: &str) -> &'a str {
    let skipped = report["skipped"].as_array().unwrap();
    let entry = skipped.iter().find(|s| s["ref"] == reference);
    entry.unwrap_or_else(|| panic!("{reference} not skipped in {report}"))["reason"]
        .as_str()
        .unwrap()
}

/// (version, released_at as RFC 3339, shasum), newest first.
fn versions(appliance: &Appliance) -> Vec<(String, String, String)> {
    let shown = appliance.json(&["package", "show", "acme/gitpkg"]);
    let list = shown["versions"].as_array().unwrap().iter();
    list.map(|v| {
        (
            v["version"].as_str().unwrap().to_string(),
            packagento::domain::time::to_rfc3339(v["released_at"].as_i64().unwrap()),
            v["shasum"].as_str().unwrap().to_string(),
        )
    })
    .collect()
}

fn version_names(appliance: &Appliance) -> Vec<String> {
    versions(appliance).into_iter().map(|v| v.0).collect()
}

#[test]
fn import_publishes_exactly_the_version_tags_oldest_first_at_their_commit_times() {
    let appliance = Appliance::new();
    let repo = GitRepo::sample(appliance.dir.path());

    let report = appliance.json(&["package", "import-git", repo.arg()]);

    assert_eq!(
        refs(&report["imported"]),
        ["v1.0.0", "1.1.0", "v2.0.0-beta.1"]
    );
    assert_eq!(report["failed"], serde_json::json!([]));
    assert_eq!(reason(&report, "not-a-version"), "not a Composer version");
    let published: Vec<(String, String)> = versions(&appliance)
        .into_iter()
        .map(|(version, time, _)| (version, time))
        .collect();
    let expected = [
        ("v2.0.0-beta.1", BETA_TIME),
        ("1.1.0", V1_1_TIME),
        ("v1.0.0", V1_TIME),
    ]
    .map(|(v, t)| (v.to_string(), t.to_string()));
    assert_eq!(published, expected);
    let log = appliance.json(&["package", "log"]);
    let sources: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["git", "git", "git"]);
}

#[test]
fn a_second_import_publishes_nothing_new() {
    let appliance = Appliance::new();
    let repo = GitRepo::sample(appliance.dir.path());
    appliance.json(&["package", "import-git", repo.arg()]);
    let before = versions(&appliance);

    let again = appliance.json(&["package", "import-git", repo.arg()]);

    assert_eq!(again["imported"], serde_json::json!([]));
    assert_eq!(
        reason(&again, "v1.0.0"),
        "version v1.0.0 is already published"
    );
    assert_eq!(versions(&appliance), before);
    let verbose = appliance.run(&["package", "import-git", repo.arg(), "--verbose"]);
    assert!(verbose.status.success());
    let text = String::from_utf8_lossy(&verbose.stdout);
    assert!(
        text.contains("skipped not-a-version: not a Composer version"),
        "{text}"
    );
}

#[test]
fn branches_become_dev_versions_that_a_new_commit_replaces_and_tags_never_change() {
    let appliance = Appliance::new();
    let repo = GitRepo::sample(appliance.dir.path());
    let first = appliance.json(&["package", "import-git", repo.arg(), "--branches"]);
    assert_eq!(
        refs(&first["imported"]),
        ["v1.0.0", "1.1.0", "v2.0.0-beta.1", "main"]
    );
    assert_eq!(first["imported"][3]["version"], "dev-main");
    let releases = |all: Vec<(String, String, String)>| -> Vec<_> {
        all.into_iter().filter(|v| v.0 != "dev-main").collect()
    };
    let tagged = releases(versions(&appliance));
    let unmoved = appliance.json(&["package", "import-git", repo.arg(), "--branches"]);
    assert_eq!(unmoved["imported"], serde_json::json!([]));

    repo.commit("next", "2024-06-01T09:00:00Z");
    let moved = appliance.json(&["package", "import-git", repo.arg(), "--branches"]);
    assert_eq!(refs(&moved["imported"]), ["main"]);
    assert_eq!(moved["imported"][0]["status"], "replaced");
    repo.commit("later", "2024-07-01T09:00:00Z");
    appliance.json(&["package", "import-git", repo.arg(), "--branches"]);

    let all = versions(&appliance);
    let dev = all.iter().find(|v| v.0 == "dev-main").unwrap();
    assert_eq!(
        dev.1, "2024-07-01T09:00:00+00:00",
        "the latest commit's time"
    );
    assert_eq!(all.len(), 4, "{all:?}");
    assert_eq!(releases(all), tagged);
    // The first dev-main shared its bytes with v2.0.0-beta.1 and stays; the second was
    // referenced by nothing once replaced and is gone.
    let mut archives: Vec<_> = std::fs::read_dir(appliance.data_dir().join("archives"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".zip"))
        .collect();
    archives.sort();
    assert_eq!(archives.len(), 4, "{archives:?}");
}

#[test]
fn a_folder_that_is_not_a_git_repository_is_refused_with_a_clear_error() {
    let appliance = Appliance::new();
    let plain = appliance.dir.path().join("plain");
    std::fs::create_dir_all(&plain).unwrap();

    let error = appliance.fails(&["package", "import-git", plain.to_str().unwrap()]);

    assert!(error.contains("is not a git repository"), "{error}");
    assert_eq!(appliance.json(&["package", "list"]), serde_json::json!([]));
}

#[test]
fn a_folder_inside_a_repository_is_not_taken_for_the_repository() {
    let appliance = Appliance::new();
    let repo = GitRepo::sample(appliance.dir.path());

    let inside = repo.path.join("src");
    let error = appliance.fails(&["package", "import-git", inside.to_str().unwrap()]);

    assert!(error.contains("is not a git repository"), "{error}");
}

/// Ends the watch with Ctrl-C (SIGINT), as a person would, and waits for it to exit.
fn interrupt(mut child: Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("import-git --watch did not stop on SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_for_versions(appliance: &Appliance, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let list = appliance.json(&["package", "list"]);
        if list[0]["versions"].as_u64() == Some(count as u64) {
            return version_names(appliance);
        }
        assert!(Instant::now() < deadline, "never {count} versions: {list}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn watch_imports_a_tag_made_while_it_runs_and_stops_on_ctrl_c() {
    let appliance = Appliance::started();
    let repo = GitRepo::sample(appliance.dir.path());
    let temp = appliance.dir.path().join("tmp");
    std::fs::create_dir_all(&temp).unwrap();
    let child = appliance
        .command()
        .args(["package", "import-git", repo.arg(), "--watch", "--json"])
        .env("TMPDIR", &temp)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_versions(&appliance, 3);

    repo.commit("2.0", "2024-06-01T09:00:00Z");
    repo.git(&["tag", "v2.0.0"], "2024-06-01T09:00:00Z");
    let names = wait_for_versions(&appliance, 4);

    assert_eq!(names[0], "v2.0.0");
    assert!(interrupt(child).success());
    let left: Vec<_> = std::fs::read_dir(&temp).unwrap().collect();
    assert!(left.is_empty(), "temporary archives left behind: {left:?}");
}

#[test]
fn a_tag_whose_version_is_already_published_with_other_bytes_is_skipped_not_a_conflict() {
    let appliance = Appliance::new();
    let repo = GitRepo::sample(appliance.dir.path());
    let zip = crate::common::zips::library(
        &appliance.dir.path().join("zips"),
        "acme/gitpkg",
        "1.1.0",
        serde_json::json!({}),
        None,
    );
    let shasum = appliance.publish(&zip, &[])[0]["shasum"].clone();

    let report = appliance.json(&["package", "import-git", repo.arg()]);

    assert_eq!(refs(&report["imported"]), ["v1.0.0", "v2.0.0-beta.1"]);
    assert_eq!(
        reason(&report, "1.1.0"),
        "version 1.1.0 is already published"
    );
    let kept = versions(&appliance);
    let release = kept.iter().find(|v| v.0 == "1.1.0").unwrap();
    assert_eq!(release.2, shasum.as_str().unwrap());
}
