//! Which published versions an advisory's constraint covers, and the fix: the lowest published
//! version above all of them that is not affected.

use crate::domain::licence::VersionBound;
use crate::domain::records::Release;
use crate::domain::version::{NormalizedVersion, compare, normalize};
use std::cmp::Ordering;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Pretty versions, oldest first.
    pub covered: Vec<String>,
    pub fixed_in: Option<String>,
}

/// `releases` are one package's, in any order. Dev branches can be covered (a constraint such
/// as `dev-main` names one), but are never offered as the fix, and neither is a yanked version.
pub fn coverage<'r>(
    affected: &VersionBound,
    releases: impl IntoIterator<Item = &'r Release>,
) -> Coverage {
    let mut versions: Vec<(NormalizedVersion, &Release)> = releases
        .into_iter()
        .filter_map(|r| normalize(&r.version_normalized).ok().map(|v| (v, r)))
        .collect();
    versions.sort_by(|a, b| compare(&a.0, &b.0));
    let (covered, clear): (Vec<_>, Vec<_>) = versions.iter().partition(|(v, _)| affected.allows(v));
    let highest = covered.iter().map(|(v, _)| v).max_by(|a, b| compare(a, b));
    let fixed_in = highest.and_then(|highest| {
        clear
            .iter()
            .filter(|(v, r)| !v.is_dev() && r.yanked.is_none())
            .find(|(v, _)| compare(v, highest) == Ordering::Greater)
            .map(|(_, r)| r.version.clone())
    });
    Coverage {
        covered: covered.iter().map(|(_, r)| r.version.clone()).collect(),
        fixed_in,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::names::PackageName;
    use crate::domain::records::Yank;

    fn release(version: &str) -> Release {
        Release {
            name: PackageName::parse("acme/core").unwrap(),
            version: version.into(),
            version_normalized: normalize(version).unwrap().to_string(),
            released_at: 0,
            published_at: 0,
            shasum: String::new(),
            sha256: String::new(),
            size: 0,
            composer_json: Default::default(),
            yanked: None,
        }
    }

    fn of(constraint: &str, releases: &[Release]) -> Coverage {
        coverage(&VersionBound::parse(constraint).unwrap(), releases)
    }

    #[test]
    fn the_covered_versions_are_listed_oldest_first_and_the_fix_is_the_next_one_up() {
        let releases: Vec<_> = ["2.0.0", "1.2.3", "1.0.0", "1.2.2", "0.9.0", "dev-main"]
            .into_iter()
            .map(release)
            .collect();
        let coverage = of(">=1.0,<1.2.3", &releases);
        assert_eq!(coverage.covered, ["1.0.0", "1.2.2"]);
        assert_eq!(coverage.fixed_in.as_deref(), Some("1.2.3"));
    }

    #[test]
    fn a_yanked_version_is_covered_but_never_offered_as_the_fix() {
        let mut yanked = release("1.2.3");
        yanked.yanked = Some(Yank {
            at: 0,
            reason: None,
        });
        let releases = [release("1.2.2"), yanked, release("1.3.0")];
        let coverage = of("<1.2.3", &releases);
        assert_eq!(coverage.covered, ["1.2.2"]);
        assert_eq!(coverage.fixed_in.as_deref(), Some("1.3.0"));
        assert_eq!(of("<1.3", &releases).covered, ["1.2.2", "1.2.3"]);
    }

    #[test]
    fn without_a_newer_unaffected_version_there_is_no_fix_yet() {
        let releases = [release("1.0.0"), release("1.1.0")];
        assert_eq!(of("<2.0", &releases).fixed_in, None);
        assert_eq!(of(">=3.0", &releases), Coverage::default());
    }

    #[test]
    fn the_fix_is_above_every_covered_range() {
        let releases: Vec<_> = ["1.0.0", "1.0.1", "2.0.0", "2.0.3"]
            .into_iter()
            .map(release)
            .collect();
        let coverage = of(">=1.0.0,<1.0.1 || >=2.0.0,<2.0.3", &releases);
        assert_eq!(coverage.covered, ["1.0.0", "2.0.0"]);
        assert_eq!(coverage.fixed_in.as_deref(), Some("2.0.3"));
    }
}
