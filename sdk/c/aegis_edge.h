/* aegis_edge.h — the AEGIS Edge SDK for edge functions written in C or C++ (header-only, C99 / C++17).
 *
 * Typed wrappers over every host function of the AEGIS host ABI (module "env": the reference functions and the
 * AEGIS extensions; see docs/host-abi.md), with the shared-buffer protocol hidden: getters hand back owned,
 * NUL-terminated copies (aegis_bytes) or fill a caller-provided buffer.
 *
 *   #include "aegis_edge.h"
 *   AEGIS_EDGE_FUNCTION(handle_request) {
 *     aegis_bytes key;
 *     if (aegis_request_header("x-api-key", &key) != AEGIS_OK) return aegis_terminate(401) == AEGIS_OK ? 0 : 1;
 *     aegis_bytes_free(&key);
 *     aegis_response_set_header("x-edge", "1");
 *     return 0;
 *   }
 *
 * Build (WASI libc, reactor: no main/_start needed):
 *   clang --target=wasm32-wasi -mexec-model=reactor -O2 -I sdk/c -o fn.wasm fn.c
 * Build (tiny module, no libc at all; AEGIS_EDGE_NO_LIBC is implied when the target is not WASI):
 *   clang --target=wasm32 -nostdlib -Wl,--no-entry -O2 -I sdk/c -o fn.wasm fn.c
 *
 * Memory: with libc, aegis_bytes are malloc'ed and released by aegis_bytes_free(). Under AEGIS_EDGE_NO_LIBC they
 * come from a bump allocator over a static arena of AEGIS_EDGE_ARENA_SIZE bytes (default 256 KiB) that is reset at
 * the start of every AEGIS_EDGE_FUNCTION entry; aegis_bytes_free() then only gives back the newest allocation.
 *
 * Errors: every call returns an aegis_result (AEGIS_OK = 0, negative on failure). The host refuses bad arguments
 * (invalid header names, CR/LF in values, oversize values, mutation in the wrong phase) with -1, which becomes
 * AEGIS_ERR_REFUSED; the reason is recorded by the node (shown by `aegis run` under "host errors").
 */
#ifndef AEGIS_EDGE_H
#define AEGIS_EDGE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#if !defined(AEGIS_EDGE_NO_LIBC) && !defined(__wasi__)
#define AEGIS_EDGE_NO_LIBC 1
#endif

#ifndef AEGIS_EDGE_NO_LIBC
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#endif

#ifndef AEGIS_EDGE_ARENA_SIZE
#define AEGIS_EDGE_ARENA_SIZE (256 * 1024)
#endif
#ifndef AEGIS_EDGE_LOG_BUFFER
#define AEGIS_EDGE_LOG_BUFFER 1024 /* aegis_logf: longer messages are truncated */
#endif

#ifdef __cplusplus
#define AEGIS_EDGE_EXTERN_C extern "C"
#define AEGIS_EDGE_BEGIN_C extern "C" {
#define AEGIS_EDGE_END_C }
#else
#define AEGIS_EDGE_EXTERN_C
#define AEGIS_EDGE_BEGIN_C
#define AEGIS_EDGE_END_C
#endif

#define AEGIS_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define AEGIS_EXPORT(name) __attribute__((export_name(#name)))
#define AEGIS_EDGE_API static inline __attribute__((unused))

/* Defines the exported entry point `name`, of Wasm type () -> i32, followed by its body:
 *   AEGIS_EDGE_FUNCTION(handle_request) { ...; return 0; }
 * Return 0 for success; any other value makes the invocation a function error (failure policy applies). */
#define AEGIS_EDGE_FUNCTION(name)                                        \
  static int aegis_edge_body_##name(void);                              \
  AEGIS_EDGE_EXTERN_C AEGIS_EXPORT(name) int name(void);                \
  AEGIS_EDGE_EXTERN_C AEGIS_EXPORT(name) int name(void) {               \
    aegis_arena_reset();                                                 \
    return aegis_edge_body_##name();                                     \
  }                                                                      \
  static int aegis_edge_body_##name(void)

AEGIS_EDGE_BEGIN_C

/* ---- raw host imports (module "env"): exact signatures of docs/host-abi.md ------------------------------------ */
/* Reference ABI */
AEGIS_IMPORT(log) void aegis_host_log(const void* ptr, uint32_t len);
AEGIS_IMPORT(get_shared_buffer) int32_t aegis_host_get_shared_buffer(void* dest, uint32_t offset, uint32_t length);
AEGIS_IMPORT(request_get_method) int32_t aegis_host_request_get_method(void);
AEGIS_IMPORT(request_get_uri) int32_t aegis_host_request_get_uri(void);
AEGIS_IMPORT(request_get_header) int32_t aegis_host_request_get_header(const void* name, uint32_t name_len);
AEGIS_IMPORT(request_get_header_names) int32_t aegis_host_request_get_header_names(void);
AEGIS_IMPORT(request_get_body) int32_t aegis_host_request_get_body(void);
AEGIS_IMPORT(response_set_status) int32_t aegis_host_response_set_status(int32_t status);
AEGIS_IMPORT(response_set_header) int32_t aegis_host_response_set_header(const void* name, uint32_t name_len,
                                                                          const void* value, uint32_t value_len);
