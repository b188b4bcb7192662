//! Every table the appliance keeps. Names carry a version suffix: a change of a table's meaning
//! gets a new name and a migration, never a silent reinterpretation of old bytes.
//!
//! Values are JSON documents of the types in `domain::records` (serde keeps them readable and
//! lets fields be added with defaults without a migration).

use redb::TableDefinition;

pub type JsonTable = TableDefinition<'static, &'static str, &'static [u8]>;

/// `"schema_version"` → decimal text; `"stamp_clock"` → the last Last-Modified instant issued.
pub const META: JsonTable = TableDefinition::new("meta_v1");

/// customer slug → `Customer`
pub const CUSTOMERS: JsonTable = TableDefinition::new("customers_v1");

/// project slug → `Project`
pub const PROJECTS: JsonTable = TableDefinition::new("projects_v1");

/// public key → `Token` (argon2 hash of the private key inside; never the key)
pub const TOKENS: JsonTable = TableDefinition::new("tokens_v1");

/// licence id → `Licence`, including the projects it is activated against
pub const LICENCES: JsonTable = TableDefinition::new("licences_v1");

/// `"{package}\0{version_normalized}"` → `Release`
pub const RELEASES: JsonTable = TableDefinition::new("releases_v1");

/// event id (microseconds since the epoch, made unique) → `DownloadEvent`
pub const DOWNLOADS: TableDefinition<'static, u64, &'static [u8]> =
    TableDefinition::new("downloads_v1");

/// `"{project}\0{resource}"` → `Stamp`: the content hash a project last saw for a metadata file
/// and the Last-Modified instant it got when that content appeared.
pub const STAMPS: JsonTable = TableDefinition::new("stamps_v1");

/// public key → `PublisherToken` (argon2 hash of the private key inside; never the key)
pub const PUBLISHERS: JsonTable = TableDefinition::new("publishers_v1");

/// event id (microseconds since the epoch, made unique) → `PublishEvent`
pub const PUBLISH_LOG: TableDefinition<'static, u64, &'static [u8]> =
    TableDefinition::new("publish_log_v1");

/// event id (microseconds since the epoch, made unique) → `AuditEntry`: every committed change,
/// who made it and a short before → after (never a secret)
pub const AUDIT: TableDefinition<'static, u64, &'static [u8]> = TableDefinition::new("audit_v1");

/// `"{public_key}\0{YYYY-MM-DD}"` (UTC day) → that day's use of a token under that key: request
/// count, distinct addresses and user agents, and any shared-token alert raised
pub const TOKEN_USAGE: JsonTable = TableDefinition::new("token_usage_v1");

/// advisory id (`PKGA-YYYY-NNNN`) → `Advisory`, withdrawn ones included
pub const ADVISORIES: JsonTable = TableDefinition::new("advisories_v1");

pub const SCHEMA_VERSION: u32 = 4;

/// Every table keyed by text, as of the current schema. A new table goes here too, so backups
/// carry it (migrations keep their own, historical lists).
pub const ALL_TEXT_TABLES: [JsonTable; 10] = [
    META,
    CUSTOMERS,
    PROJECTS,
    TOKENS,
    LICENCES,
    RELEASES,
    STAMPS,
    PUBLISHERS,
    TOKEN_USAGE,
    ADVISORIES,
];

/// Every table keyed by event id, as of the current schema.
pub const ALL_EVENT_TABLES: [TableDefinition<'static, u64, &'static [u8]>; 3] =
    [DOWNLOADS, PUBLISH_LOG, AUDIT];
