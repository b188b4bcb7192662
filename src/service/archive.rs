//! Inspection of a vendor's release archive before it is stored.
//!
//! Uploads are untrusted, so this reads only the central directory and the
//! package's `composer.json`: nothing is ever extracted, and every size that
//! could make us spend memory or CPU is checked before it is acted upon.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use serde_json::{Map, Value};
use zip::ZipArchive;
use zip::read::{ArchiveOffset, Config};
use zip::result::ZipError;

/// Largest `composer.json` we read; real ones are a few KiB, so anything
/// bigger is either a mistake or an attempt to exhaust memory.
pub const COMPOSER_JSON_MAX_BYTES: u64 = 1024 * 1024;

/// Entries smaller than this are never called bombs: tiny, very repetitive
/// files (empty stubs, padding) legitimately compress far beyond any ratio.
pub const RATIO_MIN_ENTRY_BYTES: u64 = 1024 * 1024;

const MIB: u64 = 1024 * 1024;
const COMPOSER_JSON: &str = "composer.json";
/// Composer skips this resource-fork folder that macOS Finder adds to zips.
const MACOS_METADATA_DIR: &str = "__MACOSX";
const S_IFMT: u32 = 0o170_000;
const S_IFLNK: u32 = 0o120_000;

/// What an archive may declare before we refuse it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Size of the zip file itself.
    pub max_archive_bytes: u64,
    /// Number of entries (files, folders) in the central directory.
    pub max_entries: usize,
    /// Sum of the uncompressed sizes the central directory declares.
    pub max_uncompressed_bytes: u64,
    /// Uncompressed / compressed size of one entry, judged only for entries
    /// larger than [`RATIO_MIN_ENTRY_BYTES`].
    pub max_compression_ratio: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        Self {
            max_archive_bytes: 256 * MIB,
            max_entries: 100_000,
            max_uncompressed_bytes: 2048 * MIB,
            max_compression_ratio: 200,
        }
    }
}

/// What the publisher needs from an archive that passed inspection.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchiveManifest {
    /// composer.json parsed, as a JSON object, key order preserved as in the file.
    pub composer_json: Map<String, Value>,
    /// "" when composer.json is at the root, else the single top-level folder
    /// it lives in, e.g. "acme-foo-1.2.0/".
    pub root_prefix: String,
    /// Number of entries (files and folders) in the archive.
    pub entry_count: usize,
    /// Entry names relative to `root_prefix` (folders end in `/`), as the installed package
    /// will hold them; macOS metadata is left out.
    pub entries: Vec<String>,
}

/// Why an archive was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveError {
    /// The file is not a readable zip archive (the reason says why).
    NotAZip(String),
    /// The file could not be read from disk.
    Unreadable(String),
    /// The zip file itself is larger than allowed.
    TooLarge { size: u64, max: u64 },
    /// The archive declares more entries than allowed.
    TooManyEntries { entries: u64, max: usize },
    /// The named entry is absolute, has a `..` component or a NUL, or is a symlink.
    UnsafePath(String),
    /// The declared sizes would expand far beyond what a package needs.
    ZipBomb(String),
    /// The same entry name appears more than once in the central directory.
    DuplicateEntries,
    /// The named entry is password-protected.
    Encrypted(String),
    /// No composer.json where Composer looks for it.
    MissingComposerJson,
    /// composer.json is larger than [`COMPOSER_JSON_MAX_BYTES`].
    ComposerJsonTooLarge { max: u64 },
    /// The named entry's data could not be decompressed.
    UnreadableEntry { name: String, reason: String },
    /// composer.json is not valid JSON (the reason comes from the parser).
    InvalidComposerJson(String),
    /// composer.json is valid JSON but not an object.
    ComposerJsonNotObject,
}

