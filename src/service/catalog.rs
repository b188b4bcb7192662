//! The serving snapshot: every project's view of the catalogue, made once per change.
//!
//! Readers load the current `Arc<Catalog>` without locks; a change builds a new catalogue from the
//! previous one and swaps it in, redoing only what it touched. Projects with the same grants read
//! one shelf (`shelves`), rendered and stamped once for all of them; a project adds only the
//! instant it began to read it, so that moving to other grants moves its Last-Modified forward
//! even when the other content is older than what it saw before.

mod access;
mod advisories;
mod bodies;
#[cfg(test)]
mod change_tests;
mod render;
mod sharded;
mod shelves;
#[cfg(test)]
mod tests;
mod tokens;
mod views;

pub use advisories::{ADVISORIES_PATH, PackageAdvisories, ServedAdvisories};

pub use render::{Encoded, Rendered};
pub use views::{PackageRef, View};

use crate::domain::names::{PackageName, ProjectSlug, PublicKey};
use crate::domain::proxies::AddressAllowlist;
use crate::domain::records::{Release, Token};
use crate::domain::version::{compare, normalize};
use crate::domain::visibility::CatalogIndex;
use crate::store::records::{AccessRecords, ProjectViewRecord};
use crate::store::{RecordKind, StoreError, Writer, Written};
use access::Access;
use bodies::BodyCache;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use sharded::ShardedMap;
use shelves::{Restock, Shelving};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Arc, RwLock};
use tokens::{TokenTables, token_tables};
use views::ProjectView;

#[derive(Clone)]
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
#[derive(Clone)]
pub struct OverlapKey {
    /// The token's current public key.
    pub current: String,
    pub secret_hash: String,
    pub valid_until: i64,
}

#[derive(Default)]
pub struct Catalog {
    pub tokens: Arc<ShardedMap<String, Arc<ActiveToken>>>,
    /// Replaced keys of active tokens by public key, past their overlap too (then refused as
    /// revoked).
    pub previous_keys: Arc<ShardedMap<String, Arc<OverlapKey>>>,
    /// Revoked tokens' secret hashes by public key: only the right secret is told "revoked".
    pub revoked_tokens: Arc<ShardedMap<String, String>>,
    /// Each project's shelf and since when it reads it; shared with the previous snapshot when
    /// no project moved.
    views: Arc<ShardedMap<ProjectSlug, ProjectView>>,
    shelving: Arc<Shelving>,
    /// Every package and its releases, newest first.
    pub packages: Arc<BTreeMap<PackageName, Vec<Arc<Release>>>>,
    /// The same releases with what the visibility rules need of them (versions, requirements).
    pub index: Arc<CatalogIndex>,
    /// The advisories served for each package (withdrawn ones left out).
    pub advisories: Arc<ServedAdvisories>,
    /// Rendered bodies, shared by every snapshot so a new shelf renders only what none serves.
    bodies: Arc<BodyCache>,
    /// Every stored token by key: the token tables are made from these, so
    /// a change to a few tokens rereads only those.
    token_records: Arc<ShardedMap<String, Arc<Token>>>,
    access: Access,
}

/// Records no project view is made from: a change that wrote only these keeps every view, and
/// remakes only the token tables.
const VIEWLESS: [RecordKind; 7] = [
    RecordKind::Tokens,
    RecordKind::TokenUsage,
    RecordKind::Publishers,
    RecordKind::Downloads,
    RecordKind::PublishLog,
    RecordKind::Audit,
    RecordKind::Customers,
];

/// Records a change may write and still be rebuilt from what it wrote alone. Meta holds the
/// schema version and the stamp clock, which rebuilds read afresh; stamps are the rebuild's own.
const TRACKED: [RecordKind; 5] = [
    RecordKind::Projects,
    RecordKind::Licences,
    RecordKind::Releases,
    RecordKind::Advisories,
    RecordKind::Stamps,
];

/// A metadata file as served: its body and the instant it last changed for the reader.
#[derive(Clone)]
pub struct Resource {
    pub body: Arc<Rendered>,
    pub last_modified: i64,
}

impl Catalog {
    /// The snapshot after what this transaction wrote, built from `previous`: from what it wrote
    /// when every kind of record it wrote can be followed that way, in full otherwise.
    pub fn next(writer: &Writer, previous: &Catalog) -> Result<Catalog, StoreError> {
        let written = writer.written();
        if written.only(&VIEWLESS)
            && let Some(catalog) = previous.with_tokens(writer, &written.tokens)?
        {
            return Ok(catalog);
        }
        let followed: Vec<RecordKind> = VIEWLESS
            .into_iter()
            .chain(TRACKED)
            .chain([RecordKind::Meta])
            .collect();
        if written.only(&followed)
            && let Some(catalog) = previous.changed(writer, &written)?
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
        let Some(tokens) = self.tokens_after(writer, keys)? else {
            return Ok(None);
        };
        Ok(Some(Catalog {
            views: Arc::clone(&self.views),
            shelving: Arc::clone(&self.shelving),
            packages: Arc::clone(&self.packages),
            index: Arc::clone(&self.index),
            advisories: Arc::clone(&self.advisories),
            access: self.access.clone(),
            ..tokens
        }))
    }

