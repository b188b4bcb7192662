//! Ordering versions: PHP's `version_compare` (ext/standard/versioning.c) and Composer's total
//! order built on it.

use super::NormalizedVersion;
use super::pcre::at;
use std::cmp::Ordering;

/// Composer's ordering of normalised versions: PHP's `version_compare` (so `1.0.0.0-RC1` sorts
/// before `1.0.0.0`), with `dev-*` branches below every numeric version.
///
/// `version_compare` calls some distinct strings equal (e.g. `01.0.0.0` and `1.0.0.0`, or two
/// branch names); those ties are broken bytewise, so this is a total order consistent with `==`.
pub fn compare(a: &NormalizedVersion, b: &NormalizedVersion) -> Ordering {
    let (x, y) = (a.0.as_bytes(), b.0.as_bytes());
    let (x_branch, y_branch) = (x.starts_with(b"dev-"), y.starts_with(b"dev-"));
    y_branch
        .cmp(&x_branch)
        .then_with(|| php_version_compare(x, y))
        .then_with(|| x.cmp(y))
}

/// `php_canonicalize_version`: separators become dots, dots go between digits and letters.
fn canonicalize(v: &[u8]) -> Vec<u8> {
    let Some((&first, rest)) = v.split_first() else {
        return Vec::new();
    };
    let is_dig = |c: u8| c.is_ascii_digit();
    let is_ndig = |c: u8| !c.is_ascii_digit() && c != b'.';
    let mut out = vec![first];
    let mut lp = first;
    for &c in rest {
        let needs_dot = out.last() != Some(&b'.');
        if matches!(c, b'-' | b'_' | b'+') {
            if needs_dot {
                out.push(b'.');
            }
        } else if (is_ndig(lp) && is_dig(c)) || (is_dig(lp) && is_ndig(c)) {
            if needs_dot {
                out.push(b'.');
            }
            out.push(c);
        } else if !c.is_ascii_alphanumeric() {
            if needs_dot {
                out.push(b'.');
            }
        } else {
            out.push(c);
        }
        lp = c;
    }
    out
}

/// The order of PHP's special version forms; anything else is below "dev".
fn special_form(part: &[u8]) -> i32 {
    const FORMS: [(&[u8], i32); 10] = [
        (b"dev", 0),
        (b"alpha", 1),
        (b"a", 1),
        (b"beta", 2),
        (b"b", 2),
        (b"RC", 3),
        (b"rc", 3),
        (b"#", 4),
        (b"pl", 5),
        (b"p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| part.starts_with(name))
        .map_or(-1, |&(_, order)| order)
}

/// `strtol` on a part that starts with a digit (saturating like `LONG_MAX`).
fn strtol(part: &[u8]) -> i64 {
    part.iter()
        .take_while(|c| c.is_ascii_digit())
        .fold(0i64, |acc, &c| {
            acc.saturating_mul(10).saturating_add(i64::from(c - b'0'))
        })
}

fn compare_part(a: &[u8], b: &[u8]) -> Ordering {
    let da = a.first().is_some_and(u8::is_ascii_digit);
    let db = b.first().is_some_and(u8::is_ascii_digit);
    match (da, db) {
        (true, true) => strtol(a).cmp(&strtol(b)),
        (false, false) => special_form(a).cmp(&special_form(b)),
        (true, false) => special_form(b"#N#").cmp(&special_form(b)),
        (false, true) => special_form(a).cmp(&special_form(b"#N#")),
    }
}

/// `php_version_compare`, with its tail recursion turned into a loop.
pub(super) fn php_version_compare(a: &[u8], b: &[u8]) -> Ordering {
    // PHP hands C strings to this code: anything after a NUL byte is invisible.
    let c_str = |s: &[u8]| s[..s.iter().position(|&c| c == 0).unwrap_or(s.len())].to_vec();
    let (mut a, mut b) = (c_str(a), c_str(b));
    loop {
        if a.is_empty() || b.is_empty() {
            return (!a.is_empty()).cmp(&!b.is_empty());
        }
        let prepare = |v: Vec<u8>| {
            if v.first() == Some(&b'#') {
                v
            } else {
                canonicalize(&v)
            }
        };
        match compare_canonical(&prepare(a), &prepare(b)) {
            Step::Done(ord) => return ord,
            Step::Again(x, y) => (a, b) = (x, y),
        }
    }
}

enum Step {
    Done(Ordering),
    Again(Vec<u8>, Vec<u8>),
}

fn compare_canonical(v1: &[u8], v2: &[u8]) -> Step {
    let (mut p1, mut p2) = (0, 0);
    let (mut more1, mut more2) = (true, true);
    while p1 < v1.len() && p2 < v2.len() && more1 && more2 {
        let n1 = v1[p1..].iter().position(|&c| c == b'.').map(|i| p1 + i);
        let n2 = v2[p2..].iter().position(|&c| c == b'.').map(|i| p2 + i);
        let ord = compare_part(
            &v1[p1..n1.unwrap_or(v1.len())],
            &v2[p2..n2.unwrap_or(v2.len())],
        );
        if ord != Ordering::Equal {
            return Step::Done(ord);
        }
        (more1, more2) = (n1.is_some(), n2.is_some());
        p1 = n1.map_or(p1, |n| n + 1);
        p2 = n2.map_or(p2, |n| n + 1);
    }
    // One side ran out: a remaining number wins, a remaining word is compared to "#N#".
    if more1 {
        if at(v1, p1).is_some_and(|c| c.is_ascii_digit()) {
            return Step::Done(Ordering::Greater);
        }
        return Step::Again(v1[p1..].to_vec(), b"#N#".to_vec());
    }
    if more2 {
        if at(v2, p2).is_some_and(|c| c.is_ascii_digit()) {
            return Step::Done(Ordering::Less);
        }
        return Step::Again(b"#N#".to_vec(), v2[p2..].to_vec());
    }
    Step::Done(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::version::normalize;

    #[test]
    fn php_version_compare_orders_special_forms() {
        let order = [
            "1.0-dev",
            "1.0-alpha1",
            "1.0-beta",
            "1.0-RC1",
            "1.0",
            "1.0-patch1",
        ];
        for pair in order.windows(2) {
            let (a, b) = (pair[0].as_bytes(), pair[1].as_bytes());
            assert_eq!(php_version_compare(a, b), Ordering::Less, "{pair:?}");
            assert_eq!(php_version_compare(b, a), Ordering::Greater, "{pair:?}");
        }
        // A patch level sorts above the next release number, as in PHP.
        assert_eq!(
            php_version_compare(b"1.0-patch1", b"1.0.1"),
            Ordering::Greater
        );
        assert_eq!(php_version_compare(b"1.0.0", b"1.0.0.0"), Ordering::Less);
        assert_eq!(php_version_compare(b"01.0", b"1.0"), Ordering::Equal);
    }

    #[test]
    fn compare_puts_branches_last_and_is_total() {
        let v = |s: &str| normalize(s).expect("valid");
        assert_eq!(compare(&v("1.0.0-RC1"), &v("1.0.0")), Ordering::Less);
        assert_eq!(compare(&v("dev-main"), &v("0.0.1")), Ordering::Less);
        assert_eq!(compare(&v("2.0"), &v("1.x-dev")), Ordering::Greater);
        assert_eq!(compare(&v("dev-a"), &v("dev-b")), Ordering::Less);
        assert_eq!(compare(&v("1.0"), &v("1.0.0")), Ordering::Equal);
    }
}
