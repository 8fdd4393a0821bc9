// The V8 engine behind wasm/engine.h: value types, host import trampoline, Caller, traps, threads, teardown.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <thread>

#include "fixture.h"

namespace aegis::wasm::test {
namespace {

using namespace std::chrono_literals;

TEST(Engine, CallsWithEveryValueType) {
  auto m = compile_fixture("engine_values");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);

  EXPECT_EQ(call_i32(*inst, "add_i32", {Val::I32(-7), Val::I32(50)}), 43);
  EXPECT_EQ(call_i32(*inst, "add_i32", {Val::I32(INT32_MAX), Val::I32(1)}), INT32_MIN);

  Val r;
  ASSERT_EQ(call(*inst, "add_i64", {Val::I64(int64_t{1} << 60), Val::I64((int64_t{1} << 60) + 3)}, &r, 1).status,
            CallStatus::Ok);
  EXPECT_EQ(r.type, ValType::I64);
  EXPECT_EQ(r.i64, (int64_t{1} << 61) + 3);  // beyond 2^53: must travel as BigInt, not as a double
  ASSERT_EQ(call(*inst, "add_i64", {Val::I64(INT64_MIN), Val::I64(-1)}, &r, 1).status, CallStatus::Ok);
  EXPECT_EQ(r.i64, INT64_MAX);

  ASSERT_EQ(call(*inst, "mul_f32", {Val::F32(1.5f), Val::F32(-2.25f)}, &r, 1).status, CallStatus::Ok);
  EXPECT_EQ(r.type, ValType::F32);
  EXPECT_FLOAT_EQ(r.f32, -3.375f);
  ASSERT_EQ(call(*inst, "add_f64", {Val::F64(0.1), Val::F64(1e300)}, &r, 1).status, CallStatus::Ok);
  EXPECT_EQ(r.type, ValType::F64);
  EXPECT_DOUBLE_EQ(r.f64, 0.1 + 1e300);

  Val two[2];
  CallOutcome out = call(*inst, "multi", {Val::I32(3), Val::I64(int64_t{1} << 40), Val::F32(0.5f), Val::F64(0.25)},
                         two, 2);
  ASSERT_EQ(out.status, CallStatus::Ok) << out.message;
  EXPECT_DOUBLE_EQ(two[0].f64, 3.0 + double(int64_t{1} << 40) + 0.75);
  EXPECT_EQ(two[1].type, ValType::I64);
  EXPECT_EQ(two[1].i64, 3 * (int64_t{1} << 40));

  EXPECT_EQ(call(*inst, "empty", {}).status, CallStatus::Ok);
  EXPECT_TRUE(inst->has_function("empty"));
  EXPECT_FALSE(inst->has_function("g"));  // a global, not a function
  EXPECT_TRUE(inst->memory().empty());
}

TEST(Engine, MissingExportOrWrongSignatureIsNotFound) {
  auto m = compile_fixture("engine_values");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  EXPECT_EQ(call(*inst, "nope", {}).status, CallStatus::NotFound);
  EXPECT_EQ(call(*inst, "g", {}).status, CallStatus::NotFound);
  Val r;
  EXPECT_EQ(call(*inst, "add_i32", {Val::I32(1)}, &r, 1).status, CallStatus::NotFound);                  // arity
  EXPECT_EQ(call(*inst, "add_i32", {Val::I64(1), Val::I32(2)}, &r, 1).status, CallStatus::NotFound);     // type
  EXPECT_EQ(call(*inst, "add_i32", {Val::I32(1), Val::I32(2)}, nullptr, 0).status, CallStatus::NotFound);  // results
  EXPECT_EQ(call_i32(*inst, "add_i32", {Val::I32(1), Val::I32(2)}), 3);
}

TEST(Engine, CompileRejectsInvalidBytes) {
  std::string error;
  std::vector<uint8_t> junk = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01};
  EXPECT_FALSE(engine().compile(junk, &error));
  EXPECT_FALSE(error.empty());
  // Well-formed sections but invalid code (i32.add on an empty stack): V8's validation reports it.
  std::vector<uint8_t> bad = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00,
                              0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x05, 0x01, 0x03, 0x00, 0x6a, 0x0b};
  error.clear();
  EXPECT_FALSE(engine().compile(bad, &error));
  EXPECT_NE(error.find("CompileError"), std::string::npos) << error;
}

