//! `package import-git`: publishes a local repository's version tags (and, on request, its
//! branches as dev versions) through the same admin requests as `package publish`, so it works
//! the same with a server running (through its socket) or without.
//!
//! Tags are checked against what is published before anything is archived: `git archive` is not
//! byte-for-byte stable across git versions, and a tag already imported must stay a no-op rather
//! than become a conflict after a git upgrade.

use super::CliError;
use super::git::Repo;
use super::output::print_json;
use crate::domain::text::printable;
use crate::domain::version::{NormalizedVersion, compare, normalize};
use crate::service::ServiceError;
use crate::service::admin::{Admin, PackageShow};
use crate::service::git_publish::GitPublishRequest;
use crate::service::publish::PublishOutcome;
use clap::Args;
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ImportGitArgs {
    /// A local git repository: the folder holding .git, or a bare repository
    pub repo: PathBuf,
    /// Also publish each local branch as a dev version (dev-main, 1.x-dev), replaced when the branch moves
    #[arg(long)]
    pub branches: bool,
    /// Keep running and import again whenever the repository's refs change, until Ctrl-C
    #[arg(long)]
    pub watch: bool,
    /// Also list the refs that were skipped, and why
    #[arg(long, short)]
    pub verbose: bool,
}

/// One scan's result: `imported` holds what this scan published or replaced.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub imported: Vec<Imported>,
    pub skipped: Vec<Skipped>,
    pub failed: Vec<Failed>,
}

#[derive(Debug, Serialize)]
pub struct Imported {
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(flatten)]
    pub outcome: PublishOutcome,
}

