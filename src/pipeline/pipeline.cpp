#include "pipeline/pipeline.h"

#include <utility>
#include <vector>

#include "bot/bot_phase.h"
#include "bot/bot_set.h"
#include "cache/cache.h"
#include "cache/cache_phase.h"
#include "cache/purge_api.h"
#include "edge/edge_phase.h"
#include "edge/function_set.h"
#include "redis/client.h"
#include "waf/waf_phase.h"
#include "waf/waf_set.h"

namespace aegis::pipeline {

// Process-wide state shared by every worker's phases; lives as long as the Pipeline (across reloads).
struct Pipeline::Services {
  std::shared_ptr<edge::SharedExecutor> executor = std::make_shared<edge::SharedExecutor>();
  std::shared_ptr<redis::Client> redis;    // the node's Redis connection (redis.enabled), null otherwise
  std::shared_ptr<bot::BotService> bot;    // rate-limit stores, node secret (store settings fixed at start)
  std::shared_ptr<cache::Cache> cache;     // the HTTP cache's store, collapser, metrics (store sized at start)
};

namespace {
std::shared_ptr<redis::Client> make_redis(const config::RedisConfig& rc) {
  redis::ClientOptions o;
  o.host = rc.host;
  o.port = rc.port;
  o.key_prefix = rc.key_prefix;
  o.connect_timeout = rc.connect_timeout;
  o.command_timeout = rc.command_timeout;
  return std::make_shared<redis::Client>(o);
}
}  // namespace

Pipeline::Pipeline(const config::Config& config) : services_(std::make_shared<Services>()) {
  if (config.redis.enabled) services_->redis = make_redis(config.redis);
  services_->bot = std::make_shared<bot::BotService>(config, services_->redis);
  services_->cache = std::make_shared<cache::Cache>(cache::Cache::make_memory_store(config.cache));
}

Pipeline::~Pipeline() = default;

server::Server::Options Pipeline::server_options(std::chrono::milliseconds drain_timeout) const {
  server::Server::Options options;
  options.drain_timeout = drain_timeout;

  // Per-snapshot parts (start and every reload): what fails here refuses the config.
  std::shared_ptr<Services> svc = services_;
  options.extend_snapshot = [svc](proxy::ProxySnapshot& snap) {
    // Bot management: the detector module and route policies of this config.
    if (snap.config->bot.enabled && svc->bot) snap.bot = bot::BotSet::load(*snap.config, *svc->bot);
    // Edge functions: modules loaded once per snapshot, shared by all workers.
    if (!snap.config->functions.empty()) snap.edge_functions = edge::FunctionSet::load(*snap.config);
    // WAF: the module and route policies of this config.
    if (snap.config->waf.enabled) snap.waf = waf::WafSet::load(*snap.config);
  };

  // Per-worker phases, in request order (response_filter runs them in reverse).
  std::shared_ptr<Services> services = services_;
  options.make_phases = [services](unsigned /*worker*/) {
    std::vector<std::shared_ptr<proxy::Phase>> phases;
    // 1. bot management
    phases.push_back(std::make_shared<bot::BotPhase>(services->bot));  // no-op while the snapshot has no bot set
    // 2. edge functions (request phase; response phase on the way back)
    phases.push_back(std::make_shared<edge::EdgeFunctionPhase>(services->executor));
    // 3. WAF
    phases.push_back(std::make_shared<waf::WafPhase>());  // no-op while the snapshot has no WAF set
    // 4. HTTP cache
    phases.push_back(std::make_shared<cache::CachePhase>(services->cache));  // no-op while cache.enabled is false
    return phases;
  };
  for (auto& e : cache::admin_endpoints(services_->cache)) options.admin_endpoints.push_back(std::move(e));
  return options;
}

}  // namespace aegis::pipeline
