#include "waf/waf_set.h"

#include <stdexcept>

#include "config/loader.h"

namespace aegis::waf {

metrics::CounterFamily requests_family() {
  static const metrics::CounterFamily f = metrics::global().counter(
      "waf_requests_total", "Requests inspected by the WAF, by verdict (pass, detect, block, error).");
  return f;
}
metrics::CounterFamily rule_matches_family() {
  static const metrics::CounterFamily f =
      metrics::global().counter("waf_rule_matches_total", "WAF rule matches, by rule id (once per request).");
  return f;
}
metrics::HistogramFamily execution_time_family() {
  static const metrics::HistogramFamily f = metrics::global().histogram(
      "waf_execution_time_seconds", "Wall time of one WAF analysis (serialisation, Wasm call, result parsing).",
      {0.000005, 0.00001, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05});
  return f;
}

std::shared_ptr<const WafSet> WafSet::load(const config::Config& cfg) {
  auto set = std::make_shared<WafSet>();
  functions::FunctionLimits limits = functions::FunctionLimits::waf_module();
  limits.deadline = cfg.waf.timeout;
  limits.memory_bytes = cfg.waf.memory;
  limits.fuel = cfg.waf.fuel;
  try {
    set->module_ = WafModule::load(cfg.waf.module_path, limits);
  } catch (const std::exception& e) {
    throw config::ConfigError(cfg.source_path, 0, 0, "waf.module", e.what());
  }
  set->max_body_bytes_ = cfg.waf.max_body_bytes;
  set->off_.mode = Mode::kOff;
  set->routes_.reserve(cfg.routes.size());
  for (const auto& r : cfg.routes) {
    RoutePolicy p;
    p.mode = r.waf.mode == "off" ? Mode::kOff : r.waf.mode == "detect" ? Mode::kDetect : Mode::kBlock;
    p.fail_closed = r.waf.on_error == "closed";
    p.policy.paranoia = r.waf.paranoia ? r.waf.paranoia : cfg.waf.paranoia;
    p.policy.threshold = r.waf.threshold ? r.waf.threshold : cfg.waf.threshold;
    for (const auto& id : r.waf.exclude_rules) p.policy.exclude_rules.push_back(static_cast<uint32_t>(std::stoul(id)));
    p.policy.exclude_args = r.waf.exclude_args;
    p.policy_fragment = policy_json(p.policy);
    set->routes_.push_back(std::move(p));
  }
  auto req = requests_family();
  set->metrics_.pass = req.with({{"verdict", "pass"}});
  set->metrics_.detect = req.with({{"verdict", "detect"}});
  set->metrics_.block = req.with({{"verdict", "block"}});
  set->metrics_.error = req.with({{"verdict", "error"}});
  set->metrics_.time = execution_time_family().with();
  return set;
}

const RoutePolicy& WafSet::route(std::size_t index) const {
  return index < routes_.size() ? routes_[index] : off_;
}

}  // namespace aegis::waf
