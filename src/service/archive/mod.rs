//! Inspection of a vendor's release archive before it is stored.
//!
//! Uploads are untrusted, so nothing is ever extracted: every size that could
//! make us spend memory or CPU is checked before it is acted upon, and then
//! every entry is inflated as a stream and counted, since declared sizes lie.

mod contents;
mod end_record;
mod error;
#[cfg(test)]
mod hostile_tests;
mod inspect;
mod local_header;
mod paths;
#[cfg(test)]
mod tests;

pub use error::ArchiveError;
pub use inspect::inspect_archive;

use serde_json::{Map, Value};

/// Largest `composer.json` we read; real ones are a few KiB, so anything
/// bigger is either a mistake or an attempt to exhaust memory.
pub const COMPOSER_JSON_MAX_BYTES: u64 = 1024 * 1024;

/// Entries smaller than this are never called bombs: tiny, very repetitive
/// files (empty stubs, padding) legitimately compress far beyond any ratio.
pub const RATIO_MIN_ENTRY_BYTES: u64 = 1024 * 1024;

/// The inspection rules that are not configuration: no real package comes near them.
const MAX_ENTRIES: usize = 100_000;
const MAX_UNCOMPRESSED_BYTES: u64 = 2048 * 1024 * 1024;
const MAX_COMPRESSION_RATIO: u64 = 200;

/// What an archive may declare before we refuse it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Size of the zip file itself.
    pub max_archive_bytes: u64,
    /// Number of entries (files, folders) in the central directory.
    pub max_entries: usize,
    /// Sum of the uncompressed sizes the central directory declares, and of
    /// the bytes the entries really inflate to.
    pub max_uncompressed_bytes: u64,
    /// Uncompressed / compressed size of one entry, judged only for entries
    /// larger than [`RATIO_MIN_ENTRY_BYTES`].
    pub max_compression_ratio: u64,
}

impl ArchiveLimits {
    /// The fixed rules, with the largest archive the configuration allows
    /// (`limits.archive_bytes`, carried in `service::Limits`).
    pub fn new(max_archive_bytes: u64) -> Self {
        Self {
            max_archive_bytes,
            max_entries: MAX_ENTRIES,
            max_uncompressed_bytes: MAX_UNCOMPRESSED_BYTES,
            max_compression_ratio: MAX_COMPRESSION_RATIO,
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
