//! The backup file's table of contents, written first so a restore can check everything that
//! follows against it before anything is put in place.
//!
//! A backup is a tar archive holding, in this order:
//! - `manifest.json`: this `Manifest`;
//! - `database.jsonl`: one JSON object per stored record, `{"table", "key", "value"}`, where
//!   `key` is a string or an event id number and `value` is the stored JSON document as text;
//!   every table, read in one transaction;
//! - `archives/<sha256>.zip`: every archive a release in that snapshot refers to.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const FORMAT: &str = "packagento-backup";
pub const FORMAT_VERSION: u32 = 1;
pub const MANIFEST_ENTRY: &str = "manifest.json";
pub const DATABASE_ENTRY: &str = "database.jsonl";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The database schema the records were written with.
    pub schema_version: u32,
    pub created_at: String,
    pub database: DatabaseEntry,
    pub archives: Vec<ArchiveEntry>,
    pub counts: Counts,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DatabaseEntry {
    pub sha256: String,
    pub size: u64,
    /// Records per table name.
    pub rows: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveEntry {
    pub sha256: String,
    pub sha1: String,
    pub size: u64,
}

impl ArchiveEntry {
    pub fn entry_name(&self) -> String {
        archive_entry_name(&self.sha256)
    }
}

pub fn archive_entry_name(sha256: &str) -> String {
    format!("archives/{sha256}.zip")
}

/// What the backup holds, for people reading the manifest or the command's output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub projects: u64,
    pub tokens: u64,
    pub licences: u64,
    pub releases: u64,
    pub downloads: u64,
    pub publishers: u64,
    pub archives: u64,
    pub archive_bytes: u64,
}

impl Counts {
    pub fn from_rows(rows: &BTreeMap<String, u64>, archives: &[ArchiveEntry]) -> Self {
        let of = |prefix: &str| {
            rows.iter()
                .filter(|(name, _)| name.rsplit_once("_v").map(|(base, _)| base) == Some(prefix))
                .map(|(_, count)| *count)
                .sum()
        };
        Counts {
            projects: of("projects"),
            tokens: of("tokens"),
            licences: of("licences"),
            releases: of("releases"),
            downloads: of("downloads"),
            publishers: of("publishers"),
            archives: archives.len() as u64,
            archive_bytes: archives.iter().map(|a| a.size).sum(),
        }
    }
}
