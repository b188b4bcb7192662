//! `VersionParser::normalize`: classical, date and numeric-branch versions, aliases, flags and
//! build metadata, with Composer's error messages.

use super::pcre::{
    FLAG_WORDS, Modifier, at, at_in, digits_end, dollar, dotted_numbers, into_string, is_space,
    line_end, lossy, modifier, php_trim, run_end, starts_at,
};
use super::stability::expand_stability;
use super::{NormalizedVersion, VersionError};

/// `VersionParser::normalize`: turns a version string into Composer's canonical form.
pub fn normalize(input: &str) -> Result<NormalizedVersion, VersionError> {
    normalize_bytes(input.as_bytes()).map(|v| NormalizedVersion(into_string(v)))
}

pub(super) fn normalize_bytes(input: &[u8]) -> Result<Vec<u8>, VersionError> {
    let full = php_trim(input);
    let version = strip_alias(full).unwrap_or(full);
    let version = strip_stability_flag(version);
    // master/trunk/default were valid constraints in Composer 1, so they stay accepted.
    if matches!(version, b"master" | b"trunk" | b"default") {
        return Ok([b"dev-", version].concat());
    }
    if starts_at(version, 0, b"dev-", true) {
        return Ok([b"dev-", &version[4..]].concat());
    }
    let version = strip_build_metadata(version).unwrap_or(version);
    if let Some(out) = match_classical(version).or_else(|| match_date(version)) {
        return Ok(out);
    }
    if let Some(out) = numeric_branch(version) {
        return Ok(out);
    }
    Err(invalid_version(full, version))
}

/// `^([^,\s]++) ++as ++([^,\s]++)$`: the aliased version of `x as y`.
pub(super) fn strip_alias(s: &[u8]) -> Option<&[u8]> {
    let plain = |c: u8| c != b',' && !is_space(c);
    let a = run_end(s, 0, plain);
    let b = run_end(s, a, |c| c == b' ');
    if a == 0 || b == a || !starts_at(s, b, b"as", false) {
        return None;
    }
    let c = run_end(s, b + 2, |c| c == b' ');
    let d = run_end(s, c, plain);
    (c > b + 2 && d > c && dollar(s, d)).then(|| &s[..a])
}

/// `@(?:stable|RC|beta|alpha|dev)$`/i removed by length, exactly as `substr` does.
fn strip_stability_flag(s: &[u8]) -> &[u8] {
    for (i, &c) in s.iter().enumerate() {
        if c != b'@' {
            continue;
        }
        let word = FLAG_WORDS
            .iter()
            .find(|w| starts_at(s, i + 1, w, true) && dollar(s, i + 1 + w.len()));
        if let Some(w) = word {
            return &s[..s.len().saturating_sub(w.len() + 1)];
        }
    }
    s
}

/// `^([^,\s+]++)\+[^\s]++$`
fn strip_build_metadata(s: &[u8]) -> Option<&[u8]> {
    let a = run_end(s, 0, |c| c != b',' && c != b'+' && !is_space(c));
    if a == 0 || at(s, a) != Some(b'+') {
        return None;
    }
    let b = run_end(s, a + 1, |c| !is_space(c));
    (b > a + 1 && dollar(s, b)).then(|| &s[..a])
}

/// `^v?(\d{1,5}+)(\.\d++)?(\.\d++)?(\.\d++)?MODIFIER$`/i, padded to four numbers.
fn match_classical(s: &[u8]) -> Option<Vec<u8>> {
    let start = usize::from(at_in(s, 0, b"vV"));
    let digits = digits_end(s, start);
    if digits == start {
        return None;
    }
    // Possessive `{1,5}+`: longer runs are left for the date pattern (CalVer majors).
    let major_end = digits.min(start + 5);
    let groups = dotted_numbers(s, major_end, 3);
    for n in (0..=groups.len()).rev() {
        let pos = groups[..n].last().map_or(major_end, |g| g.1);
        let Some(m) = modifier_to_end(s, pos) else {
            continue;
        };
        let mut out = s[start..major_end].to_vec();
        for i in 0..3 {
            match groups[..n].get(i) {
                Some(&(a, b)) => out.extend_from_slice(&s[a - 1..b]),
                None => out.extend_from_slice(b".0"),
            }
        }
        return Some(apply_modifier(out, m));
    }
    None
}

