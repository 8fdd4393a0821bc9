#include "waf/waf_phase.h"

#include <string>

#include "log/logging.h"
#include "proxy/snapshot.h"
#include "waf/waf_set.h"

namespace aegis::waf {

namespace {

struct WafState : proxy::PhaseState {
  const char* verdict = "pass";
  int score = 0;
  std::string rules;  // "942100,941100"
};

const RoutePolicy* policy_for(const proxy::RequestContext& ctx) {
  if (!ctx.snapshot || !ctx.route || !ctx.config || !ctx.config->waf.enabled) return nullptr;
  const auto& set = ctx.snapshot->waf;
  if (!set) return nullptr;
  const auto& routes = ctx.config->routes;
  if (routes.empty() || ctx.route < routes.data() || ctx.route >= routes.data() + routes.size()) return nullptr;
  const RoutePolicy& p = set->route(static_cast<std::size_t>(ctx.route - routes.data()));
  return p.mode == Mode::kOff ? nullptr : &p;
}

bool inspectable_body_type(std::string_view ct) {
  std::string l(ct.substr(0, 128));
  for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return l.find("x-www-form-urlencoded") != std::string::npos || l.find("json") != std::string::npos ||
         l.find("multipart/form-data") != std::string::npos || l.find("xml") != std::string::npos ||
         l.starts_with("text/");
}

proxy::LocalResponse answer(int status, std::string_view what, const std::string& request_id) {
  proxy::LocalResponse r;
  r.status = status;
  r.body = std::string(status == 403 ? "403 Forbidden" : "503 Service Unavailable") + "\n" + std::string(what) +
           "\nrequest id: " + request_id + "\n";
  return r;
}

}  // namespace

bool WafPhase::needs_request_body(const proxy::RequestContext& ctx) const {
  if (!policy_for(ctx) || !ctx.request.headers) return false;
  auto ct = ctx.request.headers->get("content-type");
  if (!ct || !inspectable_body_type(*ct)) return false;
  return ctx.request.headers->get("content-length").has_value() ||
         ctx.request.headers->get("transfer-encoding").has_value();
}

metrics::Counter WafPhase::rule_counter(uint32_t rule) {
  auto it = rule_counters_.find(rule);
  if (it != rule_counters_.end()) return it->second;
  if (rule_counters_.size() > 4096) rule_counters_.clear();  // a module reporting arbitrary ids
  metrics::Counter c = rule_matches_family().with({{"rule", std::to_string(rule)}});
  rule_counters_.emplace(rule, c);
  return c;
}

proxy::Flow WafPhase::request_filter(proxy::RequestContext& ctx, const proxy::Resume& /*resume*/) {
  const RoutePolicy* p = policy_for(ctx);
  if (!p) return proxy::Flow::kContinue;
  const WafSet& set = *ctx.snapshot->waf;
  auto& st = ctx.phase_state.emplace<WafState>(this);

  const auto t0 = std::chrono::steady_clock::now();
  Request req;
  req.method = ctx.request.method;
  req.uri = ctx.request.target;
  if (ctx.request.headers)
    ctx.request.headers->for_each([&](std::string_view n, std::string_view v) { req.headers.emplace_back(n, v); });
  if (ctx.request_body_buffered) {
    std::string_view body(ctx.request_body);
    req.body = body.substr(0, set.max_body_bytes());
  }
  std::string json = request_json(req, p->policy_fragment);
  Verdict v = set.module().analyze(json, p->policy);
  set.metrics().time.observe(std::chrono::steady_clock::now() - t0);

  if (!v.ok()) {
    st.verdict = "error";
    set.metrics().error.inc();
    log::logger().warn("waf failed on request {}: {}: {} (on_error {})", ctx.request_id,
                       functions::label(v.outcome.status), v.outcome.message, p->fail_closed ? "closed" : "open");
    if (p->fail_closed) {
      ctx.local_response = answer(503, std::string("the WAF failed (") + functions::label(v.outcome.status) + ")",
                                  ctx.request_id);
      return proxy::Flow::kRespond;
    }
    return proxy::Flow::kContinue;
  }

  st.score = v.score;
  for (const auto& m : v.matches) {
    if (!st.rules.empty()) st.rules += ',';
    st.rules += std::to_string(m.rule_id);
    rule_counter(m.rule_id).inc();
  }
  if (!v.blocked) {
    st.verdict = "pass";
    set.metrics().pass.inc();
    return proxy::Flow::kContinue;
  }
  std::string detail;
  for (const auto& m : v.matches) {
    if (!detail.empty()) detail += "; ";
    detail += std::to_string(m.rule_id) + " " + m.category + " at " + m.location;
  }
  if (p->mode == Mode::kDetect) {
    st.verdict = "detect";
    set.metrics().detect.inc();
    log::logger().warn("waf detected request {} (score {}, not blocked: detect mode): {}", ctx.request_id, v.score,
                       detail);
    return proxy::Flow::kContinue;
  }
  st.verdict = "block";
  set.metrics().block.inc();
  log::logger().info("waf blocked request {} (score {}): {}", ctx.request_id, v.score, detail);
  ctx.local_response = answer(403, "request blocked by the web application firewall", ctx.request_id);
  return proxy::Flow::kRespond;
}

void WafPhase::logging(proxy::RequestContext& ctx, log::AccessRecord& record) {
  auto* st = ctx.phase_state.get<WafState>(this);
  if (!st) return;
  record.add("waf", std::string(st->verdict));
  record.add("waf_score", static_cast<int64_t>(st->score));
  if (!st->rules.empty()) record.add("waf_rules", st->rules);
}

}  // namespace aegis::waf
