#!/usr/bin/env bash
# Runs the public HTTP caching test suite (npm `http-cache-tests`, the suite behind https://cache-tests.fyi) against
# `aegis serve` with its HTTP cache on, and optionally against Varnish, nginx (proxy_cache) and Apache Traffic
# Server in the same run, all in front of the suite's own origin server on 127.0.0.1. Prints the score the way
# cache-tests.fyi counts it (required tests passed) and a per-category breakdown, and keeps the raw results JSON.
# See bench/README.md ("HTTP caching test suite") and docs/cache.md ("Conformance and performance").
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bench/cache-tests/run.sh [options]
  -T LIST     targets, comma separated, from: aegis,varnish,nginx,trafficserver,origin (default aegis)
              (origin = the suite's server without any cache: the floor)
  -b DIR      build directory holding the aegis binary (default $BUILD or build)
  -a FILE     the aegis binary itself (overrides -b)
  -o DIR      where to write <target>.json (raw suite results), scores.json and run logs
              (default bench/cache-tests/results, git-ignored)
  -i TEST_ID  run only this test against each target and print the requests/responses the suite saw
  -m FILE     also write a Markdown report (scores, categories, failing tests of the first target) to FILE
  -n N        exit 1 unless the first target scores at least N required tests passed (regression guard)
  -R          also show the scores of the results the suite ships (nginx, Varnish, ATS, httpd, Squid)
  -k          keep the temporary directory (configs, logs) for inspection
  -h          this help
Environment: AEGIS_CACHE_YAML replaces the `cache:` section of the generated aegis config;
AEGIS_ROUTE_YAML is added to its single route (indented under it, e.g. "cache: {...}");
AEGIS_EXTRA_YAML is appended verbatim.
Exit status: 0 ok, 1 failure (or score below -n), 2 usage, 77 node/npm unavailable or the suite cannot be installed.
USAGE
}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TARGETS=aegis BUILD_DIR=${BUILD:-build} AEGIS="" OUTDIR=$HERE/results TEST_ID="" MARKDOWN="" MIN="" REFERENCE=0 KEEP=0
while getopts "T:b:a:o:i:m:n:Rkh" opt; do
  case $opt in
    T) TARGETS=$OPTARG ;; b) BUILD_DIR=$OPTARG ;; a) AEGIS=$OPTARG ;; o) OUTDIR=$OPTARG ;; i) TEST_ID=$OPTARG ;; m) MARKDOWN=$OPTARG ;;
    n) MIN=$OPTARG ;; R) REFERENCE=1 ;; k) KEEP=1 ;; h) usage; exit 0 ;; *) usage >&2; exit 2 ;;
  esac
