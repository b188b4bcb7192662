//! Licences and the entitlement rule: which packages, and which of their releases, a project sees.

use super::names::{CustomerSlug, NameError, PackageName, ProjectSlug};
use super::version::{Constraint, NormalizedVersion};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};

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

/// Which releases a licence covers by version: a Composer constraint such as `^2.0`, kept as
/// written and compared by that text.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VersionBound(Constraint);

impl VersionBound {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        if input.trim().is_empty() {
            return Err(NameError(
                "an empty version constraint: give one such as ^2.0, or use --any-version".into(),
            ));
        }
        Constraint::parse(input)
            .map(Self)
            .map_err(|e| NameError(format!("invalid version constraint {input:?}: {e}")))
    }

    pub fn as_str(&self) -> &str {
        self.0.pretty()
    }

    pub fn allows(&self, version: &NormalizedVersion) -> bool {
        self.0.matches(version)
    }
}

impl PartialEq for VersionBound {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for VersionBound {}

impl Hash for VersionBound {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for VersionBound {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for VersionBound {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl TryFrom<String> for VersionBound {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<VersionBound> for String {
    fn from(value: VersionBound) -> Self {
        value.as_str().to_string()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Licence {
    pub id: String,
    pub customer: CustomerSlug,
    /// The name the licence was issued to, as given at creation (the customer's name then).
    pub holder: String,
    pub patterns: Vec<PackagePattern>,
    /// Unix seconds; releases after this instant stay hidden. `None` is a perpetual licence.
    pub access_until: Option<i64>,
    pub revoked_at: Option<i64>,
    pub created_at: i64,
    pub projects: BTreeSet<ProjectSlug>,
    /// Only releases satisfying this constraint; `None` covers every version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<VersionBound>,
    /// The most projects the licence may be active on at once; `None` is unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats: Option<u32>,
    /// Whether the hosted packages its releases require become visible too.
    #[serde(default = "dependencies_by_default")]
    pub dependencies: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn dependencies_by_default() -> bool {
    true
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
            versions: self.versions.clone(),
            dependencies: self.dependencies,
        }
    }
}

/// What one active licence contributes to a view. Views are keyed by their grants, so projects
/// with the same licences share rendered metadata.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Grant {
    pub patterns: Vec<PackagePattern>,
    pub access_until: Option<i64>,
    pub versions: Option<VersionBound>,
    /// Whether what the granted releases require from this catalogue is visible too.
    pub dependencies: bool,
}

impl Grant {
    pub fn covers(&self, name: &PackageName) -> bool {
        self.patterns.iter().any(|p| p.matches(name))
    }

    /// Whether the window (had it not closed at the release) and the version bound both admit a
    /// release of a covered package. A version that does not normalize is outside every bound.
    pub fn admits(&self, released_at: i64, version: Option<&NormalizedVersion>) -> bool {
        self.in_window(released_at) && self.within_versions(version)
    }

    pub fn in_window(&self, released_at: i64) -> bool {
        self.access_until.is_none_or(|until| released_at <= until)
    }

    pub fn within_versions(&self, version: Option<&NormalizedVersion>) -> bool {
        match (&self.versions, version) {
            (None, _) => true,
            (Some(bound), Some(version)) => bound.allows(version),
            (Some(_), None) => false,
        }
    }
}

/// The canonical set of grants a project holds: sorted and deduplicated so equal sets compare equal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
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

    pub fn grants(&self) -> &[Grant] {
        &self.0
    }

    pub fn covers(&self, name: &PackageName) -> bool {
        self.0.iter().any(|grant| grant.covers(name))
    }

    /// A release is granted when some grant covers the package, its window (if any) had not
    /// closed when the release came out, and its version bound (if any) admits the version.
    /// What the granted releases require is added by `visibility`.
    pub fn allows_release(
        &self,
        name: &PackageName,
        released_at: i64,
        version: Option<&NormalizedVersion>,
    ) -> bool {
        self.0
            .iter()
            .any(|grant| grant.covers(name) && grant.admits(released_at, version))
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
            customer: CustomerSlug::parse("holder").unwrap(),
            holder: "Holder".into(),
            patterns: patterns
                .iter()
                .map(|p| PackagePattern::parse(p).unwrap())
                .collect(),
            access_until,
            revoked_at: None,
            created_at: 0,
            projects: [ProjectSlug::parse(project).unwrap()].into(),
            versions: None,
            seats: None,
            dependencies: true,
            note: None,
        }
    }

    #[test]
    fn version_bounds_take_composer_constraints_and_refuse_nonsense() {
        let bound = VersionBound::parse("^2.0").unwrap();
        let version = |v: &str| crate::domain::version::normalize(v).unwrap();
        assert!(bound.allows(&version("2.4.1")));
        assert!(!bound.allows(&version("3.0.0")));
        assert!(!bound.allows(&version("1.9.9")));
        assert!(VersionBound::parse(">=1.0 <1.5 || ^3.0@dev").is_ok());
        let refused = VersionBound::parse("^^2").unwrap_err().to_string();
        assert!(refused.contains("invalid version constraint"), "{refused}");
        assert!(VersionBound::parse(" ").is_err());
        let stored: VersionBound = serde_json::from_str("\"~1.2\"").unwrap();
        assert_eq!(stored.as_str(), "~1.2");
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
        assert!(grants.allows_release(&name("acme/foo"), 100, None));
        assert!(!grants.allows_release(&name("acme/foo"), 101, None));
        assert!(!grants.allows_release(&name("other/foo"), 1, None));
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
