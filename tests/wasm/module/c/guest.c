// A realistic clang-built guest: a stack pointer global, a name section, memory without a maximum, malloc growing
// memory, loops.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint32_t table[256];
static char* volatile sink;

__attribute__((export_name("crc32"))) uint32_t crc32(const uint8_t* data, uint32_t len) {
  if (table[1] == 0) {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
  }
  uint32_t crc = 0xffffffffu;
  for (uint32_t i = 0; i < len; ++i) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

// Allocates `mib` MiB one at a time; returns how many allocations succeeded.
__attribute__((export_name("hog"))) int hog(int mib) {
  int n = 0;
  for (int i = 0; i < mib; ++i) {
    char* p = malloc(1 << 20);
    if (!p) break;
    memset(p, i, 1 << 20);
    sink = p;
    ++n;
  }
  return n;
}

__attribute__((export_name("alloc"))) void* alloc(uint32_t size) { return malloc(size); }
