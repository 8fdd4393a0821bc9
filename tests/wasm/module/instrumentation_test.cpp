// The injected instrumentation, executed in a real engine (wabt's interpreter via spectest-interp): fuel charged
// exactly by static region costs and trapping below zero, memory.grow capped and flagged, globals save/restore.
#include <gtest/gtest.h>

#include <algorithm>

#include "wasm/instrumentation.h"
#include "wasm/module/instrument.h"
#include "wasm/module/module_ir.h"
#include "wasm/module/prepare.h"
#include "wasm_tools.h"

namespace aegis::wasm {
namespace {

using test::call;
using test::expect;
using test::expect_trap;
using test::i32;
using test::i64;

const std::string kSet(inject::kFuelSet), kGet(inject::kFuelGet), kFailed(inject::kGrowFailed),
    kSave(inject::kGlobalsSave), kRestore(inject::kGlobalsRestore);

PreparedModule prepared(const std::string& name, const PrepareLimits& limits = {}) {
  auto bytes = test::fixture(name);
  auto abi = test::test_abi();
  PrepareError err;
  auto m = prepare_module(bytes, abi, limits, &err);
  if (!m) ADD_FAILURE() << name << ": " << err.message;
  return m ? std::move(*m) : PreparedModule{};
}

void expect_script(const PreparedModule& m, const std::vector<test::Step>& steps) {
  auto r = test::run_script(m.bytes, steps);
  EXPECT_TRUE(r.passed) << r.output;
}

// count(n): entry region = loop, local.get, end = 3; loop region = 9 instructions; total 3 + 9n.
TEST(Fuel, LoopIsChargedExactlyAndTrapsOneShortOfItsCost) {
  auto m = prepared("compute");
  ASSERT_TRUE(m.fuel_instrumented);
  expect_script(m, {call(kSet, {i64(93)}), expect("count", {i32(10)}, {i32(10)}), expect(kGet, {}, {i64(0)}),
                    call(kSet, {i64(92)}), expect_trap("count", {i32(10)}), expect(kGet, {}, {i64(-1)})});
}

// An infinite loop stops: entry 2 (loop, end), each iteration 2 (br, end).
TEST(Fuel, InfiniteLoopTrapsWithNegativeFuel) {
  auto m = prepared("compute");
  expect_script(m, {call(kSet, {i64(1000)}), expect_trap("spin", {}), expect(kGet, {}, {i64(-2)})});
}

// Nested loops charge their own bodies: 5 + (n+1)·13 + n²·13 for n = 3 is 174.
TEST(Fuel, NestedLoopBodiesAreChargedSeparately) {
  auto m = prepared("compute");
  expect_script(m, {call(kSet, {i64(174)}), expect("nested", {i32(3)}, {i32(9)}), expect(kGet, {}, {i64(0)}),
                    call(kSet, {i64(173)}), expect_trap("nested", {i32(3)})});
}

// Recursion without loops is charged at every function entry: fib has 17 instructions, fib(10) makes 177 calls.
TEST(Fuel, RecursionIsChargedAtFunctionEntry) {
  auto m = prepared("compute");
  expect_script(m, {call(kSet, {i64(177 * 17)}), expect("fib", {i32(10)}, {i32(55)}), expect(kGet, {}, {i64(0)}),
                    call(kSet, {i64(177 * 17 - 1)}), expect_trap("fib", {i32(10)})});
}

TEST(Fuel, InitialFuelCoversCallsBeforeTheFirstSet) {
  PrepareLimits limits;
  limits.initial_fuel = 100;
  auto m = prepared("compute", limits);
  expect_script(m, {expect(kGet, {}, {i64(100)}), expect("count", {i32(10)}, {i32(10)}), expect(kGet, {}, {i64(7)})});
}

TEST(Fuel, WithoutInstrumentationExportsExistButNothingIsCharged) {
  PrepareLimits limits;
  limits.instrument_fuel = false;
  auto m = prepared("compute", limits);
  EXPECT_FALSE(m.fuel_instrumented);
  expect_script(m, {call(kSet, {i64(5)}), expect("count", {i32(1000)}, {i32(1000)}), expect("fib", {i32(10)}, {i32(55)}),
                    expect(kGet, {}, {i64(5)})});
  // Bodies without memory.grow are byte-for-byte the originals.
  const auto original_bytes = test::fixture("compute");  // parse_module keeps spans into it
  auto original = ir::parse_module(original_bytes);
  auto rewritten = ir::parse_module(m.bytes);
  // 6 helpers (fuel set/get, grow flag, globals save/restore, grow) + entry wrappers of get_counter and get_const.
  ASSERT_EQ(rewritten.code.size(), original.code.size() + 6 + 2);
  for (std::size_t i = 0; i < original.code.size(); ++i) {
    bool has_grow = i == 4;  // "grow"
    if (!has_grow) {
      EXPECT_TRUE(std::equal(original.code[i].bytes.begin(), original.code[i].bytes.end(),
                             rewritten.code[i].bytes.begin(), rewritten.code[i].bytes.end()))
          << "function " << i;
    }
  }
}

// The exact code injected into count(): the fuel local, the entry charge, the loop-header charge, and the sync of
// the local back into the global before the final end.
TEST(Fuel, InjectedCodeIsTheDocumentedSequence) {
  auto m = prepared("compute");
  auto rewritten = ir::parse_module(m.bytes);
  const auto original_bytes = test::fixture("compute");  // parse_module keeps spans into it
  auto original = ir::parse_module(original_bytes);
  const uint32_t fuel_global = 4;  // after the module's 4 globals
  const uint32_t fuel_local = 2;   // param n, local i, then the fuel local
  binary::Writer expected;
  expected.bytes(std::vector<uint8_t>{0x02, 0x01, ir::kI32, 0x01, ir::kI64});  // locals: (1 i32) (1 i64)
  instrument::emit_entry_charge(expected, fuel_global, 3, fuel_local);
  expected.bytes(std::vector<uint8_t>{0x03, 0x40});  // loop
  instrument::emit_loop_charge(expected, fuel_global, 9, fuel_local);
  auto orig = original.code[0].bytes;
  const std::size_t orig_after_loop = 3 + 2;  // locals (01 01 7f) + loop 40
  expected.bytes(orig.subspan(orig_after_loop, orig.size() - orig_after_loop - 1));  // up to the final end
  expected.bytes(std::vector<uint8_t>{0x20, fuel_local, 0x24, fuel_global, 0x0b});  // sync out, end
  auto body = rewritten.code[0].bytes;
  EXPECT_EQ(std::vector<uint8_t>(body.begin(), body.end()), expected.out());
  // Entry charge: global.get 4, i64.const 3, i64.sub, local.tee 2, i64.const 0, i64.lt_s, if,
  //               local.get 2, global.set 4, unreachable, end
  binary::Writer entry;
  instrument::emit_entry_charge(entry, fuel_global, 3, fuel_local);
  EXPECT_EQ(entry.out(), (std::vector<uint8_t>{0x23, 4, 0x42, 3, 0x7d, 0x22, 2, 0x42, 0, 0x53, 0x04, 0x40, 0x20, 2,
                                               0x24, 4, 0x00, 0x0b}));
  ASSERT_EQ(rewritten.globals.size(), 4u + 2u + 3u);  // fuel, grow flag, 3 shadows
  EXPECT_EQ(rewritten.globals[fuel_global].type, ir::kI64);
  EXPECT_TRUE(rewritten.globals[fuel_global].is_mutable);
}

// Calls, returns and branches out of the function keep the global exact for callees and callers.
TEST(Fuel, FuelIsExactAcrossCallsReturnsAndBranchesOut) {
  auto m = prepared("compute");
  // fib charges 17 per call whichever way each activation exits.
  expect_script(m, {call(kSet, {i64(25 * 17)}), expect("fib", {i32(6)}, {i32(8)}), expect(kGet, {}, {i64(0)})});
  auto f = prepared("features");
  // tail(n): each activation charges its own entry; return_call hands over an exact global.
  expect_script(f, {call(kSet, {i64(1'000'000)}), expect("tail", {i32(0)}, {i32(0)}), call(kSet, {i64(1'000'000)}),
                    expect("tail", {i32(1)}, {i32(0)})});
}

// The fuel local is written back before every call, host imports included: after a host call ends in a trap (as a
// host exit does) the global holds the charges made before it. Cost: i32.const, call, unreachable, end = 4.
TEST(Fuel, GlobalIsCurrentAtHostCalls) {
  auto bytes = test::fixture("host_call");
  std::vector<HostFunction> abi(1);
  abi[0].module = "spectest";
  abi[0].name = "print_i32";
  abi[0].type = {{ValType::I32}, {}};
  PrepareError err;
  auto m = prepare_module(bytes, abi, {}, &err);
  ASSERT_TRUE(m) << err.message;
  expect_script(*m, {call(kSet, {i64(100)}), expect_trap("call_then_trap", {}), expect(kGet, {}, {i64(96)})});
}

TEST(MemoryGrow, GrowPastTheCapReturnsMinusOneAndSetsTheFlagUntilFuelSet) {
  PrepareLimits limits;
  limits.max_memory_pages = 4;
  auto m = prepared("memory_nomax", limits);
  EXPECT_EQ(m.max_pages, 4u);
  expect_script(m, {call(kSet, {i64(1'000'000)}), expect("grow", {i32(1)}, {i32(2)}), expect(kFailed, {}, {i32(0)}),
                    expect("grow", {i32(1)}, {i32(3)}), expect("grow", {i32(1)}, {i32(-1)}),
                    expect("size", {}, {i32(4)}), expect(kFailed, {}, {i32(1)}), expect("grow", {i32(0)}, {i32(4)}),
                    expect(kFailed, {}, {i32(1)}), call(kSet, {i64(1'000'000)}), expect(kFailed, {}, {i32(0)}),
                    expect("grow", {i32(1000)}, {i32(-1)}), expect(kFailed, {}, {i32(1)})});
}

TEST(MemoryGrow, WithoutFuelInstrumentationGrowIsStillRouted) {
  PrepareLimits limits;
  limits.max_memory_pages = 3;
  limits.instrument_fuel = false;
  auto m = prepared("memory_nomax", limits);
  expect_script(m, {expect("grow", {i32(2)}, {i32(-1)}), expect(kFailed, {}, {i32(1)}), call(kSet, {i64(0)}),
                    expect(kFailed, {}, {i32(0)}), expect("grow", {i32(1)}, {i32(2)}), expect(kFailed, {}, {i32(0)})});
}

TEST(MemoryGrow, ClangMallocStopsAtTheCap) {
  PrepareLimits limits;
  limits.max_memory_pages = 160;  // 10 MiB
  auto m = prepared("guest", limits);
  // Each MiB allocation needs 16 pages + malloc overhead; far fewer than 100 fit in 10 MiB.
  auto r = test::run_script(m.bytes, {call(kSet, {i64(INT64_MAX)}), call("hog", {i32(100)}), expect(kFailed, {}, {i32(1)})});
  EXPECT_TRUE(r.passed) << r.output;
  EXPECT_NE(r.output.find("hog(i32:100) => i32:"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("hog(i32:100) => i32:100"), std::string::npos) << r.output;
}

TEST(Globals, SaveAndRestoreBringMutableGlobalsBack) {
  auto m = prepared("compute");
  expect_script(m, {call(kSet, {i64(1'000'000)}), call(kSave), call("set_counter", {i32(99)}),
                    call("set_wide", {i64(1)}), call("set_real", {test::f64(2.5)}),
                    expect("get_counter", {}, {i32(99)}), call(kRestore), expect("get_counter", {}, {i32(5)}),
                    expect("get_wide", {}, {i64(-7)}), expect("get_real", {}, {test::f64(1.5)}),
                    expect("get_const", {}, {i32(42)}), call("set_counter", {i32(7)}), call(kSave),
                    call("set_counter", {i32(8)}), call(kRestore), expect("get_counter", {}, {i32(7)})});
}

TEST(Globals, SaveAndRestoreAreNoOpsWithoutMutableGlobals) {
  auto m = prepared("memory_nomax");
  expect_script(m, {call(kSave), call(kRestore), expect("size", {}, {i32(2)})});
}

// Entry wrappers: one call restores the globals (reset = 1), sets the fuel (low, high half), runs the entry and
// returns (fuel left << 32) | (u32) result. get_counter costs 2 (global.get, end).
TEST(EntryWrapper, ResetsGlobalsSetsFuelRunsTheEntryAndPacksTheResult) {
  auto m = prepared("compute");
  const std::string counter = std::string(inject::kEntryPrefix) + "get_counter";
  expect_script(m, {call(kSave), call("set_counter", {i32(9)}),
                    expect(counter, {i32(100), i32(0), i32(0)}, {i64((int64_t{98} << 32) | 9)}),  // no reset: sees 9
                    expect(counter, {i32(100), i32(0), i32(1)}, {i64((int64_t{98} << 32) | 5)}),  // reset: back to 5
                    expect(kGet, {}, {i64(98)}), expect(kFailed, {}, {i32(0)}),
                    expect(counter, {i32(2), i32(0), i32(0)}, {i64(5)}),  // exactly its cost: 0 left
                    expect_trap(counter, {i32(1), i32(0), i32(0)}), expect(kGet, {}, {i64(-1)}),
                    call(counter, {i32(7), i32(3), i32(0)}), expect(kGet, {}, {i64((int64_t{3} << 32) + 7 - 2)})});
}

// The wrapper clears the grow-failed flag like __aegis_fuel_set. size costs 2 (memory.size, end).
TEST(EntryWrapper, ClearsTheGrowFlag) {
  PrepareLimits limits;
  limits.max_memory_pages = 4;
  auto m = prepared("memory_nomax", limits);
  const std::string size = std::string(inject::kEntryPrefix) + "size";
  expect_script(m, {call(kSet, {i64(1000)}), expect("grow", {i32(5)}, {i32(-1)}), expect(kFailed, {}, {i32(1)}),
                    expect(size, {i32(1000), i32(0), i32(0)}, {i64((int64_t{998} << 32) | 2)}),
                    expect(kFailed, {}, {i32(0)})});
}

// Only exported () -> i32 functions get a wrapper.
TEST(EntryWrapper, OnlyEntryShapedExportsAreWrapped) {
  auto m = prepared("compute");
  std::vector<std::string> names;
  for (const auto& e : ir::parse_module(m.bytes).exports) names.emplace_back(e.name);
  auto has = [&](std::string_view n) {
    return std::find(names.begin(), names.end(), std::string(inject::kEntryPrefix) + std::string(n)) != names.end();
  };
  EXPECT_TRUE(has("get_counter"));
  EXPECT_TRUE(has("get_const"));
  EXPECT_FALSE(has("count"));     // takes a parameter
  EXPECT_FALSE(has("spin"));      // returns nothing
  EXPECT_FALSE(has("get_wide"));  // returns i64
  EXPECT_FALSE(has("memory"));
}

// Prepared and original modules compute the same results.
TEST(Semantics, PreparedFeaturesModuleBehavesLikeTheOriginal) {
  std::vector<test::Step> steps = {call("control", {i32(0)}), call("control", {i32(1)}), call("control", {i32(2)}),
                                   call("numeric", {i32(-129)}), call("bulk", {i32(8)}),  call("refs"),
                                   call("simd", {i32(64)}),      call("tail", {i32(10000)})};
  auto original = test::run_script(test::fixture("features"), steps);
  ASSERT_TRUE(original.passed) << original.output;
  auto m = prepared("features");
  std::vector<test::Step> with_fuel = {call(kSet, {i64(INT64_MAX)})};
  with_fuel.insert(with_fuel.end(), steps.begin(), steps.end());
  auto rewritten = test::run_script(m.bytes, with_fuel);
  ASSERT_TRUE(rewritten.passed) << rewritten.output;
  auto results = [](const std::string& output) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < output.size()) {
      std::size_t nl = output.find('\n', pos);
      if (nl == std::string::npos) nl = output.size();
      std::string line = output.substr(pos, nl - pos);
      if (line.find("=>") != std::string::npos && line.rfind("__aegis", 0) != 0) lines.push_back(line);
      pos = nl + 1;
    }
    return lines;
  };
  auto expected = results(original.output);
  EXPECT_EQ(expected.size(), steps.size()) << original.output;
  EXPECT_EQ(results(rewritten.output), expected);
}

TEST(Semantics, ClangModuleComputesTheSameCrc) {
  auto m = prepared("guest");
  // crc32 of 16 zero bytes at address 100000 (untouched heap, zero).
  auto r = test::run_script(m.bytes, {call(kSet, {i64(INT64_MAX)}), call("_initialize"),
                                      expect("crc32", {i32(4096), i32(0)}, {i32(0)}),
                                      expect("crc32", {i32(100000), i32(16)}, {i32(static_cast<int32_t>(0xecbb4b55u))})});
  EXPECT_TRUE(r.passed) << r.output;
}

}  // namespace
}  // namespace aegis::wasm
