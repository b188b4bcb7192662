//! Byte-level stand-ins for the PCRE primitives and shared patterns composer/semver relies on
//! (`$modifierRegex`, `$versionRegex`, `$`, `\s`, PHP's `trim`), matched the way PCRE matches them.
//!
//! No /u flag and the C locale: everything is ASCII. Where PCRE would backtrack, the candidates
//! are offered to a callback in PCRE's priority order until one is accepted.

pub(super) fn at(s: &[u8], i: usize) -> Option<u8> {
    s.get(i).copied()
}

pub(super) fn at_in(s: &[u8], i: usize, set: &[u8]) -> bool {
    at(s, i).is_some_and(|c| set.contains(&c))
}

/// PCRE's `\s`.
pub(super) fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r')
}

/// PCRE's `$` without the D modifier: end of subject, or just before a final newline.
pub(super) fn dollar(s: &[u8], i: usize) -> bool {
    i == s.len() || (i + 1 == s.len() && at(s, i) == Some(b'\n'))
}

pub(super) fn run_end(s: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> usize {
    let mut i = from;
    while at(s, i).is_some_and(&pred) {
        i += 1;
    }
    i
}

pub(super) fn digits_end(s: &[u8], from: usize) -> usize {
    run_end(s, from, |c| c.is_ascii_digit())
}

/// Where PCRE's `.*` starting at `from` stops (`.` does not match a newline).
pub(super) fn line_end(s: &[u8], from: usize) -> usize {
    run_end(s, from, |c| c != b'\n')
}

pub(super) fn starts_at(s: &[u8], i: usize, word: &[u8], ci: bool) -> bool {
    s.get(i..i + word.len()).is_some_and(|w| {
        if ci {
            w.eq_ignore_ascii_case(word)
        } else {
            w == word
        }
    })
}

/// PHP's `trim()` default character list (note: no form feed, but NUL).
pub(super) fn php_trim(s: &[u8]) -> &[u8] {
    let strip = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\0' | b'\x0B');
    let start = s.iter().position(|c| !strip(c)).unwrap_or(s.len());
    let end = s.iter().rposition(|c| !strip(c)).map_or(start, |i| i + 1);
    s.get(start..end).unwrap_or_default()
}

pub(super) fn into_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

pub(super) fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---------------------------------------------------------------------------------------------
// `$modifierRegex = '[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?'`
// ---------------------------------------------------------------------------------------------

/// Captures of `$modifierRegex`; an unset group is the empty slice, as PHP reports it.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Modifier<'a> {
    pub(super) word: &'a [u8],
    pub(super) num: &'a [u8],
    pub(super) dev: &'a [u8],
}

/// Alternation order matters: PCRE takes the first alternative that lets the whole match succeed.
const STABILITY_WORDS: [&[u8]; 9] = [
    b"stable", b"beta", b"b", b"RC", b"alpha", b"a", b"patch", b"pl", b"p",
];

/// `$stabilitiesRegex` of the `@flag` suffixes.
pub(super) const FLAG_WORDS: [&[u8]; 5] = [b"stable", b"RC", b"beta", b"alpha", b"dev"];

/// Offers every way `$modifierRegex` matches at `p` to `k`, in PCRE priority order, until `k`
/// accepts one. `ci` is the `/i` flag (one caller uses the pattern case-sensitively).
pub(super) fn modifier<'a>(
    s: &'a [u8],
    p: usize,
    ci: bool,
    k: &mut dyn FnMut(usize, Modifier<'a>) -> bool,
) -> bool {
    (at_in(s, p, b"._-") && modifier_word(s, p + 1, ci, k)) || modifier_word(s, p, ci, k)
}

fn modifier_word<'a>(
    s: &'a [u8],
    q: usize,
    ci: bool,
    k: &mut dyn FnMut(usize, Modifier<'a>) -> bool,
) -> bool {
    for word in STABILITY_WORDS {
        if !starts_at(s, q, word, ci) {
            continue;
        }
        let r = q + word.len();
        let r2 = numeric_suffix_end(s, r);
        let word = &s[q..r];
        let with_num = Modifier {
            word,
            num: &s[r..r2],
            dev: b"",
        };
        if modifier_dev(s, r2, ci, with_num, k) {
            return true;
        }
        let without_num = Modifier {
            word,
            ..Modifier::default()
        };
        if r2 != r && modifier_dev(s, r, ci, without_num, k) {
            return true;
        }
    }
    modifier_dev(s, q, ci, Modifier::default(), k)
}