impl fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAZip(reason) => write!(f, "the file is not a valid zip archive: {reason}"),
            Self::Unreadable(reason) => write!(f, "the archive file could not be read: {reason}"),
            Self::TooLarge { size, max } => write!(
                f,
                "the archive is {size} bytes, more than the {max}-byte limit for a release"
            ),
            Self::TooManyEntries { entries, max } => write!(
                f,
                "the archive has {entries} entries, more than the limit of {max} for a release"
            ),
            Self::UnsafePath(name) => write!(
                f,
                "archive entry {name:?} escapes the package folder (absolute or \"..\" paths, \
                 NUL bytes and symlinks are refused)"
            ),
            Self::ZipBomb(reason) => write!(f, "the archive looks like a zip bomb: {reason}"),
            Self::DuplicateEntries => write!(
                f,
                "the archive lists the same entry name more than once, so tools would disagree \
                 about which one to use"
            ),
            Self::Encrypted(name) => write!(
                f,
                "archive entry {name:?} is encrypted, and Composer cannot install \
                 password-protected archives"
            ),
            Self::MissingComposerJson => write!(
                f,
                "no composer.json at the archive root or inside its single top-level folder"
            ),
            Self::ComposerJsonTooLarge { max } => {
                write!(f, "composer.json is larger than the {max}-byte limit")
            }
            Self::UnreadableEntry { name, reason } => {
                write!(
                    f,
                    "archive entry {name:?} could not be decompressed: {reason}"
                )
            }
            Self::InvalidComposerJson(reason) => {
                write!(f, "composer.json is not valid JSON: {reason}")
            }
            Self::ComposerJsonNotObject => write!(f, "composer.json must be a JSON object"),
        }
    }
}

impl std::error::Error for ArchiveError {}

/// Checks the archive at `path` against `limits` and returns its parsed
/// composer.json and layout, reading only the central directory and
/// composer.json itself.
pub fn inspect_archive(
    path: &Path,
    limits: &ArchiveLimits,
) -> Result<ArchiveManifest, ArchiveError> {
    let mut file = File::open(path).map_err(|e| ArchiveError::Unreadable(e.to_string()))?;
    let size = file
        .metadata()
        .map_err(|e| ArchiveError::Unreadable(e.to_string()))?
        .len();
    if size > limits.max_archive_bytes {
        return Err(ArchiveError::TooLarge {
            size,
            max: limits.max_archive_bytes,
        });
    }
    // The zip crate keeps every central-directory record in memory, so a huge
    // declared count must be refused before the crate is allowed to parse it.
    let declared = declared_entry_count(&mut file, size)
        .map_err(|e| ArchiveError::Unreadable(e.to_string()))?;
    check_entry_count(declared, limits)?;
    let mut archive = open_zip(file)?;
    check_entry_count(archive.len() as u64, limits)?;
    if archive.has_duplicate_names() {
        return Err(ArchiveError::DuplicateEntries);
    }
    let names = check_entries(&archive, limits)?;
    let (index, root_prefix) = find_composer_json(&names)?;
    let composer_json = read_composer_json(&mut archive, index, &names[index].0)?;
    let entries = entries_under(&names, &root_prefix);
    Ok(ArchiveManifest {
        composer_json,
        root_prefix,
        entry_count: archive.len(),
        entries,
    })
}

/// The names Composer installs: those under the package folder, without macOS metadata.
fn entries_under(names: &[(String, bool)], prefix: &str) -> Vec<String> {
    names
        .iter()
        .filter_map(|(name, _)| name.strip_prefix(prefix))
        .filter(|name| !name.is_empty() && name.split('/').next() != Some(MACOS_METADATA_DIR))
        .map(str::to_string)
        .collect()
}

fn check_entry_count(entries: u64, limits: &ArchiveLimits) -> Result<(), ArchiveError> {
    let max = limits.max_entries;
    if entries > u64::try_from(max).unwrap_or(u64::MAX) {
        return Err(ArchiveError::TooManyEntries { entries, max });
    }
    Ok(())
}

fn open_zip(file: File) -> Result<ZipArchive<BufReader<File>>, ArchiveError> {
    // A fixed offset of 0 refuses data prepended to the zip (self-extractor
    // stubs, polyglots): package archives never have any, and guessing the
    // offset would let different readers see different central directories.
    let config = Config {
        archive_offset: ArchiveOffset::Known(0),
    };
    ZipArchive::with_config(config, BufReader::new(file)).map_err(|e| match e {
        ZipError::Io(io) if io.kind() != io::ErrorKind::UnexpectedEof => {
            ArchiveError::Unreadable(io.to_string())
        }
        other => ArchiveError::NotAZip(other.to_string()),
    })
}

