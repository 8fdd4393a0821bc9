// Snapshot and cheap reset of one linear memory (engine-independent).
//
// capture() keeps a copy of every non-zero 4 KiB page and the runs of zero pages. restore() copies the non-zero
// pages back and clears the zero runs. The work is finding which zero-run pages the guest may have written:
//
// Fault-tracked (preferred: private anonymous memory, no swap, huge pages switched off for the region): a page the
// guest never touched is not mapped at all, and the only way it can get mapped is a page fault taken by the thread
// that runs the guest — counted in that thread's fault counters (getrusage(RUSAGE_THREAD)). So restore() reads the
// counters: unchanged since the last restore (the common case on a warm worker), only the zero-run pages already
// known to be mapped (typically the page or two of the guest's stack) can hold anything, and only they are
// compared and, if need be, cleared. Any fault on the thread in between (guest or not) falls back to the residency
// check below, which also refreshes the set of mapped pages. One cheap system call, a handful of pages touched.
//
// Small (zero runs ≤ kScanMaxBytes; when fault tracking is unavailable): every zero-run page is compared with zeros
// and only the ones that differ are cleared (pages never touched read the kernel's shared zero page).
//
// Residency (large memories without fault tracking, and the fault-tracked fallback): when the system has no swap it
// asks the kernel (mincore) which of their pages are resident at all — a non-resident anonymous page can only read
// back as zero, so pages the guest never touched need no work (with swap, a swapped-out dirty page is non-resident
// too, so every page is cleared) — then memsets short resident stretches and drops long ones with
// madvise(MADV_DONTNEED), which gives the RSS back and makes the next touch fault in a zero page. That is only
// correct for a private anonymous mapping: the caller says whether the region is one (is_private_anonymous()
// reads /proc/self/maps; the V8 adapter checks it once per process, as V8 maps every wasm memory the same way with
// mmap(MAP_PRIVATE|MAP_ANONYMOUS)); otherwise memset is used.
//
// A snapshot is captured and restored on the thread that runs the guest (the instance pool is per thread); a
// restore on another thread takes the residency path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace aegis::wasm::v8impl {

class MemorySnapshot {
 public:
  static constexpr std::size_t kPage = 4096;
  // A resident zero-page stretch at least this long is dropped with madvise rather than memset.
  static constexpr std::size_t kMadviseMinBytes = 256 * 1024;
  // Zero runs covering at most this much are checked by comparison instead of mincore (see above). Kept at or
  // below kMadviseMinBytes, so the comparing restore never meets a stretch long enough for madvise.
  static constexpr std::size_t kScanMaxBytes = 256 * 1024;

  // Captures `memory` as it is now. May mark the region MADV_NOHUGEPAGE (see fault tracking above).
  void capture(std::span<uint8_t> memory, bool private_anonymous);
  bool captured() const { return captured_; }
  std::size_t size() const { return size_; }
  // `memory` must be the same region (same size) as at capture. Returns false if its size differs.
  bool restore(std::span<uint8_t> memory);

  std::size_t stored_bytes() const { return data_.size(); }
  // Whether restore() relies on the thread's fault counters (see above).
  bool fault_tracked() const { return fault_tracked_; }
  // Whether restore() compares the zero runs (small memory) rather than asking the kernel for residency.
  bool compares_zero_runs() const { return compare_zero_runs_; }
  // Restores that found the thread's fault counters unchanged and touched only the known mapped pages.
  uint64_t quick_restores() const { return quick_restores_; }

 private:
  struct Run {
    std::size_t offset, length, data_offset;
  };
  // Returns true if the stretch was dropped with madvise (no longer mapped).
  bool clear_zero_run(uint8_t* base, std::size_t offset, std::size_t length, bool use_madvise);
  // The residency path; with fault tracking also rebuilds mapped_ and the fault baseline.
  void restore_by_residency(uint8_t* base);

  bool captured_ = false;
  bool private_anonymous_ = false;
  bool trust_residency_ = false;  // no swap configured at capture
  bool compare_zero_runs_ = false;  // the zero runs total ≤ kScanMaxBytes
  bool fault_tracked_ = false;
  uint64_t faults_ = 0;             // the thread's minor + major faults after the last capture/restore
  unsigned long thread_ = 0;        // pthread_self() of capture
  std::vector<uint32_t> mapped_;    // zero-run pages known to be mapped (the only ones a quick restore looks at)
  uint64_t quick_restores_ = 0;
  std::size_t size_ = 0;
  std::vector<uint8_t> data_;   // content of the non-zero runs, back to back
  std::vector<Run> nonzero_;    // data_offset into data_
  std::vector<Run> zero_;       // data_offset unused
  std::vector<unsigned char> residency_;  // mincore scratch
};

// True if `addr` lies in a private anonymous mapping (so MADV_DONTNEED makes its pages read back as zero).
bool is_private_anonymous(const void* addr);

}  // namespace aegis::wasm::v8impl
