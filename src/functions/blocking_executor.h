// Where edge functions that block run: modules importing env.http_* (a synchronous outbound request of up to 5 s)
// — and, with a remote key-value store, cache_get/cache_set — must never run on an event-loop thread, where one
// slow origin would stall every other connection of that worker.
//
// A BlockingExecutor is a small fixed pool of threads, each with its own FunctionRunner (its own V8 isolate and
// instances), fed by one bounded FIFO queue. submit() never blocks: it enqueues and returns, or — when the queue
// is full — refuses with an Outcome of status `overloaded`. The completion runs on the executor thread that ran
// the invocation; a proxy worker posts it back to its own io_context from there. See docs/wasm-runtime.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "functions/edge_module.h"
#include "functions/limits.h"
#include "functions/outcome.h"
#include "functions/runner.h"
#include "hostapi/invocation.h"

namespace aegis::functions {

struct BlockingExecutorOptions {
  unsigned threads = 4;            // concurrent blocking invocations (each mostly waits on the network)
  std::size_t queue_capacity = 256;  // invocations waiting for a thread; beyond → rejected as overloaded
  RunnerOptions runner;            // for every thread's FunctionRunner
};

struct BlockingExecutorStats {
  uint64_t submitted = 0;
  uint64_t completed = 0;
  uint64_t rejected = 0;
  std::size_t queued = 0;   // waiting now
  std::size_t running = 0;  // on a thread now
};

class BlockingExecutor {
 public:
  // Called exactly once per submit(): on an executor thread with the invocation's Outcome (the context then holds
  // the guest's response, logs, counters); or, when refused, on the submitting thread before submit() returns.
  using Completion = std::function<void(Outcome)>;

  explicit BlockingExecutor(BlockingExecutorOptions options = {});
  // shutdown().
  ~BlockingExecutor();
  BlockingExecutor(const BlockingExecutor&) = delete;
  BlockingExecutor& operator=(const BlockingExecutor&) = delete;

  // Queue an invocation. `module` and `ctx` are kept alive until the completion has run. Returns true if queued;
  // false if refused (queue full or shutting down), in which case `completion` has already been called with an
  // Outcome of status OutcomeStatus::Overloaded.
  bool submit(std::shared_ptr<const EdgeModule> module, std::string entry,
              std::shared_ptr<hostapi::InvocationContext> ctx, const FunctionLimits& limits, Completion completion);

  // Stops accepting work (later submits are refused as `overloaded`), completes the still-queued invocations with
  // `overloaded` ("blocking executor shutting down") on the calling thread, then waits for the running ones and
  // joins the threads. Idempotent; call from any thread but an executor thread.
  void shutdown();

  BlockingExecutorStats stats() const;
  unsigned threads() const;
  std::size_t queue_capacity() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aegis::functions
