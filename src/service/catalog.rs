//! The serving snapshot: every project's view of the catalogue, rendered once per change.
//!
//! Readers load the current `Arc<Catalog>` without locks; a change builds a whole new catalogue
//! and swaps it in. Metadata bytes are shared by projects whose licences grant the same things,
//! while Last-Modified stamps are kept per project: a project whose licences change moves to other
//! content, and its stamp must move forward even if that content is older than what it saw.

use crate::domain::licence::GrantSet;
use crate::domain::metadata::{ReleaseFacts, minify, release_entry};
use crate::domain::names::{PackageName, ProjectSlug};
use crate::domain::records::Release;
use crate::domain::time;
use crate::domain::version::{NormalizedVersion, compare};
use crate::store::records::CatalogRecords;
use crate::store::{Stamp, StoreError, Writer};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};

mod render;
pub use render::{Encoded, Rendered};

pub struct ActiveToken {
    pub public_key: crate::domain::names::PublicKey,
    pub project: ProjectSlug,
    pub secret_hash: String,
}

#[derive(Default)]
pub struct Catalog {
    pub tokens: HashMap<String, ActiveToken>,
    pub revoked_tokens: HashSet<String>,
    pub views: HashMap<ProjectSlug, ProjectView>,
    /// Every package and its releases, newest first.
    pub packages: BTreeMap<PackageName, Vec<Arc<Release>>>,
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

pub struct Resource {
    pub body: Arc<Rendered>,
    pub last_modified: i64,
}

/// Stamps are issued at most once per rebuild: all that changes together shares one instant.
struct StampIssuer {
    next: i64,
    used: bool,
}

impl Catalog {
    /// Builds the snapshot and records, in the same transaction, any Last-Modified that moved.
    pub fn build(writer: &Writer, records: CatalogRecords) -> Result<Catalog, StoreError> {
        let mut issuer = StampIssuer {
            next: time::now().max(writer.stamp_clock()? + 1),
            used: false,
        };
        let packages = group_newest_first(records.releases);
        let mut shared = HashMap::new();
        let mut views = HashMap::new();
        for project in &records.projects {
            let grants = GrantSet::for_project(&project.slug, &records.licences);
            let view = build_view(&packages, grants, &mut shared);
            views.insert(
                project.slug.clone(),
                stamp_view(writer, &project.slug, view, &mut issuer)?,
            );
        }
        if issuer.used {
            writer.set_stamp_clock(issuer.next)?;
        }
        let (active, revoked): (Vec<_>, Vec<_>) = records
            .tokens
            .into_iter()
            .partition(|t| t.revoked_at.is_none());
        Ok(Catalog {
            tokens: active
                .into_iter()
                .map(|t| {
                    let key = t.public_key.to_string();
                    (
                        key,
                        ActiveToken {
                            public_key: t.public_key,
                            project: t.project,
                            secret_hash: t.secret_hash,
                        },
                    )
                })
                .collect(),
            revoked_tokens: revoked
                .into_iter()
                .map(|t| t.public_key.to_string())
                .collect(),
            views,
            packages,
        })
    }

    pub fn view(&self, project: &ProjectSlug) -> Option<&ProjectView> {
        self.views.get(project)
    }
}

fn group_newest_first(releases: Vec<Release>) -> BTreeMap<PackageName, Vec<Arc<Release>>> {
    let mut packages: BTreeMap<PackageName, Vec<Arc<Release>>> = BTreeMap::new();
    for release in releases {
        packages
            .entry(release.name.clone())
            .or_default()
            .push(Arc::new(release));
    }
    for versions in packages.values_mut() {
        versions.sort_by(|a, b| newest_first(a, b));
    }
    packages
}

fn newest_first(a: &Release, b: &Release) -> std::cmp::Ordering {
    let parse = |r: &Release| crate::domain::version::normalize(&r.version_normalized).ok();
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) => compare(&b, &a),
        _ => b.version_normalized.cmp(&a.version_normalized),
    }
}

pub fn is_dev(release: &Release) -> bool {
    crate::domain::version::normalize(&release.version_normalized)
        .map(|v: NormalizedVersion| v.is_dev())
        .unwrap_or(false)
}

type SharedBodies = HashMap<(GrantSet, String), Arc<Rendered>>;

/// A view before its stamps: bodies plus the visible releases.
struct UnstampedView {
    grants: GrantSet,
    root: Arc<Rendered>,
    packages: Vec<(
        String,
        Option<Arc<Rendered>>,
        Option<Arc<Rendered>>,
        HashMap<String, Arc<Release>>,
    )>,
}

