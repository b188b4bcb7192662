#!/usr/bin/env bash
# floods.sh [SHARED_BENCH_DIR]
#
# What floods cost valid customers, in one sitting: wrk on one p2 file with a valid, already
# verified token (64 connections), first alone, then while each flood runs beside it:
#   wrong-password  one fixed wrong private key for the valid token's public key (64 connections)
#   random-secrets  a new random private key on every request for that public key (500 connections)
#   notify-spam     POST /composer/downloads with the valid token, 1,000-entry batches (64 connections)
#   idle-sockets    1,000 idle TCP connections, one in four trickling an unfinished request head
# During each, never-used tokens log in for the first time, one curl each, spread over the run
# (50 during random-secrets, 20 otherwise). Prints per scenario: valid requests/s, the ratio to
# alone, the valid p99, and the first logins' p50/p99.
#
# Uses gen_repo.py from SHARED_BENCH_DIR (default ../shared/bench beside the checkout). Needs wrk,
# python3, curl and a release build (`cargo build --release`). Everything runs on 127.0.0.1 and in
# a temporary folder. Environment: DURATION seconds per measurement (default 10), APP_PORT (8083),
# FRESH_FLOOD (50), FRESH_OTHER (20), KEEP=1 keeps the temporary folder.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BENCH=${1:-$ROOT/../shared/bench}
BIN=$ROOT/target/release/packagento
APP_PORT=${APP_PORT:-8083}
DURATION=${DURATION:-10}
FRESH_FLOOD=${FRESH_FLOOD:-50}
FRESH_OTHER=${FRESH_OTHER:-20}
BASE=http://127.0.0.1:$APP_PORT
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk not found" >&2; exit 2; }
# 500 flood connections plus 1,000 idle ones, on both ends.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

WORK=$(mktemp -d "${TMPDIR:-/tmp}/packagento-floods.XXXXXX")
FLOOD_PID=
APP_PID=
cleanup() {
  [ -n "$FLOOD_PID" ] && kill "$FLOOD_PID" 2>/dev/null || true
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

echo "== generating the repository and loading it"
python3 "$BENCH/gen_repo.py" "$WORK/repo" "$BASE" >/dev/null
export PACKAGENTO_DATA_DIR=$WORK/data PACKAGENTO_LOG=warn
"$BIN" package publish "$WORK/repo/dist" --json >/dev/null 2>"$WORK/publish.log"
"$BIN" project create bench >/dev/null
LICENCE=$("$BIN" licence create --holder Bench --package 'acme/*' --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
"$BIN" licence activate "$LICENCE" --project bench >/dev/null
new_token() {
  "$BIN" token create --project bench --json \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["public_key"], d["private_key"])'
}
read -r USER PASS < <(new_token)
AUTH="Basic $(printf '%s:%s' "$USER" "$PASS" | base64 -w0)"

SCENARIOS="alone wrong-password random-secrets notify-spam idle-sockets"
echo "== issuing never-used tokens for first logins"
for scenario in $SCENARIOS; do
  n=$FRESH_OTHER
  [ "$scenario" = random-secrets ] && n=$FRESH_FLOOD
  for _ in $(seq "$n"); do new_token; done >"$WORK/fresh-$scenario.txt"
done

echo "== starting the server"
"$BIN" serve --listen "127.0.0.1:$APP_PORT" >"$WORK/serve.log" 2>&1 &
APP_PID=$!
until curl -fs -o /dev/null -H "Authorization: $AUTH" "$BASE/packages.json"; do sleep 0.05; done

# The p2 file for the valid load, and the Lua scripts for the floods.
BASE=$BASE AUTH=$AUTH USER=$USER WORK=$WORK python3 - <<'PY'
import json, os, urllib.request
base, auth, user, work = (os.environ[k] for k in ("BASE", "AUTH", "USER", "WORK"))
def get(path):
    request = urllib.request.Request(base + path, headers={"Authorization": auth})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)
