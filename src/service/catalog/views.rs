//! Building each project's view: which releases it sees, their bodies, and their stamps.

use super::advisories::{ADVISORIES_PATH, PackageAdvisories, ServedAdvisories};
use super::render::{BASE_MARKER, Rendered};
use super::{Catalog, PackageView, ProjectView, Resource, encode_path_segment, is_dev};
use crate::domain::licence::GrantSet;
use crate::domain::metadata::{ReleaseFacts, minify, release_entry};
use crate::domain::names::{PackageName, ProjectSlug};
use crate::domain::records::Release;
use crate::domain::time;
use crate::domain::visibility::{CatalogIndex, Visibility};
use crate::store::{Stamp, StoreError, Writer};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

/// (what the view grants, resource path) → (fingerprint of the releases listed, body)
pub type BodyCache = HashMap<(GrantSet, String), (u64, Arc<Rendered>)>;

pub struct ViewBuilder<'w, 'p> {
    writer: &'w Writer<'w>,
    previous: &'p Catalog,
    index: &'p CatalogIndex,
    advisories: &'p ServedAdvisories,
    /// Projects with equal grants see the same releases: worked out once per rebuild, not once
    /// per project, since following requirements walks the whole catalogue.
    visibility: HashMap<GrantSet, Arc<Visibility>>,
    bodies: BodyCache,
    /// Every stamp issued by one rebuild is the same instant: all that changed, changed together.
    next_stamp: i64,
    issued: bool,
}

impl<'w, 'p> ViewBuilder<'w, 'p> {
    pub fn new(
        writer: &'w Writer<'w>,
        previous: &'p Catalog,
        index: &'p CatalogIndex,
        advisories: &'p ServedAdvisories,
    ) -> Result<Self, StoreError> {
        let next_stamp = time::now().max(writer.stamp_clock()? + 1);
        Ok(Self {
            writer,
            previous,
            index,
            advisories,
            visibility: HashMap::new(),
            bodies: HashMap::new(),
            next_stamp,
            issued: false,
        })
    }

    pub fn finish(self) -> Result<BodyCache, StoreError> {
        if self.issued {
            self.writer.set_stamp_clock(self.next_stamp)?;
        }
        Ok(self.bodies)
    }

    pub fn view(
        &mut self,
        project: &ProjectSlug,
        grants: GrantSet,
    ) -> Result<ProjectView, StoreError> {
        let previous = self.previous.views.get(project);
        let visibility = self.visibility_of(&grants);
        let index = self.index;
        let mut visible_packages = HashMap::new();
        for (name, visible) in visibility.visible(index) {
            let old = previous.and_then(|v| v.packages.get(name.as_str()));
            let package = self.package(project, &grants, name, &visible, old)?;
            visible_packages.insert(name.to_string(), package);
        }
        // A package whose every version is yanked still serves its dists, but is not listed.
        let mut names: Vec<&str> = visible_packages
            .iter()
            .filter(|(_, package)| package.tagged.is_some() || package.dev.is_some())
            .map(|(name, _)| name.as_str())
            .collect();
        names.sort_unstable();
        let root_body = Arc::new(Rendered::new(root_json(&names)));
        let root = self.stamped(
            project,
            "packages.json",
            root_body,
            previous.map(|v| &v.root),
        )?;
        Ok(ProjectView {
            grants,
            root,
            packages: visible_packages,
        })
    }

    fn visibility_of(&mut self, grants: &GrantSet) -> Arc<Visibility> {
        let index = self.index;
        let computed = self
            .visibility
            .entry(grants.clone())
            .or_insert_with(|| Arc::new(Visibility::compute(grants.grants(), index)));
        Arc::clone(computed)
    }

