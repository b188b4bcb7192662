//! Which releases a project sees: what its licences grant by package, access window and version
//! bound, then, transitively, the hosted releases those require, so that what is visible installs.
//!
//! Two choices, both stated for operators in packaging/docs/cli.md:
//! - A release made visible because a visible release requires it is visible whatever the window
//!   or version bound of the licence behind it: it is what the licensed release needs to install,
//!   not a release sold on its own.
//! - Yanked releases pull in what they require as well: a lock file that pins a yanked release
//!   still installs it, and so must it install the requirements the lock file pinned beside it.

use super::licence::Grant;
use super::names::PackageName;
use super::records::Release;
use super::version::{Constraint, NormalizedVersion, normalize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

#[cfg(test)]
mod tests;

/// Every package and its releases, newest first (the catalogue's order).
pub type Packages = BTreeMap<PackageName, Vec<Arc<Release>>>;

/// A `require` entry naming a package (`vendor/name`); whether that package is hosted here is
/// decided each time the rules run, since the catalogue changes under it.
#[derive(Debug, Clone)]
pub struct Requirement {
    pub package: PackageName,
    /// As written, except that `self.version` reads as the requiring release's own version.
    pub constraint: String,
    /// `None` when composer/semver refuses the constraint: then no version satisfies it.
    parsed: Option<Constraint>,
}

impl Requirement {
    /// Whether a version satisfies the requirement, exactly as composer/semver decides: `^2.0`
    /// takes no `dev-main`, `dev-main` takes only itself.
    pub fn allows(&self, version: Option<&NormalizedVersion>) -> bool {
        match (&self.parsed, version) {
            (Some(constraint), Some(version)) => constraint.matches(version),
            _ => false,
        }
    }
}

/// What the rules need of one release, worked out once per change rather than once per project.
#[derive(Debug)]
pub struct ReleaseFacts {
    pub release: Arc<Release>,
    /// `None` for a stored version that no longer normalizes: outside every bound.
    pub version: Option<NormalizedVersion>,
    pub requires: Vec<Requirement>,
}

/// The catalogue's releases, in its order, with their facts. A package whose releases did not
/// change keeps the facts worked out for the previous catalogue.
#[derive(Debug, Default)]
pub struct CatalogIndex {
    packages: BTreeMap<PackageName, Arc<[ReleaseFacts]>>,
}

impl CatalogIndex {
    pub fn new(packages: &Packages, previous: &CatalogIndex) -> Self {
        let packages = packages
            .iter()
            .map(|(name, releases)| {
                let facts = match previous.packages.get(name) {
                    Some(known) if same_releases(known, releases) => Arc::clone(known),
                    _ => releases.iter().map(release_facts).collect(),
                };
                (name.clone(), facts)
            })
            .collect();
        Self { packages }
    }

    /// A package's releases, newest first; empty when it is not hosted here.
    pub fn releases(&self, name: &PackageName) -> &[ReleaseFacts] {
        self.packages.get(name).map_or(&[], |facts| facts)
    }

    /// The hosted packages, in name order.
    pub fn names(&self) -> impl Iterator<Item = &PackageName> {
        self.packages.keys()
    }

    pub fn hosts(&self, name: &PackageName) -> bool {
        self.packages.contains_key(name)
    }
}

fn same_releases(known: &[ReleaseFacts], releases: &[Arc<Release>]) -> bool {
    known.len() == releases.len()
        && known
            .iter()
            .zip(releases)
            .all(|(facts, release)| Arc::ptr_eq(&facts.release, release))
}

fn release_facts(release: &Arc<Release>) -> ReleaseFacts {
    let requires = release
        .composer_json
        .get("require")
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .filter_map(|(name, constraint)| requirement(release, name, constraint))
                .collect()
        })
        .unwrap_or_default();
    ReleaseFacts {
        release: Arc::clone(release),
        version: normalize(&release.version_normalized).ok(),
        requires,
    }
}

/// Platform requirements (`php`, `ext-*`, `lib-*`) are no package names, so they drop out here.
fn requirement(release: &Release, name: &str, constraint: &Value) -> Option<Requirement> {
    let package = PackageName::parse(&name.to_ascii_lowercase()).ok()?;
    let written = match constraint {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    // Composer's ArrayLoader reads `self.version` as the requiring package's own version.
    let constraint = match written.trim() {
        "self.version" => release.version.clone(),
        _ => written,
    };
    let parsed = Constraint::parse(&constraint).ok();
    Some(Requirement {
        package,
        constraint,
        parsed,
    })
}

/// Why a release is visible.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// The grant at this position of the slice the visibility was computed from admits it.
    Granted(usize),
    /// This visible release requires it (the first such found; there may be others).
    RequiredBy(Arc<Release>),
}

/// A visible release with a requirement on a hosted package that no visible version satisfies:
/// `composer install` of that release would fail.
#[derive(Debug, Clone)]
pub struct Gap {
    pub release: Arc<Release>,
    pub requirement: Requirement,
}

/// What a set of grants makes visible, with the reason for each visible release.
#[derive(Debug, Default)]
pub struct Visibility {
    /// Packages with a visible release: one slot per release, in the index's order.
    packages: BTreeMap<PackageName, Vec<Option<Reason>>>,
}

