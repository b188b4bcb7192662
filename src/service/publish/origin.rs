//! Where a release comes from. Every way in (the operator's CLI or TUI, a CI upload, the inbox
//! folder, a git import) runs the same publish; the origin alone decides what differs: who may
//! publish what, whether a version already there may change, and what the publish log says.

use crate::domain::audit::{Actor, AuditRecord};
use crate::domain::names::PackageName;
use crate::domain::publisher::PublisherToken;
use crate::domain::records::Release;
use crate::service::{Result, ServiceError, audit};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub enum Origin {
    /// The operator (`package publish`, the TUI), in this process or through the admin socket.
    Cli { file: PathBuf },
    /// `POST /api/publish`, authenticated with a publisher token.
    Upload { publisher: PublisherToken },
    /// A zip dropped into the inbox folder, by its name there.
    Inbox { file: String },
    /// An archive `git archive` made of a ref: `reference` names the repository and the ref.
    Git { reference: String, branch: bool },
}

impl Origin {
    /// The operator may publish anything; a publisher token only what its patterns name.
    pub fn check_allowed(&self, name: &PackageName) -> Result<()> {
        match self {
            Origin::Upload { publisher } if !publisher.may_publish(name) => Err(
                ServiceError::Forbidden(format!("this publisher token may not publish {name}")),
            ),
            Origin::Cli { .. }
            | Origin::Upload { .. }
            | Origin::Inbox { .. }
            | Origin::Git { .. } => Ok(()),
        }
    }

    /// Whether `release` may replace the same version published with other bytes. Only a dev
    /// version imported from a branch may: a branch is a moving target, and a newer commit is the
    /// same version with new contents. Tags and numbered releases never change.
    pub fn may_replace(&self, release: &Release) -> bool {
        matches!(self, Origin::Git { branch: true, .. }) && crate::service::catalog::is_dev(release)
    }

    /// The publish log's name for the way the release came in.
    pub fn route(&self) -> &'static str {
        match self {
            Origin::Cli { .. } => "cli",
            Origin::Upload { .. } => "upload",
            Origin::Inbox { .. } => "inbox",
            Origin::Git { .. } => "git",
        }
    }

    /// What the publish log names as the source: the file or the git ref. Uploads have none, as
    /// they are staged under names the uploader never chose.
    pub fn file(&self) -> Option<String> {
        match self {
            Origin::Cli { file } => Some(file.display().to_string()),
            Origin::Inbox { file } => Some(file.clone()),
            Origin::Git { reference, .. } => Some(reference.clone()),
            Origin::Upload { .. } => None,
        }
    }

    /// Runs `work` under the actor the audit log names for a release from here: the publisher
    /// token of an upload, the inbox. A git import run by an operator (through the admin socket
    /// or directly) keeps that operator; only an import nobody is named for is `git import`.
    pub fn acting<T>(&self, work: impl FnOnce() -> T) -> T {
        match self {
            Origin::Upload { publisher } => {
                let actor = Actor::Publisher {
                    public_key: publisher.public_key.to_string(),
                    label: publisher.label.clone(),
                };
                audit::acting_as(actor, work)
            }
            Origin::Inbox { .. } => audit::acting_as(Actor::Inbox, work),
            Origin::Git { .. } => audit::unless_acting(Actor::GitImport, work),
            Origin::Cli { .. } => work(),
        }
    }

    /// The audit entry of `release` committed from here: its archive's SHA-1 and size, and the
    /// git ref it was made from.
    pub fn audit_record(&self, release: &Release) -> AuditRecord {
        let mut summary = format!("sha1 {}, {}", release.shasum, human_size(release.size));
        if let Origin::Git { reference, .. } = self {
            summary.push_str(&format!(", from {reference}"));
        }
        AuditRecord::new(
            "package.publish",
            format!("{} {}", release.name, release.version),
            summary,
        )
    }

    /// A refusal names what was refused where the caller chose it: the operator's file, the git
    /// ref. An upload's error names no server path; an inbox failure is written beside the file.
    pub fn explain(&self, error: ServiceError) -> ServiceError {
        let subject = match self {
            Origin::Cli { file } => file.display().to_string(),
            Origin::Git { reference, .. } => reference.clone(),
            Origin::Upload { .. } | Origin::Inbox { .. } => return error,
        };
        match error {
            ServiceError::Invalid(why) => ServiceError::Invalid(format!("{subject}: {why}")),
            other => other,
        }
    }
}

