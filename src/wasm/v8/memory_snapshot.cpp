#include "wasm/v8/memory_snapshot.h"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace aegis::wasm::v8impl {
namespace {

bool page_is_zero(const uint8_t* p, std::size_t n) {
  // 8-byte words; n is a multiple of 8 except possibly for a short tail page.
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w) return false;
  }
  for (; i < n; ++i)
    if (p[i]) return false;
  return true;
}

// 32-byte vectors: compiled for AVX2 and for the baseline (two 16-byte halves), picked at load time. A page the
// guest never touched is the kernel's shared zero page, so checking many of them reads one physical page from the L1
// cache.
using Vec = uint64_t __attribute__((vector_size(32)));

// Makes the kPage bytes at p zero, writing only from the first 128-byte block that is not already zero: a page the
// guest left untouched is only read (a page mapped to the shared zero page stays so), and a stack page — written
// from its top down — is scanned only below the part the guest used, which alone is cleared. Vector stores, not
// memset: for a page glibc uses `rep stosb`, and the loop below is as fast while costing far fewer instructions
// (what the per-request cost measurements count). Returns whether anything was written.
constexpr std::size_t kBlock = 4 * sizeof(Vec);
__attribute__((target_clones("avx2", "default"), optimize("no-tree-loop-distribute-patterns"))) bool
clear_page(uint8_t* p) {
  std::size_t first = MemorySnapshot::kPage;
  for (std::size_t i = 0; i < MemorySnapshot::kPage; i += kBlock) {
    Vec v0, v1, v2, v3;
    std::memcpy(&v0, p + i, sizeof(Vec));
    std::memcpy(&v1, p + i + sizeof(Vec), sizeof(Vec));
    std::memcpy(&v2, p + i + 2 * sizeof(Vec), sizeof(Vec));
    std::memcpy(&v3, p + i + 3 * sizeof(Vec), sizeof(Vec));
    Vec a = (v0 | v1) | (v2 | v3);
    if ((a[0] | a[1] | a[2] | a[3]) != 0) {
      first = i;
      break;
    }
  }
  if (first == MemorySnapshot::kPage) return false;
  const Vec zero{};
  for (std::size_t i = first; i < MemorySnapshot::kPage; i += kBlock) {
    std::memcpy(p + i, &zero, sizeof(Vec));
    std::memcpy(p + i + sizeof(Vec), &zero, sizeof(Vec));
    std::memcpy(p + i + 2 * sizeof(Vec), &zero, sizeof(Vec));
    std::memcpy(p + i + 3 * sizeof(Vec), &zero, sizeof(Vec));
  }
  return true;
}

// Minor + major page faults taken by the calling thread so far.
bool thread_faults(uint64_t* out) {
  struct rusage ru {};
  if (::getrusage(RUSAGE_THREAD, &ru) != 0) return false;
  *out = static_cast<uint64_t>(ru.ru_minflt) + static_cast<uint64_t>(ru.ru_majflt);
  return true;
}

}  // namespace

bool is_private_anonymous(const void* addr) {
  FILE* f = std::fopen("/proc/self/maps", "re");
  if (!f) return false;
  auto a = reinterpret_cast<uintptr_t>(addr);
  bool result = false;
  char line[512];
  while (std::fgets(line, sizeof line, f)) {
    unsigned long lo = 0, hi = 0, inode = 0;
    char perms[8] = {};
    int path_at = 0;
    if (std::sscanf(line, "%lx-%lx %7s %*s %*s %lu %n", &lo, &hi, perms, &inode, &path_at) < 4) continue;
    if (a < lo || a >= hi) continue;
    const char* path = line + path_at;
    bool no_path = path_at == 0 || *path == '\0' || *path == '\n';
    result = perms[3] == 'p' && inode == 0 && no_path;
    break;
  }
  std::fclose(f);
  return result;
}

