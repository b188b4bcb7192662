//! Real zip archives for tests, written with the zip crate.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;

/// Writes `dir/file_name` holding `composer.json` (from `composer`) and `files`.
pub fn package_zip(
    dir: &Path,
    file_name: &str,
    composer: &Value,
    files: &[(&str, &str)],
) -> PathBuf {
    let mut entries = vec![("composer.json".to_string(), composer.to_string())];
    entries.extend(
        files
            .iter()
            .map(|(name, text)| (name.to_string(), text.to_string())),
    );
    raw_zip(dir, file_name, &entries)
}

pub fn raw_zip(dir: &Path, file_name: &str, entries: &[(String, String)]) -> PathBuf {
    let path = dir.join(file_name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (name, text) in entries {
        writer
            .start_file(name.as_str(), SimpleFileOptions::default())
            .unwrap();
        writer.write_all(text.as_bytes()).unwrap();
    }
    writer.finish().unwrap();
    path
}

/// A library `vendor/name` whose class says which version it is, so installs can be told apart.
pub fn library(
    dir: &Path,
    name: &str,
    version: &str,
    require: Value,
    time: Option<&str>,
) -> PathBuf {
    let class = name.split('/').nth(1).unwrap().replace(['-', '.'], "_");
    let namespace = format!("Test\\{class}");
    let mut composer = serde_json::json!({
        "name": name,
        "type": "library",
        "require": require,
        "autoload": { "psr-4": { format!("{namespace}\\"): "src/" } },
    });
    if let Some(time) = time {
        composer["time"] = time.into();
    }
    let php = format!(
        "<?php\nnamespace {namespace};\nfinal class Info {{ const VERSION = '{version}'; }}\n"
    );
    let file_name = format!("{}/{version}.zip", name.replace('/', "-"));
    package_zip(dir, &file_name, &composer, &[("src/Info.php", &php)])
}
