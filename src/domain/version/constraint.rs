//! Constraints: `VersionParser::parseConstraints` (splitting on `||`, `,` and spaces, flags,
//! `#refs`, plain comparisons) and matching a version against the parsed tree.

use super::node::{Node, Op, constraint_error};
use super::normalize::{normalize_bytes, strip_alias};
use super::pcre::{
    FLAG_WORDS, at, at_in, dollar, into_string, is_space, line_end, modifier, php_trim, run_end,
    starts_at,
};
use super::range::{caret_range, hyphen_range, match_any, tilde_range, x_range};
use super::stability::{Stability, parse_stability};
use super::{NormalizedVersion, VersionError};
use std::fmt;
use std::str::FromStr;

/// A parsed version constraint (`VersionParser::parseConstraints`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Constraint {
    pretty: String,
    node: Node,
}

impl Constraint {
    /// Parses a constraint such as `^1.2 || >=2.0,<2.5@dev`.
    pub fn parse(input: &str) -> Result<Constraint, VersionError> {
        let mut groups = Vec::new();
        for or_part in split_or(php_trim(input.as_bytes())) {
            let mut nodes = Vec::new();
            for and_part in split_and(or_part) {
                nodes.extend(parse_single(and_part)?);
            }
            groups.push(collapse(nodes, Node::And));
        }
        Ok(Constraint {
            pretty: input.to_owned(),
            node: collapse(groups, Node::Or),
        })
    }

    /// Whether `version` satisfies the constraint (`Semver::satisfies`).
    pub fn matches(&self, version: &NormalizedVersion) -> bool {
        self.node.matches(version.0.as_bytes())
    }

    /// The constraint exactly as it was written.
    pub fn pretty(&self) -> &str {
        &self.pretty
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pretty)
    }
}

impl FromStr for Constraint {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Constraint::parse(s)
    }
}

fn collapse(nodes: Vec<Node>, wrap: fn(Vec<Node>) -> Node) -> Node {
    match <[Node; 1]>::try_from(nodes) {
        Ok([single]) => single,
        Err(nodes) => wrap(nodes),
    }
}

/// `preg_split('{\s*\|\|?\s*}', ...)`
fn split_or(s: &[u8]) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let (mut last, mut p) = (0, 0);
    while p < s.len() {
        let q = run_end(s, p, is_space);
        if at(s, q) != Some(b'|') {
            // Every start inside this whitespace run would fail at the same `q`.
            p = q.max(p + 1);
            continue;
        }
        let r = if at(s, q + 1) == Some(b'|') {
            q + 2
        } else {
            q + 1
        };
        pieces.push(&s[last..p]);
        last = run_end(s, r, is_space);
        p = last;
    }
    pieces.push(&s[last..]);
    pieces
}

/// `preg_split('{(?<!^|as|[=>< ,]) *(?<!-)[, ](?!-) *(?!,|as|$)}', ...)`
fn split_and(s: &[u8]) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let (mut last, mut p) = (0, 0);
    while p <= s.len() {
        match and_separator_at(s, p) {
            Some(end) => {
                pieces.push(&s[last..p]);
                last = end;
                p = end;
            }
            None => p += 1,
        }
    }
    pieces.push(&s[last..]);
    pieces
}

/// End of the AND separator starting at `p`, trying the ` *` runs greedily then shorter.
fn and_separator_at(s: &[u8], p: usize) -> Option<usize> {
    if p == 0 || (p >= 2 && &s[p - 2..p] == b"as") || at_in(s, p - 1, b"=>< ,") {
        return None;
    }
    for q in (p..=run_end(s, p, |c| c == b' ')).rev() {
        let sep_ok = at_in(s, q, b", ") && at(s, q - 1) != Some(b'-') && at(s, q + 1) != Some(b'-');
        if !sep_ok {
            continue;
        }
        for r in (q + 1..=run_end(s, q + 1, |c| c == b' ')).rev() {
            if at(s, r) != Some(b',') && !starts_at(s, r, b"as", false) && !dollar(s, r) {
                return Some(r);
            }
        }
    }
    None
}

/// `parseConstraint`: one AND-ed piece becomes one or two comparisons.
fn parse_single(input: &[u8]) -> Result<Vec<Node>, VersionError> {
    let mut c = strip_alias(input).unwrap_or(input);
    let mut flag = None;
    if let Some((rest, word)) = constraint_stability_flag(c) {
        c = if rest.is_empty() { b"*" } else { rest };
        flag = (word != b"stable").then_some(word);
    }
    // `#refs` only mean something to Composer's installer.
    c = strip_reference(c).unwrap_or(c);
    if let Some(node) = match_any(c) {
        return Ok(vec![node]);
    }
    if let Some(result) = tilde_range(c).or_else(|| caret_range(c)) {
        return result;
    }
    if let Some(nodes) = x_range(c) {
        return Ok(nodes);
    }
    if let Some(result) = hyphen_range(c) {
        return result;
    }
    comparison(c, flag)
}

