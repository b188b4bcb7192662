//! The range forms of a constraint (`*`, `~`, `^`, `1.2.*`, `1.0 - 2.0`) turned into bounds,
//! with PHP's arithmetic for the bumped number.

use super::VersionError;
use super::node::{Node, Op, constraint_error};
use super::normalize::normalize_bytes;
use super::pcre::{
    VersionCaps, anchored_version, at, at_in, digits_end, dollar, dotted_numbers, into_string,
    run_end, version_regex,
};
use std::cmp::Ordering;

/// `^(v)?[xX*](\.[xX*])*$`/i: a bare `*` matches anything, `v*`/`*.*` require a version.
pub(super) fn match_any(s: &[u8]) -> Option<Node> {
    let v = at_in(s, 0, b"vV");
    let mut i = usize::from(v);
    if !at_in(s, i, b"xX*") {
        return None;
    }
    i += 1;
    let mut repeated = false;
    while at(s, i) == Some(b'.') && at_in(s, i + 1, b"xX*") {
        i += 2;
        repeated = true;
    }
    if !dollar(s, i) {
        return None;
    }
    Some(if v || repeated {
        Node::Cmp(Op::Ge, "0.0.0.0-dev".to_owned())
    } else {
        Node::Any
    })
}

/// Unsuffixed ranges start at the `-dev` of their lower bound so pre-releases are included.
fn dev_suffix(caps: &VersionCaps<'_>) -> &'static [u8] {
    if caps.m.word.is_empty() && caps.m.dev.is_empty() && caps.wild.is_empty() {
        b"-dev"
    } else {
        b""
    }
}

/// `^~>?VERSION$`/i
pub(super) fn tilde_range(c: &[u8]) -> Option<Result<Vec<Node>, VersionError>> {
    if at(c, 0) != Some(b'~') {
        return None;
    }
    let caps = match at(c, 1) {
        Some(b'>') => anchored_version(c, 2),
        _ => anchored_version(c, 1),
    }?;
    if c.starts_with(b"~>") {
        let why = "invalid operator \"~>\", you probably meant to use the \"~\" operator";
        return Some(Err(constraint_error(c, why)));
    }
    let mut position = caps
        .nums
        .iter()
        .rposition(|n| !n.is_empty())
        .map_or(1, |i| i + 1);
    // `2.x-dev` and `3.0.x-dev` operate on the number after the last one written.
    if !caps.wild.is_empty() {
        position += 1;
    }
    let low = normalize_bytes(&[&c[1..], dev_suffix(&caps)].concat());
    let high = manipulate(&caps.nums, position.saturating_sub(1).max(1), true);
    Some(low.map(|low| range(low, high)))
}

/// `^\^VERSION($)`/i
pub(super) fn caret_range(c: &[u8]) -> Option<Result<Vec<Node>, VersionError>> {
    if at(c, 0) != Some(b'^') {
        return None;
    }
    let caps = anchored_version(c, 1)?;
    let [major, minor, patch, _] = caps.nums;
    // The left-most non-zero number among major.minor.patch is the one that may not change.
    let position = if major != b"0" || minor.is_empty() {
        1
    } else if minor != b"0" || patch.is_empty() {
        2
    } else {
        3
    };
    let low = normalize_bytes(&[&c[1..], dev_suffix(&caps)].concat());
    let high = manipulate(&caps.nums, position, true);
    Some(low.map(|low| range(low, high)))
}

/// `>= low, < high-dev`
fn range(low: Vec<u8>, high: Vec<u8>) -> Vec<Node> {
    vec![
        Node::Cmp(Op::Ge, into_string(low)),
        Node::Cmp(Op::Lt, into_string([high, b"-dev".to_vec()].concat())),
    ]
}

/// `^v?(\d++)(?:\.(\d++))?(?:\.(\d++))?(?:\.[xX*])++$` (case-sensitive).
pub(super) fn x_range(c: &[u8]) -> Option<Vec<Node>> {
    let start = usize::from(at(c, 0) == Some(b'v'));
    let digits = digits_end(c, start);
    if digits == start {
        return None;
    }
    let groups = dotted_numbers(c, digits, 2);
    for n in (0..=groups.len()).rev() {
        let pos = groups[..n].last().map_or(digits, |g| g.1);
        let mut end = pos;
        while at(c, end) == Some(b'.') && at_in(c, end + 1, b"xX*") {
            end += 2;
        }
        if end == pos || !dollar(c, end) {
            continue;
        }
        let mut nums: [&[u8]; 4] = [&c[start..digits], b"", b"", b""];
        for (slot, &(a, b)) in nums[1..].iter_mut().zip(&groups[..n]) {
            *slot = &c[a..b];
        }
        let low = [manipulate(&nums, n + 1, false), b"-dev".to_vec()].concat();
        let high = [manipulate(&nums, n + 1, true), b"-dev".to_vec()].concat();
        let upper = Node::Cmp(Op::Lt, into_string(high));
        if low == b"0.0.0.0-dev" {
            return Some(vec![upper]);
        }
        return Some(vec![Node::Cmp(Op::Ge, into_string(low)), upper]);
    }
    None
}

/// `^(?P<from>VERSION) +- +(?P<to>VERSION)($)`/i
pub(super) fn hyphen_range(c: &[u8]) -> Option<Result<Vec<Node>, VersionError>> {
    let mut found = None;
    version_regex(c, 0, &mut |from| {
        // The ` +` runs are followed by `-` and a digit or `v`, so only their greedy length fits.
        let q = run_end(c, from.end, |x| x == b' ');
        if q == from.end || at(c, q) != Some(b'-') {
            return false;
        }
        let r = run_end(c, q + 1, |x| x == b' ');
        if r == q + 1 {
            return false;
        }
        version_regex(c, r, &mut |to| {
            let ok = dollar(c, to.end);
            if ok {
                found = Some((*from, r, *to));
            }
            ok
        })
    });
    let (from, to_start, to) = found?;
    Some(hyphen_bounds(
        &c[..from.end],
        &c[to_start..to.end],
        &from,
        &to,
    ))
}

fn hyphen_bounds(
    from_text: &[u8],
    to_text: &[u8],
    from: &VersionCaps<'_>,
    to: &VersionCaps<'_>,
) -> Result<Vec<Node>, VersionError> {
    let low = [normalize_bytes(from_text)?, dev_suffix(from).to_vec()].concat();
    let lower = Node::Cmp(Op::Ge, into_string(low));
    // The upper version is validated even when only its numbers are used.
    let high = normalize_bytes(to_text)?;
    let [_, minor, patch, _] = to.nums;
    let complete = !minor.is_empty() && !patch.is_empty();
    if complete || !to.m.word.is_empty() || !to.m.dev.is_empty() || !to.wild.is_empty() {
        return Ok(vec![lower, Node::Cmp(Op::Le, into_string(high))]);
    }
    // A partial upper version ("- 2" or "- 2.1") includes everything starting with it.
    let position = if minor.is_empty() { 1 } else { 2 };
    let high = [manipulate(&to.nums, position, true), b"-dev".to_vec()].concat();
    Ok(vec![lower, Node::Cmp(Op::Lt, into_string(high))])
}

/// `manipulateVersionString`: zero the numbers after `position`, optionally bump that one.
fn manipulate(nums: &[&[u8]; 4], position: usize, increment: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, num) in nums.iter().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        match (i + 1).cmp(&position) {
            Ordering::Greater => out.push(b'0'),
            Ordering::Equal if increment => out.extend(php_increment(num)),
            _ => out.extend_from_slice(num),
        }
    }
    out
}