/// Validates every central-directory record and returns the entry names.
fn check_entries<R: Read + Seek>(
    archive: &ZipArchive<R>,
    limits: &ArchiveLimits,
) -> Result<Vec<(String, bool)>, ArchiveError> {
    let mut names = Vec::with_capacity(archive.len());
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_data(index)
            .map_err(|e| ArchiveError::NotAZip(e.to_string()))?;
        let name = entry
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| String::from_utf8_lossy(entry.name_raw()).into_owned());
        let is_symlink = entry.unix_mode().is_some_and(|m| m & S_IFMT == S_IFLNK);
        if is_symlink || !is_safe_path(&name) {
            return Err(ArchiveError::UnsafePath(name));
        }
        if entry.encrypted() {
            return Err(ArchiveError::Encrypted(name));
        }
        check_ratio(&name, entry.size(), entry.compressed_size(), limits)?;
        total = total.saturating_add(entry.size());
        if total > limits.max_uncompressed_bytes {
            return Err(ArchiveError::ZipBomb(format!(
                "its entries declare more than {} bytes in total once uncompressed",
                limits.max_uncompressed_bytes
            )));
        }
        let is_dir = entry.is_dir();
        names.push((name, is_dir));
    }
    Ok(names)
}

fn check_ratio(
    name: &str,
    size: u64,
    compressed: u64,
    limits: &ArchiveLimits,
) -> Result<(), ArchiveError> {
    if size <= RATIO_MIN_ENTRY_BYTES
        || size <= compressed.saturating_mul(limits.max_compression_ratio)
    {
        return Ok(());
    }
    Err(ArchiveError::ZipBomb(format!(
        "entry {name:?} expands from {compressed} to {size} bytes, a ratio above the limit of {}",
        limits.max_compression_ratio
    )))
}

/// Whether an entry name stays inside the extraction folder on every OS:
/// Windows extractors treat `\` and drive letters as path syntax too.
fn is_safe_path(name: &str) -> bool {
    let bytes = name.as_bytes();
    let absolute = bytes.first().is_some_and(|b| *b == b'/' || *b == b'\\')
        || (bytes.get(1) == Some(&b':') && bytes.first().is_some_and(u8::is_ascii_alphabetic));
    let has_parent = name.split(['/', '\\']).any(|part| part == "..");
    !name.is_empty() && !absolute && !has_parent && !name.contains('\0')
}

/// Mirrors Composer's own lookup: composer.json at the root, else inside the
/// one folder that holds everything (ignoring macOS metadata). Returns the
/// entry's index and the folder prefix.
fn find_composer_json(names: &[(String, bool)]) -> Result<(usize, String), ArchiveError> {
    let position = |wanted: &str| names.iter().position(|(n, dir)| !dir && n == wanted);
    if let Some(index) = position(COMPOSER_JSON) {
        return Ok((index, String::new()));
    }
    let folder = single_top_level_folder(names).ok_or(ArchiveError::MissingComposerJson)?;
    let prefix = format!("{folder}/");
    let index = position(&format!("{prefix}{COMPOSER_JSON}"));
    index
        .map(|i| (i, prefix))
        .ok_or(ArchiveError::MissingComposerJson)
}

/// The first path component shared by all entries, if they share one and it
/// is a folder (some entry lies below it).
fn single_top_level_folder(names: &[(String, bool)]) -> Option<&str> {
    let mut folder: Option<&str> = None;
    let mut has_children = false;
    for (name, _) in names {
        let (first, rest) = name.split_once('/').unwrap_or((name.as_str(), ""));
        if first == MACOS_METADATA_DIR {
            continue;
        }
        if folder.is_some_and(|f| f != first) {
            return None;
        }
        folder = Some(first);
        has_children |= !rest.is_empty();
    }
    // "." would make every entry look like it sits at the root.
    folder.filter(|f| has_children && *f != ".")
}

fn read_composer_json<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    index: usize,
    name: &str,
) -> Result<Map<String, Value>, ArchiveError> {
    let too_large = ArchiveError::ComposerJsonTooLarge {
        max: COMPOSER_JSON_MAX_BYTES,
    };
    let unreadable = |reason: String| ArchiveError::UnreadableEntry {
        name: name.to_string(),
        reason,
    };
    let entry = archive
        .by_index(index)
        .map_err(|e| unreadable(e.to_string()))?;
    if entry.size() > COMPOSER_JSON_MAX_BYTES {
        return Err(too_large);
    }
    // The declared size may lie, so the read itself is capped as well.
    let mut bytes = Vec::new();
    entry
        .take(COMPOSER_JSON_MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(e.to_string()))?;
    if bytes.len() as u64 > COMPOSER_JSON_MAX_BYTES {
        return Err(too_large);
    }
    parse_composer_json(&bytes)
}

