// FunctionRunner under adversarial modules: every limit ends in its own outcome, and after each one the same
// runner still serves a normal invocation correctly. Plus isolation between invocations and persistent mode.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fixtures.h"
#include "functions/runner.h"

namespace aegis::functions {
namespace {

using test::expect_serves_normally;
using test::load_fixture;
using test::make_context;

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    normal_ = load_fixture("fn_header_inject");
    ASSERT_TRUE(normal_);
  }
  Outcome run(const EdgeModule& m, const FunctionLimits& limits = FunctionLimits::edge_function(),
              std::string_view entry = "handle_request") {
    auto ctx = make_context();
    return runner_.invoke(m, entry, ctx, limits);
  }

  FunctionRunner runner_;
  std::shared_ptr<const EdgeModule> normal_;
};

TEST_F(RunnerTest, HeaderInjectionReadsRequestAndSetsResponse) {
  auto ctx = make_context({{"X-In", "hello"}});
  Outcome out = runner_.invoke(*normal_, "handle_request", ctx, FunctionLimits::edge_function());
  ASSERT_EQ(out.status, OutcomeStatus::Ok) << out.message;
  EXPECT_EQ(out.return_value, 0);
  EXPECT_TRUE(out.fresh_instance);
  EXPECT_GT(out.fuel_used, 0u);
  EXPECT_GT(out.wall.count(), 0);
  EXPECT_EQ(ctx.response.status, 201);
  ASSERT_NE(hostapi::find_header(ctx.response.headers, "x-out"), nullptr);
  EXPECT_EQ(*hostapi::find_header(ctx.response.headers, "x-out"), "hello");
  EXPECT_EQ(ctx.calls(hostapi::HostCall::RequestGetHeader), 1u);
  EXPECT_EQ(ctx.calls(hostapi::HostCall::ResponseSetHeader), 2u);
  EXPECT_EQ(ctx.calls(hostapi::HostCall::ResponseSetStatus), 1u);
  // The second invocation reuses the (reset) instance.
  expect_serves_normally(runner_, *normal_, "a first invocation");
  EXPECT_EQ(runner_.stats().instantiations, 1u);
  EXPECT_EQ(runner_.stats().reuses, 1u);
}

TEST_F(RunnerTest, InfiniteLoopIsStoppedByFuel) {
  auto m = load_fixture("fn_infinite_loop");
  ASSERT_TRUE(m);
  FunctionLimits limits;
  limits.fuel = 200'000;
  limits.deadline = std::chrono::seconds(30);  // fuel, not the deadline, must end it
  Outcome out = run(*m, limits);
  EXPECT_EQ(out.status, OutcomeStatus::Fuel) << label(out.status) << ": " << out.message;
  EXPECT_EQ(out.fuel_used, 200'000u);
  EXPECT_NE(out.message.find("fuel"), std::string::npos);
  expect_serves_normally(runner_, *normal_, "an infinite loop stopped by fuel");
}

TEST_F(RunnerTest, InfiniteLoopWithFuelOffIsStoppedByTheDeadline) {
  FunctionLimits limits;
  limits.fuel = 0;  // no instrumentation at all
  limits.deadline = std::chrono::milliseconds(50);
  LoadOptions load;
  load.limits = limits;
  auto m = load_fixture("fn_infinite_loop", load);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->fuel_instrumented);
  Outcome out = run(*m, limits);
  EXPECT_EQ(out.status, OutcomeStatus::Timeout) << label(out.status) << ": " << out.message;
  EXPECT_EQ(out.fuel_used, 0u);
  expect_serves_normally(runner_, *normal_, "an infinite loop stopped by the deadline");
  // And again: a terminated call must not leave anything pending for the next one on this isolate.
  Outcome again = run(*m, limits);
  EXPECT_EQ(again.status, OutcomeStatus::Timeout);
  expect_serves_normally(runner_, *normal_, "a second deadline");
}

