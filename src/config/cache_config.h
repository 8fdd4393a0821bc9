// Config model of the `cache` section (the shared HTTP cache, RFC 9111) and of `routes[].cache` (per-route policy).
// Owned by the cache subsystem (src/cache). See docs/cache.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace aegis::config {

struct CacheConfig {
  bool enabled = false;
  std::size_t memory_size = 256u * 1024 * 1024;    // in-memory store budget (fixed at start)
  std::size_t max_object_size = 8u * 1024 * 1024;  // larger responses are passed through, not stored
  unsigned shards = 16;                            // in-memory store shards (fixed at start)
  std::string store = "memory";                    // memory | redis (memory L1 + Redis L2, src/cache/tiered_store.h)
  std::chrono::milliseconds default_ttl{0};        // freshness without explicit freshness; 0 = heuristic
  std::chrono::milliseconds heuristic_max{24 * 3600 * 1000};  // cap of heuristic freshness
  std::chrono::milliseconds purge_poll_interval{100};  // store: redis — how often the purge log is read
  bool collapse = true;                            // request collapsing of concurrent misses
  std::string surrogate_key_header = "surrogate-key";  // response header with purge tags (lower-case)
  std::string surrogate_device = "aegis";          // Surrogate-Control device token; "" = Surrogate-Control ignored
  std::string status_header = "X-Cache";           // HIT/MISS/STALE/REVALIDATED/BYPASS on responses; "" = none

  bool operator==(const CacheConfig&) const = default;
};

struct RouteCache {
  bool bypass = false;                      // never cache on this route (X-Cache: BYPASS)
  std::chrono::milliseconds default_ttl{0}; // 0 = cache.default_ttl
  bool ignore_query = false;                // the query string is not part of the cache key
  std::vector<std::string> key_headers;     // request headers added to the key (lower-case)
  std::vector<std::string> key_cookies;     // cookies added to the key

  bool operator==(const RouteCache&) const = default;
};

}  // namespace aegis::config
