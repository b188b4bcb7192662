//! Publisher tokens, read on every upload (uploads are rare, so no cache to keep coherent).

use super::tables::PUBLISHERS;
use super::{ReadTables, Reader, Result, Writer};
use crate::domain::names::PublicKey;
use crate::domain::publisher::PublisherToken;

impl Writer<'_> {
    pub fn publisher(&self, key: &PublicKey) -> Result<Option<PublisherToken>> {
        self.get(PUBLISHERS, key.as_str())
    }
    pub fn put_publisher(&self, token: &PublisherToken) -> Result<()> {
        self.put(PUBLISHERS, token.public_key.as_str(), token)
    }
}

impl Reader<'_> {
    pub fn publisher(&self, key: &str) -> Result<Option<PublisherToken>> {
        self.get(PUBLISHERS, key)
    }
    pub fn publishers(&self) -> Result<Vec<PublisherToken>> {
        self.list(PUBLISHERS)
    }
}
