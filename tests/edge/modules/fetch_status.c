// Test module (blocking): GETs the URL in request header x-fetch-url and reports the answer's status as request
// header x-fetched-status (for the origin) and response header x-fetched-status (for the client).
#include "aegis_edge.h"

AEGIS_EDGE_FUNCTION(handle_request) {
  char url[256];
  size_t len = 0;
  if (aegis_request_header_into("x-fetch-url", url, sizeof url, &len) != AEGIS_OK) return 1;
  aegis_http_response r;
  if (aegis_http_get(url, &r) != AEGIS_OK) return 2;
  aegis_bytes_free(&r.body);
  char text[4] = {(char)('0' + r.status / 100 % 10), (char)('0' + r.status / 10 % 10), (char)('0' + r.status % 10), 0};
  if (aegis_request_set_header("x-fetched-status", text) != AEGIS_OK) return 3;
  return aegis_response_set_header("x-fetched-status", text) == AEGIS_OK ? 0 : 4;
}
