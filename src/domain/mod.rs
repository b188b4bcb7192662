//! Pure types and rules: no I/O, no clocks other than `time::now`.

pub mod advisory;
pub mod audit;
pub mod endpoint;
pub mod licence;
pub mod metadata;
pub mod names;
pub mod proxies;
pub mod publish_log;
pub mod publisher;
pub mod records;
pub mod text;
pub mod time;
pub mod usage;
pub mod version;
pub mod visibility;
