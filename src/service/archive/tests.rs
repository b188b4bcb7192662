//! Inspection of crafted and broken archives: every refusal, and no panic on any byte.

use super::end_record::declared_entry_count;
use super::*;
use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;
use tempfile::TempDir;
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

/// The limits of a server configured with every default.
fn defaults() -> ArchiveLimits {
    crate::service::Limits::default().archive()
}

const COMPOSER: &[u8] =
    br#"{"name": "acme/foo", "type": "library", "autoload": {}, "description": "Foo"}"#;

/// Writes a zip whose entries are files, or folders when the name ends in `/`.
fn zip_bytes(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = ZipWriter::new(io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        if name.ends_with('/') {
            writer
                .add_directory(*name, SimpleFileOptions::default())
                .unwrap();
        } else {
            writer
                .start_file(*name, SimpleFileOptions::default())
                .unwrap();
            writer.write_all(data).unwrap();
        }
    }
    writer.finish().unwrap().into_inner()
}

fn save(bytes: &[u8]) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("release.zip");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn inspect_with(bytes: &[u8], limits: &ArchiveLimits) -> Result<ArchiveManifest, ArchiveError> {
    let (_dir, path) = save(bytes);
    inspect_archive(&path, limits)
}

fn inspect(entries: &[(&str, &[u8])]) -> Result<ArchiveManifest, ArchiveError> {
    inspect_with(&zip_bytes(entries), &defaults())
}

/// Replaces every occurrence of `from` with the same-length `to`, to craft
/// archives the zip writer refuses to produce.
fn patch(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + to.len()].copy_from_slice(to);
        }
        i += 1;
    }
}

/// A zip64 archive of `entries` empty stored files that declares `declared` entries.
fn zip64_bytes(entries: u64, declared: u64) -> Vec<u8> {
    let names: Vec<String> = (0..entries).map(|i| format!("f{i}")).collect();
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    for name in &names {
        offsets.push(out.len() as u32);
        out.extend_from_slice(b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0");
        out.extend_from_slice(&[0; 12]);
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(name.as_bytes());
    }
    let cd_start = out.len() as u64;
    for (name, offset) in names.iter().zip(offsets) {
        out.extend_from_slice(b"PK\x01\x02\x14\0\x14\0\0\0\0\0\0\0\0\0");
        out.extend_from_slice(&[0; 12]);
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0; 12]);
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
    }
    let cd_size = out.len() as u64 - cd_start;
    let record_at = out.len() as u64;
    out.extend_from_slice(b"PK\x06\x06");
    out.extend_from_slice(&44u64.to_le_bytes());
    out.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    for value in [declared, declared, cd_size, cd_start] {
        out.extend_from_slice(&value.to_le_bytes());
    }
    out.extend_from_slice(b"PK\x06\x07\0\0\0\0");
    out.extend_from_slice(&record_at.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0\xff\xff\xff\xff");
    out.extend_from_slice(&[0xff; 8]);
    out.extend_from_slice(&[0, 0]);
    out
}

#[test]
fn valid_root_layout() {
    let manifest = inspect(&[("composer.json", COMPOSER), ("src/Foo.php", b"<?php")]).unwrap();
    assert_eq!(manifest.root_prefix, "");
    assert_eq!(manifest.entry_count, 2);
    let keys: Vec<&str> = manifest.composer_json.keys().map(String::as_str).collect();
    assert_eq!(keys, ["name", "type", "autoload", "description"]);
    assert_eq!(manifest.composer_json["name"], "acme/foo");
}

#[test]
fn valid_single_folder_layout() {
    let manifest = inspect(&[
        ("acme-foo-1.2.0/", b""),
        ("acme-foo-1.2.0/composer.json", COMPOSER),
        ("acme-foo-1.2.0/src/Foo.php", b"<?php"),
    ])
    .unwrap();
    assert_eq!(manifest.root_prefix, "acme-foo-1.2.0/");
    assert_eq!(manifest.entry_count, 3);
    assert_eq!(manifest.entries, ["composer.json", "src/Foo.php"]);
    assert_eq!(manifest.composer_json["type"], "library");
}

#[test]
fn single_folder_without_folder_entries_and_macos_metadata() {
    let manifest = inspect(&[
        ("pkg/composer.json", COMPOSER),
        ("__MACOSX/pkg/._composer.json", b"junk"),
    ])
    .unwrap();
    assert_eq!(manifest.root_prefix, "pkg/");
    assert_eq!(manifest.entries, ["composer.json"]);
}

