// InstancePool: reuse with reset, discard after failures, persistent mode, idle bound, eviction on module drop.
#include "fixture.h"
#include "wasm/pool/instance_pool.h"

namespace aegis::wasm::test {
namespace {

using namespace std::chrono_literals;

struct PoolTest : ::testing::Test {
  std::unique_ptr<Runtime> rt = engine().create_runtime();
  std::shared_ptr<const CompiledModule> state = compile_fixture("engine_state");
  std::shared_ptr<const CompiledModule> traps = compile_fixture("engine_traps");
};

PoolModule pool_module(std::shared_ptr<const CompiledModule> compiled, ReuseMode mode) {
  PoolModule m;
  m.compiled = std::move(compiled);
  m.mode = mode;
  return m;
}

int32_t bump(InstancePool::Lease& lease) {
  Val r;
  CallOutcome out = lease->call("bump", {}, {&r, 1}, {});
  EXPECT_EQ(out.status, CallStatus::Ok) << out.message;
  return r.i32;
}

TEST_F(PoolTest, ResetModeReusesTheSameInstanceWithFreshState) {
  InstancePool pool(*rt);
  PoolModule m = pool_module(state, ReuseMode::Reset);
  std::string error;
  Instance* first = nullptr;
  for (int i = 0; i < 10; ++i) {
    auto lease = pool.acquire(m, &error);
    ASSERT_TRUE(lease) << error;
    if (i == 0) first = lease.get();
    EXPECT_EQ(lease.get(), first);   // always the one pooled instance
    EXPECT_EQ(bump(lease), 1);       // never sees the previous invocation's state
    EXPECT_EQ(bump(lease), 2);
    lease.release(true);
  }
  EXPECT_EQ(pool.stats().instantiated, 1u);
  EXPECT_EQ(pool.stats().restored, 9u);
  EXPECT_EQ(pool.idle_count(*state), 1u);
}

TEST_F(PoolTest, InitializeHookRunsBeforeTheSnapshot) {
  InstancePool pool(*rt);
  int runs = 0;
  PoolModule m = pool_module(state, ReuseMode::Reset);
  m.initialize = [&](Instance& inst, std::string*) {
    ++runs;
    Val r;
    return inst.call("bump", {}, {&r, 1}, {}).status == CallStatus::Ok;
  };
  std::string error;
  for (int i = 0; i < 3; ++i) {
    auto lease = pool.acquire(m, &error);
    ASSERT_TRUE(lease) << error;
    EXPECT_EQ(bump(lease), 2);  // initialised state (1) is what restore brings back
    lease.release(true);
  }
  EXPECT_EQ(runs, 1);
  m.initialize = [](Instance&, std::string* e) {
    *e = "init refused";
    return false;
  };
  pool.evict(*state);
  auto lease = pool.acquire(m, &error);
  EXPECT_FALSE(lease);
  EXPECT_EQ(error, "init refused");
}

TEST_F(PoolTest, PersistentModeKeepsState) {
  InstancePool pool(*rt);
  PoolModule m = pool_module(state, ReuseMode::Persistent);
  std::string error;
  for (int i = 1; i <= 5; ++i) {
    auto lease = pool.acquire(m, &error);
    ASSERT_TRUE(lease) << error;
    EXPECT_EQ(bump(lease), i);
    lease.release(true);
  }
  EXPECT_EQ(pool.stats().instantiated, 1u);
  EXPECT_EQ(pool.stats().reused, 4u);
}

TEST_F(PoolTest, TrappedOrTimedOutInstancesAreDiscarded) {
  InstancePool pool(*rt);
  PoolModule m = pool_module(traps, ReuseMode::Reset);
  std::string error;
  auto lease = pool.acquire(m, &error);
  ASSERT_TRUE(lease) << error;
  CallOutcome out = lease->call("unreachable", {}, {}, {});
  ASSERT_EQ(out.status, CallStatus::Trap);
  EXPECT_FALSE(InstancePool::reusable(out));
  lease.release(InstancePool::reusable(out));
  EXPECT_EQ(pool.idle_count(*traps), 0u);
  EXPECT_EQ(pool.stats().discarded, 1u);

  lease = pool.acquire(m, &error);
  CallOptions opts;
  opts.deadline = 10ms;
  out = lease->call("forever", {}, {}, opts);
  ASSERT_EQ(out.status, CallStatus::Timeout);
  lease.release(InstancePool::reusable(out));
  EXPECT_EQ(pool.idle_count(*traps), 0u);

  lease = pool.acquire(m, &error);
  Val r;
  ASSERT_EQ(lease->call("ok", {}, {&r, 1}, {}).status, CallStatus::Ok);
  lease.release(true);
  EXPECT_EQ(pool.idle_count(*traps), 1u);
  EXPECT_EQ(pool.stats().instantiated, 3u);

  { auto dropped = pool.acquire(m, &error); }  // destroyed without release: not pooled
  EXPECT_EQ(pool.idle_count(*traps), 0u);
}

TEST_F(PoolTest, RestoreFailureFallsBackToAFreshInstance) {
  InstancePool pool(*rt);
  PoolModule m = pool_module(state, ReuseMode::Reset);
  std::string error;
  auto lease = pool.acquire(m, &error);
  ASSERT_TRUE(lease);
  Val r;
  ASSERT_EQ(lease->call("grow", {}, {&r, 1}, {}).status, CallStatus::Ok);
  lease.release(true);
  lease = pool.acquire(m, &error);
  ASSERT_TRUE(lease);
  EXPECT_EQ(pool.stats().restore_failed, 1u);
  EXPECT_EQ(pool.stats().instantiated, 2u);
  EXPECT_EQ(lease->memory().size(), 8 * 65536u);
  EXPECT_EQ(bump(lease), 1);
}

TEST_F(PoolTest, NonResettableModulesGetAFreshInstanceEachTime) {
  InstancePool pool(*rt);
  auto noreset = compile_fixture("engine_globals_noreset");
  for (ReuseMode mode : {ReuseMode::Reset, ReuseMode::Fresh}) {
    PoolModule m = pool_module(noreset, mode);
    std::string error;
    for (int i = 0; i < 3; ++i) {
      auto lease = pool.acquire(m, &error);
      ASSERT_TRUE(lease) << error;
      EXPECT_EQ(bump(lease), 1);
      lease.release(true);
      EXPECT_EQ(pool.idle_count(*noreset), 0u);  // capture() failed / Fresh: never pooled
    }
  }
  EXPECT_EQ(pool.stats().instantiated, 6u);
}

TEST_F(PoolTest, IdleInstancesAreBounded) {
  InstancePool pool(*rt, InstancePool::Options{2});
  PoolModule m = pool_module(state, ReuseMode::Reset);
  std::string error;
  std::vector<InstancePool::Lease> leases;
  for (int i = 0; i < 5; ++i) leases.push_back(pool.acquire(m, &error));
  for (auto& l : leases) l.release(true);
  EXPECT_EQ(pool.idle_count(*state), 2u);
  EXPECT_EQ(pool.stats().discarded, 3u);
}

TEST_F(PoolTest, EvictionOnExplicitEvictAndOnModuleDrop) {
  InstancePool pool(*rt);
  std::string error;
  {
    PoolModule m = pool_module(state, ReuseMode::Reset);
    auto a = pool.acquire(m, &error);
    auto outstanding = pool.acquire(m, &error);
    a.release(true);
    EXPECT_EQ(pool.idle_count(*state), 1u);
    pool.evict(*state);
    EXPECT_EQ(pool.idle_count(*state), 0u);
    EXPECT_EQ(pool.stats().evicted, 1u);
    outstanding.release(true);  // leased before the eviction: not pooled
    EXPECT_EQ(pool.idle_count(*state), 0u);
  }
  // The owner drops the module: the pool's entry expires and its idle instances go on the next purge.
  auto reloaded = compile_fixture("engine_state");
  const CompiledModule* raw = reloaded.get();
  {
    PoolModule m = pool_module(reloaded, ReuseMode::Reset);
    pool.acquire(m, &error).release(true);
  }
  EXPECT_EQ(pool.idle_count(*raw), 1u);
  std::weak_ptr<const CompiledModule> weak = reloaded;
  reloaded.reset();
  EXPECT_TRUE(weak.expired());  // pooled instances do not keep the module alive
  pool.purge_dropped();
  EXPECT_EQ(pool.stats().evicted, 2u);
}

}  // namespace
}  // namespace aegis::wasm::test
