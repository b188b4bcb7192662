//! Publisher tokens: create, list, revoke, and authenticate an upload.
//!
//! They live outside the serving catalogue on purpose: the Composer routes never consult them,
//! so a publisher token cannot read metadata or archives, and each upload reads the record
//! afresh, so a revocation takes effect on the next upload without any cache to purge.

use super::auth::{AuthError, KeyHolder, parse_basic};
use super::changes::ChangeEvent;
use super::secrets::{hash_secret, random_hex};
use super::summaries::{PublisherSummary, patterns_text};
use super::{App, Result, ServiceError, invalid};
use crate::domain::audit::AuditRecord;
use crate::domain::licence::PackagePattern;
use crate::domain::names::PublicKey;
use crate::domain::publisher::PublisherToken;
use crate::domain::text::check_field;
use crate::domain::time;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct CreatedPublisher {
    pub public_key: String,
    pub private_key: String,
    pub label: String,
    pub packages: Vec<String>,
    pub created_at: i64,
}

/// Hand-written so the private key can never reach a log line.
impl std::fmt::Debug for CreatedPublisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedPublisher")
            .field("public_key", &self.public_key)
            .field("private_key", &"<redacted>")
            .field("label", &self.label)
            .field("packages", &self.packages)
            .field("created_at", &self.created_at)
            .finish()
    }
}

pub fn create(app: &App, label: Option<String>, packages: &[String]) -> Result<CreatedPublisher> {
    check_field("publisher label", label.as_deref().unwrap_or_default())
        .map_err(ServiceError::Invalid)?;
    let packages = packages
        .iter()
        .map(|p| PackagePattern::parse(p))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(invalid)?;
    let public_key = PublicKey::parse(&random_hex(16)).map_err(invalid)?;
    let private_key = random_hex(32);
    let secret_hash =
        hash_secret(&private_key, app.settings().key_hash).map_err(ServiceError::Io)?;
    let token = PublisherToken {
        public_key,
        label: label.unwrap_or_default(),
        packages,
        secret_hash,
        created_at: time::now(),
        revoked_at: None,
    };
    // Through `change` (which leaves the catalogue as it was) so the audit entry commits with it.
    app.change(|w| {
        if w.token(&token.public_key)?.is_some() || w.publisher(&token.public_key)?.is_some() {
            return Err(ServiceError::Conflict(
                "public key collision; try again".into(),
            ));
        }
        w.put_publisher(&token)?;
        w.audit(AuditRecord::new(
            "publisher.create",
            token.public_key.as_str(),
            format!(
                "created, label {:?}, may publish {}",
                token.label,
                match token.packages.is_empty() {
                    true => "any package".to_string(),
                    false => patterns_text(&token.packages).join(", "),
                }
            ),
        ));
        Ok(())
    })?;
    app.changes.announce(ChangeEvent::PublisherCreated {
        publisher: PublisherSummary::from(token.clone()),
    });
    Ok(CreatedPublisher {
        public_key: token.public_key.to_string(),
        private_key,
        label: token.label,
        packages: patterns_text(&token.packages),
        created_at: token.created_at,
    })
}

pub fn list(app: &App) -> Result<Vec<PublisherSummary>> {
    let mut tokens = app.store().read(|r| r.publishers())?;
    tokens.sort_by_key(|t| t.created_at);
    Ok(tokens.into_iter().map(PublisherSummary::from).collect())
}

pub fn revoke(app: &App, public_key: &str) -> Result<PublisherSummary> {
    let key = PublicKey::parse(public_key).map_err(invalid)?;
    let (token, changed) = app.change(|w| {
        let mut token = w.publisher(&key)?.ok_or_else(|| {
            ServiceError::NotFound(format!("no publisher token with public key {key}"))
        })?;
        let changed = token.revoked_at.is_none();
        if changed {
            token.revoked_at = Some(time::now());
            w.put_publisher(&token)?;
            w.audit(AuditRecord::new(
                "publisher.revoke",
                key.as_str(),
                format!("label {:?}: active → revoked", token.label),
            ));
        }
        Ok::<_, ServiceError>((token, changed))
    })?;
    let summary = PublisherSummary::from(token);
    if changed {
        app.changes.announce(ChangeEvent::PublisherRevoked {
            publisher: summary.clone(),
        });
    }
    Ok(summary)
}

#[derive(Debug)]
pub enum UploadAuthError {
    Auth(AuthError),
    /// A valid install token: it may download, never publish.
    InstallToken,
    Service(ServiceError),
}

/// Who is uploading. An install token is verified in full before it is told it cannot publish,
/// so the answer discloses nothing to someone who merely knows a public key.
pub async fn authenticate_upload(
    app: &App,
    header: Option<&str>,
) -> std::result::Result<PublisherToken, UploadAuthError> {
    let header = header.ok_or(UploadAuthError::Auth(AuthError::Missing))?;
    let (public_key, secret) = parse_basic(header).map_err(UploadAuthError::Auth)?;
    let record = app
        .store()
        .read(|r| r.publisher(&public_key))
        .map_err(|e| UploadAuthError::Service(e.into()))?;
    let Some(token) = record else {
        let catalog = app.catalog();
        return match app.auth.authenticate(&catalog, Some(header)).await {
            Ok(_) => Err(UploadAuthError::InstallToken),
            Err(error) => Err(UploadAuthError::Auth(error)),
        };
    };
    let upgrade = app.auth.upgrade_of(
        KeyHolder::Publisher,
        &token.public_key,
        &secret,
        &token.secret_hash,
    );
    // Checked before the revocation, so only the right secret learns the token was revoked.
    app.auth
        .verify_credential(header, &public_key, secret, token.secret_hash.clone())
        .await
        .map_err(UploadAuthError::Auth)?;
    if token.revoked_at.is_some() {
        return Err(UploadAuthError::Auth(AuthError::Revoked));
    }
    if let Some(upgrade) = upgrade {
        app.auth.queue_upgrade(upgrade);
    }
    Ok(token)
}