    /// A snapshot holding only the token tables after rows under `keys` were written (shared
    /// when none was), and this one's bodies. `None` as for `with_tokens`.
    fn tokens_after(
        &self,
        writer: &Writer,
        keys: &BTreeSet<String>,
    ) -> Result<Option<Catalog>, StoreError> {
        if keys.is_empty() {
            return Ok(Some(Catalog {
                tokens: Arc::clone(&self.tokens),
                previous_keys: Arc::clone(&self.previous_keys),
                revoked_tokens: Arc::clone(&self.revoked_tokens),
                token_records: Arc::clone(&self.token_records),
                bodies: Arc::clone(&self.bodies),
                ..Catalog::default()
            }));
        }
        // The tables change by what the written rows held before and hold now; every other
        // token's entries are shared, not remade.
        let mut records = ShardedMap::clone(&self.token_records);
        let mut tables = TokenTables {
            tokens: ShardedMap::clone(&self.tokens),
            previous_keys: ShardedMap::clone(&self.previous_keys),
            revoked_tokens: ShardedMap::clone(&self.revoked_tokens),
        };
        for text in keys {
            let Ok(key) = PublicKey::parse(text) else {
                return Ok(None);
            };
            if let Some(old) = records.remove(text) {
                tables.forget(&old);
            }
            if let Some(token) = writer.token(&key)? {
                records.insert(text.clone(), Arc::new(token));
            }
        }
        // Added after every removal: a rotation forgets the old row and adds the new one, whose
        // previous key is the old row's key.
        for text in keys {
            if let Some(token) = records.get(text) {
                tables.add(token);
            }
        }
        Ok(Some(self.with_token_tables(tables, records)))
    }

    /// A snapshot with these token records and their tables, and this one's shared bodies.
    fn with_token_records(&self, records: ShardedMap<String, Arc<Token>>) -> Catalog {
        let tables = token_tables(records.values().map(|t| t.as_ref()));
        self.with_token_tables(tables, records)
    }

    fn with_token_tables(
        &self,
        tables: TokenTables,
        records: ShardedMap<String, Arc<Token>>,
    ) -> Catalog {
        Catalog {
            tokens: Arc::new(tables.tokens),
            previous_keys: Arc::new(tables.previous_keys),
            revoked_tokens: Arc::new(tables.revoked_tokens),
            bodies: Arc::clone(&self.bodies),
            token_records: Arc::new(records),
            ..Catalog::default()
        }
    }

    /// The snapshot after a change to projects, licences, releases or advisories (and tokens):
    /// only the projects those rows name are regranted, and only the shelves the touched
    /// packages reach are restocked.
    fn changed(&self, writer: &Writer, written: &Written) -> Result<Option<Catalog>, StoreError> {
        let Some((access, moved)) =
            self.access
                .with_rows(writer, &written.projects, &written.licences)?
        else {
            return Ok(None);
        };
        let Some(tokens) = self.tokens_after(writer, &written.tokens)? else {
            return Ok(None);
        };
        let added = writer.added_releases();
        let removed = writer.removed_releases();
        let mut touched: HashSet<PackageName> = added.iter().map(|r| r.name.clone()).collect();
        touched.extend(removed.iter().map(|(name, _)| name.clone()));
        let (packages, index) = if touched.is_empty() {
            (Arc::clone(&self.packages), Arc::clone(&self.index))
        } else {
            let mut packages = with_releases(&self.packages, added);
            without_releases(&mut packages, removed);
            let index = Arc::new(CatalogIndex::new(&packages, &self.index));
            (Arc::new(packages), index)
        };
        let advisories = if written.kinds.contains(&RecordKind::Advisories) {
            let advisories = ServedAdvisories::new(writer.advisories()?);
            touched.extend(advisories.differing(&self.advisories));
            Arc::new(advisories)
        } else {
            Arc::clone(&self.advisories)
        };
        let mut restock = Restock::new(
            writer,
            &self.shelving,
            &index,
            &advisories,
            &self.bodies,
            true,
        )?;
        restock.restock_touched(&touched)?;
        let views = if moved.is_empty() {
            Arc::clone(&self.views)
        } else {
            let mut views = ShardedMap::clone(&self.views);
            for project in &moved {
                regrant(writer, &mut restock, &access, &mut views, project)?;
            }
            Arc::new(views)
        };
        let shelving = Arc::new(restock.finish()?);
        Ok(Some(Catalog {
            views,
            shelving,
            packages,
            index,
            advisories,
            access,
            ..tokens
        }))
    }

