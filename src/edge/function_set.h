// FunctionSet: the edge functions of one config snapshot — every module loaded and compiled once
// (config::load_function_modules), per-function metric handles, and each route's ordered chain of uses (with
// per-use overrides and canary splits). Immutable and shared by all workers; a reload builds a new one with the
// new snapshot (old requests keep the old one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/function_modules.h"
#include "metrics/metrics.h"

namespace aegis::hostapi {
class KvStore;
}

namespace aegis::edge {

// Metric handles of one function, resolved when the set is loaded.
struct FunctionMetrics {
  metrics::Histogram request_time, response_time;    // edge_function_execution_time_seconds{function,phase}
  metrics::Counter request_invocations, response_invocations;  // edge_function_invocations_total{function,phase}
  metrics::Counter early_terminations;               // edge_function_early_terminations_total{function}
  // edge_function_errors_total{function,reason}: resolved on the (rare) error path, see errors_family().
};

// One function as it runs: its effective settings (a use's overrides applied) and compiled module.
struct EdgeFunction {
  config::LoadedFunction loaded;
  bool request_phase = false;   // phase request or both
  bool response_phase = false;  // phase response or both
  bool fail_closed = false;     // on_error: closed
  bool uses_request_body = false;   // imports request_get_body / request_set_body
  bool reads_response_body = false; // imports response_get_body
  std::vector<std::string> environment;  // "NAME=value" from its `env`
  FunctionMetrics metrics;
  // cache_get/cache_set (config `kv`, docs/redis.md): the store (nullptr = the built-in memory store), this
  // function's namespace (its name, or "" with kv.shared) and whether the store is remote (kv.store: redis).
  hostapi::KvStore* kv_store = nullptr;
  std::string kv_namespace;
  bool kv_remote = false;

  const std::string& name() const { return loaded.spec.name; }
  // Runs off the event loop: outbound HTTP calls, or KV calls that wait on Redis.
  bool needs_blocking() const {
    return loaded.module->needs_blocking || (kv_remote && loaded.module->uses_kv);
  }
};

// Which clients a use runs for (config::FunctionUse canary settings).
struct CanarySplit {
  enum class Key : uint8_t { kIp, kCookie, kHeader };
  unsigned percent = 100;   // clients with bucket < percent are "in the canary"
  bool stable = false;      // run for the clients outside the canary instead
  Key key = Key::kIp;
  std::string key_name;     // cookie name, or lower-case header name

  bool splits() const { return percent < 100 || stable; }
  // Whether a client in `bucket` (0-99) runs the use.
  bool runs(unsigned bucket) const { return stable ? bucket >= percent : bucket < percent; }
};

// The client's canary bucket, 0-99: FNV-1a of the key's value, so one client always lands in the same bucket.
unsigned canary_bucket(std::string_view client_key);

struct ChainStep {
  const EdgeFunction* fn = nullptr;
  CanarySplit canary;
};

// The functions one route runs, in configured order, split by phase.
struct Chain {
  std::vector<ChainStep> request;
  std::vector<ChainStep> response;
  bool request_blocking = false;     // some request-phase module makes outbound calls: run on the BlockingExecutor
  bool needs_request_body = false;   // some request-phase module reads or replaces the request body
  bool needs_response_body = false;  // some response-phase module reads the response body
  bool empty() const { return request.empty() && response.empty(); }
};

class FunctionSet {
 public:
  // Loads every module the config names and resolves the routes' chains. Throws config::ConfigError (naming the
  // file, the `module` key's position and the loader's reason) when a module cannot be loaded.
  // `kv`: the process's KV store for cache_get/cache_set (Pipeline::Services); nullptr = the built-in memory store.
  // With kv.store: redis, modules importing cache_* run on the BlockingExecutor (request phase only).
  static std::shared_ptr<const FunctionSet> load(const config::Config& cfg,
                                                 std::shared_ptr<hostapi::KvStore> kv = nullptr);

  // The chain of routes[i] of the config this set was loaded from; nullptr if that route runs no function.
  const Chain* chain(std::size_t route_index) const;
  // The first function loaded under that name (a top-level function, before per-use variants).
  const EdgeFunction* find(const std::string& name) const;
  std::size_t size() const { return functions_.size(); }

 private:
  std::vector<std::unique_ptr<EdgeFunction>> functions_;
  std::vector<Chain> chains_;  // one per route
  std::shared_ptr<hostapi::KvStore> kv_;  // kept alive as long as the functions point at it
};

// Whether any route of the config runs a function (the set is only loaded then).
bool config_has_functions(const config::Config& cfg);

// The process-wide metric families (registered in metrics::global() on first use).
metrics::HistogramFamily execution_time_family();
metrics::CounterFamily invocations_family();
metrics::CounterFamily errors_family();
metrics::CounterFamily early_terminations_family();

}  // namespace aegis::edge