#[derive(Debug, Serialize)]
pub struct Skipped {
    #[serde(rename = "ref")]
    pub reference: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct Failed {
    #[serde(rename = "ref")]
    pub reference: String,
    pub error: String,
}

/// A ref worth publishing, with the version it becomes.
struct Candidate {
    refname: String,
    version: String,
    normalized: NormalizedVersion,
    branch: bool,
}

/// One import; `--watch` is `git_watch::run`.
pub fn run(admin: &Admin, args: &ImportGitArgs, json: bool) -> Result<(), CliError> {
    let repo = Repo::open(&args.repo)?;
    let report = scan(admin, &repo, args.branches)?;
    print_report(&report, args.verbose, json);
    match report.failed.len() {
        0 => Ok(()),
        n => Err(CliError::msg(format!("{n} refs were not imported"))),
    }
}

/// Publishes every tag (oldest version first) and, with `branches`, every branch not yet there.
pub fn scan(admin: &Admin, repo: &Repo, branches: bool) -> Result<Report, CliError> {
    let mut report = Report::default();
    let mut candidates = tag_candidates(repo.refs("refs/tags/")?, &mut report);
    if branches {
        candidates.extend(branch_candidates(repo.refs("refs/heads/")?, &mut report));
    }
    let mut published = PublishedVersions::default();
    for candidate in candidates {
        let reference = short(&candidate.refname).to_string();
        match import(admin, repo, &candidate, &mut published) {
            Ok(Some(outcome)) if outcome.status == "unchanged" => report.skipped.push(Skipped {
                reference,
                reason: format!("{} {} is up to date", outcome.name, outcome.version),
            }),
            Ok(Some(outcome)) => report.imported.push(Imported { reference, outcome }),
            Ok(None) => report.skipped.push(Skipped {
                reference,
                reason: format!("version {} is already published", candidate.version),
            }),
            Err(error) => report.failed.push(Failed {
                reference,
                error: error.to_string(),
            }),
        }
    }
    Ok(report)
}

/// Version tags, oldest first. Other tags are reported as skipped, as are tags naming a version
/// an earlier tag already names (`v1.0.0` and `1.0.0`).
fn tag_candidates(refs: Vec<String>, report: &mut Report) -> Vec<Candidate> {
    let mut candidates = Vec::new();
    for refname in refs {
        let name = short(&refname).to_string();
        match normalize(&name) {
            Ok(normalized) if !normalized.is_dev() => candidates.push(Candidate {
                version: name,
                normalized,
                refname,
                branch: false,
            }),
            Ok(_) => skip(report, &name, "a dev version name; tags must name releases"),
            Err(_) => skip(report, &name, "not a Composer version"),
        }
    }
    candidates
        .sort_by(|a, b| compare(&a.normalized, &b.normalized).then(a.refname.cmp(&b.refname)));
    let mut seen = HashSet::new();
    candidates.retain(|c| {
        let first = seen.insert(c.normalized.to_string());
        if !first {
            skip(
                report,
                short(&c.refname),
                "names a version another tag already names",
            );
        }
        first
    });
    candidates
}

fn branch_candidates(refs: Vec<String>, report: &mut Report) -> Vec<Candidate> {
    let mut candidates = Vec::new();
    for refname in refs {
        let name = short(&refname).to_string();
        match branch_version(&name) {
            Some((version, normalized)) => candidates.push(Candidate {
                refname,
                version,
                normalized,
                branch: true,
            }),
            None => skip(
                report,
                &name,
                "no Composer dev version can be made of this branch name",
            ),
        }
    }
    candidates
}

/// Composer's name for a branch: numbered branches (`1.x`, `2.3`) become `1.x-dev`, `2.3.x-dev`;
/// any other branch `name` becomes `dev-name`.
pub fn branch_version(branch: &str) -> Option<(String, NormalizedVersion)> {
    let version = numbered_branch(branch).unwrap_or_else(|| format!("dev-{branch}"));
    let normalized = normalize(&version).ok().filter(|v| v.is_dev())?;
    Some((version, normalized))
}

/// `v?N(.N|.x)*` with at most four parts, as Composer's `normalizeBranch` reads it; every
/// unnumbered part from the first on collapses to one `.x`.
fn numbered_branch(branch: &str) -> Option<String> {
    let digits = branch.strip_prefix(['v', 'V']).unwrap_or(branch);
    let parts: Vec<&str> = digits.split('.').collect();
    let wildcard = |p: &str| matches!(p, "x" | "X" | "*");
    let numeric = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if parts.len() > 4 || !numeric(parts[0]) || !parts.iter().all(|p| numeric(p) || wildcard(p)) {
        return None;
    }
    let mut padded: Vec<&str> = parts;
    padded.resize(4, "x");
    let mut pretty: Vec<&str> = Vec::new();
    for part in padded {
        let collapsed = wildcard(part) && pretty.last().is_some_and(|last| *last == "x");
        if !collapsed {
            pretty.push(if wildcard(part) { "x" } else { part });
        }
    }
    Some(format!("{}-dev", pretty.join(".")))
}

/// Archives and publishes one ref; `None` when a tag's version is already published.
fn import(
    admin: &Admin,
    repo: &Repo,
    candidate: &Candidate,
    published: &mut PublishedVersions,
) -> Result<Option<PublishOutcome>, CliError> {
    let name = package_name(repo, &candidate.refname)?;
    let normalized = candidate.normalized.to_string();
    if !candidate.branch && published.get(admin, &name)?.contains(&normalized) {
        return Ok(None);
    }
    let archive = repo.archive(&candidate.refname)?;
    let request = GitPublishRequest {
        path: archive.path().to_path_buf(),
        version: candidate.version.clone(),
        released_at: repo.commit_time(&candidate.refname)?,
        reference: format!("{} {}", repo.path().display(), short(&candidate.refname)),
        branch: candidate.branch,
    };
    let outcome = admin.call(request)?;
    published.get(admin, &name)?.insert(normalized);
    Ok(Some(outcome))
}

/// The package a ref holds, from the composer.json at its root.
fn package_name(repo: &Repo, refname: &str) -> Result<String, CliError> {
    let bytes = repo
        .file(refname, "composer.json")?
        .ok_or_else(|| CliError::msg("no composer.json at the root of this ref"))?;
    let manifest: Value = serde_json::from_slice(&bytes)
        .map_err(|e| CliError::msg(format!("composer.json is not valid JSON: {e}")))?;
    manifest["name"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| CliError::msg("composer.json has no \"name\""))
}

/// Normalized versions already published, per package, asked once per package and scan.
#[derive(Default)]
struct PublishedVersions(HashMap<String, HashSet<String>>);

impl PublishedVersions {
    fn get(&mut self, admin: &Admin, name: &str) -> Result<&mut HashSet<String>, CliError> {
        if !self.0.contains_key(name) {
            let versions = match admin.call(PackageShow { name: name.into() }) {
                Ok(shown) => shown
                    .versions
                    .into_iter()
                    .map(|v| v.version_normalized)
                    .collect(),
                Err(ServiceError::NotFound(_)) => HashSet::new(),
                Err(error) => return Err(error.into()),
            };
            self.0.insert(name.to_string(), versions);
        }
        Ok(self.0.entry(name.to_string()).or_default())
    }
}

fn skip(report: &mut Report, reference: &str, reason: &str) {
    report.skipped.push(Skipped {
        reference: reference.to_string(),
        reason: reason.to_string(),
    });
}

fn short(refname: &str) -> &str {
    refname
        .strip_prefix("refs/tags/")
        .or_else(|| refname.strip_prefix("refs/heads/"))
        .unwrap_or(refname)
}

/// One line per import on stdout (or the report as JSON); failures on stderr.
pub fn print_report(report: &Report, verbose: bool, json: bool) {
    for failed in &report.failed {
        eprintln!(
            "{}: {}",
            printable(&failed.reference),
            printable(&failed.error)
        );
    }
    if json {
        print_json(report);
        return;
    }
    for imported in &report.imported {
        let o = &imported.outcome;
        println!(
            "{} {} {} (from {})",
            o.name,
            printable(&o.version),
            o.status,
            printable(&imported.reference)
        );
        for warning in &o.warnings {
            eprintln!(
                "warning: {} {}: {}",
                o.name,
                printable(&o.version),
                printable(warning)
            );
        }
    }
    if verbose {
        for skipped in &report.skipped {
            println!("skipped {}: {}", skipped.reference, skipped.reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(branch: &str) -> Option<String> {
        branch_version(branch).map(|(v, _)| v)
    }

    #[test]
    fn branches_get_composer_dev_version_names() {
        assert_eq!(version("main").as_deref(), Some("dev-main"));
        assert_eq!(
            version("feature/login").as_deref(),
            Some("dev-feature/login")
        );
        assert_eq!(version("1.x").as_deref(), Some("1.x-dev"));
        assert_eq!(version("v2.x").as_deref(), Some("2.x-dev"));
        assert_eq!(version("2.3").as_deref(), Some("2.3.x-dev"));
        assert_eq!(version("1").as_deref(), Some("1.x-dev"));
    }

    #[test]
    fn numbered_branch_versions_normalize_like_composer() {
        let normalized = |b: &str| branch_version(b).unwrap().1.to_string();
        assert_eq!(normalized("1.x"), "1.9999999.9999999.9999999-dev");
        assert_eq!(normalized("2.3"), "2.3.9999999.9999999-dev");
        assert_eq!(normalized("main"), "dev-main");
    }
}