/// `(?:[.-]?\d+)*+`: possessive, so the greedy scan is the only candidate.
fn numeric_suffix_end(s: &[u8], mut i: usize) -> usize {
    loop {
        let j = if at_in(s, i, b".-") { i + 1 } else { i };
        let e = digits_end(s, j);
        if e == j {
            return i;
        }
        i = e;
    }
}

fn modifier_dev<'a>(
    s: &'a [u8],
    t: usize,
    ci: bool,
    m: Modifier<'a>,
    k: &mut dyn FnMut(usize, Modifier<'a>) -> bool,
) -> bool {
    if at_in(s, t, b".-") && starts_at(s, t + 1, b"dev", ci) {
        let dev = &s[t..t + 4];
        if k(t + 4, Modifier { dev, ..m }) {
            return true;
        }
    }
    if starts_at(s, t, b"dev", ci)
        && k(
            t + 3,
            Modifier {
                dev: &s[t..t + 3],
                ..m
            },
        )
    {
        return true;
    }
    k(t, m)
}

// ---------------------------------------------------------------------------------------------
// `$versionRegex` of parseConstraint:
// `v?(\d++)(?:\.(\d++))?(?:\.(\d++))?(?:\.(\d++))?(?:MODIFIER|\.([xX*][.-]?dev))(?:\+[^\s]+)?` /i
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, Default)]
pub(super) struct VersionCaps<'a> {
    /// Groups 1-4 (the numbers, without dots).
    pub(super) nums: [&'a [u8]; 4],
    /// Groups 5-7.
    pub(super) m: Modifier<'a>,
    /// Group 8, e.g. `x-dev`.
    pub(super) wild: &'a [u8],
    pub(super) end: usize,
}

/// Greedy `(?:\.(\d++))?` repeated up to `max` times: the digit spans of the present groups.
///
/// Backtracking can only drop trailing groups (dropping a middle one lets the next group match
/// the same text at the same place), so callers try `n` present groups for `n` = len..=0.
pub(super) fn dotted_numbers(s: &[u8], mut i: usize, max: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    while out.len() < max && at(s, i) == Some(b'.') {
        let e = digits_end(s, i + 1);
        if e == i + 1 {
            break;
        }
        out.push((i + 1, e));
        i = e;
    }
    out
}

pub(super) fn version_regex<'a>(
    s: &'a [u8],
    p: usize,
    k: &mut dyn FnMut(&VersionCaps<'a>) -> bool,
) -> bool {
    // `v?` backing off would leave `\d` facing the `v`, so only the greedy choice can match.
    let start = if at_in(s, p, b"vV") { p + 1 } else { p };
    let major_end = digits_end(s, start);
    if major_end == start {
        return false;
    }
    let groups = dotted_numbers(s, major_end, 3);
    for n in (0..=groups.len()).rev() {
        let mut caps = VersionCaps::default();
        caps.nums[0] = &s[start..major_end];
        for (slot, &(a, b)) in caps.nums[1..].iter_mut().zip(&groups[..n]) {
            *slot = &s[a..b];
        }
        let pos = groups[..n].last().map_or(major_end, |g| g.1);
        if version_tail(s, pos, caps, k) {
            return true;
        }
    }
    false
}

fn version_tail<'a>(
    s: &'a [u8],
    pos: usize,
    caps: VersionCaps<'a>,
    k: &mut dyn FnMut(&VersionCaps<'a>) -> bool,
) -> bool {
    let with_modifier = modifier(s, pos, true, &mut |e, m| {
        build_metadata(s, e, VersionCaps { m, ..caps }, k)
    });
    with_modifier || wildcard_dev(s, pos, caps, k)
}

