// FunctionSet: the edge functions of one config snapshot — every module loaded and compiled once
// (config::load_function_modules), per-function metric handles, and each route's ordered chain. Immutable and
// shared by all workers; a reload builds a new one with the new snapshot (old requests keep the old one).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/function_modules.h"
#include "metrics/metrics.h"

namespace aegis::edge {

// Metric handles of one function, resolved when the set is loaded.
struct FunctionMetrics {
  metrics::Histogram request_time, response_time;    // edge_function_execution_time_seconds{function,phase}
  metrics::Counter request_invocations, response_invocations;  // edge_function_invocations_total{function,phase}
  metrics::Counter early_terminations;               // edge_function_early_terminations_total{function}
  // edge_function_errors_total{function,reason}: resolved on the (rare) error path, see errors_family().
};

struct EdgeFunction {
  config::LoadedFunction loaded;
  bool request_phase = false;   // phase request or both
  bool response_phase = false;  // phase response or both
  bool fail_closed = false;     // on_error: closed
  FunctionMetrics metrics;

  const std::string& name() const { return loaded.spec.name; }
  bool needs_blocking() const { return loaded.module->needs_blocking; }
};

// The functions one route runs, in configured order, split by phase.
struct Chain {
  std::vector<const EdgeFunction*> request;
  std::vector<const EdgeFunction*> response;
  bool request_blocking = false;   // some request-phase module makes outbound calls: run on the BlockingExecutor
  bool empty() const { return request.empty() && response.empty(); }
};

class FunctionSet {
 public:
  // Loads every module of cfg.functions and resolves the routes' chains. Throws config::ConfigError (naming the
  // file, the `module` key's position and the loader's reason) when a module cannot be loaded.
  static std::shared_ptr<const FunctionSet> load(const config::Config& cfg);

  // The chain of routes[i] of the config this set was loaded from; nullptr if that route runs no function.
  const Chain* chain(std::size_t route_index) const;
  const EdgeFunction* find(const std::string& name) const;
  std::size_t size() const { return functions_.size(); }

 private:
  std::vector<std::unique_ptr<EdgeFunction>> functions_;
  std::vector<Chain> chains_;  // one per route
};

// The process-wide metric families (registered in metrics::global() on first use).
metrics::HistogramFamily execution_time_family();
metrics::CounterFamily invocations_family();
metrics::CounterFamily errors_family();
metrics::CounterFamily early_terminations_family();

}  // namespace aegis::edge
