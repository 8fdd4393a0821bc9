#!/usr/bin/env bash
# Side-by-side reverse-proxy benchmark: aegis vs nginx (reverse proxy, keepalive upstream) vs haproxy (http-reuse),
# all in front of the same nginx origin serving a fixed 1 KiB file, all on loopback, all started by this script.
# Scenario cache-hit: the same 1 KiB object served from cache by aegis, Apache Traffic Server and Varnish.
# See bench/README.md for how to read the output.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bench/proxy.sh [options]
  -w N         worker processes/threads for each proxy (default 1)
  -r N         measured runs per target; the median is reported (default 3)
  -d DURATION  wrk duration per run (default 10s)
  -c N         wrk connections (default 64)
  -t N         wrk threads (default 2)
  -W DURATION  warm-up per target before measuring, 0 to skip (default 2s)
  -T LIST      targets, comma separated, from: origin,aegis,aegis-fn,nginx,haproxy,trafficserver,varnish
               (default aegis,nginx,haproxy; with -s cache-hit aegis,trafficserver,varnish;
               with -s edge-function aegis,aegis-fn)
  -s SCENARIO  proxy (default): plain reverse proxying of GET /1k.txt.
               cache-hit: GET /1k.txt is cacheable (origin sends Cache-Control: public, max-age=3600) and
                 every measured request is a cache hit: aegis with its HTTP cache on, Apache Traffic Server,
                 Varnish, and nginx with proxy_cache if listed. The origin counts its requests: a target that
                 sends more than a handful to the origin during its runs is reported as not serving hits.
               edge-function: the same node twice, side by side: `aegis` plain and `aegis-fn` with one
                 header-injection edge function (examples/functions/header_inject.c, request phase) on the
                 route; reports the aegis-fn/aegis throughput ratio (target >= 0.90).
               Later scenarios plug in through aegis_scenario_yaml() below.
  -b DIR       build directory holding the aegis binary (default $BUILD or build)
  -o FILE      also write the results as TSV (target, req/s, p50 ms, p99 ms, per run)
  -p P:L       pin CPUs with taskset: the proxies to CPU list P, wrk and the origin to CPU list L (e.g. -p 2,3:0,1
               on a 4-core machine). Default: no pinning, everything shares every CPU
  -k           keep the temporary directory (configs, logs) for inspection
  -h           this help
Environment: AEGIS_EXTRA_YAML is appended verbatim to the generated aegis config.
USAGE
}

WORKERS=1 RUNS=3 DURATION=10s CONNS=64 THREADS=2 WARMUP=2s TARGETS="" SCENARIO=proxy
BUILD_DIR=${BUILD:-build} OUT="" KEEP=0 PIN=""
while getopts "w:r:d:c:t:W:T:s:b:o:p:kh" opt; do
  case $opt in
    w) WORKERS=$OPTARG ;; r) RUNS=$OPTARG ;; d) DURATION=$OPTARG ;; c) CONNS=$OPTARG ;; t) THREADS=$OPTARG ;;
    W) WARMUP=$OPTARG ;; T) TARGETS=$OPTARG ;; s) SCENARIO=$OPTARG ;; b) BUILD_DIR=$OPTARG ;; o) OUT=$OPTARG ;;
    p) PIN=$OPTARG ;; k) KEEP=1 ;; h) usage; exit 0 ;; *) usage >&2; exit 2 ;;
  esac
done

case $SCENARIO in
  proxy) : "${TARGETS:=aegis,nginx,haproxy}" ;;
  cache-hit) : "${TARGETS:=aegis,trafficserver,varnish}" ;;
  edge-function) : "${TARGETS:=aegis,aegis-fn}" ;;
  *) echo "proxy.sh: unknown scenario '$SCENARIO' (available: proxy, cache-hit, edge-function)" >&2; exit 2 ;;
esac

