//! Inspection proper: the central directory's records, the package layout and composer.json.

use super::contents::{check_contents, check_local_names};
use super::end_record::declared_entry_count;
use super::paths::is_safe_path;
use super::{
    ArchiveError, ArchiveLimits, ArchiveManifest, COMPOSER_JSON_MAX_BYTES, RATIO_MIN_ENTRY_BYTES,
};
use serde_json::{Map, Value};
use std::fs::File;
use std::io::{self, BufReader, Read, Seek};
use std::path::Path;
use zip::ZipArchive;
use zip::read::{ArchiveOffset, Config};
use zip::result::ZipError;

const COMPOSER_JSON: &str = "composer.json";
/// Composer skips this resource-fork folder that macOS Finder adds to zips.
const MACOS_METADATA_DIR: &str = "__MACOSX";
const S_IFMT: u32 = 0o170_000;
const S_IFLNK: u32 = 0o120_000;

/// Checks the archive at `path` against `limits` and returns its parsed
/// composer.json and layout: the central directory first, then each entry's
/// local header, then every entry's inflated bytes.
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
    check_local_names(path, &archive)?;
    check_contents(&mut archive, limits)?;
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
        other => ArchiveError::NotAZip(plain(&other)),
    })
}

/// The zip reader's "Could not find EOCD" (or an early end inside that record, a `Zip32CDEBlock`)
/// means nothing to an operator.
fn plain(error: &ZipError) -> String {
    let text = error.to_string();
    let eof = matches!(error, ZipError::Io(io) if io.kind() == io::ErrorKind::UnexpectedEof);
    match eof || text.contains("EOCD") || text.contains("CDEBlock") {
        true => {
            "no end-of-central-directory record (the file is truncated, or not a zip at all)".into()
        }
        false => text,
    }
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