done
[[ $BUILD_DIR = /* ]] || BUILD_DIR=$ROOT/$BUILD_DIR
if [[ -z $AEGIS ]]; then
  AEGIS=$BUILD_DIR/aegis
  [[ -x $AEGIS ]] || AEGIS=$BUILD_DIR/src/aegis
fi

# ---- the suite: node_modules pinned by package-lock.json (npm ci only when missing or older than the lock) -----------
command -v node >/dev/null 2>&1 || { echo "cache-tests: SKIP: node is not installed" >&2; exit 77; }
command -v npm >/dev/null 2>&1 || { echo "cache-tests: SKIP: npm is not installed" >&2; exit 77; }
SUITE=$HERE/node_modules/http-cache-tests
install_suite() {
  local installed=$HERE/node_modules/.package-lock.json
  if [[ -f $SUITE/cli.mjs && -f $installed && ! $HERE/package-lock.json -nt $installed ]]; then return 0; fi
  echo "cache-tests: npm ci in $HERE" >&2
  (cd "$HERE" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) >&2
}
# Two runs at once (ctest while someone runs the script) must not both run npm ci in the same directory.
if ! (flock -w 600 9 && install_suite) 9>"$HERE/.npm-install.lock"; then
  echo "cache-tests: SKIP: npm ci failed (registry unreachable?)" >&2
  exit 77
fi

source "$HERE/peers.sh"
need() { [[ -x $1 ]] || command -v "$1" >/dev/null 2>&1 || { echo "cache-tests: missing $1 ($2)" >&2; exit 1; }; }
IFS=, read -r -a TARGET_LIST <<<"$TARGETS"
for t in "${TARGET_LIST[@]}"; do
  case $t in
    aegis) need "$AEGIS" "build it: make build" ;;
    varnish) need "$PEER_VARNISHD" "apt-get install varnish (scripts/setup.sh)" ;;
    nginx) need "$PEER_NGINX" "apt-get install nginx-light" ;;
    trafficserver) need "$PEER_ATS" "apt-get install trafficserver (scripts/setup.sh)" ;;
    origin) ;;
    *) echo "cache-tests: unknown target '$t'" >&2; usage >&2; exit 2 ;;
  esac
done

mkdir -p "$OUTDIR"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/aegis-cache-tests.XXXXXX")
chmod 755 "$TMP"
PIDS=()
stop_pid() {
  local pid=$1
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if [[ $KEEP = 1 ]]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
wait_port() {  # wait_port PORT NAME PID
  for _ in $(seq 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$3" 2>/dev/null || { echo "cache-tests: $2 exited; see below" >&2; tail -n 30 "$TMP/$2.err" >&2 || true; exit 1; }
    sleep 0.05
  done
  echo "cache-tests: $2 did not listen on $1" >&2; exit 1
}
start() {  # start NAME PORT cmd...   (sets LAST_PID)
  local name=$1 port=$2; shift 2
  "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  wait_port "$port" "$name" "$LAST_PID"
}

# ---- origin: the suite's test server --------------------------------------------------------------------------------
ORIGIN_PORT=$(free_port)
(cd "$SUITE" && exec env npm_config_port="$ORIGIN_PORT" npm_config_protocol=http \
  npm_config_pidfile="$TMP/origin.pid" node server/server.mjs) >"$TMP/origin.out" 2>"$TMP/origin.err" &
PIDS+=("$!")
wait_port "$ORIGIN_PORT" origin "$!"

aegis_config() {  # aegis_config PORT ADMIN_PORT
  cat <<CONF
workers: 1
log_level: warn
listeners:
  - address: 127.0.0.1
    port: $1
admin:
  address: 127.0.0.1
  port: $2
access_log:
  enabled: false
origins:
  - name: origin
    servers: ["127.0.0.1:$ORIGIN_PORT"]
routes:
  - host: "*"
    path_prefix: /
    origin: origin
$(sed 's/^/    /' <<<"${AEGIS_ROUTE_YAML:-}")
${AEGIS_CACHE_YAML:-cache:
  enabled: true}
${AEGIS_EXTRA_YAML:-}
CONF
}

start_target() {  # start_target NAME → sets TARGET_PORT, TARGET_PID
  local t=$1 port
  port=$(free_port)
  local cmd=()
  case $t in
    aegis)
      aegis_config "$port" "$(free_port)" >"$TMP/aegis.yaml"
      cmd=("$AEGIS" serve -c "$TMP/aegis.yaml") ;;
    varnish) mapfile -t cmd < <(peer_varnish_cmd "$TMP/varnish" "$port" "$ORIGIN_PORT" 1) ;;
    nginx) mapfile -t cmd < <(peer_nginx_cache_cmd "$TMP/nginx" "$port" "$ORIGIN_PORT" 1) ;;
    trafficserver) mapfile -t cmd < <(peer_ats_cmd "$TMP/trafficserver" "$port" "$ORIGIN_PORT" 1) ;;
    origin) TARGET_PORT=$ORIGIN_PORT; TARGET_PID=""; return 0 ;;
  esac
  start "$t" "$port" "${cmd[@]}"
  TARGET_PORT=$port TARGET_PID=$LAST_PID
  # Wait until the target proxies to the origin (ATS and Varnish accept before their cache is ready).
  for _ in $(seq 200); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/test/ready-probe" || true) = 409 ]] && return 0
    sleep 0.1
  done
  echo "cache-tests: $t does not reach the origin (GET /test/ready-probe did not return the origin's 409)" >&2
  tail -n 30 "$TMP/$t.err" >&2 || true
  exit 1
}

run_suite() {  # run_suite BASE_URL [TEST_ID] → results JSON on stdout
  (cd "$SUITE" && exec env npm_config_base="$1" npm_package_config_base="$1" npm_config_id="${2:-}" \
    npm_package_config_id="${2:-}" node --no-warnings cli.mjs)
}

SCORE_ARGS=()
for t in "${TARGET_LIST[@]}"; do
  start_target "$t"
  if [[ -n $TEST_ID ]]; then
    echo "==== $t: $TEST_ID"
    run_suite "http://127.0.0.1:$TARGET_PORT" "$TEST_ID" || true
  else
    echo "cache-tests: running the suite against $t on 127.0.0.1:$TARGET_PORT" >&2
    start_s=$SECONDS
    if ! run_suite "http://127.0.0.1:$TARGET_PORT" >"$OUTDIR/$t.json" 2>"$OUTDIR/$t.log" ||
       ! node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$OUTDIR/$t.json" 2>/dev/null; then
      echo "cache-tests: the suite did not produce results for $t; see $OUTDIR/$t.log" >&2
      tail -n 20 "$OUTDIR/$t.log" >&2
      exit 1
    fi
    echo "cache-tests: $t done in $((SECONDS - start_s)) s, raw results in $OUTDIR/$t.json" >&2
    SCORE_ARGS+=("$t=$OUTDIR/$t.json")
  fi
  if [[ -n $TARGET_PID ]]; then
    [[ $t = aegis ]] && cp "$TMP/aegis.yaml" "$OUTDIR/aegis.yaml"
    cp "$TMP/$t.err" "$OUTDIR/$t.stderr" 2>/dev/null || true
    stop_pid "$TARGET_PID"
  fi
done
[[ -n $TEST_ID ]] && exit 0

echo
args=(--categories --json "$OUTDIR/scores.json")
[[ $REFERENCE = 1 ]] && args+=(--reference)
[[ -n $MARKDOWN ]] && args+=(--markdown "$MARKDOWN")
[[ -n $MIN ]] && args+=(--min "$MIN")
[[ ,$TARGETS, == *,aegis,* ]] && args+=(--failing aegis)
node "$HERE/score.mjs" "${args[@]}" "${SCORE_ARGS[@]}"
