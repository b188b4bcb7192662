//! Licences and the entitlement rule: which packages, and which of their releases, a project sees.

use super::names::{NameError, PackageName, ProjectSlug};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// An exact package name, or a glob where `*` matches any run of characters (`acme/*`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PackagePattern(String);

impl PackagePattern {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        if !input.contains('*') {
            return PackageName::parse(input).map(|name| Self(name.as_str().to_string()));
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "/*-_.".contains(c);
        if !input.chars().all(allowed) {
            return Err(NameError(format!(
                "invalid package pattern {input:?}: use lowercase names with '*' as the wildcard, e.g. acme/*"
            )));
        }
        Ok(Self(input.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn matches(&self, name: &PackageName) -> bool {
        glob_matches(self.0.as_bytes(), name.as_str().as_bytes())
    }
}

/// Iterative glob with single-star backtracking: linear in practice, no recursion blow-up.
fn glob_matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            backtrack = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star, matched)) = backtrack {
            p = star + 1;
            t = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

crate::validated_string!(PackagePattern);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Licence {
    pub id: String,
    pub holder: String,
    pub patterns: Vec<PackagePattern>,
    /// Unix seconds; releases after this instant stay hidden. `None` is a perpetual licence.
    pub access_until: Option<i64>,
    pub revoked_at: Option<i64>,
    pub created_at: i64,
    pub projects: BTreeSet<ProjectSlug>,
}

impl Licence {
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }

    pub fn kind(&self) -> &'static str {
        if self.access_until.is_some() {
            "subscription"
        } else {
            "perpetual"
        }
    }

    pub fn grant(&self) -> Grant {
        Grant {
            patterns: self.patterns.clone(),
            access_until: self.access_until,
        }
    }
}

/// What one active licence contributes to a view. Views are keyed by their grants, so projects
/// with the same licences share rendered metadata.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grant {
    pub patterns: Vec<PackagePattern>,
    pub access_until: Option<i64>,
}

/// The canonical set of grants a project holds: sorted and deduplicated so equal sets compare equal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct GrantSet(Vec<Grant>);

impl GrantSet {
    pub fn for_project<'a>(
        project: &ProjectSlug,
        licences: impl IntoIterator<Item = &'a Licence>,
    ) -> Self {
        let grants: BTreeSet<Grant> = licences
            .into_iter()
            .filter(|licence| licence.is_active() && licence.projects.contains(project))
            .map(Licence::grant)
            .collect();
        Self(grants.into_iter().collect())
    }

    pub fn covers(&self, name: &PackageName) -> bool {
        self.0
            .iter()
            .any(|grant| grant.patterns.iter().any(|p| p.matches(name)))
    }

    /// A release is visible when some grant covers the package and its window (if any) had not
    /// closed when the release came out.
    pub fn allows_release(&self, name: &PackageName, released_at: i64) -> bool {
        self.0.iter().any(|grant| {
            grant.patterns.iter().any(|p| p.matches(name))
                && grant.access_until.is_none_or(|until| released_at <= until)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> PackageName {
        PackageName::parse(text).unwrap()
    }

    fn licence(patterns: &[&str], access_until: Option<i64>, project: &str) -> Licence {
        Licence {
            id: "lic".into(),
            holder: "Holder".into(),
            patterns: patterns
                .iter()
                .map(|p| PackagePattern::parse(p).unwrap())
                .collect(),
            access_until,
            revoked_at: None,
            created_at: 0,
            projects: [ProjectSlug::parse(project).unwrap()].into(),
        }
    }

    #[test]
    fn star_matches_any_run_of_characters() {
        let pattern = PackagePattern::parse("acme/pro-*").unwrap();
        assert!(pattern.matches(&name("acme/pro-tools")));
        assert!(!pattern.matches(&name("acme/basic")));
        assert!(PackagePattern::parse("*/*").unwrap().matches(&name("x/y")));
        assert!(
            PackagePattern::parse("acme/*")
                .unwrap()
                .matches(&name("acme/a.b"))
        );
        assert!(
            !PackagePattern::parse("acme/*")
                .unwrap()
                .matches(&name("acmex/a"))
        );
    }

    #[test]
    fn invalid_patterns_are_refused() {
        assert!(PackagePattern::parse("Acme/*").is_err());
        assert!(PackagePattern::parse("acme").is_err());
        assert!(PackagePattern::parse("acme/?").is_err());
    }

    #[test]
    fn subscription_hides_releases_after_its_window() {
        let project = ProjectSlug::parse("p").unwrap();
        let licences = [licence(&["acme/*"], Some(100), "p")];
        let grants = GrantSet::for_project(&project, &licences);
        assert!(grants.allows_release(&name("acme/foo"), 100));
        assert!(!grants.allows_release(&name("acme/foo"), 101));
        assert!(!grants.allows_release(&name("other/foo"), 1));
    }

    #[test]
    fn revoked_or_unactivated_licences_grant_nothing() {
        let project = ProjectSlug::parse("p").unwrap();
        let mut revoked = licence(&["acme/*"], None, "p");
        revoked.revoked_at = Some(1);
        let elsewhere = licence(&["acme/*"], None, "q");
        let grants = GrantSet::for_project(&project, [&revoked, &elsewhere]);
        assert!(!grants.covers(&name("acme/foo")));
    }

    #[test]
    fn equal_licence_sets_give_equal_grant_sets() {
        let project = ProjectSlug::parse("p").unwrap();
        let a = licence(&["acme/*"], None, "p");
        let b = licence(&["acme/foo"], Some(5), "p");
        assert_eq!(
            GrantSet::for_project(&project, [&a, &b]),
            GrantSet::for_project(&project, [&b, &a, &a])
        );
    }
}
