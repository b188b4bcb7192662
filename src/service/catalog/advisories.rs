//! The advisories a rebuild serves: rendered once per package in the form Composer reads, with a
//! fingerprint so a p2 body is re-rendered exactly when its package's advisories change.

use crate::domain::advisory::Advisory;
use crate::domain::names::PackageName;
use serde_json::Value;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Where Composer POSTs the names it audits (packages.json's `api-url`, made absolute there,
/// because Composer 2.5 uses the value verbatim).
pub const ADVISORIES_PATH: &str = "/api/security-advisories";

#[derive(Default)]
pub struct ServedAdvisories {
    by_package: HashMap<PackageName, PackageAdvisories>,
}

/// One package's open advisories, in id order.
pub struct PackageAdvisories {
    /// Each as Composer reads a full advisory (`Advisory::composer_json`).
    pub entries: Vec<Value>,
    /// Changes whenever any served field of any of them does.
    pub fingerprint: u64,
}

impl ServedAdvisories {
    /// From every stored advisory; withdrawn ones are not served.
    pub fn new(advisories: Vec<Advisory>) -> Self {
        let mut by_package: HashMap<PackageName, Vec<Value>> = HashMap::new();
        for advisory in advisories.iter().filter(|a| !a.is_withdrawn()) {
            let entries = by_package.entry(advisory.package.clone()).or_default();
            entries.push(advisory.composer_json());
        }
        let by_package = by_package
            .into_iter()
            .map(|(name, entries)| {
                let mut hasher = DefaultHasher::new();
                for entry in &entries {
                    entry.to_string().hash(&mut hasher);
                }
                let fingerprint = hasher.finish();
                (
                    name,
                    PackageAdvisories {
                        entries,
                        fingerprint,
                    },
                )
            })
            .collect();
        Self { by_package }
    }

    /// The packages whose served advisories differ between `self` and `other`.
    pub fn differing<'a>(
        &'a self,
        other: &'a ServedAdvisories,
    ) -> impl Iterator<Item = PackageName> + 'a {
        let fingerprint = |served: &ServedAdvisories, name: &PackageName| {
            served.by_package.get(name).map(|a| a.fingerprint)
        };
        (self.by_package.keys())
            .chain(other.by_package.keys())
            .filter(move |name| fingerprint(self, name) != fingerprint(other, name))
            .cloned()
    }

    /// `None` for a package without open advisories.
    pub fn of(&self, package: &PackageName) -> Option<&PackageAdvisories> {
        self.by_package.get(package)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::advisory::advisory_id;
    use crate::domain::licence::VersionBound;

    fn advisory(number: u32, package: &str, title: &str) -> Advisory {
        Advisory {
            id: advisory_id(2026, number),
            package: PackageName::parse(package).unwrap(),
            affected: VersionBound::parse("<1.2").unwrap(),
            title: title.into(),
            severity: None,
            cve: None,
            link: None,
            reported_at: 0,
            created_at: 0,
            updated_at: 0,
            withdrawn_at: None,
        }
    }

    #[test]
    fn withdrawn_advisories_are_not_served_and_each_package_has_its_own() {
        let mut withdrawn = advisory(3, "acme/core", "old");
        withdrawn.withdrawn_at = Some(1);
        let served = ServedAdvisories::new(vec![
            advisory(1, "acme/core", "one"),
            advisory(2, "acme/util", "two"),
            withdrawn,
        ]);
        let core = served
            .of(&PackageName::parse("acme/core").unwrap())
            .unwrap();
        assert_eq!(core.entries.len(), 1);
        assert_eq!(core.entries[0]["title"], "one");
        assert!(
            served
                .of(&PackageName::parse("acme/other").unwrap())
                .is_none()
        );
    }

    #[test]
    fn the_fingerprint_moves_when_a_served_field_changes() {
        let name = PackageName::parse("acme/core").unwrap();
        let print = |title: &str| {
            ServedAdvisories::new(vec![advisory(1, "acme/core", title)])
                .of(&name)
                .unwrap()
                .fingerprint
        };
        assert_eq!(print("one"), print("one"));
        assert_ne!(print("one"), print("One"));
    }
}