TEST_F(RunnerTest, MemoryBombEndsAtTheCap) {
  FunctionLimits limits;
  limits.memory_bytes = 2 * kMiB;
  LoadOptions load;
  load.limits = limits;
  auto m = load_fixture("fn_memory_bomb", load);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->max_pages, 32u);
  Outcome out = run(*m, limits);
  EXPECT_EQ(out.status, OutcomeStatus::Memory) << label(out.status) << ": " << out.message;
  EXPECT_NE(out.message.find("32 pages"), std::string::npos) << out.message;
  expect_serves_normally(runner_, *normal_, "a memory bomb");
}

TEST_F(RunnerTest, CMallocBombEndsAtTheDefaultCap) {
  auto m = load_fixture("fn_c_memory_bomb");  // default limits: 50 MiB
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->has_initialize);
  FunctionLimits limits;
  limits.deadline = std::chrono::seconds(30);
  limits.fuel = 0;  // the module is instrumented; this only lifts the budget so the cap is what stops it
  Outcome out = run(*m, limits);
  EXPECT_EQ(out.status, OutcomeStatus::Memory) << label(out.status) << ": " << out.message;
  EXPECT_NE(out.message.find("800 pages"), std::string::npos) << out.message;
  expect_serves_normally(runner_, *normal_, "a C malloc bomb");
}

TEST_F(RunnerTest, UnboundedRecursionTraps) {
  auto m = load_fixture("fn_recursion");
  ASSERT_TRUE(m);
  FunctionLimits limits;
  limits.fuel = 0;
  limits.deadline = std::chrono::seconds(30);
  Outcome out = run(*m, limits);
  EXPECT_EQ(out.status, OutcomeStatus::Trap) << label(out.status) << ": " << out.message;
  EXPECT_FALSE(out.message.empty());
  expect_serves_normally(runner_, *normal_, "unbounded recursion");
}

TEST_F(RunnerTest, TrapInStartFunctionIsAnInstantiationError) {
  auto m = load_fixture("fn_start_trap");  // loading compiles only; the start function runs at instantiation
  ASSERT_TRUE(m);
  Outcome out = run(*m);
  EXPECT_EQ(out.status, OutcomeStatus::InstantiateError) << label(out.status) << ": " << out.message;
  EXPECT_NE(out.message.find("instantiation failed"), std::string::npos) << out.message;
  EXPECT_EQ(runner_.idle_instances(*m), 0u);
  expect_serves_normally(runner_, *normal_, "a trap in a start function");
  Outcome again = run(*m);
  EXPECT_EQ(again.status, OutcomeStatus::InstantiateError);
  expect_serves_normally(runner_, *normal_, "a second trap in a start function");
}

TEST_F(RunnerTest, EndlessStartFunctionIsStoppedByFuelOrTheDeadline) {
  FunctionLimits limits;
  limits.fuel = 100'000;  // also the start function's budget
  limits.deadline = std::chrono::seconds(30);
  LoadOptions load;
  load.limits = limits;
  auto m = load_fixture("fn_start_loop", load);
  ASSERT_TRUE(m);
  Outcome out = run(*m, limits);
  EXPECT_EQ(out.status, OutcomeStatus::InstantiateError) << label(out.status) << ": " << out.message;
  expect_serves_normally(runner_, *normal_, "an endless start function stopped by fuel");

  FunctionLimits no_fuel;
  no_fuel.fuel = 0;
  no_fuel.deadline = std::chrono::milliseconds(50);
  load.limits = no_fuel;
  auto unmetered = load_fixture("fn_start_loop", load);
  ASSERT_TRUE(unmetered);
  Outcome timed = run(*unmetered, no_fuel);
  EXPECT_EQ(timed.status, OutcomeStatus::InstantiateError) << label(timed.status) << ": " << timed.message;
  expect_serves_normally(runner_, *normal_, "an endless start function stopped by the deadline");
}

