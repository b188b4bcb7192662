//! What the archive really holds, not what it declares: every entry's local header name and
//! every entry's bytes, inflated as a stream and counted against the declared size and the caps.

use super::local_header::{central_name, local_name};
use super::paths::is_safe_path;
use super::{ArchiveError, ArchiveLimits};
use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::Path;
use zip::ZipArchive;

/// Inflated bytes are read through this much memory, whatever an entry's size.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// Refuses the archive when any entry's local file header names it differently from the
/// central directory: extractors that stream the local headers would write somewhere else.
pub(super) fn check_local_names<R: Read + Seek>(
    path: &Path,
    archive: &ZipArchive<R>,
) -> Result<(), ArchiveError> {
    let disk = |e: io::Error| ArchiveError::Unreadable(e.to_string());
    let mut file = File::open(path).map_err(disk)?;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_data(index)
            .map_err(|e| ArchiveError::NotAZip(e.to_string()))?;
        let shown = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let central = central_name(&mut file, entry.central_header_start())
            .map_err(disk)?
            .ok_or_else(|| ArchiveError::NotAZip(format!("no central record for {shown:?}")))?;
        let local = local_name(&mut file, entry.header_start())
            .map_err(disk)?
            .ok_or_else(|| ArchiveError::MissingLocalHeader(shown.clone()))?;
        if local != central {
            return Err(ArchiveError::NameMismatch {
                central: String::from_utf8_lossy(&central).into_owned(),
                local: String::from_utf8_lossy(&local).into_owned(),
            });
        }
        // The crate may have replaced the raw name by a Unicode Path field;
        // tools that ignore that field use the raw one, so it must be safe too.
        let raw = String::from_utf8_lossy(&local).into_owned();
        if !is_safe_path(&raw) {
            return Err(ArchiveError::UnsafePath(raw));
        }
    }
    Ok(())
}

/// Inflates every entry to nowhere, counting its bytes: an entry may not grow past the size the
/// archive declares for it, the whole archive not past `limits.max_uncompressed_bytes`, and
/// each entry must match its CRC-32. Stops at the first byte over a limit.
pub(super) fn check_contents<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    limits: &ArchiveLimits,
) -> Result<(), ArchiveError> {
    let mut buffer = vec![0u8; READ_BUFFER_BYTES];
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let name = archive
            .by_index_data(index)
            .map(|entry| String::from_utf8_lossy(entry.name_raw()).into_owned())
            .map_err(|e| ArchiveError::NotAZip(e.to_string()))?;
        let mut entry = archive
            .by_index(index)
            .map_err(|e| ArchiveError::UnreadableEntry {
                name: name.clone(),
                reason: e.to_string(),
            })?;
        let declared = entry.size();
        inflate(&mut entry, name, declared, &mut buffer, &mut total, limits)?;
    }
    Ok(())
}

/// Reads one entry to its end, adding to `total`; refuses at the first byte over a limit.
fn inflate(
    entry: &mut impl Read,
    name: String,
    declared: u64,
    buffer: &mut [u8],
    total: &mut u64,
    limits: &ArchiveLimits,
) -> Result<(), ArchiveError> {
    let mut actual: u64 = 0;
    loop {
        let read = match entry.read(buffer) {
            Ok(0) => return Ok(()),
            Ok(read) => read as u64,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_error(name, declared, e)),
        };
        actual = actual.saturating_add(read);
        *total = total.saturating_add(read);
        if actual > declared {
            return Err(ArchiveError::LargerThanDeclared { name, declared });
        }
        if *total > limits.max_uncompressed_bytes {
            return Err(ArchiveError::ZipBomb(format!(
                "its entries inflate to more than {} bytes in total",
                limits.max_uncompressed_bytes
            )));
        }
    }
}

/// The zip crate reports an entry that outgrows its declared size and one whose
/// CRC-32 is wrong both as `InvalidData`, told apart only by the message.
fn read_error(name: String, declared: u64, error: io::Error) -> ArchiveError {
    let reason = error.to_string();
    if reason.contains("larger than its declared") {
        ArchiveError::LargerThanDeclared { name, declared }
    } else if reason.contains("Invalid checksum") {
        ArchiveError::ChecksumMismatch(name)
    } else {
        ArchiveError::UnreadableEntry { name, reason }
    }
}
