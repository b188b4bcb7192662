//! Token authentication: one hash check per credential (SHA-256, or argon2id for keys hashed that
//! way), then a memory of verified credentials.
//!
//! The memory is keyed by a keyed 64-bit hash of the whole `Authorization` value (never the
//! secret itself) and maps to the public key it proved. Each hit is re-checked against the
//! current catalogue, so revoking a token shuts it out on the very next request even before the
//! memory is purged.

use super::catalog::Catalog;
use super::metrics::KeyChecks;
use super::secrets::{KeyHash, hash_secret, is_slow_hash};
use crate::domain::names::{ProjectSlug, PublicKey};
use crate::domain::time;
use admission::{Admission, Verdict};
use base64::Engine;
use dashmap::DashMap;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

mod admission;
#[cfg(test)]
mod flood_tests;

pub use admission::{AdmissionLimits, FAILURE_BUDGET, FAILURE_WINDOW, MAX_QUEUED, RETRY_EVERY};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    Missing,
    Malformed,
    UnknownToken,
    WrongSecret,
    Revoked,
    /// The right secret of a token past its expiry (Unix seconds).
    Expired {
        at: i64,
    },
    /// The right secret, from an address the token's allowlist does not name.
    AddressNotAllowed,
    /// Too many first-time verifications queued; the caller should retry shortly.
    Busy,
}

impl AuthError {
    /// Shown to Composer users, so it says why without revealing anything about other tokens.
    pub fn message(self) -> &'static str {
        match self {
            AuthError::Missing => {
                "authentication required: add this repository's token to auth.json (http-basic)"
            }
            AuthError::Malformed => {
                "malformed credentials: expected HTTP Basic with the token's public and private key"
            }
            AuthError::UnknownToken | AuthError::WrongSecret => {
                "invalid credentials: unknown public key or wrong private key"
            }
            AuthError::Revoked => "this token has been revoked; ask the vendor for a new one",
            AuthError::Expired { .. } => {
                "this token has expired; ask the vendor for a new token or an extension"
            }
            AuthError::AddressNotAllowed => {
                "this token may not be used from this address (not in its allowlist); ask the \
                 vendor to allow it"
            }
            AuthError::Busy => "the server is busy verifying credentials; retry shortly",
        }
    }

    /// What Composer prints: the message, with the date for an expired token.
    pub fn warning(self) -> String {
        match self {
            AuthError::Expired { at } => format!(
                "this token expired on {}; ask the vendor for a new token or an extension",
                crate::domain::time::to_rfc3339(at)
            ),
            other => other.message().to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub public_key: PublicKey,
    pub project: ProjectSlug,
}

pub struct Auth {
    verified: DashMap<u64, String>,
    /// One argon2 run per credential at a time: a CI fleet starting 64 parallel requests with a
    /// new token waits for one verification instead of queueing 64.
    in_flight: DashMap<u64, Arc<OnceCell<Verdict>>>,
    /// Credentials that just failed, so repeating a wrong password costs no argon2 for a while.
    recently_rejected: DashMap<u64, Instant>,
    fingerprint_key: std::hash::RandomState,
    /// Failure budgets per key and the bounded argon2 queue, so a flood of wrong secrets queues
    /// there, not on the async threads, and never ahead of other keys.
    admission: Admission,
    /// Whether a key proved against an argon2id hash gets a SHA-256 hash (`keys.hash`).
    rehash_to_sha256: bool,
    /// By public key, so a fleet's parallel first requests queue one upgrade.
    upgrades: std::sync::Mutex<HashMap<PublicKey, KeyUpgrade>>,
}

/// An argon2id hash and the SHA-256 hash of the key that just matched it. No `Debug`: it holds
/// hashes.
pub struct KeyUpgrade {
    pub holder: KeyHolder,
    pub public_key: PublicKey,
    pub old_hash: String,
    pub new_hash: String,
}

/// The stored record that holds a key's hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyHolder {
    /// An install token's current key, in the token's row.
    Token,
    /// A rotated token's replaced key, within its overlap: kept in the row of its `current` key.
    ReplacedKey {
        current: PublicKey,
    },
    Publisher,
}

