//! Integration tests: one binary, real server processes on real sockets, real zips.

mod common;

mod advisories;
mod advisory_impact;
mod audit;
mod backup;
mod cli;
mod cli_output;
mod composer;
mod connections;
mod customers;
mod deploy;
mod disk;
mod disk_full;
mod docs;
mod feed;
mod git_import;
mod hostile_text;
mod hosts;
mod http;
mod inbox;
mod large_reads;
mod licence_terms;
mod packaging;
mod publish_validation;
mod readme;
mod recall;
mod semver_vectors;
mod shared_tokens;
mod storage_s3;
mod tls;
mod token_lifetime;
mod tui;
mod upgrade;
mod upload;
mod visibility;