fn parse_composer_json(bytes: &[u8]) -> Result<Map<String, Value>, ArchiveError> {
    // serde_json's message for a BOM ("expected value at line 1 column 1")
    // would not tell the vendor what to fix; Composer refuses BOMs as well.
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(ArchiveError::InvalidComposerJson(
            "it starts with a UTF-8 byte order mark (BOM), which Composer refuses".to_string(),
        ));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ArchiveError::ComposerJsonNotObject),
        Err(e) => Err(ArchiveError::InvalidComposerJson(e.to_string())),
    }
}

/// Signature of the end-of-central-directory record.
const EOCD_SIG: [u8; 4] = *b"PK\x05\x06";
const EOCD_LEN: usize = 22;
const ZIP64_LOCATOR_SIG: [u8; 4] = *b"PK\x06\x07";
const ZIP64_LOCATOR_LEN: usize = 20;
const ZIP64_EOCD_SIG: [u8; 4] = *b"PK\x06\x06";
/// Same window the zip crate searches for the EOCD (record, signature slack
/// and a comment of up to 64 KiB), plus room for the ZIP64 locator before it.
const TAIL_LEN: u64 = (EOCD_LEN + 4 + (1 << 16) + ZIP64_LOCATOR_LEN) as u64;

/// The largest entry count declared by any end-of-central-directory record
/// the zip crate could pick, read without parsing the central directory.
/// Returns 0 when there is none (the crate then reports a broken zip).
fn declared_entry_count(file: &mut File, file_len: u64) -> io::Result<u64> {
    let start = file_len.saturating_sub(TAIL_LEN);
    file.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::new();
    file.by_ref().take(TAIL_LEN).read_to_end(&mut tail)?;
    let mut largest = 0;
    for (pos, window) in tail.windows(EOCD_LEN).enumerate() {
        if window.starts_with(&EOCD_SIG) {
            let count = eocd_entry_count(file, file_len, &tail, pos)?;
            largest = largest.max(count);
        }
    }
    Ok(largest)
}

/// Entry count of the EOCD record at `tail[pos..]`: the 64-bit count of the
/// ZIP64 record its locator points to (which then replaces the 16-bit one,
/// as in the zip crate), else its own 16-bit count.
fn eocd_entry_count(file: &mut File, file_len: u64, tail: &[u8], pos: usize) -> io::Result<u64> {
    let classic = u64::from(le_u16(tail, pos + 10));
    let may_be_zip64 = classic == u64::from(u16::MAX)
        || le_u32(tail, pos + 12) == u32::MAX
        || le_u32(tail, pos + 16) == u32::MAX;
    let Some(locator) = pos.checked_sub(ZIP64_LOCATOR_LEN) else {
        return Ok(classic);
    };
    let has_locator = tail
        .get(locator..)
        .is_some_and(|s| s.starts_with(&ZIP64_LOCATOR_SIG));
    if !may_be_zip64 || !has_locator {
        return Ok(classic);
    }
    let mut record = [0u8; 40];
    let record_at = le_u64(tail, locator + 8);
    // A record outside the file is refused by the crate too; seeking there
    // could fail and be misreported as a disk error.
    if record_at.saturating_add(record.len() as u64) > file_len {
        return Ok(classic);
    }
    file.seek(SeekFrom::Start(record_at))?;
    match file.read_exact(&mut record) {
        Ok(()) if record.starts_with(&ZIP64_EOCD_SIG) => Ok(le_u64(&record, 32)),
        Ok(()) => Ok(classic),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(classic),
        Err(e) => Err(e),
    }
}

/// Little-endian integers from `bytes[at..]`; 0 when out of bounds, so a
/// truncated record reads as "declares nothing" rather than panicking.
fn le_bytes<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    bytes
        .get(at..at.saturating_add(N))
        .and_then(|s| s.try_into().ok())
        .unwrap_or([0; N])
}

fn le_u16(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(le_bytes(bytes, at))
}

fn le_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(le_bytes(bytes, at))
}