const REJECTION_MEMORY: Duration = Duration::from_secs(10);
const MAX_REMEMBERED_REJECTIONS: usize = 10_000;
/// Upgrades waiting to be written; beyond this a key keeps its argon2id hash until a later login.
const MAX_PENDING_UPGRADES: usize = 10_000;

impl Default for Auth {
    fn default() -> Self {
        Self::with_limits(AdmissionLimits::default())
    }
}

impl Auth {
    /// `max_parallel` argon2 runs at once; 0 leaves one core for serving. With `key_hash`
    /// SHA-256, keys that prove themselves against an argon2id hash are queued for a SHA-256 one.
    pub fn new(max_parallel: usize, key_hash: KeyHash, checks: KeyChecks) -> Self {
        let limits = AdmissionLimits {
            max_parallel,
            ..AdmissionLimits::default()
        };
        Self {
            rehash_to_sha256: key_hash == KeyHash::Sha256,
            ..Self::built(limits, checks)
        }
    }

    pub fn with_limits(limits: AdmissionLimits) -> Self {
        Self::built(limits, KeyChecks::default())
    }

    fn built(limits: AdmissionLimits, checks: KeyChecks) -> Self {
        Self {
            verified: DashMap::new(),
            in_flight: DashMap::new(),
            recently_rejected: DashMap::new(),
            fingerprint_key: std::hash::RandomState::new(),
            admission: Admission::new(limits, checks),
            rehash_to_sha256: false,
            upgrades: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The upgrades queued since the last call, for the caller to write.
    pub fn take_upgrades(&self) -> Vec<KeyUpgrade> {
        let mut upgrades = self.upgrades.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *upgrades).into_values().collect()
    }

    /// For a caller whose address does not matter (a token with an allowlist is refused).
    pub async fn authenticate(
        &self,
        catalog: &Catalog,
        header: Option<&str>,
    ) -> Result<Caller, AuthError> {
        self.authenticate_from(catalog, header, None).await
    }

    /// `client`: the address behind trusted proxies, checked against the token's allowlist.
    pub async fn authenticate_from(
        &self,
        catalog: &Catalog,
        header: Option<&str>,
        client: Option<IpAddr>,
    ) -> Result<Caller, AuthError> {
        let header = header.ok_or(AuthError::Missing)?;
        let fingerprint = self.fingerprint_key.hash_one(header);
        if let Some(public_key) = self.verified.get(&fingerprint).map(|k| k.clone()) {
            return caller_for(catalog, &public_key, client, time::now());
        }
        let (public_key, secret) = parse_basic(header)?;
        // A revoked, expired or replaced key is checked like an active one: only its right secret
        // learns why it is refused, anyone else gets the answer an unknown key gets.
        let hash = secret_hash(catalog, &public_key).ok_or(AuthError::UnknownToken)?;
        let upgrade = self.upgrade_for(catalog, &public_key, &secret, &hash);
        self.verify_once(&public_key, fingerprint, secret, hash)
            .await?;
        if let Some(upgrade) = upgrade {
            self.queue_upgrade(upgrade);
        }
        self.verified.insert(fingerprint, public_key.clone());
        caller_for(catalog, &public_key, client, time::now())
    }

    /// Made before the check, since the check takes the secret; used only if it matches. A
    /// revoked key is not upgraded: it only ever learns that it was revoked.
    fn upgrade_for(
        &self,
        catalog: &Catalog,
        public_key: &str,
        secret: &str,
        hash: &str,
    ) -> Option<KeyUpgrade> {
        let (holder, public_key) = if let Some(token) = catalog.tokens.get(public_key) {
            (KeyHolder::Token, token.public_key.clone())
        } else {
            let overlap = catalog.previous_keys.get(public_key)?;
            let current = PublicKey::parse(&overlap.current).ok()?;
            (
                KeyHolder::ReplacedKey { current },
                PublicKey::parse(public_key).ok()?,
            )
        };
        self.upgrade_of(holder, &public_key, secret, hash)
    }

    /// The SHA-256 hash `secret` gets in place of `hash` if it matches, when keys are hashed with
    /// SHA-256 and `hash` is argon2id; `None` otherwise.
    pub fn upgrade_of(
        &self,
        holder: KeyHolder,
        public_key: &PublicKey,
        secret: &str,
        hash: &str,
    ) -> Option<KeyUpgrade> {
        if !self.rehash_to_sha256 || !is_slow_hash(hash) {
            return None;
        }
        Some(KeyUpgrade {
            holder,
            public_key: public_key.clone(),
            old_hash: hash.to_string(),
            new_hash: hash_secret(secret, KeyHash::Sha256).ok()?,
        })
    }

    /// Queues `upgrade` (made by [`Self::upgrade_of`]) once its secret has matched.
    pub fn queue_upgrade(&self, upgrade: KeyUpgrade) {
        let mut upgrades = self.upgrades.lock().unwrap_or_else(|p| p.into_inner());
        if upgrades.len() < MAX_PENDING_UPGRADES {
            upgrades.insert(upgrade.public_key.clone(), upgrade);
        }
    }

    async fn verify_once(
        &self,
        public_key: &str,
        fingerprint: u64,
        secret: String,
        hash: String,
    ) -> Result<(), AuthError> {
        if self
            .recently_rejected
            .get(&fingerprint)
            .is_some_and(|at| at.elapsed() < REJECTION_MEMORY)
        {
            return self.held_refusal().await;
        }
        let flight = self.in_flight.entry(fingerprint).or_default().clone();
        let verdict = *flight
            .get_or_init(|| self.admission.verify(public_key, secret, hash))
            .await;
        self.in_flight
            .remove_if(&fingerprint, |_, cell| Arc::ptr_eq(cell, &flight));
        match verdict {
            Verdict::Matched => Ok(()),
            Verdict::Mismatched => {
                self.remember_rejection(fingerprint);
                Err(AuthError::WrongSecret)
            }
            // Not remembered: it may have been the right secret, refused only for the budget.
            Verdict::Unchecked => self.held_refusal().await,
            Verdict::Busy => Err(AuthError::Busy),
        }
    }

    /// A refusal that cost nothing to decide still costs the flooder a wait.
    async fn held_refusal(&self) -> Result<(), AuthError> {
        tokio::time::sleep(self.admission.refusal_delay()).await;
        Err(AuthError::WrongSecret)
    }

    fn remember_rejection(&self, fingerprint: u64) {
        if self.recently_rejected.len() >= MAX_REMEMBERED_REJECTIONS {
            self.recently_rejected
                .retain(|_, at| at.elapsed() < REJECTION_MEMORY);
        }
        if self.recently_rejected.len() < MAX_REMEMBERED_REJECTIONS {
            self.recently_rejected.insert(fingerprint, Instant::now());
        }
    }

    /// Checks a credential kept outside the catalogue (a publisher token) under the same bounds
    /// as install tokens: the key's failure budget, the shared argon2 queue and the memory of
    /// recent wrong secrets.
    pub async fn verify_credential(
        &self,
        header: &str,
        public_key: &str,
        secret: String,
        hash: String,
    ) -> Result<(), AuthError> {
        let fingerprint = self.fingerprint_key.hash_one(header);
        self.verify_once(public_key, fingerprint, secret, hash)
            .await
    }

    /// Forgets every verified credential of a token, at once.
    pub fn forget(&self, public_key: &str) {
        self.verified.retain(|_, key| key != public_key);
    }
}

fn secret_hash(catalog: &Catalog, public_key: &str) -> Option<String> {
    if let Some(token) = catalog.tokens.get(public_key) {
        return Some(token.secret_hash.clone());
    }
    if let Some(previous) = catalog.previous_keys.get(public_key) {
        return Some(previous.secret_hash.clone());
    }
    catalog.revoked_tokens.get(public_key).cloned()
}

/// Only for a credential whose secret was proved: it may learn why its token is refused. A
/// replaced key within its overlap stands for its token, whose current key the caller gets.
fn caller_for(
    catalog: &Catalog,
    public_key: &str,
    client: Option<IpAddr>,
    now: i64,
) -> Result<Caller, AuthError> {
    let token = match catalog.tokens.get(public_key) {
        Some(token) => token,
        None => match catalog.previous_keys.get(public_key) {
            Some(previous) if previous.valid_until > now => catalog
                .tokens
                .get(&previous.current)
                .ok_or(AuthError::Revoked)?,
            Some(_) => return Err(AuthError::Revoked),
            None if catalog.revoked_tokens.contains_key(public_key) => {
                return Err(AuthError::Revoked);
            }
            None => return Err(AuthError::UnknownToken),
        },
    };
    if let Some(at) = token.expires_at
        && at <= now
    {
        return Err(AuthError::Expired { at });
    }
    if !token.allowed.permits(client) {
        return Err(AuthError::AddressNotAllowed);
    }
    Ok(Caller {
        public_key: token.public_key.clone(),
        project: token.project.clone(),
    })
}

pub(crate) fn parse_basic(header: &str) -> Result<(String, String), AuthError> {
    let (scheme, encoded) = header.trim().split_once(' ').ok_or(AuthError::Malformed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(AuthError::Malformed);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| AuthError::Malformed)?;
    let text = String::from_utf8(decoded).map_err(|_| AuthError::Malformed)?;
    let (user, password) = text.split_once(':').ok_or(AuthError::Malformed)?;
    if user.is_empty() || password.is_empty() {
        return Err(AuthError::Malformed);
    }
    Ok((user.to_string(), password.to_string()))
}

/// Moves `key` from the active tokens to the revoked ones, as revoking it would.
#[cfg(test)]
fn revoke_in(catalog: &mut Catalog, key: &str) {
    let token = Arc::make_mut(&mut catalog.tokens).remove(key);
    let hash = token.expect("the token is active").secret_hash.clone();
    Arc::make_mut(&mut catalog.revoked_tokens).insert(key.to_string(), hash);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::proxies::AddressAllowlist;
    use crate::service::catalog::ActiveToken;
    use crate::service::secrets::{Argon2Cost, KeyHash, hash_secret};

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    fn catalog_with_token(secret: &str) -> Catalog {
        let cheap = KeyHash::Argon2id(Argon2Cost {
            memory_kib: 64,
            iterations: 1,
        });
        let mut catalog = Catalog::default();
        let token = ActiveToken::new(
            PublicKey::parse(KEY).unwrap(),
            ProjectSlug::parse("shop").unwrap(),
            hash_secret(secret, cheap).unwrap(),
        );
        std::sync::Arc::make_mut(&mut catalog.tokens)
            .insert(KEY.to_string(), std::sync::Arc::new(token));
        catalog
    }

    /// `count` requests with `header`, all started before any is answered.
    async fn at_once(
        auth: &Arc<Auth>,
        catalog: &Arc<Catalog>,
        header: &str,
        count: usize,
    ) -> Vec<Result<Caller, AuthError>> {
        let attempts: Vec<_> = (0..count)
            .map(|_| {
                let (auth, catalog) = (auth.clone(), catalog.clone());
                let header = header.to_string();
                tokio::spawn(async move { auth.authenticate(&catalog, Some(&header)).await })
            })
            .collect();
        let mut results = Vec::new();
        for attempt in attempts {
            results.push(attempt.await.unwrap());
        }
        results
    }

    #[tokio::test]
    async fn parallel_first_requests_with_one_credential_all_succeed() {
        let auth = Arc::new(Auth::default());
        let catalog = Arc::new(catalog_with_token("secret"));
        let header = basic(&format!("{KEY}:secret"));
        for attempt in at_once(&auth, &catalog, &header, 32).await {
            assert_eq!(attempt.unwrap().project.as_str(), "shop");
        }
        assert!(auth.in_flight.is_empty());
    }

    #[tokio::test]
    async fn a_fleets_parallel_first_requests_queue_one_hash_upgrade_for_the_right_secret() {
        let auth = Arc::new(Auth::new(0, KeyHash::Sha256, KeyChecks::default()));
        let catalog = Arc::new(catalog_with_token("secret"));
        let wrong = basic(&format!("{KEY}:guess"));
        assert!(auth.authenticate(&catalog, Some(&wrong)).await.is_err());
        let header = basic(&format!("{KEY}:secret"));
        for attempt in at_once(&auth, &catalog, &header, 16).await {
            assert!(attempt.is_ok());
        }
        let upgrades = auth.take_upgrades();
        assert_eq!(upgrades.len(), 1);
        let upgrade = &upgrades[0];
        assert_eq!(upgrade.public_key.as_str(), KEY);
        assert_eq!(
            upgrade.old_hash,
            catalog.tokens.get(KEY).unwrap().secret_hash
        );
        assert!(crate::service::secrets::verify_secret(
            "secret",
            &upgrade.new_hash
        ));
        assert!(auth.take_upgrades().is_empty(), "taken once");
    }

    #[tokio::test]
    async fn a_wrong_secret_is_refused_again_and_a_revoked_token_is_named() {
        let auth = Auth::default();
        let mut catalog = catalog_with_token("secret");
        let wrong = basic(&format!("{KEY}:guess"));
        for _ in 0..3 {
            assert_eq!(
                auth.authenticate(&catalog, Some(&wrong)).await.unwrap_err(),
                AuthError::WrongSecret
            );
        }
        let right = basic(&format!("{KEY}:secret"));
        assert!(auth.authenticate(&catalog, Some(&right)).await.is_ok());
        revoke_in(&mut catalog, KEY);
        assert_eq!(
            auth.authenticate(&catalog, Some(&right)).await.unwrap_err(),
            AuthError::Revoked
        );
        assert_eq!(
            auth.authenticate(&catalog, None).await.unwrap_err(),
            AuthError::Missing
        );
    }

    #[tokio::test]
    async fn an_expired_token_is_named_only_to_its_right_secret() {
        let auth = Auth::default();
        let mut catalog = catalog_with_token("secret");
        if let Some(token) = std::sync::Arc::make_mut(&mut catalog.tokens).get_mut(KEY) {
            std::sync::Arc::make_mut(token).expires_at = Some(time::now() - 1);
        }
        let right = basic(&format!("{KEY}:secret"));
        let refused = auth.authenticate(&catalog, Some(&right)).await.unwrap_err();
        assert!(matches!(refused, AuthError::Expired { .. }));
        assert!(
            refused.warning().contains("expired on"),
            "{}",
            refused.warning()
        );
        let wrong = basic(&format!("{KEY}:guess"));
        let refused = auth.authenticate(&catalog, Some(&wrong)).await.unwrap_err();
        assert_eq!(refused, AuthError::WrongSecret);
    }

    #[tokio::test]
    async fn an_allowlisted_token_is_refused_elsewhere_even_from_memory() {
        let auth = Auth::default();
        let mut catalog = catalog_with_token("secret");
        let allowed = AddressAllowlist::from_stored(&["10.0.0.0/8".to_string()]);
        if let Some(token) = std::sync::Arc::make_mut(&mut catalog.tokens).get_mut(KEY) {
            std::sync::Arc::make_mut(token).allowed = allowed;
        }
        let right = basic(&format!("{KEY}:secret"));
        let inside = Some("10.1.2.3".parse().unwrap());
        let outside = Some("192.0.2.1".parse().unwrap());
        assert!(
            auth.authenticate_from(&catalog, Some(&right), inside)
                .await
                .is_ok()
        );
        let refused = auth
            .authenticate_from(&catalog, Some(&right), outside)
            .await;
        assert_eq!(refused.unwrap_err(), AuthError::AddressNotAllowed);
    }

    fn basic(user_pass: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(user_pass)
        )
    }

    #[test]
    fn basic_credentials_are_split_at_the_first_colon() {
        assert_eq!(
            parse_basic(&basic("pub:priv:x")),
            Ok(("pub".into(), "priv:x".into()))
        );
        assert_eq!(parse_basic("Bearer abc"), Err(AuthError::Malformed));
        assert_eq!(parse_basic("Basic !!!"), Err(AuthError::Malformed));
        assert_eq!(parse_basic(&basic("nocolon")), Err(AuthError::Malformed));
        assert_eq!(parse_basic(&basic(":priv")), Err(AuthError::Malformed));
    }
}