/// Bytes as an operator reads them: `812 B`, `12.3 KiB`, `4.0 MiB`.
fn human_size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::licence::PackagePattern;
    use crate::domain::names::PublicKey;
    use crate::domain::version::normalize;

    fn upload(patterns: &[&str]) -> Origin {
        Origin::Upload {
            publisher: PublisherToken {
                public_key: PublicKey::parse(&"ab".repeat(16)).unwrap(),
                label: "ci".into(),
                packages: patterns
                    .iter()
                    .map(|p| PackagePattern::parse(p).unwrap())
                    .collect(),
                secret_hash: "not-a-real-hash".into(),
                created_at: 0,
                revoked_at: None,
            },
        }
    }

    fn git(branch: bool) -> Origin {
        Origin::Git {
            reference: "/src/repo main".into(),
            branch,
        }
    }

    fn release(version: &str) -> Release {
        Release {
            name: PackageName::parse("acme/foo").unwrap(),
            version: version.into(),
            version_normalized: normalize(version).unwrap().to_string(),
            released_at: 0,
            published_at: 0,
            shasum: String::new(),
            sha256: String::new(),
            size: 0,
            composer_json: Default::default(),
            yanked: None,
        }
    }

    #[test]
    fn a_publisher_token_may_publish_only_what_its_patterns_name() {
        let foo = PackageName::parse("acme/foo").unwrap();
        let other = PackageName::parse("other/bar").unwrap();
        assert!(upload(&["acme/*"]).check_allowed(&foo).is_ok());
        let refused = upload(&["acme/*"]).check_allowed(&other).unwrap_err();
        assert!(matches!(refused, ServiceError::Forbidden(_)), "{refused}");
        assert!(upload(&[]).check_allowed(&other).is_ok());
        let cli = Origin::Cli {
            file: "/tmp/x.zip".into(),
        };
        assert!(cli.check_allowed(&other).is_ok());
    }

    #[test]
    fn only_a_dev_version_from_a_git_branch_may_be_replaced() {
        assert!(git(true).may_replace(&release("dev-main")));
        assert!(!git(true).may_replace(&release("1.0.0")));
        assert!(!git(false).may_replace(&release("dev-main")));
        let inbox = Origin::Inbox {
            file: "dev-main.zip".into(),
        };
        assert!(!inbox.may_replace(&release("dev-main")));
        assert!(!upload(&[]).may_replace(&release("dev-main")));
    }

    #[test]
    fn the_log_names_the_route_and_the_file_or_reference_but_no_upload_path() {
        let cli = Origin::Cli {
            file: "/srv/zips/1.0.0.zip".into(),
        };
        assert_eq!(
            (cli.route(), cli.file().as_deref()),
            ("cli", Some("/srv/zips/1.0.0.zip"))
        );
        assert_eq!(
            (git(false).route(), git(false).file().as_deref()),
            ("git", Some("/src/repo main"))
        );
        let inbox = Origin::Inbox {
            file: "1.0.0.zip".into(),
        };
        assert_eq!(
            (inbox.route(), inbox.file().as_deref()),
            ("inbox", Some("1.0.0.zip"))
        );
        assert_eq!((upload(&[]).route(), upload(&[]).file()), ("upload", None));
    }

    #[test]
    fn refusals_name_the_operators_file_or_ref_and_nothing_for_uploads() {
        let invalid = || ServiceError::Invalid("no composer.json".into());
        let cli = Origin::Cli {
            file: "/srv/1.0.0.zip".into(),
        };
        assert_eq!(
            cli.explain(invalid()).to_string(),
            "/srv/1.0.0.zip: no composer.json"
        );
        assert_eq!(
            git(true).explain(invalid()).to_string(),
            "/src/repo main: no composer.json"
        );
        assert_eq!(
            upload(&[]).explain(invalid()).to_string(),
            "no composer.json"
        );
        let conflict = cli.explain(ServiceError::Conflict("already there".into()));
        assert_eq!(conflict.to_string(), "already there");
    }
}
