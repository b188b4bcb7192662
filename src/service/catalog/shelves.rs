//! Shelves: what every project with the same grants sees, rendered and stamped once for all of
//! them. A change restocks only the shelves it can reach, and on those only the packages whose
//! visible releases or advisories moved; every other package keeps its rendered files.

use super::Resource;
use super::advisories::ServedAdvisories;
use super::bodies::{BodyCache, root_json};
use super::render::Rendered;
use super::{hash_hex, is_dev};
use crate::domain::licence::GrantSet;
use crate::domain::names::PackageName;
use crate::domain::records::Release;
use crate::domain::time;
use crate::domain::visibility::{CatalogIndex, Visibility};
use crate::store::{Stamp, StoreError, Writer};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub type ShelfId = u64;

pub struct Shelf {
    pub grants: GrantSet,
    /// Names the shelf's stamps in the store; the same grants give the same key in every run.
    pub key: String,
    pub root: Resource,
    pub packages: HashMap<String, Arc<PackageView>>,
    /// Every package its visible releases require, hosted here or not: a release of one of them
    /// may become visible through that requirement.
    required: HashSet<PackageName>,
}

impl Shelf {
    /// Whether a change to these packages' releases or advisories can change what it shows.
    fn reached_by(&self, touched: &HashSet<PackageName>) -> bool {
        touched.iter().any(|name| {
            self.grants.covers(name)
                || self.packages.contains_key(name.as_str())
                || self.required.contains(name)
        })
    }

    fn resources(&self) -> Vec<String> {
        let mut resources = vec![ROOT.to_string()];
        for (name, package) in &self.packages {
            if package.tagged.is_some() {
                resources.push(format!("p2/{name}.json"));
            }
            if package.dev.is_some() {
                resources.push(format!("p2/{name}~dev.json"));
            }
        }
        resources
    }
}

const ROOT: &str = "packages.json";

pub struct PackageView {
    pub tagged: Option<Resource>,
    pub dev: Option<Resource>,
    /// Visible releases by the version string used in dist URLs.
    pub dists: HashMap<String, Arc<Release>>,
    /// What the files were made from: equal ones make equal files.
    visible: Vec<Arc<Release>>,
    advisories: Option<u64>,
}

impl PackageView {
    fn made_from(&self, visible: &[&Arc<Release>], advisories: Option<u64>) -> bool {
        self.advisories == advisories
            && self.visible.len() == visible.len()
            && self
                .visible
                .iter()
                .zip(visible)
                .all(|(a, b)| Arc::ptr_eq(a, b))
    }
}

/// Every shelf in use, by id and by grants, with how many projects read each.
#[derive(Clone, Default)]
pub struct Shelving {
    pub by_id: HashMap<ShelfId, Arc<Shelf>>,
    by_grants: HashMap<GrantSet, ShelfId>,
    readers: HashMap<ShelfId, usize>,
    next_id: ShelfId,
}

impl Shelving {
    pub fn get(&self, id: ShelfId) -> Option<&Arc<Shelf>> {
        self.by_id.get(&id)
    }
}

/// One rebuild's work on the shelves: restocking, opening shelves for new grants, and dropping
/// those no project reads any more.
pub struct Restock<'w, 'p> {
    writer: &'w Writer<'w>,
    index: &'p CatalogIndex,
    advisories: &'p ServedAdvisories,
    bodies: &'p BodyCache,
    /// The shelves before this rebuild, kept to reuse what did not change.
    previous: &'p Shelving,
    shelving: Shelving,
    /// Whether the shelves carried over from `previous`; otherwise they were opened anew.
    carried: bool,
    /// Every stamp issued by one rebuild is the same instant: all that changed, changed together.
    next_stamp: i64,
    issued: bool,
}

