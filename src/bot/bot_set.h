// BotService (process-wide, survives reloads) and BotSet (one per config snapshot).
//
// BotService: the rate-limit stores (in-process LocalRateLimiter shared by every worker; RedisRateLimiter on the
// pipeline's Redis client when `bot.rate_limit_store: redis`), the request-rate signal counters, and the random
// node secret used when `bot.secret` is empty. Store settings are fixed at start.
//
// BotSet: what one config needs at request time — the detector module (loaded once, shared by every worker; a
// load failure refuses the config), the challenge signer, and each route's resolved policy (action per class,
// rate-limit bucket, metric handles). Immutable.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "bot/challenge.h"
#include "bot/classifier.h"
#include "bot/detector.h"
#include "bot/metrics.h"
#include "bot/rate_limiter.h"
#include "bot/redis_rate_limiter.h"
#include "config/config.h"

namespace aegis::redis {
class Client;
}

namespace aegis::bot {

class BotService {
 public:
  // `redis` is the pipeline's client (may be null); used only with `bot.rate_limit_store: redis`.
  BotService(const config::Config& cfg, std::shared_ptr<redis::Client> redis);

  LocalRateLimiter& local_limiter() { return *local_; }
  LocalRateLimiter& rate_signal() { return *signal_; }
  RedisRateLimiter* redis_limiter() { return redis_.get(); }
  const std::string& generated_secret() const { return secret_; }

 private:
  std::shared_ptr<LocalRateLimiter> local_;
  std::shared_ptr<LocalRateLimiter> signal_;
  std::unique_ptr<RedisRateLimiter> redis_;
  std::string secret_;
};

struct RoutePolicy {
  bool enabled = false;
  std::array<Action, kBotClassCount> actions{};  // by BotClass
  bool rate_limited = false;
  BucketSpec bucket;
  std::string key_header;   // empty: key by client IP
  std::string label;        // "host/path_prefix", metric label and bucket key prefix
  metrics::Counter limited; // rate_limited_total{route=label}
};

class BotSet {
 public:
  // Throws (config refused) when the detector module cannot be loaded.
  static std::shared_ptr<const BotSet> load(const config::Config& cfg, const BotService& service);

  const BotDetector& detector() const { return *detector_; }
  const ChallengeSigner& signer() const { return *signer_; }
  // Policy of routes[i]; nullptr when bot management is off for it.
  const RoutePolicy* route(std::size_t i) const {
    return i < routes_.size() && routes_[i].enabled ? &routes_[i] : nullptr;
  }
  int suspicious_score() const { return suspicious_score_; }
  bool rate_signal_enabled() const { return rate_signal_enabled_; }
  const BucketSpec& rate_signal_bucket() const { return rate_signal_; }

 private:
  std::shared_ptr<const BotDetector> detector_;
  std::unique_ptr<ChallengeSigner> signer_;
  std::vector<RoutePolicy> routes_;
  int suspicious_score_ = 50;
  bool rate_signal_enabled_ = false;
  BucketSpec rate_signal_;
};

// "allow" → Action::kAllow, ... (config values; anything else is kAllow).
Action parse_action(const std::string& s);

}  // namespace aegis::bot
