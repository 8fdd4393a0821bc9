#include "edge/function_set.h"

#include "config/loader.h"

namespace aegis::edge {

metrics::HistogramFamily execution_time_family() {
  static const metrics::HistogramFamily f = metrics::global().histogram(
      "edge_function_execution_time_seconds", "Wall time of one edge-function invocation, by function and phase.");
  return f;
}
metrics::CounterFamily invocations_family() {
  static const metrics::CounterFamily f = metrics::global().counter(
      "edge_function_invocations_total", "Edge-function invocations, by function and phase.");
  return f;
}
metrics::CounterFamily errors_family() {
  static const metrics::CounterFamily f = metrics::global().counter(
      "edge_function_errors_total",
      "Failed edge-function invocations, by function and reason (trap, timeout, memory, fuel, host_error, "
      "function_error, instantiate_error, overloaded).");
  return f;
}
metrics::CounterFamily early_terminations_family() {
  static const metrics::CounterFamily f = metrics::global().counter(
      "edge_function_early_terminations_total", "Requests answered by an edge function without the origin.");
  return f;
}

unsigned canary_bucket(std::string_view client_key) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : client_key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<unsigned>(h % 100);
}

namespace {

bool imports(const functions::EdgeModule& m, std::string_view name) {
  for (const auto& i : m.imports)
    if (i.module == "env" && i.name == name) return true;
  return false;
}

CanarySplit split_of(const config::FunctionUse& use) {
  CanarySplit s;
  s.percent = use.canary;
  s.stable = use.canary_variant == "stable";
  auto colon = use.canary_key.find(':');
  std::string kind = use.canary_key.substr(0, colon);
  if (colon != std::string::npos) s.key_name = use.canary_key.substr(colon + 1);
  s.key = kind == "cookie" ? CanarySplit::Key::kCookie
          : kind == "header" ? CanarySplit::Key::kHeader
                             : CanarySplit::Key::kIp;
  return s;
}

}  // namespace

bool config_has_functions(const config::Config& cfg) {
  if (!cfg.functions.empty()) return true;
  for (const auto& r : cfg.routes)
    if (!r.functions.empty()) return true;
  return false;
}

std::shared_ptr<const FunctionSet> FunctionSet::load(const config::Config& cfg,
                                                     std::shared_ptr<hostapi::KvStore> kv) {
  auto set = std::make_shared<FunctionSet>();
  set->kv_ = kv;
  auto loaded = config::load_function_modules(cfg);
  for (std::size_t i = 0; i < loaded.functions.size(); ++i) {
    auto f = std::make_unique<EdgeFunction>();
    f->loaded = std::move(loaded.functions[i]);
    const auto& spec = f->loaded.spec;
    f->request_phase = spec.phase == "request" || spec.phase == "both";
    f->response_phase = spec.phase == "response" || spec.phase == "both";
    f->kv_store = kv.get();
    f->kv_namespace = cfg.kv.shared ? std::string() : spec.name;
    f->kv_remote = cfg.kv.store == "redis";
    // The response phase runs synchronously on the worker's event loop: an outbound call there would stall it.
    if (f->response_phase && f->needs_blocking())
      throw config::ConfigError(cfg.source_path, spec.module_line, spec.module_column, spec.module_key,
                                "module " + spec.module_path +
                                    (f->loaded.module->needs_blocking
                                         ? " makes outbound HTTP calls (env.http_*), which only the request phase "
                                           "supports"
                                         : " uses the KV store (cache_get/cache_set), which with kv.store: redis only "
                                           "the request phase supports"));
    f->fail_closed = spec.on_error == "closed";
    const auto& m = *f->loaded.module;
    f->uses_request_body = imports(m, "request_get_body") || imports(m, "request_set_body");
    f->reads_response_body = imports(m, "response_get_body");
    for (const auto& [name, value] : spec.env) f->environment.push_back(name + "=" + value);
    auto time = execution_time_family();
    auto inv = invocations_family();
    f->metrics.request_time = time.with({{"function", spec.name}, {"phase", "request"}});
    f->metrics.response_time = time.with({{"function", spec.name}, {"phase", "response"}});
    f->metrics.request_invocations = inv.with({{"function", spec.name}, {"phase", "request"}});
    f->metrics.response_invocations = inv.with({{"function", spec.name}, {"phase", "response"}});
    f->metrics.early_terminations = early_terminations_family().with({{"function", spec.name}});
    set->functions_.push_back(std::move(f));
  }
  set->chains_.resize(cfg.routes.size());
  for (std::size_t i = 0; i < cfg.routes.size(); ++i) {
    Chain& chain = set->chains_[i];
    for (std::size_t j = 0; j < cfg.routes[i].functions.size(); ++j) {
      const EdgeFunction* f = set->functions_[loaded.uses[i][j]].get();
      ChainStep step{f, split_of(cfg.routes[i].functions[j])};
      if (f->request_phase) {
        chain.request.push_back(step);
        chain.request_blocking = chain.request_blocking || f->needs_blocking();
        chain.needs_request_body = chain.needs_request_body || f->uses_request_body;
      }
      if (f->response_phase) {
        chain.response.push_back(step);
        chain.needs_response_body = chain.needs_response_body || f->reads_response_body;
      }
    }
  }
  return set;
}

const Chain* FunctionSet::chain(std::size_t route_index) const {
  if (route_index >= chains_.size() || chains_[route_index].empty()) return nullptr;
  return &chains_[route_index];
}

const EdgeFunction* FunctionSet::find(const std::string& name) const {
  for (const auto& f : functions_)
    if (f->name() == name) return f.get();
  return nullptr;
}

}  // namespace aegis::edge
