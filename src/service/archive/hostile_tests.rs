//! Archives whose headers lie, written byte by byte: entries that outgrow their declared size,
//! wrong checksums, and local headers that name an entry differently from the central directory.

use super::*;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use tempfile::TempDir;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

const COMPOSER: &[u8] = br#"{"name": "acme/foo", "type": "library"}"#;

/// One entry exactly as it will be written; the fields may disagree on purpose.
struct Raw {
    local_name: String,
    central_name: String,
    method: u16,
    crc: u32,
    declared: u32,
    data: Vec<u8>,
}

impl Raw {
    /// An honest entry: `content` compressed with `method`, as the zip crate writes it.
    fn honest(name: &str, content: &[u8], method: CompressionMethod) -> Raw {
        let mut writer = ZipWriter::new(io::Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(method);
        writer.start_file(name, options).unwrap();
        writer.write_all(content).unwrap();
        let mut archive = ZipArchive::new(writer.finish().unwrap()).unwrap();
        let mut entry = archive.by_index_raw(0).unwrap();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        Raw {
            local_name: name.to_string(),
            central_name: name.to_string(),
            method: if method == CompressionMethod::Stored {
                0
            } else {
                8
            },
            crc: entry.crc32(),
            declared: u32::try_from(content.len()).unwrap(),
            data,
        }
    }

    /// Method, date, CRC and sizes: the run both headers share.
    fn sizes(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.method.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&self.crc.to_le_bytes());
        out.extend_from_slice(&u32::try_from(self.data.len()).unwrap().to_le_bytes());
        out.extend_from_slice(&self.declared.to_le_bytes());
    }
}

fn name_len(name: &str) -> [u8; 2] {
    u16::try_from(name.len()).unwrap().to_le_bytes()
}

/// Local headers and data, then the central directory and its end record.
fn raw_zip(entries: &[Raw]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let offset = u32::try_from(out.len()).unwrap();
        out.extend_from_slice(b"PK\x03\x04\x14\0\0\0");
        entry.sizes(&mut out);
        out.extend_from_slice(&name_len(&entry.local_name));
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(entry.local_name.as_bytes());
        out.extend_from_slice(&entry.data);

        central.extend_from_slice(b"PK\x01\x02\x14\0\x14\0\0\0");
        entry.sizes(&mut central);
        central.extend_from_slice(&name_len(&entry.central_name));
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(entry.central_name.as_bytes());
    }
    let count = u16::try_from(entries.len()).unwrap().to_le_bytes();
    let cd_start = u32::try_from(out.len()).unwrap();
    let cd_size = u32::try_from(central.len()).unwrap();
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&count);
    out.extend_from_slice(&count);
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_start.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

fn save(bytes: &[u8]) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("release.zip");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn inspect(entries: &[Raw]) -> Result<ArchiveManifest, ArchiveError> {
    let (_dir, path) = save(&raw_zip(entries));
    inspect_archive(&path, &crate::service::Limits::default().archive())
}

fn composer() -> Raw {
    Raw::honest("composer.json", COMPOSER, CompressionMethod::Deflated)
}

#[test]
fn an_honest_hand_written_archive_is_accepted() {
    let manifest = inspect(&[
        composer(),
        Raw::honest("src/a.php", b"<?php echo 1;", CompressionMethod::Stored),
        Raw::honest("src/b.php", &[b'x'; 5000], CompressionMethod::Deflated),
    ])
    .unwrap();
    assert_eq!(
        manifest.entries,
        ["composer.json", "src/a.php", "src/b.php"]
    );
}

#[test]
fn a_deflated_entry_inflating_far_past_its_declared_size_is_refused() {
    let mut bomb = Raw::honest(
        "src/zeros.bin",
        &vec![0u8; 8 * 1024 * 1024],
        CompressionMethod::Deflated,
    );
    bomb.declared = 100;
    let err = inspect(&[composer(), bomb]).unwrap_err();
    assert_eq!(
        err,
        ArchiveError::LargerThanDeclared {
            name: "src/zeros.bin".into(),
            declared: 100
        }
    );
    assert_eq!(
        err.to_string(),
        "archive entry \"src/zeros.bin\" inflates to more than the 100 bytes the archive \
         declares for it"
    );
}

#[test]
fn a_stored_entry_longer_than_its_declared_size_is_refused() {
    let mut long = Raw::honest("src/a.php", &[b'x'; 70_000], CompressionMethod::Stored);
    long.declared = 10;
    let err = inspect(&[composer(), long]).unwrap_err();
    assert_eq!(
        err,
        ArchiveError::LargerThanDeclared {
            name: "src/a.php".into(),
            declared: 10
        }
    );
}

#[test]
fn an_entry_whose_checksum_is_wrong_is_refused() {
    let mut corrupt = Raw::honest("src/a.php", b"<?php echo 1;", CompressionMethod::Deflated);
    corrupt.crc ^= 1;
    let err = inspect(&[composer(), corrupt]).unwrap_err();
    assert_eq!(err, ArchiveError::ChecksumMismatch("src/a.php".into()));
    assert!(err.to_string().contains("CRC-32"), "{err}");
}

#[test]
fn a_local_header_name_that_climbs_out_is_refused() {
    let mut entry = Raw::honest("src/x.php", b"<?php", CompressionMethod::Stored);
    entry.local_name = "../../x.php".into();
    let err = inspect(&[composer(), entry]).unwrap_err();
    assert_eq!(
        err,
        ArchiveError::NameMismatch {
            central: "src/x.php".into(),
            local: "../../x.php".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "archive entry \"src/x.php\" is named \"../../x.php\" in its local file header, \
         so tools would disagree about where it goes"
    );
}

#[test]
fn a_harmless_local_header_name_that_differs_is_refused_too() {
    let mut entry = Raw::honest("composer.json", COMPOSER, CompressionMethod::Stored);
    entry.local_name = "composer.jsoX".into();
    let err = inspect(&[entry]).unwrap_err();
    assert!(matches!(err, ArchiveError::NameMismatch { .. }), "{err:?}");
}

#[test]
fn an_entry_without_a_local_header_is_refused() {
    let mut bytes = raw_zip(&[
        composer(),
        Raw::honest("src/a.php", b"<?php", CompressionMethod::Stored),
    ]);
    let second = bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x03\x04")
        .nth(1)
        .unwrap()
        .0;
    bytes[second + 3] = 0x09;
    let (_dir, path) = save(&bytes);
    let err = inspect_archive(&path, &crate::service::Limits::default().archive()).unwrap_err();
    assert_eq!(err, ArchiveError::MissingLocalHeader("src/a.php".into()));
}

#[test]
fn odd_characters_in_entry_names_are_escaped_in_messages() {
    let err = ArchiveError::NameMismatch {
        central: "src/x.php".into(),
        local: "x\n\u{202e}.php".into(),
    };
    let text = err.to_string();
    assert!(text.contains(r#""x\n\u{202e}.php""#), "{text}");
    assert!(!text.contains('\n'), "{text}");
}
