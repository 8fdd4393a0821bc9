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

std::shared_ptr<const FunctionSet> FunctionSet::load(const config::Config& cfg) {
  auto set = std::make_shared<FunctionSet>();
  auto loaded = config::load_function_modules(cfg);
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    auto f = std::make_unique<EdgeFunction>();
    f->loaded = std::move(loaded[i]);
    const auto& spec = f->loaded.spec;
    f->request_phase = spec.phase == "request" || spec.phase == "both";
    f->response_phase = spec.phase == "response" || spec.phase == "both";
    // The response phase runs synchronously on the worker's event loop: an outbound call there would stall it.
    if (f->response_phase && f->needs_blocking())
      throw config::ConfigError(cfg.source_path, spec.module_line, spec.module_column,
                                "functions[" + std::to_string(i) + "].module",
                                "module " + spec.module_path +
                                    " makes outbound HTTP calls (env.http_*), which only the request phase supports");
    f->fail_closed = spec.on_error == "closed";
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
  for (std::size_t i = 0; i < cfg.routes.size(); ++i)
    for (const auto& name : cfg.routes[i].functions) {
      const EdgeFunction* f = set->find(name);
      if (!f) continue;  // the loader already refused unknown names
      if (f->request_phase) {
        set->chains_[i].request.push_back(f);
        set->chains_[i].request_blocking = set->chains_[i].request_blocking || f->needs_blocking();
      }
      if (f->response_phase) set->chains_[i].response.push_back(f);
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
