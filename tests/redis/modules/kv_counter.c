// Test module (request phase): counts requests in the KV store under key "hits" (cache_get + cache_set, TTL 300 s)
// and reports the new count as response header x-hits; x-kv is "ok", or "set-failed" when cache_set failed (e.g.
// Redis unreachable). The request always goes on to the origin.
#include "aegis_edge.h"

AEGIS_EDGE_FUNCTION(handle_request) {
  char buf[32];
  size_t len = 0;
  long n = 0;
  if (aegis_kv_get_into("hits", buf, sizeof buf - 1, &len) == AEGIS_OK) {
    for (size_t i = 0; i < len && buf[i] >= '0' && buf[i] <= '9'; ++i) n = n * 10 + (buf[i] - '0');
  }
  ++n;
  char text[32];
  int pos = 0;
  char rev[32];
  int r = 0;
  long v = n;
  do {
    rev[r++] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0);
  while (r > 0) text[pos++] = rev[--r];
  text[pos] = 0;
  aegis_result set = aegis_kv_set_str("hits", text, 300);
  if (aegis_response_set_header("x-hits", text) != AEGIS_OK) return 1;
  return aegis_response_set_header("x-kv", set == AEGIS_OK ? "ok" : "set-failed") == AEGIS_OK ? 0 : 2;
}
