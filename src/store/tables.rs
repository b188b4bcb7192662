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

/// Schema 4 and earlier: `"{project}\0{resource}"` → `Stamp`, one per project and file. Replaced by
/// `SHELF_STAMPS` and `PROJECT_VIEWS`; only the migration names it.
pub const STAMPS: JsonTable = TableDefinition::new("stamps_v1");

/// `"{shelf}\0{resource}"` → `Stamp`: for the content shared by every project with the same grants
/// (the shelf, named by a digest of those grants), the content hash of a metadata file and the
/// Last-Modified instant it got when that content appeared.
pub const SHELF_STAMPS: JsonTable = TableDefinition::new("shelf_stamps_v1");

/// project slug → `ProjectViewRecord`: the shelf a project reads from and since when; no answer it
/// gets claims to be older than that, since moving shelves changes what it sees.
pub const PROJECT_VIEWS: JsonTable = TableDefinition::new("project_views_v1");

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

pub const SCHEMA_VERSION: u32 = 5;

/// Every table keyed by text, as of the current schema. A new table goes here too, so backups
/// carry it (migrations keep their own, historical lists).
pub const ALL_TEXT_TABLES: [JsonTable; 11] = [
    META,
    CUSTOMERS,
    PROJECTS,
    TOKENS,
    LICENCES,
    RELEASES,
    SHELF_STAMPS,
    PROJECT_VIEWS,
    PUBLISHERS,
    TOKEN_USAGE,
    ADVISORIES,
];

/// Tables an older schema had and a migration removes: an old backup still imports, then migrates.
pub const RETIRED_TEXT_TABLES: [JsonTable; 1] = [STAMPS];

/// Every table keyed by event id, as of the current schema.
pub const ALL_EVENT_TABLES: [TableDefinition<'static, u64, &'static [u8]>; 3] =
    [DOWNLOADS, PUBLISH_LOG, AUDIT];