    fn package(
        &mut self,
        project: &ProjectSlug,
        grants: &GrantSet,
        name: &PackageName,
        visible: &[&Arc<Release>],
        old: Option<&PackageView>,
    ) -> Result<PackageView, StoreError> {
        // Yanked releases leave the metadata but keep their dists, for lock files that pin them.
        let (dev, tagged): (Vec<&Arc<Release>>, Vec<&Arc<Release>>) = visible
            .iter()
            .copied()
            .filter(|r| r.yanked.is_none())
            .partition(|r| is_dev(r));
        let mut resource = |kind: &str, list: &[&Arc<Release>], old: Option<&Resource>| {
            if list.is_empty() {
                return Ok(None);
            }
            let path = format!("p2/{name}{kind}");
            let body = self.body(grants, &path, name, list);
            self.stamped(project, &path, body, old).map(Some)
        };
        let tagged = resource(".json", &tagged, old.and_then(|p| p.tagged.as_ref()))?;
        let dev = resource("~dev.json", &dev, old.and_then(|p| p.dev.as_ref()))?;
        let dists = visible
            .iter()
            .map(|r| (r.version.clone(), Arc::clone(r)))
            .collect();
        Ok(PackageView { tagged, dev, dists })
    }

    /// Reuses the body rendered for the same grants, releases and advisories, by this or the
    /// last rebuild.
    fn body(
        &mut self,
        grants: &GrantSet,
        path: &str,
        name: &PackageName,
        list: &[&Arc<Release>],
    ) -> Arc<Rendered> {
        let advisories = self.advisories.of(name);
        let fingerprint = fingerprint(list, advisories);
        let key = (grants.clone(), path.to_string());
        if let Some((known, body)) = self.bodies.get(&key)
            && *known == fingerprint
        {
            return Arc::clone(body);
        }
        let body = match self.previous.bodies.get(&key) {
            Some((known, body)) if *known == fingerprint => Arc::clone(body),
            _ => Arc::new(Rendered::new(p2_template(name, list, advisories))),
        };
        self.bodies.insert(key, (fingerprint, Arc::clone(&body)));
        body
    }

    /// The stamp stays while the project's content stays; new content gets this rebuild's instant.
    fn stamped(
        &mut self,
        project: &ProjectSlug,
        resource: &str,
        body: Arc<Rendered>,
        old: Option<&Resource>,
    ) -> Result<Resource, StoreError> {
        if let Some(old) = old.filter(|old| old.body.content_hash() == body.content_hash()) {
            return Ok(Resource {
                body,
                last_modified: old.last_modified,
            });
        }
        if let Some(known) = self.writer.stamp(project, resource)?
            && known.content_hash == body.content_hash()
        {
            return Ok(Resource {
                body,
                last_modified: known.last_modified,
            });
        }
        self.issued = true;
        let stamp = Stamp {
            content_hash: body.content_hash().to_string(),
            last_modified: self.next_stamp,
        };
        self.writer.put_stamp(project, resource, &stamp)?;
        Ok(Resource {
            body,
            last_modified: stamp.last_modified,
        })
    }
}

fn fingerprint(list: &[&Arc<Release>], advisories: Option<&PackageAdvisories>) -> u64 {
    let mut hasher = DefaultHasher::new();
    for release in list {
        release.version_normalized.hash(&mut hasher);
        release.sha256.hash(&mut hasher);
    }
    advisories.map(|a| a.fingerprint).hash(&mut hasher);
    hasher.finish()
}

fn root_json(available: &[&str]) -> String {
    serde_json::json!({
        "packages": [],
        "metadata-url": "/p2/%package%.json",
        "available-packages": available,
        "notify-batch": "/composer/downloads",
        "security-advisories": {
            "metadata": true,
            "api-url": format!("{BASE_MARKER}{ADVISORIES_PATH}"),
        },
    })
    .to_string()
}

/// A package with open advisories carries them in both its files; one without has no
/// `security-advisories` key, which leaves Composer free to ask other repositories about it.
fn p2_template(
    name: &PackageName,
    releases: &[&Arc<Release>],
    advisories: Option<&PackageAdvisories>,
) -> String {
    let entries: Vec<_> = releases
        .iter()
        .map(|release| {
            let dist_url = format!(
                "{BASE_MARKER}/dist/{name}/{}.zip",
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
    let mut body = serde_json::json!({
        "packages": { name.as_str(): minify(&entries) },
        "minified": "composer/2.0",
    });
    if let (Some(advisories), Some(fields)) = (advisories, body.as_object_mut()) {
        fields.insert(
            "security-advisories".into(),
            advisories.entries.clone().into(),
        );
    }
    body.to_string()
}
