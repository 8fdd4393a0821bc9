// C SDK: key-value round trip within one invocation (aegis run gives every run an empty store). A miss is
// AEGIS_ERR_NOT_FOUND; the value stored is the request body (or "hello"); it is read back both as owned bytes and
// into a caller buffer, and the response body reports what came back.
#include "aegis_edge.h"

#include <stdio.h>
#include <string.h>

AEGIS_EDGE_FUNCTION(handle_request) {
  aegis_bytes miss;
  if (aegis_kv_get("greeting", &miss) != AEGIS_ERR_NOT_FOUND) return 2;

  aegis_bytes body;
  if (aegis_request_body(&body) != AEGIS_OK) return 3;
  const char* value = body.len ? (const char*)body.ptr : "hello";
  size_t value_len = body.len ? body.len : 5;
  if (aegis_kv_set("greeting", value, value_len, 60) != AEGIS_OK) return 4;

  aegis_bytes got;
  if (aegis_kv_get("greeting", &got) != AEGIS_OK) return 5;
  char small[4];
  size_t needed = 0;
  if (aegis_kv_get_into("greeting", small, sizeof small, &needed) != AEGIS_ERR_TOO_SMALL || needed != got.len) return 6;

  // An oversize key (> 256 bytes) is refused by the host.
  char long_key[300];
  memset(long_key, 'k', sizeof long_key - 1);
  long_key[sizeof long_key - 1] = 0;
  if (aegis_kv_set_str(long_key, "x", 0) != AEGIS_ERR_REFUSED) return 7;

  char out[256];
  int n = snprintf(out, sizeof out, "kv: %.*s (%zu bytes)", (int)got.len, (const char*)got.ptr, got.len);
  aegis_response_set_body(out, (size_t)n);
  aegis_response_set_header("x-kv-miss-before-set", "yes");
  aegis_bytes_free(&got);
  aegis_bytes_free(&body);
  return 0;
}
