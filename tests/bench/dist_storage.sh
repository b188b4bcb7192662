#!/usr/bin/env bash
# dist_storage.sh
#
# Dist throughput in one sitting, the same archives three ways: from the local disk, proxied
# from a Garage node (storage.backend = "s3"), and redirected to it (storage.s3.redirect = true:
# the 302 answer rate, and separately the follow-through, wrk against a presigned URL itself).
# Two archives: 50 KB (small enough for the appliance's memory cache) and 4 MB (streamed on every
# request). Needs: garage, wrk, curl, python3, and a release build (`cargo build --release`).
# Everything runs on 127.0.0.1 in a temporary folder.
#
# Environment: WRK_DURATION (default 10s), WRK_CONNECTIONS (64), WRK_THREADS (2),
# APP_PORT (8092), GARAGE_PORT (3990; it also takes the next two), KEEP=1 keeps the folder.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=$ROOT/target/release/packagento
APP_PORT=${APP_PORT:-8092}
GARAGE_PORT=${GARAGE_PORT:-3990}
DURATION=${WRK_DURATION:-10s}
CONNECTIONS=${WRK_CONNECTIONS:-64}
THREADS=${WRK_THREADS:-2}
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 2; }
for tool in garage wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/packagento-dist-storage.XXXXXX")
cleanup() {
  [ -n "${APP_PID:-}" ] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null || true
  [ -n "${GARAGE_PID:-}" ] && kill "$GARAGE_PID" 2>/dev/null && wait "$GARAGE_PID" 2>/dev/null || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

echo "== garage (one node)"
cat >"$WORK/garage.toml" <<TOML
metadata_dir = "$WORK/garage/meta"
data_dir = "$WORK/garage/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$((GARAGE_PORT + 1))"
rpc_public_addr = "127.0.0.1:$((GARAGE_PORT + 1))"
rpc_secret = "$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
[s3_api]
api_bind_addr = "127.0.0.1:$GARAGE_PORT"
s3_region = "garage"
root_domain = ".s3.garage.localhost"
[admin]
api_bind_addr = "127.0.0.1:$((GARAGE_PORT + 2))"
TOML
G="garage -c $WORK/garage.toml"
RUST_LOG=garage=warn $G server >"$WORK/garage.log" 2>&1 &
GARAGE_PID=$!
until $G status >/dev/null 2>&1; do sleep 0.2; done
NODE=$($G node id -q 2>/dev/null | cut -d@ -f1)
$G layout assign -z dc1 -c 10G "$NODE" >/dev/null
$G layout apply --version 1 >/dev/null
KEY=$($G key create bench)
KEY_ID=$(awk -F': *' '/Key ID:/ {print $2}' <<<"$KEY")
KEY_SECRET=$(awk -F': *' '/Secret key:/ {print $2}' <<<"$KEY")
$G bucket create bench >/dev/null
$G bucket allow --read --write --owner bench --key bench >/dev/null

echo "== archives and a customer"
python3 - "$WORK/zips" <<'PY'
import io, json, os, sys, zipfile
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, size in (("small", 50 * 1024), ("large", 4 * 1024 * 1024)):
    with zipfile.ZipFile(os.path.join(out, f"acme-{name}-1.0.0.zip"), "w", zipfile.ZIP_STORED) as z:
        z.writestr("composer.json", json.dumps({"name": f"acme/{name}", "type": "library"}))
        z.writestr("data.bin", os.urandom(size))
PY
export PACKAGENTO_DATA_DIR=$WORK/data PACKAGENTO_LOG=warn
"$BIN" package publish "$WORK/zips" --json >/dev/null
"$BIN" project create bench >/dev/null
LICENCE=$("$BIN" licence create --holder Bench --package 'acme/*' --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
"$BIN" licence activate "$LICENCE" --project bench >/dev/null
AUTH=$("$BIN" token create --project bench --json \
  | python3 -c 'import base64,json,sys; d=json.load(sys.stdin); print(base64.b64encode((d["public_key"]+":"+d["private_key"]).encode()).decode())')

storage_config() { # backend redirect
  cat >"$WORK/data/packagento.toml" <<TOML
[storage]
backend = "$1"

[storage.s3]
endpoint = "http://127.0.0.1:$GARAGE_PORT"
region = "garage"
bucket = "bench"
path_style = true
access_key_id = "$KEY_ID"
secret_access_key = "$KEY_SECRET"
redirect = $2
redirect_ttl = "1h"
TOML
}

serve() {
  "$BIN" serve --listen "127.0.0.1:$APP_PORT" >"$WORK/serve.log" 2>&1 &
  APP_PID=$!
  until curl -fs -o /dev/null -H "Authorization: Basic $AUTH" "http://127.0.0.1:$APP_PORT/packages.json"; do sleep 0.05; done
}

stop() {
  kill "$APP_PID"; wait "$APP_PID" || true; APP_PID=""
}

RESULTS=$WORK/results.txt
measure() { # label url [auth]
  local label=$1 url=$2 header=()
  [ "${3:-}" = auth ] && header=(-H "Authorization: Basic $AUTH")
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${header[@]}" "$url")
  local rps mbps p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  mbps=$(awk '/Transfer\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx/ {print $5}' <<<"$out")
  printf '%-28s %10s req/s %10s/s  p99 %8s  non-2xx/3xx %s\n' "$label" "$rps" "$mbps" "$p99" "${non2xx:-0}" | tee -a "$RESULTS"
}

BASE=http://127.0.0.1:$APP_PORT
echo "== local disk"
storage_config local false
serve
measure "local dist-50k" "$BASE/dist/acme/small/1.0.0.zip" auth
measure "local dist-4m" "$BASE/dist/acme/large/1.0.0.zip" auth
stop

echo "== proxied from garage"
"$BIN" storage migrate --to s3 --json >"$WORK/migrate.json" 2>/dev/null
serve
measure "proxied dist-50k" "$BASE/dist/acme/small/1.0.0.zip" auth
measure "proxied dist-4m" "$BASE/dist/acme/large/1.0.0.zip" auth
stop

echo "== redirected to garage"
storage_config s3 true
serve
measure "redirect 302 dist-50k" "$BASE/dist/acme/small/1.0.0.zip" auth
measure "redirect 302 dist-4m" "$BASE/dist/acme/large/1.0.0.zip" auth
for name in small large; do
  LOCATION=$(curl -s -o /dev/null -w '%{redirect_url}' -H "Authorization: Basic $AUTH" "$BASE/dist/acme/$name/1.0.0.zip")
  measure "follow-through $name (garage)" "$LOCATION"
done
stop

echo "== summary (one sitting; compare rows, not machines)"
cat "$RESULTS"
