//! The serving snapshot: every project's view of the catalogue, rendered once per change.
//!
//! Readers load the current `Arc<Catalog>` without locks; a change builds a new catalogue from the
//! previous one and swaps it in. Rendered bodies are reused across rebuilds while the releases they
//! list are unchanged, and shared by projects whose licences grant the same things. Last-Modified
//! stamps are kept per project: a project whose licences change moves to other content, and its
//! stamp must move forward even if that content is older than what it saw before.

mod advisories;
mod render;
mod views;

pub use advisories::{ADVISORIES_PATH, PackageAdvisories, ServedAdvisories};

pub use render::{Encoded, Rendered};

use crate::domain::licence::GrantSet;
use crate::domain::names::{PackageName, ProjectSlug, PublicKey};
use crate::domain::proxies::AddressAllowlist;
use crate::domain::records::{Release, Token};
use crate::domain::version::{compare, normalize};
use crate::domain::visibility::CatalogIndex;
use crate::store::records::AccessRecords;
use crate::store::{StoreError, Writer};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};

pub struct ActiveToken {
    pub public_key: PublicKey,
    pub project: ProjectSlug,
    pub secret_hash: String,
    /// Checked on every request, so expiry needs no rebuild.
    pub expires_at: Option<i64>,
    pub allowed: AddressAllowlist,
}

impl ActiveToken {
    /// A token that never expires and may be used from anywhere.
    pub fn new(public_key: PublicKey, project: ProjectSlug, secret_hash: String) -> Self {
        Self {
            public_key,
            project,
            secret_hash,
            expires_at: None,
            allowed: AddressAllowlist::default(),
        }
    }
}

/// A key pair a rotation replaced, accepted for its token until `valid_until`.
pub struct OverlapKey {
    /// The token's current public key.
    pub current: String,
    pub secret_hash: String,
    pub valid_until: i64,
}

#[derive(Default)]
pub struct Catalog {
    pub tokens: HashMap<String, ActiveToken>,
    /// Replaced keys of active tokens by public key, past their overlap too (then refused as
    /// revoked).
    pub previous_keys: HashMap<String, OverlapKey>,
    /// Revoked tokens' secret hashes by public key: only the right secret is told "revoked".
    pub revoked_tokens: HashMap<String, String>,
    pub views: HashMap<ProjectSlug, ProjectView>,
    /// Every package and its releases, newest first.
    pub packages: BTreeMap<PackageName, Vec<Arc<Release>>>,
    /// The same releases with what the visibility rules need of them (versions, requirements).
    pub index: Arc<CatalogIndex>,
    /// The advisories served for each package (withdrawn ones left out).
    pub advisories: Arc<ServedAdvisories>,
    /// Bodies by what they were rendered from, for the next rebuild to reuse.
    bodies: views::BodyCache,
}

pub struct ProjectView {
    pub grants: GrantSet,
    pub root: Resource,
    pub packages: HashMap<String, PackageView>,
}

pub struct PackageView {
    pub tagged: Option<Resource>,
    pub dev: Option<Resource>,
    /// Visible releases by the version string used in dist URLs.
    pub dists: HashMap<String, Arc<Release>>,
}

#[derive(Clone)]
pub struct Resource {
    pub body: Arc<Rendered>,
    pub last_modified: i64,
}

impl Catalog {
    /// Builds the next snapshot from `previous` plus what this transaction wrote, recording in the
    /// same transaction any Last-Modified that moved.
    pub fn build(
        writer: &Writer,
        previous: &Catalog,
        access: AccessRecords,
        added: Vec<Release>,
    ) -> Result<Catalog, StoreError> {
        let mut packages = with_releases(&previous.packages, added);
        without_releases(&mut packages, writer.removed_releases());
        let index = Arc::new(CatalogIndex::new(&packages, &previous.index));
        let advisories = Arc::new(ServedAdvisories::new(writer.advisories()?));
        let mut builder = views::ViewBuilder::new(writer, previous, &index, &advisories)?;
        let mut project_views = HashMap::new();
        for project in &access.projects {
            let grants = GrantSet::for_project(&project.slug, &access.licences);
            let view = builder.view(&project.slug, grants)?;
            project_views.insert(project.slug.clone(), view);
        }
        let bodies = builder.finish()?;
        let TokenTables {
            tokens,
            previous_keys,
            revoked_tokens,
        } = token_tables(access.tokens);
        Ok(Catalog {
            tokens,
            previous_keys,
            revoked_tokens,
            views: project_views,
            packages,
            index,
            advisories,
            bodies,
        })
    }