TEST_F(RunnerTest, TrapInEntryIsATrap) {
  auto m = load_fixture("fn_entry_trap");
  ASSERT_TRUE(m);
  Outcome out = run(*m);
  EXPECT_EQ(out.status, OutcomeStatus::Trap) << label(out.status) << ": " << out.message;
  EXPECT_FALSE(out.message.empty());
  expect_serves_normally(runner_, *normal_, "a division by zero");
}

TEST_F(RunnerTest, FuelExhaustionIsExactlyAtTheBudget) {
  auto m = load_fixture("fn_fixed_cost");
  ASSERT_TRUE(m);
  FunctionLimits big;
  big.fuel = 1'000'000'000;
  big.deadline = std::chrono::seconds(30);
  Outcome probe = run(*m, big);
  ASSERT_EQ(probe.status, OutcomeStatus::Ok) << probe.message;
  const uint64_t n = probe.fuel_used;
  ASSERT_GT(n, 1000u);  // 1000 loop iterations cost at least one unit each

  FunctionLimits exact = big;
  exact.fuel = n;
  Outcome at = run(*m, exact);
  EXPECT_EQ(at.status, OutcomeStatus::Ok) << "budget N=" << n << ": " << at.message;
  EXPECT_EQ(at.fuel_used, n);

  FunctionLimits short_by_one = big;
  short_by_one.fuel = n - 1;
  Outcome under = run(*m, short_by_one);
  EXPECT_EQ(under.status, OutcomeStatus::Fuel) << "budget N-1=" << n - 1 << ": " << label(under.status);
  expect_serves_normally(runner_, *normal_, "fuel exhaustion at N-1");

  // Deterministic: the same cost again on the instance created after the discard.
  Outcome again = run(*m, exact);
  EXPECT_EQ(again.status, OutcomeStatus::Ok);
  EXPECT_EQ(again.fuel_used, n);
}

TEST_F(RunnerTest, OutOfBoundsPointersAreRefusedAndTheFunctionDecides) {
  auto m = load_fixture("fn_oob_pointers");
  ASSERT_TRUE(m);
  auto ctx = make_context({{"X-In", "v"}});
  Outcome out = runner_.invoke(*m, "handle_request", ctx, FunctionLimits::edge_function());
  // 0 means every out-of-bounds call came back -1; a nonzero value names the first one the host accepted.
  EXPECT_EQ(out.status, OutcomeStatus::Ok) << label(out.status) << " return " << out.return_value << ": "
                                           << out.message;
  EXPECT_EQ(out.return_value, 0);
  EXPECT_TRUE(ctx.response.headers.empty());
  EXPECT_FALSE(ctx.response.body_set);
  EXPECT_EQ(ctx.calls(hostapi::HostCall::Log), 1u);
  EXPECT_TRUE(ctx.logs.empty());
  expect_serves_normally(runner_, *normal_, "out-of-bounds pointers");
}

TEST_F(RunnerTest, NonzeroReturnIsAFunctionError) {
  auto m = load_fixture("fn_multi_entry");
  ASSERT_TRUE(m);
  Outcome out = run(*m, FunctionLimits::edge_function(), "fails");
  EXPECT_EQ(out.status, OutcomeStatus::FunctionError);
  EXPECT_EQ(out.return_value, 7);
  EXPECT_NE(out.message.find("returned 7"), std::string::npos) << out.message;
  auto ctx = make_context();
  Outcome other = runner_.invoke(*m, "on_request", ctx, FunctionLimits::edge_function());
  EXPECT_EQ(other.status, OutcomeStatus::Ok);
  EXPECT_EQ(ctx.response.status, 202);
  expect_serves_normally(runner_, *normal_, "a function error");
}

TEST_F(RunnerTest, ProcExitEndsTheInvocation) {
  auto m = load_fixture("fn_proc_exit");
  ASSERT_TRUE(m);
  auto ctx = make_context();
  Outcome ok = runner_.invoke(*m, "exit_ok", ctx, FunctionLimits::edge_function());
  EXPECT_EQ(ok.status, OutcomeStatus::Ok) << label(ok.status) << ": " << ok.message;
  EXPECT_EQ(ctx.response.status, 203);
  Outcome fail = run(*m, FunctionLimits::edge_function(), "exit_fail");
  EXPECT_EQ(fail.status, OutcomeStatus::FunctionError) << label(fail.status) << ": " << fail.message;
  EXPECT_EQ(fail.return_value, 3);
  expect_serves_normally(runner_, *normal_, "proc_exit");
}

