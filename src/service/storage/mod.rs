//! Where release archives live: a folder on this disk (the default), or an S3-compatible object
//! store. Archives are content-addressed (`<sha256>.zip`) and immutable, so the store only ever
//! puts whole verified objects, reads, deletes and lists them; the database decides which exist.
//!
//! The publish path is synchronous (CLI, `spawn_blocking` in the server), the dist path async:
//! every store offers both, and the S3 one runs its requests on a runtime of its own so either
//! kind of caller can wait on it without caring which runtime, if any, it runs in.

mod local;
pub mod migrate;
mod s3;

pub use local::LocalStore;

use crate::config::{StorageBackend, StorageConfig};
use bytes::Bytes;
use futures_util::Stream;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A stream of an archive's bytes, for a dist response (which wants it `Sync` too).
pub type ByteStream = std::pin::Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send + Sync>>;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("archive {0} is not in the store")]
    Missing(String),
    /// The store did not answer (down, unreachable, refusing our key): try again later.
    #[error("the archive store cannot be reached: {0}")]
    Unreachable(String),
    /// The store answered, but what it holds is not what was put there.
    #[error("{0}")]
    Mismatch(String),
    #[error("{0}")]
    Io(String),
}

impl StorageError {
    pub fn is_unreachable(&self) -> bool {
        matches!(self, StorageError::Unreachable(_))
    }
}

impl From<StorageError> for super::ServiceError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Unreachable(_) => super::ServiceError::ArchiveStore(error.to_string()),
            StorageError::Missing(_) => super::ServiceError::NotFound(error.to_string()),
            StorageError::Mismatch(_) | StorageError::Io(_) => {
                super::ServiceError::Io(error.to_string())
            }
        }
    }
}

pub type Result<T> = std::result::Result<T, StorageError>;

/// What a dist request should answer with, for stores that can hand clients a URL of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistMode {
    Stream,
    Redirect(Duration),
}

pub struct ArchiveStore {
    backend: Backend,
}

enum Backend {
    Local(LocalStore),
    S3(s3::S3Store),
}

impl std::fmt::Debug for ArchiveStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ArchiveStore({})", self.describe())
    }
}

impl ArchiveStore {
    /// The store the configuration names; `archive_dir` is the local one's folder.
    pub fn open(config: &StorageConfig, archive_dir: &Path) -> Result<ArchiveStore> {
        let backend = match config.backend {
            StorageBackend::Local => Backend::Local(LocalStore::new(archive_dir)),
            StorageBackend::S3 => Backend::S3(s3::S3Store::new(&config.s3)?),
        };
        Ok(ArchiveStore { backend })
    }

    pub fn local(archive_dir: &Path) -> ArchiveStore {
        ArchiveStore {
            backend: Backend::Local(LocalStore::new(archive_dir)),
        }
    }

