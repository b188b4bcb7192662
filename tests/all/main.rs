//! Integration tests: one binary, real server processes on real sockets, real zips.

mod common;

mod cli;
mod composer;
mod http;
mod inbox;
mod publish_validation;
mod recall;
mod semver_vectors;
mod upload;
