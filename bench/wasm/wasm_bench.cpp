// Microbenchmarks of the edge-function runtime (see bench/wasm.sh for the summary and the targets):
//   BM_Invoke_HeaderInjection   one FunctionRunner::invoke of a header-injection function (p50/p99 counters)
//   BM_HostCall                 one wasm → host → wasm call (ns_per_call counter)
//   BM_Instantiate / BM_Reset   a fresh instance vs restoring a pooled one to its snapshot
//   BM_Kernel_{Native,WasmFuelOff,WasmFuelOn}   the same C kernel natively and in V8, fuel instrumentation off/on
//   BM_TightLoop_{...}          the same for a one-operation loop body: the worst case for fuel
#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "functions/edge_module.h"
#include "functions/runner.h"
#include "hostapi/abi.h"
#include "hostapi/invocation.h"
#include "wasm/engine.h"
#include "wasm/instrumentation.h"
#include "wasm/module/prepare.h"

extern "C" uint32_t kernel(uint32_t rounds);  // kernel.c, compiled natively
extern "C" uint32_t tight_loop(uint32_t n);

namespace {

namespace fn = aegis::functions;
namespace wasm = aegis::wasm;
using Clock = std::chrono::steady_clock;

std::string module_path(const char* name) { return std::string(AEGIS_WASM_DIR) + "/" + name + ".wasm"; }

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Everything runs on the benchmark's main thread: one runner (one isolate) for the whole process.
fn::FunctionRunner& runner() {
  static fn::FunctionRunner r;
  return r;
}

std::shared_ptr<const fn::EdgeModule> load(const char* name, uint64_t fuel) {
  fn::LoadOptions opts;
  opts.limits.fuel = fuel;
  fn::LoadResult r = fn::load_edge_module_file(module_path(name), opts);
  return r.module;
}

// CPU time of this thread: unlike wall time it does not count the time other processes hold the core, which on a
// shared 2-vCPU machine is most of the variance.
double thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::size_t k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

aegis::hostapi::InvocationContext request_context() {
  aegis::hostapi::InvocationContext ctx;
  ctx.request.method = "GET";
  ctx.request.uri = "/products/42?ref=home";
  ctx.request.headers = {{"host", "shop.example.com"},
                         {"user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"},
                         {"accept", "text/html,application/xhtml+xml"},
                         {"accept-language", "en-US,en;q=0.5"},
                         {"cookie", "session=abc123; theme=dark"}};
  return ctx;
}

// ---- per-invocation overhead ----------------------------------------------------------------------------------

void BM_Invoke_HeaderInjection(benchmark::State& state) {
  auto m = load("bench_header_inject", 5'000'000);
  if (!m) return state.SkipWithError("cannot load bench_header_inject");
  const fn::FunctionLimits limits = fn::FunctionLimits::edge_function();
  std::vector<double> us, cpu_us;
  us.reserve(1 << 20);
  cpu_us.reserve(1 << 20);
  for (int i = 0; i < 200; ++i) {  // warm: instance pooled, code tiered up
    auto ctx = request_context();
    runner().invoke(*m, "handle_request", ctx, limits);
  }
  for (auto _ : state) {
    auto ctx = request_context();
    const double c0 = thread_cpu_ns();
    auto t0 = Clock::now();
    fn::Outcome out = runner().invoke(*m, "handle_request", ctx, limits);
    auto t1 = Clock::now();
    const double c1 = thread_cpu_ns();
    if (!out.ok() || ctx.response.headers.size() != 2) return state.SkipWithError("invocation failed");
    if (us.size() < us.capacity()) {
      us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      cpu_us.push_back((c1 - c0) / 1e3);
    }
  }
  state.counters["p50_us"] = percentile(us, 0.50);
  state.counters["p99_us"] = percentile(us, 0.99);
  state.counters["cpu_p50_us"] = percentile(cpu_us, 0.50);
  state.counters["cpu_p99_us"] = percentile(cpu_us, 0.99);
}
BENCHMARK(BM_Invoke_HeaderInjection)->MinTime(2.0)->UseRealTime();

// The C example the proxy benchmark runs (examples/functions/header_inject.c, `bench/proxy.sh -s edge-function`):
// a clang/wasi-libc module with a shadow stack (mutable global) and a 2-page memory, so every invocation also
// pays for the instance reset of a typical compiled function.
void BM_Invoke_ExampleHeaderInject(benchmark::State& state) {
  auto m = load("example_header_inject", 5'000'000);
  if (!m) return state.SkipWithError("cannot load example_header_inject");
  const fn::FunctionLimits limits = fn::FunctionLimits::edge_function();
  std::vector<double> us, cpu_us;
  us.reserve(1 << 20);
  cpu_us.reserve(1 << 20);
  for (int i = 0; i < 200; ++i) {
    auto ctx = request_context();
    runner().invoke(*m, "handle_request", ctx, limits);
  }
  for (auto _ : state) {
    auto ctx = request_context();
    const double c0 = thread_cpu_ns();
    auto t0 = Clock::now();
    fn::Outcome out = runner().invoke(*m, "handle_request", ctx, limits);
    auto t1 = Clock::now();
    const double c1 = thread_cpu_ns();
    if (!out.ok() || ctx.response.headers.size() != 2) return state.SkipWithError("invocation failed");
    if (us.size() < us.capacity()) {
      us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      cpu_us.push_back((c1 - c0) / 1e3);
    }
  }
  state.counters["p50_us"] = percentile(us, 0.50);
  state.counters["p99_us"] = percentile(us, 0.99);
  state.counters["cpu_p50_us"] = percentile(cpu_us, 0.50);
  state.counters["cpu_p99_us"] = percentile(cpu_us, 0.99);
}
BENCHMARK(BM_Invoke_ExampleHeaderInject)->MinTime(2.0)->UseRealTime();

// ---- one host call ----------------------------------------------------------------------------------------------

void BM_HostCall(benchmark::State& state) {
  auto m = load("bench_host_calls", 0);  // no fuel: only the call itself differs between the two entries
  if (!m) return state.SkipWithError("cannot load bench_host_calls");
  fn::FunctionLimits limits = fn::FunctionLimits::edge_function();
  limits.fuel = 0;
  limits.deadline = std::chrono::seconds(10);
  auto run = [&](const char* entry) {
    auto ctx = request_context();
    const double c0 = thread_cpu_ns();
    fn::Outcome out = runner().invoke(*m, entry, ctx, limits);
    const double c1 = thread_cpu_ns();
    return out.ok() ? c1 - c0 : -1.0;
  };
  for (int i = 0; i < 50; ++i) {
    run("calls");
    run("baseline");
  }
  std::vector<double> calls, base;
  for (auto _ : state) {
    double c = run("calls");
    double b = run("baseline");
    if (c < 0 || b < 0) return state.SkipWithError("invocation failed");
    calls.push_back(c);
    base.push_back(b);
  }
  const double per_call = (percentile(calls, 0.5) - percentile(base, 0.5)) / 10000.0;
  state.counters["ns_per_call"] = per_call;  // thread CPU time
}
BENCHMARK(BM_HostCall)->MinTime(1.0)->UseRealTime();

// ---- instantiate vs reset ---------------------------------------------------------------------------------------

struct EngineFixture {
  std::unique_ptr<wasm::Runtime> runtime = wasm::engine().create_runtime();
  std::shared_ptr<const fn::EdgeModule> module = load("bench_header_inject", 5'000'000);
};

EngineFixture& engine_fixture() {
  static EngineFixture f;
  return f;
}

void BM_Instantiate(benchmark::State& state) {
  auto& f = engine_fixture();
  if (!f.module) return state.SkipWithError("cannot load bench_header_inject");
  auto imports = aegis::hostapi::edge_function_imports();
  for (auto _ : state) {
    std::string err;
    auto inst = f.runtime->instantiate(*f.module->compiled, imports, wasm::CallOptions{}, &err);
    if (!inst) return state.SkipWithError(("instantiate: " + err).c_str());
    benchmark::DoNotOptimize(inst.get());
  }
}
BENCHMARK(BM_Instantiate)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_Reset(benchmark::State& state) {
  auto& f = engine_fixture();
  if (!f.module) return state.SkipWithError("cannot load bench_header_inject");
  std::string err;
  auto inst = f.runtime->instantiate(*f.module->compiled, aegis::hostapi::edge_function_imports(),
                                     wasm::CallOptions{}, &err);
  if (!inst || !inst->capture()) return state.SkipWithError("instantiate/capture failed");
  for (auto _ : state) {
    inst->memory()[2048] = 1;  // dirty the memory like an invocation would
    if (!inst->restore()) return state.SkipWithError("restore failed");
  }
}
BENCHMARK(BM_Reset)->Unit(benchmark::kMicrosecond)->UseRealTime();

// ---- the C kernel: native, V8 without fuel, V8 with fuel --------------------------------------------------------

constexpr uint32_t kRounds = 64;

struct KernelInstance {
  std::shared_ptr<const wasm::CompiledModule> compiled;
  std::unique_ptr<wasm::Instance> instance;
  bool fuel = false;
  std::string error;
};

KernelInstance make_kernel(bool fuel) {
  KernelInstance k;
  k.fuel = fuel;
  auto bytes = read_bytes(module_path("bench_kernel"));
  wasm::PrepareLimits pl;
  pl.instrument_fuel = fuel;
  wasm::PrepareError perr;
  auto prepared = wasm::prepare_module(bytes, aegis::hostapi::edge_function_imports(), pl, &perr);
  if (!prepared) {
    k.error = "prepare: " + perr.message;
    return k;
  }
  k.compiled = wasm::engine().compile(prepared->bytes, &k.error);
  if (!k.compiled) return k;
  k.instance = engine_fixture().runtime->instantiate(*k.compiled, aegis::hostapi::edge_function_imports(),
                                                     wasm::CallOptions{}, &k.error);
  if (k.instance && fuel) {
    wasm::Val budget = wasm::Val::I64(std::numeric_limits<int64_t>::max());
    k.instance->call(wasm::inject::kFuelSet, std::span<const wasm::Val>(&budget, 1), {}, wasm::CallOptions{});
  }
  return k;
}

bool call_kernel(KernelInstance& k, uint32_t rounds, uint32_t* out, const char* fn = "kernel") {
  wasm::Val arg = wasm::Val::I32(static_cast<int32_t>(rounds));
  wasm::Val res;
  auto o = k.instance->call(fn, std::span<const wasm::Val>(&arg, 1), std::span<wasm::Val>(&res, 1),
                            wasm::CallOptions{});
  *out = static_cast<uint32_t>(res.i32);
  return o.status == wasm::CallStatus::Ok;
}

KernelInstance& kernel_instance(bool fuel) {
  static KernelInstance with_fuel = make_kernel(true);
  static KernelInstance without_fuel = make_kernel(false);
  return fuel ? with_fuel : without_fuel;
}

void kernel_wasm(benchmark::State& state, bool fuel) {
  KernelInstance& k = kernel_instance(fuel);
  if (!k.instance) return state.SkipWithError(k.error.c_str());
  uint32_t h = 0;
  for (int i = 0; i < 30; ++i) call_kernel(k, kRounds, &h);  // let V8 tier the module up to TurboFan
  if (h != kernel(kRounds)) return state.SkipWithError("wasm and native kernels disagree");
  for (auto _ : state) {
    if (!call_kernel(k, kRounds, &h)) return state.SkipWithError("kernel call failed");
    benchmark::DoNotOptimize(h);
  }
}

constexpr uint32_t kTightIterations = 1'000'000;

void tight_wasm(benchmark::State& state, bool fuel) {
  KernelInstance& k = kernel_instance(fuel);
  if (!k.instance) return state.SkipWithError(k.error.c_str());
  uint32_t h = 0;
  for (int i = 0; i < 30; ++i) call_kernel(k, kTightIterations, &h, "tight_loop");
  if (h != tight_loop(kTightIterations)) return state.SkipWithError("wasm and native loops disagree");
  for (auto _ : state) {
    if (!call_kernel(k, kTightIterations, &h, "tight_loop")) return state.SkipWithError("tight_loop call failed");
    benchmark::DoNotOptimize(h);
  }
}

void BM_Kernel_Native(benchmark::State& state) {
  uint32_t rounds = kRounds;
  for (auto _ : state) {
    benchmark::DoNotOptimize(rounds);
    benchmark::DoNotOptimize(kernel(rounds));
  }
}
void BM_Kernel_WasmFuelOff(benchmark::State& state) { kernel_wasm(state, false); }
void BM_Kernel_WasmFuelOn(benchmark::State& state) { kernel_wasm(state, true); }
BENCHMARK(BM_Kernel_Native)->Unit(benchmark::kMicrosecond)->UseRealTime()->Repetitions(5);
BENCHMARK(BM_Kernel_WasmFuelOff)->Unit(benchmark::kMicrosecond)->UseRealTime()->Repetitions(5);
BENCHMARK(BM_Kernel_WasmFuelOn)->Unit(benchmark::kMicrosecond)->UseRealTime()->Repetitions(5);

void BM_TightLoop_Native(benchmark::State& state) {
  uint32_t n = kTightIterations;
  for (auto _ : state) {
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(tight_loop(n));
  }
}
void BM_TightLoop_WasmFuelOff(benchmark::State& state) { tight_wasm(state, false); }
void BM_TightLoop_WasmFuelOn(benchmark::State& state) { tight_wasm(state, true); }
BENCHMARK(BM_TightLoop_Native)->Unit(benchmark::kMicrosecond)->UseRealTime()->Repetitions(5);
BENCHMARK(BM_TightLoop_WasmFuelOff)->Unit(benchmark::kMicrosecond)->UseRealTime()->Repetitions(5);
BENCHMARK(BM_TightLoop_WasmFuelOn)->Unit(benchmark::kMicrosecond)->UseRealTime()->Repetitions(5);

}  // namespace

BENCHMARK_MAIN();
