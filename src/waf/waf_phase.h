// WafPhase: the WAF stage of the request pipeline (third: after bot management and edge functions, before the
// cache). One phase object per worker; the analysis runs synchronously on the worker's thread (its own V8
// isolate) under waf.timeout / waf.memory / waf.fuel.
//
//   needs_request_body  form, JSON, multipart, XML and text bodies are buffered (≤ limits.max_body_bytes); the
//                       first waf.max_body_bytes are inspected
//   request_filter      the route's policy: off → skip; otherwise analyse. Blocked (score ≥ threshold) in mode
//                       block → 403 with the request id; in mode detect → continue, logged. A failure (trap,
//                       timeout, memory, fuel, bad result) follows routes[].waf.on_error: open → continue
//                       uninspected, closed → 503 with the request id.
//   logging             access-log fields waf (pass|detect|block|error), waf_score, waf_rules ("id,id,...")
// Metrics: waf_requests_total{verdict}, waf_rule_matches_total{rule}, waf_execution_time_seconds.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "metrics/metrics.h"
#include "proxy/phase.h"

namespace aegis::waf {

class WafPhase final : public proxy::Phase {
 public:
  std::string_view name() const override { return "waf"; }
  bool needs_request_body(const proxy::RequestContext& ctx) const override;
  proxy::Flow request_filter(proxy::RequestContext& ctx, const proxy::Resume& resume) override;
  void logging(proxy::RequestContext& ctx, log::AccessRecord& record) override;

 private:
  metrics::Counter rule_counter(uint32_t rule);
  std::unordered_map<uint32_t, metrics::Counter> rule_counters_;  // per worker: no lock on the hot path
};

}  // namespace aegis::waf
