// RedisRateLimiter: token buckets kept in Redis so that several nodes share one budget per client.
//
// One atomic Lua script per request (EVAL): refill from Redis' own clock (TIME, so node clocks do not matter),
// take a token or compute the wait, store the bucket with a PEXPIRE of the time to refill completely. Keys are
// `redis.key_prefix` + "rl:" + the limiter key.
//
// Fail open to the local limiter: while the client is not connected, or when a command fails (timeout, lost
// connection, error reply), the decision comes from the in-process LocalRateLimiter (each node then enforces the
// budget on its own) and `rate_limit_redis_fallbacks_total` counts it. Requests are never failed because Redis is
// down.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "bot/rate_limiter.h"

namespace aegis::redis {
class Client;
}

namespace aegis::bot {

class RedisRateLimiter {
 public:
  RedisRateLimiter(std::shared_ptr<redis::Client> client, std::shared_ptr<LocalRateLimiter> fallback);

  // Calls `done` exactly once: synchronously (before take returns) when Redis is not connected, else later from
  // the Redis client's I/O thread. `shared` is true when the decision came from Redis.
  using Done = std::function<void(RateDecision decision, bool shared)>;
  void take(const std::string& key, const BucketSpec& spec, Done done);

  // Whether take() would ask Redis right now.
  bool connected() const;

 private:
  std::shared_ptr<redis::Client> client_;
  std::shared_ptr<LocalRateLimiter> fallback_;
};

}  // namespace aegis::bot
