// Prepared modules in the real engine (V8 via wasm/engine.h): memory.grow past the rewritten cap returns -1 and is
// flagged; an instrumented infinite loop traps with fuel < 0; the fuel overhead on a compute loop is measured.
#include <gtest/gtest.h>

#include <time.h>

#include <cstdio>

#include "wasm/engine.h"
#include "wasm/instrumentation.h"
#include "wasm/module/prepare.h"
#include "wasm_tools.h"

// The process-wide V8 engine lives until exit by design (engine.h), so LeakSanitizer reports V8's own isolate and
// heap allocations in sanitizer builds. Suppress leaks allocated inside libnode only; leaks in our code still fail.
extern "C" const char* __lsan_default_suppressions() { return "leak:libnode.so\n"; }

namespace aegis::wasm {
namespace {

const std::string kSet(inject::kFuelSet), kGet(inject::kFuelGet), kFailed(inject::kGrowFailed);

struct Loaded {
  PreparedModule prepared;
  std::shared_ptr<const CompiledModule> compiled;
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<Instance> instance;
};

std::unique_ptr<Loaded> load(const std::string& name, const PrepareLimits& limits) {
  auto out = std::make_unique<Loaded>();
  auto bytes = test::fixture(name);
  PrepareError perr;
  auto p = prepare_module(bytes, {}, limits, &perr);
  if (!p) {
    ADD_FAILURE() << perr.message;
    return nullptr;
  }
  out->prepared = std::move(*p);
  std::string error;
  out->compiled = engine().compile(out->prepared.bytes, &error);
  if (!out->compiled) {
    ADD_FAILURE() << "compile: " << error;
    return nullptr;
  }
  out->runtime = engine().create_runtime();
  out->instance = out->runtime->instantiate(*out->compiled, {}, {}, &error);
  if (!out->instance) {
    ADD_FAILURE() << "instantiate: " << error;
    return nullptr;
  }
  return out;
}

CallOutcome call(Instance& inst, const std::string& name, std::vector<Val> args, Val* result = nullptr) {
  return inst.call(name, args, std::span<Val>(result, result ? 1 : 0), CallOptions{});
}

int32_t call_i32(Instance& inst, const std::string& name, std::vector<Val> args = {}) {
  Val r;
  auto out = call(inst, name, std::move(args), &r);
  EXPECT_EQ(out.status, CallStatus::Ok) << name << ": " << out.message;
  return r.i32;
}

int64_t fuel_left(Instance& inst) {
  Val r;
  EXPECT_EQ(call(inst, kGet, {}, &r).status, CallStatus::Ok);
  return r.i64;
}

TEST(V8EndToEnd, GrowPastTheRewrittenCapReturnsMinusOne) {
  PrepareLimits limits;
  limits.max_memory_pages = 4;  // memory_nomax declares 2 pages and no maximum
  auto m = load("memory_nomax", limits);
  ASSERT_TRUE(m);
  auto& inst = *m->instance;
  ASSERT_EQ(call(inst, kSet, {Val::I64(1'000'000)}).status, CallStatus::Ok);
  EXPECT_EQ(call_i32(inst, "grow", {Val::I32(2)}), 2);
  EXPECT_EQ(call_i32(inst, kFailed), 0);
  EXPECT_EQ(call_i32(inst, "grow", {Val::I32(1)}), -1);
  EXPECT_EQ(call_i32(inst, kFailed), 1);
  EXPECT_EQ(call_i32(inst, "size"), 4);
  EXPECT_EQ(inst.memory().size(), 4u * 65536);
  ASSERT_EQ(call(inst, kSet, {Val::I64(1'000'000)}).status, CallStatus::Ok);
  EXPECT_EQ(call_i32(inst, kFailed), 0);
}

TEST(V8EndToEnd, ClangMallocStopsAtTheCap) {
  PrepareLimits limits;
  limits.max_memory_pages = 160;  // 10 MiB
  auto m = load("guest", limits);
  ASSERT_TRUE(m);
  auto& inst = *m->instance;
  ASSERT_EQ(call(inst, kSet, {Val::I64(INT64_MAX)}).status, CallStatus::Ok);
  ASSERT_EQ(call(inst, "_initialize", {}).status, CallStatus::Ok);
  int32_t got = call_i32(inst, "hog", {Val::I32(100)});
  EXPECT_GT(got, 0);
  EXPECT_LT(got, 10);
  EXPECT_EQ(call_i32(inst, kFailed), 1);
  EXPECT_LE(inst.memory().size(), 160u * 65536);
}

TEST(V8EndToEnd, InfiniteLoopTrapsWithNegativeFuel) {
  auto m = load("compute", {});
  ASSERT_TRUE(m);
  auto& inst = *m->instance;
  ASSERT_EQ(call(inst, kSet, {Val::I64(5'000'000)}).status, CallStatus::Ok);
  CallOptions o;
  o.deadline = std::chrono::seconds(30);  // generous backstop; fuel must end it first
  auto out = inst.call("spin", {}, {}, o);
  EXPECT_EQ(out.status, CallStatus::Trap) << out.message;
  EXPECT_LT(fuel_left(inst), 0);
  // The instance stays usable with a fresh budget; exact accounting matches the interpreter's.
  ASSERT_EQ(call(inst, kSet, {Val::I64(93)}).status, CallStatus::Ok);
  EXPECT_EQ(call_i32(inst, "count", {Val::I32(10)}), 10);
  EXPECT_EQ(fuel_left(inst), 0);
}

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Reported, not asserted (no timing assertions on a shared machine): CPU time of crc32 over 4 MiB of guest memory,
// with and without fuel instrumentation, after warm-up calls so both run tiered-up code.
TEST(V8EndToEnd, FuelOverheadOnACompute) {
  auto run = [](bool fuel) {
    PrepareLimits limits;
    limits.instrument_fuel = fuel;
    auto m = load("guest", limits);
    if (!m) return 0.0;
    auto& inst = *m->instance;
    call(inst, kSet, {Val::I64(INT64_MAX)});
    call(inst, "_initialize", {});
    const int32_t len = 4 << 20;
    int32_t buf = call_i32(inst, "alloc", {Val::I32(len)});
    for (int i = 0; i < 3; ++i) call_i32(inst, "crc32", {Val::I32(buf), Val::I32(len)});
    double best = 1e9;
    for (int i = 0; i < 7; ++i) {
      double t0 = cpu_seconds();
      call_i32(inst, "crc32", {Val::I32(buf), Val::I32(len)});
      best = std::min(best, cpu_seconds() - t0);
    }
    return best;
  };
  double plain = run(false), fueled = run(true);
  ASSERT_GT(plain, 0.0);
  double overhead = (fueled / plain - 1.0) * 100.0;
  RecordProperty("crc32_4mib_plain_us", static_cast<int>(plain * 1e6));
  RecordProperty("crc32_4mib_fuel_us", static_cast<int>(fueled * 1e6));
  std::printf("crc32 over 4 MiB: %.0f us plain, %.0f us with fuel: overhead %.1f %%\n", plain * 1e6, fueled * 1e6,
              overhead);
}

// The worst case: a 9-instruction loop body (compute.wat's count) pays a charge on every iteration.
TEST(V8EndToEnd, FuelOverheadOnATightLoop) {
  auto run = [](bool fuel) {
    PrepareLimits limits;
    limits.instrument_fuel = fuel;
    auto m = load("compute", limits);
    if (!m) return 0.0;
    auto& inst = *m->instance;
    const int32_t n = 20'000'000;
    for (int i = 0; i < 3; ++i) {
      call(inst, kSet, {Val::I64(INT64_MAX)});
      call_i32(inst, "count", {Val::I32(n)});
    }
    double best = 1e9;
    for (int i = 0; i < 5; ++i) {
      call(inst, kSet, {Val::I64(INT64_MAX)});
      double t0 = cpu_seconds();
      call_i32(inst, "count", {Val::I32(n)});
      best = std::min(best, cpu_seconds() - t0);
    }
    return best;
  };
  double plain = run(false), fueled = run(true);
  ASSERT_GT(plain, 0.0);
  RecordProperty("count_20m_plain_us", static_cast<int>(plain * 1e6));
  RecordProperty("count_20m_fuel_us", static_cast<int>(fueled * 1e6));
  std::printf("count loop, 20M iterations: %.0f us plain, %.0f us with fuel: overhead %.1f %%\n", plain * 1e6,
              fueled * 1e6, (fueled / plain - 1.0) * 100.0);
}

}  // namespace
}  // namespace aegis::wasm
