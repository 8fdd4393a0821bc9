// Example edge function: JSON response rewrite (phase response, entry handle_response).
//
// For a JSON object answer (Content-Type application/json): redacts the string values of the members named
// "password", "secret" and "token" (anywhere in the document) to "[redacted]", and adds a first member
// "edge": {"node": "aegis", "rewritten": true}. Sets `x-json-rewritten: 1`. Other responses pass unchanged.
// The node buffers the origin's body for this function because it imports response_get_body (bodies up to
// limits.max_body_bytes; larger ones are streamed untouched).
#include "aegis_edge.h"

#include <stdlib.h>
#include <string.h>

static const char* const kRedact[] = {"password", "secret", "token"};

typedef struct {
  char* p;
  size_t len, cap;
} buf;

static int put(buf* b, const char* s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->cap ? b->cap * 2 : 1024);
    while (cap < b->len + n + 1) cap *= 2;
    char* p = realloc(b->p, cap);
    if (!p) return 0;
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
  return 1;
}

// Length of the JSON string starting at s[0] == '"', including both quotes; 0 if unterminated.
static size_t string_len(const char* s, size_t n) {
  for (size_t i = 1; i < n; ++i) {
    if (s[i] == '\\') ++i;
    else if (s[i] == '"') return i + 1;
  }
  return 0;
}

static int redacted_key(const char* s, size_t n) {  // s: a JSON string with its quotes
  for (size_t k = 0; k < sizeof kRedact / sizeof kRedact[0]; ++k)
    if (n == strlen(kRedact[k]) + 2 && memcmp(s + 1, kRedact[k], n - 2) == 0) return 1;
  return 0;
}

AEGIS_EDGE_FUNCTION(handle_response) {
  aegis_bytes type;
  if (aegis_response_header("content-type", &type) != AEGIS_OK) return 0;
  int json = strstr((const char*)type.ptr, "application/json") != NULL;
  aegis_bytes_free(&type);
  if (!json) return 0;
  aegis_bytes body;
  if (aegis_response_body(&body) != AEGIS_OK) return 1;
  const char* s = (const char*)body.ptr;
  size_t n = body.len, i = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
  if (i >= n || s[i] != '{') {
    aegis_bytes_free(&body);
    return 0;  // not an object: leave it
  }
  buf out = {0, 0, 0};
  const char* edge = "{\"edge\":{\"node\":\"aegis\",\"rewritten\":true}";
  if (!put(&out, edge, strlen(edge))) return 2;
  ++i;
  // Is the object empty? Then no comma after the edge member.
  size_t j = i;
  while (j < n && (s[j] == ' ' || s[j] == '\n' || s[j] == '\r' || s[j] == '\t')) ++j;
  if (j < n && s[j] != '}' && !put(&out, ",", 1)) return 2;
  // Copy the rest, replacing the string value that follows a redacted key.
  int redact_next = 0;
  while (i < n) {
    if (s[i] == '"') {
      size_t len = string_len(s + i, n - i);
      if (!len) break;
      size_t k = i + len;
      while (k < n && (s[k] == ' ' || s[k] == '\n' || s[k] == '\r' || s[k] == '\t')) ++k;
      int is_key = k < n && s[k] == ':';
      if (redact_next && !is_key) {
        if (!put(&out, "\"[redacted]\"", 12)) return 2;
      } else if (!put(&out, s + i, len)) {
        return 2;
      }
      redact_next = is_key && redacted_key(s + i, len);
      i += len;
      continue;
    }
    if (s[i] != ':' && s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t') {
      // A non-string value after a redacted key stays as it is.
      if (s[i] == ',' || s[i] == '{' || s[i] == '[' || s[i] == '}' || s[i] == ']' || redact_next) redact_next = 0;
    }
    if (!put(&out, s + i, 1)) return 2;
    ++i;
  }
  aegis_bytes_free(&body);
  if (aegis_response_set_body(out.p, out.len) != AEGIS_OK) return 3;
  free(out.p);
  return aegis_response_set_header("x-json-rewritten", "1") == AEGIS_OK ? 0 : 4;
}