// The engine's flags are in force (V8 silently ignores the rest of a flag string after an unknown flag).
TEST(Engine, ProcessWideTableCeilingIsApplied) {
  auto rt = engine().create_runtime();
  auto at_max = compile_fixture("engine_table_max");
  ASSERT_TRUE(at_max);
  EXPECT_TRUE(instantiate(*rt, *at_max));
  std::vector<uint8_t> bytes = read_wasm("engine_table_big");
  std::string error;
  auto big = engine().compile(bytes, &error);
  if (big) {
    EXPECT_FALSE(rt->instantiate(*big, {}, {}, &error));
  }
  EXPECT_NE(error.find("table"), std::string::npos) << error;
}

// The trap handler is off: a memory reserves about its declared maximum, not the ~10 GiB of guard regions
// (see the decisions at the top of v8_engine.cpp).
TEST(Engine, MemoryReservationIsItsMaximumNotGuardRegions) {
  auto m = compile_fixture("engine_state");  // 8 pages, maximum 16 (1 MiB)
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  auto base = reinterpret_cast<uintptr_t>(inst->memory().data());
  std::FILE* f = std::fopen("/proc/self/maps", "r");
  ASSERT_TRUE(f);
  char line[512];
  uintptr_t lo = 0, hi = 0, reserved = 0;
  bool found = false;
  // The reservation is the mapping holding the memory plus the inaccessible (---p) rest up to the maximum.
  std::vector<std::pair<uintptr_t, uintptr_t>> maps;
  std::vector<bool> none;
  while (std::fgets(line, sizeof line, f)) {
    char perms[8] = {};
    if (std::sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3) continue;
    maps.emplace_back(lo, hi);
    none.push_back(std::strncmp(perms, "---", 3) == 0);
  }
  std::fclose(f);
  for (std::size_t i = 0; i < maps.size(); ++i) {
    if (base < maps[i].first || base >= maps[i].second) continue;
    found = true;
    reserved = maps[i].second - maps[i].first;
    if (i + 1 < maps.size() && none[i + 1] && maps[i + 1].first == maps[i].second)
      reserved += maps[i + 1].second - maps[i + 1].first;
  }
  ASSERT_TRUE(found);
  // A guard-region reservation would be 8 GiB or more; the loose bound tolerates unrelated neighbours.
  EXPECT_LT(reserved, std::size_t{1} << 30) << "reserved " << reserved << " bytes";
}

// ------------------------------------------------------------------------------------------------ host imports
struct HostState {
  std::vector<Val> seen;
  int peeks = 0;
};

void h_add64(Caller&, const Val* a, Val* r, void* data) {
  static_cast<HostState*>(data)->seen.assign(a, a + 2);
  r[0] = Val::I64(a[0].i64 + a[1].i64);
}
void h_mix(Caller&, const Val* a, Val* r, void* data) {
  static_cast<HostState*>(data)->seen.assign(a, a + 4);
  r[0] = Val::F64(a[0].i32 + double(a[1].i64) + a[2].f32 + a[3].f64);
}
void h_pair(Caller&, const Val* a, Val* r, void*) {
  r[0] = Val::I32(a[0].i32 + 1);
  r[1] = Val::I64(int64_t(a[0].i32) << 33);
}
void h_peek(Caller& c, const Val* a, Val* r, void* data) {
  static_cast<HostState*>(data)->peeks++;
  std::span<uint8_t> mem = c.memory();
  uint32_t at = static_cast<uint32_t>(a[0].i32);
  r[0] = Val::I32(at < mem.size() ? mem[at] : -1);
}
void h_exit(Caller& c, const Val* a, Val*, void*) { c.exit(a[0].i32, "guest asked to exit"); }
void h_user(Caller& c, const Val*, Val* r, void*) { r[0] = Val::I32(*static_cast<int32_t*>(c.user_data())); }

std::vector<HostFunction> host_imports(HostState* st) {
  using T = ValType;
  return {
      {"env", "add64", {{T::I64, T::I64}, {T::I64}}, h_add64, st},
      {"env", "mix", {{T::I32, T::I64, T::F32, T::F64}, {T::F64}}, h_mix, st},
      {"env", "pair", {{T::I32}, {T::I32, T::I64}}, h_pair, st},
      {"env", "peek", {{T::I32}, {T::I32}}, h_peek, st},
      {"env", "exit", {{T::I32}, {}}, h_exit, st},
      {"env", "user", {{}, {T::I32}}, h_user, st},
  };
}

