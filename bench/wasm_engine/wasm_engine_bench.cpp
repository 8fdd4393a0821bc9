// Engine adapter and instance pool costs: instantiate vs restore (1-page and 17-page modules), an empty export
// call, a call that makes one host call.
//   bench_wasm_engine --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "wasm/engine.h"
#include "wasm/pool/instance_pool.h"

namespace {
using namespace aegis::wasm;
using namespace std::chrono_literals;

std::shared_ptr<const CompiledModule> load(int pages) {
  std::string path = std::string(AEGIS_WASM_DIR) + "/bench_engine_" + std::to_string(pages) + "page.wasm";
  std::ifstream f(path, std::ios::binary);
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  std::string error;
  auto m = engine().compile(bytes, &error);
  if (!m) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), error.c_str());
    std::abort();
  }
  return m;
}

void host(Caller&, const Val* args, Val* results, void*) { results[0] = Val::I32(args[0].i32 + 1); }

std::vector<HostFunction> imports() { return {{"env", "host", {{ValType::I32}, {ValType::I32}}, host, nullptr}}; }

struct Setup {
  std::unique_ptr<Runtime> rt = engine().create_runtime();
  std::shared_ptr<const CompiledModule> module;
  std::vector<HostFunction> imps = imports();
  explicit Setup(int pages) : module(load(pages)) {}
  std::unique_ptr<Instance> instance() {
    std::string error;
    auto i = rt->instantiate(*module, imps, {}, &error);
    if (!i) std::abort();
    return i;
  }
};

void call_or_die(Instance& inst, std::string_view name, std::span<Val> results = {}, const CallOptions& o = {}) {
  if (inst.call(name, {}, results, o).status != CallStatus::Ok) std::abort();
}

// A new instance per request (includes destroying it).
void BM_Instantiate(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto inst = s.instance();
    benchmark::DoNotOptimize(inst.get());
  }
}
BENCHMARK(BM_Instantiate)->Arg(1)->Arg(17);

// What the pool pays when it has to create a resettable instance.
void BM_InstantiateAndCapture(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto inst = s.instance();
    if (!inst->capture()) std::abort();
  }
}
BENCHMARK(BM_InstantiateAndCapture)->Arg(1)->Arg(17);

// Reset of an instance nothing has touched since the last reset (lower bound).
void BM_RestoreClean(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)));
  auto inst = s.instance();
  inst->capture();
  for (auto _ : state)
    if (!inst->restore()) std::abort();
}
BENCHMARK(BM_RestoreClean)->Arg(1)->Arg(17);

// A request's worth of writes ("work": stack frames + a heap page), then reset. Compare with BM_WorkOnly.
void BM_WorkThenRestore(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)));
  auto inst = s.instance();
  inst->capture();
  for (auto _ : state) {
    call_or_die(*inst, "work");
    if (!inst->restore()) std::abort();
  }
}
BENCHMARK(BM_WorkThenRestore)->Arg(1)->Arg(17);

void BM_WorkOnly(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)));
  auto inst = s.instance();
  inst->capture();
  for (auto _ : state) {
    call_or_die(*inst, "work");
    state.PauseTiming();
    inst->restore();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_WorkOnly)->Arg(1)->Arg(17);

// The pool's steady state: acquire (restore) → request → release.
void BM_PoolCycle(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)));
  InstancePool pool(*s.rt);
  PoolModule m;
  m.compiled = s.module;
  m.imports = s.imps;
  std::string error;
  for (auto _ : state) {
    auto lease = pool.acquire(m, &error);
    call_or_die(*lease, "work");
    lease.release(true);
  }
  state.counters["instantiated"] = static_cast<double>(pool.stats().instantiated);
}
BENCHMARK(BM_PoolCycle)->Arg(1)->Arg(17);

void BM_EmptyCall(benchmark::State& state) {
  Setup s(1);
  auto inst = s.instance();
  for (auto _ : state) call_or_die(*inst, "empty");
}
BENCHMARK(BM_EmptyCall);

void BM_EmptyCallWithDeadline(benchmark::State& state) {
  Setup s(1);
  auto inst = s.instance();
  CallOptions o;
  o.deadline = 50ms;
  for (auto _ : state) call_or_die(*inst, "empty", {}, o);
}
BENCHMARK(BM_EmptyCallWithDeadline);

// Export call whose body makes one host call (compare with BM_EmptyCall for the wasm→host cost).
void BM_OneHostCall(benchmark::State& state) {
  Setup s(1);
  auto inst = s.instance();
  Val r;
  for (auto _ : state) call_or_die(*inst, "host_once", {&r, 1});
}
BENCHMARK(BM_OneHostCall);

void BM_MemorySpan(benchmark::State& state) {
  Setup s(1);
  auto inst = s.instance();
  for (auto _ : state) benchmark::DoNotOptimize(inst->memory().data());
}
BENCHMARK(BM_MemorySpan);

}  // namespace

BENCHMARK_MAIN();
