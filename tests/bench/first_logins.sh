#!/usr/bin/env bash
# first_logins.sh [TOKENS]
#
# What a restart costs returning customers: each token's first request after a start checks its
# private key against the stored hash. Makes TOKENS tokens hashed with argon2id (as releases before
# `keys.hash` stored them) and TOKENS hashed with SHA-256, then times every argon2id token's first
# GET /packages.json over STARTS restarts (the first start replaces their hashes with SHA-256),
# and the SHA-256 tokens' once. The work is done by tests/bench/first_logins.py. Needs python3 and
# a release build (`cargo build --release`). Everything runs on 127.0.0.1 and in a temporary
# folder.
#
# Environment (the argument wins): TOKENS (300), CONCURRENCY (16), STARTS (3), APP_PORT (8085),
# KEEP=1 keeps the temporary folder, BIN (target/release/packagento).
set -euo pipefail

export TOKENS=${1:-${TOKENS:-300}}

source "$(dirname "${BASH_SOURCE[0]}")/python_bench.sh"
python_bench logins first_logins.py
