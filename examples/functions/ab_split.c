// Example edge function: A/B split by cookie (phase request).
//
// A client carrying the cookie `ab=a` or `ab=b` stays in that variant. A new client is assigned one (from a hash of
// its request id, about half each) and gets `Set-Cookie: ab=X` on the response, so every later request lands in the
// same variant. The origin learns the variant from the request header `x-ab-variant` (and may serve different
// content); the client sees it as the response header `x-ab-variant`. Requests under /ab/ are also rewritten to
// the variant's own path: /ab/REST → /a/REST or /b/REST.
#include "aegis_edge.h"

#include <stdio.h>
#include <string.h>

// The value of cookie `name` in a Cookie header ("k=v; k2=v2"), copied into out; 0 if absent.
static int cookie(const char* header, const char* name, char* out, size_t cap) {
  size_t name_len = strlen(name);
  const char* p = header;
  while (*p) {
    while (*p == ' ' || *p == ';') ++p;
    if (strncmp(p, name, name_len) == 0 && p[name_len] == '=') {
      const char* v = p + name_len + 1;
      size_t n = strcspn(v, ";");
      if (n >= cap) n = cap - 1;
      memcpy(out, v, n);
      out[n] = '\0';
      return 1;
    }
    p += strcspn(p, ";");
  }
  return 0;
}

static unsigned hash(const char* s) {
  unsigned h = 2166136261u;
  for (; *s; ++s) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

AEGIS_EDGE_FUNCTION(handle_request) {
  char header[2048], variant[8] = "";
  size_t len = 0;
  if (aegis_request_header_into("cookie", header, sizeof header - 1, &len) == AEGIS_OK) {
    header[len] = '\0';
    if (!cookie(header, "ab", variant, sizeof variant) || (strcmp(variant, "a") && strcmp(variant, "b")))
      variant[0] = '\0';
  }
  if (!variant[0]) {
    // A new client: pick a variant and remember it in a cookie.
    char id[128] = "";
    if (aegis_request_header_into("x-request-id", id, sizeof id - 1, &len) == AEGIS_OK) id[len] = '\0';
    strcpy(variant, hash(id) % 2 ? "b" : "a");
    char set_cookie[64];
    snprintf(set_cookie, sizeof set_cookie, "ab=%s; Path=/; Max-Age=2592000", variant);
    if (aegis_response_add_header("set-cookie", set_cookie) != AEGIS_OK) return 1;
  }
  if (aegis_request_set_header("x-ab-variant", variant) != AEGIS_OK) return 2;
  if (aegis_response_set_header("x-ab-variant", variant) != AEGIS_OK) return 3;

  char uri[1024];
  if (aegis_request_uri_into(uri, sizeof uri - 1, &len) == AEGIS_OK) {
    uri[len] = '\0';
    if (strncmp(uri, "/ab/", 4) == 0) {
      char target[1100];
      snprintf(target, sizeof target, "/%s/%s", variant, uri + 4);
      if (aegis_request_set_uri(target) != AEGIS_OK) return 4;
    }
  }
  return 0;
}
