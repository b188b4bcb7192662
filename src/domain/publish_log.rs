//! The publish log: every attempt to publish, from any path, with its outcome.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishEvent {
    /// Unix microseconds.
    pub at_micros: i64,
    /// Which way the release came in: `cli`, `upload`, `inbox` or `git`.
    pub source: String,
    /// The file as the vendor named it, when there was one.
    pub file: Option<String>,
    pub package: Option<String>,
    pub version: Option<String>,
    /// `published`, `unchanged` or `failed`.
    pub outcome: String,
    /// Why it failed, or the warnings of a release that was kept.
    pub message: Option<String>,
}