#[test]
fn not_a_zip() {
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let err = inspect_with(&random, &defaults()).unwrap_err();
    assert!(matches!(err, ArchiveError::NotAZip(_)), "{err:?}");
}

#[test]
fn a_truncated_or_random_file_is_refused_in_plain_words() {
    let bytes = zip_bytes(&[("composer.json", COMPOSER)]);
    for broken in [&bytes[..bytes.len() - 10], b"not a zip".as_slice(), b""] {
        let text = inspect_with(broken, &defaults()).unwrap_err().to_string();
        assert!(!text.contains("EOCD"), "{text}");
        assert!(
            text.contains("no end-of-central-directory record"),
            "{text}"
        );
        assert!(text.contains("truncated, or not a zip at all"), "{text}");
    }
}

#[test]
fn empty_file() {
    let err = inspect_with(b"", &defaults()).unwrap_err();
    assert!(matches!(err, ArchiveError::NotAZip(_)), "{err:?}");
}

#[test]
fn truncated_zip() {
    let bytes = zip_bytes(&[("composer.json", COMPOSER), ("README.md", b"hello")]);
    let err = inspect_with(&bytes[..bytes.len() - 30], &defaults()).unwrap_err();
    assert!(matches!(err, ArchiveError::NotAZip(_)), "{err:?}");
}

#[test]
fn missing_file_is_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let err = inspect_archive(&dir.path().join("nope.zip"), &defaults()).unwrap_err();
    assert!(matches!(err, ArchiveError::Unreadable(_)), "{err:?}");
}

#[test]
fn data_before_the_zip_is_refused() {
    let mut bytes = b"#!/bin/sh\nexit 0\n".to_vec();
    bytes.extend(zip_bytes(&[("composer.json", COMPOSER)]));
    let err = inspect_with(&bytes, &defaults()).unwrap_err();
    assert!(matches!(err, ArchiveError::NotAZip(_)), "{err:?}");
}

#[test]
fn empty_zip_has_no_composer_json() {
    let err = inspect(&[]).unwrap_err();
    assert_eq!(err, ArchiveError::MissingComposerJson);
}

