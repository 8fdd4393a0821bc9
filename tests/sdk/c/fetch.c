// C SDK: outbound HTTP. The base URL comes from request header x-origin (a local test origin): POSTs the request
// body to /echo, GETs /status/418, DELETEs /echo, and reports statuses and the echoed body.
#include "aegis_edge.h"

#include <stdio.h>
#include <string.h>

AEGIS_EDGE_FUNCTION(handle_request) {
  aegis_bytes base;
  if (aegis_request_header("x-origin", &base) != AEGIS_OK) return 2;
  char url[256];

  snprintf(url, sizeof url, "%s/echo", (const char*)base.ptr);
  aegis_http_response post;
  if (aegis_http_post(url, "ping-body", 9, "text/plain", &post) != AEGIS_OK) return 3;

  snprintf(url, sizeof url, "%s/status/418", (const char*)base.ptr);
  aegis_http_response teapot;
  if (aegis_http_get(url, &teapot) != AEGIS_OK) return 4;

  snprintf(url, sizeof url, "%s/echo", (const char*)base.ptr);
  aegis_http_response del;
  if (aegis_http_delete(url, &del) != AEGIS_OK) return 5;
  aegis_http_response put;
  if (aegis_http_put(url, "{}", 2, "application/json", &put) != AEGIS_OK) return 6;

  aegis_http_response bad;
  if (aegis_http_get("ftp://nope/", &bad) != AEGIS_ERR_HTTP || aegis_http_last_status() != -1) return 7;

  char statuses[64];
  snprintf(statuses, sizeof statuses, "%d %d %d %d", post.status, teapot.status, del.status, put.status);
  aegis_response_set_header("x-statuses", statuses);
  aegis_response_set_body(post.body.ptr, post.body.len);
  aegis_bytes_free(&post.body);
  aegis_bytes_free(&teapot.body);
  aegis_bytes_free(&del.body);
  aegis_bytes_free(&put.body);
  aegis_bytes_free(&base);
  return 0;
}
