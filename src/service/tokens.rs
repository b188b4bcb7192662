//! Install tokens: issuing one (its private key shown once), listing them, revoking one. Their
//! lifetime (rotation, expiry, allowlist) is in `tokens/lifetime.rs`.

mod lifetime;
#[cfg(test)]
mod tests;

pub use lifetime::{NewExpiry, RotatedToken, allow, extend, rotate};

use super::auth::{KeyHolder, KeyUpgrade};
use super::changes::ChangeEvent;
use super::secrets::{hash_secret, random_hex};
use super::summaries::TokenSummary;
use super::{App, Result, ServiceError, invalid};
use crate::domain::audit::AuditRecord;
use crate::domain::names::{ProjectSlug, PublicKey};
use crate::domain::proxies::AddressAllowlist;
use crate::domain::records::Token;
use crate::domain::text::check_field;
use crate::domain::time::{self, Period};
use crate::store::Writer;
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

/// How long a new token lasts and where it may be used from, as the operator wrote it.
#[derive(Debug, Clone, Default)]
pub struct TokenTerms {
    /// A date (`2026-06-30`, the end of that day UTC) or an RFC 3339 instant.
    pub expires: Option<String>,
    /// A period from now: `90d`, `12w`, `6m`, `1y`.
    pub expires_in: Option<String>,
    /// CIDRs or single addresses; empty: anywhere.
    pub allow_ip: Vec<String>,
}

pub fn create(app: &App, project: &str, label: Option<String>) -> Result<CreatedToken> {
    create_with(app, project, label, TokenTerms::default())
}

