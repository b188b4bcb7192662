//! The records the appliance keeps. Plain data; the store persists them as JSON.

use super::names::{CustomerSlug, PackageName, ProjectSlug, PublicKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    pub slug: ProjectSlug,
    pub name: String,
    pub created_at: i64,
    /// Set at creation, or when the first licence is activated on the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerSlug>,
}

/// Whom the vendor sells to: owns projects and licences.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub slug: CustomerSlug,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub created_at: i64,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    pub public_key: PublicKey,
    pub project: ProjectSlug,
    pub label: String,
    /// The private key's hash (`$sha256$…`, or an argon2id PHC string); never the key itself.
    pub secret_hash: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    #[serde(default)]
    pub last_used: Option<TokenUse>,
    /// When the token stops working (Unix seconds); `None`: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// The key pair the latest rotation replaced, still accepted until its `valid_until`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<RetiredKey>,
    /// Every public key this token had before its current one, oldest first: download events and
    /// usage recorded under them belong to this token.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub former_keys: Vec<PublicKey>,
    /// Where the token may be used from (canonical CIDRs); empty: anywhere.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_ips: Vec<String>,
}

/// A replaced key pair kept working through a rotation's overlap; after `valid_until` it is
/// refused like a revoked token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetiredKey {
    pub public_key: PublicKey,
    /// The old private key's hash, as `secret_hash`.
    pub secret_hash: String,
    /// Unix seconds.
    pub valid_until: i64,
}

/// Hand-written so the hash can never reach a log line.
impl fmt::Debug for RetiredKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetiredKey")
            .field("public_key", &self.public_key)
            .field("secret_hash", &"<redacted>")
            .field("valid_until", &self.valid_until)
            .finish()
    }
}

impl Token {
    /// The first public key the token had: stays the same across rotations.
    pub fn origin_key(&self) -> &PublicKey {
        self.former_keys.first().unwrap_or(&self.public_key)
    }

    /// Every public key the token has had, the current one last.
    pub fn all_keys(&self) -> impl Iterator<Item = &PublicKey> {
        self.former_keys
            .iter()
            .chain(std::iter::once(&self.public_key))
    }
}

/// Hand-written so the hash can never reach a log line.
impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("public_key", &self.public_key)
            .field("project", &self.project)
            .field("label", &self.label)
            .field("secret_hash", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("revoked_at", &self.revoked_at)
            .field("last_used", &self.last_used)
            .field("expires_at", &self.expires_at)
            .field("previous", &self.previous)
            .field("former_keys", &self.former_keys)
            .field("allowed_ips", &self.allowed_ips)
            .finish()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUse {
    pub at: i64,
    pub ip: String,
    pub user_agent: String,
}

/// One published version. Immutable once stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Release {
    pub name: PackageName,
    pub version: String,
    pub version_normalized: String,
    pub released_at: i64,
    pub published_at: i64,
    /// Lowercase hex SHA-1 of the archive bytes, as Composer checks it.
    pub shasum: String,
    /// Lowercase hex SHA-256 of the archive bytes: the archive's file name on disk.
    pub sha256: String,
    pub size: u64,
    pub composer_json: Map<String, Value>,
    /// Set while the release is recalled: left out of metadata, its archive still served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yanked: Option<Yank>,
}

/// A recall: new resolutions skip the release, lock files that pin it keep installing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Yank {
    pub at: i64,
    pub reason: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DownloadKind {
    /// An archive transfer from this server.
    Dist,
    /// Composer's install report, sent also for packages served from its own cache.
    Notify,
}

impl DownloadKind {
    /// As it is stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            DownloadKind::Dist => "dist",
            DownloadKind::Notify => "notify",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadEvent {
    /// Unix microseconds.
    pub at_micros: i64,
    pub kind: DownloadKind,
    pub package: String,
    pub version: String,
    pub project: ProjectSlug,
    pub public_key: PublicKey,
    pub ip: String,
    pub user_agent: String,
}
