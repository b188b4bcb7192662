//! The raw end of a zip file: the entry count its end-of-central-directory records declare,
//! read before the zip crate is allowed to parse (and allocate for) the central directory.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

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
pub(super) fn declared_entry_count(file: &mut File, file_len: u64) -> io::Result<u64> {
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