AEGIS_IMPORT(response_add_header) int32_t aegis_host_response_add_header(const void* name, uint32_t name_len,
                                                                          const void* value, uint32_t value_len);
AEGIS_IMPORT(response_remove_header) int32_t aegis_host_response_remove_header(const void* name, uint32_t name_len);
AEGIS_IMPORT(response_set_body) int32_t aegis_host_response_set_body(const void* body, uint32_t body_len);
AEGIS_IMPORT(request_terminate) int32_t aegis_host_request_terminate(int32_t status);
AEGIS_IMPORT(cache_get) int32_t aegis_host_cache_get(const void* key, uint32_t key_len);
AEGIS_IMPORT(cache_set) int32_t aegis_host_cache_set(const void* key, uint32_t key_len, const void* value,
                                                      uint32_t value_len, uint32_t ttl_seconds);
AEGIS_IMPORT(http_get) int32_t aegis_host_http_get(const void* url, uint32_t url_len);
AEGIS_IMPORT(http_post) int32_t aegis_host_http_post(const void* url, uint32_t url_len, const void* body,
                                                      uint32_t body_len, const void* ctype, uint32_t ctype_len);
AEGIS_IMPORT(http_put) int32_t aegis_host_http_put(const void* url, uint32_t url_len, const void* body,
                                                    uint32_t body_len, const void* ctype, uint32_t ctype_len);
AEGIS_IMPORT(http_delete) int32_t aegis_host_http_delete(const void* url, uint32_t url_len);
/* AEGIS extensions: request mutation (request phase only) */
AEGIS_IMPORT(request_set_method) int32_t aegis_host_request_set_method(const void* ptr, uint32_t len);
AEGIS_IMPORT(request_set_uri) int32_t aegis_host_request_set_uri(const void* ptr, uint32_t len);
AEGIS_IMPORT(request_set_header) int32_t aegis_host_request_set_header(const void* name, uint32_t name_len,
                                                                        const void* value, uint32_t value_len);
AEGIS_IMPORT(request_add_header) int32_t aegis_host_request_add_header(const void* name, uint32_t name_len,
                                                                        const void* value, uint32_t value_len);
AEGIS_IMPORT(request_remove_header) int32_t aegis_host_request_remove_header(const void* name, uint32_t name_len);
AEGIS_IMPORT(request_set_body) int32_t aegis_host_request_set_body(const void* ptr, uint32_t len);
/* AEGIS extensions: response-phase reads, outbound status */
AEGIS_IMPORT(response_get_status) int32_t aegis_host_response_get_status(void);
AEGIS_IMPORT(response_get_header) int32_t aegis_host_response_get_header(const void* name, uint32_t name_len);
AEGIS_IMPORT(response_get_header_names) int32_t aegis_host_response_get_header_names(void);
AEGIS_IMPORT(response_get_body) int32_t aegis_host_response_get_body(void);
AEGIS_IMPORT(http_get_status) int32_t aegis_host_http_get_status(void);

/* ---- results --------------------------------------------------------------------------------------------------- */
typedef enum aegis_result {
  AEGIS_OK = 0,
  AEGIS_ERR_REFUSED = -1,       /* the host refused the call (invalid argument, limit, wrong phase, no context) */
  AEGIS_ERR_NOT_FOUND = -2,     /* lookups: header absent, KV miss, no response status yet */
  AEGIS_ERR_NO_MEMORY = -3,     /* the copy could not be allocated (malloc failed / arena exhausted) */
  AEGIS_ERR_TOO_SMALL = -4,     /* a caller-provided buffer is smaller than the data (the needed size is reported) */
  AEGIS_ERR_SHARED_BUFFER = -5, /* reading the shared buffer failed */
  AEGIS_ERR_HTTP = -6,          /* outbound call failed: transport error, timeout, oversize body, bad URL */
  AEGIS_ERR_TOO_LONG = -7       /* an argument exceeds what a 32-bit Wasm length can describe */
} aegis_result;

AEGIS_EDGE_API const char* aegis_result_name(aegis_result r) {
  switch (r) {
    case AEGIS_OK: return "ok";
    case AEGIS_ERR_REFUSED: return "refused by host";
    case AEGIS_ERR_NOT_FOUND: return "not found";
    case AEGIS_ERR_NO_MEMORY: return "out of memory";
    case AEGIS_ERR_TOO_SMALL: return "buffer too small";
    case AEGIS_ERR_SHARED_BUFFER: return "shared buffer read failed";
    case AEGIS_ERR_HTTP: return "outbound http failed";
    case AEGIS_ERR_TOO_LONG: return "argument too long";
  }
  return "unknown";
}

