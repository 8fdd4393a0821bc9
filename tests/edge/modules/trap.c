// Test module: traps (unreachable) on every invocation.
#include "aegis_edge.h"

AEGIS_EDGE_FUNCTION(handle_request) {
  aegis_response_set_header("x-should-not-appear", "1");
  __builtin_trap();
  return 0;
}