impl<'w, 'p> Restock<'w, 'p> {
    /// `carried`: whether the shelves (and who reads them) carry over, for a change; a full build
    /// starts empty and reopens each shelf as projects join it.
    pub fn new(
        writer: &'w Writer<'w>,
        previous: &'p Shelving,
        index: &'p CatalogIndex,
        advisories: &'p ServedAdvisories,
        bodies: &'p BodyCache,
        carried: bool,
    ) -> Result<Self, StoreError> {
        let next_stamp = time::now().max(writer.stamp_clock()? + 1);
        let mut shelving = if carried {
            previous.clone()
        } else {
            Shelving::default()
        };
        shelving.next_id = shelving.next_id.max(previous.next_id);
        Ok(Self {
            writer,
            index,
            advisories,
            bodies,
            previous,
            shelving,
            carried,
            next_stamp,
            issued: false,
        })
    }

    /// The instant this rebuild stamps what it changes with.
    pub fn now(&mut self) -> i64 {
        self.issued = true;
        self.next_stamp
    }

    pub fn grants_of(&self, id: ShelfId) -> Option<&GrantSet> {
        self.shelving.by_id.get(&id).map(|s| &s.grants)
    }

    pub fn key_of(&self, id: ShelfId) -> Option<&str> {
        self.shelving.by_id.get(&id).map(|s| s.key.as_str())
    }

    /// Restocks every carried shelf these packages can reach.
    pub fn restock_touched(&mut self, touched: &HashSet<PackageName>) -> Result<(), StoreError> {
        if touched.is_empty() {
            return Ok(());
        }
        let reached: Vec<ShelfId> = (self.shelving.by_id.iter())
            .filter(|(_, shelf)| shelf.reached_by(touched))
            .map(|(id, _)| *id)
            .collect();
        for id in reached {
            let Some(old) = self.shelving.by_id.get(&id).cloned() else {
                continue;
            };
            let shelf = self.stock(old.grants.clone(), Some(&old))?;
            self.shelving.by_id.insert(id, Arc::new(shelf));
        }
        Ok(())
    }

    /// One more project reads the shelf for `grants`, opened (or reopened from the previous
    /// rebuild's) when no project read it yet.
    pub fn join(&mut self, grants: GrantSet) -> Result<ShelfId, StoreError> {
        if let Some(id) = self.shelving.by_grants.get(&grants).copied() {
            *self.shelving.readers.entry(id).or_default() += 1;
            return Ok(id);
        }
        let old_id = self.previous.by_grants.get(&grants).copied();
        let old = old_id.and_then(|id| self.previous.by_id.get(&id)).cloned();
        let shelf = self.stock(grants.clone(), old.as_deref())?;
        let id = old_id.unwrap_or_else(|| {
            self.shelving.next_id += 1;
            self.shelving.next_id
        });
        self.shelving.by_id.insert(id, Arc::new(shelf));
        self.shelving.by_grants.insert(grants, id);
        self.shelving.readers.insert(id, 1);
        Ok(id)
    }

    pub fn leave(&mut self, id: ShelfId) {
        if let Some(readers) = self.shelving.readers.get_mut(&id) {
            *readers = readers.saturating_sub(1);
        }
    }

    /// Drops the shelves no project reads, with their stamps, and records the stamp clock.
    pub fn finish(mut self) -> Result<Shelving, StoreError> {
        let unread: Vec<ShelfId> = (self.shelving.readers.iter())
            .filter(|(_, readers)| **readers == 0)
            .map(|(id, _)| *id)
            .collect();
        for id in unread {
            self.shelving.readers.remove(&id);
            if let Some(shelf) = self.shelving.by_id.remove(&id) {
                self.shelving.by_grants.remove(&shelf.grants);
                self.writer.remove_stamps(&shelf.key, shelf.resources())?;
            }
        }
        // Opened anew, the shelves no project joined are the previous ones left behind.
        let kept = |shelf: &Arc<Shelf>| self.shelving.by_grants.contains_key(&shelf.grants);
        let left = self
            .previous
            .by_id
            .values()
            .filter(|s| !self.carried && !kept(s));
        for shelf in left {
            self.writer.remove_stamps(&shelf.key, shelf.resources())?;
        }
        if self.issued {
            self.writer.set_stamp_clock(self.next_stamp)?;
        }
        Ok(self.shelving)
    }

