#!/usr/bin/env bash
# scale.sh [PROJECTS [PACKAGES [VERSIONS]]]
#
# How admin changes, a bulk publish, start-up and memory grow with the catalogue and the number of
# projects. Loads PACKAGES x VERSIONS generated release zips and PROJECTS projects, each with its
# own licence (even projects `bench/*`, odd ones three named packages) and token, into a fresh
# appliance through the running server's admin socket, then measures through the same socket.
# The work is done by tests/bench/scale.py. Needs python3 and a release build
# (`cargo build --release`). Everything runs on 127.0.0.1 and in a temporary folder.
#
# Environment (the arguments win): PROJECTS (200), PACKAGES (20), VERSIONS (5), REPEAT (20: samples
# per admin change), BULK (100: versions in the bulk publish), STARTS (3: restarts timed),
# APP_PORT (8084), JSON_OUT (a file for the figures as JSON), KEEP=1 keeps the temporary folder,
# BIN (target/release/packagento: another build, to compare two in one sitting).
set -euo pipefail

export PROJECTS=${1:-${PROJECTS:-200}} PACKAGES=${2:-${PACKAGES:-20}} VERSIONS=${3:-${VERSIONS:-5}}

source "$(dirname "${BASH_SOURCE[0]}")/python_bench.sh"
python_bench scale scale.py
