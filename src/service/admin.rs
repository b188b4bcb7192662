//! Every admin operation as one request type. The CLI builds these; they run here directly when no
//! server is up, or travel as JSON over the admin socket to the server, which runs them here too.

use super::publish::{Origin, PublishOutcome, PublishRequest, publish};
use super::secrets::{hash_secret, random_hex};
use super::{App, Result, ServiceError};
use super::{publishers, recall};
use crate::domain::licence::{Licence, PackagePattern};
use crate::domain::names::{PackageName, ProjectSlug, PublicKey};
use crate::domain::records::{DownloadEvent, Project, Token};
use crate::domain::time;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum AdminRequest {
    ProjectCreate {
        slug: String,
        name: Option<String>,
    },
    ProjectList,
    TokenCreate {
        project: String,
        label: Option<String>,
    },
    TokenList {
        project: Option<String>,
    },
    TokenRevoke {
        public_key: String,
    },
    LicenceCreate {
        holder: String,
        packages: Vec<String>,
        access_until: Option<String>,
    },
    LicenceActivate {
        id: String,
        project: String,
    },
    LicenceDeactivate {
        id: String,
        project: String,
    },
    LicenceRevoke {
        id: String,
    },
    LicenceList,
    PackagePublish(PublishRequest),
    PackageList,
    PackageShow {
        name: String,
    },
    Downloads {
        limit: usize,
    },
    PackageYank {
        name: String,
        version: String,
        reason: Option<String>,
    },
    PackageUnyank {
        name: String,
        version: String,
    },
    PackageRemove {
        name: String,
        version: String,
    },
    PublisherCreate {
        label: Option<String>,
        packages: Vec<String>,
    },
    PublisherList,
    PublisherRevoke {
        public_key: String,
    },
    PublishLog {
        limit: usize,
    },
    ProjectRename {
        slug: String,
        name: String,
    },
    ProjectDelete {
        slug: String,
        #[serde(default)]
        dry_run: bool,
    },
    LicencePreview {
        project: String,
    },
    DashboardStats,
    DownloadStats,
    ServerStatus,
    PackagePublishGit(super::git_publish::GitPublishRequest),
    /// Writes a backup file; the path is absolute because the server's working folder is not ours.
    Backup {
        path: std::path::PathBuf,
    },
}

pub fn execute(app: &App, request: AdminRequest) -> Result<Value> {
    use AdminRequest::*;
    match request {
        ProjectCreate { slug, name } => to_json(create_project(app, &slug, name)?),
        ProjectList => to_json(
            app.store()
                .read(|r| r.list::<Project>(crate::store::tables::PROJECTS))?,
        ),
        TokenCreate { project, label } => to_json(create_token(app, &project, label)?),
        TokenList { project } => to_json(list_tokens(app, project.as_deref())?),
        TokenRevoke { public_key } => to_json(revoke_token(app, &public_key)?),
        LicenceCreate {
            holder,
            packages,
            access_until,
        } => to_json(create_licence(
            app,
            holder,
            &packages,
            access_until.as_deref(),
        )?),
        LicenceActivate { id, project } => to_json(set_activation(app, &id, &project, true)?),
        LicenceDeactivate { id, project } => to_json(set_activation(app, &id, &project, false)?),
        LicenceRevoke { id } => to_json(revoke_licence(app, &id)?),
        LicenceList => to_json(list_licences(app)?),
        PackagePublish(request) => {
            let origin = Origin::Cli {
                file: request.path.clone(),
            };
            to_json::<PublishOutcome>(publish(app, &request, &origin)?)
        }
        PublishLog { limit } => to_json(app.publish_log.recent(app.store(), limit)?),
        PackageList => Ok(list_packages(app)),
        PackageShow { name } => show_package(app, &name),
        Downloads { limit } => to_json(recent_downloads(app, limit)?),
        PackageYank {
            name,
            version,
            reason,
        } => to_json(recall::set_yanked(app, &name, &version, Some(reason))?),
        PackageUnyank { name, version } => to_json(recall::set_yanked(app, &name, &version, None)?),
        PackageRemove { name, version } => to_json(recall::remove(app, &name, &version)?),
        PublisherCreate { label, packages } => to_json(publishers::create(app, label, &packages)?),
        PublisherList => to_json(publishers::list(app)?),
        PublisherRevoke { public_key } => to_json(publishers::revoke(app, &public_key)?),
        ProjectRename { slug, name } => {
            to_json(super::projects::rename_project(app, &slug, &name)?)
        }
        ProjectDelete { slug, dry_run } => {
            to_json(super::projects::delete_project(app, &slug, dry_run)?)
        }
        LicencePreview { project } => to_json(super::preview::licence_preview(app, &project)?),
        DashboardStats => to_json(super::stats::dashboard(app, time::now_micros())?),
        DownloadStats => to_json(super::stats::downloads(app, time::now_micros())?),
        PackagePublishGit(request) => {
            to_json::<PublishOutcome>(publish(app, &request.archive(), &request.origin())?)
        }
        Backup { path } => to_json(super::backup::create(app, &path, &log_progress)?),
        ServerStatus => Ok(json!({
            "listening": app.listening(),
            "public_url": app.settings().public_url,
            "data_dir": app.settings().data_dir.display().to_string(),
        })),
    }
}

