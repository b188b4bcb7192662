//! Archives in a folder on this disk: `<data-dir>/archives/<sha256>.zip`, hard-linked (or
//! copied) from the staging file in the same folder, so a name only ever points at whole bytes.

use super::{ByteStream, Result, StorageError, object_name, sha256_of};
use bytes::Bytes;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct LocalStore {
    dir: PathBuf,
}

impl LocalStore {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(object_name(sha256))
    }

    /// The staging file was hashed as it was written, so linking it is what verifies it.
    pub fn put(&self, sha256: &str, staged: &Path) -> Result<bool> {
        let destination = self.path(sha256);
        if destination.exists() {
            return Ok(false);
        }
        std::fs::hard_link(staged, &destination)
            .or_else(|_| copy_whole(staged, &destination))
            .map_err(|e| {
                StorageError::Io(format!(
                    "cannot store archive {}: {e}",
                    destination.display()
                ))
            })?;
        File::open(&self.dir).and_then(|d| d.sync_all()).ok();
        Ok(true)
    }

    pub fn size(&self, sha256: &str) -> Result<Option<u64>> {
        match std::fs::metadata(self.path(sha256)) {
            Ok(meta) => Ok(Some(meta.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.failed(sha256, "cannot read", e)),
        }
    }

    pub fn delete(&self, sha256: &str) -> Result<bool> {
        match std::fs::remove_file(self.path(sha256)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(self.failed(sha256, "cannot delete", e)),
        }
    }

    pub fn list(&self) -> Result<Vec<String>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(StorageError::Io(format!(
                    "cannot list {}: {e}",
                    self.dir.display()
                )));
            }
        };
        let mut found: Vec<String> = entries
            .filter_map(|entry| entry.ok())
            .filter_map(|entry| sha256_of(&entry.file_name().to_string_lossy()).map(String::from))
            .collect();
        found.sort();
        Ok(found)
    }

    pub fn copy_to(&self, sha256: &str, out: &mut dyn Write) -> Result<u64> {
        let mut file = self.open(sha256)?;
        std::io::copy(&mut file, out).map_err(|e| self.failed(sha256, "cannot read", e))
    }

    pub async fn read_all(&self, sha256: &str) -> Result<Bytes> {
        let path = self.path(sha256);
        let read = tokio::task::spawn_blocking(move || std::fs::read(path))
            .await
            .map_err(|e| StorageError::Io(e.to_string()))?;
        read.map(Bytes::from)
            .map_err(|e| self.failed(sha256, "cannot read", e))
    }

    pub async fn stream(&self, sha256: &str) -> Result<ByteStream> {
        let file = tokio::fs::File::open(self.path(sha256))
            .await
            .map_err(|e| self.failed(sha256, "cannot open", e))?;
        Ok(Box::pin(tokio_util::io::ReaderStream::with_capacity(
            file,
            256 * 1024,
        )))
    }

    fn open(&self, sha256: &str) -> Result<File> {
        File::open(self.path(sha256)).map_err(|e| self.failed(sha256, "cannot open", e))
    }

    fn failed(&self, sha256: &str, what: &str, e: std::io::Error) -> StorageError {
        if e.kind() == std::io::ErrorKind::NotFound {
            return StorageError::Missing(sha256.to_string());
        }
        StorageError::Io(format!("{what} {}: {e}", self.path(sha256).display()))
    }
}

/// A copy that is renamed into place only once complete, so the name never shows part of it.
fn copy_whole(from: &Path, to: &Path) -> std::io::Result<()> {
    let partial = to.with_extension("partial");
    let copied = std::fs::copy(from, &partial).and_then(|_| {
        std::fs::OpenOptions::new()
            .write(true)
            .open(&partial)?
            .sync_all()
    });
    if let Err(error) = copied.and_then(|_| std::fs::rename(&partial, to)) {
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    Ok(())
}

/// Writes `bytes` arriving in pieces to `<dir>/<sha256>.zip` through a staging name, checking
/// size and sha256 before the rename; for migrating archives back from a remote store.
pub fn receive(
    dir: &Path,
    sha256: &str,
    size: u64,
    fill: impl FnOnce(&mut dyn Write) -> Result<u64>,
) -> Result<()> {
    let staging = dir.join(format!(
        ".incoming-{}",
        crate::service::secrets::random_hex(8)
    ));
    let io =
        |e: std::io::Error| StorageError::Io(format!("cannot write {}: {e}", staging.display()));
    let file = crate::service::disk::private_file(&staging).map_err(io)?;
    let mut tee = Tee {
        file,
        check: super::HashingSink::default(),
    };
    let result = fill(&mut tee).and_then(|_| {
        tee.file.sync_all().map_err(io)?;
        if !std::mem::take(&mut tee.check).matches(sha256, size) {
            return Err(StorageError::Mismatch(format!(
                "archive {sha256} read back with other bytes than its record names"
            )));
        }
        std::fs::rename(&staging, dir.join(object_name(sha256))).map_err(io)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&staging);
    }
    result
}

struct Tee {
    file: File,
    check: super::HashingSink,
}

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.file.write(buf)?;
        self.check.write_all(&buf[..written])?;
        Ok(written)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}