/// `^([^,\s]*?)@(stable|RC|beta|alpha|dev)$`/i: (constraint, flag word).
fn constraint_stability_flag(s: &[u8]) -> Option<(&[u8], &[u8])> {
    for (k, &c) in s.iter().enumerate() {
        if c == b'@' {
            let word = FLAG_WORDS
                .iter()
                .find(|w| starts_at(s, k + 1, w, true) && dollar(s, k + 1 + w.len()));
            if let Some(w) = word {
                return Some((&s[..k], &s[k + 1..k + 1 + w.len()]));
            }
        }
        if c == b',' || is_space(c) {
            return None;
        }
    }
    None
}

/// `^(dev-[^,\s@]+?|[^,\s@]+?\.x-dev)#.+$`/i: the constraint without its `#ref`.
fn strip_reference(s: &[u8]) -> Option<&[u8]> {
    let class = |c: u8| c != b',' && c != b'@' && !is_space(c);
    let rest_ok = |i: usize| {
        let j = line_end(s, i);
        j > i && dollar(s, j)
    };
    if starts_at(s, 0, b"dev-", true) {
        for k in 5..=s.len() {
            if !class(s[k - 1]) {
                break;
            }
            if at(s, k) == Some(b'#') && rest_ok(k + 1) {
                return Some(&s[..k]);
            }
        }
    }
    for k in 1..=s.len() {
        if !class(s[k - 1]) {
            break;
        }
        if starts_at(s, k, b".x-dev#", true) && rest_ok(k + 7) {
            return Some(&s[..k + 6]);
        }
    }
    None
}

/// The "basic comparators" branch: `^(<>|!=|>=?|<=?|==?)?\s*(.*)`.
fn comparison(c: &[u8], flag: Option<&[u8]>) -> Result<Vec<Node>, VersionError> {
    let (token, op, rest) = Op::TOKENS
        .iter()
        .find_map(|&(t, op)| c.strip_prefix(t).map(|rest| (t, op, rest)))
        .unwrap_or((&b"="[..], Op::Eq, c));
    let rest = &rest[run_end(rest, 0, is_space)..];
    let text = &rest[..line_end(rest, 0)];
    let mut version = comparison_version(c, text)?;
    let is_equality = matches!(token, b"==" | b"=");
    match flag {
        Some(word) if !is_equality && parse_stability(&version) == Stability::Stable => {
            version.push(b'-');
            version.extend_from_slice(word);
        }
        _ if matches!(token, b"<" | b">=") && needs_dev_suffix(text) => {
            version.extend_from_slice(b"-dev");
        }
        _ => {}
    }
    Ok(vec![Node::Cmp(op, into_string(version))])
}

fn comparison_version(constraint: &[u8], text: &[u8]) -> Result<Vec<u8>, VersionError> {
    let err = match normalize_bytes(text) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    // Recover `foobar-dev`, which should have been written `dev-foobar`.
    let branch_char = |c: &u8| c.is_ascii_alphanumeric() || b"-./".contains(c);
    match text.strip_suffix(b"-dev") {
        Some(stem) if text.iter().all(branch_char) => normalize_bytes(&[b"dev-", stem].concat())
            .map_err(|e| constraint_error(constraint, &e.0)),
        _ => Err(constraint_error(constraint, &err.0)),
    }
}

/// `<1.0` and `>=1.0` exclude/include the pre-releases of 1.0 unless a stability was written:
/// `!preg_match('/-MODIFIER$/', strtolower($v))` (case-sensitive, so `-rc` is not seen) and no
/// `dev-` prefix.
fn needs_dev_suffix(text: &[u8]) -> bool {
    let lower = text.to_ascii_lowercase();
    let has_modifier = lower
        .iter()
        .enumerate()
        .any(|(i, &c)| c == b'-' && modifier(&lower, i + 1, false, &mut |e, _| dollar(&lower, e)));
    !has_modifier && !text.starts_with(b"dev-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::version::satisfies;

    #[test]
    fn branches_only_match_themselves() {
        assert!(satisfies("dev-main", "dev-main"));
        assert!(satisfies("dev-main#abc123", "dev-main"));
        assert!(!satisfies(">=1.0", "dev-main"));
        assert!(satisfies("*", "dev-main"));
        assert!(satisfies("!=1.0", "dev-main"));
        assert!(satisfies("feature-dev", "dev-feature"));
        assert!(satisfies("2.x-dev", "2.x-dev"));
    }

    #[test]
    fn rejects_bad_constraints() {
        for bad in [
            "~>1.2",
            "^2.x",
            ">2.0,,<=3.0",
            "|| ^1",
            "1.x - 2.*",
            "",
            "^",
        ] {
            assert!(Constraint::parse(bad).is_err(), "{bad:?}");
        }
        let err = Constraint::parse("~>1.2").expect_err("ruby operator");
        assert!(
            err.to_string()
                .contains("you probably meant to use the \"~\" operator")
        );
    }
}