void MemorySnapshot::capture(std::span<uint8_t> memory, bool private_anonymous) {
  captured_ = true;
  private_anonymous_ = private_anonymous;
  size_ = memory.size();
  data_.clear();
  nonzero_.clear();
  zero_.clear();
  struct sysinfo si {};
  trust_residency_ = ::sysinfo(&si) == 0 && si.totalswap == 0;
  residency_.assign((size_ + kPage - 1) / kPage, 0);
  // Pages never touched are zero without looking at them — and looking would map them (to the shared zero page),
  // making them "resident" for every later restore.
  bool have_residency = private_anonymous_ && trust_residency_ && size_ > 0 &&
                        (reinterpret_cast<uintptr_t>(memory.data()) % kPage) == 0 &&
                        ::mincore(const_cast<uint8_t*>(memory.data()), residency_.size() * kPage, residency_.data()) == 0;
  for (std::size_t off = 0; off < size_; off += kPage) {
    std::size_t n = std::min(kPage, size_ - off);
    bool zero = (have_residency && !(residency_[off / kPage] & 1)) || page_is_zero(memory.data() + off, n);
    auto& runs = zero ? zero_ : nonzero_;
    if (!runs.empty() && runs.back().offset + runs.back().length == off) {
      runs.back().length += n;
    } else {
      runs.push_back({off, n, zero ? 0 : data_.size()});
    }
    if (!zero) data_.insert(data_.end(), memory.begin() + off, memory.begin() + off + n);
  }
  std::size_t zero_bytes = 0;
  for (const Run& r : zero_) zero_bytes += r.length;
  compare_zero_runs_ = zero_bytes <= kScanMaxBytes;

  // Fault tracking needs the residency information (private anonymous, no swap) and no transparent huge pages in
  // the region: khugepaged may map a huge page over untouched pages without a fault of ours.
  fault_tracked_ = false;
  mapped_.clear();
  if (have_residency && !zero_.empty() &&
      ::madvise(memory.data(), residency_.size() * kPage, MADV_NOHUGEPAGE) == 0 && thread_faults(&faults_)) {
    fault_tracked_ = true;
    thread_ = static_cast<unsigned long>(::pthread_self());
    for (const Run& r : zero_)
      for (std::size_t off = r.offset; off < r.offset + r.length; off += kPage)
        if (residency_[off / kPage] & 1) mapped_.push_back(static_cast<uint32_t>(off / kPage));
  }
}

bool MemorySnapshot::clear_zero_run(uint8_t* base, std::size_t offset, std::size_t length, bool use_madvise) {
  if (use_madvise && length >= kMadviseMinBytes && (offset % kPage) == 0 && (length % kPage) == 0 &&
      ::madvise(base + offset, length, MADV_DONTNEED) == 0)
    return true;
  std::memset(base + offset, 0, length);
  return false;
}

bool MemorySnapshot::restore(std::span<uint8_t> memory) {
  if (!captured_ || memory.size() != size_) return false;
  uint8_t* base = memory.data();
  for (const Run& r : nonzero_) std::memcpy(base + r.offset, data_.data() + r.data_offset, r.length);
  if (zero_.empty()) return true;

  if (fault_tracked_) {
    uint64_t now = 0;
    if (static_cast<unsigned long>(::pthread_self()) == thread_ && thread_faults(&now) && now == faults_) {
      // No page got mapped on this thread since the last restore: only the known mapped ones can differ from zero
      // (comparing first leaves pages mapped to the shared zero page as they are).
      for (uint32_t page : mapped_) {
        const std::size_t off = std::size_t{page} * kPage;
        const std::size_t n = std::min(kPage, size_ - off);
        if (n == kPage)
          clear_page(base + off);
        else if (!page_is_zero(base + off, n))
          std::memset(base + off, 0, n);
      }
      ++quick_restores_;
      return true;
    }
    restore_by_residency(base);
    return true;
  }

  if (compare_zero_runs_) {
    // Only pages that differ from zero are written (a page never touched stays the shared zero page).
    for (const Run& r : zero_) {
      const std::size_t end = r.offset + r.length;
      for (std::size_t off = r.offset; off < end; off += kPage) {
        const std::size_t n = std::min(kPage, end - off);
        if (n == kPage)
          clear_page(base + off);
        else if (!page_is_zero(base + off, n))
          std::memset(base + off, 0, n);
      }
    }
    return true;
  }

  restore_by_residency(base);
  return true;
}

void MemorySnapshot::restore_by_residency(uint8_t* base) {
  bool aligned = (reinterpret_cast<uintptr_t>(base) % kPage) == 0;
  bool use_madvise = aligned && private_anonymous_;
  // Non-resident means zero only for anonymous memory without swap.
  bool have_residency = aligned && private_anonymous_ && trust_residency_ &&
                        ::mincore(base, residency_.size() * kPage, residency_.data()) == 0;
  if (fault_tracked_ && !have_residency) fault_tracked_ = false;  // cannot tell mapped pages any more
  mapped_.clear();
  for (const Run& r : zero_) {
    if (!have_residency) {
      clear_zero_run(base, r.offset, r.length, use_madvise);
      continue;
    }
    // Only resident pages can hold anything but zero.
    std::size_t end = r.offset + r.length;
    std::size_t off = r.offset;
    while (off < end) {
      while (off < end && !(residency_[off / kPage] & 1)) off += kPage;
      if (off >= end) break;
      std::size_t start = off;
      while (off < end && (residency_[off / kPage] & 1)) off += kPage;
      const std::size_t stop = std::min(off, end);
      bool dropped = clear_zero_run(base, start, stop - start, use_madvise);
      if (fault_tracked_ && !dropped)
        for (std::size_t p = start; p < stop; p += kPage) mapped_.push_back(static_cast<uint32_t>(p / kPage));
    }
  }
  // The baseline for the next quick restore: after our own writes (clearing a page mapped to the shared zero page
  // faults in a private one).
  if (fault_tracked_ && !thread_faults(&faults_)) fault_tracked_ = false;
  thread_ = static_cast<unsigned long>(::pthread_self());
}

}  // namespace aegis::wasm::v8impl