TEST(Engine, HostImportArgumentsAndResultsOfEveryType) {
  auto m = compile_fixture("engine_host");
  auto rt = engine().create_runtime();
  HostState st;
  auto imports = host_imports(&st);
  auto inst = instantiate(*rt, *m, imports);
  ASSERT_TRUE(inst);

  Val r;
  const int64_t big = (int64_t{1} << 62) + 12345;
  ASSERT_EQ(call(*inst, "call_add64", {Val::I64(big), Val::I64(-5)}, &r, 1).status, CallStatus::Ok);
  EXPECT_EQ(r.i64, big - 5);
  ASSERT_EQ(st.seen.size(), 2u);
  EXPECT_EQ(st.seen[0].type, ValType::I64);
  EXPECT_EQ(st.seen[0].i64, big);
  EXPECT_EQ(st.seen[1].i64, -5);

  ASSERT_EQ(call(*inst, "call_mix", {Val::I32(-2), Val::I64(int64_t{1} << 50), Val::F32(0.5f), Val::F64(0.125)}, &r, 1)
                .status,
            CallStatus::Ok);
  EXPECT_DOUBLE_EQ(r.f64, -2 + double(int64_t{1} << 50) + 0.625);
  ASSERT_EQ(st.seen.size(), 4u);
  EXPECT_EQ(st.seen[0].i32, -2);
  EXPECT_EQ(st.seen[1].i64, int64_t{1} << 50);
  EXPECT_EQ(st.seen[2].type, ValType::F32);
  EXPECT_FLOAT_EQ(st.seen[2].f32, 0.5f);
  EXPECT_DOUBLE_EQ(st.seen[3].f64, 0.125);

  ASSERT_EQ(call(*inst, "call_pair", {Val::I32(3)}, &r, 1).status, CallStatus::Ok);  // multi-value host result
  EXPECT_EQ(r.i64, 4 + (int64_t{3} << 33));

  int32_t ud = 4242;
  ASSERT_EQ(call(*inst, "call_user", {}, &r, 1, {}, &ud).status, CallStatus::Ok);
  EXPECT_EQ(r.i32, 4242);
}

TEST(Engine, UnresolvedOrMismatchedImportFailsInstantiation) {
  auto m = compile_fixture("engine_host");
  auto rt = engine().create_runtime();
  HostState st;
  auto imports = host_imports(&st);
  std::string error;
  auto missing = std::vector<HostFunction>(imports.begin() + 1, imports.end());
  EXPECT_FALSE(rt->instantiate(*m, missing, {}, &error));
  EXPECT_NE(error.find("env.add64"), std::string::npos) << error;

  auto wrong = imports;
  wrong[0].type.results = {ValType::I32};
  error.clear();
  EXPECT_FALSE(rt->instantiate(*m, wrong, {}, &error));
  EXPECT_NE(error.find("env.add64"), std::string::npos) << error;

  EXPECT_TRUE(instantiate(*rt, *m, imports));  // the runtime is fine afterwards
}

TEST(Engine, CallerMemorySeesGrowth) {
  auto m = compile_fixture("engine_host");
  auto rt = engine().create_runtime();
  HostState st;
  auto imports = host_imports(&st);
  auto inst = instantiate(*rt, *m, imports);
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->memory().size(), 65536u);
  EXPECT_EQ(call_i32(*inst, "grow_then_peek"), 77);
  EXPECT_EQ(st.peeks, 1);
  ASSERT_EQ(inst->memory().size(), 2 * 65536u);
  EXPECT_EQ(inst->memory()[65546], 77);
  // Host writes through Instance::memory() are seen by the guest.
  inst->memory()[100] = 9;
  EXPECT_EQ(call_i32(*inst, "load", {Val::I32(100)}), 9);
}

