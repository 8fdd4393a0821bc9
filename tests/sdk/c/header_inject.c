// C SDK: header injection. Copies request header x-in into response header x-out, adds x-edge and two
// Set-Cookie headers, sets status 201, logs the method and URI, reads back what it set (response-phase reads
// also see the response built so far), and proves the host's refusal of CR/LF header values reaches the caller
// as AEGIS_ERR_REFUSED.
#include "aegis_edge.h"

#include <string.h>

AEGIS_EDGE_FUNCTION(handle_request) {
  aegis_bytes in, method, uri, names;
  aegis_result r = aegis_request_header("X-In", &in);  // case-insensitive lookup
  if (r == AEGIS_ERR_NOT_FOUND) {
    aegis_response_set_header("x-out", "(absent)");
  } else if (r == AEGIS_OK) {
    aegis_response_set_header_n("x-out", 5, (const char*)in.ptr, in.len);
    aegis_bytes_free(&in);
  } else {
    return 10;
  }
  if (aegis_response_set_header("x-edge", "c-sdk") != AEGIS_OK) return 11;
  aegis_response_add_header("set-cookie", "a=1");
  aegis_response_add_header("set-cookie", "b=2");
  aegis_response_add_header("x-temp", "gone");
  aegis_response_remove_header("X-Temp");
  if (aegis_response_set_header("x-bad", "line\r\ninjected: yes") != AEGIS_ERR_REFUSED) return 12;
  if (aegis_response_set_status(99) != AEGIS_ERR_REFUSED) return 13;
  if (aegis_response_set_status(201) != AEGIS_OK) return 14;

  int status = 0;
  if (aegis_response_status(&status) != AEGIS_OK || status != 201) return 15;
  char edge[16];
  size_t edge_len = 0;
  if (aegis_response_header_into("x-edge", edge, sizeof edge, &edge_len) != AEGIS_OK || strcmp(edge, "c-sdk") != 0)
    return 16;
  char tiny[2];
  if (aegis_response_header_into("x-edge", tiny, sizeof tiny, &edge_len) != AEGIS_ERR_TOO_SMALL || edge_len != 5)
    return 17;

  if (aegis_request_method(&method) != AEGIS_OK || aegis_request_uri(&uri) != AEGIS_OK) return 18;
  aegis_logf("c-sdk: %s %s (%d bytes of uri)", (const char*)method.ptr, (const char*)uri.ptr, (int)uri.len);
  if (aegis_request_header_names(&names) != AEGIS_OK) return 19;
  aegis_response_set_header("x-request-header-names", (const char*)names.ptr);
  aegis_bytes_free(&names);
  aegis_bytes_free(&method);
  aegis_bytes_free(&uri);
  return 0;
}

// A second entry point in the same module: fails with a function error (return value 7).
AEGIS_EDGE_FUNCTION(fails) {
  aegis_log("about to fail");
  return 7;
}