    /// For messages: the folder, or the endpoint and bucket (never a credential).
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Local(local) => local.dir().display().to_string(),
            Backend::S3(s3) => s3.describe(),
        }
    }

    pub fn is_local(&self) -> bool {
        matches!(self.backend, Backend::Local(_))
    }

    /// The file of a local store's archive; `None` for remote stores.
    pub fn local_path(&self, sha256: &str) -> Option<PathBuf> {
        match &self.backend {
            Backend::Local(local) => Some(local.path(sha256)),
            Backend::S3(_) => None,
        }
    }

    pub fn dist_mode(&self) -> DistMode {
        match &self.backend {
            Backend::S3(s3) => s3.dist_mode(),
            Backend::Local(_) => DistMode::Stream,
        }
    }

    /// Puts the staged file (whose sha256 and size the caller computed) under `sha256` and
    /// checks the store holds exactly those bytes. `true` when this call created the archive,
    /// `false` when the store already had it. Nothing incomplete is ever visible under the name.
    pub fn put_verified(&self, sha256: &str, staged: &Path, size: u64) -> Result<bool> {
        match &self.backend {
            Backend::Local(local) => local.put(sha256, staged),
            Backend::S3(s3) => s3.put_verified(sha256, staged, size),
        }
    }

    /// The archive's size, or `None` when the store has no such archive.
    pub fn size(&self, sha256: &str) -> Result<Option<u64>> {
        match &self.backend {
            Backend::Local(local) => local.size(sha256),
            Backend::S3(s3) => s3.size(sha256),
        }
    }

    /// `true` when it was there to delete.
    pub fn delete(&self, sha256: &str) -> Result<bool> {
        match &self.backend {
            Backend::Local(local) => local.delete(sha256),
            Backend::S3(s3) => s3.delete(sha256),
        }
    }

    /// The sha256 of every archive in the store.
    pub fn list(&self) -> Result<Vec<String>> {
        match &self.backend {
            Backend::Local(local) => local.list(),
            Backend::S3(s3) => s3.list(),
        }
    }

    /// Writes the archive's bytes to `out`, returning how many there were.
    pub fn copy_to(&self, sha256: &str, out: &mut dyn Write) -> Result<u64> {
        match &self.backend {
            Backend::Local(local) => local.copy_to(sha256, out),
            Backend::S3(s3) => s3.copy_to(sha256, out),
        }
    }

    /// Reads the archive back and checks its size and sha256: what migration trusts.
    pub fn verify(&self, sha256: &str, size: u64) -> Result<bool> {
        let mut hashing = HashingSink::default();
        match self.copy_to(sha256, &mut hashing) {
            Ok(_) => Ok(hashing.matches(sha256, size)),
            Err(StorageError::Missing(_)) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// The whole archive in memory, checked against its published size; for small archives.
    pub async fn read_all(&self, sha256: &str, size: u64) -> Result<Bytes> {
        let bytes = match &self.backend {
            Backend::Local(local) => local.read_all(sha256).await?,
            Backend::S3(s3) => s3.read_all(sha256).await?,
        };
        if bytes.len() as u64 != size {
            return Err(StorageError::Mismatch(format!(
                "archive {sha256} holds {} bytes, not the published {size}",
                bytes.len()
            )));
        }
        Ok(bytes)
    }

    pub async fn stream(&self, sha256: &str) -> Result<ByteStream> {
        match &self.backend {
            Backend::Local(local) => local.stream(sha256).await,
            Backend::S3(s3) => s3.stream(sha256).await,
        }
    }

    /// A URL that fetches the archive without further credentials until `ttl` has passed.
    pub async fn presigned_url(&self, sha256: &str, ttl: Duration) -> Result<String> {
        match &self.backend {
            Backend::S3(s3) => s3.presigned_url(sha256, ttl).await,
            Backend::Local(_) => Err(StorageError::Io(
                "a local archive folder has no URLs of its own".to_string(),
            )),
        }
    }
}

/// The object name of an archive: the same in every store.
pub fn object_name(sha256: &str) -> String {
    format!("{sha256}.zip")
}

/// The sha256 an object or file name stands for, when it is an archive's.
pub fn sha256_of(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(".zip")?;
    (stem.len() == 64 && stem.bytes().all(|b| b.is_ascii_hexdigit())).then_some(stem)
}

/// Counts and hashes what is written to it, keeping nothing.
#[derive(Default)]
pub struct HashingSink {
    sha256: sha2::Sha256,
    size: u64,
}

impl HashingSink {
    pub fn matches(self, sha256: &str, size: u64) -> bool {
        use sha2::Digest;
        self.size == size && hex::encode(self.sha256.finalize()) == sha256
    }
}

impl Write for HashingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        self.sha256.update(buf);
        self.size += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_archive_names_stand_for_a_sha256() {
        let sha = "a".repeat(64);
        assert_eq!(sha256_of(&object_name(&sha)), Some(sha.as_str()));
        assert_eq!(sha256_of(".incoming-1234"), None);
        assert_eq!(sha256_of("ab.zip"), None);
        assert_eq!(sha256_of(&format!("{}.zip", "g".repeat(64))), None);
    }

    #[test]
    fn a_local_store_puts_verifies_lists_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let store = ArchiveStore::local(dir.path());
        let staged = dir.path().join(".incoming-x");
        std::fs::write(&staged, b"zip bytes").unwrap();
        let sha = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(b"zip bytes"))
        };
        assert!(store.put_verified(&sha, &staged, 9).unwrap());
        assert!(
            !store.put_verified(&sha, &staged, 9).unwrap(),
            "already there"
        );
        assert_eq!(store.size(&sha).unwrap(), Some(9));
        assert!(store.verify(&sha, 9).unwrap());
        assert!(!store.verify(&sha, 8).unwrap());
        assert_eq!(store.list().unwrap(), vec![sha.clone()]);
        assert!(store.delete(&sha).unwrap());
        assert!(!store.delete(&sha).unwrap());
        assert_eq!(store.size(&sha).unwrap(), None);
        assert!(!store.verify(&sha, 9).unwrap());
    }
}