impl Visibility {
    pub fn compute(grants: &[Grant], index: &CatalogIndex) -> Self {
        let mut visibility = Visibility::default();
        let mut pulling = Vec::new();
        for (name, facts) in &index.packages {
            let covering: Vec<(usize, &Grant)> = grants
                .iter()
                .enumerate()
                .filter(|(_, grant)| grant.covers(name))
                .collect();
            for (at, fact) in facts.iter().enumerate().filter(|_| !covering.is_empty()) {
                let mut admitting = covering.iter().filter(|(_, grant)| {
                    grant.admits(fact.release.released_at, fact.version.as_ref())
                });
                let Some((first, _)) = admitting.clone().next() else {
                    continue;
                };
                visibility.mark(name, facts.len(), at, Reason::Granted(*first));
                if admitting.any(|(_, grant)| grant.dependencies) {
                    pulling.push((name, at));
                }
            }
        }
        visibility.pull_requirements(index, pulling);
        visibility
    }

    /// Follows requirements in any order; each release is expanded at most once, so
    /// cycles (core requires pro requires core) end.
    fn pull_requirements<'i>(
        &mut self,
        index: &'i CatalogIndex,
        mut pulling: Vec<(&'i PackageName, usize)>,
    ) {
        // Per package, which releases were expanded: indexed, not hashed, since a licence for
        // the whole vendor asks about every release of every required package.
        let mut expanded: HashMap<&PackageName, Vec<bool>> = HashMap::new();
        for (name, at) in &pulling {
            let slots = expanded
                .entry(*name)
                .or_insert_with(|| vec![false; index.releases(name).len()]);
            slots[*at] = true;
        }
        while let Some((name, at)) = pulling.pop() {
            let Some(fact) = index.releases(name).get(at) else {
                continue;
            };
            for requirement in &fact.requires {
                let Some((target, candidates)) = index.packages.get_key_value(&requirement.package)
                else {
                    continue;
                };
                let done = expanded
                    .entry(target)
                    .or_insert_with(|| vec![false; candidates.len()]);
                for (position, candidate) in candidates.iter().enumerate() {
                    // Asked first: matching a constraint costs far more than the lookup.
                    if done[position] || !requirement.allows(candidate.version.as_ref()) {
                        continue;
                    }
                    done[position] = true;
                    let reason = Reason::RequiredBy(Arc::clone(&fact.release));
                    self.mark(target, candidates.len(), position, reason);
                    pulling.push((target, position));
                }
            }
        }
    }

    /// Records a reason unless the release already has one: a grant, found first, wins.
    fn mark(&mut self, name: &PackageName, len: usize, at: usize, reason: Reason) {
        // Looked up before inserting: `entry` would copy the name for every release marked.
        if !self.packages.contains_key(name) {
            self.packages.insert(name.clone(), vec![None; len]);
        }
        let Some(slots) = self.packages.get_mut(name) else {
            return;
        };
        if let Some(slot @ None) = slots.get_mut(at) {
            *slot = Some(reason);
        }
    }

    /// Why the release at `at` in the package's list is visible; `None` when it is hidden.
    pub fn reason(&self, name: &PackageName, at: usize) -> Option<&Reason> {
        self.packages.get(name)?.get(at)?.as_ref()
    }

    /// Each package with a visible release, and those releases, newest first.
    pub fn visible<'a>(
        &'a self,
        index: &'a CatalogIndex,
    ) -> impl Iterator<Item = (&'a PackageName, Vec<&'a Arc<Release>>)> + 'a {
        self.packages.iter().map(move |(name, slots)| {
            let releases = index.releases(name).iter().zip(slots);
            let visible = releases
                .filter(|(_, slot)| slot.is_some())
                .map(|(facts, _)| &facts.release)
                .collect();
            (name, visible)
        })
    }

    /// Every package a visible release requires, hosted here or not: a release of one of them
    /// published later may become visible through that requirement.
    pub fn required_packages(&self, index: &CatalogIndex) -> HashSet<PackageName> {
        let mut required = HashSet::new();
        for (name, slots) in &self.packages {
            let releases = index.releases(name).iter().zip(slots);
            for (facts, _) in releases.filter(|(_, slot)| slot.is_some()) {
                for requirement in &facts.requires {
                    if !required.contains(&requirement.package) {
                        required.insert(requirement.package.clone());
                    }
                }
            }
        }
        required
    }

    /// Requirements on hosted packages that no visible, unyanked version satisfies, for each
    /// visible unyanked release (a yanked one is out of the metadata, so no resolution picks it).
    pub fn gaps(&self, index: &CatalogIndex) -> Vec<Gap> {
        let mut gaps = Vec::new();
        for (name, slots) in &self.packages {
            let releases = index.releases(name).iter().zip(slots);
            for (facts, _) in releases.filter(|(f, slot)| slot.is_some() && installable(f)) {
                let unmet = facts.requires.iter().filter(|requirement| {
                    index.hosts(&requirement.package) && !self.satisfies(requirement, index)
                });
                gaps.extend(unmet.map(|requirement| Gap {
                    release: Arc::clone(&facts.release),
                    requirement: requirement.clone(),
                }));
            }
        }
        gaps
    }

    fn satisfies(&self, requirement: &Requirement, index: &CatalogIndex) -> bool {
        let Some(slots) = self.packages.get(&requirement.package) else {
            return false;
        };
        let releases = index.releases(&requirement.package).iter().zip(slots);
        releases.into_iter().any(|(facts, slot)| {
            slot.is_some() && installable(facts) && requirement.allows(facts.version.as_ref())
        })
    }
}

fn installable(facts: &ReleaseFacts) -> bool {
    facts.release.yanked.is_none()
}
