//! The raw name fields of an entry's two headers: the central-directory record the zip crate
//! reads and the local header a streaming extractor reads, so the two can be held against
//! each other instead of trusting whichever one a given tool happens to use.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// Where one kind of header keeps its name: signature, name length offset, name offset.
struct Layout {
    signature: [u8; 4],
    name_len_at: usize,
    name_at: usize,
}

const LOCAL: Layout = Layout {
    signature: *b"PK\x03\x04",
    name_len_at: 26,
    name_at: 30,
};

const CENTRAL: Layout = Layout {
    signature: *b"PK\x01\x02",
    name_len_at: 28,
    name_at: 46,
};

/// The raw name in the local file header at `offset`, or `None` when there
/// is no local header there (wrong signature, or it runs past the end of the file).
pub(super) fn local_name(file: &mut File, offset: u64) -> io::Result<Option<Vec<u8>>> {
    raw_name(file, offset, &LOCAL)
}

/// The raw name in the central-directory record at `offset`, before any
/// Unicode Path extra field replaces it, or `None` when there is no record there.
pub(super) fn central_name(file: &mut File, offset: u64) -> io::Result<Option<Vec<u8>>> {
    raw_name(file, offset, &CENTRAL)
}

fn raw_name(file: &mut File, offset: u64, layout: &Layout) -> io::Result<Option<Vec<u8>>> {
    let mut fixed = vec![0u8; layout.name_at];
    file.seek(SeekFrom::Start(offset))?;
    if !read_all(file, &mut fixed)? || !fixed.starts_with(&layout.signature) {
        return Ok(None);
    }
    let len_bytes = [fixed[layout.name_len_at], fixed[layout.name_len_at + 1]];
    // At most 64 KiB, so the name can be held whatever the header claims.
    let mut name = vec![0u8; usize::from(u16::from_le_bytes(len_bytes))];
    if !read_all(file, &mut name)? {
        return Ok(None);
    }
    Ok(Some(name))
}

/// Fills `buf`; false when the file ends first, which means "no header here", not a disk error.
fn read_all(file: &mut File, buf: &mut [u8]) -> io::Result<bool> {
    match file.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}