TEST_F(RunnerTest, MissingOrMistypedEntryIsReportedByName) {
  auto m = load_fixture("fn_multi_entry");
  ASSERT_TRUE(m);
  Outcome missing = run(*m, FunctionLimits::edge_function(), "handle_request");
  EXPECT_EQ(missing.status, OutcomeStatus::HostError);
  EXPECT_NE(missing.message.find("'handle_request' is not exported"), std::string::npos) << missing.message;
  Outcome mistyped = run(*m, FunctionLimits::edge_function(), "wrong_sig");
  EXPECT_EQ(mistyped.status, OutcomeStatus::HostError);
  EXPECT_NE(mistyped.message.find("expected () -> i32"), std::string::npos) << mistyped.message;
}

TEST_F(RunnerTest, EveryInvocationSeesFreshState) {
  auto m = load_fixture("fn_counter");
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->resettable);
  for (int i = 0; i < 4; ++i) {
    auto ctx = make_context();
    Outcome out = runner_.invoke(*m, "handle_request", ctx, FunctionLimits::edge_function());
    ASSERT_EQ(out.status, OutcomeStatus::Ok) << out.message;
    EXPECT_EQ(ctx.response.status, 211) << "invocation " << i << " saw state left by an earlier one";
  }
  // Served by resetting one instance, not by instantiating four.
  EXPECT_EQ(runner_.stats().instantiations, 1u);
  EXPECT_EQ(runner_.stats().reuses, 3u);
}

// Whatever an invocation wrote — anywhere in any page of memory, the data segment, a mutable global — the next
// one starts from the snapshot: for a small memory (reset by comparing pages) and a 1 MiB one (reset through the
// kernel's residency information), over enough invocations that V8 tiers the code up meanwhile.
TEST_F(RunnerTest, NoInvocationSeesWhatTheLastOneWrote) {
  for (const char* name : {"fn_scribble", "fn_scribble_big"}) {
    auto m = load_fixture(name);
    ASSERT_TRUE(m) << name;
    ASSERT_TRUE(m->resettable);
    FunctionRunner runner;
    for (int i = 0; i < 60; ++i) {
      auto ctx = make_context();
      Outcome out = runner.invoke(*m, "handle_request", ctx, FunctionLimits::edge_function());
      ASSERT_EQ(out.status, OutcomeStatus::Ok) << name << ": " << out.message;
      ASSERT_EQ(ctx.response.status, 200) << name << ": invocation " << i << " saw state left by an earlier one";
    }
    EXPECT_EQ(runner.stats().instantiations, 1u) << name;
  }
}

// The entry wrapper hands back the fuel left in the same call; a budget of 2^31 or more is read separately. Both
// report the same use.
TEST_F(RunnerTest, FuelUsedIsTheSameWithSmallAndHugeBudgets) {
  auto m = load_fixture("fn_fixed_cost");
  ASSERT_TRUE(m);
  FunctionLimits small;
  FunctionLimits huge;
  huge.fuel = uint64_t{1} << 40;
  Outcome a = run(*m, small);
  Outcome b = run(*m, huge);
  ASSERT_TRUE(a.ok()) << a.message;
  ASSERT_TRUE(b.ok()) << b.message;
  EXPECT_GT(a.fuel_used, 0u);
  EXPECT_EQ(a.fuel_used, b.fuel_used);
}

