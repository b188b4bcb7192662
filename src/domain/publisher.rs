//! Publisher tokens: credentials whose only right is to publish releases, for CI uploads.
//! They are a separate kind from install tokens so a leaked CI secret cannot download the
//! catalogue and a customer's token can never push a release.

use super::licence::PackagePattern;
use super::names::{PackageName, PublicKey};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublisherToken {
    pub public_key: PublicKey,
    pub label: String,
    /// Names or globs it may publish; empty means any package.
    pub packages: Vec<PackagePattern>,
    /// argon2 PHC string of the private key; the key itself is never stored.
    pub secret_hash: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl PublisherToken {
    pub fn may_publish(&self, name: &PackageName) -> bool {
        self.packages.is_empty() || self.packages.iter().any(|p| p.matches(name))
    }
}

/// Hand-written so the hash can never reach a log line.
impl fmt::Debug for PublisherToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublisherToken")
            .field("public_key", &self.public_key)
            .field("label", &self.label)
            .field("packages", &self.packages)
            .field("secret_hash", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("revoked_at", &self.revoked_at)
            .finish()
    }
}
