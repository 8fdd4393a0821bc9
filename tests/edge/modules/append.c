// Test module: appends LETTER to the request header x-chain (and the response header x-chain-response), so the
// origin and client see the order in which a route's functions ran.
#include "aegis_edge.h"

#include <string.h>

#ifndef LETTER
#error define LETTER
#endif

static void append(int response) {
  char value[128] = "";
  size_t len = 0;
  aegis_result r = response ? aegis_response_header_into("x-chain-response", value, sizeof value - 2, &len)
                            : aegis_request_header_into("x-chain", value, sizeof value - 2, &len);
  if (r != AEGIS_OK) value[0] = '\0';
  strcat(value, LETTER);
  if (response) aegis_response_set_header("x-chain-response", value);
  else aegis_request_set_header("x-chain", value);
}

AEGIS_EDGE_FUNCTION(handle_request) {
  append(0);
  append(1);
  return 0;
}