fn build_view(
    packages: &BTreeMap<PackageName, Vec<Arc<Release>>>,
    grants: GrantSet,
    shared: &mut SharedBodies,
) -> UnstampedView {
    let mut visible_packages = Vec::new();
    for (name, releases) in packages.iter().filter(|(name, _)| grants.covers(name)) {
        let visible: Vec<&Arc<Release>> = releases
            .iter()
            .filter(|r| grants.allows_release(name, r.released_at))
            .collect();
        if visible.is_empty() {
            continue;
        }
        let (dev, tagged): (Vec<_>, Vec<_>) = visible.iter().copied().partition(|r| is_dev(r));
        let mut body_for = |kind: &str, list: &[&Arc<Release>]| {
            (!list.is_empty()).then(|| {
                shared
                    .entry((grants.clone(), format!("{name}{kind}")))
                    .or_insert_with(|| Arc::new(Rendered::new(p2_template(name, list))))
                    .clone()
            })
        };
        let tagged_body = body_for(".json", &tagged);
        let dev_body = body_for("~dev.json", &dev);
        let dists = visible
            .iter()
            .map(|r| (r.version.clone(), Arc::clone(r)))
            .collect();
        visible_packages.push((name.to_string(), tagged_body, dev_body, dists));
    }
    let names: Vec<&str> = visible_packages
        .iter()
        .map(|(name, ..)| name.as_str())
        .collect();
    let root = Arc::new(Rendered::new(root_json(&names)));
    UnstampedView {
        grants,
        root,
        packages: visible_packages,
    }
}

fn stamp_view(
    writer: &Writer,
    project: &ProjectSlug,
    view: UnstampedView,
    issuer: &mut StampIssuer,
) -> Result<ProjectView, StoreError> {
    let mut stamp = |resource: &str, body: Arc<Rendered>| -> Result<Resource, StoreError> {
        let last_modified = stamp_for(writer, project, resource, &body, issuer)?;
        Ok(Resource {
            body,
            last_modified,
        })
    };
    let root = stamp("packages.json", view.root)?;
    let mut packages = HashMap::with_capacity(view.packages.len());
    for (name, tagged, dev, dists) in view.packages {
        let tagged = tagged
            .map(|b| stamp(&format!("p2/{name}.json"), b))
            .transpose()?;
        let dev = dev
            .map(|b| stamp(&format!("p2/{name}~dev.json"), b))
            .transpose()?;
        packages.insert(name, PackageView { tagged, dev, dists });
    }
    Ok(ProjectView {
        grants: view.grants,
        root,
        packages,
    })
}

fn stamp_for(
    writer: &Writer,
    project: &ProjectSlug,
    resource: &str,
    body: &Rendered,
    issuer: &mut StampIssuer,
) -> Result<i64, StoreError> {
    let content_hash = body.content_hash();
    if let Some(known) = writer.stamp(project, resource)? {
        if known.content_hash == content_hash {
            return Ok(known.last_modified);
        }
    }
    issuer.used = true;
    let stamp = Stamp {
        content_hash: content_hash.to_string(),
        last_modified: issuer.next,
    };
    writer.put_stamp(project, resource, &stamp)?;
    Ok(stamp.last_modified)
}

fn root_json(available: &[&str]) -> String {
    serde_json::json!({
        "packages": [],
        "metadata-url": "/p2/%package%.json",
        "available-packages": available,
        "notify-batch": "/composer/downloads",
    })
    .to_string()
}

fn p2_template(name: &PackageName, releases: &[&Arc<Release>]) -> String {
    let entries: Vec<_> = releases
        .iter()
        .map(|release| {
            let dist_url = format!(
                "{}/dist/{name}/{}.zip",
                render::BASE_MARKER,
                encode_path_segment(&release.version)
            );
            let time = time::to_rfc3339(release.released_at);
            let facts = ReleaseFacts {
                name: name.as_str(),
                version: &release.version,
                version_normalized: &release.version_normalized,
                time: &time,
                dist_url: &dist_url,
                shasum: &release.shasum,
            };
            release_entry(&release.composer_json, &facts)
        })
        .collect();
    serde_json::json!({
        "packages": { name.as_str(): minify(&entries) },
        "minified": "composer/2.0",
    })
    .to_string()
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

/// Shared so `Rendered` can keep a small per-base cache without the catalogue knowing.
pub(crate) type BaseCache = RwLock<HashMap<String, Arc<Encoded>>>;
pub(crate) type Body = Bytes;