fn le_u64(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(le_bytes(bytes, at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::path::PathBuf;
    use tempfile::TempDir;
    use zip::ZipWriter;
    use zip::write::SimpleFileOptions;

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
        inspect_with(&zip_bytes(entries), &ArchiveLimits::default())
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
        let mut out = b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0".to_vec();
        out.extend_from_slice(&[0; 12]);
        out.extend_from_slice(&[1, 0, 0, 0, b'a']);
        let cd_start = out.len() as u64;
        for i in 0..entries {
            let name = format!("f{i}");
            out.extend_from_slice(b"PK\x01\x02\x14\0\x14\0\0\0\0\0\0\0\0\0");
            out.extend_from_slice(&[0; 12]);
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&[0; 16]);
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
        let err = inspect_with(&random, &ArchiveLimits::default()).unwrap_err();
        assert!(matches!(err, ArchiveError::NotAZip(_)), "{err:?}");
    }

    #[test]
    fn empty_file() {
        let err = inspect_with(b"", &ArchiveLimits::default()).unwrap_err();
        assert!(matches!(err, ArchiveError::NotAZip(_)), "{err:?}");
    }

    #[test]
    fn truncated_zip() {
        let bytes = zip_bytes(&[("composer.json", COMPOSER), ("README.md", b"hello")]);
        let err = inspect_with(&bytes[..bytes.len() - 30], &ArchiveLimits::default()).unwrap_err();
        assert!(matches!(err, ArchiveError::NotAZip(_)), "{err:?}");
    }

    #[test]
    fn missing_file_is_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let err =
            inspect_archive(&dir.path().join("nope.zip"), &ArchiveLimits::default()).unwrap_err();
        assert!(matches!(err, ArchiveError::Unreadable(_)), "{err:?}");
    }

    #[test]
    fn data_before_the_zip_is_refused() {
        let mut bytes = b"#!/bin/sh\nexit 0\n".to_vec();
        bytes.extend(zip_bytes(&[("composer.json", COMPOSER)]));
        let err = inspect_with(&bytes, &ArchiveLimits::default()).unwrap_err();
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
        let err = inspect_with(&bytes, &ArchiveLimits::default()).unwrap_err();
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
        let err = inspect_with(&bytes, &ArchiveLimits::default()).unwrap_err();
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
        let err = inspect_with(&bytes, &ArchiveLimits::default()).unwrap_err();
        assert_eq!(err, ArchiveError::Encrypted("composer.json".into()));
    }

    #[test]
    fn duplicate_entries() {
        let mut bytes = zip_bytes(&[("composer.json", COMPOSER), ("composer.jsoX", b"[]")]);
        patch(&mut bytes, b"composer.jsoX", b"composer.json");
        let err = inspect_with(&bytes, &ArchiveLimits::default()).unwrap_err();
        assert_eq!(err, ArchiveError::DuplicateEntries);
    }

    #[test]
    fn too_large_archive() {
        let limits = ArchiveLimits {
            max_archive_bytes: 100,
            ..ArchiveLimits::default()
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
            ..ArchiveLimits::default()
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
        let err = inspect_archive(&path, &ArchiveLimits::default()).unwrap_err();
        assert_eq!(err, ArchiveError::MissingComposerJson);
    }

    #[test]
    fn huge_declared_zip64_count_is_refused() {
        let err = inspect_with(&zip64_bytes(3, 50_000_000), &ArchiveLimits::default()).unwrap_err();
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
            ..ArchiveLimits::default()
        };
        let bytes = zip_bytes(&[("composer.json", COMPOSER), ("big.txt", &[b'x'; 2000])]);
        let err = inspect_with(&bytes, &limits).unwrap_err();
        assert!(matches!(err, ArchiveError::ZipBomb(_)), "{err:?}");
    }

    #[test]
    fn oversized_composer_json() {
        let limits = ArchiveLimits {
            max_compression_ratio: u64::MAX,
            ..ArchiveLimits::default()
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
            ..ArchiveLimits::default()
        };
        let mut json = vec![b' '; 2 * 1024 * 1024];
        json.extend_from_slice(b"{}");
        let mut bytes = zip_bytes(&[("composer.json", &json)]);
        // Declare 2 bytes instead of 2 MiB + 2 in both headers.
        let real = (json.len() as u32).to_le_bytes();
        patch(&mut bytes, &real, &2u32.to_le_bytes());
        match inspect_with(&bytes, &limits).unwrap_err() {
            ArchiveError::UnreadableEntry { name, .. } => assert_eq!(name, "composer.json"),
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
                let _ = inspect_with(&corrupted, &ArchiveLimits::default());
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
}