fn to_json<T: Serialize>(value: T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| ServiceError::Io(e.to_string()))
}

fn invalid(error: impl std::fmt::Display) -> ServiceError {
    ServiceError::Invalid(error.to_string())
}

fn existing_project(w: &crate::store::Writer, slug: &str) -> Result<ProjectSlug> {
    let slug = ProjectSlug::parse(slug).map_err(invalid)?;
    match w.project(&slug)? {
        Some(_) => Ok(slug),
        None => Err(ServiceError::NotFound(format!(
            "no project {slug:?} (see `packagento project list`)"
        ))),
    }
}

fn create_project(app: &App, slug: &str, name: Option<String>) -> Result<Project> {
    let slug = ProjectSlug::parse(slug).map_err(invalid)?;
    app.change(|w| {
        if w.project(&slug)?.is_some() {
            return Err(ServiceError::Conflict(format!(
                "project {slug:?} already exists"
            )));
        }
        let project = Project {
            name: name.unwrap_or_else(|| slug.to_string()),
            slug,
            created_at: time::now(),
        };
        w.put_project(&project)?;
        Ok(project)
    })
}

#[derive(Debug, Serialize, Deserialize)]
pub struct CreatedToken {
    pub public_key: String,
    pub private_key: String,
    pub project: String,
    pub label: String,
    pub created_at: i64,
}

fn create_token(app: &App, project: &str, label: Option<String>) -> Result<CreatedToken> {
    let public_key = PublicKey::parse(&random_hex(16)).map_err(invalid)?;
    let private_key = random_hex(32);
    let secret_hash = hash_secret(&private_key, app.settings().argon2).map_err(ServiceError::Io)?;
    let token = app.change(|w| {
        let project = existing_project(w, project)?;
        let token = Token {
            public_key,
            project,
            label: label.unwrap_or_default(),
            secret_hash,
            created_at: time::now(),
            revoked_at: None,
            last_used: None,
        };
        w.put_token(&token)?;
        Ok(token)
    })?;
    Ok(CreatedToken {
        public_key: token.public_key.to_string(),
        private_key,
        project: token.project.to_string(),
        label: token.label,
        created_at: token.created_at,
    })
}

/// What `token list` shows: everything but the hash.
#[derive(Debug, Serialize, Deserialize)]
pub struct TokenSummary {
    pub public_key: String,
    pub project: String,
    pub label: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_ip: Option<String>,
    pub last_user_agent: Option<String>,
}

impl From<Token> for TokenSummary {
    fn from(token: Token) -> Self {
        let last = token.last_used;
        TokenSummary {
            public_key: token.public_key.to_string(),
            project: token.project.to_string(),
            label: token.label,
            created_at: token.created_at,
            revoked_at: token.revoked_at,
            last_used_at: last.as_ref().map(|u| u.at),
            last_ip: last.as_ref().map(|u| u.ip.clone()),
            last_user_agent: last.map(|u| u.user_agent),
        }
    }
}

fn list_tokens(app: &App, project: Option<&str>) -> Result<Vec<TokenSummary>> {
    let project = project
        .map(ProjectSlug::parse)
        .transpose()
        .map_err(invalid)?;
    // Last use is batched with analytics; write what is pending so the listing is current.
    app.analytics.flush(app.store())?;
    let tokens: Vec<Token> = app.store().read(|r| r.list(crate::store::tables::TOKENS))?;
    let mut summaries: Vec<TokenSummary> = tokens
        .into_iter()
        .filter(|t| project.as_ref().is_none_or(|p| &t.project == p))
        .map(TokenSummary::from)
        .collect();
    summaries.sort_by_key(|t| (t.project.clone(), t.created_at));
    Ok(summaries)
}

fn revoke_token(app: &App, public_key: &str) -> Result<TokenSummary> {
    let key = PublicKey::parse(public_key).map_err(invalid)?;
    let token = app.change(|w| {
        let mut token = w
            .token(&key)?
            .ok_or_else(|| ServiceError::NotFound(format!("no token with public key {key}")))?;
        if token.revoked_at.is_none() {
            token.revoked_at = Some(time::now());
            w.put_token(&token)?;
        }
        Ok(token)
    })?;
    app.auth.forget(key.as_str());
    Ok(token.into())
}

#[derive(Debug, Serialize, Deserialize)]
pub struct LicenceSummary {
    pub id: String,
    pub holder: String,
    pub packages: Vec<String>,
    pub kind: String,
    pub access_until: Option<String>,
    pub revoked: bool,
    pub projects: Vec<String>,
    pub created_at: i64,
}