fn modifier_to_end(s: &[u8], pos: usize) -> Option<Modifier<'_>> {
    let mut found = None;
    modifier(s, pos, true, &mut |e, m| {
        let ok = dollar(s, e);
        if ok {
            found = Some(m);
        }
        ok
    });
    found
}

/// `^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2})MODIFIER$`/i, separators become dots.
fn match_date(s: &[u8]) -> Option<Vec<u8>> {
    let start = usize::from(at_in(s, 0, b"vV"));
    if digits_end(s, start) < start + 4 {
        return None;
    }
    let mut found = None;
    date_pairs(s, start + 4, 0, &mut |end| match modifier_to_end(s, end) {
        Some(m) => {
            found = Some((end, m));
            true
        }
        None => false,
    });
    let (end, m) = found?;
    let dotted = s[start..end]
        .iter()
        .map(|&c| if c.is_ascii_digit() { c } else { b'.' })
        .collect();
    Some(apply_modifier(dotted, m))
}

fn two_digits(s: &[u8], i: usize) -> bool {
    digits_end(s, i) >= i + 2
}

/// `(?:[.:-]?\d{2}){1,6}` with greedy backtracking; `count` iterations are already matched.
fn date_pairs(s: &[u8], i: usize, count: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
    if count < 6 {
        if at_in(s, i, b".:-") && two_digits(s, i + 1) && date_pairs(s, i + 3, count + 1, k) {
            return true;
        }
        if two_digits(s, i) && date_pairs(s, i + 2, count + 1, k) {
            return true;
        }
    }
    count >= 1 && date_tail(s, i, 0, k)
}

/// `(?:[.:-]?\d{1,3}){0,2}` with greedy backtracking.
fn date_tail(s: &[u8], i: usize, count: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
    if count < 2 {
        let starts = [at_in(s, i, b".:-").then_some(i + 1), Some(i)];
        for j in starts.into_iter().flatten() {
            let len = (digits_end(s, j) - j).min(3);
            for n in (1..=len).rev() {
                if date_tail(s, j + n, count + 1, k) {
                    return true;
                }
            }
        }
    }
    k(i)
}

/// Appends the modifier part of a matched classical or date version.
fn apply_modifier(mut version: Vec<u8>, m: Modifier<'_>) -> Vec<u8> {
    if !m.word.is_empty() {
        // Case-sensitive in Composer: "-Stable" is kept as "-stable".
        if m.word == b"stable" {
            return version;
        }
        version.push(b'-');
        version.extend(expand_stability(m.word));
        let num_start = m.num.iter().position(|c| !b".-".contains(c));
        version.extend_from_slice(num_start.map_or(&[][..], |i| &m.num[i..]));
    }
    if !m.dev.is_empty() {
        version.extend_from_slice(b"-dev");
    }
    version
}

/// `(.*?)[.-]?dev$`/i then `normalizeBranch`; only numeric branches (`1.x-dev`) are versions.
fn numeric_branch(s: &[u8]) -> Option<Vec<u8>> {
    let normalized = normalize_branch(dev_suffix_stem(s)?);
    (!normalized.windows(4).any(|w| w == b"dev-")).then_some(normalized)
}

/// The capture of the unanchored search `(.*?)[.-]?dev$`/i.
fn dev_suffix_stem(s: &[u8]) -> Option<&[u8]> {
    // `.` stops at newlines, so every start inside a line sees the same candidates as the
    // line's first byte: only line starts need trying.
    let line_starts = std::iter::once(0).chain(
        s.iter()
            .enumerate()
            .filter(|&(_, &c)| c == b'\n')
            .map(|(i, _)| i + 1),
    );
    for start in line_starts {
        for k in start..=line_end(s, start) {
            let sep = at_in(s, k, b".-") && starts_at(s, k + 1, b"dev", true) && dollar(s, k + 4);
            if sep || (starts_at(s, k, b"dev", true) && dollar(s, k + 3)) {
                return Some(&s[start..k]);
            }
        }
    }
    None
}

