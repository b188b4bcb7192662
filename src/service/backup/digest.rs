//! Copies that hash what passes through, so each byte of a backup is read once to be both
//! written and checked.

use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests {
    pub sha256: String,
    pub sha1: String,
    pub size: u64,
}

#[derive(Default)]
struct Hasher {
    sha256: Sha256,
    sha1: Sha1,
    size: u64,
}

impl Hasher {
    fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        self.sha1.update(bytes);
        self.size += bytes.len() as u64;
    }

    fn finish(self) -> Digests {
        Digests {
            sha256: hex::encode(self.sha256.finalize()),
            sha1: hex::encode(self.sha1.finalize()),
            size: self.size,
        }
    }
}

/// A reader that hashes and counts everything read through it.
pub struct Hashing<R> {
    inner: R,
    hasher: Hasher,
}

impl<R: Read> Hashing<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Hasher::default(),
        }
    }

    pub fn digests(self) -> Digests {
        self.hasher.finish()
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.hasher.update(&buf[..read]);
        Ok(read)
    }
}

/// A writer that hashes and counts everything written through it.
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: Hasher,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Hasher::default(),
        }
    }

    /// Flushes the writer and returns what went through it.
    pub fn finish(mut self) -> std::io::Result<Digests> {
        self.inner.flush()?;
        Ok(self.hasher.finish())
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Copies `source` into `sink` and returns what was copied.
pub fn copy_hashing(source: impl Read, sink: &mut impl Write) -> std::io::Result<Digests> {
    let mut hashing = Hashing::new(source);
    std::io::copy(&mut hashing, sink)?;
    Ok(hashing.digests())
}
