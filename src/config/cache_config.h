// Config model of the `cache` section (the shared HTTP cache, RFC 9111) and of `routes[].cache` (per-route policy).
// Owned by the cache subsystem (src/cache).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace aegis::config {

struct CacheConfig {
  bool enabled = false;

  bool operator==(const CacheConfig&) const = default;
};

struct RouteCache {
  bool bypass = false;

  bool operator==(const RouteCache&) const = default;
};

}  // namespace aegis::config