/// `VersionParser::normalizeBranch`: `1.x` → `1.9999999.9999999.9999999-dev`, else `dev-name`.
fn normalize_branch(name: &[u8]) -> Vec<u8> {
    let name = php_trim(name);
    let Some(parts) = branch_parts(name) else {
        return [b"dev-", name].concat();
    };
    let mut out = Vec::new();
    for part in parts {
        match part {
            Some(p) => out.extend(
                p.iter()
                    .map(|&c| if c == b'*' || c == b'X' { b'x' } else { c }),
            ),
            None => out.extend_from_slice(b".x"),
        }
    }
    let mut expanded = Vec::new();
    for c in out {
        match c {
            b'x' => expanded.extend_from_slice(b"9999999"),
            _ => expanded.push(c),
        }
    }
    expanded.extend_from_slice(b"-dev");
    expanded
}

/// `^v?(\d++)(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?$`/i; `None` entries
/// are unset trailing groups (PHP's `isset` is false for them).
fn branch_parts(s: &[u8]) -> Option<[Option<&[u8]>; 4]> {
    let start = usize::from(at_in(s, 0, b"vV"));
    let digits = digits_end(s, start);
    if digits == start {
        return None;
    }
    let mut parts = [Some(&s[start..digits]), None, None, None];
    let mut i = digits;
    for slot in parts[1..].iter_mut() {
        if at(s, i) != Some(b'.') {
            break;
        }
        let e = match digits_end(s, i + 1) {
            e if e > i + 1 => e,
            _ if at_in(s, i + 1, b"xX*") => i + 2,
            _ => break,
        };
        *slot = Some(&s[i..e]);
        i = e;
    }
    // Dropping trailing groups would leave a '.' before `$`, so only the greedy parse counts.
    dollar(s, i).then_some(parts)
}

fn invalid_version(full: &[u8], version: &[u8]) -> VersionError {
    let shown = lossy(full);
    let extra = if alias_target_is(full, version) {
        format!(" in \"{shown}\", the alias must be an exact version")
    } else if alias_source_is(full, version) {
        format!(
            " in \"{shown}\", the alias source must be an exact version, \
             if it is a branch name you should prefix it with dev-"
        )
    } else {
        String::new()
    };
    VersionError(format!("invalid version string \"{shown}\"{extra}"))
}

/// ` +as +VERSION(?:@(?:stable|RC|beta|alpha|dev))?$` (case-sensitive) somewhere in `full`.
fn alias_target_is(full: &[u8], version: &[u8]) -> bool {
    let tails = std::iter::once(Vec::new()).chain(FLAG_WORDS.iter().map(|w| [b"@", *w].concat()));
    tails.into_iter().any(|tail| {
        let wanted = [version, &tail].concat();
        full.strip_suffix(wanted.as_slice()).is_some_and(|before| {
            let spaces = before.iter().rev().take_while(|&&c| c == b' ').count();
            let head = &before[..before.len() - spaces];
            spaces > 0 && head.strip_suffix(b"as").is_some_and(|h| h.ends_with(b" "))
        })
    })
}

/// `^VERSION(?:@(?:stable|RC|beta|alpha|dev))? +as +` (case-sensitive).
fn alias_source_is(full: &[u8], version: &[u8]) -> bool {
    let Some(rest) = full.strip_prefix(version) else {
        return false;
    };
    let flag_len = FLAG_WORDS
        .iter()
        .find(|w| rest.strip_prefix(b"@").is_some_and(|r| r.starts_with(w)))
        .map_or(0, |w| w.len() + 1);
    [flag_len, 0].into_iter().any(|skip| {
        let r = &rest[skip..];
        let a = run_end(r, 0, |c| c == b' ');
        a > 0 && starts_at(r, a, b"as", false) && at(r, a + 2) == Some(b' ')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(input: &str) -> String {
        match normalize(input) {
            Ok(v) => v.0,
            Err(e) => format!("!{e}"),
        }
    }

    #[test]
    fn normalizes_like_composer() {
        assert_eq!(norm("1.0.0RC1dev"), "1.0.0.0-RC1-dev");
        assert_eq!(norm("v2.1-beta.2+build.5"), "2.1.0.0-beta2");
        assert_eq!(norm("1.0.0-Stable"), "1.0.0.0-stable");
        assert_eq!(norm("master"), "dev-master");
        assert_eq!(norm("2.x-dev"), "2.9999999.9999999.9999999-dev");
        assert_eq!(norm("20230131.0.0"), "20230131.0.0");
        assert_eq!(norm("1.0 as 2.0"), "1.0.0.0");
        assert_eq!(norm("foo"), "!invalid version string \"foo\"");
    }
}
