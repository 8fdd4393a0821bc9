// Example edge function: tracking headers.
//   handle_request (phase request): tells the origin the request passed the edge (x-edge-forwarded: 1) and adds
//     x-edge-served-by / x-edge-path to the response the client will get.
//   on_response (phase response): adds x-edge-origin-status with the status the origin answered.
#include "aegis_edge.h"

AEGIS_EDGE_FUNCTION(handle_request) {
  char uri[512];
  size_t len = 0;
  if (aegis_request_uri_into(uri, sizeof uri, &len) != AEGIS_OK) uri[0] = '\0';
  if (aegis_request_set_header("x-edge-forwarded", "1") != AEGIS_OK) return 1;
  if (aegis_response_set_header("x-edge-served-by", "aegis-edge") != AEGIS_OK) return 2;
  if (uri[0] && aegis_response_set_header("x-edge-path", uri) != AEGIS_OK) return 3;
  return 0;
}

AEGIS_EDGE_FUNCTION(on_response) {
  int status = 0;
  if (aegis_response_status(&status) != AEGIS_OK) return 1;
  char text[4] = {(char)('0' + status / 100 % 10), (char)('0' + status / 10 % 10), (char)('0' + status % 10), 0};
  return aegis_response_set_header("x-edge-origin-status", text) == AEGIS_OK ? 0 : 2;
}