TEST(Engine, CallerExitEndsTheInvocation) {
  auto m = compile_fixture("engine_host");
  auto rt = engine().create_runtime();
  HostState st;
  auto imports = host_imports(&st);
  auto inst = instantiate(*rt, *m, imports);
  ASSERT_TRUE(inst);
  Val r;
  CallOutcome out = call(*inst, "exit_then_continue", {Val::I32(7)}, &r, 1);
  EXPECT_EQ(out.status, CallStatus::HostExit);
  EXPECT_EQ(out.exit_code, 7);
  EXPECT_EQ(out.message, "guest asked to exit");
  EXPECT_EQ(call_i32(*inst, "load", {Val::I32(0)}), 0);  // the store after the exit never ran

  out = call(*inst, "exit_in_loop", {Val::I32(0)}, &r, 1);
  EXPECT_EQ(out.status, CallStatus::HostExit);
  EXPECT_EQ(out.exit_code, 0);
  // Nothing of the exit leaks into the next call.
  ASSERT_EQ(call(*inst, "call_add64", {Val::I64(1), Val::I64(2)}, &r, 1).status, CallStatus::Ok);
  EXPECT_EQ(r.i64, 3);
}

void h_throw(Caller&, const Val*, Val*, void*) { throw std::runtime_error("boom"); }

TEST(Engine, HostFunctionExceptionIsAnEngineErrorNotACrash) {
  auto m = compile_fixture("engine_host");
  auto rt = engine().create_runtime();
  HostState st;
  auto imports = host_imports(&st);
  imports[0].callback = h_throw;
  auto inst = instantiate(*rt, *m, imports);
  ASSERT_TRUE(inst);
  Val r;
  CallOutcome out = call(*inst, "call_add64", {Val::I64(1), Val::I64(2)}, &r, 1);
  EXPECT_EQ(out.status, CallStatus::EngineError);
  EXPECT_NE(out.message.find("boom"), std::string::npos);
  EXPECT_EQ(call_i32(*inst, "load", {Val::I32(0)}), 0);
}

// ------------------------------------------------------------------------------------------------ traps
TEST(Engine, TrapsCarryTheirMessage) {
  auto m = compile_fixture("engine_traps");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  Val r;
  CallOutcome out = call(*inst, "unreachable", {});
  EXPECT_EQ(out.status, CallStatus::Trap);
  EXPECT_NE(out.message.find("unreachable"), std::string::npos) << out.message;
  out = call(*inst, "oob", {}, &r, 1);
  EXPECT_EQ(out.status, CallStatus::Trap);
  EXPECT_NE(out.message.find("out of bounds"), std::string::npos) << out.message;
  out = call(*inst, "div", {Val::I32(1), Val::I32(0)}, &r, 1);
  EXPECT_EQ(out.status, CallStatus::Trap);
  EXPECT_NE(out.message.find("divide by zero"), std::string::npos) << out.message;
  out = call(*inst, "div", {Val::I32(INT32_MIN), Val::I32(-1)}, &r, 1);
  EXPECT_EQ(out.status, CallStatus::Trap);
  EXPECT_NE(out.message.find("unrepresentable"), std::string::npos) << out.message;
  EXPECT_EQ(call_i32(*inst, "ok"), 42);
}

TEST(Engine, UnboundedRecursionIsATrapAndTheRuntimeStaysUsable) {
  auto m = compile_fixture("engine_traps");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  for (int i = 0; i < 3; ++i) {
    Val r;
    CallOutcome out = call(*inst, "recurse", {Val::I32(0)}, &r, 1);
    EXPECT_EQ(out.status, CallStatus::Trap);
    EXPECT_NE(out.message.find("call stack"), std::string::npos) << out.message;
    EXPECT_EQ(call_i32(*inst, "ok"), 42);
  }
  auto other = instantiate(*rt, *m);  // and new instances work too
  ASSERT_TRUE(other);
  EXPECT_EQ(call_i32(*other, "ok"), 42);
}

// ------------------------------------------------------------------------------------------------ start function
void h_started(Caller&, const Val* a, Val*, void* data) { *static_cast<int32_t*>(data) = a[0].i32; }

TEST(Engine, StartFunctionRunsAtInstantiation) {
  auto m = compile_fixture("engine_start");
  auto rt = engine().create_runtime();
  int32_t started = 0;
  std::vector<HostFunction> imports = {{"env", "started", {{ValType::I32}, {}}, h_started, &started}};
  auto inst = instantiate(*rt, *m, imports);
  ASSERT_TRUE(inst);
  EXPECT_EQ(started, 5);
  EXPECT_EQ(call_i32(*inst, "get"), 5);
}

