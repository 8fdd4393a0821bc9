// Malformed input never crashes prepare_module (run under -DAEGIS_SANITIZE=ON for ASan/UBSan): every truncation
// and thousands of byte mutations of valid modules; LEB128 edge cases; mutants that wabt accepts must still come
// out valid; a ~1 MB module prepares in one pass.
#include <gtest/gtest.h>

#include <time.h>

#include <chrono>
#include <random>

#include "wasm/module/binary.h"
#include "wasm/module/module_ir.h"
#include "wasm/module/prepare.h"
#include "wasm_tools.h"

namespace aegis::wasm {
namespace {

using binary::DecodeError;
using binary::Reader;

const char* const kCorpus[] = {"compute", "features", "guest", "imports_ok", "tables", "memory_nomax"};

struct Attempt {
  bool ok = false;
  std::string error;
  std::vector<uint8_t> output;
};

Attempt attempt(std::span<const uint8_t> bytes) {
  static const auto abi = test::test_abi();
  PrepareError err;
  Attempt a;
  auto m = prepare_module(bytes, abi, {}, &err);
  a.ok = m.has_value();
  if (m) {
    a.output = std::move(m->bytes);
  } else {
    a.error = err.message;
  }
  return a;
}

// Successful output must at least be well-framed; errors must say something.
void check(const Attempt& a) {
  if (a.ok) {
    EXPECT_NO_THROW(ir::parse_module(a.output));
  } else {
    EXPECT_FALSE(a.error.empty());
  }
}

TEST(Robustness, EveryTruncationIsHandled) {
  for (const char* name : kCorpus) {
    auto bytes = test::fixture(name);
    for (std::size_t len = 0; len < bytes.size(); ++len) {
      auto a = attempt(std::span(bytes).first(len));
      check(a);
      if (len < 8) {
        EXPECT_FALSE(a.ok);
      }
    }
  }
}

TEST(Robustness, ThousandsOfByteMutationsAreHandled) {
  std::mt19937 rng(20261125);
  std::size_t accepted = 0, refused = 0;
  for (const char* name : kCorpus) {
    const auto original = test::fixture(name);
    for (int i = 0; i < 3000; ++i) {
      auto bytes = original;
      int edits = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < edits; ++k) {
        std::uniform_int_distribution<std::size_t> pos(8, bytes.size() - 1);
        switch (rng() % 4) {
          case 0: bytes[pos(rng)] = static_cast<uint8_t>(rng()); break;
          case 1: bytes[pos(rng)] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;
          case 2: bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(pos(rng))); break;
          case 3: bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(pos(rng)), static_cast<uint8_t>(rng())); break;
        }
        if (bytes.size() <= 9) break;
      }
      auto a = attempt(bytes);
      check(a);
      (a.ok ? accepted : refused) += 1;
    }
  }
  RecordProperty("accepted", static_cast<int>(accepted));
  RecordProperty("refused", static_cast<int>(refused));
  EXPECT_GT(refused, 0u);
  EXPECT_GT(accepted, 0u);
}

// Differential check against wabt: a mutant wasm-validate accepts must still validate after preparation.
TEST(Robustness, ValidMutantsStayValid) {
  std::mt19937 rng(7);
  int checked = 0;
  for (const char* name : kCorpus) {
    const auto original = test::fixture(name);
    int per_module = 0;
    for (int i = 0; i < 400 && per_module < 12; ++i) {
      auto bytes = original;
      std::uniform_int_distribution<std::size_t> pos(8, bytes.size() - 1);
      bytes[pos(rng)] = static_cast<uint8_t>(rng());
      auto a = attempt(bytes);
      if (!a.ok) continue;
      if (test::wasm_validate(bytes).exit_code != 0) continue;
      ++per_module;
      ++checked;
      auto r = test::wasm_validate(a.output);
      EXPECT_EQ(r.exit_code, 0) << name << " mutant " << i << ": " << r.output;
    }
  }
  EXPECT_GT(checked, 10);
}

