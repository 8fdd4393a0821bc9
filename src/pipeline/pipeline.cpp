#include "pipeline/pipeline.h"

#include <utility>
#include <vector>

#include "edge/edge_phase.h"
#include "edge/function_set.h"

namespace aegis::pipeline {

// Process-wide state shared by every worker's phases; lives as long as the Pipeline (across reloads).
struct Pipeline::Services {
  std::shared_ptr<edge::SharedExecutor> executor = std::make_shared<edge::SharedExecutor>();
};

Pipeline::Pipeline(const config::Config& /*config*/) : services_(std::make_shared<Services>()) {}

Pipeline::~Pipeline() = default;

server::Server::Options Pipeline::server_options(std::chrono::milliseconds drain_timeout) const {
  server::Server::Options options;
  options.drain_timeout = drain_timeout;

  // Per-snapshot parts (start and every reload): what fails here refuses the config.
  options.extend_snapshot = [](proxy::ProxySnapshot& snap) {
    // Edge functions: modules loaded once per snapshot, shared by all workers.
    if (!snap.config->functions.empty()) snap.edge_functions = edge::FunctionSet::load(*snap.config);
  };

  // Per-worker phases, in request order (response_filter runs them in reverse).
  std::shared_ptr<Services> services = services_;
  options.make_phases = [services](unsigned /*worker*/) {
    std::vector<std::shared_ptr<proxy::Phase>> phases;
    // 1. bot management
    // 2. edge functions (request phase; response phase on the way back)
    phases.push_back(std::make_shared<edge::EdgeFunctionPhase>(services->executor));
    // 3. WAF
    // 4. HTTP cache
    return phases;
  };
  return options;
}

}  // namespace aegis::pipeline