root = get("/packages.json")
names = root["available-packages"]
template = root["metadata-url"]
with open(os.path.join(work, "p2-one"), "w") as fh:
    fh.write(template.replace("%package%", names[len(names) // 2]))

# Random private keys: "<public key>:" is 33 bytes, so its base64 ends on a boundary and each
# random group of three hex digits appends four base64 characters.
import base64
groups = ['"%s"' % base64.b64encode(b"%03x" % i).decode() for i in range(4096)]
with open(os.path.join(work, "random.lua"), "w") as fh:
    fh.write('local prefix = "Basic %s"\n' % base64.b64encode(user.encode() + b":").decode())
    fh.write("local groups = {%s}\n" % ",".join(groups))
    fh.write("""
local counter = 0
function setup(thread) counter = counter + 1; thread:set("seed", counter) end
function init(args) math.randomseed(os.time() * 1000 + (seed or 0)) end
function request()
  local parts = {prefix}
  for i = 1, 16 do parts[#parts + 1] = groups[math.random(4096)] end
  return wrk.format("GET", nil, {Authorization = table.concat(parts)})
end
""")

# Notify batches of 1,000 real releases; a random first entry makes each body new, so the
# server's repeat-batch shortcut does not apply.
entries = []
for name in names:
    for version in get(template.replace("%package%", name))["packages"].get(name, []):
        if "version" in version:
            entries.append({"name": name, "version": version["version"]})
    if len(entries) >= 999:
        break
body = json.dumps({"downloads": entries[:999]})
with open(os.path.join(work, "notify.lua"), "w") as fh:
    fh.write("local rest = %s\n" % json.dumps(body[len('{"downloads": ['):]))
    fh.write("""
local counter = 0
function setup(thread) counter = counter + 1; thread:set("seed", counter) end
function init(args) math.randomseed(os.time() * 1000 + (seed or 0)) end
function request()
  local first = '{"downloads": [{"name": "zz/spam", "version": "' .. math.random(1e9) .. '"}, '
  -- wrk.format replaces wrk.headers when given a table: the token from -H is carried over.
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = wrk.headers["Authorization"]}
  return wrk.format("POST", "/composer/downloads", headers, first .. rest)
end
""")
PY
P2_ONE=$(cat "$WORK/p2-one")

start_flood() { # SCENARIO; `exec` makes FLOOD_PID the flood itself, so SIGINT reaches it
  local wrong flood_time=$((DURATION + 10))s
  case "$1" in
    alone) return ;;
    wrong-password)
      wrong="Basic $(printf '%s:%s' "$USER" "$(printf 'f%.0s' $(seq 64))" | base64 -w0)"
      exec wrk -t1 -c64 -d"$flood_time" -H "Authorization: $wrong" "$BASE/packages.json" ;;
    random-secrets)
      exec wrk -t1 -c500 -d"$flood_time" -s "$WORK/random.lua" "$BASE/packages.json" ;;
    notify-spam)
      exec wrk -t1 -c64 -d"$flood_time" -H "Authorization: $AUTH" -s "$WORK/notify.lua" "$BASE/" ;;
    idle-sockets)
      exec python3 "$HERE/idle_sockets.py" 127.0.0.1 "$APP_PORT" 1000 ;;
  esac >"$WORK/flood-$1.txt" 2>&1 &
  FLOOD_PID=$!
}

first_logins() { # SCENARIO: one curl per fresh token, spread over the measurement
  local tokens=$WORK/fresh-$1.txt gap
  gap=$(python3 -c "print($DURATION * 0.9 / $(wc -l <"$tokens"))")
  while read -r user pass; do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -u "$user:$pass" "$BASE/packages.json" \
      >>"$WORK/first-$1.txt" &
    sleep "$gap"
  done <"$tokens"
  wait
}

for scenario in $SCENARIOS; do
  echo "== $scenario"
  start_flood "$scenario"
  # Let the flood reach its steady state (for random-secrets: the key's budget spent).
  [ "$scenario" = alone ] || sleep 2
  first_logins "$scenario" &
  LOGINS=$!
  wrk -t2 -c64 -d"${DURATION}s" --latency -H "Authorization: $AUTH" "$BASE$P2_ONE" \
    >"$WORK/valid-$scenario.txt" 2>&1 || true
  wait "$LOGINS"
  if [ -n "$FLOOD_PID" ]; then
    kill -INT "$FLOOD_PID" 2>/dev/null || true
    wait "$FLOOD_PID" 2>/dev/null || true
    FLOOD_PID=
  fi
  sleep 1
done
echo "resident memory after the floods: $(awk '/VmRSS/ {print $2, $3}' "/proc/$APP_PID/status")"
grep -h "idle sockets" "$WORK/flood-idle-sockets.txt" || true

python3 - "$WORK" $SCENARIOS <<'PY'
import os, re, sys
work, scenarios = sys.argv[1], sys.argv[2:]

def ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text or "")
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)] if m else None

def wrk(path):
    if not os.path.exists(path):
        return None, None
    text = open(path).read()
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    return (float(rate.group(1)) if rate else None), (ms(p99.group(1)) if p99 else None)

def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else None

alone = None
print("\n%-16s %12s %8s %12s %14s %14s %9s %12s" % (
    "scenario", "valid req/s", "ratio", "valid p99", "1st login p50", "1st login p99",
    "1st !200", "flood req/s"))
for s in scenarios:
    rate, p99 = wrk(os.path.join(work, "valid-%s.txt" % s))
    alone = alone if alone is not None else rate
    logins = [line.split() for line in open(os.path.join(work, "first-%s.txt" % s))]
    times = [float(t) * 1000 for _, t in logins]
    refused = sum(1 for code, _ in logins if code != "200")
    flood_rate, _ = wrk(os.path.join(work, "flood-%s.txt" % s))
    fmt = lambda v, unit="": "-" if v is None else "%.1f%s" % (v, unit)
    print("%-16s %12s %8s %12s %14s %14s %9d %12s" % (
        s, fmt(rate), "%.2f" % (rate / alone) if rate and alone else "-", fmt(p99, " ms"),
        fmt(percentile(times, 50), " ms"), fmt(percentile(times, 99), " ms"), refused,
        fmt(flood_rate)))
PY
