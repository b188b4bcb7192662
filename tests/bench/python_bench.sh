#!/usr/bin/env bash
# Sourced by the benchmarks whose work is a python script (scale.sh, first_logins.sh): checks for
# the release build (BIN, default target/release/packagento), makes a temporary folder (KEEP=1
# keeps it) and runs `python3 SCRIPT BIN WORK`.

python_bench() {
  local name=$1 script=$2 here root
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  root=$(cd "$here/../.." && pwd)
  BIN=${BIN:-$root/target/release/packagento}
  [ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 2; }
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/packagento-$name.XXXXXX")
  trap 'if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi' EXIT
  python3 "$here/$script" "$BIN" "$WORK"
}