#[test]
fn zip64_locator_pointing_outside_the_file() {
    let mut bytes = zip64_bytes(3, 3);
    let locator_offset = bytes.len() - 22 - 20 + 8;
    bytes[locator_offset..locator_offset + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    let err = inspect_with(&bytes, &defaults()).unwrap_err();
    assert!(matches!(err, ArchiveError::NotAZip(_)), "{err:?}");
}

#[test]
fn missing_composer_json() {
    let err = inspect(&[("src/Foo.php", b"<?php"), ("README.md", b"hi")]).unwrap_err();
    assert_eq!(err, ArchiveError::MissingComposerJson);
}

#[test]
fn composer_json_in_second_level_folder_is_rejected() {
    let err = inspect(&[("pkg/", b""), ("pkg/inner/composer.json", COMPOSER)]).unwrap_err();
    assert_eq!(err, ArchiveError::MissingComposerJson);
}

#[test]
fn two_top_level_folders_are_rejected() {
    let err = inspect(&[("a/composer.json", COMPOSER), ("b/Foo.php", b"<?php")]).unwrap_err();
    assert_eq!(err, ArchiveError::MissingComposerJson);
}

#[test]
fn root_file_beside_the_folder_is_rejected() {
    let err = inspect(&[("pkg/composer.json", COMPOSER), ("README.md", b"hi")]).unwrap_err();
    assert_eq!(err, ArchiveError::MissingComposerJson);
}

#[test]
fn composer_json_folder_is_not_a_file() {
    let err = inspect(&[("composer.json/", b""), ("composer.json/x", b"{}")]).unwrap_err();
    assert_eq!(err, ArchiveError::MissingComposerJson);
}

#[test]
fn invalid_json() {
    let err = inspect(&[(
        "composer.json",
        b"{\n  \"name\": \"acme/foo\"\n  \"type\": 1\n}",
    )])
    .unwrap_err();
    let ArchiveError::InvalidComposerJson(reason) = &err else {
        panic!("{err:?}")
    };
    assert!(reason.contains("line 3 column 3"), "{reason}");
    assert!(
        err.to_string()
            .starts_with("composer.json is not valid JSON: expected `,` or `}`")
    );
}

#[test]
fn json_array_is_not_an_object() {
    let err = inspect(&[("composer.json", b"[1, 2]")]).unwrap_err();
    assert_eq!(err, ArchiveError::ComposerJsonNotObject);
    assert_eq!(err.to_string(), "composer.json must be a JSON object");
}

#[test]
fn byte_order_mark_is_explained() {
    let err = inspect(&[("composer.json", b"\xEF\xBB\xBF{}")]).unwrap_err();
    let ArchiveError::InvalidComposerJson(reason) = err else {
        panic!("{err:?}")
    };
    assert!(reason.contains("byte order mark"), "{reason}");
}

#[test]
fn parent_traversal_entry() {
    let err = inspect(&[("composer.json", COMPOSER), ("../evil.php", b"<?php")]).unwrap_err();
    assert_eq!(err, ArchiveError::UnsafePath("../evil.php".into()));
    assert_eq!(
        err.to_string(),
        "archive entry \"../evil.php\" escapes the package folder (absolute or \"..\" paths, \
         NUL bytes and symlinks are refused)"
    );
}

#[test]
fn absolute_entries() {
    for name in [
        "/etc/cron.d/evil",
        "C:\\Windows\\evil.dll",
        "c:evil",
        "\\\\server\\share\\evil",
    ] {
        let err = inspect(&[("composer.json", COMPOSER), (name, b"x")]).unwrap_err();
        assert_eq!(err, ArchiveError::UnsafePath(name.into()), "{name}");
    }
}

#[test]
fn backslash_traversal() {
    let name = "pkg\\..\\..\\evil.php";
    let err = inspect(&[("composer.json", COMPOSER), (name, b"x")]).unwrap_err();
    assert_eq!(err, ArchiveError::UnsafePath(name.into()));
}

#[test]
fn nul_in_entry_name() {
    let err = inspect(&[("composer.json", COMPOSER), ("evil.php\0.txt", b"x")]).unwrap_err();
    assert_eq!(err, ArchiveError::UnsafePath("evil.php\0.txt".into()));
}

#[test]
fn dots_inside_names_are_fine() {
    let manifest = inspect(&[("composer.json", COMPOSER), ("a..b/..c/d..", b"x")]).unwrap();
    assert_eq!(manifest.entry_count, 2);
}

#[test]
fn symlink_entry() {
    let mut writer = ZipWriter::new(io::Cursor::new(Vec::new()));
    writer
        .start_file("composer.json", SimpleFileOptions::default())
        .unwrap();
    writer.write_all(COMPOSER).unwrap();
    writer
        .add_symlink("link", "/etc/passwd", SimpleFileOptions::default())
        .unwrap();
    let bytes = writer.finish().unwrap().into_inner();
    let err = inspect_with(&bytes, &defaults()).unwrap_err();
    assert_eq!(err, ArchiveError::UnsafePath("link".into()));
}

#[test]
fn encrypted_entry() {
    let mut bytes = zip_bytes(&[("composer.json", COMPOSER), ("secret.php", b"<?php")]);
    // Set the "encrypted" flag in the local and central headers of every entry.
    for signature in [&b"PK\x03\x04"[..], &b"PK\x01\x02"[..]] {
        let offset = if signature[2] == 3 { 6 } else { 8 };
        let starts: Vec<usize> = (0..bytes.len() - 4)
            .filter(|&i| bytes[i..].starts_with(signature))
            .collect();
        for start in starts {
            bytes[start + offset] |= 1;
        }
    }
    let err = inspect_with(&bytes, &defaults()).unwrap_err();
    assert_eq!(err, ArchiveError::Encrypted("composer.json".into()));
}

#[test]
fn duplicate_entries() {
    let mut bytes = zip_bytes(&[("composer.json", COMPOSER), ("composer.jsoX", b"[]")]);
    patch(&mut bytes, b"composer.jsoX", b"composer.json");
    let err = inspect_with(&bytes, &defaults()).unwrap_err();
    assert_eq!(err, ArchiveError::DuplicateEntries);
}

#[test]
fn too_large_archive() {
    let limits = ArchiveLimits {
        max_archive_bytes: 100,
        ..defaults()
    };
    let bytes = zip_bytes(&[("composer.json", COMPOSER), ("README.md", b"hello")]);
    let err = inspect_with(&bytes, &limits).unwrap_err();
    assert_eq!(
        err,
        ArchiveError::TooLarge {
            size: bytes.len() as u64,
            max: 100
        }
    );
}

#[test]
fn too_many_entries() {
    let limits = ArchiveLimits {
        max_entries: 3,
        ..defaults()
    };
    let bytes = zip_bytes(&[
        ("composer.json", COMPOSER),
        ("a", b""),
        ("b", b""),
        ("c", b""),
        ("d", b""),
    ]);
    let err = inspect_with(&bytes, &limits).unwrap_err();
    assert_eq!(err, ArchiveError::TooManyEntries { entries: 5, max: 3 });
}

#[test]
fn zip64_entry_count_is_read_before_parsing() {
    let bytes = zip64_bytes(3, 3);
    let (_dir, path) = save(&bytes);
    let mut file = File::open(&path).unwrap();
    assert_eq!(
        declared_entry_count(&mut file, bytes.len() as u64).unwrap(),
        3
    );
    // The crate parses this zip64 layout, so only composer.json is missing.
    let err = inspect_archive(&path, &defaults()).unwrap_err();
    assert_eq!(err, ArchiveError::MissingComposerJson);
}

#[test]
fn huge_declared_zip64_count_is_refused() {
    let err = inspect_with(&zip64_bytes(3, 50_000_000), &defaults()).unwrap_err();
    assert_eq!(
        err,
        ArchiveError::TooManyEntries {
            entries: 50_000_000,
            max: 100_000
        }
    );
}

#[test]
fn highly_compressible_large_entry_is_a_bomb() {
    let zeros = vec![0u8; 4 * 1024 * 1024];
    let err = inspect(&[("composer.json", COMPOSER), ("pkg/zeros.bin", &zeros)]).unwrap_err();
    let ArchiveError::ZipBomb(reason) = &err else {
        panic!("{err:?}")
    };
    assert!(reason.contains("pkg/zeros.bin"), "{reason}");
}

#[test]
fn small_compressible_entry_is_fine() {
    let zeros = vec![0u8; 512 * 1024];
    let manifest = inspect(&[("composer.json", COMPOSER), ("zeros.bin", &zeros)]).unwrap();
    assert_eq!(manifest.entry_count, 2);
}

#[test]
fn declared_total_over_limit_is_a_bomb() {
    let limits = ArchiveLimits {
        max_uncompressed_bytes: 1000,
        ..defaults()
    };
    let bytes = zip_bytes(&[("composer.json", COMPOSER), ("big.txt", &[b'x'; 2000])]);
    let err = inspect_with(&bytes, &limits).unwrap_err();
    assert!(matches!(err, ArchiveError::ZipBomb(_)), "{err:?}");
}

#[test]
fn oversized_composer_json() {
    let limits = ArchiveLimits {
        max_compression_ratio: u64::MAX,
        ..defaults()
    };
    let mut json = vec![b' '; 2 * 1024 * 1024];
    json.extend_from_slice(b"{}");
    let err = inspect_with(&zip_bytes(&[("composer.json", &json)]), &limits).unwrap_err();
    assert_eq!(
        err,
        ArchiveError::ComposerJsonTooLarge {
            max: COMPOSER_JSON_MAX_BYTES
        }
    );
}

#[test]
fn composer_json_lying_about_its_size_is_capped() {
    let limits = ArchiveLimits {
        max_compression_ratio: u64::MAX,
        ..defaults()
    };
    let mut json = vec![b' '; 2 * 1024 * 1024];
    json.extend_from_slice(b"{}");
    let mut bytes = zip_bytes(&[("composer.json", &json)]);
    // Declare 2 bytes instead of 2 MiB + 2 in both headers.
    let real = (json.len() as u32).to_le_bytes();
    patch(&mut bytes, &real, &2u32.to_le_bytes());
    match inspect_with(&bytes, &limits).unwrap_err() {
        ArchiveError::UnreadableEntry { name, .. } => assert_eq!(name, "composer.json"),
        ArchiveError::LargerThanDeclared { name, .. } => assert_eq!(name, "composer.json"),
        ArchiveError::ComposerJsonTooLarge { .. } => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    let bytes = zip_bytes(&[
        ("pkg/composer.json", COMPOSER),
        ("pkg/a.php", b"<?php echo 1;"),
    ]);
    for at in 0..bytes.len() {
        for value in [0x00, 0xFF, bytes[at] ^ 0x01] {
            let mut corrupted = bytes.clone();
            corrupted[at] = value;
            let _ = inspect_with(&corrupted, &defaults());
        }
    }
}

#[test]
fn messages_name_the_problem() {
    assert_eq!(
        ArchiveError::MissingComposerJson.to_string(),
        "no composer.json at the archive root or inside its single top-level folder"
    );
    let too_many = ArchiveError::TooManyEntries { entries: 7, max: 3 };
    assert_eq!(
        too_many.to_string(),
        "the archive has 7 entries, more than the limit of 3 for a release"
    );
}
