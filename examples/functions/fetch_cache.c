// Example edge function: fetch from an upstream over outbound HTTP and cache the result with a TTL (phase request).
//
// Answers the request itself with the body of GET $UPSTREAM<path> (the request path with $STRIP_PREFIX removed,
// query kept), caching 200 answers in the node's key-value store for $TTL_SECONDS. Response header
// `x-fetch-cache: hit|miss`; a failed or non-200 upstream answer is passed on (502 when the call fails) and not
// cached. Configured through its `env` (see examples/demo/aegis.yaml):
//   UPSTREAM       base URL, e.g. http://127.0.0.1:8081 (default)
//   STRIP_PREFIX   path prefix the route adds, e.g. /cached (default: none)
//   TTL_SECONDS    cache lifetime (default 30)
//   CONTENT_TYPE   content type of the answers (default application/json)
// It imports env.http_get, so the node runs it on the blocking executor, never on an event-loop thread.
#include "aegis_edge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char* env_or(const char* name, const char* fallback) {
  const char* v = getenv(name);
  return v && *v ? v : fallback;
}

AEGIS_EDGE_FUNCTION(handle_request) {
  const char* upstream = env_or("UPSTREAM", "http://127.0.0.1:8081");
  const char* strip = env_or("STRIP_PREFIX", "");
  unsigned ttl = (unsigned)atoi(env_or("TTL_SECONDS", "30"));
  const char* type = env_or("CONTENT_TYPE", "application/json");

  char uri[1024];
  size_t len = 0;
  if (aegis_request_uri_into(uri, sizeof uri - 1, &len) != AEGIS_OK) return 1;
  uri[len] = '\0';
  const char* path = uri;
  size_t strip_len = strlen(strip);
  if (strip_len && strncmp(uri, strip, strip_len) == 0) path = uri + strip_len;
  if (*path != '/') path = "/";

  char key[300];
  snprintf(key, sizeof key, "fetch:%.250s", path);
  aegis_bytes cached;
  if (aegis_kv_get(key, &cached) == AEGIS_OK) {
    aegis_response_set_header("content-type", type);
    aegis_response_set_header("x-fetch-cache", "hit");
    aegis_response_set_body(cached.ptr, cached.len);
    aegis_bytes_free(&cached);
    return aegis_terminate(200) == AEGIS_OK ? 0 : 2;
  }

  char url[1400];
  snprintf(url, sizeof url, "%s%s", upstream, path);
  aegis_http_response r;
  if (aegis_http_get(url, &r) != AEGIS_OK) {
    aegis_response_set_body_str("upstream unavailable\n");
    return aegis_terminate(502) == AEGIS_OK ? 0 : 3;
  }
  if (r.status == 200) aegis_kv_set(key, r.body.ptr, r.body.len, ttl);
  aegis_response_set_header("content-type", type);
  aegis_response_set_header("x-fetch-cache", "miss");
  aegis_response_set_body(r.body.ptr, r.body.len);
  aegis_bytes_free(&r.body);
  return aegis_terminate(r.status >= 100 && r.status <= 599 ? r.status : 502) == AEGIS_OK ? 0 : 4;
}