    /// What these grants show now, reusing from `old` every package whose files would not change.
    fn stock(&mut self, grants: GrantSet, old: Option<&Shelf>) -> Result<Shelf, StoreError> {
        let index = self.index;
        let visibility = Visibility::compute(grants.grants(), index);
        let key = old.map_or_else(|| shelf_key(&grants), |o| o.key.clone());
        let mut packages = HashMap::new();
        for (name, visible) in visibility.visible(index) {
            let advisories = self.advisories.of(name).map(|a| a.fingerprint);
            let before = old.and_then(|o| o.packages.get(name.as_str()));
            let package = match before {
                Some(known) if known.made_from(&visible, advisories) => Arc::clone(known),
                _ => Arc::new(self.package(&key, name, &visible, advisories, before)?),
            };
            packages.insert(name.to_string(), package);
        }
        // A package whose every version is yanked still serves its dists, but is not listed.
        let mut names: Vec<&str> = (packages.iter())
            .filter(|(_, package)| package.tagged.is_some() || package.dev.is_some())
            .map(|(name, _)| name.as_str())
            .collect();
        names.sort_unstable();
        let root_body = Arc::new(Rendered::new(root_json(&names)));
        let root = self.stamped(&key, ROOT, root_body, old.map(|o| &o.root))?;
        Ok(Shelf {
            required: visibility.required_packages(index),
            grants,
            key,
            root,
            packages,
        })
    }

    fn package(
        &mut self,
        key: &str,
        name: &PackageName,
        visible: &[&Arc<Release>],
        advisories: Option<u64>,
        old: Option<&Arc<PackageView>>,
    ) -> Result<PackageView, StoreError> {
        // Yanked releases leave the metadata but keep their dists, for lock files that pin them.
        let (dev, tagged): (Vec<&Arc<Release>>, Vec<&Arc<Release>>) = (visible.iter().copied())
            .filter(|r| r.yanked.is_none())
            .partition(|r| is_dev(r));
        let mut resource = |kind: &str, list: &[&Arc<Release>], old: Option<&Resource>| {
            if list.is_empty() {
                return Ok(None);
            }
            let path = format!("p2/{name}{kind}");
            let body = self
                .bodies
                .body(&path, name, list, self.advisories.of(name));
            self.stamped(key, &path, body, old).map(Some)
        };
        let tagged = resource(".json", &tagged, old.and_then(|p| p.tagged.as_ref()))?;
        let dev = resource("~dev.json", &dev, old.and_then(|p| p.dev.as_ref()))?;
        let dists = (visible.iter())
            .map(|r| (r.version.clone(), Arc::clone(r)))
            .collect();
        Ok(PackageView {
            tagged,
            dev,
            dists,
            visible: visible.iter().map(|r| Arc::clone(r)).collect(),
            advisories,
        })
    }

    /// The stamp stays while the shelf's content stays; new content gets this rebuild's instant.
    fn stamped(
        &mut self,
        key: &str,
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
        if let Some(known) = self.writer.stamp(key, resource)?
            && known.content_hash == body.content_hash()
        {
            return Ok(Resource {
                body,
                last_modified: known.last_modified,
            });
        }
        let stamp = Stamp {
            content_hash: body.content_hash().to_string(),
            last_modified: self.now(),
        };
        self.writer.put_stamp(key, resource, &stamp)?;
        Ok(Resource {
            body,
            last_modified: stamp.last_modified,
        })
    }
}

/// A digest of the grants, in the same form in every run, so their stamps outlive a restart.
fn shelf_key(grants: &GrantSet) -> String {
    let text = serde_json::to_string(grants).unwrap_or_else(|_| format!("{grants:?}"));
    hash_hex(text.as_bytes())[..32].to_string()
}
