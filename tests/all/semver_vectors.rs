//! Runs composer/semver's own test vectors (tests/fixtures/semver/*.tsv) against the port.
//! Every row must pass; failures are collected so one run shows all of them.

use std::fs;
use std::path::PathBuf;

use packagento::domain::version::{Constraint, normalize};

fn fixture(name: &str) -> String {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "semver",
        name,
    ]
    .iter()
    .collect();
    fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("missing test vectors {}: {e}", path.display()))
}

/// Data rows (header dropped), split on TABs without trimming anything.
fn rows(text: &str, columns: usize) -> Vec<(usize, Vec<String>)> {
    let rows: Vec<_> = text
        .split('\n')
        .enumerate()
        .skip(1)
        .filter(|(_, line)| !line.is_empty())
        .map(|(i, line)| (i + 1, line.split('\t').map(unescape).collect::<Vec<_>>()))
        .collect();
    assert!(!rows.is_empty(), "no test vectors found");
    for (line, fields) in &rows {
        assert_eq!(
            fields.len(),
            columns,
            "line {line}: expected {columns} fields, got {fields:?}"
        );
    }
    rows
}

/// The vector files write a TAB as `\t` and a backslash as `\\`.
fn unescape(field: &str) -> String {
    let mut out = String::new();
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some('t')) => {
                out.push('\t');
                chars.next();
            }
            ('\\', Some('\\')) => {
                out.push('\\');
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

fn report(kind: &str, total: usize, failures: &[String]) {
    for failure in failures {
        eprintln!("FAIL {failure}");
    }
    eprintln!("{kind}: {} of {total} rows pass", total - failures.len());
    assert!(
        failures.is_empty(),
        "{} of {total} {kind} vectors failed",
        failures.len()
    );
}

#[test]
fn version_normalize_vectors() {
    let rows = rows(&fixture("version-normalize.tsv"), 3);
    let mut failures = Vec::new();
    for (line, f) in &rows {
        let (input, expected, case) = (&f[0], &f[1], &f[2]);
        let got = normalize(input);
        let ok = match (expected.as_str(), &got) {
            ("!error", Err(_)) => true,
            (want, Ok(v)) => v.as_str() == want,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "line {line} [{case}] normalize({input:?}): want {expected:?}, got {got:?}"
            ));
        }
    }
    report("version-normalize", rows.len(), &failures);
}

#[test]
fn constraint_vectors() {
    let rows = rows(&fixture("constraints.tsv"), 4);
    let mut failures = Vec::new();
    for (line, f) in &rows {
        let (constraint, version, expected, case) = (&f[0], &f[1], &f[2], &f[3]);
        let parsed = Constraint::parse(constraint);
        let outcome = match (expected.as_str(), parsed) {
            ("!error", Err(_)) => Ok(()),
            ("!error", Ok(c)) => Err(format!("parsed as {c:?}, want an error")),
            (_, Err(e)) => Err(format!("parse error: {e}")),
            (want, Ok(c)) => match normalize(version) {
                Err(e) => Err(format!("version does not normalize: {e}")),
                Ok(v) if c.matches(&v).to_string() == want => Ok(()),
                Ok(v) => Err(format!(
                    "matches({v}) = {}, want {want}; parsed {c:?}",
                    c.matches(&v)
                )),
            },
        };
        if let Err(why) = outcome {
            failures.push(format!(
                "line {line} [{case}] {constraint:?} vs {version:?}: {why}"
            ));
        }
    }
    report("constraints", rows.len(), &failures);
}