# CPU pinning: command prefixes for the proxies and for the load side (wrk and the origin).
PIN_PROXY=() PIN_LOAD=()
if [[ -n $PIN ]]; then
  [[ $PIN =~ ^[0-9,-]+:[0-9,-]+$ ]] || { echo "proxy.sh: -p wants PROXY_CPUS:LOAD_CPUS, e.g. 1:0 or 2,3:0,1" >&2; exit 2; }
  command -v taskset >/dev/null || { echo "proxy.sh: missing taskset (apt-get install util-linux)" >&2; exit 1; }
  PIN_PROXY=(taskset -c "${PIN%%:*}") PIN_LOAD=(taskset -c "${PIN##*:}")
  "${PIN_PROXY[@]}" true && "${PIN_LOAD[@]}" true || { echo "proxy.sh: -p $PIN: no such CPUs here" >&2; exit 2; }
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/bench/cache-tests/peers.sh"  # Apache Traffic Server, Varnish, nginx proxy_cache in private dirs
[[ $BUILD_DIR = /* ]] || BUILD_DIR=$ROOT/$BUILD_DIR
AEGIS=$BUILD_DIR/aegis
[[ -x $AEGIS ]] || AEGIS=$BUILD_DIR/src/aegis  # where CMake puts it unless the output directory is set
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
need() { [[ -x $1 ]] || command -v "$1" >/dev/null 2>&1 || { echo "proxy.sh: missing $1 ($2)" >&2; exit 1; }; }
need wrk "apt-get install wrk"
need curl "apt-get install curl"
need "$NGINX" "apt-get install nginx"
[[ ,$TARGETS, == *,haproxy,* ]] && need "$HAPROXY" "apt-get install haproxy"
[[ ,$TARGETS, == *,aegis,* || ,$TARGETS, == *,aegis-fn,* ]] && need "$AEGIS" "build it: make build"
EDGE_MODULE=$BUILD_DIR/wasm/example_header_inject.wasm
[[ ,$TARGETS, == *,aegis-fn,* && ! -f $EDGE_MODULE ]] && { echo "proxy.sh: missing $EDGE_MODULE (make build)" >&2; exit 1; }
[[ ,$TARGETS, == *,trafficserver,* ]] && need "$PEER_ATS" "apt-get install trafficserver (scripts/setup.sh)"
[[ ,$TARGETS, == *,varnish,* ]] && need "$PEER_VARNISHD" "apt-get install varnish (scripts/setup.sh)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/aegis-bench.XXXXXX")
chmod 755 "$TMP"  # nginx workers (www-data/nobody) read the file and temp paths
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [[ $KEEP = 1 ]]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() {  # wait_port PORT NAME PID
  for _ in $(seq 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$3" 2>/dev/null || { echo "proxy.sh: $2 exited; see $TMP/$2.err" >&2; cat "$TMP/$2.err" >&2 || true; exit 1; }
    sleep 0.05
  done
  echo "proxy.sh: $2 did not listen on $1" >&2; exit 1
}

start() {  # start NAME PORT cmd...
  local name=$1 port=$2; shift 2
  "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  PIDS+=($!)
  PID_OF[$name]=$!
  wait_port "$port" "$name" "$!"
}
declare -A PID_OF

cpu_ticks() {  # cpu_ticks PID → "user system" clock ticks of the process and its descendants
  local pid=$1 u s kid ku ks
  read -r u s < <(awk '{ sub(/^.*\) /, ""); print $12, $13 }' "/proc/$pid/stat" 2>/dev/null)
  u=${u:-0} s=${s:-0}
  for kid in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    read -r ku ks < <(cpu_ticks "$kid")
    u=$((u + ku)) s=$((s + ks))
  done
  echo "$u $s"
}
CLK_TCK=$(getconf CLK_TCK)

threads_of() {  # threads_of PID → threads of the process and its descendants (varnishd: manager + child)
  local pid=$1 n kid
  n=$(ps -o nlwp= -p "$pid" 2>/dev/null | tr -d ' ')
  for kid in $(ps -o pid= --ppid "$pid" 2>/dev/null); do n=$((${n:-0} + $(threads_of "$kid"))); done
  echo "${n:-0}"
}

# ---- origin: nginx serving a fixed 1 KiB file -------------------------------------------------------------------
ORIGIN_PORT=$(free_port)
mkdir -p "$TMP/www" "$TMP/origin" "$TMP/nginx-proxy"
head -c 1024 /dev/zero | tr '\0' 'a' >"$TMP/www/1k.txt"
nginx_common() {  # nginx_common PREFIX
  cat <<CONF
daemon off;
master_process on;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
CONF
}
ORIGIN_LOG=$TMP/origin/access.log
if [[ $SCENARIO = cache-hit ]]; then
  # Cacheable for an hour; every request that reaches the origin is logged so hits can be verified.
  ORIGIN_HTTP="access_log $ORIGIN_LOG; add_header Cache-Control \"public, max-age=3600\";"
else
  ORIGIN_HTTP="access_log off;"
fi
: >"$ORIGIN_LOG"
{
  nginx_common "$TMP/origin"
  cat <<CONF
worker_processes 1;
http {
  $ORIGIN_HTTP
  client_body_temp_path $TMP/origin/body; proxy_temp_path $TMP/origin/proxy; fastcgi_temp_path $TMP/origin/fcgi;
  uwsgi_temp_path $TMP/origin/uwsgi; scgi_temp_path $TMP/origin/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$ORIGIN_PORT reuseport;
    root $TMP/www;
    location / { default_type text/plain; }
  }
}
CONF
} >"$TMP/origin/nginx.conf"
start origin "$ORIGIN_PORT" "${PIN_LOAD[@]}" "$NGINX" -p "$TMP/origin" -e "$TMP/origin/error.log" -c "$TMP/origin/nginx.conf"

# ---- the proxies ------------------------------------------------------------------------------------------------
declare -A PORT
# Extra aegis YAML per scenario: the hook for later scenarios (edge function on the route, cache hits, ...).
aegis_scenario_yaml() {
  case $SCENARIO in
    proxy) ;;
    cache-hit) printf 'cache:\n  enabled: true\n' ;;
  esac
}
SCENARIO_YAML=$(aegis_scenario_yaml)
URL_PATH=/1k.txt

# aegis_config NAME ROUTE_EXTRA EXTRA_YAML: the aegis config (its route gets ROUTE_EXTRA lines).
aegis_config() {
  PORT[$1]=$(free_port)
  cat >"$TMP/$1.yaml" <<CONF
workers: $WORKERS
log_level: warn
listeners:
  - address: 127.0.0.1
    port: ${PORT[$1]}
admin:
  address: 127.0.0.1
  port: $(free_port)
access_log:
  enabled: false
origins:
  - name: origin
    servers: ["127.0.0.1:$ORIGIN_PORT"]
    pool_size: 256
routes:
  - host: "*"
    path_prefix: /
    origin: origin
$2
$3
$SCENARIO_YAML
${AEGIS_EXTRA_YAML:-}
CONF
}
if [[ ,$TARGETS, == *,aegis,* ]]; then
  aegis_config aegis "" ""
  start aegis "${PORT[aegis]}" "${PIN_PROXY[@]}" "$AEGIS" serve -c "$TMP/aegis.yaml"
fi
if [[ ,$TARGETS, == *,aegis-fn,* ]]; then
  # The same node with one header-injection edge function on every request.
  aegis_config aegis-fn "    functions: [header-inject]" "functions:
  - name: header-inject
    module: $EDGE_MODULE"
  start aegis-fn "${PORT[aegis-fn]}" "${PIN_PROXY[@]}" "$AEGIS" serve -c "$TMP/aegis-fn.yaml"
fi

if [[ ,$TARGETS, == *,nginx,* && $SCENARIO = cache-hit ]]; then
  PORT[nginx]=$(free_port)
  mapfile -t cmd < <(peer_nginx_cache_cmd "$TMP/nginx-cache" "${PORT[nginx]}" "$ORIGIN_PORT" "$WORKERS")
  start nginx "${PORT[nginx]}" "${PIN_PROXY[@]}" "${cmd[@]}"
elif [[ ,$TARGETS, == *,nginx,* ]]; then
  PORT[nginx]=$(free_port)
  {
    nginx_common "$TMP/nginx-proxy"
    cat <<CONF
worker_processes $WORKERS;
http {
  access_log off;
  client_body_temp_path $TMP/nginx-proxy/body; proxy_temp_path $TMP/nginx-proxy/proxy;
  fastcgi_temp_path $TMP/nginx-proxy/fcgi; uwsgi_temp_path $TMP/nginx-proxy/uwsgi; scgi_temp_path $TMP/nginx-proxy/scgi;
  keepalive_requests 1000000;
  upstream origin { server 127.0.0.1:$ORIGIN_PORT; keepalive 256; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${PORT[nginx]};
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
    }
  }
}
CONF
  } >"$TMP/nginx-proxy/nginx.conf"
  start nginx "${PORT[nginx]}" "${PIN_PROXY[@]}" "$NGINX" -p "$TMP/nginx-proxy" -e "$TMP/nginx-proxy/error.log" -c "$TMP/nginx-proxy/nginx.conf"
fi

if [[ ,$TARGETS, == *,haproxy,* ]]; then
  PORT[haproxy]=$(free_port)
  cat >"$TMP/haproxy.cfg" <<CONF
global
  nbthread $WORKERS
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  http-reuse always
  option http-keep-alive
frontend fe
  bind 127.0.0.1:${PORT[haproxy]}
  default_backend be
backend be
  server origin 127.0.0.1:$ORIGIN_PORT
CONF
  start haproxy "${PORT[haproxy]}" "${PIN_PROXY[@]}" "$HAPROXY" -db -f "$TMP/haproxy.cfg"
fi

if [[ ,$TARGETS, == *,trafficserver,* ]]; then
  PORT[trafficserver]=$(free_port)
  mapfile -t cmd < <(peer_ats_cmd "$TMP/trafficserver" "${PORT[trafficserver]}" "$ORIGIN_PORT" "$WORKERS")
  start trafficserver "${PORT[trafficserver]}" "${PIN_PROXY[@]}" "${cmd[@]}"
fi

if [[ ,$TARGETS, == *,varnish,* ]]; then
  PORT[varnish]=$(free_port)
  mapfile -t cmd < <(peer_varnish_cmd "$TMP/varnish" "${PORT[varnish]}" "$ORIGIN_PORT" "$WORKERS")
  start varnish "${PORT[varnish]}" "${PIN_PROXY[@]}" "${cmd[@]}"
fi

[[ ,$TARGETS, == *,origin,* ]] && PORT[origin]=$ORIGIN_PORT

IFS=, read -r -a TARGET_LIST <<<"$TARGETS"
for t in "${TARGET_LIST[@]}"; do
  [[ -n ${PORT[$t]:-} ]] || { echo "proxy.sh: unknown target '$t'" >&2; exit 2; }
  size=""
  for _ in $(seq 100); do  # ATS and Varnish accept connections a moment before they serve
    size=$(curl -sf -o /dev/null -w '%{size_download}' "http://127.0.0.1:${PORT[$t]}$URL_PATH") && break
    sleep 0.1
  done
  [[ -n $size ]] || { echo "proxy.sh: $t does not serve $URL_PATH" >&2; exit 1; }
  [[ $size = 1024 ]] || { echo "proxy.sh: $t returned $size bytes, expected 1024" >&2; exit 1; }
done
origin_requests() { if [[ $SCENARIO = cache-hit ]]; then wc -l <"$ORIGIN_LOG"; else echo 0; fi; }

# ---- measure ----------------------------------------------------------------------------------------------------
to_ms() {  # wrk latency ("812.00us", "1.23ms", "1.01s") → milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

run_wrk() {  # run_wrk TARGET DURATION → "rps p50 p99 requests-per-CPU-second user-µs/req system-µs/req"
  local out before after total u0=0 s0=0 u1=0 s1=0 pid=${PID_OF[$1]:-}
  before=$(origin_requests)
  [[ -n $pid ]] && read -r u0 s0 < <(cpu_ticks "$pid")
  out=$("${PIN_LOAD[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$2" --latency "http://127.0.0.1:${PORT[$1]}$URL_PATH")
  [[ -n $pid ]] && read -r u1 s1 < <(cpu_ticks "$pid")
  after=$(origin_requests)
  if [[ $SCENARIO = cache-hit && $1 != origin ]]; then
    # Every request should be a hit: allow a few origin requests (expiry races, per-thread caches), not more.
    total=$(awk '/requests in/ { print $1 }' <<<"$out")
    if (( after - before > 10 + ${total:-0} / 1000 )); then
      echo "proxy.sh: warning: $1 is not serving cache hits: the origin saw $((after - before)) of ${total:-?} requests" >&2
    fi
  fi
  if grep -q "Non-2xx or 3xx responses\|Socket errors" <<<"$out"; then
    echo "proxy.sh: warning: $1 had errors:" >&2
    grep "Non-2xx\|Socket errors" <<<"$out" >&2
  fi
  local rps p50 p99
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
  # Requests served per CPU-second the target itself used: less sensitive to a busy machine than req/s. Split
  # into user and system (kernel) microseconds per request: on loopback the kernel's TCP work is most of it.
  local per_cpu
  per_cpu=$(awk -v n="$(awk '/requests in/ { print $1 }' <<<"$out")" -v u=$((u1 - u0)) -v s=$((s1 - s0)) \
    -v hz="$CLK_TCK" 'BEGIN { t = u + s; if (t > 0 && n > 0) printf "%.0f %.1f %.1f", n / (t / hz), u / hz * 1e6 / n, s / hz * 1e6 / n; else print "0 0 0" }')
  echo "$rps $p50 $p99 $per_cpu"
}

echo "origin: nginx (1 worker) on 127.0.0.1:$ORIGIN_PORT serving 1 KiB; proxies: $WORKERS worker(s) each;"
echo "load: wrk -t$THREADS -c$CONNS -d$DURATION --latency, $RUNS run(s) per target, interleaved; scenario: $SCENARIO"
[[ -n $PIN ]] && echo "pinned: proxies on CPUs ${PIN%%:*}, wrk and origin on CPUs ${PIN##*:}"
if [[ $WARMUP != 0 ]]; then
  for t in "${TARGET_LIST[@]}"; do run_wrk "$t" "$WARMUP" >/dev/null; done
fi
# Threads per target after warm-up: on a busy machine CPU is shared per thread, so say how many each one runs.
line="threads:"
for t in "${TARGET_LIST[@]}"; do
  [[ -n ${PID_OF[$t]:-} ]] && line+=" $t $(threads_of "${PID_OF[$t]}"),"
done
[[ $line != "threads:" ]] && echo "${line%,}"
declare -A RPS P50 P99 PCPU USR SYS
[[ -n $OUT ]] && printf 'target\trun\treq_per_s\tp50_ms\tp99_ms\n' >"$OUT"
for run in $(seq "$RUNS"); do
  # Odd runs go through the targets in order, even runs in reverse: no target always runs first or last in a round.
  order=("${TARGET_LIST[@]}")
  if (( run % 2 == 0 )); then
    order=()
    for ((i = ${#TARGET_LIST[@]} - 1; i >= 0; i--)); do order+=("${TARGET_LIST[$i]}"); done
  fi
  for t in "${order[@]}"; do
    read -r rps p50 p99 pcpu usr sys < <(run_wrk "$t" "$DURATION")
    printf '  run %d %-13s %10s req/s  p50 %7s ms  p99 %7s ms  %8s req/cpu-s  (user %s + sys %s us/req)\n' \
      "$run" "$t" "$rps" "$p50" "$p99" "$pcpu" "$usr" "$sys"
    RPS[$t]+="$rps "; P50[$t]+="$p50 "; P99[$t]+="$p99 "; PCPU[$t]+="$pcpu "; USR[$t]+="$usr "; SYS[$t]+="$sys "
    [[ -n $OUT ]] && printf '%s\t%d\t%s\t%s\t%s\n' "$t" "$run" "$rps" "$p50" "$p99" >>"$OUT"
  done
done

echo
printf '%-13s %12s %10s %10s %12s %9s %9s   (median of %d runs)\n' target req/s p50_ms p99_ms req/cpu-s \
  user_us sys_us "$RUNS"
declare -A MRPS MP99 MPCPU
for t in "${TARGET_LIST[@]}"; do
  MRPS[$t]=$(tr ' ' '\n' <<<"${RPS[$t]}" | grep . | median)
  MP99[$t]=$(tr ' ' '\n' <<<"${P99[$t]}" | grep . | median)
  MPCPU[$t]=$(tr ' ' '\n' <<<"${PCPU[$t]}" | grep . | median)
  printf '%-13s %12.0f %10s %10s %12.0f %9s %9s\n' "$t" "${MRPS[$t]}" "$(tr ' ' '\n' <<<"${P50[$t]}" | grep . | median)" \
    "${MP99[$t]}" "${MPCPU[$t]}" "$(tr ' ' '\n' <<<"${USR[$t]}" | grep . | median)" \
    "$(tr ' ' '\n' <<<"${SYS[$t]}" | grep . | median)"
done
# paired_ratios A B: A/B req/s of each run (both measured in the same round), and their median.
paired_ratios() {
  local -a a b
  read -r -a a <<<"${RPS[$1]}"
  read -r -a b <<<"${RPS[$2]}"
  local list="" i
  for i in "${!a[@]}"; do list+=$(awk -v x="${a[$i]}" -v y="${b[$i]}" 'BEGIN { printf "%.3f ", x / y }'); done
  printf 'per-run %s/%s: %s(median %s)' "$1" "$2" "$list" "$(tr ' ' '\n' <<<"$list" | grep . | median)"
}
if [[ -n ${MRPS[aegis]:-} && -n ${MRPS[aegis-fn]:-} ]]; then
  echo
  awk -v a="${MRPS[aegis-fn]}" -v b="${MRPS[aegis]}" -v pa="${MP99[aegis-fn]}" -v pb="${MP99[aegis]}" \
    'BEGIN { r = a / b; printf "aegis-fn/aegis throughput %.2fx (target >= 0.90: %s)   p99 latency %.2fx\n", r, (r >= 0.9 ? "met" : "NOT met"), pa / pb }'
  paired_ratios aegis-fn aegis; echo
fi
if [[ -n ${MRPS[aegis]:-} ]]; then
  echo
  for peer in nginx haproxy trafficserver varnish; do
    [[ -n ${MRPS[$peer]:-} ]] || continue
    awk -v a="${MRPS[aegis]}" -v b="${MRPS[$peer]}" -v pa="${MP99[aegis]}" -v pb="${MP99[$peer]}" -v n="$peer" \
      -v ca="${MPCPU[aegis]}" -v cb="${MPCPU[$peer]}" \
      'BEGIN { printf "aegis/%-13s throughput %.2fx   p99 latency %.2fx", n, a / b, pa / pb
               if (ca > 0 && cb > 0) printf "   requests per CPU-second %.2fx", ca / cb
               printf "\n" }'
    echo "  $(paired_ratios aegis "$peer")"
  done
fi
