//! Integration tests: one binary, real server processes on real sockets, real zips.

mod common;

mod cli;
mod composer;
mod deploy;
mod http;
mod packaging;
mod semver_vectors;
mod tls;
