//! The token tables a request is authenticated against, made from the stored tokens.

use super::sharded::ShardedMap;
use super::{ActiveToken, OverlapKey};
use crate::domain::proxies::AddressAllowlist;
use crate::domain::records::Token;
use std::sync::Arc;

#[derive(Clone, Default)]
pub struct TokenTables {
    pub tokens: ShardedMap<String, Arc<ActiveToken>>,
    pub previous_keys: ShardedMap<String, Arc<OverlapKey>>,
    pub revoked_tokens: ShardedMap<String, String>,
}

/// The tables of every token in `tokens`.
pub fn token_tables<'a>(tokens: impl IntoIterator<Item = &'a Token>) -> TokenTables {
    let mut tables = TokenTables::default();
    for token in tokens {
        tables.add(token);
    }
    tables
}

impl TokenTables {
    /// Adds what one stored token contributes. A revoked token's previous key is revoked with
    /// it: its right secret is told so too.
    pub fn add(&mut self, t: &Token) {
        let current = t.public_key.to_string();
        if t.revoked_at.is_some() {
            if let Some(previous) = &t.previous {
                let key = previous.public_key.to_string();
                self.revoked_tokens
                    .insert(key, previous.secret_hash.clone());
            }
            self.revoked_tokens.insert(current, t.secret_hash.clone());
            return;
        }
        if let Some(previous) = &t.previous {
            let overlap = OverlapKey {
                current: current.clone(),
                secret_hash: previous.secret_hash.clone(),
                valid_until: previous.valid_until,
            };
            self.previous_keys
                .insert(previous.public_key.to_string(), Arc::new(overlap));
        }
        let token = ActiveToken {
            allowed: AddressAllowlist::from_stored(&t.allowed_ips),
            expires_at: t.expires_at,
            ..ActiveToken::new(
                t.public_key.clone(),
                t.project.clone(),
                t.secret_hash.clone(),
            )
        };
        self.tokens.insert(current, Arc::new(token));
    }

    /// Takes back what `add` put in for this token: every key it holds, current and previous,
    /// belongs to it alone, since a rotation deletes the row stored under the old key.
    pub fn forget(&mut self, t: &Token) {
        let current = t.public_key.as_str();
        self.tokens.remove(current);
        self.revoked_tokens.remove(current);
        if let Some(previous) = &t.previous {
            let key = previous.public_key.as_str();
            self.previous_keys.remove(key);
            self.revoked_tokens.remove(key);
        }
    }
}