pub fn create_with(
    app: &App,
    project: &str,
    label: Option<String>,
    terms: TokenTerms,
) -> Result<CreatedToken> {
    let project = ProjectSlug::parse(project).map_err(invalid)?;
    check_field("token label", label.as_deref().unwrap_or_default())
        .map_err(ServiceError::Invalid)?;
    let now = time::now();
    let expires_at = expiry(terms.expires.as_deref(), terms.expires_in.as_deref(), now)?;
    let allowed_ips =
        AddressAllowlist::canonical(&terms.allow_ip).map_err(ServiceError::Invalid)?;
    let (public_key, private_key, secret_hash) = new_key_pair(app)?;
    let token = app.change(|w| {
        if w.project(&project)?.is_none() {
            return Err(super::projects::missing(&project));
        }
        let token = Token {
            public_key,
            project,
            label: label.unwrap_or_default(),
            secret_hash,
            created_at: now,
            revoked_at: None,
            last_used: None,
            expires_at,
            previous: None,
            former_keys: Vec::new(),
            allowed_ips,
        };
        w.put_token(&token)?;
        w.audit(AuditRecord::new(
            "token.create",
            token.public_key.as_str(),
            created_summary(&token),
        ));
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

/// A fresh public key, private key and the private key's hash.
fn new_key_pair(app: &App) -> Result<(PublicKey, String, String)> {
    let public_key = PublicKey::parse(&random_hex(16)).map_err(invalid)?;
    let private_key = random_hex(32);
    let secret_hash =
        hash_secret(&private_key, app.settings().key_hash).map_err(ServiceError::Io)?;
    Ok((public_key, private_key, secret_hash))
}

fn created_summary(token: &Token) -> String {
    let mut summary = format!(
        "project {}, label {:?}, expires {}",
        token.project,
        token.label,
        describe_expiry(token.expires_at)
    );
    if !token.allowed_ips.is_empty() {
        summary.push_str(&format!(", allowed from {}", token.allowed_ips.join(" ")));
    }
    summary
}

/// `never` or the instant, for summaries and messages.
pub fn describe_expiry(expires_at: Option<i64>) -> String {
    expires_at.map_or_else(|| "never".to_string(), time::to_rfc3339)
}

/// The expiry an operator asked for: a date, or a period from `now`; not both.
fn expiry(date: Option<&str>, within: Option<&str>, now: i64) -> Result<Option<i64>> {
    match (date, within) {
        (Some(_), Some(_)) => Err(ServiceError::Invalid(
            "give either an expiry date or a period, not both".into(),
        )),
        (Some(date), None) => time::parse_access_until(date)
            .map(Some)
            .map_err(ServiceError::Invalid),
        (None, Some(within)) => Period::parse(within)
            .map_err(ServiceError::Invalid)?
            .after(now)
            .map(Some)
            .ok_or_else(|| ServiceError::Invalid(format!("{within} from now is out of range"))),
        (None, None) => Ok(None),
    }
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

/// Tokens not revoked whose expiry falls within `within` (`30d`) of `now`, soonest first;
/// expired ones are included (they come first).
pub fn expiring(
    app: &App,
    project: Option<&str>,
    within: &str,
    now: i64,
) -> Result<Vec<TokenSummary>> {
    let horizon = Period::parse(within)
        .map_err(ServiceError::Invalid)?
        .after(now)
        .ok_or_else(|| ServiceError::Invalid(format!("{within} from now is out of range")))?;
    let mut tokens: Vec<TokenSummary> = list(app, project)?
        .into_iter()
        .filter(|t| t.revoked_at.is_none() && t.expires_at.is_some_and(|at| at <= horizon))
        .collect();
    tokens.sort_by_key(|t| (t.expires_at, t.public_key.clone()));
    Ok(tokens)
}

pub fn revoke(app: &App, public_key: &str) -> Result<TokenSummary> {
    let key = PublicKey::parse(public_key).map_err(invalid)?;
    let (token, changed) = app.change(|w| {
        let mut token = current(w, &key)?;
        let changed = token.revoked_at.is_none();
        if changed {
            token.revoked_at = Some(time::now());
            w.put_token(&token)?;
            let previous = token
                .previous
                .as_ref()
                .map(|p| format!(" (and its previous key {})", p.public_key))
                .unwrap_or_default();
            w.audit(AuditRecord::new(
                "token.revoke",
                token.public_key.as_str(),
                format!("active → revoked{previous}"),
            ));
        }
        Ok((token, changed))
    })?;
    for key in token.all_keys() {
        app.auth.forget(key.as_str());
    }
    let summary = TokenSummary::from(token);
    if changed {
        app.changes.announce(ChangeEvent::TokenRevoked {
            token: summary.clone(),
        });
    }
    Ok(summary)
}

/// The token whose current key is `key`. A key a rotation replaced names the key it became, so
/// the operator is not told "no token" about a token that exists.
pub fn current(w: &Writer, key: &PublicKey) -> Result<Token> {
    if let Some(token) = w.token(key)? {
        return Ok(token);
    }
    match w
        .tokens()?
        .into_iter()
        .find(|t| t.former_keys.contains(key))
    {
        Some(token) => Err(ServiceError::NotFound(format!(
            "public key {key} was rotated: the token's current key is {}",
            token.public_key
        ))),
        None => Err(ServiceError::NotFound(format!(
            "no token with public key {key}"
        ))),
    }
}

/// Writes the SHA-256 hashes of keys that logged in against an argon2id hash since the last
/// call, so the next restart checks them in microseconds. A record whose hash changed meanwhile
/// (rotated, say) keeps what it has. Returns how many were replaced.
pub fn store_upgraded_key_hashes(app: &App) -> Result<usize> {
    let upgrades = app.auth.take_upgrades();
    if upgrades.is_empty() {
        return Ok(0);
    }
    let replaced = app.store().write(|w| {
        let mut replaced: usize = 0;
        for upgrade in &upgrades {
            if store_upgraded_key_hash(w, upgrade)? {
                replaced += 1;
            }
        }
        Ok::<_, crate::store::StoreError>(replaced)
    })?;
    Ok(replaced)
}

fn store_upgraded_key_hash(
    w: &Writer,
    upgrade: &KeyUpgrade,
) -> std::result::Result<bool, crate::store::StoreError> {
    let replace_if_unchanged = |hash: &mut String| {
        let same = *hash == upgrade.old_hash;
        if same {
            hash.clone_from(&upgrade.new_hash);
        }
        same
    };
    match &upgrade.holder {
        KeyHolder::Token => rewrite(
            w.token(&upgrade.public_key)?,
            |token| replace_if_unchanged(&mut token.secret_hash),
            |token| w.put_token(token),
        ),
        KeyHolder::ReplacedKey { current } => rewrite(
            w.token(current)?,
            |token| {
                token.previous.as_mut().is_some_and(|previous| {
                    previous.public_key == upgrade.public_key
                        && replace_if_unchanged(&mut previous.secret_hash)
                })
            },
            |token| w.put_token(token),
        ),
        KeyHolder::Publisher => rewrite(
            w.publisher(&upgrade.public_key)?,
            |publisher| replace_if_unchanged(&mut publisher.secret_hash),
            |publisher| w.put_publisher(publisher),
        ),
    }
}

/// Stores `record` again if `change` changed it; whether it did.
fn rewrite<R>(
    record: Option<R>,
    change: impl FnOnce(&mut R) -> bool,
    put: impl FnOnce(&R) -> std::result::Result<(), crate::store::StoreError>,
) -> std::result::Result<bool, crate::store::StoreError> {
    let Some(mut record) = record else {
        return Ok(false);
    };
    let changed = change(&mut record);
    if changed {
        put(&record)?;
    }
    Ok(changed)
}
