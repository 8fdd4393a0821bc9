// C SDK, tiny variant: built with --target=wasm32 -nostdlib -Wl,--no-entry (AEGIS_EDGE_NO_LIBC, bump arena,
// the SDK's own minimal aegis_logf). Header injection plus a KV round trip; imports nothing but env functions.
#include "aegis_edge.h"

AEGIS_EDGE_FUNCTION(handle_request) {
  aegis_bytes in;
  if (aegis_request_header("x-in", &in) == AEGIS_OK) {
    aegis_response_set_header_n("x-out", 5, (const char*)in.ptr, in.len);
  }
  aegis_response_set_header("x-edge", "tiny");
  aegis_response_set_status(202);

  size_t before = aegis_arena_available();
  aegis_bytes uri;
  if (aegis_request_uri(&uri) != AEGIS_OK) return 2;
  aegis_bytes_free(&uri);  // newest allocation: given back to the arena
  if (aegis_arena_available() != before) return 3;

  if (aegis_kv_set_str("tiny", "v1", 0) != AEGIS_OK) return 4;
  aegis_bytes v;
  if (aegis_kv_get("tiny", &v) != AEGIS_OK) return 5;
  aegis_response_set_header("x-kv", (const char*)v.ptr);
  aegis_logf("tiny: %s=%.*s n=%d u=%u x=%x %c%%", "kv", (int)v.len, (const char*)v.ptr, -42, 7u, 255u, 'z');
  return 0;
}
