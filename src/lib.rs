//! Packagento: a self-hosted appliance that sells and serves private PHP packages to Composer.
//!
//! How the parts fit: `cli` parses the command line and composes everything; `http` serves the
//! Composer endpoints and the admin socket; `service` holds the use-cases (auth, publishing,
//! catalogue views, analytics) over `store`, the redb database; `domain` is pure rules and types.
//! Dependencies point one way: cli → http → service → store → domain.

pub mod cli;
pub mod config;
pub mod domain;
pub mod http;
pub mod service;
pub mod store;
pub mod tui;
pub mod watch;
