// Test module: rewrites the request body to "rewritten(<body>)" and, when request header x-new-method is present,
// the method to its value; reports the original body length as response header x-original-length.
#include "aegis_edge.h"

#include <stdio.h>
#include <string.h>

AEGIS_EDGE_FUNCTION(handle_request) {
  aegis_bytes body;
  if (aegis_request_body(&body) != AEGIS_OK) return 1;
  static char out[4096];
  int n = snprintf(out, sizeof out, "rewritten(%.*s)", (int)body.len, (const char*)body.ptr);
  if (n < 0 || (size_t)n >= sizeof out) return 2;
  if (aegis_request_set_body(out, (size_t)n) != AEGIS_OK) return 3;
  char len_text[24];
  snprintf(len_text, sizeof len_text, "%u", (unsigned)body.len);
  aegis_bytes_free(&body);
  if (aegis_response_set_header("x-original-length", len_text) != AEGIS_OK) return 4;
  char method[32];
  size_t len = 0;
  if (aegis_request_header_into("x-new-method", method, sizeof method - 1, &len) == AEGIS_OK) {
    method[len] = '\0';
    if (aegis_request_set_method(method) != AEGIS_OK) return 5;
  }
  return 0;
}