TEST(Leb128, UnsignedLimits) {
  const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
  EXPECT_EQ(Reader(max).u32("x"), 0xffffffffu);
  const uint8_t too_big[] = {0xff, 0xff, 0xff, 0xff, 0x1f};
  EXPECT_THROW(Reader(too_big).u32("x"), DecodeError);
  const uint8_t too_long[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  EXPECT_THROW(Reader(too_long).u32("x"), DecodeError);
  const uint8_t padded[] = {0x80, 0x80, 0x80, 0x80, 0x00};
  EXPECT_EQ(Reader(padded).u32("x"), 0u);
  const uint8_t truncated[] = {0x80, 0x80};
  EXPECT_THROW(Reader(truncated).u32("x"), DecodeError);
  const uint8_t u64max[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  EXPECT_EQ(Reader(u64max).u64("x"), UINT64_MAX);
  const uint8_t u64big[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
  EXPECT_THROW(Reader(u64big).u64("x"), DecodeError);
}

TEST(Leb128, SignedLimits) {
  const uint8_t min32[] = {0x80, 0x80, 0x80, 0x80, 0x78};
  EXPECT_EQ(Reader(min32).s32("x"), INT32_MIN);
  const uint8_t max32[] = {0xff, 0xff, 0xff, 0xff, 0x07};
  EXPECT_EQ(Reader(max32).s32("x"), INT32_MAX);
  const uint8_t bad32[] = {0xff, 0xff, 0xff, 0xff, 0x4f};  // sign bits disagree
  EXPECT_THROW(Reader(bad32).s32("x"), DecodeError);
  const uint8_t minus_one[] = {0x7f};
  EXPECT_EQ(Reader(minus_one).s64("x"), -1);
  const uint8_t min64[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f};
  EXPECT_EQ(Reader(min64).s64("x"), INT64_MIN);
  const uint8_t bad64[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x3f};
  EXPECT_THROW(Reader(bad64).s64("x"), DecodeError);
  for (int64_t v : {int64_t{0}, int64_t{63}, int64_t{64}, int64_t{-64}, int64_t{-65}, INT64_MAX, INT64_MIN}) {
    binary::Writer w;
    w.s64(v);
    EXPECT_EQ(Reader(w.out()).s64("x"), v);
  }
}

TEST(Robustness, HugeCountsAreRefusedWithoutAllocating) {
  // A type section announcing 2^32-1 types in a 6-byte payload.
  const uint8_t bytes[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f};
  auto a = attempt(bytes);
  ASSERT_FALSE(a.ok);
  EXPECT_NE(a.error.find("type count 4294967295 exceeds"), std::string::npos) << a.error;
}

TEST(Robustness, ClearMessagesForCommonGarbage) {
  const uint8_t text[] = {'(', 'm', 'o', 'd', 'u', 'l', 'e', ')', '\n'};
  EXPECT_EQ(attempt(text).error, "not a WebAssembly module: bad magic number");
  const uint8_t v2[] = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};
  EXPECT_EQ(attempt(v2).error, "unsupported WebAssembly binary version (only version 1 is supported)");
  const uint8_t empty_module[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  auto a = attempt(empty_module);
  ASSERT_TRUE(a.ok) << a.error;
  EXPECT_EQ(test::wasm_validate(a.output).exit_code, 0);
  // An atomic (threads) opcode inside a body is named.
  const uint8_t atomics[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
                             0x03, 0x02, 0x01, 0x00, 0x0a, 0x07, 0x01, 0x05, 0x00, 0xfe, 0x03, 0x00, 0x0b};
  EXPECT_NE(attempt(atomics).error.find("unknown or unsupported opcode 0xfe"), std::string::npos)
      << attempt(atomics).error;
}

// A synthetic module of ~1 MB of code: 3000 functions, each a loop over a long straight-line body.
std::vector<uint8_t> big_module() {
  binary::Writer body;
  body.u8(1);  // one local group
  body.u32(1);
  body.u8(ir::kI32);
  body.u8(0x03);  // loop
  body.u8(0x40);
  for (int k = 0; k < 80; ++k) {
    for (uint8_t b : {0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x00}) body.u8(b);  // local.get 0 i32.const 1 i32.add local.set 0
  }
  for (uint8_t b : {0x20, 0x00, 0x41, 0xe8, 0x07, 0x48, 0x0d, 0x00, 0x0b, 0x20, 0x00, 0x0b}) body.u8(b);
  const uint32_t n = 1800;
  binary::Writer code, funcs, w;
  code.u32(n);
  funcs.u32(n);
  for (uint32_t i = 0; i < n; ++i) {
    code.u32(static_cast<uint32_t>(body.size()));
    code.bytes(body.out());
    funcs.u32(0);
  }
  const uint8_t header[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  w.bytes(header);
  const uint8_t types[] = {0x01, 0x60, 0x00, 0x01, 0x7f};
  w.section(1, types);
  w.section(3, funcs.out());
  const uint8_t memory[] = {0x01, 0x00, 0x01};
  w.section(5, memory);
  w.section(10, code.out());
  return std::move(w.out());
}

TEST(Robustness, OneMegabyteModulePrepares) {
  auto bytes = big_module();
  ASSERT_GT(bytes.size(), 1'000'000u);
  // Thread CPU time as well as wall time: the shared machine's load inflates the latter.
  timespec cpu0{}, cpu1{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu0);
  auto start = std::chrono::steady_clock::now();
  auto a = attempt(bytes);
  auto elapsed = std::chrono::steady_clock::now() - start;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu1);
  const long long cpu_us = (cpu1.tv_sec - cpu0.tv_sec) * 1'000'000LL + (cpu1.tv_nsec - cpu0.tv_nsec) / 1000;
  ASSERT_TRUE(a.ok) << a.error;
  RecordProperty("input_bytes", static_cast<int>(bytes.size()));
  RecordProperty("output_bytes", static_cast<int>(a.output.size()));
  RecordProperty("prepare_us",
                 static_cast<int>(std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()));
  RecordProperty("prepare_cpu_us", static_cast<int>(cpu_us));
  std::printf("prepared %zu bytes -> %zu bytes in %lld us wall, %lld us CPU\n", bytes.size(), a.output.size(),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()), cpu_us);
  auto r = test::wasm_validate(a.output);
  EXPECT_EQ(r.exit_code, 0) << r.output.substr(0, 2000);
}

}  // namespace
}  // namespace aegis::wasm
