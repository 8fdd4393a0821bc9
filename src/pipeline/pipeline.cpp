#include "pipeline/pipeline.h"

#include <utility>
#include <vector>

#include "bot/bot_phase.h"
#include "bot/bot_set.h"
#include "cache/cache.h"
#include "cache/cache_phase.h"
#include "cache/purge_api.h"
#include "cache/redis_store.h"
#include "cache/tiered_store.h"
#include "edge/edge_phase.h"
#include "edge/function_set.h"
#include "hostapi/memory_kv_store.h"
#include "hostapi/redis_kv_store.h"
#include "log/logging.h"
#include "redis/client.h"
#include "waf/waf_phase.h"
#include "waf/waf_set.h"

namespace aegis::pipeline {

// Process-wide state shared by every worker's phases; lives as long as the Pipeline (across reloads).
struct Pipeline::Services {
  std::shared_ptr<edge::SharedExecutor> executor = std::make_shared<edge::SharedExecutor>();
  std::shared_ptr<redis::Client> redis;    // the node's Redis connection (redis.enabled), null otherwise
  config::RedisConfig redis_config;        // redis/kv settings in force (fixed at start; a reload warns on change)
  config::KvConfig kv_config;
  std::shared_ptr<hostapi::KvStore> kv;    // edge functions' cache_get/cache_set (kv.store: memory|redis)
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
  o.password = rc.password;
  o.database = rc.database;
  o.reconnect_max = rc.reconnect_max;
  auto client = std::make_shared<redis::Client>(o);
  // Give the first connection a moment so the first requests find Redis; if it is down the node starts anyway
  // (the features on Redis degrade) and the client keeps reconnecting in the background.
  if (!client->wait_connected(rc.connect_timeout))
    log::logger().warn("redis {}:{} not reachable at start; continuing without it until it is", rc.host, rc.port);
  return client;
}
}  // namespace

Pipeline::Pipeline(const config::Config& config) : services_(std::make_shared<Services>()) {
  if (config.redis.enabled) services_->redis = make_redis(config.redis);
  services_->redis_config = config.redis;
  services_->kv_config = config.kv;
  if (config.kv.store == "redis" && services_->redis)
    services_->kv = std::make_shared<hostapi::RedisKvStore>(services_->redis);
  else {
    hostapi::MemoryKvOptions kv_options;
    kv_options.max_total_bytes = config.kv.memory_size;
    services_->kv = std::make_shared<hostapi::MemoryKvStore>(kv_options);
  }
  services_->bot = std::make_shared<bot::BotService>(config, services_->redis);
  std::shared_ptr<cache::Store> cache_store = cache::Cache::make_memory_store(config.cache);
  if (config.cache.store == "redis" && services_->redis)  // memory L1 + shared Redis L2, purges shared by the nodes
    cache_store = cache::make_redis_tiers(cache_store, services_->redis, config.cache);
  services_->cache = std::make_shared<cache::Cache>(cache_store);
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
    if (snap.config->redis != svc->redis_config || snap.config->kv != svc->kv_config)
      log::logger().warn("redis/kv settings changed: they apply at the next restart");
    if (edge::config_has_functions(*snap.config))
      snap.edge_functions = edge::FunctionSet::load(*snap.config, svc->kv);
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
