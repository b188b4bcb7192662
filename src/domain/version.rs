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

use std::cmp::Ordering;
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

/// Stability levels, ordered as Composer orders them (dev is the least stable).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stability {
    Dev,
    Alpha,
    Beta,
    RC,
    Stable,
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

/// `VersionParser::normalize`: turns a version string into Composer's canonical form.
pub fn normalize(input: &str) -> Result<NormalizedVersion, VersionError> {
    normalize_bytes(input.as_bytes()).map(|v| NormalizedVersion(into_string(v)))
}

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    /// Composer accepts these spellings; the order matters because `<` is a prefix of `<>`/`<=`.
    const TOKENS: [(&'static [u8], Op); 8] = [
        (b"<>", Op::Ne),
        (b"!=", Op::Ne),
        (b">=", Op::Ge),
        (b">", Op::Gt),
        (b"<=", Op::Le),
        (b"<", Op::Lt),
        (b"==", Op::Eq),
        (b"=", Op::Eq),
    ];

    fn holds(self, ord: Ordering) -> bool {
        match self {
            Op::Eq => ord == Ordering::Equal,
            Op::Ne => ord != Ordering::Equal,
            Op::Lt => ord == Ordering::Less,
            Op::Le => ord != Ordering::Greater,
            Op::Gt => ord == Ordering::Greater,
            Op::Ge => ord != Ordering::Less,
        }
    }
}

/// Composer's constraint tree; `MultiConstraint::create`'s optimisations are not reproduced
/// because they never change which versions match.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    Any,
    Cmp(Op, String),
    And(Vec<Node>),
    Or(Vec<Node>),
}

impl Node {
    fn matches(&self, version: &[u8]) -> bool {
        match self {
            Node::Any => true,
            // With a `==` provider, `matchSpecific` reduces to this single comparison (its
            // "special case" can only fire when the comparison already failed).
            Node::Cmp(op, bound) => branch_aware_compare(version, bound.as_bytes(), *op),
            Node::And(nodes) => nodes.iter().all(|n| n.matches(version)),
            Node::Or(nodes) => nodes.iter().any(|n| n.matches(version)),
        }
    }
}

fn collapse(nodes: Vec<Node>, wrap: fn(Vec<Node>) -> Node) -> Node {
    match <[Node; 1]>::try_from(nodes) {
        Ok([single]) => single,
        Err(nodes) => wrap(nodes),
    }
}

/// `Constraint::versionCompare` with `$compareBranches = false`: branches only equal themselves.
fn branch_aware_compare(a: &[u8], b: &[u8], op: Op) -> bool {
    let (a_branch, b_branch) = (a.starts_with(b"dev-"), b.starts_with(b"dev-"));
    if op == Op::Ne && (a_branch || b_branch) {
        return a != b;
    }
    if a_branch && b_branch {
        return op == Op::Eq && a == b;
    }
    if a_branch || b_branch {
        return false;
    }
    op.holds(php_version_compare(a, b))
}

// ---------------------------------------------------------------------------------------------
// Byte-level helpers mirroring PCRE/PHP primitives (no /u flag, C locale: everything is ASCII).
// ---------------------------------------------------------------------------------------------

fn at(s: &[u8], i: usize) -> Option<u8> {
    s.get(i).copied()
}

fn at_in(s: &[u8], i: usize, set: &[u8]) -> bool {
    at(s, i).is_some_and(|c| set.contains(&c))
}

/// PCRE's `\s`.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r')
}

/// PCRE's `$` without the D modifier: end of subject, or just before a final newline.
fn dollar(s: &[u8], i: usize) -> bool {
    i == s.len() || (i + 1 == s.len() && at(s, i) == Some(b'\n'))
}

fn run_end(s: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> usize {
    let mut i = from;
    while at(s, i).is_some_and(&pred) {
        i += 1;
    }
    i
}

fn digits_end(s: &[u8], from: usize) -> usize {
    run_end(s, from, |c| c.is_ascii_digit())
}

/// Where PCRE's `.*` starting at `from` stops (`.` does not match a newline).
fn line_end(s: &[u8], from: usize) -> usize {
    run_end(s, from, |c| c != b'\n')
}

fn starts_at(s: &[u8], i: usize, word: &[u8], ci: bool) -> bool {
    s.get(i..i + word.len()).is_some_and(|w| {
        if ci {
            w.eq_ignore_ascii_case(word)
        } else {
            w == word
        }
    })
}

/// PHP's `trim()` default character list (note: no form feed, but NUL).
fn php_trim(s: &[u8]) -> &[u8] {
    let strip = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\0' | b'\x0B');
    let start = s.iter().position(|c| !strip(c)).unwrap_or(s.len());
    let end = s.iter().rposition(|c| !strip(c)).map_or(start, |i| i + 1);
    s.get(start..end).unwrap_or_default()
}

fn into_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---------------------------------------------------------------------------------------------
// `$modifierRegex = '[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?'`
// ---------------------------------------------------------------------------------------------

/// Captures of `$modifierRegex`; an unset group is the empty slice, as PHP reports it.
#[derive(Clone, Copy, Debug, Default)]
struct Modifier<'a> {
    word: &'a [u8],
    num: &'a [u8],
    dev: &'a [u8],
}

