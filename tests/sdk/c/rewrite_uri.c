// C SDK: URI rewrite. /old/<rest> → /new/<rest> (query kept); other paths are left alone. Also rewrites the method
// HEAD → GET and appends x-rewritten: 1 to the request.
#include "aegis_edge.h"

#include <stdlib.h>
#include <string.h>

AEGIS_EDGE_FUNCTION(handle_request) {
  aegis_bytes uri;
  if (aegis_request_uri(&uri) != AEGIS_OK) return 2;
  const char* u = (const char*)uri.ptr;
  if (strncmp(u, "/old/", 5) == 0) {
    size_t n = uri.len + 1;  // "/new/" is as long as "/old/"
    char* out = (char*)malloc(n);
    if (!out) return 3;
    memcpy(out, "/new/", 5);
    memcpy(out + 5, u + 5, uri.len - 5 + 1);
    aegis_result r = aegis_request_set_uri(out);
    free(out);
    if (r != AEGIS_OK) return 4;
    aegis_request_add_header("x-rewritten", "1");
  }
  aegis_bytes_free(&uri);
  // A URI that is not origin-form is refused by the host.
  if (aegis_request_set_uri("http://elsewhere/") != AEGIS_ERR_REFUSED) return 5;
  aegis_bytes method;
  if (aegis_request_method(&method) != AEGIS_OK) return 6;
  if (strcmp((const char*)method.ptr, "HEAD") == 0 && aegis_request_set_method("GET") != AEGIS_OK) return 7;
  aegis_bytes_free(&method);
  return 0;
}
