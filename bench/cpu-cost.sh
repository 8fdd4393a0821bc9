#!/bin/bash
# bench/cpu-cost.sh BUILD_DIR SCENARIO [N] [OUT]
#   Deterministic user-space cost per request: runs `aegis serve` (1 worker) from BUILD_DIR under callgrind in front
#   of a private nginx origin serving a 1 KiB file, warms up with 2000 requests, then counts instructions over N
#   (default 10000) GET /1k.txt requests (h2load, 8 connections). Load on the machine does not change the count.
#   SCENARIO: plain (proxy only) | fn (one header-injection edge function, like bench/proxy.sh -s edge-function)
#             | nginx (nginx as the reverse proxy instead, configured like in bench/proxy.sh, for comparison)
#   Prints "instructions/request: X". Callgrind output: OUT (default /tmp/aegis-cpu-cost-$SCENARIO-$$.out); inspect with
#   callgrind_annotate [--inclusive=yes] OUT
# Needs valgrind, nginx and h2load (scripts/setup.sh installs them). See bench/README.md.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
build=$(cd "$1" && pwd) scenario=$2 n=${3:-10000} out=${4:-/tmp/aegis-cpu-cost-$2-$$.out}
bin=$build/aegis; [ -x "$bin" ] || bin=$build/src/aegis
tmp=$(mktemp -d /tmp/aegis-cpu-cost.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
op=$(free_port) pp=$(free_port) ap=$(free_port)
mkdir -p "$tmp/www" "$tmp/origin"; head -c 1024 /dev/zero | tr '\0' 'a' > "$tmp/www/1k.txt"
cat > "$tmp/origin/nginx.conf" <<CONF
daemon off; master_process off; pid $tmp/origin/nginx.pid; error_log $tmp/origin/error.log warn;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $tmp/origin/b; proxy_temp_path $tmp/origin/p; fastcgi_temp_path $tmp/origin/f;
  uwsgi_temp_path $tmp/origin/u; scgi_temp_path $tmp/origin/s; keepalive_requests 1000000;
  server { listen 127.0.0.1:$op; root $tmp/www; location / { default_type text/plain; } } }
CONF
/usr/sbin/nginx -p "$tmp/origin" -c "$tmp/origin/nginx.conf" >/dev/null 2>&1 &
ngx=$!
fn_route="" fn_def=""
if [ "$scenario" = fn ]; then
  fn_route="    functions: [header-inject]"
  fn_def="functions:
  - name: header-inject
    module: $build/wasm/example_header_inject.wasm"
fi
cat > "$tmp/aegis.yaml" <<CONF
workers: 1
log_level: warn
listeners:
  - address: 127.0.0.1
    port: $pp
admin:
  address: 127.0.0.1
  port: $ap
access_log:
  enabled: false
origins:
  - name: origin
    servers: ["127.0.0.1:$op"]
    pool_size: 256
routes:
  - host: "*"
    path_prefix: /
    origin: origin
$fn_route
$fn_def
CONF
cmd=("$bin" serve -c "$tmp/aegis.yaml")
if [ "$scenario" = nginx ]; then
  mkdir -p "$tmp/proxy"
  cat > "$tmp/proxy/nginx.conf" <<CONF
daemon off; master_process off; pid $tmp/proxy/nginx.pid; error_log $tmp/proxy/error.log warn;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $tmp/proxy/b; proxy_temp_path $tmp/proxy/p; fastcgi_temp_path $tmp/proxy/f;
  uwsgi_temp_path $tmp/proxy/u; scgi_temp_path $tmp/proxy/s; keepalive_requests 1000000;
  upstream origin { server 127.0.0.1:$op; keepalive 256; keepalive_requests 1000000; }
  server { listen 127.0.0.1:$pp;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host \$host; } } }
CONF
  cmd=(/usr/sbin/nginx -p "$tmp/proxy" -c "$tmp/proxy/nginx.conf")
fi
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" --smc-check=all-non-file \
  "${cmd[@]}" > "$tmp/aegis.log" 2>&1 &
vp=$!
trap 'kill $vp $ngx 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
for i in $(seq 1 300); do curl -s -m 20 -o /dev/null "http://127.0.0.1:$pp/1k.txt" && break; sleep 0.2; done
h2load --h1 -n 2000 -c 8 -t 1 "http://127.0.0.1:$pp/1k.txt" | grep -q "2000 2xx" || { echo "warm-up failed" >&2; cat "$tmp/aegis.log" >&2; exit 1; }
callgrind_control -i on $vp >/dev/null
h2load --h1 -n "$n" -c 8 -t 1 "http://127.0.0.1:$pp/1k.txt" | grep -q "$n 2xx" || { echo "measured run failed" >&2; exit 1; }
callgrind_control -i off $vp >/dev/null
callgrind_control -d $vp >/dev/null
f=$(ls -t "$out"* | head -1)
total=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",","",$1); print $1 }')
echo "callgrind output: $f"
echo "instructions/request: $((total / n))"