TEST(Engine, StartFunctionRunsUnderTheDeadline) {
  auto m = compile_fixture("engine_start_loop");
  auto rt = engine().create_runtime();
  CallOptions opts;
  opts.deadline = 50ms;
  std::string error;
  EXPECT_FALSE(rt->instantiate(*m, {}, opts, &error));
  EXPECT_NE(error.find("timed out"), std::string::npos) << error;
  auto values = compile_fixture("engine_values");
  auto inst = instantiate(*rt, *values);
  ASSERT_TRUE(inst);
  EXPECT_EQ(call_i32(*inst, "add_i32", {Val::I32(2), Val::I32(3)}), 5);
}

// ------------------------------------------------------------------------------------------------ threads
TEST(Engine, TwoThreadsRunTheSameCompiledModuleConcurrently) {
  auto values = compile_fixture("engine_values");
  auto state = compile_fixture("engine_state");
  std::atomic<int> failures{0};
  std::atomic<int> ready{0};
  auto worker = [&](int seed) {
    auto rt = engine().create_runtime();
    std::string error;
    auto a = rt->instantiate(*values, {}, {}, &error);
    auto b = rt->instantiate(*state, {}, {}, &error);
    if (!a || !b) { failures++; return; }
    ready++;
    while (ready.load() < 2) std::this_thread::yield();
    for (int i = 1; i <= 2000; ++i) {
      Val r;
      Val args[2] = {Val::I32(seed), Val::I32(i)};
      if (a->call("add_i32", args, {&r, 1}, {}).status != CallStatus::Ok || r.i32 != seed + i) failures++;
      if (b->call("bump", {}, {&r, 1}, {}).status != CallStatus::Ok || r.i32 != i) failures++;
    }
  };
  std::thread t1(worker, 1000), t2(worker, 5000);
  t1.join();
  t2.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(Engine, CompileIsThreadSafe) {
  std::vector<uint8_t> bytes = read_wasm("engine_state");
  std::atomic<int> failures{0};
  auto worker = [&] {
    for (int i = 0; i < 20; ++i) {
      std::string error;
      auto m = engine().compile(bytes, &error);
      if (!m) { failures++; continue; }
      auto rt = engine().create_runtime();
      auto inst = rt->instantiate(*m, {}, {}, &error);
      Val r;
      if (!inst || inst->call("bump", {}, {&r, 1}, {}).status != CallStatus::Ok || r.i32 != 1) failures++;
    }
  };
  std::thread t1(worker), t2(worker);
  t1.join();
  t2.join();
  EXPECT_EQ(failures.load(), 0);
}

// ------------------------------------------------------------------------------------------------ teardown
TEST(Engine, ThreadLocalRuntimeAndInstanceAreTornDownAtThreadExit) {
  auto m = compile_fixture("engine_state");
  std::atomic<int> result{0};
  for (int round = 0; round < 3; ++round) {
    std::thread t([&] {
      // Destroyed in reverse order of construction at thread exit: instance last here, runtime first.
      thread_local std::unique_ptr<Instance> inst;
      thread_local std::unique_ptr<Runtime> rt;
      rt = engine().create_runtime();
      std::string error;
      inst = rt->instantiate(*m, {}, {}, &error);
      Val r;
      if (inst && inst->call("bump", {}, {&r, 1}, {}).status == CallStatus::Ok) result += r.i32;
    });
    t.join();
  }
  EXPECT_EQ(result.load(), 3);
}

TEST(Engine, InstanceOutlivingItsRuntimeStaysUsable) {
  auto m = compile_fixture("engine_state");
  auto rt = engine().create_runtime();
  auto inst = instantiate(*rt, *m);
  ASSERT_TRUE(inst);
  rt.reset();  // the isolate is shared by the runtime and its instances
  EXPECT_EQ(call_i32(*inst, "bump"), 1);
  EXPECT_EQ(call_i32(*inst, "bump"), 2);
}

TEST(Engine, ModuleDroppedWhileInstanceLives) {
  auto rt = engine().create_runtime();
  std::unique_ptr<Instance> inst;
  {
    auto m = compile_fixture("engine_state");
    inst = instantiate(*rt, *m);
  }
  ASSERT_TRUE(inst);
  EXPECT_EQ(call_i32(*inst, "bump"), 1);
  // A new module (possibly at the same address) must not be confused with the dropped one.
  auto values = compile_fixture("engine_values");
  auto other = instantiate(*rt, *values);
  ASSERT_TRUE(other);
  EXPECT_EQ(call_i32(*other, "add_i32", {Val::I32(1), Val::I32(1)}), 2);
}

}  // namespace
}  // namespace aegis::wasm::test