    pub fn view(&self, project: &ProjectSlug) -> Option<&ProjectView> {
        self.views.get(project)
    }
}

#[derive(Default)]
struct TokenTables {
    tokens: HashMap<String, ActiveToken>,
    previous_keys: HashMap<String, OverlapKey>,
    revoked_tokens: HashMap<String, String>,
}

/// A revoked token's previous key is revoked with it: its right secret is told so too.
fn token_tables(tokens: Vec<Token>) -> TokenTables {
    let mut tables = TokenTables::default();
    for t in tokens {
        let current = t.public_key.to_string();
        if t.revoked_at.is_some() {
            if let Some(previous) = t.previous {
                let key = previous.public_key.to_string();
                tables.revoked_tokens.insert(key, previous.secret_hash);
            }
            tables.revoked_tokens.insert(current, t.secret_hash);
            continue;
        }
        if let Some(previous) = t.previous {
            let overlap = OverlapKey {
                current: current.clone(),
                secret_hash: previous.secret_hash,
                valid_until: previous.valid_until,
            };
            tables
                .previous_keys
                .insert(previous.public_key.to_string(), overlap);
        }
        let token = ActiveToken {
            allowed: AddressAllowlist::from_stored(&t.allowed_ips),
            expires_at: t.expires_at,
            ..ActiveToken::new(t.public_key, t.project, t.secret_hash)
        };
        tables.tokens.insert(current, token);
    }
    tables
}

/// The previous packages with `added` merged in; only the packages that changed are re-sorted.
fn with_releases(
    previous: &BTreeMap<PackageName, Vec<Arc<Release>>>,
    added: Vec<Release>,
) -> BTreeMap<PackageName, Vec<Arc<Release>>> {
    let mut packages = previous.clone();
    let mut touched = HashSet::new();
    for release in added {
        touched.insert(release.name.clone());
        let versions = packages.entry(release.name.clone()).or_default();
        versions.retain(|r| r.version_normalized != release.version_normalized);
        versions.push(Arc::new(release));
    }
    for name in touched {
        if let Some(versions) = packages.get_mut(&name) {
            versions.sort_by(|a, b| newest_first(a, b));
        }
    }
    packages
}

fn without_releases(
    packages: &mut BTreeMap<PackageName, Vec<Arc<Release>>>,
    removed: Vec<(PackageName, String)>,
) {
    for (name, version_normalized) in removed {
        if let Some(versions) = packages.get_mut(&name) {
            versions.retain(|r| r.version_normalized != version_normalized);
            if versions.is_empty() {
                packages.remove(&name);
            }
        }
    }
}

fn newest_first(a: &Release, b: &Release) -> std::cmp::Ordering {
    match (
        normalize(&a.version_normalized),
        normalize(&b.version_normalized),
    ) {
        (Ok(a), Ok(b)) => compare(&b, &a),
        _ => b.version_normalized.cmp(&a.version_normalized),
    }
}

pub fn is_dev(release: &Release) -> bool {
    normalize(&release.version_normalized).is_ok_and(|v| v.is_dev())
}

/// Versions may hold `/` (`dev-feature/x`) or `+`; anything outside the unreserved set is escaped.
pub fn encode_path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

pub fn hash_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub(crate) type BaseCache = RwLock<HashMap<String, Arc<Encoded>>>;
pub(crate) type Body = Bytes;
