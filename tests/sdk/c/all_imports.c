// C SDK: every host function. Imports all 30 `env` functions (so loading it proves every declaration matches the
// host's exact signature) and calls each non-HTTP wrapper once, returning a distinct code on any surprise.
#include "aegis_edge.h"

#include <string.h>

static int same(const aegis_bytes* b, const char* s) { return b->len == strlen(s) && memcmp(b->ptr, s, b->len) == 0; }

AEGIS_EDGE_FUNCTION(handle_request) {
  aegis_bytes b;
  if (aegis_request_set_method("PUT") != AEGIS_OK) return 2;
  if (aegis_request_method(&b) != AEGIS_OK || !same(&b, "PUT")) return 3;
  if (aegis_request_set_uri("/all?x=1") != AEGIS_OK) return 4;
  if (aegis_request_uri(&b) != AEGIS_OK || !same(&b, "/all?x=1")) return 5;
  if (aegis_request_add_header("x-a", "1") != AEGIS_OK || aegis_request_set_header("x-b", "2") != AEGIS_OK) return 6;
  if (aegis_request_remove_header("x-a") != AEGIS_OK) return 7;
  if (aegis_request_header_names(&b) != AEGIS_OK || !same(&b, "[\"host\",\"x-b\"]")) return 8;
  if (aegis_request_set_body("new body", 8) != AEGIS_OK) return 9;
  if (aegis_request_body(&b) != AEGIS_OK || !same(&b, "new body")) return 10;
  char buf[16];
  size_t n = 0;
  if (aegis_request_body_into(buf, sizeof buf, &n) != AEGIS_OK || n != 8) return 11;
  if (aegis_request_method_into(buf, sizeof buf, &n) != AEGIS_OK || strcmp(buf, "PUT") != 0) return 12;
  if (aegis_request_uri_into(buf, 4, &n) != AEGIS_ERR_TOO_SMALL || n != 8) return 13;

  int status = 0;
  if (aegis_response_status(&status) != AEGIS_ERR_NOT_FOUND) return 14;
  if (aegis_response_set_status(299) != AEGIS_OK) return 15;
  if (aegis_response_add_header("x-r", "1") != AEGIS_OK || aegis_response_set_header("x-s", "2") != AEGIS_OK) return 16;
  if (aegis_response_remove_header("x-r") != AEGIS_OK) return 17;
  if (aegis_response_header_names(&b) != AEGIS_OK || !same(&b, "[\"x-s\"]")) return 18;
  if (aegis_response_header("X-S", &b) != AEGIS_OK || !same(&b, "2")) return 19;
  if (aegis_response_header("x-r", &b) != AEGIS_ERR_NOT_FOUND) return 20;
  if (aegis_response_set_body_str("resp") != AEGIS_OK) return 21;
  if (aegis_response_body(&b) != AEGIS_OK || !same(&b, "resp")) return 22;

  if (aegis_kv_set_n("k", 1, "v", 1, 0) != AEGIS_OK || aegis_kv_get_n("k", 1, &b) != AEGIS_OK || !same(&b, "v")) return 23;
  aegis_log_n("all-imports", 11);
  if (aegis_terminate(42) != AEGIS_ERR_REFUSED || aegis_terminate(299) != AEGIS_OK) return 24;
  if (aegis_http_last_status() != -1) return 25;
  if (strcmp(aegis_result_name(AEGIS_ERR_NOT_FOUND), "not found") != 0) return 26;

  // Outbound calls only when a target is given (the fetch test exercises them); linked either way.
  aegis_http_response resp;
  if (aegis_request_header("x-origin", &b) == AEGIS_OK) {
    aegis_http_get((const char*)b.ptr, &resp);
    aegis_http_post((const char*)b.ptr, "", 0, NULL, &resp);
    aegis_http_put((const char*)b.ptr, "", 0, NULL, &resp);
    aegis_http_delete((const char*)b.ptr, &resp);
  }
  return 0;
}
