//! Composer version handling: a port of composer/semver 3.4's `VersionParser::normalize`,
//! `VersionParser::parseConstraints`, `Constraint`/`MultiConstraint` matching and PHP's
//! `version_compare`.
//!
//! Composer's behaviour is defined by PCRE patterns, many of them with backtracking, possessive
//! quantifiers and look-arounds. Rather than approximating them with a different regex dialect,
//! every pattern is hand-translated here, and where PCRE would backtrack the candidates are
//! enumerated in PCRE's priority order (continuation-passing: a callback accepts or rejects each
//! candidate), so the first accepted candidate carries the same captures PHP would see.
//!
//! All matching works on bytes, as PHP does; slices are only cut next to ASCII bytes, so the
//! results of `&str` input are valid UTF-8 again.
//!
//! Layout: `pcre` holds the byte-level PCRE stand-ins and the patterns shared by the rest;
//! `normalize`, `stability`, `compare`, `constraint` and `range` each port one part of
//! composer/semver or PHP.

mod compare;
mod constraint;
mod node;
mod normalize;
mod pcre;
mod range;
mod stability;

pub use compare::compare;
pub use constraint::Constraint;
pub use normalize::normalize;
pub use stability::Stability;

use stability::parse_stability;
use std::fmt;
use std::str::FromStr;

/// A version as Composer normalises it, e.g. "1.2.0.0", "2.0.0.0-beta1", "dev-main",
/// "1.9999999.9999999.9999999-dev".
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NormalizedVersion(String);

impl NormalizedVersion {
    /// The normalised text, e.g. `1.0.0.0-RC1`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for `dev-*` branches and numeric branches such as `1.9999999.9999999.9999999-dev`.
    pub fn is_dev(&self) -> bool {
        self.0.starts_with("dev-") || self.0.ends_with("-dev")
    }

    /// The stability Composer assigns to this version (`VersionParser::parseStability`).
    pub fn stability(&self) -> Stability {
        parse_stability(self.0.as_bytes())
    }
}

impl fmt::Display for NormalizedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for NormalizedVersion {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        normalize(s)
    }
}

/// Why a version or constraint string was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionError(pub String);

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VersionError {}

/// Whether `version` satisfies `constraint`, both as written; for the tests of every part.
#[cfg(test)]
fn satisfies(constraint: &str, version: &str) -> bool {
    let parsed = Constraint::parse(constraint).expect("constraint parses");
    parsed.matches(&normalize(version).expect("version normalizes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_input_never_panics() {
        let odd = [
            "",
            " ",
            "\n",
            "@",
            "#",
            "v",
            "~",
            "^v",
            "1.0\n",
            "dev-\u{e9}",
            "\u{e9}1.0",
            "1.0\0",
            "1.0+\u{e9}",
            "x.x.x.x.x",
            "1 - ",
            " - 1",
            "1,",
            ",",
            "as",
            " as ",
            "1|",
            "~1.x-dev",
            "99999999999999999999999999999999.x",
            "^0.0.0.0",
            "2010-01-02T10:20",
            "1.0-p1@dev",
        ];
        for s in odd {
            if let Ok(v) = normalize(s) {
                let _ = (v.stability(), v.is_dev(), compare(&v, &v));
            }
            if let Ok(c) = Constraint::parse(s) {
                let _ = c.matches(&NormalizedVersion("1.0.0.0".to_owned()));
            }
        }
    }
}
