//! The serving snapshot: every project's view of the catalogue, rendered once per change.
//!
//! Readers load the current `Arc<Catalog>` without locks; a change builds a new catalogue from the
//! previous one and swaps it in. Rendered bodies are reused across rebuilds while the releases they
//! list are unchanged, and shared by projects whose licences grant the same things. Last-Modified
//! stamps are kept per project: a project whose licences change moves to other content, and its
//! stamp must move forward even if that content is older than what it saw before.

mod advisories;
mod render;
#[cfg(test)]
mod tests;
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
use crate::store::{RecordKind, StoreError, Writer};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
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
    /// Shared with the previous snapshot when a change touched no view.
    pub views: Arc<HashMap<ProjectSlug, ProjectView>>,
    /// Every package and its releases, newest first.
    pub packages: Arc<BTreeMap<PackageName, Vec<Arc<Release>>>>,
    /// The same releases with what the visibility rules need of them (versions, requirements).
    pub index: Arc<CatalogIndex>,
    /// The advisories served for each package (withdrawn ones left out).
    pub advisories: Arc<ServedAdvisories>,
    /// Bodies by what they were rendered from, for the next rebuild to reuse.
    bodies: Arc<views::BodyCache>,
    /// Every stored token by key, in the store's order: the token tables are made from these, so
    /// a change to a few tokens rereads only those.
    token_records: Arc<BTreeMap<String, Arc<Token>>>,
}

/// Records no project view is made from: a change that wrote only these keeps every view, and
/// remakes only the token tables.
const VIEWLESS: [RecordKind; 6] = [
    RecordKind::Tokens,
    RecordKind::TokenUsage,
    RecordKind::Publishers,
    RecordKind::Downloads,
    RecordKind::PublishLog,
    RecordKind::Audit,
];

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
    /// The snapshot after what this transaction wrote, built from `previous`: in full unless it
    /// wrote nothing a view is made from.
    pub fn next(writer: &Writer, previous: &Catalog) -> Result<Catalog, StoreError> {
        let written = writer.written();
        if written.only(&VIEWLESS)
            && let Some(catalog) = previous.with_tokens(writer, &written.tokens)?
        {
            return Ok(catalog);
        }
        let access = writer.access_records()?;
        Catalog::build(writer, previous, access, writer.added_releases())
    }

    /// This snapshot with the token rows stored under `keys` read again; everything else shared.
    /// `None` when a key is not one a token could be stored under: then only a full build is sure.
    fn with_tokens(
        &self,
        writer: &Writer,
        keys: &BTreeSet<String>,
    ) -> Result<Option<Catalog>, StoreError> {
        let mut records = BTreeMap::clone(&self.token_records);
        for text in keys {
            let Ok(key) = PublicKey::parse(text) else {
                return Ok(None);
            };
            match writer.token(&key)? {
                Some(token) => records.insert(text.clone(), Arc::new(token)),
                None => records.remove(text),
            };
        }
        let tables = token_tables(records.values().map(|t| t.as_ref()));
        Ok(Some(Catalog {
            tokens: tables.tokens,
            previous_keys: tables.previous_keys,
            revoked_tokens: tables.revoked_tokens,
            views: Arc::clone(&self.views),
            packages: Arc::clone(&self.packages),
            index: Arc::clone(&self.index),
            advisories: Arc::clone(&self.advisories),
            bodies: Arc::clone(&self.bodies),
            token_records: Arc::new(records),
        }))
    }

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
        let token_records: BTreeMap<String, Arc<Token>> = access
            .tokens
            .into_iter()
            .map(|t| (t.public_key.to_string(), Arc::new(t)))
            .collect();
        let tables = token_tables(token_records.values().map(|t| t.as_ref()));
        Ok(Catalog {
            tokens: tables.tokens,
            previous_keys: tables.previous_keys,
            revoked_tokens: tables.revoked_tokens,
            views: Arc::new(project_views),
            packages: Arc::new(packages),
            index,
            advisories,
            bodies: Arc::new(bodies),
            token_records: Arc::new(token_records),
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
fn token_tables<'a>(tokens: impl IntoIterator<Item = &'a Token>) -> TokenTables {
    let mut tables = TokenTables::default();
    for t in tokens {
        let current = t.public_key.to_string();
        if t.revoked_at.is_some() {
            if let Some(previous) = &t.previous {
                let key = previous.public_key.to_string();
                tables
                    .revoked_tokens
                    .insert(key, previous.secret_hash.clone());
            }
            tables.revoked_tokens.insert(current, t.secret_hash.clone());
            continue;
        }
        if let Some(previous) = &t.previous {
            let overlap = OverlapKey {
                current: current.clone(),
                secret_hash: previous.secret_hash.clone(),
                valid_until: previous.valid_until,
            };
            tables
                .previous_keys
                .insert(previous.public_key.to_string(), overlap);
        }
        let token = ActiveToken {
            allowed: AddressAllowlist::from_stored(&t.allowed_ips),
            expires_at: t.expires_at,
            ..ActiveToken::new(
                t.public_key.clone(),
                t.project.clone(),
                t.secret_hash.clone(),
            )
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
