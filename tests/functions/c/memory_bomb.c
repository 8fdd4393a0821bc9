// A C edge function that allocates 1 MiB blocks (kept in a list, so the allocations are real) until malloc
// fails, then aborts — wasi-libc's abort() is a Wasm trap, which the runner classifies as "memory".
#include <stdlib.h>
#include <string.h>

struct block {
  struct block* next;
  char data[(1 << 20) - sizeof(struct block*)];
};

static struct block* volatile head;

__attribute__((export_name("handle_request"))) int handle_request(void) {
  for (;;) {
    struct block* b = malloc(sizeof *b);
    if (!b) abort();
    memset(b->data, 0x5a, sizeof b->data);
    b->next = head;
    head = b;
  }
}
