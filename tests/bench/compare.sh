#!/usr/bin/env bash
# compare.sh [SHARED_BENCH_DIR]
#
# Benchmarks the appliance against nginx serving the same generated repository, in one sitting,
# with the harness in ../shared/bench (gen_repo.py, nginx_baseline.sh, wrk_bench.sh,
# composer_e2e.sh). Needs: nginx wrk php-cli php-zip php-curl composer unzip, and a release build
# (`cargo build --release`). Everything runs on 127.0.0.1 and in a temporary folder.
#
# Environment: HTPASSWD_SCHEME=sha|apr1 (default sha), WRK_DURATION (default 10s),
# NGINX_PORT (8081), APP_PORT (8082), KEEP=1 keeps the temporary folder, BIN (the appliance
# binary, default target/release/packagento: two builds compare in one sitting), E2E=0 skips the
# Composer installs, WRK_TESTS (subset and order of the wrk tests).
# ACCESS_LOG=off (default) runs nginx without an access log and the appliance at log level warn,
# so neither writes a line per request. ACCESS_LOG=on runs both as operators do: nginx with its
# access log, the appliance with its default log level (info), its access lines on stderr
# redirected to a file, as a service manager appending to a file or the journal would.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BENCH=${1:-$ROOT/../shared/bench}
BIN=${BIN:-$ROOT/target/release/packagento}
NGINX_PORT=${NGINX_PORT:-8081}
APP_PORT=${APP_PORT:-8082}
export HTPASSWD_SCHEME=${HTPASSWD_SCHEME:-sha} WORKERS=${WORKERS:-1} ACCESS_LOG=${ACCESS_LOG:-off}
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/packagento-compare.XXXXXX")
cleanup() {
  "$BENCH/nginx_baseline.sh" stop "$NGINX_PORT" "$WORK/repo" >/dev/null 2>&1 || true
  [ -n "${APP_PID:-}" ] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

echo "== generating the repository"
python3 "$BENCH/gen_repo.py" "$WORK/repo" "http://127.0.0.1:$NGINX_PORT" >/dev/null

echo "== loading it into the appliance"
# Loading is quiet in both modes; only `serve` below gets the mode's log level.
export PACKAGENTO_DATA_DIR=$WORK/data PACKAGENTO_LOG=warn
"$BIN" package publish "$WORK/repo/dist" --json >/dev/null 2>"$WORK/publish.log"
"$BIN" project create bench >/dev/null
LICENCE=$("$BIN" licence create --holder Bench --package 'acme/*' --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
"$BIN" licence activate "$LICENCE" --project bench >/dev/null
read -r APP_USER APP_PASS < <("$BIN" token create --project bench --json \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["public_key"], d["private_key"])')

echo "== nginx (HTPASSWD_SCHEME=$HTPASSWD_SCHEME WORKERS=$WORKERS ACCESS_LOG=$ACCESS_LOG)"
"$BENCH/nginx_baseline.sh" start "$NGINX_PORT" "$WORK/repo" >/dev/null
WRK_OUT=$WORK/wrk-nginx WRK_LABEL=nginx "$BENCH/wrk_bench.sh" "http://127.0.0.1:$NGINX_PORT" bench bench-secret
[ "${E2E:-1}" = 0 ] || "$BENCH/composer_e2e.sh" "http://127.0.0.1:$NGINX_PORT" bench bench-secret | tee "$WORK/e2e-nginx.txt" | grep RESULT
"$BENCH/nginx_baseline.sh" stop "$NGINX_PORT" "$WORK/repo" >/dev/null

echo "== appliance ($BIN, ACCESS_LOG=$ACCESS_LOG)"
if [ "$ACCESS_LOG" = on ]; then unset PACKAGENTO_LOG; fi
START=$(date +%s.%N)
"$BIN" serve --listen "127.0.0.1:$APP_PORT" >"$WORK/serve.log" 2>&1 &
APP_PID=$!
until curl -fs -o /dev/null -u "$APP_USER:$APP_PASS" "http://127.0.0.1:$APP_PORT/packages.json"; do sleep 0.01; done
echo "start-up to first answer: $(python3 -c "print(round($(date +%s.%N) - $START, 3))") s"
WRK_OUT=$WORK/wrk-app WRK_LABEL=packagento "$BENCH/wrk_bench.sh" "http://127.0.0.1:$APP_PORT" "$APP_USER" "$APP_PASS"
echo "resident memory after load: $(awk '/VmRSS/ {print $2, $3}' "/proc/$APP_PID/status")"
echo "access lines written: $(grep -c 'packagento::access' "$WORK/serve.log" || true)"
[ "${E2E:-1}" = 0 ] || "$BENCH/composer_e2e.sh" "http://127.0.0.1:$APP_PORT" "$APP_USER" "$APP_PASS" | tee "$WORK/e2e-app.txt" | grep RESULT

echo "== ratios (appliance / nginx, requests/s), p99 appliance vs nginx, and whether p99 <= nginx + 1 ms"
python3 - "$WORK/wrk-nginx/summary.json" "$WORK/wrk-app/summary.json" <<'PY'
import json, sys
nginx, app = (json.load(open(p))["results"] for p in sys.argv[1:3])
by_test = lambda rows: {r["test"]: r for r in rows}
nginx, app = by_test(nginx), by_test(app)
for test, row in app.items():
    base = nginx.get(test)
    if base and base["requests_per_s"]:
        ratio = row["requests_per_s"] / base["requests_per_s"]
        tail = row["p99_ms"] is not None and base["p99_ms"] is not None and row["p99_ms"] <= base["p99_ms"] + 1
        print("%-14s %8.2f   p99 %7s ms vs %7s ms   %s" % (test, ratio, row["p99_ms"], base["p99_ms"], "ok" if tail else "TAIL"))
PY
