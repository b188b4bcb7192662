//! Checks of a release that need both its composer.json and its file list.
//!
//! Missing autoload paths are judged by what Composer does with them on the customer's machine:
//! a missing `classmap` path stops `composer install` ("Could not scan for classes inside …") and
//! a missing `files` entry makes every request of the customer's application die on a failed
//! `require`, so both are refused. A missing PSR-4/PSR-0 folder only means Composer finds no
//! classes there; it is usually a packaging mistake (an `export-ignore` too many) but Composer
//! installs it without complaint, so it is reported as a warning and the release is kept.

use crate::domain::version::normalize;
use serde_json::{Map, Value};

/// What the autoload check found: problems that refuse the release, and warnings that do not.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AutoloadReport {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

pub fn check_autoload(composer: &Map<String, Value>, entries: &[String]) -> AutoloadReport {
    let mut report = AutoloadReport::default();
    let Some(autoload) = composer.get("autoload").and_then(Value::as_object) else {
        return report;
    };
    for kind in ["psr-4", "psr-0"] {
        let namespaces = autoload.get(kind).and_then(Value::as_object);
        for (namespace, paths) in namespaces.into_iter().flatten() {
            for path in path_list(paths) {
                if !is_present(path, entries) {
                    report.warnings.push(format!(
                        "autoload {kind} {namespace:?} points to {path:?}, which is not in the archive: Composer will find no classes there"
                    ));
                }
            }
        }
    }
    for kind in ["classmap", "files"] {
        for path in autoload.get(kind).map(path_list).into_iter().flatten() {
            if !is_present(path, entries) {
                report.errors.push(format!(
                    "autoload {kind} lists {path:?}, which is not in the archive: installing this release would fail"
                ));
            }
        }
    }
    report
}

/// A path is a string or a list of strings; anything else is left to Composer's own validation.
fn path_list(value: &Value) -> Vec<&str> {
    match value {
        Value::String(path) => vec![path.as_str()],
        Value::Array(paths) => paths.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether a file or folder named in composer.json exists among the archive's entries. Zips need
/// not list folders, so a folder is present when anything lies below it.
fn is_present(path: &str, entries: &[String]) -> bool {
    let mut path = path.trim_end_matches('/');
    while let Some(rest) = path.strip_prefix("./") {
        path = rest;
    }
    // "" and "." mean the package root; wildcards are expanded by Composer, not here.
    if path.is_empty() || path == "." || path.contains('*') {
        return true;
    }
    let folder = format!("{path}/");
    entries
        .iter()
        .any(|entry| entry == path || entry.starts_with(&folder))
}

/// When both the publisher and composer.json name a version they must agree, compared as
/// Composer compares them (`v1.2` and `1.2.0` are the same version).
pub fn check_version_agreement(chosen: &str, declared: Option<&str>) -> Result<(), String> {
    let Some(declared) = declared else {
        return Ok(());
    };
    let chosen_normalized = normalize(chosen).map_err(|e| e.to_string())?;
    let declared_normalized = normalize(declared)
        .map_err(|e| format!("composer.json \"version\" {declared:?} is invalid: {e}"))?;
    if chosen_normalized.to_string() == declared_normalized.to_string() {
        return Ok(());
    }
    Err(format!(
        "version {chosen:?} does not match composer.json \"version\" {declared:?} \
         ({chosen_normalized} vs {declared_normalized}): fix composer.json or publish it as {declared}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn composer(autoload: Value) -> Map<String, Value> {
        match json!({ "name": "acme/foo", "autoload": autoload }) {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    fn entries(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn present_paths_pass_whatever_their_spelling() {
        let autoload = json!({
            "psr-4": { "Acme\\": "src/", "Acme\\Extra\\": ["./lib", ""] },
            "psr-0": { "Old_": "legacy/" },
            "classmap": ["src/Map.php", "./lib/"],
            "files": ["helpers.php"],
        });
        let files = entries(&[
            "composer.json",
            "src/Foo.php",
            "src/Map.php",
            "lib/Bar.php",
            "legacy/",
            "helpers.php",
        ]);
        assert_eq!(
            check_autoload(&composer(autoload), &files),
            AutoloadReport::default()
        );
    }

    #[test]
    fn missing_psr_folders_warn_and_missing_classmap_or_files_entries_refuse() {
        let autoload = json!({
            "psr-4": { "Acme\\": "src/" },
            "psr-0": { "Old_": ["legacy"] },
            "classmap": ["generated/"],
            "files": ["src-helpers.php"],
        });
        let report = check_autoload(
            &composer(autoload),
            &entries(&["composer.json", "srcx.php"]),
        );
        assert_eq!(report.warnings.len(), 2, "{report:?}");
        assert!(report.warnings[0].contains("\"src/\""), "{report:?}");
        assert!(report.warnings[1].contains("\"legacy\""), "{report:?}");
        assert_eq!(report.errors.len(), 2, "{report:?}");
        assert!(report.errors[0].contains("classmap lists \"generated/\""));
        assert!(report.errors[1].contains("files lists \"src-helpers.php\""));
    }

    #[test]
    fn a_file_does_not_count_as_the_folder_it_prefixes() {
        assert!(!is_present("src", &entries(&["src.php", "srcs/a.php"])));
        assert!(is_present("src", &entries(&["src/a.php"])));
    }

    #[test]
    fn versions_agree_when_they_normalise_alike() {
        assert_eq!(check_version_agreement("v1.2", Some("1.2.0")), Ok(()));
        assert_eq!(check_version_agreement("1.2.0", None), Ok(()));
        let error = check_version_agreement("1.2.1", Some("1.2.0")).unwrap_err();
        assert!(error.contains("1.2.1.0 vs 1.2.0.0"), "{error}");
        let error = check_version_agreement("1.2.0", Some("banana")).unwrap_err();
        assert!(error.contains("\"banana\" is invalid"), "{error}");
    }
}
