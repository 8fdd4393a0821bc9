// capture()/restore(): resetting an instance to its post-initialisation state without re-instantiating.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "fixture.h"
#include "wasm/v8/memory_snapshot.h"

namespace aegis::wasm::test {
namespace {

bool all_zero(std::span<const uint8_t> s) {
  return std::all_of(s.begin(), s.end(), [](uint8_t b) { return b == 0; });
}

int64_t call_i64(Instance& inst, std::string_view name) {
  Val r;
  EXPECT_EQ(call(inst, name, {}, &r, 1).status, CallStatus::Ok);
  return r.i64;
}

TEST(Reset, RestoreBringsBackMemoryAndGlobals) {
  auto m = compile_fixture("engine_state");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  ASSERT_TRUE(inst->capture());
  const std::vector<uint8_t> pristine(inst->memory().begin(), inst->memory().end());

  for (int round = 0; round < 5; ++round) {
    EXPECT_EQ(call_i32(*inst, "bump"), 1);
    EXPECT_EQ(call_i32(*inst, "bump"), 2);
    EXPECT_EQ(call_i64(*inst, "other"), 25);
    EXPECT_EQ(call_i32(*inst, "load8", {Val::I32(16)}), 0x42);
    EXPECT_EQ(call_i32(*inst, "load", {Val::I32(70000)}), 2);
    // Dirty a short stretch (memset path) and a long one (madvise path when the mapping allows it).
    call(*inst, "fill", {Val::I32(20000), Val::I32(30000)});
    call(*inst, "fill", {Val::I32(131072), Val::I32(327680)});
    inst->memory()[500000] = 1;  // host writes count too

    ASSERT_TRUE(inst->restore());
    std::span<uint8_t> mem = inst->memory();
    ASSERT_EQ(mem.size(), pristine.size());
    EXPECT_TRUE(std::equal(mem.begin(), mem.end(), pristine.begin()));
    EXPECT_EQ(call_i32(*inst, "load8", {Val::I32(16)}), 'h');
    EXPECT_EQ(call_i32(*inst, "load", {Val::I32(8192)}), 0);
    EXPECT_EQ(call_i64(*inst, "other"), 5);
    ASSERT_TRUE(inst->restore());  // the loads above changed nothing, restoring again is fine
  }
}

TEST(Reset, SnapshotIsTakenAtCaptureNotAtInstantiation) {
  auto m = compile_fixture("engine_state");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  EXPECT_EQ(call_i32(*inst, "bump"), 1);  // "warm-up" before capture
  ASSERT_TRUE(inst->capture());
  EXPECT_EQ(call_i32(*inst, "bump"), 2);
  ASSERT_TRUE(inst->restore());
  EXPECT_EQ(call_i32(*inst, "bump"), 2);
  EXPECT_EQ(call_i32(*inst, "load", {Val::I32(70000)}), 2);
}

TEST(Reset, RestoreFailsAfterMemoryGrow) {
  auto m = compile_fixture("engine_state");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  ASSERT_TRUE(inst->capture());
  EXPECT_EQ(call_i32(*inst, "grow"), 8);
  EXPECT_FALSE(inst->restore());
}

TEST(Reset, MutableGlobalsWithoutInjectedExportsCannotBeReset) {
  auto m = compile_fixture("engine_globals_noreset");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  EXPECT_FALSE(inst->capture());
  EXPECT_EQ(call_i32(*inst, "bump"), 1);
  EXPECT_FALSE(inst->restore());
}

TEST(Reset, RestoreWithoutCaptureFails) {
  auto m = compile_fixture("engine_state");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  EXPECT_FALSE(inst->restore());
}

TEST(Reset, ModuleWithoutMemoryOrMutableGlobalsIsTriviallyResettable) {
  auto m = compile_fixture("engine_values");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  EXPECT_TRUE(inst->capture());
  EXPECT_TRUE(inst->restore());
  EXPECT_EQ(call_i32(*inst, "add_i32", {Val::I32(1), Val::I32(2)}), 3);
}

// restore() drops long zero stretches with MADV_DONTNEED, which only reads back as zero for a private anonymous
// mapping. This is what V8 gives wasm memories; MemorySnapshot checks it and falls back to memset otherwise.
TEST(Reset, WasmMemoryIsAPrivateAnonymousMapping) {
  auto m = compile_fixture("engine_state");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  EXPECT_TRUE(v8impl::is_private_anonymous(inst->memory().data()));
}

std::size_t resident_pages(std::span<uint8_t> mem) {
  std::vector<unsigned char> v((mem.size() + 4095) / 4096);
  EXPECT_EQ(::mincore(mem.data(), v.size() * 4096, v.data()), 0);
  return static_cast<std::size_t>(std::count_if(v.begin(), v.end(), [](unsigned char c) { return c & 1; }));
}

// Capture and restore must not fault in pages the guest never touched (that would make every later restore pay
// for them and commit the whole memory).
TEST(Reset, UntouchedPagesStayUnmapped) {
  struct sysinfo si {};
  if (::sysinfo(&si) != 0 || si.totalswap != 0) GTEST_SKIP() << "residency is not trusted with swap";
  auto m = compile_fixture("engine_state");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  std::span<uint8_t> mem = inst->memory();
  const std::size_t before = resident_pages(mem);
  ASSERT_TRUE(inst->capture());
  ASSERT_TRUE(inst->restore());
  EXPECT_EQ(resident_pages(mem), before);
  EXPECT_LT(before, mem.size() / 4096 / 4) << "instantiation alone made most of memory resident";
  // After a call that writes 3 pages and a restore, at most those pages are added.
  EXPECT_EQ(call_i32(*inst, "bump"), 1);
  ASSERT_TRUE(inst->restore());
  EXPECT_LE(resident_pages(mem), before + 3);
}

// A 2-page memory is reset by comparing its zero pages (no mincore): whatever page the guest wrote, wherever in
// the page, the next invocation sees the snapshot — over many rounds, so pages written once and pages never
// written again are both covered.
TEST(Reset, SmallMemoryIsResetPageByPageWhereverTheGuestWrote) {
  auto m = compile_fixture("engine_small_state");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  ASSERT_TRUE(inst->capture());
  const std::vector<uint8_t> pristine(inst->memory().begin(), inst->memory().end());
  ASSERT_EQ(pristine.size(), 2u * 65536);
  for (int32_t offset : {0, 1, 1024, 2047, 4095, 3000, 17}) {
    call(*inst, "scribble", {Val::I32(offset), Val::I32(0x5a)});
    EXPECT_EQ(call_i32(*inst, "global"), 8);
    ASSERT_TRUE(inst->restore());
    std::span<uint8_t> mem = inst->memory();
    ASSERT_EQ(mem.size(), pristine.size());
    EXPECT_TRUE(std::equal(mem.begin(), mem.end(), pristine.begin())) << "offset " << offset;
    EXPECT_EQ(call_i32(*inst, "global"), 7) << "offset " << offset;
  }
}

// restore_memory() resets the memory only: the globals are left for the caller's next call to restore.
TEST(Reset, RestoreMemoryLeavesTheGlobals) {
  auto m = compile_fixture("engine_small_state");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  ASSERT_TRUE(inst->capture());
  const std::vector<uint8_t> pristine(inst->memory().begin(), inst->memory().end());
  call(*inst, "scribble", {Val::I32(100), Val::I32(1)});
  ASSERT_TRUE(inst->restore_memory());
  std::span<uint8_t> mem = inst->memory();
  EXPECT_TRUE(std::equal(mem.begin(), mem.end(), pristine.begin()));
  EXPECT_EQ(call_i32(*inst, "global"), 8);
  ASSERT_EQ(call(*inst, "__aegis_globals_restore", {}).status, CallStatus::Ok);
  EXPECT_EQ(call_i32(*inst, "global"), 7);
  // A grown memory cannot be reset either way.
  auto big = compile_fixture("engine_state");
  auto grown = instantiate(*rt, *big);
  ASSERT_TRUE(grown && grown->capture());
  EXPECT_EQ(call_i32(*grown, "grow"), 8);
  EXPECT_FALSE(grown->restore_memory());
}

// Host writes between calls are seen and reset too (memory() between calls is the span as of the last call).
TEST(Reset, HostWritesIntoASmallMemoryAreReset) {
  auto m = compile_fixture("engine_small_state");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  ASSERT_TRUE(inst->capture());
  inst->memory()[70000] = 3;
  inst->memory()[1024] = 'P';
  inst->memory()[131071] = 9;
  ASSERT_TRUE(inst->restore());
  EXPECT_EQ(inst->memory()[70000], 0);
  EXPECT_EQ(inst->memory()[1024], 'p');
  EXPECT_EQ(inst->memory()[131071], 0);
}

TEST(MemorySnapshot, SmallRegionsCompareLargeOnesAskTheKernel) {
  constexpr std::size_t kSmall = 128 * 1024 + 100;  // a short tail page too
  constexpr std::size_t kLarge = 1 << 20;
  void* region = ::mmap(nullptr, kLarge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(region, MAP_FAILED);
  auto* base = static_cast<uint8_t*>(region);
  base[5000] = 1;  // the one non-zero page at capture

  v8impl::MemorySnapshot small;
  small.capture(std::span<uint8_t>(base, kSmall), false);  // not anonymous: no fault tracking
  EXPECT_TRUE(small.compares_zero_runs());
  std::span<uint8_t> mem(base, kSmall);
  for (std::size_t at : {std::size_t{0}, std::size_t{4095}, std::size_t{4096}, std::size_t{8191}, std::size_t{65536},
                         kSmall - 1, kSmall - 100}) {
    mem[at] = 0x77;
    mem[5000] = 2;
    ASSERT_TRUE(small.restore(mem));
    EXPECT_EQ(mem[at], 0) << at;
    EXPECT_EQ(mem[5000], 1);
    EXPECT_EQ(std::count(mem.begin(), mem.end(), 0), static_cast<std::ptrdiff_t>(kSmall - 1)) << at;
  }

  v8impl::MemorySnapshot large;
  large.capture(std::span<uint8_t>(base, kLarge), false);
  EXPECT_FALSE(large.compares_zero_runs());
  base[kLarge - 1] = 5;
  ASSERT_TRUE(large.restore(std::span<uint8_t>(base, kLarge)));
  EXPECT_EQ(base[kLarge - 1], 0);
  ::munmap(region, kLarge);
}

// A 256 KiB anonymous region holding a single 1 at offset 100, captured with fault tracking (the tests are skipped
// where the system offers none).
class FaultTrackedSnapshot : public ::testing::Test {
 protected:
  static constexpr std::size_t kSize = 256 * 1024;
  void SetUp() override {
    region_ = ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(region_, MAP_FAILED);
    mem = std::span<uint8_t>(static_cast<uint8_t*>(region_), kSize);
    mem[100] = 1;
    snap.capture(mem, true);
    if (!snap.fault_tracked()) GTEST_SKIP() << "no fault tracking on this system (swap configured?)";
  }
  void TearDown() override {
    if (region_ != MAP_FAILED) ::munmap(region_, kSize);
  }
  // The region reads back as captured.
  bool pristine() const {
    return mem[100] == 1 && std::count(mem.begin(), mem.end(), 0) == static_cast<std::ptrdiff_t>(kSize - 1);
  }
  std::span<uint8_t> mem;
  v8impl::MemorySnapshot snap;

 private:
  void* region_ = MAP_FAILED;
};

// Fault tracking: a restore that finds the thread's fault counters unchanged looks only at the pages known to be
// mapped; a page written for the first time faults, which sends the next restore down the residency path. Either
// way every page the "guest" wrote reads back as the snapshot.
TEST_F(FaultTrackedSnapshot, RestoreClearsKnownAndNewlyMappedPages) {
  mem[5 * 4096 + 7] = 9;  // first touch of page 5: a fault
  ASSERT_TRUE(snap.restore(mem));
  EXPECT_TRUE(pristine());
  EXPECT_EQ(snap.quick_restores(), 0u);
  for (int i = 0; i < 5; ++i) {  // page 5 is mapped now: no fault, the quick path clears it
    mem[5 * 4096 + 8 + static_cast<std::size_t>(i)] = 9;
    mem[100] = 7;
    ASSERT_TRUE(snap.restore(mem));
    ASSERT_TRUE(pristine()) << "round " << i;
  }
  EXPECT_GE(snap.quick_restores(), 1u);
  mem[5 * 4096] = 1;
  mem[40 * 4096 + 4095] = 2;  // a new page: faults, the residency path finds it
  ASSERT_TRUE(snap.restore(mem));
  EXPECT_TRUE(pristine());
  mem[40 * 4096] = 3;  // known mapped now
  ASSERT_TRUE(snap.restore(mem));
  EXPECT_TRUE(pristine());
  // A restore on another thread cannot use this thread's fault counters: it takes the residency path.
  std::thread other([&] {
    mem[60 * 4096] = 4;
    EXPECT_TRUE(snap.restore(mem));
  });
  other.join();
  EXPECT_TRUE(pristine());
}

// The quick path clears a known mapped page from its first non-zero 128-byte block on: writes anywhere in the
// page — only near its end (a stack page), only at its start, at block edges, both ends — all read back as zero.
TEST_F(FaultTrackedSnapshot, QuickRestoreClearsWritesAnywhereInAKnownMappedPage) {
  constexpr std::size_t kPage5 = 5 * 4096;
  std::fill(mem.begin() + kPage5, mem.begin() + kPage5 + 4096, 0xee);  // maps page 5 (a fault: residency path)
  ASSERT_TRUE(snap.restore(mem));
  ASSERT_TRUE(pristine());
  const uint64_t quick_before = snap.quick_restores();
  const std::vector<std::vector<std::size_t>> cases = {
      {4095}, {4000, 4095}, {3968}, {3967}, {128}, {127}, {0}, {0, 4095}, {2048, 2049, 3000}};
  for (const auto& offsets : cases) {
    for (std::size_t off : offsets) mem[kPage5 + off] = 0x5a;
    ASSERT_TRUE(snap.restore(mem));
    ASSERT_TRUE(pristine()) << "first offset " << offsets.front();
  }
  // A stack-like page: its upper part written, whole.
  std::fill(mem.begin() + kPage5 + 3000, mem.begin() + kPage5 + 4096, 0x11);
  ASSERT_TRUE(snap.restore(mem));
  EXPECT_TRUE(pristine());
  EXPECT_GE(snap.quick_restores(), quick_before + 1);
}

TEST(MemorySnapshot, RestoresAnonymousAndFileBackedRegions) {
  constexpr std::size_t kSize = 1 << 20;
  // Anonymous private mapping.
  void* anon = ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(anon, MAP_FAILED);
  // Private file mapping: MADV_DONTNEED would bring back the FILE's content, so it must not be used.
  char path[] = "/tmp/aegis-snapshot-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  std::vector<uint8_t> junk(kSize, 0x5a);
  ASSERT_EQ(::write(fd, junk.data(), kSize), static_cast<ssize_t>(kSize));
  void* file = ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  ASSERT_NE(file, MAP_FAILED);
  ::close(fd);
  ::unlink(path);
  EXPECT_TRUE(v8impl::is_private_anonymous(anon));
  EXPECT_FALSE(v8impl::is_private_anonymous(file));

  for (void* region : {anon, file}) {
    std::span<uint8_t> mem(static_cast<uint8_t*>(region), kSize);
    std::fill(mem.begin(), mem.end(), 0);
    mem[10] = 1;
    mem[kSize - 1] = 2;
    v8impl::MemorySnapshot snap;
    snap.capture(mem, v8impl::is_private_anonymous(region));
    EXPECT_EQ(snap.stored_bytes(), 2 * v8impl::MemorySnapshot::kPage);
    std::fill(mem.begin() + 4096, mem.end() - 4096, 0x77);  // one long dirty stretch
    mem[10] = 9;
    ASSERT_TRUE(snap.restore(mem));
    EXPECT_EQ(mem[10], 1);
    EXPECT_EQ(mem[kSize - 1], 2);
    EXPECT_TRUE(all_zero(mem.subspan(4096, kSize - 8192)));
    EXPECT_FALSE(snap.restore(mem.first(kSize - 4096)));  // size changed
  }
  ::munmap(anon, kSize);
  ::munmap(file, kSize);
}

}  // namespace
}  // namespace aegis::wasm::test
