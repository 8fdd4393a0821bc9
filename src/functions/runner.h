// Running edge functions with limits, on one thread.
//
// A FunctionRunner owns its thread's wasm::Runtime (one V8 isolate) and the idle instances of the modules it has
// run. One invocation:
//   acquire an instance (idle one, or instantiate: start function, WASI `_initialize`, snapshot)
//   → set the fuel budget (__aegis_fuel_set) → call the entry `() -> i32` under the wall-clock deadline, with the
//   InvocationContext as user_data → read fuel left and the grow-failed flag → classify the Outcome
//   → release: reset the instance to its snapshot and keep it if the call returned normally, else discard it.
//
// Create, use and destroy a FunctionRunner on ONE thread (the V8 isolate is bound to it). Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "functions/edge_module.h"
#include "functions/limits.h"
#include "functions/outcome.h"
#include "hostapi/invocation.h"
#include "wasm/engine.h"

namespace aegis::functions {

struct RunnerOptions {
  // Host functions linked into every instance; empty = hostapi::edge_function_imports(). Must cover the allowed
  // list the modules were loaded against.
  std::span<const wasm::HostFunction> imports;
  // Idle instances kept (one per module); the least recently used is dropped beyond this.
  std::size_t max_idle_instances = 64;
};

struct RunnerStats {
  uint64_t invocations = 0;
  uint64_t instantiations = 0;  // fresh instances created
  uint64_t reuses = 0;          // invocations served by an idle instance
  uint64_t discards = 0;        // instances thrown away after a failed invocation (or not resettable)
};

class FunctionRunner {
 public:
  explicit FunctionRunner(RunnerOptions options = {});
  ~FunctionRunner();
  FunctionRunner(const FunctionRunner&) = delete;
  FunctionRunner& operator=(const FunctionRunner&) = delete;

  // Runs `entry` of `module` against `ctx` (request in, response/logs/counters out) under `limits`: the deadline
  // and fuel per invocation; the host-function limits are copied into ctx.limits. The memory cap and whether fuel
  // is instrumented at all were fixed when the module was loaded.
  Outcome invoke(const EdgeModule& module, std::string_view entry, hostapi::InvocationContext& ctx,
                 const FunctionLimits& limits);

  // Drops this runner's idle instance of `module` (e.g. after a config reload replaced it).
  void evict(const EdgeModule& module);
  // Number of idle instances held.
  std::size_t idle_instances() const;
  const RunnerStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aegis::functions