/* Owned bytes: ptr[len] is always a NUL byte, so text can be used as a C string. Release with aegis_bytes_free. */
typedef struct aegis_bytes {
  uint8_t* ptr;
  size_t len;
} aegis_bytes;

/* ---- memory ---------------------------------------------------------------------------------------------------- */
#ifdef AEGIS_EDGE_NO_LIBC
/* Freestanding builds: the compiler may still emit calls to memcpy/memset; weak definitions satisfy them. */
__attribute__((weak)) void* memcpy(void* dst, const void* src, size_t n) {
  unsigned char* d = (unsigned char*)dst;
  const unsigned char* s = (const unsigned char*)src;
  while (n--) *d++ = *s++;
  return dst;
}
__attribute__((weak)) void* memset(void* dst, int c, size_t n) {
  unsigned char* d = (unsigned char*)dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}

static unsigned char aegis_edge_arena[AEGIS_EDGE_ARENA_SIZE] __attribute__((aligned(16), unused));
static size_t aegis_edge_arena_top __attribute__((unused));
static size_t aegis_edge_arena_last __attribute__((unused)); /* start of the newest allocation */
static size_t aegis_edge_arena_prev __attribute__((unused)); /* arena top before the newest allocation */

/* Frees every arena allocation at once (called at the start of each AEGIS_EDGE_FUNCTION entry). */
AEGIS_EDGE_API void aegis_arena_reset(void) { aegis_edge_arena_top = aegis_edge_arena_last = aegis_edge_arena_prev = 0; }
/* Bytes still available in the arena. */
AEGIS_EDGE_API size_t aegis_arena_available(void) { return AEGIS_EDGE_ARENA_SIZE - aegis_edge_arena_top; }
AEGIS_EDGE_API void* aegis_alloc(size_t n) {
  size_t start = (aegis_edge_arena_top + 15u) & ~(size_t)15u;
  if (start > AEGIS_EDGE_ARENA_SIZE || n > AEGIS_EDGE_ARENA_SIZE - start) return NULL;
  aegis_edge_arena_prev = aegis_edge_arena_top;
  aegis_edge_arena_last = start;
  aegis_edge_arena_top = start + n;
  return aegis_edge_arena + start;
}
AEGIS_EDGE_API void aegis_free(void* p) {
  if (p && (unsigned char*)p == aegis_edge_arena + aegis_edge_arena_last && aegis_edge_arena_top > aegis_edge_arena_last)
    aegis_edge_arena_top = aegis_edge_arena_prev; /* only the newest allocation can be given back, and only once */
}
#else
AEGIS_EDGE_API void aegis_arena_reset(void) {}
AEGIS_EDGE_API void* aegis_alloc(size_t n) { return malloc(n ? n : 1); }
AEGIS_EDGE_API void aegis_free(void* p) { free(p); }
#endif

AEGIS_EDGE_API void aegis_bytes_free(aegis_bytes* b) {
  if (!b) return;
  aegis_free(b->ptr);
  b->ptr = NULL;
  b->len = 0;
}

AEGIS_EDGE_API size_t aegis_strlen(const char* s) {
  size_t n = 0;
  if (s)
    while (s[n]) ++n;
  return n;
}

AEGIS_EDGE_API int aegis_fits_u32(size_t n) { return (uint64_t)n <= 0xffffffffu; }

/* ---- shared buffer --------------------------------------------------------------------------------------------- */
/* Copies `len` bytes of the shared buffer (just filled by a host call that returned `len`) into a fresh aegis_bytes. */
AEGIS_EDGE_API aegis_result aegis_take_shared(int32_t len, aegis_bytes* out) {
  uint8_t* p;
  if (out) {
    out->ptr = NULL;
    out->len = 0;
  }
  if (len < 0) return AEGIS_ERR_REFUSED;
  if (!out) return AEGIS_OK;
  p = (uint8_t*)aegis_alloc((size_t)len + 1);
  if (!p) return AEGIS_ERR_NO_MEMORY;
  if (len > 0 && aegis_host_get_shared_buffer(p, 0, (uint32_t)len) != len) {
    aegis_free(p);
    return AEGIS_ERR_SHARED_BUFFER;
  }
  p[len] = 0;
  out->ptr = p;
  out->len = (size_t)len;
  return AEGIS_OK;
}

/* Copies `len` bytes of the shared buffer into buf[0..cap). *out_len receives len (also when it does not fit, so
 * the caller can retry with a larger buffer). A NUL is appended when cap > len. */
