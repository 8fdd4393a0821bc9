#include "bot/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace aegis::bot {

RateDecision TokenBucket::take(const BucketSpec& spec, SteadyTime now) {
  if (now > updated) {
    double elapsed = std::chrono::duration<double>(now - updated).count();
    tokens = std::min(spec.burst, tokens + elapsed * spec.rate);
    updated = now;
  }
  RateDecision d;
  if (tokens >= 1.0) {
    tokens -= 1.0;
    d.allowed = true;
    d.remaining = tokens;
    return d;
  }
  d.allowed = false;
  d.remaining = tokens;
  double wait_s = (1.0 - tokens) / spec.rate;
  d.retry_after = std::chrono::milliseconds(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait_s * 1000.0))));
  return d;
}

bool TokenBucket::full_at(const BucketSpec& spec, SteadyTime now) const {
  double elapsed = now > updated ? std::chrono::duration<double>(now - updated).count() : 0.0;
  return tokens + elapsed * spec.rate >= spec.burst;
}

LocalRateLimiter::LocalRateLimiter(std::size_t max_keys, std::size_t shards)
    : max_keys_(std::max<std::size_t>(max_keys, 1)) {
  shards = std::clamp<std::size_t>(shards, 1, max_keys_);
  per_shard_ = std::max<std::size_t>(1, max_keys_ / shards);
  for (std::size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

LocalRateLimiter::Shard& LocalRateLimiter::shard_for(std::string_view key) {
  return *shards_[std::hash<std::string_view>{}(key) % shards_.size()];
}

RateDecision LocalRateLimiter::take(std::string_view key, const BucketSpec& spec, SteadyTime now) {
  Shard& s = shard_for(key);
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.index.find(key);
  if (it != s.index.end()) {
    s.lru.splice(s.lru.begin(), s.lru, it->second);  // most recently used
    return it->second->second.take(spec, now);
  }
  while (s.lru.size() >= per_shard_) {
    s.index.erase(std::string_view(s.lru.back().first));
    s.lru.pop_back();
    ++s.evictions;
  }
  s.lru.emplace_front(std::string(key), TokenBucket::full(spec, now));
  s.index.emplace(std::string_view(s.lru.front().first), s.lru.begin());
  return s.lru.front().second.take(spec, now);
}

std::size_t LocalRateLimiter::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard<std::mutex> lock(s->mu);
    n += s->lru.size();
  }
  return n;
}

uint64_t LocalRateLimiter::evictions() const {
  uint64_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard<std::mutex> lock(s->mu);
    n += s->evictions;
  }
  return n;
}

}  // namespace aegis::bot
