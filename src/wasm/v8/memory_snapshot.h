// Snapshot and cheap reset of one linear memory (engine-independent).
//
// capture() keeps a copy of every non-zero 4 KiB page and the runs of zero pages. restore() copies the non-zero
// pages back and clears the zero runs. How it finds what to clear depends on how much memory the zero runs cover:
//
// Small (zero runs ≤ kScanMaxBytes, e.g. the 2-page memory of a typical C edge function): every zero-run page is
// compared with zeros and only the ones that differ are cleared. A page the guest never touched reads the kernel's
// shared zero page, so the comparison of all of them hits one physical 4 KiB page in the L1 cache; for a small
// memory that costs a fraction of the system call the residency check below needs.
//
// Large: when the system has no swap it asks the kernel (mincore) which of their
// pages are resident at all — a non-resident anonymous page can only read back as zero, so pages the guest never
// touched need no work (with swap, a swapped-out dirty page is non-resident too, so every page is cleared) — then
// memsets short resident stretches and drops long ones with
// madvise(MADV_DONTNEED), which gives the RSS back and makes the next touch fault in a zero page. That is only
// correct for a private anonymous mapping: the caller says whether the region is one (is_private_anonymous()
// reads /proc/self/maps; the V8 adapter checks it once per process, as V8 maps every wasm memory the same way with
// mmap(MAP_PRIVATE|MAP_ANONYMOUS)); otherwise memset is used.
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

  void capture(std::span<const uint8_t> memory, bool private_anonymous);
  bool captured() const { return captured_; }
  std::size_t size() const { return size_; }
  // `memory` must be the same region (same size) as at capture. Returns false if its size differs.
  bool restore(std::span<uint8_t> memory);

  std::size_t stored_bytes() const { return data_.size(); }
  // Whether restore() compares the zero runs (small memory) rather than asking the kernel for residency.
  bool compares_zero_runs() const { return compare_zero_runs_; }

 private:
  struct Run {
    std::size_t offset, length, data_offset;
  };
  void clear_zero_run(uint8_t* base, std::size_t offset, std::size_t length, bool use_madvise);

  bool captured_ = false;
  bool private_anonymous_ = false;
  bool trust_residency_ = false;  // no swap configured at capture
  bool compare_zero_runs_ = false;  // the zero runs total ≤ kScanMaxBytes
  std::size_t size_ = 0;
  std::vector<uint8_t> data_;   // content of the non-zero runs, back to back
  std::vector<Run> nonzero_;    // data_offset into data_
  std::vector<Run> zero_;       // data_offset unused
  std::vector<unsigned char> residency_;  // mincore scratch
};

// True if `addr` lies in a private anonymous mapping (so MADV_DONTNEED makes its pages read back as zero).
bool is_private_anonymous(const void* addr);

}  // namespace aegis::wasm::v8impl