/// The `\.([xX*][.-]?dev)` alternative.
fn wildcard_dev<'a>(
    s: &'a [u8],
    pos: usize,
    caps: VersionCaps<'a>,
    k: &mut dyn FnMut(&VersionCaps<'a>) -> bool,
) -> bool {
    if at(s, pos) != Some(b'.') || !at_in(s, pos + 1, b"xX*") {
        return false;
    }
    let t = pos + 2;
    if at_in(s, t, b".-") && starts_at(s, t + 1, b"dev", true) {
        let wild = &s[pos + 1..t + 4];
        if build_metadata(s, t + 4, VersionCaps { wild, ..caps }, k) {
            return true;
        }
    }
    starts_at(s, t, b"dev", true)
        && build_metadata(
            s,
            t + 3,
            VersionCaps {
                wild: &s[pos + 1..t + 3],
                ..caps
            },
            k,
        )
}

/// `(?:\+[^\s]+)?`, greedy, with every shorter metadata run offered as PCRE would backtrack.
fn build_metadata<'a>(
    s: &'a [u8],
    e: usize,
    caps: VersionCaps<'a>,
    k: &mut dyn FnMut(&VersionCaps<'a>) -> bool,
) -> bool {
    if at(s, e) == Some(b'+') {
        let r = run_end(s, e + 1, |c| !is_space(c));
        for end in (e + 2..=r).rev() {
            if k(&VersionCaps { end, ..caps }) {
                return true;
            }
        }
    }
    k(&VersionCaps { end: e, ..caps })
}

/// `$versionRegex` from `p` to the end of the subject (`$` and `($)` behave the same).
pub(super) fn anchored_version(s: &[u8], p: usize) -> Option<VersionCaps<'_>> {
    let mut found = None;
    version_regex(s, p, &mut |caps| {
        let ok = dollar(s, caps.end);
        if ok {
            found = Some(*caps);
        }
        ok
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollar_also_matches_just_before_a_final_newline() {
        assert!(dollar(b"1.0", 3));
        assert!(dollar(b"1.0\n", 3));
        assert!(!dollar(b"1.0\n\n", 3));
        assert!(!dollar(b"1.0", 2));
    }

    #[test]
    fn php_trim_strips_nul_but_keeps_form_feed() {
        assert_eq!(php_trim(b" \t1.0\0\n"), b"1.0");
        assert_eq!(php_trim(b"\x0C1.0"), b"\x0C1.0");
        assert_eq!(php_trim(b"  "), b"");
    }

    #[test]
    fn modifier_offers_the_longest_match_first_and_the_empty_match_last() {
        let mut seen = Vec::new();
        modifier(b"-beta2-dev", 0, true, &mut |end, m| {
            seen.push((end, m.word, m.num, m.dev));
            false
        });
        assert_eq!(
            seen.first(),
            Some(&(10, &b"beta"[..], &b"2"[..], &b"-dev"[..]))
        );
        assert_eq!(seen.last(), Some(&(0, &b""[..], &b""[..], &b""[..])));
    }

    #[test]
    fn modifier_words_are_case_sensitive_without_the_i_flag() {
        let first = |ci: bool| {
            let mut found = None;
            modifier(b"rc1", 0, ci, &mut |end, m| {
                found = Some((end, m.word));
                true
            });
            found
        };
        assert_eq!(first(true), Some((3, &b"rc"[..])));
        assert_eq!(first(false), Some((0, &b""[..])));
    }

    #[test]
    fn version_regex_backtracks_through_shorter_matches_in_pcre_order() {
        let mut ends = Vec::new();
        version_regex(b"1.0+ab", 0, &mut |caps| {
            ends.push(caps.end);
            false
        });
        assert_eq!(ends, [6, 5, 3, 2, 1]);
    }

    #[test]
    fn anchored_version_captures_a_wildcard_dev_suffix() {
        let caps = anchored_version(b"v1.2.x-dev", 0).expect("matches");
        assert_eq!(caps.nums, [&b"1"[..], b"2", b"", b""]);
        assert_eq!(caps.wild, b"x-dev");
        assert_eq!(caps.end, 10);
        assert!(anchored_version(b"1.2 junk", 0).is_none());
    }
}
