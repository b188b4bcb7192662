//! Integration tests: one binary, real server processes on real sockets, real zips.

mod common;

mod cli;
mod composer;
mod http;
mod semver_vectors;
mod tui;