TEST_F(RunnerTest, PersistentModeKeepsStateAcrossInvocations) {
  LoadOptions load;
  load.persistent = true;
  auto m = load_fixture("fn_counter", load);
  ASSERT_TRUE(m);
  for (int i = 1; i <= 3; ++i) {
    auto ctx = make_context();
    Outcome out = runner_.invoke(*m, "handle_request", ctx, FunctionLimits::edge_function());
    ASSERT_EQ(out.status, OutcomeStatus::Ok) << out.message;
    EXPECT_EQ(ctx.response.status, 200 + 11 * i);
  }
}

TEST_F(RunnerTest, ReactorInitializeRunsBeforeEveryEntryOnFreshState) {
  auto m = load_fixture("fn_c_reactor_init");
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->has_initialize);
  for (int i = 0; i < 3; ++i) {
    auto ctx = make_context();
    Outcome out = runner_.invoke(*m, "handle_request", ctx, FunctionLimits::edge_function());
    ASSERT_EQ(out.status, OutcomeStatus::Ok) << out.message;
    // 201 = constructors never ran; 221 = ran twice on the same state; 212 = state not reset.
    EXPECT_EQ(ctx.response.status, 211) << "invocation " << i;
  }
  EXPECT_EQ(runner_.stats().instantiations, 1u);
}

TEST_F(RunnerTest, PersistentReactorIsInitialisedOnce) {
  LoadOptions load;
  load.persistent = true;
  auto m = load_fixture("fn_c_reactor_init", load);
  ASSERT_TRUE(m);
  for (int i = 1; i <= 3; ++i) {
    auto ctx = make_context();
    ASSERT_TRUE(runner_.invoke(*m, "handle_request", ctx, FunctionLimits::edge_function()).ok());
    EXPECT_EQ(ctx.response.status, 210 + i);
  }
}

TEST_F(RunnerTest, HostLimitsComeFromTheFunctionLimits) {
  auto m = load_fixture("fn_everything");
  ASSERT_TRUE(m);
  FunctionLimits limits;
  limits.log_max_bytes = 10;  // "hello from wasm" (15 bytes) is dropped, "method=GET" (10) is kept
  auto ctx = make_context();
  Outcome out = runner_.invoke(*m, "handle_request", ctx, limits);
  ASSERT_TRUE(out.ok()) << out.message;
  EXPECT_EQ(ctx.limits.log_max_message_bytes, 10u);
  ASSERT_EQ(ctx.logs.size(), 1u);
  EXPECT_EQ(ctx.logs[0].text, "method=GET");
  EXPECT_EQ(ctx.logs_dropped, 1u);
}

TEST_F(RunnerTest, EvictDropsTheIdleInstance) {
  expect_serves_normally(runner_, *normal_, "nothing");
  EXPECT_EQ(runner_.idle_instances(*normal_), 1u);
  runner_.evict(*normal_);
  EXPECT_EQ(runner_.idle_instances(*normal_), 0u);
  auto ctx = make_context({{"x-in", "again"}});
  Outcome out = runner_.invoke(*normal_, "handle_request", ctx, FunctionLimits::edge_function());
  EXPECT_TRUE(out.ok());
  EXPECT_TRUE(out.fresh_instance);
}

TEST_F(RunnerTest, FailedInstanceIsDiscardedNotReused) {
  auto m = load_fixture("fn_entry_trap");
  ASSERT_TRUE(m);
  EXPECT_TRUE(run(*m).fresh_instance);
  EXPECT_EQ(runner_.stats().discards, 1u);
  EXPECT_TRUE(run(*m).fresh_instance);
  EXPECT_EQ(runner_.stats().instantiations, 2u);
}

TEST_F(RunnerTest, RunnersOnSeveralThreadsShareOneModule) {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      FunctionRunner r;
      for (int i = 0; i < 20; ++i) {
        auto ctx = make_context({{"x-in", "t" + std::to_string(t)}});
        Outcome out = r.invoke(*normal_, "handle_request", ctx, FunctionLimits::edge_function());
        const std::string* v = hostapi::find_header(ctx.response.headers, "x-out");
        if (out.ok() && v && *v == "t" + std::to_string(t)) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 60);
}

}  // namespace
}  // namespace aegis::functions
