// Test module (response phase): sets status 299 and x-resp-fn: 1, removes the origin's x-remove-me.
#include "aegis_edge.h"

AEGIS_EDGE_FUNCTION(handle_request) {
  if (aegis_response_set_status(299) != AEGIS_OK) return 1;
  if (aegis_response_set_header("x-resp-fn", "1") != AEGIS_OK) return 2;
  aegis_response_remove_header("x-remove-me");
  return 0;
}
