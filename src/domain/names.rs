//! Validated names. Each newtype can only be built through its parser, so code that holds one
//! never needs to check it again.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NameError(pub String);

/// `vendor/name`, lowercase, as Composer's schema defines it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PackageName(String);

impl PackageName {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let invalid = |why: &str| NameError(format!("invalid package name {input:?}: {why}"));
        if input != input.to_lowercase() {
            return Err(invalid("package names must be lowercase"));
        }
        let (vendor, name) = input
            .split_once('/')
            .ok_or_else(|| invalid("expected vendor/name"))?;
        if !is_vendor_part(vendor) || !is_name_part(name) {
            return Err(invalid(
                "each part must be letters or digits, joined by single '.', '_' or '-' (the name may also use '--')",
            ));
        }
        Ok(Self(input.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `[a-z0-9]([_.-]?[a-z0-9]+)*`
fn is_vendor_part(part: &str) -> bool {
    alnum_runs_joined_by(part, |sep| matches!(sep, "_" | "." | "-"))
}

/// `[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*`
fn is_name_part(part: &str) -> bool {
    alnum_runs_joined_by(part, |sep| matches!(sep, "_" | "." | "-" | "--"))
}

fn alnum_runs_joined_by(part: &str, separator_allowed: impl Fn(&str) -> bool) -> bool {
    let is_alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !part.starts_with(is_alnum) || !part.ends_with(is_alnum) {
        return false;
    }
    part.split(is_alnum)
        .filter(|sep| !sep.is_empty())
        .all(separator_allowed)
}

/// A project's short identifier: lowercase letters, digits and single dashes, 1–64 long.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProjectSlug(String);

impl ProjectSlug {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        check_slug("project", input).map(|()| Self(input.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A customer's short identifier, with the same rules as a project's.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CustomerSlug(String);

impl CustomerSlug {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        check_slug("customer", input).map(|()| Self(input.to_string()))
    }

    /// A slug made from a display name (`Acme Shop GmbH` → `acme-shop-gmbh`); `None` when the
    /// name holds no letter or digit at all.
    pub fn from_name(name: &str) -> Option<Self> {
        let mut slug = String::new();
        for c in name.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        slug.truncate(SLUG_MAX_LEN);
        let slug = slug.trim_end_matches('-');
        Self::parse(slug).ok()
    }

    /// The slug for `name`, numbered (`acme-2`, `acme-3`…) past the ones `taken` says are used.
    pub fn first_free(name: &str, mut taken: impl FnMut(&CustomerSlug) -> bool) -> CustomerSlug {
        let base = Self::from_name(name).unwrap_or_else(|| Self("customer".to_string()));
        let stem = base.0[..base.0.len().min(SLUG_MAX_LEN - 8)].trim_end_matches('-');
        let mut candidate = base.clone();
        let mut number = 2u64;
        while taken(&candidate) {
            candidate = Self(format!("{stem}-{number}"));
            number += 1;
        }
        candidate
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const SLUG_MAX_LEN: usize = 64;

fn check_slug(kind: &str, input: &str) -> Result<(), NameError> {
    let valid_chars = input
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if input.is_empty() || input.len() > SLUG_MAX_LEN || !valid_chars {
        return Err(NameError(format!(
            "invalid {kind} slug {input:?}: use 1 to 64 lowercase letters, digits and dashes"
        )));
    }
    if input.starts_with('-') || input.ends_with('-') || input.contains("--") {
        return Err(NameError(format!(
            "invalid {kind} slug {input:?}: dashes only between letters or digits"
        )));
    }
    Ok(())
}

/// A token's public half: 32 lowercase hex characters. Safe to show anywhere.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PublicKey(String);

pub const PUBLIC_KEY_LEN: usize = 32;

impl PublicKey {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        if input.len() != PUBLIC_KEY_LEN || !is_lower_hex(input) {
            return Err(NameError(format!(
                "invalid public key {input:?}: expected {PUBLIC_KEY_LEN} lowercase hex characters"
            )));
        }
        Ok(Self(input.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub fn is_lower_hex(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The conversions every validated string newtype needs: serde goes through `parse`, so a stored
/// or transmitted value is validated exactly like user input.
#[macro_export]
macro_rules! validated_string {
    ($($name:ty),*) => {$(
        impl TryFrom<String> for $name {
            type Error = $crate::domain::names::NameError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }
        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    )*};
}
validated_string!(PackageName, ProjectSlug, CustomerSlug, PublicKey);

macro_rules! display_as_str {
    ($($name:ty),*) => {$(
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:?}", self.0)
            }
        }
    )*};
}
display_as_str!(PackageName, ProjectSlug, CustomerSlug, PublicKey);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_slugs_are_made_from_display_names() {
        let slug = |name: &str| CustomerSlug::from_name(name).map(|s| s.to_string());
        assert_eq!(slug("Acme Shop GmbH").as_deref(), Some("acme-shop-gmbh"));
        assert_eq!(slug("  Beta Ltd.  ").as_deref(), Some("beta-ltd"));
        assert_eq!(slug("ÄÖÜ"), None);
        assert_eq!(slug(&"x".repeat(100)).map(|s| s.len()), Some(64));
        assert!(CustomerSlug::parse("Acme").is_err());
        let taken = ["acme", "acme-2"].map(|s| CustomerSlug::parse(s).unwrap());
        let free = CustomerSlug::first_free("ACME", |s| taken.contains(s));
        assert_eq!(free.as_str(), "acme-3");
        assert_eq!(
            CustomerSlug::first_free("!!", |_| false).as_str(),
            "customer"
        );
    }

    #[test]
    fn package_names_follow_composer_schema() {
        for good in [
            "acme/foo",
            "a/b",
            "acme-co/foo.bar_baz",
            "acme/foo--bar",
            "1/2",
        ] {
            assert!(PackageName::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "acme",
            "Acme/foo",
            "acme/",
            "/foo",
            "acme/foo/bar",
            "acme/-foo",
            "acme/foo-",
            "ac--me/foo",
            "acme/foo..bar",
            "acme/fo o",
            "",
            "acme/foo---bar",
        ] {
            assert!(PackageName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn project_slugs_are_lowercase_words_with_dashes() {
        assert!(ProjectSlug::parse("acme-production").is_ok());
        for bad in ["", "Acme", "a--b", "-a", "a-", "a b", "a/b"] {
            assert!(ProjectSlug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn public_keys_are_fixed_length_hex() {
        assert!(PublicKey::parse(&"a".repeat(32)).is_ok());
        assert!(PublicKey::parse(&"A".repeat(32)).is_err());
        assert!(PublicKey::parse("abc").is_err());
    }
}
