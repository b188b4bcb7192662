//! The only module that names tar: writing and reading the backup file's entries.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

pub struct BundleWriter {
    builder: tar::Builder<BufWriter<File>>,
}

impl BundleWriter {
    pub fn new(file: File) -> Self {
        Self {
            builder: tar::Builder::new(BufWriter::new(file)),
        }
    }

    /// Appends `size` bytes read from `source` as the entry `name`.
    pub fn append(&mut self, name: &str, size: u64, source: impl Read) -> std::io::Result<()> {
        let mut header = tar::Header::new_gnu();
        header.set_size(size);
        header.set_mode(0o600);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        self.builder.append_data(&mut header, name, source)
    }

    /// Writes the end-of-archive marker and makes the file durable.
    pub fn finish(self) -> std::io::Result<()> {
        let mut writer = self.builder.into_inner()?;
        writer.flush()?;
        let file = writer.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    }
}

/// Calls `each` with every entry's name, size and contents, in order; stops at its first error.
/// A file that cannot be read as a tar becomes `unreadable`'s error.
pub fn read_entries<E>(
    path: &Path,
    unreadable: impl Fn(std::io::Error) -> E,
    mut each: impl FnMut(&str, u64, &mut dyn Read) -> Result<(), E>,
) -> Result<(), E> {
    let mut archive = tar::Archive::new(File::open(path).map_err(&unreadable)?);
    for entry in archive.entries().map_err(&unreadable)? {
        let mut entry = entry.map_err(&unreadable)?;
        let name = entry
            .path()
            .map_err(&unreadable)?
            .to_string_lossy()
            .into_owned();
        let size = entry.size();
        each(&name, size, &mut entry)?;
    }
    Ok(())
}
