// Example edge function: moved content. /old/<rest> → 301 Location: /new/<rest>; anything else passes through.
#include "aegis_edge.h"

#include <string.h>

AEGIS_EDGE_FUNCTION(handle_request) {
  char uri[1024];
  size_t len = 0;
  if (aegis_request_uri_into(uri, sizeof uri, &len) != AEGIS_OK) return 0;
  if (strncmp(uri, "/old/", 5) != 0) return 0;
  char location[1100] = "/new/";
  strncat(location, uri + 5, sizeof location - 6);
  if (aegis_response_set_header("location", location) != AEGIS_OK) return 1;
  aegis_response_set_header("content-type", "text/plain; charset=utf-8");
  aegis_response_set_body_str("moved permanently\n");
  return aegis_terminate(301) == AEGIS_OK ? 0 : 2;
}
