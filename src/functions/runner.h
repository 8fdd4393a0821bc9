// Running edge functions with limits, on one thread.
//
// A FunctionRunner owns its thread's wasm::Runtime (one V8 isolate) and a wasm::InstancePool of the modules it
// has run. One invocation:
//   acquire an instance (an idle one with its memory reset to the snapshot, or a fresh one: start function, a WASI
//   reactor's `_initialize` under the invocation's fuel budget and deadline, then the snapshot)
//   → ONE call into the guest, the injected entry wrapper (wasm/instrumentation.h kEntryPrefix): reset the mutable
//   globals, set the fuel budget, call the entry `() -> i32` — under the wall-clock deadline, with the
//   InvocationContext as user_data — and hand back the fuel left → after a trap or limit, read fuel left and the
//   grow-failed flag → classify the Outcome
//   → release: pool the instance if the call returned normally (0 or an error code), else destroy it.
// invoke_call (custom guest calls) does the same with separate calls: globals reset, __aegis_fuel_set, the calls,
// __aegis_fuel_get.
// Modules loaded `persistent` keep their instance as is between invocations; non-resettable ones get a fresh
// instance every time.
//
// Create, use and destroy a FunctionRunner on ONE thread (the V8 isolate is bound to it). Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
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
  // Idle instances kept per module (one suffices: a runner runs one invocation at a time).
  std::size_t max_idle_per_module = 1;
  // Modules remembered; entries of modules their owner dropped are purged beyond 2x this.
  std::size_t max_modules = 256;
};

struct RunnerStats {
  uint64_t invocations = 0;
  uint64_t instantiations = 0;  // fresh instances created
  uint64_t reuses = 0;          // invocations served by an idle instance (reset, or kept as is if persistent)
  uint64_t discards = 0;        // instances thrown away after a trap, timeout, proc_exit or host error
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

  // The guest calls of one invocation of an ABI whose entry point is not `() -> i32` (e.g. the WAF ABI: alloc,
  // write the request into memory, analyze_request(ptr, len), read the result). It makes every guest call with
  // `options` (deadline and user_data), sets *return_value (0 = success, anything else = FunctionError) and
  // returns the outcome of the failing call, or of the last one when all returned.
  using GuestCall =
      std::function<wasm::CallOutcome(wasm::Instance& instance, const wasm::CallOptions& options, int32_t* return_value)>;

  // Like invoke() (same instance pooling, fuel budget for the whole sequence, deadline, classification and
  // release), with `call` in place of the `() -> i32` entry call. `label` names the call in messages.
  Outcome invoke_call(const EdgeModule& module, std::string_view label, const GuestCall& call,
                      hostapi::InvocationContext& ctx, const FunctionLimits& limits);

  // Drops this runner's idle instances of `module` now (they also go once the module's owner drops it).
  void evict(const EdgeModule& module);
  // Idle instances of `module` held by this runner.
  std::size_t idle_instances(const EdgeModule& module) const;
  const RunnerStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aegis::functions
