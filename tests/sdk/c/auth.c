// C SDK: early-terminating authentication. No x-api-key → 401 with a body and WWW-Authenticate, terminated;
// a wrong key → 403, terminated; the right key → the request continues with x-auth-user added for the origin.
#include "aegis_edge.h"

#include <string.h>

static int deny(int status, const char* body) {
  aegis_response_set_header("content-type", "text/plain");
  if (status == 401) aegis_response_set_header("www-authenticate", "ApiKey");
  aegis_response_set_body_str(body);
  return aegis_terminate(status) == AEGIS_OK ? 0 : 1;
}

AEGIS_EDGE_FUNCTION(handle_request) {
  char key[64];
  size_t len = 0;
  aegis_result r = aegis_request_header_into("x-api-key", key, sizeof key, &len);
  if (r == AEGIS_ERR_NOT_FOUND) return deny(401, "missing api key\n");
  if (r == AEGIS_ERR_TOO_SMALL || (r == AEGIS_OK && strcmp(key, "s3cret") != 0)) return deny(403, "bad api key\n");
  if (r != AEGIS_OK) return 2;
  if (aegis_request_set_header("x-auth-user", "alice") != AEGIS_OK) return 3;
  if (aegis_request_remove_header("x-api-key") != AEGIS_OK) return 4;
  // The mutation is visible to later reads in the same invocation.
  aegis_bytes user;
  if (aegis_request_header("x-auth-user", &user) != AEGIS_OK) return 5;
  if (aegis_request_header("x-api-key", NULL) != AEGIS_ERR_NOT_FOUND) return 6;
  aegis_response_set_header("x-seen-user", (const char*)user.ptr);
  aegis_bytes_free(&user);
  return 0;
}