/// PHP's `$numericString += 1`: integer arithmetic, switching to a float past `PHP_INT_MAX`.
fn php_increment(digits: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(digits);
    match text.parse::<i64>() {
        Ok(n) if n < i64::MAX => (n + 1).to_string().into_bytes(),
        _ => php_float_string(text.parse::<f64>().unwrap_or(0.0) + 1.0).into_bytes(),
    }
}

/// PHP's float-to-string with `precision=14`, for values too large for an integer.
fn php_float_string(f: f64) -> String {
    if f.is_infinite() {
        return "INF".to_owned();
    }
    let sci = format!("{f:.13e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let mantissa = mantissa.trim_end_matches('0');
    let mantissa = mantissa
        .strip_suffix('.')
        .map_or(mantissa.to_owned(), |m| format!("{m}.0"));
    format!("{mantissa}E+{exponent}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::version::satisfies;

    #[test]
    fn matches_ranges() {
        assert!(satisfies("^1.2", "1.9.0"));
        assert!(!satisfies("^1.2", "2.0.0-beta"));
        assert!(satisfies("~1.2.3", "1.2.9"));
        assert!(!satisfies("~1.2.3", "1.3.0"));
        assert!(satisfies("1.0 - 2.0", "2.0.0"));
        assert!(satisfies(">=1.0 <1.1 || ^3", "3.4"));
        assert!(satisfies("1.2.*", "1.2.0-alpha"));
        assert!(!satisfies("<1.2", "1.2.0-alpha"));
        assert!(satisfies(">=1.0@beta", "1.0.0-beta"));
        assert!(!satisfies(">=1.0@beta", "1.0.0-alpha"));
    }

    #[test]
    fn oversized_numbers_follow_php_arithmetic() {
        assert_eq!(php_increment(b"007"), b"8");
        assert_eq!(
            php_increment(b"9223372036854775807"),
            b"9.2233720368548E+18"
        );
        assert_eq!(php_increment(b"99999999999999999999"), b"1.0E+20");
    }
}
