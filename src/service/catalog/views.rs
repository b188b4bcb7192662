//! What one project sees: the shelf for its grants, and the instant it began to read it. No
//! answer may claim to be older than that instant: a project that moved to other grants sees
//! other content, and a client's copy from before the move must not be called fresh.

use super::Resource;
use super::shelves::{PackageView, Shelf, ShelfId};
use crate::domain::licence::GrantSet;
use crate::domain::records::Release;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProjectView {
    pub shelf: ShelfId,
    pub since: i64,
}

/// A project's view as served: borrowed from the snapshot, so a request holds no lock.
#[derive(Clone, Copy)]
pub struct View<'c> {
    shelf: &'c Shelf,
    since: i64,
}

impl<'c> View<'c> {
    pub(super) fn new(shelf: &'c Shelf, since: i64) -> Self {
        Self { shelf, since }
    }

    pub fn grants(&self) -> &'c GrantSet {
        &self.shelf.grants
    }

    pub fn root(&self) -> Resource {
        self.dated(&self.shelf.root)
    }

    pub fn package(&self, name: &str) -> Option<PackageRef<'c>> {
        let package = self.shelf.packages.get(name)?;
        Some(PackageRef {
            package,
            since: self.since,
        })
    }

    /// Whether the project sees some release of the package (a yanked one included).
    pub fn sees(&self, name: &str) -> bool {
        self.shelf.packages.contains_key(name)
    }

    /// The packages it sees, in no particular order.
    pub fn package_names(&self) -> impl Iterator<Item = &'c str> {
        self.shelf.packages.keys().map(String::as_str)
    }

    fn dated(&self, resource: &Resource) -> Resource {
        dated(resource, self.since)
    }
}

fn dated(resource: &Resource, since: i64) -> Resource {
    Resource {
        body: Arc::clone(&resource.body),
        last_modified: resource.last_modified.max(since),
    }
}

#[derive(Clone, Copy)]
pub struct PackageRef<'c> {
    package: &'c Arc<PackageView>,
    since: i64,
}

impl<'c> PackageRef<'c> {
    /// The tagged releases' file (`p2/{name}.json`), when it lists any.
    pub fn tagged(&self) -> Option<Resource> {
        (self.package.tagged.as_ref()).map(|r| dated(r, self.since))
    }

    /// The dev versions' file (`p2/{name}~dev.json`), when it lists any.
    pub fn dev(&self) -> Option<Resource> {
        (self.package.dev.as_ref()).map(|r| dated(r, self.since))
    }

    /// A visible release by the version string used in its dist URL, yanked ones included.
    pub fn dist(&self, version: &str) -> Option<&'c Arc<Release>> {
        self.package.dists.get(version)
    }

    /// Every visible release, yanked ones included, in no particular order.
    pub fn dists(&self) -> impl Iterator<Item = &'c Arc<Release>> {
        self.package.dists.values()
    }
}
