//! The token tables a request is authenticated against, made from the stored tokens.

use super::{ActiveToken, OverlapKey};
use crate::domain::proxies::AddressAllowlist;
use crate::domain::records::Token;
use std::collections::HashMap;

#[derive(Default)]
pub struct TokenTables {
    pub tokens: HashMap<String, ActiveToken>,
    pub previous_keys: HashMap<String, OverlapKey>,
    pub revoked_tokens: HashMap<String, String>,
}

/// A revoked token's previous key is revoked with it: its right secret is told so too.
pub fn token_tables<'a>(tokens: impl IntoIterator<Item = &'a Token>) -> TokenTables {
    let mut tables = TokenTables::default();
    for t in tokens {
        let current = t.public_key.to_string();
        if t.revoked_at.is_some() {
            if let Some(previous) = &t.previous {
                let key = previous.public_key.to_string();
                tables
                    .revoked_tokens
                    .insert(key, previous.secret_hash.clone());
            }
            tables.revoked_tokens.insert(current, t.secret_hash.clone());
            continue;
        }
        if let Some(previous) = &t.previous {
            let overlap = OverlapKey {
                current: current.clone(),
                secret_hash: previous.secret_hash.clone(),
                valid_until: previous.valid_until,
            };
            tables
                .previous_keys
                .insert(previous.public_key.to_string(), overlap);
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
        tables.tokens.insert(current, token);
    }
    tables
}
