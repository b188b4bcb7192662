//! Install tokens: issuing one (its private key shown once), listing them, revoking one.

use super::changes::ChangeEvent;
use super::secrets::{hash_secret, random_hex};
use super::summaries::TokenSummary;
use super::{App, Result, ServiceError, invalid};
use crate::domain::names::{ProjectSlug, PublicKey};
use crate::domain::records::Token;
use crate::domain::text::check_field;
use crate::domain::time;
use serde::{Deserialize, Serialize};

/// The answer to creating a token: the only time the private key leaves the server.
#[derive(Serialize, Deserialize)]
pub struct CreatedToken {
    pub public_key: String,
    pub private_key: String,
    pub project: String,
    pub label: String,
    pub created_at: i64,
}

/// Hand-written so the private key can never reach a log line.
impl std::fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedToken")
            .field("public_key", &self.public_key)
            .field("private_key", &"<redacted>")
            .field("project", &self.project)
            .field("label", &self.label)
            .field("created_at", &self.created_at)
            .finish()
    }
}

pub fn create(app: &App, project: &str, label: Option<String>) -> Result<CreatedToken> {
    let project = ProjectSlug::parse(project).map_err(invalid)?;
    check_field("token label", label.as_deref().unwrap_or_default())
        .map_err(ServiceError::Invalid)?;
    let public_key = PublicKey::parse(&random_hex(16)).map_err(invalid)?;
    let private_key = random_hex(32);
    let secret_hash = hash_secret(&private_key, app.settings().argon2).map_err(ServiceError::Io)?;
    let token = app.change(|w| {
        if w.project(&project)?.is_none() {
            return Err(super::projects::missing(&project));
        }
        let token = Token {
            public_key,
            project,
            label: label.unwrap_or_default(),
            secret_hash,
            created_at: time::now(),
            revoked_at: None,
            last_used: None,
            expires_at: None,
            previous: None,
            former_keys: Vec::new(),
        };
        w.put_token(&token)?;
        Ok(token)
    })?;
    let summary = TokenSummary::from(token);
    app.changes.announce(ChangeEvent::TokenCreated {
        token: summary.clone(),
    });
    Ok(CreatedToken {
        public_key: summary.public_key,
        private_key,
        project: summary.project,
        label: summary.label,
        created_at: summary.created_at,
    })
}

pub fn list(app: &App, project: Option<&str>) -> Result<Vec<TokenSummary>> {
    let project = project
        .map(ProjectSlug::parse)
        .transpose()
        .map_err(invalid)?;
    // Last use is batched with analytics; write what is pending so the listing is current.
    app.analytics.flush(app.store())?;
    let tokens = app.store().read(|r| r.tokens())?;
    let mut summaries: Vec<TokenSummary> = tokens
        .into_iter()
        .filter(|t| project.as_ref().is_none_or(|p| &t.project == p))
        .map(TokenSummary::from)
        .collect();
    summaries.sort_by_key(|t| (t.project.clone(), t.created_at));
    super::usage_report::flag_recent(app, &mut summaries, time::now())?;
    Ok(summaries)
}

pub fn revoke(app: &App, public_key: &str) -> Result<TokenSummary> {
    let key = PublicKey::parse(public_key).map_err(invalid)?;
    let (token, changed) = app.change(|w| {
        let mut token = w
            .token(&key)?
            .ok_or_else(|| ServiceError::NotFound(format!("no token with public key {key}")))?;
        let changed = token.revoked_at.is_none();
        if changed {
            token.revoked_at = Some(time::now());
            w.put_token(&token)?;
        }
        Ok((token, changed))
    })?;
    app.auth.forget(key.as_str());
    let summary = TokenSummary::from(token);
    if changed {
        app.changes.announce(ChangeEvent::TokenRevoked {
            token: summary.clone(),
        });
    }
    Ok(summary)
}
