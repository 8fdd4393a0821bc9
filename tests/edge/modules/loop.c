// Test module: never returns (stopped by fuel, or by the timeout when fuel is off).
#include "aegis_edge.h"

AEGIS_EDGE_FUNCTION(handle_request) {
  volatile unsigned n = 0;
  for (;;) n = n + 1;
  return (int)n;
}
