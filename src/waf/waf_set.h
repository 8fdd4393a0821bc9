// WafSet: the WAF of one config snapshot — the module loaded and compiled once (waf.module with the waf.* limits),
// each route's policy (mode, failure policy, scoring overrides, exclusions; its JSON form precomputed), and the
// process-wide metric handles. Immutable and shared by all workers; a reload builds a new one.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "metrics/metrics.h"
#include "waf/waf_module.h"

namespace aegis::waf {

enum class Mode { kOff, kDetect, kBlock };

struct RoutePolicy {
  Mode mode = Mode::kBlock;
  bool fail_closed = false;
  Policy policy;
  std::string policy_fragment;  // policy_json(policy)
};

// The process-wide families (metrics::global()), registered on first use:
//   waf_requests_total{verdict="pass|detect|block|error"}   requests the WAF inspected, by outcome
//   waf_rule_matches_total{rule="<id>"}                      rule matches (once per rule and request)
//   waf_execution_time_seconds                               wall time of one analysis (the whole WAF stage)
metrics::CounterFamily requests_family();
metrics::CounterFamily rule_matches_family();
metrics::HistogramFamily execution_time_family();

class WafSet {
 public:
  // Loads cfg.waf.module and resolves every route's policy. Throws config::ConfigError naming the config file and
  // `waf.module` when the module cannot be loaded.
  static std::shared_ptr<const WafSet> load(const config::Config& cfg);

  const WafModule& module() const { return *module_; }
  // Policy of routes[i] (mode kOff when the route does not run the WAF).
  const RoutePolicy& route(std::size_t index) const;
  std::size_t max_body_bytes() const { return max_body_bytes_; }

  struct Metrics {
    metrics::Counter pass, detect, block, error;
    metrics::Histogram time;
  };
  const Metrics& metrics() const { return metrics_; }

 private:
  std::shared_ptr<const WafModule> module_;
  std::vector<RoutePolicy> routes_;
  RoutePolicy off_;
  std::size_t max_body_bytes_ = 0;
  Metrics metrics_;
};

}  // namespace aegis::waf