AEGIS_EDGE_API aegis_result aegis_copy_shared(int32_t len, void* buf, size_t cap, size_t* out_len) {
  if (out_len) *out_len = 0;
  if (len < 0) return AEGIS_ERR_REFUSED;
  if (out_len) *out_len = (size_t)len;
  if ((size_t)len > cap || !buf) return AEGIS_ERR_TOO_SMALL;
  if (len > 0 && aegis_host_get_shared_buffer(buf, 0, (uint32_t)len) != len) return AEGIS_ERR_SHARED_BUFFER;
  if (cap > (size_t)len) ((char*)buf)[len] = 0;
  return AEGIS_OK;
}

AEGIS_EDGE_API aegis_result aegis_status_(int32_t rc) { return rc == 0 ? AEGIS_OK : AEGIS_ERR_REFUSED; }
/* A lookup's -1 means "absent" (or an invalid name, which the host records as an error). */
AEGIS_EDGE_API aegis_result aegis_lookup_(aegis_result r) { return r == AEGIS_ERR_REFUSED ? AEGIS_ERR_NOT_FOUND : r; }

/* ---- logging --------------------------------------------------------------------------------------------------- */
/* One UTF-8 message to the node's log (info). Longer than 64 KiB or invalid UTF-8: dropped by the host. */
AEGIS_EDGE_API void aegis_log_n(const char* msg, size_t len) {
  if (aegis_fits_u32(len)) aegis_host_log(msg, (uint32_t)len);
}
AEGIS_EDGE_API void aegis_log(const char* msg) { aegis_log_n(msg, aegis_strlen(msg)); }

