// Per-client rate limiting: token buckets, in-process (LocalRateLimiter) or in Redis (redis_rate_limiter.h).
//
// A bucket holds up to `burst` tokens and refills at `rate` tokens per second; a request takes one token or is
// refused with the time until one is back (Retry-After). A bucket that would be full is the same as no bucket,
// so stores may forget idle buckets.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace aegis::bot {

using SteadyTime = std::chrono::steady_clock::time_point;

struct BucketSpec {
  double rate = 1.0;   // tokens per second (> 0)
  double burst = 1.0;  // bucket size (>= 1)
};

struct RateDecision {
  bool allowed = true;
  std::chrono::milliseconds retry_after{0};  // when refused: time until one token is back (>= 1 ms)
  double remaining = 0;                      // tokens left after this request
};

// One bucket (pure arithmetic, explicit time).
struct TokenBucket {
  double tokens = 0;
  SteadyTime updated{};

  static TokenBucket full(const BucketSpec& spec, SteadyTime now) { return TokenBucket{spec.burst, now}; }
  // Refills up to `now`, then takes one token if there is one.
  RateDecision take(const BucketSpec& spec, SteadyTime now);
  // Whether the bucket would be full at `now` (then it can be forgotten).
  bool full_at(const BucketSpec& spec, SteadyTime now) const;
};

// Buckets by key, in process, shared by all workers: sharded (a mutex per shard), bounded (least recently used
// buckets are evicted beyond max_keys; an evicted bucket starts full again).
class LocalRateLimiter {
 public:
  explicit LocalRateLimiter(std::size_t max_keys = 100000, std::size_t shards = 64);
  RateDecision take(std::string_view key, const BucketSpec& spec, SteadyTime now = std::chrono::steady_clock::now());
  std::size_t size() const;           // buckets held
  uint64_t evictions() const;         // buckets dropped to stay within max_keys
  std::size_t max_keys() const { return max_keys_; }

 private:
  struct Shard {
    mutable std::mutex mu;
    std::list<std::pair<std::string, TokenBucket>> lru;  // most recently used first
    std::unordered_map<std::string_view, std::list<std::pair<std::string, TokenBucket>>::iterator> index;
    uint64_t evictions = 0;
  };
  Shard& shard_for(std::string_view key);

  std::size_t max_keys_;
  std::size_t per_shard_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace aegis::bot