impl From<Licence> for LicenceSummary {
    fn from(licence: Licence) -> Self {
        LicenceSummary {
            kind: licence.kind().to_string(),
            access_until: licence.access_until.map(time::to_rfc3339),
            revoked: !licence.is_active(),
            packages: licence
                .patterns
                .iter()
                .map(|p| p.as_str().to_string())
                .collect(),
            projects: licence.projects.iter().map(|p| p.to_string()).collect(),
            id: licence.id,
            holder: licence.holder,
            created_at: licence.created_at,
        }
    }
}

fn create_licence(
    app: &App,
    holder: String,
    packages: &[String],
    access_until: Option<&str>,
) -> Result<LicenceSummary> {
    if holder.trim().is_empty() {
        return Err(invalid("a licence needs a holder (--holder)"));
    }
    if packages.is_empty() {
        return Err(invalid(
            "a licence needs at least one package name or pattern (--package)",
        ));
    }
    let patterns = packages
        .iter()
        .map(|p| PackagePattern::parse(p))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(invalid)?;
    let access_until = access_until
        .map(time::parse_access_until)
        .transpose()
        .map_err(invalid)?;
    let licence = Licence {
        id: format!("lic_{}", random_hex(6)),
        holder,
        patterns,
        access_until,
        revoked_at: None,
        created_at: time::now(),
        projects: Default::default(),
    };
    app.change(|w| Ok(w.put_licence(&licence)?))?;
    Ok(licence.into())
}

fn change_licence(
    app: &App,
    id: &str,
    edit: impl FnOnce(&crate::store::Writer, &mut Licence) -> Result<()>,
) -> Result<LicenceSummary> {
    let licence = app.change(|w| {
        let mut licence = w.licence(id)?.ok_or_else(|| {
            ServiceError::NotFound(format!("no licence {id:?} (see `packagento licence list`)"))
        })?;
        edit(w, &mut licence)?;
        w.put_licence(&licence)?;
        Ok(licence)
    })?;
    Ok(licence.into())
}

fn set_activation(app: &App, id: &str, project: &str, active: bool) -> Result<LicenceSummary> {
    change_licence(app, id, |w, licence| {
        let project = existing_project(w, project)?;
        if active && !licence.is_active() {
            return Err(ServiceError::Conflict(format!(
                "licence {id} is revoked and cannot be activated"
            )));
        }
        if active {
            licence.projects.insert(project);
        } else if !licence.projects.remove(&project) {
            return Err(ServiceError::NotFound(format!(
                "licence {id} is not activated for project {project}"
            )));
        }
        Ok(())
    })
}

fn revoke_licence(app: &App, id: &str) -> Result<LicenceSummary> {
    change_licence(app, id, |_, licence| {
        licence.revoked_at.get_or_insert(time::now());
        Ok(())
    })
}

fn list_licences(app: &App) -> Result<Vec<LicenceSummary>> {
    let mut licences: Vec<Licence> = app
        .store()
        .read(|r| r.list(crate::store::tables::LICENCES))?;
    licences.sort_by_key(|l| l.created_at);
    Ok(licences.into_iter().map(LicenceSummary::from).collect())
}

fn list_packages(app: &App) -> Value {
    let catalog = app.catalog();
    let packages: Vec<Value> = catalog
        .packages
        .iter()
        .map(|(name, releases)| {
            json!({
                "name": name.as_str(),
                "versions": releases.len(),
                "latest": releases
                    .iter()
                    .find(|r| r.yanked.is_none())
                    .map(|r| r.version.as_str()),
            })
        })
        .collect();
    Value::Array(packages)
}

fn show_package(app: &App, name: &str) -> Result<Value> {
    let name = PackageName::parse(name).map_err(invalid)?;
    let catalog = app.catalog();
    let releases = catalog.packages.get(&name).ok_or_else(|| {
        ServiceError::NotFound(format!("no package {name} (see `packagento package list`)"))
    })?;
    let versions: Vec<Value> = releases
        .iter()
        .map(|r| {
            json!({
                "version": r.version,
                "version_normalized": r.version_normalized,
                "released_at": time::to_rfc3339(r.released_at),
                "size": r.size,
                "shasum": r.shasum,
                "yanked": r.yanked.is_some(),
                "yank_reason": r.yanked.as_ref().and_then(|y| y.reason.as_deref()),
            })
        })
        .collect();
    Ok(json!({ "name": name.as_str(), "versions": versions }))
}

fn recent_downloads(app: &App, limit: usize) -> Result<Vec<DownloadEvent>> {
    // Events still waiting for the batch writer are newer than anything stored.
    app.analytics.flush(app.store())?;
    Ok(app.store().read(|r| r.recent_downloads(limit))?)
}

/// Through the socket the operator's terminal is elsewhere, so progress goes to the server's log.
fn log_progress(progress: super::backup::Progress) {
    let step = (progress.total / 10).max(1);
    if progress.done.is_multiple_of(step) || progress.done == progress.total {
        tracing::info!(
            progress.stage,
            progress.done,
            progress.total,
            "backup progress"
        );
    }
}
