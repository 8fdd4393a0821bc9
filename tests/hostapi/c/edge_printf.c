/* An edge function written in C against wasi-libc: printf/fprintf, time, randomness and getenv all go through the
 * WASI subset; the request URI is read and echoed through the env ABI. Built as a reactor exporting `handle`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
IMPORT(request_get_uri) int request_get_uri(void);
IMPORT(get_shared_buffer) int get_shared_buffer(void* dest, unsigned offset, unsigned length);
IMPORT(response_set_body) int response_set_body(const void* body, unsigned len);
IMPORT(response_set_status) int response_set_status(int status);

static char uri[2048];

__attribute__((export_name("handle"))) int handle(void) {
  int n = request_get_uri();
  if (n < 0 || n >= (int)sizeof uri) return 1;
  if (get_shared_buffer(uri, 0, (unsigned)n) != n) return 2;
  uri[n] = 0;
  unsigned char rnd[16];
  if (getentropy(rnd, sizeof rnd) != 0) return 3;
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 4;
  time_t now = time(NULL);
  printf("hello from C: uri=%s year>=2024:%d env=%s\n", uri, now >= 1704067200, getenv("HOME") ? "set" : "empty");
  fprintf(stderr, "warning: %d\n", 42);
  char body[2100];
  int len = snprintf(body, sizeof body, "C saw %s", uri);
  response_set_status(200);
  response_set_body(body, (unsigned)len);
  return 0;
}
