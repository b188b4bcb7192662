//! Records as the operator sees them: what the admin protocol answers and the change feed
//! carries. Built from domain records only, and never holding a secret.

use crate::domain::licence::{Licence, PackagePattern};
use crate::domain::publisher::PublisherToken;
use crate::domain::records::{Release, Token};
use crate::domain::time;
use serde::{Deserialize, Serialize};

/// What `token list` shows: everything but the hash.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSummary {
    pub public_key: String,
    pub project: String,
    pub label: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_ip: Option<String>,
    pub last_user_agent: Option<String>,
    /// Set when the token was flagged as shared within the last `ALERT_WINDOW_DAYS` days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_alert: Option<crate::domain::usage::SharedFlag>,
    /// Unix seconds; `None`: never.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// Mid-rotation: the replaced key, accepted until `previous_valid_until`.
    #[serde(default)]
    pub previous_public_key: Option<String>,
    #[serde(default)]
    pub previous_valid_until: Option<i64>,
    /// Every key the token had before its current one, oldest first.
    #[serde(default)]
    pub former_keys: Vec<String>,
    /// Where the token may be used from; empty: anywhere.
    #[serde(default)]
    pub allowed_ips: Vec<String>,
}

impl TokenSummary {
    /// Past its expiry at `now` (Unix seconds).
    pub fn is_expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    /// Still accepting its replaced key at `now`.
    pub fn is_rotating(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.previous_valid_until.is_some_and(|until| until > now)
    }
}

impl From<Token> for TokenSummary {
    fn from(token: Token) -> Self {
        let last = token.last_used;
        TokenSummary {
            public_key: token.public_key.to_string(),
            project: token.project.to_string(),
            label: token.label,
            created_at: token.created_at,
            revoked_at: token.revoked_at,
            last_used_at: last.as_ref().map(|u| u.at),
            last_ip: last.as_ref().map(|u| u.ip.clone()),
            last_user_agent: last.map(|u| u.user_agent),
            shared_alert: None,
            expires_at: token.expires_at,
            previous_public_key: token.previous.as_ref().map(|p| p.public_key.to_string()),
            previous_valid_until: token.previous.as_ref().map(|p| p.valid_until),
            former_keys: token.former_keys.iter().map(|k| k.to_string()).collect(),
            allowed_ips: token.allowed_ips,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceSummary {
    pub id: String,
    pub customer: String,
    pub holder: String,
    pub packages: Vec<String>,
    /// The Composer constraint releases must satisfy; `None` is any version.
    pub versions: Option<String>,
    /// `None` is unlimited.
    pub seats: Option<u32>,
    pub dependencies: bool,
    pub kind: String,
    pub access_until: Option<String>,
    pub revoked: bool,
    pub projects: Vec<String>,
    pub created_at: i64,
    pub note: Option<String>,
}

impl From<Licence> for LicenceSummary {
    fn from(licence: Licence) -> Self {
        LicenceSummary {
            kind: licence.kind().to_string(),
            access_until: licence.access_until.map(time::to_rfc3339),
            revoked: !licence.is_active(),
            packages: licence
                .patterns
                .iter()
                .map(|p| p.as_str().to_string())
                .collect(),
            projects: licence.projects.iter().map(|p| p.to_string()).collect(),
            customer: licence.customer.to_string(),
            versions: licence.versions.map(|v| v.as_str().to_string()),
            seats: licence.seats,
            dependencies: licence.dependencies,
            id: licence.id,
            holder: licence.holder,
            created_at: licence.created_at,
            note: licence.note,
        }
    }
}

/// What deleting a project takes with it. Download history stays: it is the record of what was
/// delivered, and still names the project.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectDeletion {
    pub slug: String,
    /// Public keys of the project's tokens, removed and refused from then on.
    pub tokens_removed: Vec<String>,
    /// Licence ids no longer activated on the project (the licences themselves stay).
    pub licences_deactivated: Vec<String>,
    /// False for a dry run: nothing was changed.
    pub deleted: bool,
}

/// What deleting a customer takes with it. Download history stays: it is the record of what was
/// delivered, and still names the projects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDeletion {
    pub slug: String,
    /// The customer's projects, deleted.
    pub projects_deleted: Vec<String>,
    /// Public keys of those projects' tokens, removed and refused from then on.
    pub tokens_removed: Vec<String>,
    /// The customer's licences, deleted.
    pub licences_deleted: Vec<String>,
    /// Other customers' licences that were active on one of the deleted projects (possible only
    /// for data from before customers existed); they stay, without those activations.
    pub licences_deactivated: Vec<String>,
    /// False for a dry run: nothing was changed.
    pub deleted: bool,
}

/// What `publisher list` shows: everything but the hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublisherSummary {
    pub public_key: String,
    pub label: String,
    pub packages: Vec<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl From<PublisherToken> for PublisherSummary {
    fn from(token: PublisherToken) -> Self {
        PublisherSummary {
            public_key: token.public_key.to_string(),
            label: token.label,
            packages: patterns_text(&token.packages),
            created_at: token.created_at,
            revoked_at: token.revoked_at,
        }
    }
}

pub(super) fn patterns_text(patterns: &[PackagePattern]) -> Vec<String> {
    patterns.iter().map(|p| p.as_str().to_string()).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallOutcome {
    pub name: String,
    pub version: String,
    pub version_normalized: String,
    pub yanked: bool,
    pub yanked_at: Option<i64>,
    pub reason: Option<String>,
}

impl From<Release> for RecallOutcome {
    fn from(release: Release) -> Self {
        RecallOutcome {
            name: release.name.to_string(),
            version: release.version,
            version_normalized: release.version_normalized,
            yanked: release.yanked.is_some(),
            yanked_at: release.yanked.as_ref().map(|y| y.at),
            reason: release.yanked.and_then(|y| y.reason),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveOutcome {
    pub name: String,
    pub version: String,
    pub version_normalized: String,
    /// False when another release still uses the same bytes, so the file stays.
    pub archive_deleted: bool,
    /// Only what would go was worked out; nothing was removed.
    #[serde(default)]
    pub dry_run: bool,
}

/// An advisory with what it covers among the published versions, as every command answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisorySummary {
    #[serde(flatten)]
    pub advisory: crate::domain::advisory::Advisory,
    /// Published versions the constraint matches, oldest first.
    pub covered_versions: Vec<String>,
    /// The lowest published, unyanked version above every covered one that is not affected.
    pub fixed_in: Option<String>,
    /// The versions `add --yank` yanked in the same step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub yanked: Vec<String>,
}
