//! Stability levels: `VersionParser::parseStability` and Composer's long stability names.

use super::pcre::{Modifier, at, dollar, line_end, modifier};

/// Stability levels, ordered as Composer orders them (dev is the least stable).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stability {
    Dev,
    Alpha,
    Beta,
    RC,
    Stable,
}

/// Composer's long stability names (`expandStability`).
pub(super) fn expand_stability(word: &[u8]) -> Vec<u8> {
    let lower = word.to_ascii_lowercase();
    match lower.as_slice() {
        b"a" => b"alpha".to_vec(),
        b"b" => b"beta".to_vec(),
        b"p" | b"pl" => b"patch".to_vec(),
        b"rc" => b"RC".to_vec(),
        _ => lower,
    }
}

/// `VersionParser::parseStability`.
pub(super) fn parse_stability(version: &[u8]) -> Stability {
    let version = strip_hash_suffix(version);
    if version.starts_with(b"dev-") || version.ends_with(b"-dev") {
        return Stability::Dev;
    }
    let lower = version.to_ascii_lowercase();
    let m = stability_modifier(&lower).unwrap_or_default();
    if !m.dev.is_empty() {
        return Stability::Dev;
    }
    match m.word {
        b"beta" | b"b" => Stability::Beta,
        b"alpha" | b"a" => Stability::Alpha,
        b"rc" => Stability::RC,
        _ => Stability::Stable,
    }
}

/// `preg_replace('{#.+$}', '', $version)`
fn strip_hash_suffix(s: &[u8]) -> Vec<u8> {
    for (i, &c) in s.iter().enumerate() {
        if c != b'#' {
            continue;
        }
        let j = line_end(s, i + 1);
        if j > i + 1 && dollar(s, j) {
            return [&s[..i], &s[j..]].concat();
        }
    }
    s.to_vec()
}

/// Unanchored search for `MODIFIER(?:\+.*)?$`/i.
fn stability_modifier(s: &[u8]) -> Option<Modifier<'_>> {
    for p in 0..=s.len() {
        let mut found = None;
        modifier(s, p, true, &mut |e, m| {
            let ok = (at(s, e) == Some(b'+') && dollar(s, line_end(s, e + 1))) || dollar(s, e);
            if ok {
                found = Some(m);
            }
            ok
        });
        if found.is_some() {
            return found;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::version::normalize;

    #[test]
    fn reports_stability() {
        let stability = |v: &str| normalize(v).map(|v| (v.stability(), v.is_dev()));
        assert_eq!(stability("1.0.0"), Ok((Stability::Stable, false)));
        assert_eq!(stability("1.0.0-rc2"), Ok((Stability::RC, false)));
        assert_eq!(stability("1.0.0-b1"), Ok((Stability::Beta, false)));
        assert_eq!(stability("1.0.0alpha"), Ok((Stability::Alpha, false)));
        assert_eq!(stability("1.x-dev"), Ok((Stability::Dev, true)));
        assert_eq!(stability("dev-main"), Ok((Stability::Dev, true)));
        assert!(Stability::Dev < Stability::Alpha && Stability::RC < Stability::Stable);
    }
}
