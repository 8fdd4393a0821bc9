// Test module: edits the request headers the origin will get — replaces x-replace, removes x-drop, adds a second
// x-multi line and a new x-added — so the origin's view shows that exactly those changes were forwarded and every
// other header arrived as the client sent it.
#include "aegis_edge.h"

AEGIS_EDGE_FUNCTION(handle_request) {
  if (aegis_request_set_header("x-replace", "new") != AEGIS_OK) return 1;
  if (aegis_request_remove_header("x-drop") != AEGIS_OK) return 2;
  if (aegis_request_add_header("x-multi", "two") != AEGIS_OK) return 3;
  if (aegis_request_set_header("x-added", "yes") != AEGIS_OK) return 4;
  return 0;
}
