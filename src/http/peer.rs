//! Who sent a request, as the public listeners learn it: the client behind trusted proxies, put
//! on the request by `server.rs`, and the token that authenticated, filled in by the handler and
//! read back for the access line.

use crate::domain::proxies::Client;
use std::sync::{Arc, OnceLock};

/// Put on every request: who is asking, after trusted-proxy headers were weighed, and its address
/// as text (made once per connection when no proxy speaks for the client).
#[derive(Clone, Debug)]
pub struct Peer {
    pub client: Client,
    pub address: Arc<str>,
}

/// Filled by the handler once a token authenticates, read by the access line.
#[derive(Clone, Debug, Default)]
pub struct Identity(Arc<OnceLock<String>>);

impl Identity {
    pub fn set(&self, public_key: &str) {
        let _ = self.0.set(public_key.to_string());
    }

    pub fn get(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }
}
