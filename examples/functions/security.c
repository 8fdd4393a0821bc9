// Example edge function: path blocklist and API keys, answered at the edge (the origin never sees these requests).
//   /admin..., any path containing "/.git" or ".env"            → 403 "forbidden path"
//   /api/... without x-api-key                                  → 401 with WWW-Authenticate: ApiKey
//   /api/... with a key other than "demo-key"                   → 403 "bad api key"
//   /api/... with the right key → forwarded without x-api-key, with x-api-client: demo for the origin.
#include "aegis_edge.h"

#include <string.h>

static int deny(int status, const char* body) {
  aegis_response_set_header("content-type", "text/plain; charset=utf-8");
  if (status == 401) aegis_response_set_header("www-authenticate", "ApiKey");
  aegis_response_set_body_str(body);
  return aegis_terminate(status) == AEGIS_OK ? 0 : 1;
}

static int starts_with(const char* s, const char* prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

AEGIS_EDGE_FUNCTION(handle_request) {
  char uri[1024];
  size_t len = 0;
  if (aegis_request_uri_into(uri, sizeof uri, &len) != AEGIS_OK) return deny(403, "forbidden path\n");
  if (starts_with(uri, "/admin") || strstr(uri, "/.git") || strstr(uri, ".env")) return deny(403, "forbidden path\n");
  if (!starts_with(uri, "/api/")) return 0;
  char key[64];
  aegis_result r = aegis_request_header_into("x-api-key", key, sizeof key, &len);
  if (r == AEGIS_ERR_NOT_FOUND) return deny(401, "missing api key\n");
  if (r != AEGIS_OK || strcmp(key, "demo-key") != 0) return deny(403, "bad api key\n");
  if (aegis_request_remove_header("x-api-key") != AEGIS_OK) return 2;
  return aegis_request_set_header("x-api-client", "demo") == AEGIS_OK ? 0 : 3;
}
