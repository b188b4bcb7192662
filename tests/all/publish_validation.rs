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

/// One entry of a hand-written zip whose headers may disagree with its content.
struct Lying<'a> {
    local_name: &'a str,
    central_name: &'a str,
    content: &'a [u8],
    declared: usize,
}

/// `content` deflated by the zip crate, with its CRC-32.
fn deflated(content: &[u8]) -> (u32, Vec<u8>) {
    use std::io::{Read, Write};
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer.start_file("x", options).unwrap();
    writer.write_all(content).unwrap();
    let mut archive = zip::ZipArchive::new(writer.finish().unwrap()).unwrap();
    let mut entry = archive.by_index_raw(0).unwrap();
    let mut data = Vec::new();
    entry.read_to_end(&mut data).unwrap();
    (entry.crc32(), data)
}

/// Writes the entries as local headers and data, then the central directory and its end record.
fn lying_zip(path: &std::path::Path, entries: &[Lying]) {
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for entry in entries {
        let (crc, data) = deflated(entry.content);
        let mut shared = 8u16.to_le_bytes().to_vec();
        shared.extend_from_slice(&[0; 4]);
        for value in [crc, data.len() as u32, entry.declared as u32] {
            shared.extend_from_slice(&value.to_le_bytes());
        }
        let offset = out.len() as u32;
        out.extend_from_slice(b"PK\x03\x04\x14\0\0\0");
        out.extend_from_slice(&shared);
        out.extend_from_slice(&(entry.local_name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(entry.local_name.as_bytes());
        out.extend_from_slice(&data);
        central.extend_from_slice(b"PK\x01\x02\x14\0\x14\0\0\0");
        central.extend_from_slice(&shared);
        central.extend_from_slice(&(entry.central_name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(entry.central_name.as_bytes());
    }
    let count = (entries.len() as u16).to_le_bytes();
    let (cd_start, cd_size) = (out.len() as u32, central.len() as u32);
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&count);
    out.extend_from_slice(&count);
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_start.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    std::fs::write(path, out).unwrap();
}

fn honest<'a>(name: &'a str, content: &'a [u8]) -> Lying<'a> {
    Lying {
        local_name: name,
        central_name: name,
        content,
        declared: content.len(),
    }
}

fn assert_nothing_published(appliance: &Appliance) {
    assert_eq!(package_count(appliance), 0);
    let archives = std::fs::read_dir(appliance.data_dir().join("archives")).unwrap();
    let stored: Vec<_> = archives.flatten().map(|e| e.file_name()).collect();
    assert!(
        stored.is_empty(),
        "archive kept after a refusal: {stored:?}"
    );
}

const LYING_COMPOSER: &[u8] = br#"{"name": "acme/lying", "version": "1.0.0"}"#;

#[test]
fn a_zip_whose_entry_inflates_far_past_its_declared_size_is_refused_and_nothing_is_published() {
    let appliance = Appliance::new();
    let zip = appliance.dir.path().join("bomb.zip");
    let zeros = vec![0u8; 8 * 1024 * 1024];
    let bomb = Lying {
        declared: 100,
        ..honest("src/zeros.bin", &zeros)
    };
    lying_zip(&zip, &[honest("composer.json", LYING_COMPOSER), bomb]);
    let stderr = appliance.fails(&["package", "publish", zip.to_str().unwrap()]);
    assert!(
        stderr.contains("\"src/zeros.bin\" inflates to more than the 100 bytes"),
        "{stderr}"
    );
    assert_nothing_published(&appliance);
}

#[test]
fn a_zip_whose_local_header_names_a_path_outside_the_package_is_refused() {
    let appliance = Appliance::new();
    let zip = appliance.dir.path().join("escape.zip");
    let escaping = Lying {
        local_name: "../../x.php",
        ..honest("src/x.php", b"<?php system($_GET['c']);")
    };
    lying_zip(&zip, &[honest("composer.json", LYING_COMPOSER), escaping]);
    let stderr = appliance.fails(&["package", "publish", zip.to_str().unwrap()]);
    assert!(
        stderr.contains("\"src/x.php\" is named \"../../x.php\" in its local file header"),
        "{stderr}"
    );
    assert_nothing_published(&appliance);
}
