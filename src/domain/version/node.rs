//! A constraint's compiled form: comparisons joined by AND and OR, and how a version matches it.
//! Shared by the constraint parser and the range shorthands (`~`, `^`, `*`, hyphens).

use super::VersionError;
use super::compare::php_version_compare;
use super::pcre::lossy;
use std::cmp::Ordering;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    /// Composer accepts these spellings; the order matters because `<` is a prefix of `<>`/`<=`.
    pub(super) const TOKENS: [(&'static [u8], Op); 8] = [
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
pub(super) enum Node {
    Any,
    Cmp(Op, String),
    And(Vec<Node>),
    Or(Vec<Node>),
}

impl Node {
    pub(super) fn matches(&self, version: &[u8]) -> bool {
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
pub(super) fn constraint_error(constraint: &[u8], why: &str) -> VersionError {
    VersionError(format!(
        "could not parse version constraint {}: {why}",
        lossy(constraint)
    ))
}
