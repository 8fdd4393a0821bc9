// Test module: request header edits by a function that is alone on its route, so the node defers copying the
// request headers until the function reads them.
//   handle_request: set/add only, never reading — x-temp set (replaces the client's line), x-two added twice,
//     x-multi set (replaces the client's two lines), X-Case then x-case set (one line, the last value), x-dup added
//     then set (one line), framing fields set (ignored).
//   edit_then_read: sets x-a, adds a second x-a, then reads: reports the first x-a and the client's x-keep as
//     response headers x-seen-a / x-seen-keep, and whether the header names list x-a (x-seen-names: 1).
#include <string.h>

#include "aegis_edge.h"

AEGIS_EDGE_FUNCTION(handle_request) {
  if (aegis_request_set_header("x-temp", "fn") != AEGIS_OK) return 1;
  if (aegis_request_add_header("x-two", "first") != AEGIS_OK) return 2;
  if (aegis_request_add_header("x-two", "second") != AEGIS_OK) return 3;
  if (aegis_request_set_header("x-multi", "three") != AEGIS_OK) return 4;
  if (aegis_request_set_header("X-Case", "upper") != AEGIS_OK) return 5;
  if (aegis_request_set_header("x-case", "lower") != AEGIS_OK) return 6;
  if (aegis_request_add_header("x-dup", "added") != AEGIS_OK) return 7;
  if (aegis_request_set_header("x-dup", "set") != AEGIS_OK) return 8;
  if (aegis_request_set_header("content-length", "12345") != AEGIS_OK) return 9;
  if (aegis_request_set_header("transfer-encoding", "chunked") != AEGIS_OK) return 10;
  if (aegis_request_set_header("connection", "close") != AEGIS_OK) return 11;
  return 0;
}

AEGIS_EDGE_FUNCTION(edit_then_read) {
  if (aegis_request_set_header("x-a", "one") != AEGIS_OK) return 1;
  if (aegis_request_add_header("x-a", "two") != AEGIS_OK) return 2;
  char value[128];
  size_t len = 0;
  if (aegis_request_header_into("x-a", value, sizeof value, &len) != AEGIS_OK) return 3;
  value[len] = '\0';
  if (aegis_response_set_header("x-seen-a", value) != AEGIS_OK) return 4;
  if (aegis_request_header_into("x-keep", value, sizeof value, &len) != AEGIS_OK) return 5;
  value[len] = '\0';
  if (aegis_response_set_header("x-seen-keep", value) != AEGIS_OK) return 6;
  aegis_bytes names;
  if (aegis_request_header_names(&names) != AEGIS_OK) return 7;
  int listed = 0;
  for (size_t i = 0; i + 5 <= names.len; ++i)
    if (memcmp((const char*)names.ptr + i, "\"x-a\"", 5) == 0) listed = 1;
  aegis_bytes_free(&names);
  if (aegis_response_set_header("x-seen-names", listed ? "1" : "0") != AEGIS_OK) return 8;
  return 0;
}
