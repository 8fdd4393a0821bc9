// Wall-clock deadlines: the watchdog stops runaway guests, and an interrupt never reaches a later call.
#include <algorithm>
#include <atomic>

#include "fixture.h"
#include "wasm/v8/watchdog.h"

namespace aegis::wasm::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(Watchdog, FiresOnlyForTheArmedInvocation) {
  std::atomic<int> fired{0};
  v8impl::Watchdog w([&] { fired++; });
  // Disarmed long before the deadline: never fires.
  for (int i = 0; i < 100; ++i) {
    w.arm(Clock::now() + 50ms);
    EXPECT_FALSE(w.disarm());
  }
  std::this_thread::sleep_for(120ms);
  EXPECT_EQ(fired.load(), 0);
  // Deadline passes while armed: fires exactly once, and disarm reports it.
  w.arm(Clock::now() + 5ms);
  auto give_up = Clock::now() + 10s;
  while (fired.load() == 0 && Clock::now() < give_up) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(fired.load(), 1);
  EXPECT_TRUE(w.disarm());
  // The report is per invocation.
  w.arm(Clock::now() + 1h);
  EXPECT_FALSE(w.disarm());
}

TEST(Watchdog, EarlierDeadlineWakesTheThread) {
  std::atomic<int> fired{0};
  v8impl::Watchdog w([&] { fired++; });
  w.arm(Clock::now() + 1h);  // watchdog now sleeps towards +1h
  EXPECT_FALSE(w.disarm());
  w.arm(Clock::now() + 5ms);  // must be woken to honour the earlier deadline
  auto give_up = Clock::now() + 10s;
  while (fired.load() == 0 && Clock::now() < give_up) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(fired.load(), 1);
  EXPECT_TRUE(w.disarm());
}

// Deadlines that pass while armed, just around disarm, or not at all, back to back: after each disarm() the
// number of `fire` calls equals the number of disarm() calls that reported one (never a fire for a disarmed
// invocation, never one still running after disarm returned).
TEST(Watchdog, EveryFireIsReportedByTheDisarmOfItsInvocation) {
  std::atomic<int> fired{0};
  v8impl::Watchdog w([&] { fired++; });
  int reported = 0;
  for (int i = 0; i < 3000; ++i) {
    w.arm(Clock::now() + std::chrono::microseconds(i % 50));
    const auto until = Clock::now() + std::chrono::microseconds(i % 37);
    while (Clock::now() < until) {
    }
    if (w.disarm()) ++reported;
    ASSERT_EQ(fired.load(), reported) << "iteration " << i;
  }
  // And a deadline that passes while armed is honoured after all that.
  w.arm(Clock::now() + 1ms);
  auto give_up = Clock::now() + 10s;
  while (fired.load() == reported && Clock::now() < give_up) std::this_thread::sleep_for(1ms);
  EXPECT_TRUE(w.disarm());
  EXPECT_EQ(fired.load(), reported + 1);
}

TEST(Deadline, InfiniteLoopTimesOutAndTheNextCallWorks) {
  auto m = compile_fixture("engine_traps");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  for (int i = 0; i < 3; ++i) {
    auto t0 = Clock::now();
    CallOutcome out = call(*inst, "forever", {}, nullptr, 0, 20ms);
    EXPECT_EQ(out.status, CallStatus::Timeout) << out.message;
    EXPECT_LT(Clock::now() - t0, 10s);  // bounded, generous: the point is that it returns at all
    EXPECT_GE(out.wall, 20ms);
    EXPECT_EQ(call_i32(*inst, "ok"), 42);  // no deadline
    Val r;
    EXPECT_EQ(call(*inst, "ok", {}, &r, 1, 1s).status, CallStatus::Ok);
  }
}

TEST(Deadline, UnusedDeadlineDoesNotFireLater) {
  auto m = compile_fixture("engine_traps");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  Val r;
  ASSERT_EQ(call(*inst, "ok", {}, &r, 1, 5ms).status, CallStatus::Ok);
  std::this_thread::sleep_for(30ms);  // well past the first call's deadline
  // A long call without deadline must run to completion.
  CallOutcome out = call(*inst, "spin", {Val::I64(20'000'000)}, &r, 1);
  EXPECT_EQ(out.status, CallStatus::Ok) << out.message;
  EXPECT_EQ(r.i64, 20'000'000);
}

// Thousands of calls whose deadline lands right around their duration: the watchdog fires while the call is
// finishing, just after it returned, or not at all. Whatever happened, the outcome is Ok or Timeout, and the next
// call (no deadline) must succeed — a stale TerminateExecution would kill it.
TEST(Deadline, StaleInterruptTorture) {
  auto m = compile_fixture("engine_traps");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  Val r;
  // Calibrate a spin of roughly 50 µs (tiered-up code after a few runs).
  int64_t n = 1000;
  for (int i = 0; i < 20; ++i) {
    CallOutcome out = call(*inst, "spin", {Val::I64(n)}, &r, 1);
    ASSERT_EQ(out.status, CallStatus::Ok);
    if (out.wall < 50us) n *= 2;
  }
  std::vector<std::chrono::nanoseconds> walls;
  for (int i = 0; i < 51; ++i) walls.push_back(call(*inst, "spin", {Val::I64(n)}, &r, 1).wall);
  std::nth_element(walls.begin(), walls.begin() + 25, walls.end());
  const auto median = walls[25];

  int ok = 0, timeouts = 0, bad = 0, followup_failures = 0;
  for (int i = 0; i < 4000; ++i) {
    // Deadlines from 0.5x to 1.5x the median duration, plus a few minimal ones.
    auto deadline = (i % 50 == 0) ? std::chrono::nanoseconds(1) : median * (50 + (i * 37) % 101) / 100;
    CallOutcome out = call(*inst, "spin", {Val::I64(n)}, &r, 1, deadline);
    if (out.status == CallStatus::Ok) ok++;
    else if (out.status == CallStatus::Timeout) timeouts++;
    else bad++;
    CallOutcome next = call(*inst, "spin", {Val::I64(1000)}, &r, 1);
    if (next.status != CallStatus::Ok || r.i64 != 1000) followup_failures++;
  }
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(followup_failures, 0);
  EXPECT_GT(timeouts, 0);  // at least the 1 ns deadlines
  std::printf("spin n=%lld median %lld ns: ok %d, timeout %d\n", static_cast<long long>(n),
              static_cast<long long>(median.count()), ok, timeouts);
  // After all that, a long call without deadline still completes.
  CallOutcome out = call(*inst, "spin", {Val::I64(n * 20)}, &r, 1);
  EXPECT_EQ(out.status, CallStatus::Ok) << out.message;
}

TEST(Deadline, TimeoutInOneInstanceDoesNotAffectAnotherInTheSameRuntime) {
  auto m = compile_fixture("engine_traps");
  auto rt = engine().create_runtime();
  auto a = instantiate(*rt, *m);
  auto b = instantiate(*rt, *m);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(call(*a, "forever", {}, nullptr, 0, 10ms).status, CallStatus::Timeout);
  Val r;
  EXPECT_EQ(call(*b, "spin", {Val::I64(1'000'000)}, &r, 1).status, CallStatus::Ok);
  EXPECT_EQ(call_i32(*a, "ok"), 42);
}

}  // namespace
}  // namespace aegis::wasm::test