/// Alternation order matters: PCRE takes the first alternative that lets the whole match succeed.
const STABILITY_WORDS: [&[u8]; 9] = [
    b"stable", b"beta", b"b", b"RC", b"alpha", b"a", b"patch", b"pl", b"p",
];

/// `$stabilitiesRegex` of the `@flag` suffixes.
const FLAG_WORDS: [&[u8]; 5] = [b"stable", b"RC", b"beta", b"alpha", b"dev"];

/// Offers every way `$modifierRegex` matches at `p` to `k`, in PCRE priority order, until `k`
/// accepts one. `ci` is the `/i` flag (one caller uses the pattern case-sensitively).
fn modifier<'a>(
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

/// Composer's long stability names (`expandStability`).
fn expand_stability(word: &[u8]) -> Vec<u8> {
    let lower = word.to_ascii_lowercase();
    match lower.as_slice() {
        b"a" => b"alpha".to_vec(),
        b"b" => b"beta".to_vec(),
        b"p" | b"pl" => b"patch".to_vec(),
        b"rc" => b"RC".to_vec(),
        _ => lower,
    }
}

// ---------------------------------------------------------------------------------------------
// `$versionRegex` of parseConstraint:
// `v?(\d++)(?:\.(\d++))?(?:\.(\d++))?(?:\.(\d++))?(?:MODIFIER|\.([xX*][.-]?dev))(?:\+[^\s]+)?` /i
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, Default)]
struct VersionCaps<'a> {
    /// Groups 1-4 (the numbers, without dots).
    nums: [&'a [u8]; 4],
    /// Groups 5-7.
    m: Modifier<'a>,
    /// Group 8, e.g. `x-dev`.
    wild: &'a [u8],
    end: usize,
}

/// Greedy `(?:\.(\d++))?` repeated up to `max` times: the digit spans of the present groups.
///
/// Backtracking can only drop trailing groups (dropping a middle one lets the next group match
/// the same text at the same place), so callers try `n` present groups for `n` = len..=0.
fn dotted_numbers(s: &[u8], mut i: usize, max: usize) -> Vec<(usize, usize)> {
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

fn version_regex<'a>(s: &'a [u8], p: usize, k: &mut dyn FnMut(&VersionCaps<'a>) -> bool) -> bool {
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
fn anchored_version(s: &[u8], p: usize) -> Option<VersionCaps<'_>> {
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

// ---------------------------------------------------------------------------------------------
// VersionParser::normalize
// ---------------------------------------------------------------------------------------------

fn normalize_bytes(input: &[u8]) -> Result<Vec<u8>, VersionError> {
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
fn strip_alias(s: &[u8]) -> Option<&[u8]> {
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

// ---------------------------------------------------------------------------------------------
// VersionParser::parseStability
// ---------------------------------------------------------------------------------------------

fn parse_stability(version: &[u8]) -> Stability {
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

// ---------------------------------------------------------------------------------------------
// VersionParser::parseConstraints / parseConstraint
// ---------------------------------------------------------------------------------------------

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

fn constraint_error(constraint: &[u8], why: &str) -> VersionError {
    VersionError(format!(
        "could not parse version constraint {}: {why}",
        lossy(constraint)
    ))
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

/// `^(v)?[xX*](\.[xX*])*$`/i: a bare `*` matches anything, `v*`/`*.*` require a version.
fn match_any(s: &[u8]) -> Option<Node> {
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
fn tilde_range(c: &[u8]) -> Option<Result<Vec<Node>, VersionError>> {
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
fn caret_range(c: &[u8]) -> Option<Result<Vec<Node>, VersionError>> {
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
fn x_range(c: &[u8]) -> Option<Vec<Node>> {
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
fn hyphen_range(c: &[u8]) -> Option<Result<Vec<Node>, VersionError>> {
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

// ---------------------------------------------------------------------------------------------
// PHP's version_compare (ext/standard/versioning.c)
// ---------------------------------------------------------------------------------------------

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
fn php_version_compare(a: &[u8], b: &[u8]) -> Ordering {
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

    fn norm(input: &str) -> String {
        match normalize(input) {
            Ok(v) => v.0,
            Err(e) => format!("!{e}"),
        }
    }

    fn satisfies(constraint: &str, version: &str) -> bool {
        let parsed = Constraint::parse(constraint).expect("constraint parses");
        parsed.matches(&normalize(version).expect("version normalizes"))
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

    #[test]
    fn oversized_numbers_follow_php_arithmetic() {
        assert_eq!(php_increment(b"007"), b"8");
        assert_eq!(
            php_increment(b"9223372036854775807"),
            b"9.2233720368548E+18"
        );
        assert_eq!(php_increment(b"99999999999999999999"), b"1.0E+20");
    }

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