    /// Builds the next snapshot from `previous` plus what this transaction wrote, recording in the
    /// same transaction any Last-Modified that moved.
    pub fn build(
        writer: &Writer,
        previous: &Catalog,
        records: AccessRecords,
        added: Vec<Release>,
    ) -> Result<Catalog, StoreError> {
        let mut packages = with_releases(&previous.packages, added);
        without_releases(&mut packages, writer.removed_releases());
        let index = Arc::new(CatalogIndex::new(&packages, &previous.index));
        let advisories = Arc::new(ServedAdvisories::new(writer.advisories()?));
        let access = Access::new(records.projects, records.licences);
        let mut restock = Restock::new(
            writer,
            &previous.shelving,
            &index,
            &advisories,
            &previous.bodies,
            false,
        )?;
        let mut views = ShardedMap::default();
        for project in access.projects() {
            let shelf = restock.join(access.grants(project))?;
            let key = restock.key_of(shelf).unwrap_or_default().to_string();
            let since = match writer.project_view(project)? {
                Some(record) if record.shelf == key => record.since,
                _ => {
                    let since = restock.now();
                    writer.put_project_view(project, &ProjectViewRecord { shelf: key, since })?;
                    since
                }
            };
            views.insert(project.clone(), ProjectView { shelf, since });
        }
        for gone in previous.views.keys().filter(|p| !views.contains_key(*p)) {
            writer.remove_project_view(gone)?;
        }
        let shelving = Arc::new(restock.finish()?);
        let token_records = records
            .tokens
            .into_iter()
            .map(|t| (t.public_key.to_string(), Arc::new(t)))
            .collect();
        Ok(Catalog {
            views: Arc::new(views),
            shelving,
            packages: Arc::new(packages),
            index,
            advisories,
            access,
            ..previous.with_token_records(token_records)
        })
    }

    pub fn view(&self, project: &ProjectSlug) -> Option<View<'_>> {
        let view = self.views.get(project)?;
        let shelf = self.shelving.get(view.shelf)?;
        Some(View::new(shelf, view.since))
    }

    pub fn has_project(&self, project: &ProjectSlug) -> bool {
        self.views.contains_key(project)
    }
}

/// Moves a project to the shelf for its grants now, if they changed; a project that is gone
/// leaves its shelf.
fn regrant(
    writer: &Writer,
    restock: &mut Restock,
    access: &Access,
    views: &mut ShardedMap<ProjectSlug, ProjectView>,
    project: &ProjectSlug,
) -> Result<(), StoreError> {
    let old = views.get(project).copied();
    if !access.has_project(project) {
        if let Some(old) = old {
            restock.leave(old.shelf);
            views.remove(project);
            writer.remove_project_view(project)?;
        }
        return Ok(());
    }
    let grants = access.grants(project);
    if old.is_some_and(|old| restock.grants_of(old.shelf) == Some(&grants)) {
        return Ok(());
    }
    let shelf = restock.join(grants)?;
    if let Some(old) = old {
        restock.leave(old.shelf);
    }
    let since = restock.now();
    let key = restock.key_of(shelf).unwrap_or_default().to_string();
    writer.put_project_view(project, &ProjectViewRecord { shelf: key, since })?;
    views.insert(project.clone(), ProjectView { shelf, since });
    Ok(())
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
            sort_newest_first(versions);
        }
    }
    packages
}

/// Each version is normalized once, not once per comparison: at start-up every package is sorted.
fn sort_newest_first(versions: &mut Vec<Arc<Release>>) {
    let mut keyed: Vec<_> = (versions.drain(..))
        .map(|r| (normalize(&r.version_normalized).ok(), r))
        .collect();
    keyed.sort_by(
        |(version_a, a), (version_b, b)| match (version_a, version_b) {
            (Some(version_a), Some(version_b)) => compare(version_b, version_a),
            _ => b.version_normalized.cmp(&a.version_normalized),
        },
    );
    versions.extend(keyed.into_iter().map(|(_, release)| release));
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

/// A stored version is normalized already, so one that does not look like a dev version is none;
/// only those that do are parsed, which keeps stocking a shelf from parsing every release.
pub fn is_dev(release: &Release) -> bool {
    let stored = &release.version_normalized;
    (stored.starts_with("dev-") || stored.ends_with("-dev"))
        && normalize(stored).is_ok_and(|v| v.is_dev())
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

/// A handful of bases at most: a scan of a short list beats hashing the base on every request.
pub(crate) type BaseCache = RwLock<Vec<(String, Arc<Encoded>)>>;
pub(crate) type Body = Bytes;
