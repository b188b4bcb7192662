//! A token's lifetime after it is issued: rotation to a new key pair with an overlap, a new
//! expiry, and the addresses it may be used from. Every change is audited.

use super::{CreatedToken, current, describe_expiry, expiry, new_key_pair};
use crate::domain::audit::AuditRecord;
use crate::domain::names::PublicKey;
use crate::domain::proxies::AddressAllowlist;
use crate::domain::records::{RetiredKey, Token};
use crate::domain::time;
use crate::service::changes::ChangeEvent;
use crate::service::summaries::TokenSummary;
use crate::service::{App, Result, ServiceError, invalid};
use crate::store::Writer;
use serde::{Deserialize, Serialize};

/// The answer to a rotation: the new key pair (its private key shown this once) and until when
/// the replaced one is still accepted.
#[derive(Debug, Serialize, Deserialize)]
pub struct RotatedToken {
    #[serde(flatten)]
    pub token: CreatedToken,
    pub previous_public_key: String,
    /// Unix seconds; the rotation's own instant when there is no overlap.
    pub previous_valid_until: i64,
}

/// Gives the token a new key pair. The replaced pair is accepted for `overlap` (`30m`, `7d`;
/// none: refused at once), then refused like a revoked token. Rotating again during an overlap
/// replaces the previous key: only the latest replaced key stays valid.
pub fn rotate(app: &App, public_key: &str, overlap: Option<&str>) -> Result<RotatedToken> {
    let key = PublicKey::parse(public_key).map_err(invalid)?;
    let overlap = overlap
        .map(time::parse_span_secs)
        .transpose()
        .map_err(ServiceError::Invalid)?
        .unwrap_or(0);
    // Last use noted under the old key must reach its record before the record moves.
    app.analytics.flush(app.store())?;
    let (new_key, private_key, secret_hash) = new_key_pair(app)?;
    let token = app.change(|w| {
        let mut token = changeable(w, &key)?;
        let valid_until = overlap_end(time::now_micros(), overlap);
        let old_key = replace_key(&mut token, new_key, secret_hash, valid_until);
        w.delete_token(&old_key)?;
        w.put_token(&token)?;
        w.audit(AuditRecord::new(
            "token.rotate",
            token.public_key.as_str(),
            format!(
                "key {old_key} → {}, old valid until {}",
                token.public_key,
                time::to_rfc3339(valid_until)
            ),
        ));
        Ok(token)
    })?;
    let summary = TokenSummary::from(token);
    app.changes.announce(ChangeEvent::TokenChanged {
        token: summary.clone(),
    });
    Ok(RotatedToken {
        token: CreatedToken {
            public_key: summary.public_key,
            private_key,
            project: summary.project,
            label: summary.label,
            created_at: summary.created_at,
        },
        previous_public_key: key.to_string(),
        previous_valid_until: summary.previous_valid_until.unwrap_or_default(),
    })
}

/// Moves the token to its new key pair, keeping the old one as `previous` (replacing an earlier
/// one still in its overlap); answers the old public key.
fn replace_key(
    token: &mut Token,
    new_key: PublicKey,
    secret_hash: String,
    valid_until: i64,
) -> PublicKey {
    let old_key = std::mem::replace(&mut token.public_key, new_key);
    let old_hash = std::mem::replace(&mut token.secret_hash, secret_hash);
    token.former_keys.push(old_key.clone());
    token.previous = Some(RetiredKey {
        public_key: old_key.clone(),
        secret_hash: old_hash,
        valid_until,
    });
    old_key
}

/// Validity is checked in whole seconds, so the end is rounded up: the old key works for at
/// least the overlap asked for. No overlap ends it at once.
fn overlap_end(now_micros: i64, overlap_secs: i64) -> i64 {
    let now = now_micros.div_euclid(1_000_000);
    match overlap_secs {
        0 => now,
        secs => (now_micros + secs * 1_000_000 + 999_999).div_euclid(1_000_000),
    }
}

/// A new expiry: a date, a period from now, or `never`; exactly one of them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewExpiry {
    #[serde(default)]
    pub expires: Option<String>,
    #[serde(default)]
    pub expires_in: Option<String>,
    #[serde(default)]
    pub never: bool,
}

pub fn extend(app: &App, public_key: &str, new: NewExpiry) -> Result<TokenSummary> {
    let key = PublicKey::parse(public_key).map_err(invalid)?;
    let expires_at = match (new.never, &new.expires, &new.expires_in) {
        (true, None, None) => None,
        (false, Some(_), None) | (false, None, Some(_)) => expiry(
            new.expires.as_deref(),
            new.expires_in.as_deref(),
            time::now(),
        )?,
        _ => {
            return Err(ServiceError::Invalid(
                "give exactly one of an expiry date, a period or never".into(),
            ));
        }
    };
    change_token(app, &key, |w, token| {
        let before = describe_expiry(token.expires_at);
        token.expires_at = expires_at;
        let summary = format!("expires {before} → {}", describe_expiry(expires_at));
        w.audit(AuditRecord::new(
            "token.extend",
            token.public_key.as_str(),
            summary,
        ));
    })
}

/// Replaces the addresses the token may be used from; empty: anywhere.
pub fn allow(app: &App, public_key: &str, addresses: &[String]) -> Result<TokenSummary> {
    let key = PublicKey::parse(public_key).map_err(invalid)?;
    let allowed = AddressAllowlist::canonical(addresses).map_err(ServiceError::Invalid)?;
    change_token(app, &key, |w, token| {
        let summary = format!(
            "allowed from {} → {}",
            describe_allowlist(&token.allowed_ips),
            describe_allowlist(&allowed)
        );
        token.allowed_ips = allowed.clone();
        w.audit(AuditRecord::new(
            "token.allow",
            token.public_key.as_str(),
            summary,
        ));
    })
}

fn describe_allowlist(addresses: &[String]) -> String {
    match addresses.is_empty() {
        true => "anywhere".to_string(),
        false => addresses.join(" "),
    }
}

/// Applies `edit` to a token that is not revoked and announces it as it is now.
fn change_token(
    app: &App,
    key: &PublicKey,
    edit: impl FnOnce(&Writer, &mut Token),
) -> Result<TokenSummary> {
    let token = app.change(|w| {
        let mut token = changeable(w, key)?;
        edit(w, &mut token);
        w.put_token(&token)?;
        Ok(token)
    })?;
    let summary = TokenSummary::from(token);
    app.changes.announce(ChangeEvent::TokenChanged {
        token: summary.clone(),
    });
    Ok(summary)
}

fn changeable(w: &Writer, key: &PublicKey) -> Result<Token> {
    let token = current(w, key)?;
    match token.revoked_at {
        Some(_) => Err(ServiceError::Conflict(format!(
            "token {key} is revoked; issue a new one with token create"
        ))),
        None => Ok(token),
    }
}

#[cfg(test)]
mod tests {
    use super::overlap_end;

    #[test]
    fn an_overlap_lasts_at_least_as_long_as_asked() {
        assert_eq!(overlap_end(10_000_000, 2), 12);
        assert_eq!(overlap_end(10_000_001, 2), 13);
        assert_eq!(overlap_end(10_999_999, 0), 10);
    }
}
