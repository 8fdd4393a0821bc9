// {{NAME}} — an AEGIS Edge function in C, on the SDK header sdk/c/aegis_edge.h (docs/sdk-c.md).
//
//   GET …/hello     answered at the edge: 200 "Hello from {{NAME}}!" (the origin is not contacted)
//   anything else   forwarded to the origin with `x-edge-function: {{NAME}}`; the client's response gets
//                   `x-served-by: {{NAME}}`
//
// Build: ./build.sh        Try: ./test.sh (or `aegis run {{NAME}}.wasm --uri /{{NAME}}/hello`)
#include "aegis_edge.h"

#include <string.h>

static int ends_with(const char* s, size_t len, const char* suffix) {
  size_t n = strlen(suffix);
  return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

AEGIS_EDGE_FUNCTION(handle_request) {
  char uri[2048];
  size_t len = 0;
  if (aegis_request_uri_into(uri, sizeof uri, &len) != AEGIS_OK) len = 0;  // too long: treat as "anything else"
  // The path without the query string.
  char* query = len ? memchr(uri, '?', len) : NULL;
  size_t path_len = query ? (size_t)(query - uri) : len;

  if (aegis_response_set_header("x-served-by", "{{NAME}}") != AEGIS_OK) return 1;
  if (path_len && ends_with(uri, path_len, "/hello")) {
    aegis_response_set_header("content-type", "text/plain; charset=utf-8");
    aegis_response_set_body_str("Hello from {{NAME}}!\n");
    aegis_logf("{{NAME}}: answered %.*s at the edge", (int)path_len, uri);
    return aegis_terminate(200) == AEGIS_OK ? 0 : 2;
  }
  return aegis_request_set_header("x-edge-function", "{{NAME}}") == AEGIS_OK ? 0 : 3;
}
