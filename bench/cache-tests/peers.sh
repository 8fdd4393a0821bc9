# Caching reverse proxies used as peers by bench/cache-tests/run.sh and bench/proxy.sh (-s cache-hit): Apache
# Traffic Server, Varnish and nginx (proxy_cache), each configured minimally in a private directory and run in the
# foreground (no system service, no system paths written), so the caller can start them in the background and kill
# them by pid. Sourced by bash; every function only writes files under the DIR it is given.
#
#   peer_ats_cmd DIR PORT ORIGIN_PORT THREADS      → prints the command line; config in DIR
#   peer_varnish_cmd DIR PORT ORIGIN_PORT THREADS  → prints the command line (varnishd -F); workdir DIR
#   peer_nginx_cache_cmd DIR PORT ORIGIN_PORT WORKERS → prints the command line (nginx, daemon off; proxy_cache)
#
# The commands are printed one argument per line; run them with: mapfile -t cmd < <(peer_..._cmd ...); "${cmd[@]}"

PEER_ATS=${PEER_ATS:-$(command -v traffic_server || echo /usr/bin/traffic_server)}
PEER_VARNISHD=${PEER_VARNISHD:-$(command -v varnishd || echo /usr/sbin/varnishd)}
PEER_NGINX=${PEER_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

# Apache Traffic Server 9 in a runroot sandbox: records/remap/storage/ip_allow written into DIR/etc, cache, logs and
# runtime files under DIR. `proxy.config.admin.user_id #-1` keeps the current user (works as root and unprivileged).
# The settings follow the cache-tests.fyi docker image (docker/trafficserver/records.config of http-cache-tests):
# heuristic freshness and default caching as there, a RAM cache in front of a small file-backed cache span.
peer_ats_cmd() {
  local dir=$1 port=$2 origin=$3 threads=${4:-1}
  mkdir -p "$dir/etc" "$dir/cache" "$dir/log" "$dir/run" "$dir/state"
  local f
  for f in /etc/trafficserver/*; do
    [[ -f $f ]] && cp "$f" "$dir/etc/"
  done
  [[ -d /etc/trafficserver/body_factory ]] && cp -r /etc/trafficserver/body_factory "$dir/etc/"
  cat >"$dir/runroot.yaml" <<YAML
prefix: /usr
exec_prefix: /usr
bindir: /usr/bin
sbindir: /usr/sbin
sysconfdir: $dir/etc
datadir: $dir/cache
includedir: /usr/include
libdir: /usr/lib/trafficserver
libexecdir: /usr/lib/trafficserver/modules
localstatedir: $dir/state
runtimedir: $dir/run
logdir: $dir/log
cachedir: $dir/cache
YAML
  cat >"$dir/etc/records.config" <<CONF
CONFIG proxy.config.admin.user_id STRING #-1
CONFIG proxy.config.http.server_ports STRING $port
CONFIG proxy.config.exec_thread.autoconfig INT 0
CONFIG proxy.config.exec_thread.limit INT $threads
CONFIG proxy.config.accept_threads INT 0
CONFIG proxy.config.task_threads INT 1
CONFIG proxy.config.cache.threads_per_disk INT 2
CONFIG proxy.config.http.cache.http INT 1
CONFIG proxy.config.http.insert_request_via_str INT 1
CONFIG proxy.config.http.insert_response_via_str INT 0
CONFIG proxy.config.http.cache.ignore_client_cc_max_age INT 1
CONFIG proxy.config.http.cache.cache_responses_to_cookies INT 1
CONFIG proxy.config.http.cache.cache_urls_that_look_dynamic INT 1
CONFIG proxy.config.http.cache.when_to_revalidate INT 0
CONFIG proxy.config.http.cache.required_headers INT 2
CONFIG proxy.config.http.cache.heuristic_min_lifetime INT 3600
CONFIG proxy.config.http.cache.heuristic_max_lifetime INT 86400
CONFIG proxy.config.http.cache.heuristic_lm_factor FLOAT 0.10
CONFIG proxy.config.http.negative_caching_enabled INT 0
CONFIG proxy.config.http.keep_alive_no_activity_timeout_in INT 120
CONFIG proxy.config.http.keep_alive_no_activity_timeout_out INT 120
CONFIG proxy.config.http.server_session_sharing.match STRING ip
CONFIG proxy.config.net.connections_throttle INT 10000
CONFIG proxy.config.crash_log_helper STRING /bin/true
CONFIG proxy.config.cache.ram_cache.size INT 67108864
CONFIG proxy.config.cache.ram_cache_cutoff INT 4194304
CONFIG proxy.config.cache.limits.http.max_alts INT 5
CONFIG proxy.config.cache.max_doc_size INT 0
CONFIG proxy.config.cache.min_average_object_size INT 8000
CONFIG proxy.config.log.logging_enabled INT 0
CONFIG proxy.config.url_remap.remap_required INT 1
CONFIG proxy.config.url_remap.pristine_host_hdr INT 1
CONFIG proxy.config.reverse_proxy.enabled INT 1
CONFIG proxy.config.diags.debug.enabled INT 0
CONFIG proxy.config.hostdb.host_file.path STRING /etc/hosts
CONF
  # Clients address the proxy as 127.0.0.1:PORT (or localhost:PORT): map both to the origin.
  cat >"$dir/etc/remap.config" <<CONF
map http://127.0.0.1:$port/ http://127.0.0.1:$origin/
map http://localhost:$port/ http://127.0.0.1:$origin/
CONF
  echo "$dir/cache 64M" >"$dir/etc/storage.config"
  : >"$dir/etc/plugin.config"
  : >"$dir/etc/volume.config"
  : >"$dir/etc/hosting.config"
  cat >"$dir/etc/ip_allow.yaml" <<'YAML'
ip_allow:
  - apply: in
    ip_addrs: [127.0.0.1, "::1"]
    action: allow
    methods: ALL
  - apply: out
    ip_addrs: [127.0.0.1, "::1"]
    action: allow
    methods: ALL
YAML
  printf '%s\n' env "TS_RUNROOT=$dir/runroot.yaml" "$PEER_ATS" "--run-root=$dir/runroot.yaml"
}

# Varnish: the builtin VCL in front of the origin, malloc storage, no default TTL/grace for responses without
# freshness (as on cache-tests.fyi: default_ttl=0 default_grace=0 default_keep=3600). As root varnishd drops to the
# Debian `varnish`/`vcache` users, so DIR is made world-readable.
peer_varnish_cmd() {
  local dir=$1 port=$2 origin=$3 threads=${4:-1}
  mkdir -p "$dir"
  chmod 755 "$dir"
  local pool_min=$((threads < 10 ? 10 : threads)) jail=()
  [[ $(id -u) != 0 ]] && jail=(-j none)
  printf '%s\n' "$PEER_VARNISHD" -F "${jail[@]}" -n "$dir/work" -a "127.0.0.1:$port" -b "127.0.0.1:$origin" \
    -s malloc,256M -p default_ttl=0 -p default_grace=0 -p default_keep=3600 \
    -p thread_pools="$threads" -p thread_pool_min="$pool_min" -T none
}

# nginx with proxy_cache (the cache-tests.fyi configuration: proxy_cache + proxy_cache_revalidate).
peer_nginx_cache_cmd() {
  local dir=$1 port=$2 origin=$3 workers=${4:-1}
  mkdir -p "$dir/cache" "$dir/tmp"
  chmod 755 "$dir"
  chmod 777 "$dir/cache" "$dir/tmp"  # workers run as nobody when the master is root
  cat >"$dir/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy; fastcgi_temp_path $dir/tmp/fcgi;
  uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;
  keepalive_requests 1000000;
  proxy_cache_path $dir/cache levels=1:2 keys_zone=cache:8m max_size=256m inactive=600m;
  upstream origin { server 127.0.0.1:$origin; keepalive 64; }
  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_cache cache;
      proxy_cache_revalidate on;
    }
  }
}
CONF
  printf '%s\n' "$PEER_NGINX" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf"
}