#ifndef AEGIS_EDGE_NO_LIBC
/* printf-style logging (vsnprintf into a AEGIS_EDGE_LOG_BUFFER-byte stack buffer; longer output is truncated). */
__attribute__((format(printf, 1, 2))) AEGIS_EDGE_API void aegis_logf(const char* fmt, ...) {
  char buf[AEGIS_EDGE_LOG_BUFFER];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  aegis_log_n(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}
#else
/* Minimal printf-style logging without libc: %s %.*s %d %i %u %x %c %% (no widths or flags). */
AEGIS_EDGE_API size_t aegis_fmt_u_(char* out, size_t pos, size_t cap, uint32_t v, unsigned base) {
  char tmp[16];
  size_t n = 0;
  do {
    unsigned d = v % base;
    tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    v /= base;
  } while (v);
  while (n && pos < cap) out[pos++] = tmp[--n];
  return pos;
}
__attribute__((format(printf, 1, 2))) AEGIS_EDGE_API void aegis_logf(const char* fmt, ...) {
  char buf[AEGIS_EDGE_LOG_BUFFER];
  const size_t cap = sizeof buf;
  size_t pos = 0;
  va_list ap;
  va_start(ap, fmt);
  while (*fmt && pos < cap) {
    if (*fmt != '%') {
      buf[pos++] = *fmt++;
      continue;
    }
    ++fmt;
    if (fmt[0] == '.' && fmt[1] == '*' && fmt[2] == 's') {
      int n = va_arg(ap, int);
      const char* s = va_arg(ap, const char*);
      fmt += 3;
      while (n-- > 0 && s && *s && pos < cap) buf[pos++] = *s++;
      continue;
    }
    switch (*fmt) {
      case 's': {
        const char* s = va_arg(ap, const char*);
        if (!s) s = "(null)";
        while (*s && pos < cap) buf[pos++] = *s++;
        break;
      }
      case 'd':
      case 'i': {
        int v = va_arg(ap, int);
        if (v < 0) {
          buf[pos++] = '-';
          pos = aegis_fmt_u_(buf, pos, cap, (uint32_t)0 - (uint32_t)v, 10);
        } else {
          pos = aegis_fmt_u_(buf, pos, cap, (uint32_t)v, 10);
        }
        break;
      }
      case 'u': pos = aegis_fmt_u_(buf, pos, cap, va_arg(ap, unsigned), 10); break;
      case 'x': pos = aegis_fmt_u_(buf, pos, cap, va_arg(ap, unsigned), 16); break;
      case 'c': buf[pos++] = (char)va_arg(ap, int); break;
      case '%': buf[pos++] = '%'; break;
      case 0: --fmt; break;
      default: buf[pos++] = '%'; if (pos < cap) buf[pos++] = *fmt; break;
    }
    ++fmt;
  }
  va_end(ap);
  aegis_log_n(buf, pos);
}
#endif

/* ---- request (read) -------------------------------------------------------------------------------------------- */
AEGIS_EDGE_API aegis_result aegis_request_method(aegis_bytes* out) {
  return aegis_take_shared(aegis_host_request_get_method(), out);
}
AEGIS_EDGE_API aegis_result aegis_request_uri(aegis_bytes* out) {
  return aegis_take_shared(aegis_host_request_get_uri(), out);
}
AEGIS_EDGE_API aegis_result aegis_request_header_n(const char* name, size_t name_len, aegis_bytes* out) {
  if (!aegis_fits_u32(name_len)) return AEGIS_ERR_TOO_LONG;
  return aegis_lookup_(aegis_take_shared(aegis_host_request_get_header(name, (uint32_t)name_len), out));
}
/* First value of the header (case-insensitive name); AEGIS_ERR_NOT_FOUND if absent. */
AEGIS_EDGE_API aegis_result aegis_request_header(const char* name, aegis_bytes* out) {
  return aegis_request_header_n(name, aegis_strlen(name), out);
}
/* JSON array of the distinct header names, e.g. ["Host","User-Agent"]. */
AEGIS_EDGE_API aegis_result aegis_request_header_names(aegis_bytes* out) {
  return aegis_take_shared(aegis_host_request_get_header_names(), out);
}
AEGIS_EDGE_API aegis_result aegis_request_body(aegis_bytes* out) {
  return aegis_take_shared(aegis_host_request_get_body(), out);
}
/* Caller-buffer variants: no allocation; AEGIS_ERR_TOO_SMALL with *len = needed size if buf is too small. */
AEGIS_EDGE_API aegis_result aegis_request_method_into(char* buf, size_t cap, size_t* len) {
  return aegis_copy_shared(aegis_host_request_get_method(), buf, cap, len);
}
AEGIS_EDGE_API aegis_result aegis_request_uri_into(char* buf, size_t cap, size_t* len) {
  return aegis_copy_shared(aegis_host_request_get_uri(), buf, cap, len);
}
AEGIS_EDGE_API aegis_result aegis_request_header_into(const char* name, char* buf, size_t cap, size_t* len) {
  return aegis_lookup_(aegis_copy_shared(aegis_host_request_get_header(name, (uint32_t)aegis_strlen(name)), buf, cap, len));
}
AEGIS_EDGE_API aegis_result aegis_request_body_into(void* buf, size_t cap, size_t* len) {
  return aegis_copy_shared(aegis_host_request_get_body(), buf, cap, len);
}

/* ---- request (mutation; AEGIS extension, request phase only) --------------------------------------------------- */
AEGIS_EDGE_API aegis_result aegis_request_set_method(const char* method) {
  return aegis_status_(aegis_host_request_set_method(method, (uint32_t)aegis_strlen(method)));
}
/* Origin-form path and query ("/a?b=c") or "*", visible ASCII only. */
AEGIS_EDGE_API aegis_result aegis_request_set_uri_n(const char* uri, size_t len) {
  if (!aegis_fits_u32(len)) return AEGIS_ERR_TOO_LONG;
  return aegis_status_(aegis_host_request_set_uri(uri, (uint32_t)len));
}
AEGIS_EDGE_API aegis_result aegis_request_set_uri(const char* uri) { return aegis_request_set_uri_n(uri, aegis_strlen(uri)); }
AEGIS_EDGE_API aegis_result aegis_request_set_header_n(const char* name, size_t name_len, const char* value,
                                                       size_t value_len) {
  if (!aegis_fits_u32(name_len) || !aegis_fits_u32(value_len)) return AEGIS_ERR_TOO_LONG;
  return aegis_status_(aegis_host_request_set_header(name, (uint32_t)name_len, value, (uint32_t)value_len));
}
AEGIS_EDGE_API aegis_result aegis_request_set_header(const char* name, const char* value) {
  return aegis_request_set_header_n(name, aegis_strlen(name), value, aegis_strlen(value));
}
AEGIS_EDGE_API aegis_result aegis_request_add_header_n(const char* name, size_t name_len, const char* value,
                                                       size_t value_len) {
  if (!aegis_fits_u32(name_len) || !aegis_fits_u32(value_len)) return AEGIS_ERR_TOO_LONG;
  return aegis_status_(aegis_host_request_add_header(name, (uint32_t)name_len, value, (uint32_t)value_len));
}
AEGIS_EDGE_API aegis_result aegis_request_add_header(const char* name, const char* value) {
  return aegis_request_add_header_n(name, aegis_strlen(name), value, aegis_strlen(value));
}
AEGIS_EDGE_API aegis_result aegis_request_remove_header(const char* name) {
  return aegis_status_(aegis_host_request_remove_header(name, (uint32_t)aegis_strlen(name)));
}
AEGIS_EDGE_API aegis_result aegis_request_set_body(const void* body, size_t len) {
  if (!aegis_fits_u32(len)) return AEGIS_ERR_TOO_LONG;
  return aegis_status_(aegis_host_request_set_body(body, (uint32_t)len));
}

/* ---- response -------------------------------------------------------------------------------------------------- */
/* 100..599 */
AEGIS_EDGE_API aegis_result aegis_response_set_status(int status) {
  return aegis_status_(aegis_host_response_set_status(status));
}
/* Replace every header of that name with one. */
AEGIS_EDGE_API aegis_result aegis_response_set_header_n(const char* name, size_t name_len, const char* value,
                                                        size_t value_len) {
  if (!aegis_fits_u32(name_len) || !aegis_fits_u32(value_len)) return AEGIS_ERR_TOO_LONG;
  return aegis_status_(aegis_host_response_set_header(name, (uint32_t)name_len, value, (uint32_t)value_len));
}
AEGIS_EDGE_API aegis_result aegis_response_set_header(const char* name, const char* value) {
  return aegis_response_set_header_n(name, aegis_strlen(name), value, aegis_strlen(value));
}
/* Append a header; duplicates are kept (several Set-Cookie). */
AEGIS_EDGE_API aegis_result aegis_response_add_header_n(const char* name, size_t name_len, const char* value,
                                                        size_t value_len) {
  if (!aegis_fits_u32(name_len) || !aegis_fits_u32(value_len)) return AEGIS_ERR_TOO_LONG;
  return aegis_status_(aegis_host_response_add_header(name, (uint32_t)name_len, value, (uint32_t)value_len));
}
AEGIS_EDGE_API aegis_result aegis_response_add_header(const char* name, const char* value) {
  return aegis_response_add_header_n(name, aegis_strlen(name), value, aegis_strlen(value));
}
AEGIS_EDGE_API aegis_result aegis_response_remove_header(const char* name) {
  return aegis_status_(aegis_host_response_remove_header(name, (uint32_t)aegis_strlen(name)));
}
AEGIS_EDGE_API aegis_result aegis_response_set_body(const void* body, size_t len) {
  if (!aegis_fits_u32(len)) return AEGIS_ERR_TOO_LONG;
  return aegis_status_(aegis_host_response_set_body(body, (uint32_t)len));
}
AEGIS_EDGE_API aegis_result aegis_response_set_body_str(const char* body) {
  return aegis_response_set_body(body, aegis_strlen(body));
}
/* Response-phase reads (AEGIS extension); in the request phase they read what was set so far. */
AEGIS_EDGE_API aegis_result aegis_response_status(int* status) {
  int32_t s = aegis_host_response_get_status();
  if (s < 0) return AEGIS_ERR_NOT_FOUND;
  if (status) *status = s;
  return AEGIS_OK;
}
AEGIS_EDGE_API aegis_result aegis_response_header(const char* name, aegis_bytes* out) {
  return aegis_lookup_(aegis_take_shared(aegis_host_response_get_header(name, (uint32_t)aegis_strlen(name)), out));
}
AEGIS_EDGE_API aegis_result aegis_response_header_into(const char* name, char* buf, size_t cap, size_t* len) {
  return aegis_lookup_(aegis_copy_shared(aegis_host_response_get_header(name, (uint32_t)aegis_strlen(name)), buf, cap, len));
}
AEGIS_EDGE_API aegis_result aegis_response_header_names(aegis_bytes* out) {
  return aegis_take_shared(aegis_host_response_get_header_names(), out);
}
AEGIS_EDGE_API aegis_result aegis_response_body(aegis_bytes* out) {
  return aegis_take_shared(aegis_host_response_get_body(), out);
}

/* ---- early termination ----------------------------------------------------------------------------------------- */
/* Answer now with the response built so far and this status (100..599); WAF, cache and origin are skipped.
 * Refused in the response phase. The entry should still return 0. */
AEGIS_EDGE_API aegis_result aegis_terminate(int status) { return aegis_status_(aegis_host_request_terminate(status)); }

/* ---- key-value store (namespaced per module; key <= 256 B UTF-8, value <= 1 MiB) ------------------------------- */
AEGIS_EDGE_API aegis_result aegis_kv_get_n(const char* key, size_t key_len, aegis_bytes* out) {
  if (!aegis_fits_u32(key_len)) return AEGIS_ERR_TOO_LONG;
  return aegis_lookup_(aegis_take_shared(aegis_host_cache_get(key, (uint32_t)key_len), out));
}
/* AEGIS_ERR_NOT_FOUND on a miss (or an invalid key). */
AEGIS_EDGE_API aegis_result aegis_kv_get(const char* key, aegis_bytes* out) {
  return aegis_kv_get_n(key, aegis_strlen(key), out);
}
AEGIS_EDGE_API aegis_result aegis_kv_get_into(const char* key, void* buf, size_t cap, size_t* len) {
  return aegis_lookup_(aegis_copy_shared(aegis_host_cache_get(key, (uint32_t)aegis_strlen(key)), buf, cap, len));
}
/* ttl_seconds 0 = no expiry (the entry may still be evicted). */
AEGIS_EDGE_API aegis_result aegis_kv_set_n(const char* key, size_t key_len, const void* value, size_t value_len,
                                           uint32_t ttl_seconds) {
  if (!aegis_fits_u32(key_len) || !aegis_fits_u32(value_len)) return AEGIS_ERR_TOO_LONG;
  return aegis_status_(aegis_host_cache_set(key, (uint32_t)key_len, value, (uint32_t)value_len, ttl_seconds));
}
AEGIS_EDGE_API aegis_result aegis_kv_set(const char* key, const void* value, size_t value_len, uint32_t ttl_seconds) {
  return aegis_kv_set_n(key, aegis_strlen(key), value, value_len, ttl_seconds);
}
AEGIS_EDGE_API aegis_result aegis_kv_set_str(const char* key, const char* value, uint32_t ttl_seconds) {
  return aegis_kv_set(key, value, aegis_strlen(value), ttl_seconds);
}

/* ---- outbound HTTP (blocking; 5 s timeout, 1 MiB response and request body; redirects not followed) ------------ */
typedef struct aegis_http_response {
  int status;       /* HTTP status of the answer (any status counts as a response) */
  aegis_bytes body; /* owned; release with aegis_bytes_free(&r.body) */
} aegis_http_response;

AEGIS_EDGE_API aegis_result aegis_http_finish_(int32_t rc, aegis_http_response* out) {
  aegis_result r;
  if (out) {
    out->status = 0;
    out->body.ptr = NULL;
    out->body.len = 0;
  }
  if (rc < 0) return AEGIS_ERR_HTTP;
  if (out) out->status = aegis_host_http_get_status();
  r = aegis_take_shared(rc, out ? &out->body : NULL);
  return r;
}
AEGIS_EDGE_API aegis_result aegis_http_get(const char* url, aegis_http_response* out) {
  return aegis_http_finish_(aegis_host_http_get(url, (uint32_t)aegis_strlen(url)), out);
}
AEGIS_EDGE_API aegis_result aegis_http_delete(const char* url, aegis_http_response* out) {
  return aegis_http_finish_(aegis_host_http_delete(url, (uint32_t)aegis_strlen(url)), out);
}
/* content_type may be NULL or "" (no Content-Type). */
AEGIS_EDGE_API aegis_result aegis_http_post(const char* url, const void* body, size_t body_len,
                                            const char* content_type, aegis_http_response* out) {
  if (!aegis_fits_u32(body_len)) return AEGIS_ERR_TOO_LONG;
  return aegis_http_finish_(aegis_host_http_post(url, (uint32_t)aegis_strlen(url), body, (uint32_t)body_len,
                                                 content_type ? content_type : "", (uint32_t)aegis_strlen(content_type)),
                            out);
}
AEGIS_EDGE_API aegis_result aegis_http_put(const char* url, const void* body, size_t body_len, const char* content_type,
                                           aegis_http_response* out) {
  if (!aegis_fits_u32(body_len)) return AEGIS_ERR_TOO_LONG;
  return aegis_http_finish_(aegis_host_http_put(url, (uint32_t)aegis_strlen(url), body, (uint32_t)body_len,
                                                content_type ? content_type : "", (uint32_t)aegis_strlen(content_type)),
                            out);
}
/* Status of the last outbound call of this invocation; -1 if none or it failed. */
AEGIS_EDGE_API int aegis_http_last_status(void) { return aegis_host_http_get_status(); }

AEGIS_EDGE_END_C

/* ---- C++ layer ------------------------------------------------------------------------------------------------- */
#if defined(__cplusplus) && __cplusplus >= 201703L && !defined(AEGIS_EDGE_NO_LIBC)
#include <optional>
#include <string>
#include <string_view>

namespace aegis::edge {

using Result = aegis_result;

// Owns an aegis_bytes (RAII).
class Bytes {
 public:
  Bytes() = default;
  explicit Bytes(aegis_bytes b) : b_(b) {}
  ~Bytes() { aegis_bytes_free(&b_); }
  Bytes(const Bytes&) = delete;
  Bytes& operator=(const Bytes&) = delete;
  Bytes(Bytes&& o) noexcept : b_(o.b_) { o.b_ = aegis_bytes{nullptr, 0}; }
  Bytes& operator=(Bytes&& o) noexcept {
    if (this != &o) {
      aegis_bytes_free(&b_);
      b_ = o.b_;
      o.b_ = aegis_bytes{nullptr, 0};
    }
    return *this;
  }
  const uint8_t* data() const { return b_.ptr; }
  size_t size() const { return b_.len; }
  std::string_view view() const { return b_.ptr ? std::string_view(reinterpret_cast<const char*>(b_.ptr), b_.len) : std::string_view(); }
  aegis_bytes* out() { aegis_bytes_free(&b_); return &b_; }

 private:
  aegis_bytes b_{nullptr, 0};
};

namespace detail {
// Reads the shared buffer straight into a std::string (one copy).
inline std::optional<std::string> take(int32_t len) {
  if (len < 0) return std::nullopt;
  std::string s(static_cast<size_t>(len), '\0');
  if (len > 0 && aegis_host_get_shared_buffer(s.data(), 0, static_cast<uint32_t>(len)) != len) return std::nullopt;
  return s;
}
inline uint32_t u32(std::string_view s) { return static_cast<uint32_t>(s.size()); }
inline Result status(int32_t rc) { return rc == 0 ? AEGIS_OK : AEGIS_ERR_REFUSED; }
}  // namespace detail

inline void log(std::string_view msg) { aegis_host_log(msg.data(), detail::u32(msg)); }

namespace request {
inline std::string method() { return detail::take(aegis_host_request_get_method()).value_or(std::string()); }
inline std::string uri() { return detail::take(aegis_host_request_get_uri()).value_or(std::string()); }
inline std::optional<std::string> header(std::string_view name) {
  return detail::take(aegis_host_request_get_header(name.data(), detail::u32(name)));
}
inline std::string header_names() { return detail::take(aegis_host_request_get_header_names()).value_or("[]"); }
inline std::string body() { return detail::take(aegis_host_request_get_body()).value_or(std::string()); }
inline Result set_method(std::string_view m) { return detail::status(aegis_host_request_set_method(m.data(), detail::u32(m))); }
inline Result set_uri(std::string_view u) { return detail::status(aegis_host_request_set_uri(u.data(), detail::u32(u))); }
inline Result set_header(std::string_view n, std::string_view v) {
  return detail::status(aegis_host_request_set_header(n.data(), detail::u32(n), v.data(), detail::u32(v)));
}
inline Result add_header(std::string_view n, std::string_view v) {
  return detail::status(aegis_host_request_add_header(n.data(), detail::u32(n), v.data(), detail::u32(v)));
}
inline Result remove_header(std::string_view n) { return detail::status(aegis_host_request_remove_header(n.data(), detail::u32(n))); }
inline Result set_body(std::string_view b) { return detail::status(aegis_host_request_set_body(b.data(), detail::u32(b))); }
}  // namespace request

namespace response {
inline Result set_status(int s) { return detail::status(aegis_host_response_set_status(s)); }
inline Result set_header(std::string_view n, std::string_view v) {
  return detail::status(aegis_host_response_set_header(n.data(), detail::u32(n), v.data(), detail::u32(v)));
}
inline Result add_header(std::string_view n, std::string_view v) {
  return detail::status(aegis_host_response_add_header(n.data(), detail::u32(n), v.data(), detail::u32(v)));
}
inline Result remove_header(std::string_view n) { return detail::status(aegis_host_response_remove_header(n.data(), detail::u32(n))); }
inline Result set_body(std::string_view b) { return detail::status(aegis_host_response_set_body(b.data(), detail::u32(b))); }
inline std::optional<int> status() {
  int32_t s = aegis_host_response_get_status();
  return s < 0 ? std::nullopt : std::optional<int>(s);
}
inline std::optional<std::string> header(std::string_view name) {
  return detail::take(aegis_host_response_get_header(name.data(), detail::u32(name)));
}
inline std::string header_names() { return detail::take(aegis_host_response_get_header_names()).value_or("[]"); }
inline std::string body() { return detail::take(aegis_host_response_get_body()).value_or(std::string()); }
}  // namespace response

inline Result terminate(int status) { return detail::status(aegis_host_request_terminate(status)); }

namespace kv {
inline std::optional<std::string> get(std::string_view key) {
  return detail::take(aegis_host_cache_get(key.data(), detail::u32(key)));
}
inline Result set(std::string_view key, std::string_view value, uint32_t ttl_seconds = 0) {
  return detail::status(aegis_host_cache_set(key.data(), detail::u32(key), value.data(), detail::u32(value), ttl_seconds));
}
}  // namespace kv

namespace http {
struct Response {
  Result result = AEGIS_ERR_HTTP;  // AEGIS_OK when an HTTP answer arrived (any status)
  int status = 0;
  std::string body;
  explicit operator bool() const { return result == AEGIS_OK; }
};
namespace detail {
inline Response finish(int32_t rc) {
  Response r;
  if (rc < 0) return r;
  r.status = aegis_host_http_get_status();
  auto body = edge::detail::take(rc);
  if (!body) {
    r.result = AEGIS_ERR_SHARED_BUFFER;
    return r;
  }
  r.result = AEGIS_OK;
  r.body = std::move(*body);
  return r;
}
}  // namespace detail
inline Response get(std::string_view url) { return detail::finish(aegis_host_http_get(url.data(), edge::detail::u32(url))); }
inline Response del(std::string_view url) { return detail::finish(aegis_host_http_delete(url.data(), edge::detail::u32(url))); }
inline Response post(std::string_view url, std::string_view body, std::string_view content_type = {}) {
  return detail::finish(aegis_host_http_post(url.data(), edge::detail::u32(url), body.data(), edge::detail::u32(body),
                                             content_type.data(), edge::detail::u32(content_type)));
}
inline Response put(std::string_view url, std::string_view body, std::string_view content_type = {}) {
  return detail::finish(aegis_host_http_put(url.data(), edge::detail::u32(url), body.data(), edge::detail::u32(body),
                                            content_type.data(), edge::detail::u32(content_type)));
}
}  // namespace http

}  // namespace aegis::edge
#endif /* C++ layer */

#endif /* AEGIS_EDGE_H */
