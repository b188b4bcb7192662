//! One walk over the download events, newest first, for any number of advisories at once.
//!
//! The events are read a page at a time, and what is kept is one state per (token, package) pair
//! whose package has an advisory: never the events themselves. Walking newest first means the
//! first affected event met for a pair is the latest, and every event already met is later in
//! time, which is what deciding "resolved" needs.

use crate::domain::advisory::Advisory;
use crate::domain::names::{ProjectSlug, PublicKey};
use crate::domain::records::{DownloadEvent, DownloadKind, Token};
use crate::domain::version::{NormalizedVersion, compare, normalize};
use crate::service::{App, Result};
use std::cmp::Ordering;
use std::collections::HashMap;

/// Whose downloads these are: a stored token (by its index in the token list), or a key no token
/// has any more, with the project its events named.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Holder {
    Token(usize),
    Gone {
        key: PublicKey,
        project: ProjectSlug,
    },
}

/// One version as an event carried it and as Composer orders it.
#[derive(Clone, Debug)]
pub(super) struct Seen {
    pub pretty: String,
    normalized: NormalizedVersion,
    pub at_micros: i64,
    pub kind: DownloadKind,
}

/// What a holder's events say about one advisory.
#[derive(Clone, Debug)]
pub(super) struct Hit {
    /// The latest event with an affected version.
    pub last: Seen,
    /// Every affected version met, each once.
    pub versions: Vec<Seen>,
    /// The most recent later event with a newer version the advisory does not cover.
    pub fix: Option<Seen>,
}

impl Hit {
    /// Affected versions in Composer's order, lowest first.
    pub fn versions_in_order(&self) -> Vec<String> {
        let mut versions: Vec<&Seen> = self.versions.iter().collect();
        versions.sort_by(|a, b| compare(&a.normalized, &b.normalized));
        versions.into_iter().map(|v| v.pretty.clone()).collect()
    }
}

/// One (holder, package) pair while the walk goes on.
struct Pair {
    /// Distinct versions met so far (so later than the event at hand), most recent first; only
    /// kept while some advisory of the package has not met its latest affected event yet.
    later: Vec<Seen>,
    /// One per advisory of the package, in the order `Scan::by_package` lists them.
    hits: Vec<Option<Hit>>,
}

/// Every holder's hit for each advisory: `findings[i]` belongs to `advisories[i]`.
pub(super) type Findings = Vec<Vec<(Holder, Hit)>>;

/// Walks every download event once and answers for every advisory given.
pub(super) fn scan(app: &App, tokens: &[Token], advisories: &[Advisory]) -> Result<Findings> {
    let mut by_package: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, advisory) in advisories.iter().enumerate() {
        by_package
            .entry(advisory.package.as_str())
            .or_default()
            .push(index);
    }
    let by_key: HashMap<&PublicKey, usize> = tokens
        .iter()
        .enumerate()
        .flat_map(|(index, token)| token.all_keys().map(move |key| (key, index)))
        .collect();
    let mut pairs: HashMap<(Holder, String), Pair> = HashMap::new();
    for event in app.store().downloads_newest_first(usize::MAX)? {
        let event = event?;
        let Some(indices) = by_package.get(event.package.as_str()) else {
            continue;
        };
        // A version that does not parse cannot be matched against a constraint.
        let Ok(normalized) = normalize(&event.version) else {
            continue;
        };
        let holder = holder(&by_key, &event);
        let pair = pairs
            .entry((holder, event.package.clone()))
            .or_insert_with(|| Pair {
                later: Vec::new(),
                hits: vec![None; indices.len()],
            });
        note(pair, indices, advisories, sighting(&event, normalized));
    }
    Ok(findings(pairs, &by_package, advisories.len()))
}

fn holder(by_key: &HashMap<&PublicKey, usize>, event: &DownloadEvent) -> Holder {
    match by_key.get(&event.public_key) {
        Some(index) => Holder::Token(*index),
        None => Holder::Gone {
            key: event.public_key.clone(),
            project: event.project.clone(),
        },
    }
}

/// Each pair's hits filed under the advisory they belong to.
fn findings(
    pairs: HashMap<(Holder, String), Pair>,
    by_package: &HashMap<&str, Vec<usize>>,
    advisories: usize,
) -> Findings {
    let mut findings: Findings = vec![Vec::new(); advisories];
    for ((holder, package), pair) in pairs {
        let Some(indices) = by_package.get(package.as_str()) else {
            continue;
        };
        for (hit, &index) in pair.hits.into_iter().zip(indices) {
            if let (Some(hit), Some(found)) = (hit, findings.get_mut(index)) {
                found.push((holder.clone(), hit));
            }
        }
    }
    findings
}

fn sighting(event: &DownloadEvent, normalized: NormalizedVersion) -> Seen {
    Seen {
        pretty: event.version.clone(),
        normalized,
        at_micros: event.at_micros,
        kind: event.kind,
    }
}

/// Takes one event of the pair, older than every event taken before it.
fn note(pair: &mut Pair, indices: &[usize], advisories: &[Advisory], seen: Seen) {
    for (slot, &index) in indices.iter().enumerate() {
        let advisory = &advisories[index];
        if !advisory.affects(&seen.normalized) {
            continue;
        }
        let hit = pair.hits[slot].get_or_insert_with(|| Hit {
            last: seen.clone(),
            versions: Vec::new(),
            fix: fixed_later(&pair.later, advisory, &seen),
        });
        if !hit.versions.iter().any(|v| v.normalized == seen.normalized) {
            hit.versions.push(seen.clone());
        }
    }
    if pair.hits.iter().all(Option::is_some) {
        // Older events cannot change a decision already taken on the latest affected one.
        pair.later = Vec::new();
    } else if !pair.later.iter().any(|v| v.normalized == seen.normalized) {
        pair.later.push(seen);
    }
}

fn fixed_later(later: &[Seen], advisory: &Advisory, affected: &Seen) -> Option<Seen> {
    later
        .iter()
        .find(|v| {
            !advisory.affects(&v.normalized)
                && compare(&v.normalized, &affected.normalized) == Ordering::Greater
        })
        .cloned()
}
