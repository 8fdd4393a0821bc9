// The compute kernel compared natively and in V8 (and, in V8, with fuel instrumentation on and off):
// xorshift32 fills a 16 KiB table, then an FNV-1a pass reads it in a strided order. Serial dependencies, memory
// traffic, no libc — the same source builds for the host and for wasm32.
#include <stdint.h>

static uint32_t table[4096];

#ifdef __wasm__
__attribute__((export_name("kernel")))
#endif
uint32_t kernel(uint32_t rounds) {
  uint32_t x = 2463534242u;
  uint32_t h = 2166136261u;
  for (uint32_t r = 0; r < rounds; ++r) {
    for (uint32_t i = 0; i < 4096; ++i) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      table[i] = x;
    }
    for (uint32_t i = 0; i < 4096; ++i) h = (h ^ table[(i * 7u) & 4095u]) * 16777619u;
  }
  return h;
}

// Worst case for fuel: a loop whose body is a single multiply-add, so the per-iteration fuel charge
// (load, subtract, store, compare, branch on the fuel global) is as large as the work itself.
#ifdef __wasm__
__attribute__((export_name("tight_loop")))
#endif
uint32_t tight_loop(uint32_t n) {
  uint32_t a = 1;
  for (uint32_t i = 0; i < n; ++i) a = a * 31u + i;
  return a;
}
